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

from impls.registry import Kernel
from vecbench import UsageError, VecbenchError, usercode
from vecbench.cli.args import (add_passes_option, add_plant_option, add_retakes_option, check_passes,
                                positive_int, resolve_tiers, seconds)
from vecbench.measure import core, results, state, timing, workers
from vecbench.measure.run import execute
from vecbench.measure.settings import BUDGETS, Settings
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
    p.add_argument("--impl", nargs="+", metavar="PATH", default=[],
                   help="also time your own course functions (.py files or .ipynb notebooks), each file a tier "
                        "named after it, beside the built-in tiers of the kernels they match (checked first, "
                        "as by vecbench check --impl; a function that does not match is not timed); without "
                        "--kernels, only those kernels run")
    p.add_argument("--time-limit", type=seconds, default=usercode.TIME_LIMIT, metavar="S",
                   help="with --impl: seconds one call of a learner's function may take while it is checked "
                        f"(default {usercode.TIME_LIMIT:g})")
    add_passes_option(p)
    add_retakes_option(p)
    add_plant_option(p, "the run's")
    p.add_argument("--worker", type=worker_share, help=argparse.SUPPRESS)  # I/N: one of --processes N
    p.add_argument("--calibration", help=argparse.SUPPRESS)  # a later worker's: the first worker's run file
    p.add_argument("--timer", choices=tuple(timing.TIMERS), default="perf_counter",
                   help="clock for samples: wall time or this process's CPU time (default: perf_counter)")
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs and of the tier order")
    p.add_argument("--out", type=Path, metavar="PATH",
                   help="write the run here (never overwritten; default: a new file under results/runs/)")


def with_impls(args: argparse.Namespace) -> tuple[list[Kernel], dict[str, dict], list[str] | None]:
    """``--impl``: the kernels to run with the learner's tiers, what to record of each file, the tiers."""
    matched, impl = usercode.from_files(args.impl, args.dtype, args.seed, args.time_limit)
    if not args.worker:
        print_impl(impl)
    if args.kernels:
        known = [n for n in args.kernels if n not in matched]
        builtin = {k.name: k for k in workloads.resolve(known)} if known else {}
        kernels = [matched.get(n) or builtin[n] for n in dict.fromkeys(args.kernels)]
    else:
        kernels = list(matched.values())
    if not kernels:
        raise VecbenchError("no function matched the reference, so there is nothing of yours to time "
                            "(see the verdicts above; vecbench check --impl PATH says more)")
    tiers = None
    if args.tiers:
        mine = [t for t in args.tiers if t in impl]
        tiers = [*(resolve_tiers([t for t in args.tiers if t not in impl]) or []), *mine]
    return kernels, impl, tiers


def print_impl(impl: dict[str, dict]) -> None:
    """One line per file: which functions will be timed, then each one that will not, and why."""
    out = Console(stderr=True, highlight=False, soft_wrap=True)
    for tier, i in impl.items():
        verdicts = [v for v in i["verdicts"] if v["status"] != "not found"]
        timed = [v for v in verdicts if v["status"] == "matches" and v["kernel"] in i["timed"]]
        out.print(f"{i['path']}: {len(timed)} of {len(verdicts)} functions found match the reference and are "
                  f"timed as tier [bold]{tier}[/]" + (" (only its imports and definitions ran)" if i["notebook"]
                                                       else ""))
        for v in verdicts:
            if v not in timed:
                why = v["detail"][0] if v["detail"] else "; ".join(v["notes"])
                out.print(f"  not timed: {v['name']}: {v['status']}" + (f": {why}" if why else ""))


def worker_share(text: str) -> tuple[int, int]:
    try:
        return workers.parse_worker(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def handle(args: argparse.Namespace) -> int:
    check_passes(args.passes, args.preset)
    if args.impl:
        kernels, impl, tiers = with_impls(args)
    else:
        kernels, impl = workloads.resolve(args.kernels, training=not args.no_training), {}
        tiers = resolve_tiers(args.tiers)
    settings = Settings(preset=args.preset, dtype=args.dtype, timer=args.timer, seed=args.seed,
                        budget=args.budget, threads=args.threads, kernels=[k.name for k in kernels],
                        tiers=tiers, sizes=args.sizes,
                        allocator=args.allocator, processes=args.processes, worker=args.worker,
                        calibration=args.calibration,
                        plant=dict(args.plant_slowdown), impl={t: i["path"] for t, i in impl.items()},
                        passes=args.passes, retakes=args.retakes)
    if settings.tiers and not any(t in k.tiers for k in kernels for t in settings.tiers):
        raise UsageError(f"none of the kernels has tier {', '.join(settings.tiers)}")
    if args.out is not None and args.out.exists():
        raise VecbenchError(f"{args.out} exists; refusing to overwrite it (choose another --out)")
    console = Console(stderr=True)
    if args.processes > 1 and not args.worker:
        doc = workers.run_workers(settings, args.processes)
        if impl:
            doc["impl"] = impl
        return summarize(doc, save_quietly(doc, args.out), console)
    with ExitStack() as stack:
        try:
            settings.threads = core.setup_process(args.threads, args.allocator, stack)["threads_set"]
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        doc = execute(settings, kernels, console)
    if impl:
        doc["impl"] = impl
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
    guard = doc.get("slow_guard")
    if guard and guard["retaken"]:
        kept = (f", {guard['kept_slow']} kept slow ({guard.get('share_spent', 0)} because the time thrown away "
                f"had reached its share)" if guard["kept_slow"] else "")
        console.print(f"{guard['retaken']} samples taken again: the speed probe beside them found the machine "
                      f"in a slow spell{kept} (README, 'Slow spells')", highlight=False, soft_wrap=True)
    print(f"results: {path}")
    if not doc["complete"]:
        return 130
    return 1 if counts["failed"] or counts["error"] else 0
