"""Kernels against the machine's ceilings: the roofline plot and "% of ceiling".

The roofline model bounds what a kernel can reach by two roofs: it cannot
move bytes faster than the memory bandwidth ``B`` (B/s), nor compute faster
than the peak ``P`` (FLOP/s). With arithmetic intensity
``I = flops / bytes`` from its cost model, the attainable throughput is

    attainable(I) = min(P, B * I)        (FLOP/s)

A kernel left of the ridge point ``I = P / B`` is memory-bound: its roof is
the bandwidth slope, and "% of ceiling" is its achieved bytes per second
over ``B``. Right of it, the roof is the FLOP peak. Both are the same number:
achieved FLOP/s over ``attainable(I)``.

A point is one kernel's best tier (shortest median) at its largest measured
size, where its data is least likely to sit in cache; the roofs are the
all-thread ceilings of the matching dtype (``vecbench roofline``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

import impls
from vecbench.ceilings import store as ceilings_store
from vecbench.ceilings.store import measured


def attainable(intensity: float, bandwidth: float, peak: float) -> float:
    """FLOP/s the roofs allow at ``intensity`` flop/byte."""
    return min(peak, bandwidth * intensity)


def points(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run's timed records (``vecbench.measure.results``) as points: median seconds, cost model."""
    return [dict(kernel=r["kernel"], tier=r["tier"], n=r["n"], dtype=r["dtype"], seconds=r["stats"]["median"],
                 flops=float(r.get("flops") or 0.0), bytes=float(r.get("bytes") or 0.0))
            for r in records if r.get("status") == "ok" and r.get("stats")]


