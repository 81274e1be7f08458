"""``vecbench ab REV_A REV_B``: two revisions' kernels timed in alternation, then judged as ``compare`` judges.

Prints ``compare``'s table and one summary line, saves the verdicts as a
compare document and each side's run beside it, and exits 1 only on a
confident ``slower`` (or a tier ``broken`` in B): a CI gate.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vecbench import UsageError, files
from vecbench.cli import compare as compare_cli
from vecbench.cli.args import (add_passes_option, add_plant_option, add_retakes_option, check_passes,
                                positive_int, resolve_tiers, seconds)
from vecbench.measure import results, state, timing
from vecbench.measure.settings import Settings
from vecbench.training import workloads
from vecbench.verdict import ab, stats
from vecbench.verdict.compare import REGRESSIONS, compare, document, summary


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("rev_a", metavar="REV_A", help="the baseline: a commit (HEAD~1, a tag, a hash) or a folder "
                   "holding an impls package (a working tree)")
    p.add_argument("rev_b", metavar="REV_B", help="the revision to judge, likewise")
    p.add_argument("--kernels", nargs="+", metavar="K", help="kernels and training workloads (default: all)")
    p.add_argument("--no-training", action="store_true", help="leave the training workloads out of the default")
    p.add_argument("--tiers", nargs="+", metavar="T", help="tiers (default: every tier of each kernel)")
    p.add_argument("--sizes", nargs="+", type=positive_int, metavar="N", help="ladder sizes for every kernel")
    preset = p.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_const", const="quick", dest="preset",
                        help="the quick ladders and short measurements (same as --preset quick)")
    preset.add_argument("--preset", choices=tuple(timing.PLANS), help="size ladder and plan (default: default)")
    p.set_defaults(preset="default")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--threads", type=positive_int, metavar="N", help="threads of each side (default: all cores)")
    p.add_argument("--allocator", choices=tuple(state.ALLOCATOR_MODES), default=state.DEFAULT_ALLOCATOR,
                   help="allocator state of both sides (default: warm)")
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs and of the step order")
    compare_cli.add_judge_options(p, threshold_default=ab.THRESHOLD, min_time_default=ab.MIN_TIME,
                                  stat_default=ab.STAT)
    add_passes_option(p, "; the samples are paired one by one in any case, more passes spread them over more "
                         "of the session")
    add_retakes_option(p)
    add_plant_option(p, "side B's")
    p.add_argument("--all", action="store_true", help="list every record, not only changes")
    p.add_argument("--repo", type=Path, default=Path("."), metavar="DIR",
                   help="the git repository the commits are read from (default: here)")
    p.add_argument("--out", type=Path, metavar="PATH",
                   help="the verdicts' JSON document (default: results/ab/ab-<time>.json); the sides' runs "
                        "go beside it as <name>-A.json and <name>-B.json; nothing is overwritten")


def handle(args: argparse.Namespace) -> int:
    check_passes(args.passes, args.preset)
    kernels = workloads.resolve(args.kernels, training=not args.no_training)
    settings = Settings(preset=args.preset, dtype=args.dtype, seed=args.seed, threads=args.threads,
                        kernels=[k.name for k in kernels], tiers=resolve_tiers(args.tiers), sizes=args.sizes,
                        allocator=args.allocator, passes=args.passes,
                        retakes=args.retakes)
    out = args.out or ab.default_out()
    paths = [out, *ab.run_paths(out)]
    for path in paths:
        if path.exists():
            raise UsageError(f"{path} exists; refusing to overwrite it (choose another --out)")
    rev_a, rev_b = ab.resolve(args.rev_a, args.repo), ab.resolve(args.rev_b, args.repo)
    console = Console(stderr=True)
    progress = Progress(TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True)
    with progress:
        task = progress.add_task("starting both sides", total=None)
        doc_a, doc_b = ab.interleave(
            rev_a, rev_b, settings, dict(args.plant_slowdown),
            on_step=lambda what, done, total: progress.update(task, description=what, completed=done,
                                                              total=total))
    for doc, label in ((doc_a, "A"), (doc_b, "B")):
        if doc["ab"]["missing_kernels"]:
            console.print(f"[yellow]note[/] side {label} ({doc['ab']['revision']}) lacks "
                          f"{', '.join(doc['ab']['missing_kernels'])}", highlight=False)
    where = doc_a["ab"]["placement"]
    if where:
        held = (f", all their threads on CPU {', '.join(map(str, where['process']))}" if where["process"]
                else ", their thread pools on every CPU")
        console.print(f"note samples taken in pairs, one each in turn; both sides' main threads on CPU "
                      f"{where['main']}{held}", highlight=False)
    rows = compare(doc_a, doc_b, args.threshold, args.min_time, args.stat, args.confidence, paired=True)
    verdicts = document(rows, doc_a, doc_b, compare_cli.judge_of(args))
    verdicts["wall_time"] = doc_a["wall_time"] + doc_b["wall_time"]
    for path, doc in zip(paths, (verdicts, doc_a, doc_b)):
        files.write_new_or_fail(path, results.dumps(doc))
    out_console = Console() if sys.stdout.isatty() else Console(width=200)
    compare_cli.print_notes(out_console, doc_a, doc_b)
    compare_cli.print_rows(out_console, rows, f"{args.rev_b} vs {args.rev_a}, interleaved", args)
    print(f"ab {args.rev_b} vs {args.rev_a}: {summary(rows)}")
    print(f"verdicts: {out} (runs: {paths[1].name}, {paths[2].name})")
    return 1 if any(r["verdict"] in REGRESSIONS for r in rows) else 0
