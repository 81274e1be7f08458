"""How steady is this machine? A fixed workload on one thread and on all threads, over time.

Every ``--every`` seconds for ``--seconds`` seconds, times one call of a
fixed Numba prange workload (arithmetic on a 160 KB array, no allocation)
on one thread and then on every core, and prints the median, the 10th and
90th percentiles and the spread ``(p90 - p10) / median`` of each. The code
and the data never change, so any spread is the machine's: another guest
on a shared core, a second vCPU that is not always there, frequency
changes. Two runs of ``vecbench run`` cannot agree more closely than this.

``--per-cpu`` asks instead whether each CPU changes speed by itself: every
reading times the runner's speed probe (``timing.speed_probe``, fixed
pure-Python work) pinned to each CPU in turn, then on the first CPU again,
a millisecond or so later. It prints each CPU's spread, the correlation of
the CPUs' readings taken at the same moment, and the median and 90th
percentile of ``|log ratio|`` of two readings moments apart on the same
CPU against two on different CPUs. Where the second is much larger, two
processes compared sample by sample must run on one CPU (``vecbench ab``
pins its sides when ``--threads`` leaves CPUs over).

    .venv/bin/python tools/machine_drift.py --seconds 60
    .venv/bin/python tools/machine_drift.py --seconds 30 --per-cpu
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numba
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def workload(a):
    """200 multiply-adds per element, split over the threads; returns a checksum."""
    total = 0.0
    for i in prange(a.shape[0]):
        x = a[i]
        for _ in range(200):
            x = x * 0.999 + 0.001
        total += x
    return total


def timed(a: np.ndarray, threads: int) -> float:
    """Seconds of one call on ``threads`` threads, after a call that wakes them."""
    numba.set_num_threads(threads)
    workload(a)
    t0 = time.perf_counter()
    workload(a)
    return time.perf_counter() - t0


def summary(label: str, times: list[float]) -> str:
    times = sorted(times)
    med = statistics.median(times)
    p10, p90 = times[int(0.1 * (len(times) - 1))], times[int(0.9 * (len(times) - 1) + 0.5)]
    return (f"{label:<10} {len(times):4d} calls  median {med * 1e3:7.3f} ms  p10 {p10 * 1e3:7.3f}  "
            f"p90 {p90 * 1e3:7.3f}  spread {(p90 - p10) / med:5.0%}")


def per_cpu(seconds: float, every: float) -> None:
    """The ``--per-cpu`` report (module docstring)."""
    from vecbench.measure.timing import speed_probe

    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        print(f"one CPU ({cpus}): nothing to tell apart")
        return
    readings: list[list[float]] = []  # per reading: one time per CPU, then the first CPU again
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            row = []
            for cpu in [*cpus, cpus[0]]:
                os.sched_setaffinity(0, {cpu})
                row.append(speed_probe(repeats=2))
            readings.append(row)
            time.sleep(every)
    finally:
        os.sched_setaffinity(0, cpus)
    r = np.log(np.array(readings))
    print(f"{len(cpus)} CPUs; the speed probe on each in turn every {every:g} s for {seconds:g} s "
          f"({len(readings)} readings)")
    for i, cpu in enumerate(cpus):
        print(summary(f"CPU {cpu}", list(np.exp(r[:, i]))))
    if len(readings) >= 3:
        corr = np.corrcoef(r[:, :len(cpus)].T)
        print("correlation of the CPUs' readings at the same moment: "
              + ", ".join(f"CPU {cpus[i]}-{cpus[j]} {corr[i, j]:+.2f}"
                          for i in range(len(cpus)) for j in range(i + 1, len(cpus))))
    same = np.abs(r[:, -1] - r[:, 0])
    other = np.abs(r[:, 1:len(cpus)] - r[:, [0]]).ravel()
    for label, values in (("same CPU, moments apart", same), ("different CPUs, same moment", other)):
        print(f"{label:<28} |log ratio| median {np.median(values):.3f}, p90 {np.percentile(values, 90):.3f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60.0, help="how long to watch (default 60)")
    p.add_argument("--every", type=float, default=0.25, help="pause between readings (default 0.25 s)")
    p.add_argument("--per-cpu", action="store_true", help="does each CPU change speed by itself? (docstring)")
    args = p.parse_args()
    if args.per_cpu:
        per_cpu(args.seconds, args.every)
        return 0
    cores = numba.config.NUMBA_NUM_THREADS
    a = np.random.default_rng(0).random(20_000)
    one: list[float] = []
    every: list[float] = []
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        one.append(timed(a, 1))
        every.append(timed(a, cores))
        time.sleep(args.every)
    print(f"{os.cpu_count()} CPUs; a fixed workload every {args.every:g} s for {args.seconds:g} s")
    print(summary("1 thread", one))
    print(summary(f"{cores} threads", every))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
