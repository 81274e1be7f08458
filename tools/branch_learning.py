"""Does the CPU learn a benchmark's input? A data-dependent select, call after call.

A loop that branches on its data pays for every branch the CPU mispredicts.
On random signs that is half of them, until the branch predictor has seen
the same input often enough to learn it, and a benchmark repeats one seeded
input. This times ``np.where(mask, a, b)`` on one random mask in
``--batches`` batches of ``--calls`` calls in a row, then on ``--masks``
random masks taken in turn (nothing to learn), then on an all-true mask (no
mispredictions), and prints the microseconds per call of each batch.
Where the one mask's batches fall from the rotating masks' time towards the
all-true mask's, the CPU has learned the input, and a figure of a kernel
that branches on its data depends on how many times it has just run
(README, "What a figure means").

    .venv/bin/python tools/branch_learning.py
    .venv/bin/python tools/branch_learning.py --size 16384 --batches 10
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def per_call(fn, calls: int) -> float:
    """Microseconds per call of ``calls`` calls of ``fn`` in a row."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=65536, help="elements (default 65536: sigmoid's at n=256)")
    parser.add_argument("--calls", type=int, default=20, help="calls per batch (default 20)")
    parser.add_argument("--batches", type=int, default=15, help="batches on the one mask (default 15)")
    parser.add_argument("--masks", type=int, default=8, help="masks in turn, the unlearnable case (default 8)")
    args = parser.parse_args(argv)
    if min(args.size, args.calls, args.batches, args.masks) < 1:
        parser.error("--size, --calls, --batches and --masks must be at least 1")

    rng = np.random.default_rng(0)
    a, b = rng.random(args.size), rng.random(args.size)
    masks = [rng.random(args.size) < 0.5 for _ in range(args.masks)]
    true = np.ones(args.size, bool)

    one = [per_call(lambda: np.where(masks[0], a, b), args.calls) for _ in range(args.batches)]
    turns = [statistics.median(per_call(lambda m=m: np.where(m, a, b), 1) for m in masks)
             for _ in range(args.calls)]
    ceiling = statistics.median(turns)
    floor = statistics.median(per_call(lambda: np.where(true, a, b), args.calls) for _ in range(5))

    print(f"np.where on {args.size} elements, microseconds per call")
    print(f"one random mask, batches of {args.calls}: " + " ".join(f"{x:.0f}" for x in one))
    print(f"{args.masks} random masks in turn (median):  {ceiling:.0f}")
    print(f"all-true mask (median):              {floor:.0f}")
    learned = (ceiling - min(one[-3:])) / max(ceiling - floor, 1e-9)
    print(f"the one mask's last batches recovered {100 * learned:.0f}% of the mispredictions' cost")


if __name__ == "__main__":
    main()
