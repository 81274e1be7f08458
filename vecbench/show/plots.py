"""The report's figures, drawn from a run document (PNG bytes, no display).

Figures are built with matplotlib's object API (``Figure`` rendered by Agg),
never pyplot, so no backend or global state is touched and nothing tries to
open a window. Each function returns PNG bytes:

- ``time_vs_size``: one kernel, time per call vs ladder size on log-log axes,
  one line per tier, IQR as error bars, budget-skipped sizes as hollow
  markers at their predicted time, gate failures named in the legend;
- ``speedup_heatmap``: kernel x tier speed-up over the python loops at the
  largest size where both were timed;
- ``roofline``: achieved GFLOP/s vs arithmetic intensity (flop/byte) from
  the kernels' cost models, with the machine's ceilings when the run
  carries them (``machine["ceilings"]``).
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from typing import Any

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from vecbench.measure import results
from vecbench.show import roofplot

#: A fixed colour and marker per core tier, so a tier looks the same in every figure.
TIER_STYLE = {"python": ("#d62728", "o"), "numpy": ("#1f77b4", "s"), "numba": ("#2ca02c", "^")}
EXTRA_COLOURS = ("#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
EXTRA_MARKERS = ("D", "v", "P", "X", "<", ">")
#: Size of the time-vs-size figure (inches), the report's and the notebook API's.
FIGSIZE = (7.5, 4.8)


def tier_style(tier: str, tiers: list[str]) -> tuple[str, str]:
    if tier in TIER_STYLE:
        return TIER_STYLE[tier]
    i = [t for t in tiers if t not in TIER_STYLE].index(tier)
    return EXTRA_COLOURS[i % len(EXTRA_COLOURS)], EXTRA_MARKERS[i % len(EXTRA_MARKERS)]


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    # no Software tag: the report must not carry any URL, even inside an image
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return buf.getvalue()


def say(ax, message: str) -> None:
    """Put ``message`` where a plot would be (nothing was timed to draw)."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, transform=ax.transAxes)


def drawable(rec: dict[str, Any]) -> bool:
    """Timed, with a time a log axis can show (a coarse timer can read 0)."""
    return rec["status"] == "ok" and rec["stats"]["median"] > 0


def time_vs_size(kernel: str, records: list[dict[str, Any]], subtitle: str = "") -> bytes:
    """Time per call vs size for one kernel, one line per tier (log-log)."""
    return png(draw_time_vs_size(Figure(figsize=FIGSIZE), kernel, records, subtitle))


