"""``vecbench compare A.json B.json``: did anything get slower?

Records are matched by kernel, tier, size and dtype. For each pair the ratio
of medians ``B / A`` (or of minimums, ``--stat min``) is judged against the threshold *and* against the noise
of both runs: a change counts only when it is past the threshold and the two
interquartile ranges do not overlap (B's first quartile above A's third for
"slower"). A ratio past the threshold with overlapping IQRs is reported as
"same (noisy)": the runs cannot tell it apart from noise. A tier that passed
the gate in A and fails it in B is "broken". Exit status 1 when anything is
slower or broken.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vecbench import UsageError, results
from vecbench.report import fmt_time
from vecbench.run_cli import seconds

REGRESSIONS = ("slower", "broken")


def threshold(text: str) -> float:
    """``"10%"`` or ``"0.1"`` -> 0.1."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a threshold like 10% or 0.1") from None
    if not 0 <= value < 10 or (not text.endswith("%") and value >= 1):
        raise argparse.ArgumentTypeError(f"{text!r}: give a percentage like 10% or a fraction below 1")
    return value


def verdict(a: dict[str, Any] | None, b: dict[str, Any] | None, thr: float,
            min_time: float = 0.0, stat: str = "median") -> tuple[str, float | None]:
    """(verdict, ratio B/A of ``stat``) for one matched pair of records.

    Pairs whose medians are both under ``min_time`` are "too fast to judge".
    Whatever ``stat`` is compared, the noise test is the IQRs' overlap.
    """
    if a is None:
        return "only in B", None
    if b is None:
        return "only in A", None
    if a["status"] == "ok" and b["status"] in ("failed", "error"):
        return "broken", None
    if a["status"] in ("failed", "error") and b["status"] == "ok":
        return "fixed", None
    if a["status"] != "ok" or b["status"] != "ok":
        return f"not timed ({a['status']} / {b['status']})", None
    sa, sb = a["stats"], b["stats"]
    if sa[stat] <= 0:
        return "same", None
    ratio = sb[stat] / sa[stat]
    if max(sa["median"], sb["median"]) < min_time:
        return "too fast to judge", ratio
    if ratio > 1 + thr:
        return ("slower", ratio) if sb["q1"] > sa["q3"] else ("same (noisy)", ratio)
    if ratio < 1 / (1 + thr):
        return ("faster", ratio) if sb["q3"] < sa["q1"] else ("same (noisy)", ratio)
    return "same", ratio


def compare(doc_a: dict[str, Any], doc_b: dict[str, Any], thr: float, min_time: float = 0.0,
            stat: str = "median") -> list[dict[str, Any]]:
    """One row per record key in either run, in A's order then B's extras."""
    a = {results.key(r): r for r in doc_a["records"]}
    b = {results.key(r): r for r in doc_b["records"]}
    rows = []
    for k in [*a, *(k for k in b if k not in a)]:
        v, ratio = verdict(a.get(k), b.get(k), thr, min_time, stat)
        rows.append({"key": k, "verdict": v, "ratio": ratio, "a": a.get(k), "b": b.get(k)})
    return rows


def machine_differences(ma: dict[str, Any], mb: dict[str, Any]) -> list[str]:
    """What differs between the two runs' machines and software, as short texts."""
    def facts(m: dict[str, Any]) -> dict[str, Any]:
        blas = [(p.get("internal_api"), p.get("version"), p.get("num_threads"))
                for p in m.get("blas", []) if p.get("user_api") == "blas"]
        return {"CPU": m.get("cpu", {}).get("model"), "numpy": m.get("packages", {}).get("numpy"),
                "numba": m.get("packages", {}).get("numba"), "BLAS": blas,
                "Numba threads": m.get("numba", {}).get("num_threads"), "environment": m.get("env")}
    fa, fb = facts(ma), facts(mb)
    return [f"{k}: {fa[k]} -> {fb[k]}" for k in fa if fa[k] != fb[k]]


