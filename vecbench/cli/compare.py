"""``vecbench compare A.json B.json``: the verdicts of ``vecbench.verdict.compare`` as a table."""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from vecbench import UsageError, VecbenchError, files
from vecbench.cli.args import seconds, threshold
from vecbench.measure import results
from vecbench.show import report
from vecbench.show.report import fmt_time
from vecbench.verdict import stats
from vecbench.verdict.compare import (
    DEFAULT_STAT,
    DEFAULT_THRESHOLD,
    REGRESSIONS,
    compare,
    counts,
    document,
    machine_differences,
    planted,
    probe_ratio,
    speed_scale,
)


#: Why each command judges the statistic it does by default.
STAT_HELP = {"min": "separate runs' medians move with how many samples caught a CPU in its slow state",
             "median": "of the pairs' ratios, taken moments apart on one CPU"}


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", type=Path, metavar="A.json", help="the baseline run")
    p.add_argument("b", type=Path, metavar="B.json", help="the run to judge")
    add_judge_options(p)
    p.add_argument("--adjust-speed", action=argparse.BooleanOptionalAction, default=None,
                   help="divide every B / A by the ratio of the runs' speed probes, so that the machine's own "
                        "change of speed between the runs is not taken for the code's (default: on where both "
                        "runs have probes; --no-adjust-speed judges the times as measured)")
    p.add_argument("--all", action="store_true", help="list every record, not only changes")
    p.add_argument("--json", type=Path, metavar="PATH",
                   help="also write the verdicts as a JSON document here (a new file, never overwritten)")


def add_judge_options(p: argparse.ArgumentParser, threshold_default: float = DEFAULT_THRESHOLD,
                      min_time_default: float = 0.0, stat_default: str = DEFAULT_STAT) -> None:
    """The options of the verdict rule, which ``compare`` and ``ab`` share (each with its own defaults)."""
    p.add_argument("--threshold", type=threshold, default=threshold_default, metavar="PCT",
                   help="smallest change that counts, e.g. 5%% or 0.05 (default: "
                        f"{round(threshold_default * 100)}%%)")
    p.add_argument("--min-time", type=seconds, default=min_time_default, metavar="SECONDS",
                   help=f"do not judge records faster than this in both runs (default: {min_time_default:g})")
    p.add_argument("--confidence", type=confidence, default=stats.DEFAULT_CONFIDENCE, metavar="LEVEL",
                   help="confidence level of the interval of B / A, e.g. 95%% (default) or 0.99")
    p.add_argument("--stat", choices=tuple(stats.STATS), default=stat_default,
                   help=f"statistic whose ratio is judged (default: {stat_default}; "
                        + STAT_HELP[stat_default] + ")")


def confidence(text: str) -> float:
    value = threshold(text)
    if not 0.5 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a level between 50% and 99.9%")
    return value


def load_pair(a: Path, b: Path) -> tuple[dict, dict]:
    """Both runs, or a one-line usage error (exit 2) when either is not a run or they cannot be compared."""
    try:
        doc_a, doc_b = results.load(a), results.load(b)
    except VecbenchError as exc:
        raise UsageError(str(exc)) from None
    for field in ("timer", "dtype"):
        fa, fb = doc_a["settings"].get(field), doc_b["settings"].get(field)
        if fa != fb:
            raise UsageError(f"the runs used different {field}s ({fa} vs {fb}); their times are not comparable")
    return doc_a, doc_b


def handle(args: argparse.Namespace) -> int:
    if args.json is not None and args.json.exists():
        raise UsageError(f"{args.json} exists; refusing to overwrite it (choose another --json)")
    doc_a, doc_b = load_pair(args.a, args.b)
    scale = speed_scale(doc_a, doc_b) if args.adjust_speed is not False else None
    if args.adjust_speed and scale is None:
        raise UsageError("--adjust-speed needs both runs' speed probes, and a run here has none")
    args.scale = scale or 1.0
    rows = compare(doc_a, doc_b, args.threshold, args.min_time, args.stat, args.confidence, scale=args.scale)
    console = Console() if sys.stdout.isatty() else Console(width=200)  # piped: keep whole rows
    print_notes(console, doc_a, doc_b, scale is not None)
    print_process_note(console, doc_a, doc_b)
    print_rows(console, rows, f"{args.b.name} vs {args.a.name}", args)
    if args.json is not None:
        files.write_new_or_fail(args.json, results.dumps(document(rows, doc_a, doc_b, judge_of(args))))
        print(f"verdicts: {args.json}")
    return 1 if any(r["verdict"] in REGRESSIONS for r in rows) else 0


def judge_of(args: argparse.Namespace) -> dict:
    """The rule the verdicts were reached by, as the JSON document records it."""
    return {"threshold": args.threshold, "confidence": args.confidence, "stat": args.stat,
            "min_time": args.min_time, "method": f"bootstrap of the ratio of {args.stat}s, "
                                                  f"{stats.RESAMPLES} resamples",
            "speed_scale": getattr(args, "scale", 1.0)}