def best_points(points: Iterable[dict[str, Any]], ceilings: dict | None,
                threads: str = "all") -> list[dict[str, Any]]:
    """Each (kernel, dtype)'s best tier at its largest size, against the roofs.

    ``points`` are dicts with ``kernel, tier, n, dtype, seconds, flops,
    bytes`` (one call's median and cost model); the result adds
    ``intensity, flops_per_s, bytes_per_s``, and, with ``ceilings``,
    ``bound`` ("memory" or "compute") and ``pct_of_ceiling``.
    """
    largest: dict[tuple, dict] = {}
    for p in points:
        if not p.get("seconds") or p["seconds"] <= 0 or not p.get("bytes"):
            continue
        key = (p["kernel"], p["dtype"])
        best = largest.get(key)
        if best is None or p["n"] > best["n"] or (p["n"] == best["n"] and p["seconds"] < best["seconds"]):
            largest[key] = p
    rows = []
    for (kernel, dtype), p in sorted(largest.items()):
        row = dict(p, intensity=p["flops"] / p["bytes"],
                   flops_per_s=p["flops"] / p["seconds"], bytes_per_s=p["bytes"] / p["seconds"])
        spec = impls.KERNELS.get(kernel)
        why = spec.extra.get("no_ceiling", {}).get(p["tier"]) if spec is not None else None
        if why:  # e.g. a view: bytes per second of nothing moved is no figure
            row["no_ceiling"] = why
        if ceilings is not None:
            bw = ceilings_store.bandwidth(ceilings, threads)
            peak = ceilings_store.peak_flops(ceilings, dtype, threads)
            memory_bound = row["intensity"] < peak / bw
            row["bound"] = "memory" if memory_bound else "compute"
            # the same ratio as flops_per_s / attainable(I), and defined for copies (0 flops)
            if not why:
                row["pct_of_ceiling"] = 100.0 * (row["bytes_per_s"] / bw if memory_bound else row["flops_per_s"] / peak)
        rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Headers and text rows of the "% of ceiling" table."""
    headers = ["kernel", "dtype", "best tier", "n", "flop/byte", "GFLOP/s", "GB/s", "bound by", "% of ceiling"]
    body = [[r["kernel"], r["dtype"], r["tier"], str(r["n"]), f"{r['intensity']:.3g}",
             f"{r['flops_per_s'] / 1e9:.3g}", f"{r['bytes_per_s'] / 1e9:.3g}", r.get("bound", "?"),
             _pct_cell(r)] for r in rows]
    return headers, body


def _pct_cell(r: dict[str, Any]) -> str:
    if "no_ceiling" in r:
        return f"n/a ({r['no_ceiling']})"
    return f"{r['pct_of_ceiling']:.0f}%" if "pct_of_ceiling" in r else "—"


def draw_roofs(ax: Any, ceilings: dict, dtype: str, lo: float, hi: float) -> tuple[float, float]:
    """Draw the all-thread and one-thread roofs in GFLOP/s over at least [lo, hi]
    flop/byte (widened to show each ridge point); returns the x range drawn."""
    for threads, style in (("all", "-"), ("single", ":")):
        bw = ceilings_store.bandwidth(ceilings, threads)
        peak = ceilings_store.peak_flops(ceilings, dtype, threads)
        lo, hi = min(lo, peak / bw / 8), max(hi, peak / bw * 8)
        x = np.geomspace(lo, hi, 200)
        count = ceilings["threads"][threads]
        ax.plot(x, np.minimum(peak, bw * x) / 1e9, style, color="black", linewidth=1.2 if threads == "all" else 0.8,
                label=f"roof, {count} thread{'s' * (count > 1)}: {bw / 1e9:.1f} GB/s, {peak / 1e9:.1f} GFLOP/s")
    return lo, hi


def report_blocks(doc: dict[str, Any]) -> list[tuple]:
    """The report's "% of ceiling" section for a run document (vecbench.measure.results)."""
    ceilings = measured(doc.get("machine", {}))
    threads = "single" if doc.get("settings", {}).get("threads") == 1 else "all"
    rows = best_points(points(doc.get("records", [])), ceilings, threads)
    blocks: list[tuple] = [("h2", "How close to the machine's ceilings")]
    if ceilings is None:
        why = doc.get("machine", {}).get("ceilings_error") or "no ceilings were stored for this machine"
        return blocks + [("p", f"No % of ceiling: {why}. Run `vecbench roofline`, then `vecbench run` again.")]
    blocks.append(("p", f"Each kernel's best tier at its largest size against the {threads}-thread roofs "
                        f"measured by `vecbench roofline` on {ceilings.get('measured_at', '?')}: bandwidth "
                        f"{ceilings_store.bandwidth(ceilings, threads) / 1e9:.1f} GB/s (the best of STREAM copy, "
                        "triad, read and write), BLAS matmul peak per dtype. Left of the ridge point the roof is bandwidth and % of "
                        "ceiling is GB/s over it; right of it, GFLOP/s over the peak. Over 100%: the data was "
                        "still in cache, or the tier moved less than the cost model counts (a view moves "
                        "nothing)."))
    return blocks + [("table", *table(rows))]


def transcendental_rows(records: Iterable[dict[str, Any]], ceilings: dict | None,
                        threads: str = "all") -> tuple[list[str], list[list[str]]]:
    """Every tier of the kernels built on exp/log/tanh (records with
    ``elements``), each at its largest timed size (the loops may stop short
    of the others, over budget): elements per second, GB/s and % of the
    bandwidth roof, fastest first."""
    largest: dict[tuple, dict] = {}
    for r in records:
        if r.get("elements_per_s") and r.get("status") == "ok":
            key = (r["kernel"], r["dtype"], r["tier"])
            if key not in largest or r["n"] > largest[key]["n"]:
                largest[key] = r
    bw = ceilings_store.bandwidth(ceilings, threads) if ceilings is not None else None
    ordered = sorted(largest.values(), key=lambda r: (r["kernel"], r["dtype"], -r["n"], -r["elements_per_s"]))
    rows = []
    for r in ordered:
        gbs, mels = r["gbytes_per_s"], r["elements_per_s"] / 1e6
        rows.append([r["kernel"], r["dtype"], str(r["n"]), r["tier"], f"{r['stats']['median'] * 1e3:.3g} ms",
                     f"{mels:,.0f}" if mels >= 10 else f"{mels:.2g}", f"{gbs:.3g}",
                     f"{100 * gbs * 1e9 / bw:.0f}%" if bw else "—"])
    return ["kernel", "dtype", "n", "tier", "median", "M elements/s", "GB/s", "% of bandwidth"], rows