def probe_ratio(doc_a: dict[str, Any], doc_b: dict[str, Any]) -> str | None:
    """How the machine's own speed (the runs' speed probes) compares, as a
    sentence; None when a run has no probe."""
    pa, pb = ((d.get("speed_probe") or {}).get("summary") for d in (doc_a, doc_b))
    if not pa or not pb:
        return None
    return (f"machine speed probe (fixed Python work, median): A {fmt_time(pa['median'])}, "
            f"B {fmt_time(pb['median'])}, B / A {pb['median'] / pa['median']:.2f}; it moved by "
            f"{pa['spread']:.0%} within A and {pb['spread']:.0%} within B (10th to 90th percentile)")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", type=Path, metavar="A.json", help="the baseline run")
    p.add_argument("b", type=Path, metavar="B.json", help="the run to judge")
    p.add_argument("--threshold", type=threshold, default=0.10, metavar="PCT",
                   help="smallest change that counts, e.g. 10%% (default) or 0.05")
    p.add_argument("--min-time", type=seconds, default=0.0, metavar="SECONDS",
                   help="do not judge records faster than this in both runs (e.g. 1e-5)")
    p.add_argument("--stat", choices=("median", "min"), default="median",
                   help="statistic whose ratio is judged (default: median; min resists a busy machine)")
    p.add_argument("--all", action="store_true", help="list every record, not only changes")


def handle(args: argparse.Namespace) -> int:
    doc_a, doc_b = results.load(args.a), results.load(args.b)
    if doc_a["settings"].get("timer") != doc_b["settings"].get("timer"):
        raise UsageError(f"the runs used different timers ({doc_a['settings'].get('timer')} vs "
                         f"{doc_b['settings'].get('timer')}); their times are not comparable")
    rows = compare(doc_a, doc_b, args.threshold, args.min_time, args.stat)
    console = Console() if sys.stdout.isatty() else Console(width=200)  # piped: keep whole rows
    for diff in machine_differences(doc_a["machine"], doc_b["machine"]):
        console.print(f"[yellow]note[/] the runs differ in {diff}", highlight=False)
    speed = probe_ratio(doc_a, doc_b)
    if speed:
        console.print(speed, highlight=False)
    table = Table(title=f"{args.b.name} vs {args.a.name} ({args.stat}s, threshold {args.threshold:.0%}, "
                  "noise: IQR overlap)", title_justify="left")
    for col in ("kernel", "tier", "n", "dtype", f"A {args.stat}", f"B {args.stat}", "B / A", "verdict"):
        table.add_column(col, justify="left" if col in ("kernel", "tier", "verdict") else "right")
    colours = {"slower": "red", "broken": "red", "faster": "green", "fixed": "green"}
    for row in rows:
        if not args.all and row["verdict"] in ("same", "same (noisy)", "too fast to judge"):
            continue
        kernel, tier, n, dtype = row["key"]
        med = [fmt_time(r["stats"][args.stat]) if r and r["status"] == "ok" else (r or {}).get("status", "—")
               for r in (row["a"], row["b"])]
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "—"
        colour = colours.get(row["verdict"])
        shown = f"[{colour}]{row['verdict']}[/]" if colour else row["verdict"]
        table.add_row(kernel, tier, str(n), dtype, *med, ratio, shown)
    if table.row_count:
        console.print(table)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    console.print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())), highlight=False)
    judged = [abs(r["ratio"] - 1) for r in rows if r["ratio"] is not None and r["verdict"] != "too fast to judge"]
    if judged:
        within = sum(d <= args.threshold for d in judged)
        console.print(f"{within} of {len(judged)} timed records within ±{args.threshold:.0%} "
                      f"(largest change {max(judged):.1%}, median change {statistics.median(judged):.1%})",
                      highlight=False)
    return 1 if any(counts.get(v) for v in REGRESSIONS) else 0