#: A change of the machine's own speed between the runs past this share is pointed out (``--adjust-speed``).
SPEED_MOVED = 0.03


def print_notes(console: Console, doc_a: dict, doc_b: dict, adjusted: bool | None = None) -> None:
    """What a reader must know before the verdicts: machines that differ, planted slowdowns, the machine's speed
    (``adjusted``: whether the ratios are divided by its change, ``--adjust-speed``; None where not offered)."""
    for diff in machine_differences(doc_a["machine"], doc_b["machine"]):
        console.print(f"[yellow]note[/] the runs differ in {diff}", highlight=False)
    for label, doc in (("A", doc_a), ("B", doc_b)):
        plant = planted(doc)
        if plant:
            what = ", ".join(f"{tier} +{fraction:.0%}" for tier, fraction in plant.items())
            console.print(f"[yellow]note[/] {label} has a planted slowdown ({what}): it measures the verdicts, "
                          "not the code", highlight=False)
    speed = probe_ratio(doc_a, doc_b)
    if speed:
        console.print(speed, highlight=False)
    scale = speed_scale(doc_a, doc_b)
    if adjusted:
        console.print(f"every B / A below is divided by {scale:.3f}, the ratio of the probes' 10th percentiles "
                      "(--no-adjust-speed judges the times as measured)", highlight=False)
    elif adjusted is False and scale is not None and abs(scale - 1) > SPEED_MOVED:
        console.print(f"[yellow]note[/] the machine itself ran {abs(scale - 1):.0%} "
                      f"{'slower' if scale > 1 else 'faster'} in B than in A, by its probes, and every B / A "
                      "below carries that; without --no-adjust-speed it is divided out", highlight=False)
    moved = max((d.get("speed_probe") or {}).get("summary", {}).get("spread", 0) or 0 for d in (doc_a, doc_b))
    if moved > report.SPEED_SPREAD:
        console.print(f"[yellow]warning[/] the machine's own speed moved by {moved:.0%} during the runs (more than "
                      f"{report.SPEED_SPREAD:.0%}): verdicts of a few percent are at its mercy; see the README, "
                      "'What a verdict means', for how often they are wrong on such a machine", highlight=False)


def print_process_note(console: Console, doc_a: dict, doc_b: dict) -> None:
    """Runs taken in one process (``--processes 1``): a state of that process can shift a whole kernel."""
    single = [label for label, doc in (("A", doc_a), ("B", doc_b))
              if int((doc.get("settings") or {}).get("processes") or 1) == 1]
    if single:
        console.print(f"[yellow]note[/] {' and '.join(single)} timed every record in one process, which can hold "
                      "a whole kernel apart from another run's; take runs to compare with --processes 2 (README, "
                      "'Worker processes')", highlight=False)


def print_rows(console: Console, rows: list[dict], title: str, args: argparse.Namespace) -> None:
    """The verdict table (changes only, unless ``--all``) and its summary lines (``compare`` and ``ab``)."""
    adjusted = f", divided by the machine's {args.scale:.3f}" if getattr(args, "scale", 1.0) != 1.0 else ""
    table = Table(title=f"{title} ({args.stat}s, threshold {args.threshold:.0%}, "
                  f"{args.confidence:.0%} bootstrap interval{adjusted})", title_justify="left")
    for col in ("kernel", "tier", "n", "dtype", f"A {args.stat}", f"B {args.stat}", "B / A", "interval",
                "verdict"):
        table.add_column(col, justify="left" if col in ("kernel", "tier", "verdict") else "right")
    colours = {"slower": "red", "broken": "red", "faster": "green", "fixed": "green"}
    for row in rows:
        if not args.all and row["verdict"] in ("same", "inconclusive", "too fast to judge"):
            continue
        kernel, tier, n, dtype = row["key"]
        med = [fmt_time(r["stats"][args.stat]) if r and r["status"] == "ok" else (r or {}).get("status", "—")
               for r in (row["a"], row["b"])]
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "—"
        interval = "{:.2f}-{:.2f}".format(*row["interval"]) if row.get("interval") else "—"
        colour = colours.get(row["verdict"])
        shown = f"[{colour}]{row['verdict']}[/]" if colour else row["verdict"]
        table.add_row(kernel, tier, str(n), dtype, *med, ratio, interval, shown)
    if table.row_count:
        console.print(table)
    console.print(", ".join(f"{n} {v}" for v, n in counts(rows).items()), highlight=False)
    judged = [abs(r["ratio"] - 1) for r in rows if r["ratio"] is not None and r["verdict"] != "too fast to judge"]
    if judged:
        within = sum(d <= args.threshold for d in judged)
        console.print(f"{within} of {len(judged)} timed records within ±{args.threshold:.0%} "
                      f"(largest change {max(judged):.1%}, median change {statistics.median(judged):.1%})",
                      highlight=False)
