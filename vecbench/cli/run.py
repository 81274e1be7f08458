"""``vecbench run``: parse the options, set the threads, run (``vecbench.measure.run``), save, summarise.

Ctrl-C ends the sweep early and keeps the records; the save holds Ctrl-C off.
"""

from __future__ import annotations

import argparse
import signal
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console

from vecbench import UsageError, VecbenchError
from vecbench.cli.args import add_plant_option, positive_int, resolve_tiers, seconds
from vecbench.measure import core, results, state, timing, workers
from vecbench.measure.run import execute
from vecbench.measure.sweep import BUDGETS, Settings
from vecbench.training import workloads


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kernels", nargs="+", metavar="K",
                   help="kernels and training workloads (train-logreg, train-shallow, train-deep) to run "
                        "(default: all)")
    p.add_argument("--no-training", action="store_true",
                   help="leave the training workloads out of the default (all kernels)")
    p.add_argument("--tiers", nargs="+", metavar="T", help="tiers to run (default: every tier of each kernel)")
    p.add_argument("--sizes", nargs="+", type=positive_int, metavar="N",
                   help="ladder sizes n for every kernel (default: each kernel's preset ladder)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    preset = p.add_mutually_exclusive_group()
    preset.add_argument("--quick", action="store_const", const="quick", dest="preset",
                        help="the quick ladders and short measurements (same as --preset quick)")
    preset.add_argument("--preset", choices=tuple(timing.PLANS), help="size ladder and measurement plan "
                        "(default: default)")
    p.set_defaults(preset="default")
    p.add_argument("--budget", type=seconds, metavar="SECONDS",
                   help="skip python-tier sizes predicted to take longer than this per call "
                        f"(default: {', '.join(f'{k} {v:g}' for k, v in BUDGETS.items())}; 0 disables)")
    p.add_argument("--threads", type=positive_int, metavar="N",
                   help="BLAS, OpenMP and Numba threads (default: every available core)")
    p.add_argument("--allocator", choices=tuple(state.ALLOCATOR_MODES), default=state.DEFAULT_ALLOCATOR,
                   help="allocator state every figure is taken in: warm, a long-running program's (default), "
                        "or cold, a fresh process's (see the README, 'What a figure means')")
    p.add_argument("--processes", type=positive_int, default=1, metavar="N",
                   help="spread each record's samples over N fresh processes, one after the other, so that "
                        "nothing earlier in one process carries into a figure (default: 1)")
    add_plant_option(p, "the run's")
    p.add_argument("--worker", type=worker_share, help=argparse.SUPPRESS)  # I/N: one of --processes N
    p.add_argument("--timer", choices=tuple(timing.TIMERS), default="perf_counter",
                   help="clock for samples: wall time or this process's CPU time (default: perf_counter)")
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs and of the tier order")
    p.add_argument("--out", type=Path, metavar="PATH",
                   help="write the run here (never overwritten; default: a new file under results/runs/)")


def worker_share(text: str) -> tuple[int, int]:
    try:
        return workers.parse_worker(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def handle(args: argparse.Namespace) -> int:
    kernels = workloads.resolve(args.kernels, training=not args.no_training)
    settings = Settings(preset=args.preset, dtype=args.dtype, timer=args.timer, seed=args.seed,
                        budget=args.budget, threads=args.threads, kernels=[k.name for k in kernels],
                        tiers=resolve_tiers(args.tiers), sizes=args.sizes,
                        allocator=args.allocator, processes=args.processes, worker=args.worker,
                        plant=dict(args.plant_slowdown))
    if settings.tiers and not any(t in k.tiers for k in kernels for t in settings.tiers):
        raise UsageError(f"none of the kernels has tier {', '.join(settings.tiers)}")
    if args.out is not None and args.out.exists():
        raise VecbenchError(f"{args.out} exists; refusing to overwrite it (choose another --out)")
    console = Console(stderr=True)
    if args.processes > 1 and not args.worker:
        doc = workers.run_workers(settings, args.processes)
        return summarize(doc, save_quietly(doc, args.out), console)
    with ExitStack() as stack:
        try:
            settings.threads = core.setup_process(args.threads, args.allocator, stack)["threads_set"]
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        doc = execute(settings, kernels, console)
    path = save_quietly(doc, args.out)
    if args.worker:  # the parent speaks for the whole run
        return 130 if not doc["complete"] else 0
    return summarize(doc, path, console)


def save_quietly(doc: dict[str, Any], out: Path | None) -> Path:
    """Save with Ctrl-C held off, so an impatient second Ctrl-C cannot lose the run."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return results.save(doc, out)
    finally:
        signal.signal(signal.SIGINT, previous)


def summarize(doc: dict[str, Any], path: Path, console: Console) -> int:
    """Print what happened; exit status 130 if interrupted, 1 on failures, else 0."""
    records = doc["records"]
    counts = {s: sum(r["status"] == s for r in records) for s in results.STATUSES}
    for r in records:
        if r["status"] in ("failed", "error"):
            label = "MISMATCH" if r["status"] == "failed" else "ERROR"
            console.print(f"[red]{label}[/] {r['kernel']} {r['tier']} n={r['n']}: {r.get('reason')}",
                          highlight=False, soft_wrap=True)
    state = "complete" if doc["complete"] else "[yellow]interrupted[/] (kept what was measured)"
    console.print(f"run {state} in {doc['wall_time']:.1f} s: {counts['ok']} timed, {counts['failed']} failed "
                  f"the gate, {counts['skipped']} skipped over budget, {counts['error']} errors",
                  highlight=False, soft_wrap=True)
    print(f"results: {path}")
    if not doc["complete"]:
        return 130
    return 1 if counts["failed"] or counts["error"] else 0