def draw_time_vs_size(fig: Figure, kernel: str, records: list[dict[str, Any]], subtitle: str = "") -> Figure:
    """Draw ``time_vs_size``'s plot into ``fig`` (the notebook API passes its own kind of Figure)."""
    mine = [r for r in records if r["kernel"] == kernel]
    tiers = results.tiers_in(records)
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.12, top=0.88)  # fixed: constrained layout is 2x slower
    ax = fig.add_subplot()
    for tier in [t for t in tiers if any(r["tier"] == t for r in mine)]:
        colour, marker = tier_style(tier, tiers)
        rows = sorted((r for r in mine if r["tier"] == tier), key=lambda r: r["n"])
        ok = [r for r in rows if drawable(r)]
        label = tier
        failed = [r["n"] for r in rows if r["status"] in ("failed", "error")]
        if failed:
            label += f" (failed the gate at n={', '.join(map(str, failed))})"
        if ok:
            n = [r["n"] for r in ok]
            med = np.array([r["stats"]["median"] for r in ok])
            lo = med - np.array([r["stats"]["q1"] for r in ok])
            hi = np.array([r["stats"]["q3"] for r in ok]) - med
            ax.errorbar(n, med, yerr=[np.maximum(lo, 0), np.maximum(hi, 0)], color=colour, marker=marker,
                        capsize=3, label=label)
            label = None
        skipped = [r for r in rows if r["status"] == "skipped" and r.get("estimate")]
        if skipped:
            xs = [r["n"] for r in skipped]
            ys = [r["estimate"] for r in skipped]
            if ok:  # continue the measured line, dotted, to the predictions
                xs, ys = [ok[-1]["n"], *xs], [ok[-1]["stats"]["median"], *ys]
            ax.plot(xs, ys, linestyle=":", color=colour)
            ax.plot([r["n"] for r in skipped], [r["estimate"] for r in skipped], linestyle="none",
                    marker=marker, markerfacecolor="none", color=colour,
                    label=f"{tier}: predicted, skipped over budget" if label is None else label)
        elif label is not None:  # a tier with nothing to draw still shows why in the legend
            ax.plot([], [], color=colour, marker=marker, label=label)
    if not any(drawable(r) or r.get("estimate") for r in mine):
        say(ax, f"{kernel}: no tier was timed (see the table for why)")
        return fig
    ax.set_xscale("log")
    ax.set_yscale("log")
    sizes = sorted({r["n"] for r in mine})
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])  # ticks at the ladder's own sizes
    ax.xaxis.set_minor_formatter(NullFormatter())
    biggest = max(mine, key=lambda r: r["n"]) if mine else None
    shapes = results.short(results.shape_text(biggest.get("shapes"))) if biggest else ""
    ax.set_xlabel(f"size n (inputs at n={biggest['n'] if biggest else '?'}: {shapes})")
    ax.set_ylabel("time per call (s), median with IQR")
    ax.set_title(f"{kernel}: time per call vs size" + (f"\n{subtitle}" if subtitle else ""), fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    return fig


def headline(records: list[dict[str, Any]], baseline: str = "python") -> dict[str, dict[str, Any]]:
    """Per kernel, the records at the largest size where ``baseline`` was timed."""
    by_kernel: dict[str, dict[int, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for r in records:
        by_kernel[r["kernel"]][r["n"]][r["tier"]] = r
    out = {}
    for kernel, sizes in by_kernel.items():
        timed = [n for n, tiers in sizes.items() if tiers.get(baseline, {}).get("status") == "ok"]
        if timed:
            out[kernel] = {"n": max(timed), "tiers": sizes[max(timed)]}
    return out


def speedup_heatmap(records: list[dict[str, Any]], subtitle: str = "") -> bytes:
    """Kernel x tier speed-up over python (log colour scale, annotated)."""
    rows = headline(records)
    tiers = [t for t in results.tiers_in(records) if t != "python"]
    kernels = list(rows)
    values = np.full((len(kernels), len(tiers)), np.nan)
    for i, k in enumerate(kernels):
        for j, t in enumerate(tiers):
            s = rows[k]["tiers"].get(t, {}).get("speedup_vs_python")
            if s:
                values[i, j] = s
    fig = Figure(figsize=(max(6.5, 3.5 + 1.3 * len(tiers)), 2.4 + 0.34 * max(len(kernels), 1)),
                 layout="constrained")
    ax = fig.add_subplot()
    if not np.isfinite(values).any():
        say(ax, "no speed-ups to show: no kernel had its python tier and another tier timed at one size")
        return png(fig)
    logs = np.log10(values)
    span = max(float(np.nanmax(np.abs(logs))) if np.isfinite(logs).any() else 1.0, 0.5)
    image = ax.imshow(np.ma.masked_invalid(logs), cmap="RdYlGn", aspect="auto",
                      norm=TwoSlopeNorm(vmin=-span, vcenter=0.0, vmax=span))
    for i in range(len(kernels)):
        for j in range(len(tiers)):
            v = values[i, j]
            text = "—" if math.isnan(v) else (f"{v:,.0f}×" if v >= 10 else f"{v:.2g}×")
            ax.text(j, i, text, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(tiers)), tiers)
    ax.set_yticks(range(len(kernels)), [f"{k} (n={rows[k]['n']})" for k in kernels], fontsize=8)
    ax.set_xlabel("tier")
    ax.set_ylabel("kernel (size n)")
    ax.set_title("speed-up over the python loops\nat the largest size where the loops were timed"
                 + (f"\n{subtitle}" if subtitle else ""), fontsize=10)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label("log10 of speed-up (green: faster than loops)")
    return png(fig)


def ceiling_lines(machine: dict[str, Any]) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(compute ceilings in GFLOP/s, bandwidth ceilings in GB/s) found in a run's machine.

    Read leniently from ``machine["ceilings"]``: a numeric entry whose key
    names GFLOP/s (``gflops``) is a compute roof, one naming GB/s (``gbs``,
    ``gb_per_s``, ``bandwidth``) a memory roof; nested dicts are searched.
    """
    compute, memory = [], []

    def walk(obj: Any, path: str) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, f"{path} {k}".strip())
        elif isinstance(obj, (int, float)) and not isinstance(obj, bool) and obj > 0:
            low = path.lower()
            if "gflop" in low:
                compute.append((path, float(obj)))
            elif "gbs" in low or "gb_per_s" in low or "gb/s" in low or "bandwidth" in low:
                memory.append((path, float(obj)))

    walk(machine.get("ceilings") or {}, "")
    return compute, memory


def roofline(records: list[dict[str, Any]], machine: dict[str, Any], subtitle: str = "") -> bytes:
    """Achieved GFLOP/s vs arithmetic intensity, each kernel x tier at its largest timed size."""
    tiers = results.tiers_in(records)
    largest: dict[tuple[str, str], dict] = {}
    for r in records:
        if r["status"] == "ok" and r.get("gflops") and r.get("intensity"):
            k = (r["kernel"], r["tier"])
            if k not in largest or r["n"] > largest[k]["n"]:
                largest[k] = r
    fig = Figure(figsize=(8, 5.5))
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.1, top=0.9)
    ax = fig.add_subplot()
    for tier in tiers:
        pts = [r for (k, t), r in largest.items() if t == tier]
        if not pts:
            continue
        colour, marker = tier_style(tier, tiers)
        ax.scatter([r["intensity"] for r in pts], [r["gflops"] for r in pts], color=colour, marker=marker,
                   label=tier, alpha=0.85)
    best: dict[str, dict] = {}
    for (k, _), r in largest.items():
        if k not in best or r["gflops"] > best[k]["gflops"]:
            best[k] = r
    for k, r in best.items():
        ax.annotate(k, (r["intensity"], r["gflops"]), fontsize=7, xytext=(4, 2), textcoords="offset points")
    if not largest:
        say(ax, "nothing to place: no timed record has a flop count")
        return png(fig)
    measured = roofplot.measured(machine)
    compute, memory = ([], []) if measured else ceiling_lines(machine)
    if largest:
        xs = np.array([r["intensity"] for r in largest.values()])
        x = np.geomspace(xs.min() / 2, xs.max() * 2, 50)
        lo, hi = xs.min() / 3, xs.max() * 3  # at least a decade, so the axis has labelled ticks
        if measured:  # `vecbench roofline`'s roofs for this run's dtype
            lo, hi = roofplot.draw_roofs(ax, measured, next(iter(largest.values()))["dtype"], lo, hi)
        for label, gbs in memory:
            ax.plot(x, gbs * x, linestyle="--", color="grey", linewidth=1)
            ax.annotate(f"{label}: {gbs:g} GB/s", (x[0], gbs * x[0]), fontsize=7, color="grey")
        for label, gflops in compute:
            ax.axhline(gflops, linestyle="--", color="black", linewidth=1)
            ax.annotate(f"{label}: {gflops:g} GFLOP/s", (x[0], gflops), fontsize=7, va="bottom")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
    note = "" if compute or memory or measured else " (no measured ceilings: run `vecbench roofline`)"
    ax.set_xlabel("arithmetic intensity (flop per byte moved, from the cost model)")
    ax.set_ylabel("achieved throughput (GFLOP/s)")
    ax.set_title("roofline view: each kernel x tier at its largest timed size" + note
                 + (f"\n{subtitle}" if subtitle else ""), fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    if largest:
        ax.legend(title="tier", fontsize=8)
    return png(fig)
