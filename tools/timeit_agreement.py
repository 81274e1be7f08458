"""Does the runner agree with ``python -m timeit`` on the same call?

For each KERNEL:TIER:N given, times ``f(*args)`` (the tier's function on the
kernel's seeded inputs) with ``python -m timeit`` in a fresh process and with
the runner's measurement (``vecbench.measure.timing.measure``, the default plan) in
this one, alternating ROUNDS times so that drift of the machine hits both
alike, and prints the ratio of the runner's median to timeit's best-of-5.

    .venv/bin/python tools/timeit_agreement.py dot:numpy:1000000 sigmoid:numba:1024 --threads 1
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from contextlib import ExitStack

import numpy as np

import impls
from vecbench.measure import machine, timing

UNITS = {"nsec": 1e-9, "usec": 1e-6, "msec": 1e-3, "sec": 1.0}


def timeit_best(kernel: str, tier: str, n: int, dtype: str, threads: int) -> float:
    """Seconds per call, best of 5, as ``python -m timeit`` reports it."""
    setup = (f"import numpy as np, impls; spec = impls.KERNELS[{kernel!r}]; "
             f"args = spec.inputs({n}, 0, np.{dtype}); f = spec.tiers[{tier!r}]; f(*args)")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-m", "timeit", "-s", setup, "f(*args)"], env=env,
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"best of \d+: ([\d.]+) (\w+) per loop", out)
    if not match:
        raise SystemExit(f"cannot read timeit's output: {out!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def runner(kernel: str, tier: str, n: int, dtype: str, plan: timing.Plan) -> timing.Stats:
    spec = impls.KERNELS[kernel]
    args = spec.inputs(n, 0, np.dtype(dtype))
    return timing.measure(spec.tiers[tier], args, plan, mutates=spec.mutates)["stats"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("calls", nargs="+", metavar="KERNEL:TIER:N")
    p.add_argument("--dtype", default="float64")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--preset", default="default", choices=tuple(timing.PLANS))
    args = p.parse_args()
    plan = timing.PLANS[args.preset]
    print(f"{'call':<28} {'timeit best':>12} {'runner median':>14} {'runner min':>11} "
          f"{'median/best':>12} {'min/best':>9}")
    with ExitStack() as stack:
        machine.set_threads(args.threads, stack)
        for call in args.calls:
            kernel, tier, n = call.split(":")
            best, medians, mins = [], [], []
            for _ in range(args.rounds):
                best.append(timeit_best(kernel, tier, int(n), args.dtype, args.threads))
                st = runner(kernel, tier, int(n), args.dtype, plan)
                medians.append(st.median)
                mins.append(st.min)
            b, m, lo = statistics.median(best), statistics.median(medians), statistics.median(mins)
            print(f"{call:<28} {b:12.4g} {m:14.4g} {lo:11.4g} {m / b:12.3f} {lo / b:9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
