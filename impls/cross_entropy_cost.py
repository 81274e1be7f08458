"""Binary cross-entropy cost of logistic regression, finite when A saturates.

    cross_entropy_cost(A, Y) = -(1/m) sum_i (Y[0, i] log A[0, i] + (1 - Y[0, i]) log(1 - A[0, i]))

Shapes: ``A (1, m)`` (predicted probabilities), ``Y (1, m)`` (labels 0/1)
-> float; ``m >= 1`` (the mean over no example is undefined).

A sigmoid output rounds to exactly 1 once ``z`` exceeds ~37 (float64) or ~17
(float32), and to exactly 0 below ~-745 (~-104), where ``log(0)`` would make
the cost ``inf`` or ``nan``. Every tier therefore replaces an ``A`` of exactly
0 by ``EPS`` and of exactly 1 by ``1 - EPS``, ``EPS = finfo(float32).eps =
2**-23`` (both exact in float32 and float64, so a float32 tier computes the
very cost its float64 reference does), and leaves every other ``A`` alone:
the cost of any ``A`` strictly inside (0, 1) is the course's formula, however
close to 0 or 1 it lies. One saturated wrong prediction then costs
``-log(EPS) = 23 log 2 ~ 15.9``: a convention, where the true cost is
infinite.
"""

import math

import numpy as np
from numba import njit

from impls.registry import Kernel, nbytes

EPS = float(np.finfo(np.float32).eps)


def cross_entropy_cost_python(A, Y):
    """Loop: exact 0 and 1 guarded, two math.log and a running sum per example, then / m."""
    m = Y.shape[1]
    total = np.float64(0.0)  # float64 in both tiers: a Python 0.0 turns float32 (NEP 50)
    for i in range(m):
        a = A[0, i]
        if a == 0.0:
            a = EPS
        elif a == 1.0:
            a = 1.0 - EPS
        total += Y[0, i] * math.log(a) + (1.0 - Y[0, i]) * math.log(1.0 - a)
    return -total / m


def cross_entropy_cost_numpy(A, Y):
    """Vectorized: exact 0 and 1 guarded, then the course's -(1/m) np.sum(Y log A + (1-Y) log(1-A))."""
    m = Y.shape[1]
    A = np.where(A == 0, EPS, np.where(A == 1, 1 - EPS, A)).astype(A.dtype, copy=False)
    return -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m


cross_entropy_cost_numba = njit(cache=True)(cross_entropy_cost_python)


def make_inputs(n, rng, dtype):
    """n examples: probabilities in (0, 1) and 0/1 labels, as rows."""
    return (rng.uniform(0.01, 0.99, (1, n)).astype(dtype, copy=False), rng.integers(0, 2, (1, n)).astype(dtype, copy=False))


def edge_inputs(dtype):
    below = np.finfo(dtype).tiny  # far under EPS, and not guarded
    return [
        ("saturated right (A exactly 0 and 1)", (np.array([[1.0, 0.0, 1.0]], dtype), np.array([[1, 0, 1]], dtype))),
        ("saturated wrong (A exactly 0 and 1)", (np.array([[0.0, 1.0, 0.0]], dtype), np.array([[1, 0, 1]], dtype))),
        ("near 0 and 1 but not exactly: the course's formula, unguarded",
         (np.array([[below, 1e-30, 1e-9, 1 - 1e-6, 0.5]], dtype), np.array([[1, 1, 1, 0, 1]], dtype))),
        ("course's compute_cost example", (np.array([[0.8, 0.9, 0.4]], dtype), np.array([[1, 1, 0]], dtype))),
        ("one example", (np.array([[0.25]], dtype), np.array([[1.0]], dtype))),
        ("all labels one", (np.array([[0.1, 0.5, 0.9, 0.99]], dtype), np.ones((1, 4), dtype))),
        ("transposed (F-ordered) row views",
         (np.array([[0.2], [0.7], [0.9], [0.05], [0.6]], dtype).T, np.array([[0], [1], [1], [0], [0]], dtype).T)),
    ]


KERNEL = Kernel(
    name="cross_entropy_cost",
    summary="cross_entropy_cost(A (1, m), Y (1, m)) -> float: -(1/m) sum(Y log A + (1-Y) log(1-A))",
    tiers={"python": cross_entropy_cost_python, "numpy": cross_entropy_cost_numpy,
           "numba": cross_entropy_cost_numba},
    make_inputs=make_inputs,
    sizes={
        "quick": (5, 1_000, 20_000),
        "default": (5, 1_000, 100_000, 1_000_000, 10_000_000),
        "large": (1_000_000, 10_000_000, 50_000_000),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: 9.0 * args[0].size,  # 2 guard compares, 2 logs, 2 subtracts, 2 multiplies, add
    bytes_moved=lambda args: nbytes(*args),
    elements=lambda args: float(args[0].size),
    reduction=lambda args: args[0].size,
)
