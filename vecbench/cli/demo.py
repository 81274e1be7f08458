"""``vecbench demo``: the course's vectorization demo as a table (``vecbench.show.demo``)."""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack

import numpy as np
from rich.console import Console
from rich.table import Table

import impls
from vecbench import UsageError
from vecbench.measure import machine, timing
from vecbench.show.demo import TIER_NAMES, TIERS, course_inputs, demo_rows, large_inputs
from vecbench.show.report import fmt_time


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timer", choices=tuple(timing.TIMERS), default="perf_counter",
                   help="perf_counter: the runner's measurement (default); process_time: the course's single "
                        "reading, shown beside the runner's median")
    p.add_argument("--n", type=int, default=1_000_000, metavar="N", help="elements of the large case (default 10^6)")
    p.add_argument("--threads", type=int, metavar="N", help="BLAS and Numba threads (default: every core)")
    p.add_argument("--seed", type=int, default=1)


def handle(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise UsageError("--n must be at least 1")
    console = Console() if sys.stdout.isatty() else Console(width=160)
    course = args.timer == "process_time"
    rng = np.random.default_rng(args.seed)
    cases = [course_inputs(rng), large_inputs(args.n, rng)]
    table = Table(title="the course's vectorization demo: loops vs NumPy vs Numba, checked equal first"
                  + (" — the course's timer (process_time read once around one call) vs the runner" if course
                     else " — median time per call"), title_justify="left")
    for col in ("operation", "inputs", "result", "timer"):
        table.add_column(col)
    for tier in TIERS:
        table.add_column(TIER_NAMES[tier], justify="right")
    table.add_column("NumPy vs loops", justify="right")
    table.add_column("Numba vs loops", justify="right")
    missing, failed = [], []
    with ExitStack() as stack:
        try:
            machine.set_threads(args.threads, stack)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        with console.status("measuring") as status:
            for ops in cases:
                for op, (what, op_args) in ops.items():
                    if op not in impls.KERNELS:
                        missing.append(op)
                        continue
                    status.update(f"{op}: {what}")
                    rows, bad = demo_rows(op, op_args, course)
                    failed += bad
                    for i, row in enumerate(rows):
                        table.add_row(*([op, what] if i == 0 else ["", ""]), *row, end_section=i == len(rows) - 1)
    console.print(table)
    for op in dict.fromkeys(missing):
        console.print(f"[yellow]{op}[/]: not available (no kernel {op!r} is registered in this build)",
                      highlight=False)
    for line in failed:
        console.print(f"[red]MISMATCH[/] {line}", highlight=False)
    if course:
        tick = timing.granularity(time.process_time)
        console.print(f"process_time advances in steps of about {fmt_time(tick)} on this machine. One reading "
                      "around one call of small work is a few such steps plus the timer's own overhead, so "
                      "its speed-ups are noise; on Windows, where a step is 15.6 ms, it reads 0 ms and the "
                      "speed-up is a division by zero. It also adds up the CPU time of every thread, so "
                      "multithreaded BLAS looks slower than it is. The runner repeats the call until a sample "
                      "is long enough for the timer, repeats samples and reports the median.", highlight=False)
    return 1 if failed else 0
