"""The course's vectorization demo, loops vs NumPy vs Numba (the command: ``vecbench.cli.demo``).

The course times dot, outer, elementwise multiply and a general dot on two
15-element lists with ``time.process_time()`` read once around one call, then
shows the vectorized versions. Here the same operations run in every tier,
checked by the equivalence gate first, on the course's lists and then at
10^6 elements, and are timed by the runner's measurement (first call apart,
autorange, repeated samples, median).

``--timer process_time`` times them the course's way instead — one reading
of ``process_time`` around one call — beside the runner's median, to show why
that clock is a poor instrument for small work: a single reading is a
handful of timer steps (on Windows a step is 15.6 ms, so it reads 0 ms), it
includes the timer's own overhead, and it sums the CPU time of every thread.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

import impls
from vecbench.measure import check, timing
from vecbench.show.report import fmt_time, fmt_x

#: The course's two 15-element lists.
X1 = [9, 2, 5, 0, 0, 7, 5, 0, 0, 0, 9, 2, 5, 0, 0]
X2 = [9, 2, 2, 9, 0, 9, 2, 5, 0, 0, 9, 2, 5, 0, 0]

TIERS = ("python", "numpy", "numba")
TIER_NAMES = {"python": "loops", "numpy": "NumPy", "numba": "Numba"}
PLAN = timing.Plan(min_sample_time=0.005, target_time=0.05, min_repeat=3, max_repeat=7)


def course_inputs(rng: np.random.Generator) -> dict[str, tuple[str, tuple]]:
    """Operation -> (what it is, arguments) on the course's lists."""
    x1, x2 = np.array(X1, dtype=np.float64), np.array(X2, dtype=np.float64)
    W = rng.random((3, len(X1)))  # the course's np.random.rand(3, len(x1))
    lists = "course's x1, x2 (15,)"
    return {"dot": (lists, (x1, x2)), "outer": (lists, (x1, x2)), "multiply": (lists, (x1, x2)),
            "gdot": ("W (3, 15), course's x1 (15,)", (W, x1))}


def large_inputs(n: int, rng: np.random.Generator) -> dict[str, tuple[str, tuple]]:
    """The same operations at ``n`` elements (outer: two vectors of sqrt(n), an n-element result)."""
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    side = max(1, int(round(n ** 0.5)))
    return {"dot": (f"x1, x2 ({n:,},)", (x1, x2)),
            "outer": (f"x1, x2 ({side:,},) -> {side * side:,} elements", (x1[:side].copy(), x2[:side].copy())),
            "multiply": (f"x1, x2 ({n:,},)", (x1, x2)),
            "gdot": (f"W (3, {n:,}), x ({n:,},)", (rng.standard_normal((3, n)), x1))}


def demo_rows(op: str, op_args: tuple, course: bool) -> tuple[list[list[str]], list[str]]:
    """Table rows of one operation (result, timer, one cell per tier, speed-ups) and gate failures.

    One row with the runner's medians; with ``course`` a row of the course's
    single ``process_time`` reading first.
    """
    spec = impls.KERNELS[op]
    verdicts = check.gate(spec, op_args, TIERS, label="demo")
    bad = [f"{op} {t}: {v.reason}" for t, v in verdicts.items() if not v.ok]
    medians: dict[str, float] = {}
    readings: dict[str, float] = {}
    for tier in TIERS:
        if not verdicts[tier].ok:
            continue
        fn = spec.tiers[tier]
        medians[tier] = timing.measure(fn, op_args, PLAN, time.perf_counter, spec.mutates)["stats"].median
        if course:  # exactly the course's instrument: one reading around one (warm) call
            tic = time.process_time()
            fn(*op_args)
            toc = time.process_time()
            readings[tier] = toc - tic
    result = preview(impls.call(op, "numpy", *op_args))
    rows = []
    if course:
        rows.append([result, "process_time, once",
                     *[f"{1000 * readings[t]:.4g} ms" if t in readings else "mismatch" for t in TIERS],
                     *[ratio(readings, t) for t in ("numpy", "numba")]])
    rows.append(["" if course else result, "runner median",
                 *[fmt_time(medians[t]) if t in medians else "mismatch" for t in TIERS],
                 *[ratio(medians, t) for t in ("numpy", "numba")]])
    return rows, bad


def ratio(times: dict[str, float], tier: str) -> str:
    loops, t = times.get("python"), times.get(tier)
    if loops is None or t is None:
        return "—"
    if t == 0:
        return "÷ 0"
    return fmt_x(loops / t)


def preview(out: Any) -> str:
    if isinstance(out, float):
        return f"{out:g}"
    if isinstance(out, np.ndarray):
        return f"array {out.shape}"
    return type(out).__name__