def vector_math_sentence(ceilings: dict | None, dtype: str = "float64") -> str:
    """How this build evaluates exp, as ``vecbench roofline`` found it, in words."""
    info = (ceilings or {}).get("vector_math")
    try:
        numba_exp = info["numba"]["functions"]["exp"][dtype]
        numpy_exp = info["numpy"]["exp"][dtype]
    except (TypeError, KeyError):
        return "Run `vecbench roofline` to record how this build evaluates exp, log and tanh."
    width = numba_exp["ir_vector_width"]
    return (f"On this build ({dtype}), Numba's loops over exp are "
            f"{'vectorized x' + str(width) if width > 1 else 'scalar'} in LLVM IR and become "
            f"{numba_exp['asm']} in machine code; NumPy's exp loop is built for {numpy_exp or '?'} "
            "(`vecbench roofline` prints the whole table).")


def transcendental_blocks(doc: dict[str, Any]) -> list[tuple]:
    """The report's section on the kernels built on exp/log/tanh (none if the run has none)."""
    ceilings = measured(doc.get("machine", {}))
    threads = "single" if doc.get("settings", {}).get("threads") == 1 else "all"
    headers, rows = transcendental_rows(doc.get("records", []), ceilings, threads)
    if not rows:
        return []
    dtype = doc.get("settings", {}).get("dtype") or "float64"
    return [("h2", "Kernels built on exp, log and tanh"),
            ("p", "Every tier at its largest timed size. Elements per second "
                  "is their natural speed: each element costs an evaluation of exp or log, many more cycles "
                  "than streaming its bytes from memory takes, most of all as a call into scalar libm instead "
                  "of a vector routine; so these kernels stay far below the bandwidth roof. "
                  + vector_math_sentence(ceilings, dtype)),
            ("table", headers, rows)]


def print_ceiling_table(doc: dict[str, Any], console: Any = None) -> None:
    """The "% of ceiling" table in the terminal (nothing without ceilings)."""
    blocks = report_blocks(doc)
    if blocks[-1][0] != "table":
        return
    from rich.console import Console
    from rich.table import Table
    headers, rows = blocks[-1][1:]
    out = Table(title="each kernel's best tier against this machine's ceilings (vecbench roofline)",
                title_justify="left")
    for i, h in enumerate(headers):
        out.add_column(h, justify="left" if i < 3 else "right")
    for row in rows:
        out.add_row(*row)
    if console is None:  # piped output keeps whole rows, as the report's own table does
        import sys
        console = Console() if sys.stdout.isatty() else Console(width=240)
    console.print(out)


def plot(ax: Any, rows: list[dict[str, Any]], ceilings: dict | None, dtype: str = "float64") -> None:
    """Draw the roofs of ``ceilings`` and the ``rows`` of ``dtype`` on ``ax``."""
    rows = [r for r in rows if r["dtype"] == dtype and r["intensity"] > 0]
    intensities = [r["intensity"] for r in rows] or [1.0]
    lo, hi = min(intensities) / 4, max(intensities) * 4
    if ceilings is not None:
        lo, hi = draw_roofs(ax, ceilings, dtype, lo, hi)
    for r in rows:
        ax.scatter(r["intensity"], r["flops_per_s"] / 1e9, zorder=3)
        label = f"{r['kernel']} ({r['tier']})"
        if "pct_of_ceiling" in r or "no_ceiling" in r:
            label += " " + _pct_cell(r)
        ax.annotate(label, (r["intensity"], r["flops_per_s"] / 1e9), fontsize=7,
                    xytext=(4, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_xlabel("arithmetic intensity (flop / byte, from the cost model)")
    ax.set_ylabel("achieved GFLOP/s")
    title = f"roofline ({dtype}): each kernel's best tier at its largest size"
    if ceilings is None:
        title += "\n(no ceilings for this machine: run `vecbench roofline`)"
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if ceilings is not None:
        ax.legend(fontsize=7, loc="lower right")
