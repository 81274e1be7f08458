"""``vecbench run``: the command around the sweep (``vecbench.run``).

Sets the thread counts, describes the machine, runs the sweep under a
progress bar (Ctrl-C ends it early and keeps the records), saves the run as a
new file and prints what happened.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from impls.registry import Kernel
from vecbench import UsageError, VecbenchError, __version__, machine, results, roofplot, timing, workloads
from vecbench.run import BUDGETS, Settings, Sweep


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds >= 0")
    return value


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
    p.add_argument("--timer", choices=tuple(timing.TIMERS), default="perf_counter",
                   help="clock for samples: wall time or this process's CPU time (default: perf_counter)")
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs and of the tier order")
    p.add_argument("--out", type=Path, metavar="PATH",
                   help="write the run here (never overwritten; default: a new file under results/runs/)")


def handle(args: argparse.Namespace) -> int:
    from vecbench.cli import resolve_tiers  # cli imports this module

    kernels = workloads.resolve(args.kernels, training=not args.no_training)
    settings = Settings(preset=args.preset, dtype=args.dtype, timer=args.timer, seed=args.seed,
                        budget=args.budget, threads=args.threads, kernels=[k.name for k in kernels],
                        tiers=resolve_tiers(args.tiers), sizes=args.sizes)
    if settings.tiers and not any(t in k.tiers for k in kernels for t in settings.tiers):
        raise UsageError(f"none of the kernels has tier {', '.join(settings.tiers)}")
    if args.out is not None and args.out.exists():
        raise VecbenchError(f"{args.out} exists; refusing to overwrite it (choose another --out)")
    console = Console(stderr=True)
    with ExitStack() as stack:
        try:
            settings.threads = machine.set_threads(args.threads, stack)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        doc = execute(settings, kernels, console)
    path = save_quietly(doc, args.out)
    return summarize(doc, path, console)


def execute(settings: Settings, kernels: list[Kernel], console: Console | None = None) -> dict[str, Any]:
    """Run the sweep with a progress bar; Ctrl-C ends it early, keeping the records."""
    timer = timing.TIMERS[settings.timer]
    tick = timing.granularity(timer)
    started = datetime.now(timezone.utc)
    doc: dict[str, Any] = {
        "schema": results.SCHEMA, "schema_version": results.SCHEMA_VERSION, "vecbench_version": __version__,
        "started": started.isoformat(timespec="seconds"), "command": settings.command(),
        "settings": dict(settings.to_dict(), timer_tick=tick), "machine": roofplot.attach(machine.describe()),
    }
    progress = Progress(TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console or Console(stderr=True), transient=True)
    sweep = Sweep(settings, timer, tick)
    t0 = time.perf_counter()
    complete = True
    with progress:
        task = progress.add_task("starting", total=sweep.steps(kernels))
        sweep.on_step = lambda what: progress.update(task, description=what)
        try:
            sweep.run(kernels, on_size_done=lambda: progress.advance(task),
                      on_total=lambda total: progress.update(task, total=total))
        except KeyboardInterrupt:
            complete = False
    doc["machine"]["numba"] = machine.describe()["numba"]  # the threading layer is known only now
    doc["machine"]["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    doc.update(finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
               wall_time=time.perf_counter() - t0, idle_wait=sweep.settled, complete=complete,
               speed_probe={"workload": "a fixed pure-Python loop, best of 3, before each kernel x size step",
                            "summary": timing.probe_summary(sweep.probes), "times": sweep.probes},
               records=sweep.records)
    return doc


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
