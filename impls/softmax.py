"""Row-wise softmax, stable at any magnitude.

    softmax(X)[i, j] = exp(X[i, j] - max_k X[i, k]) / sum_l exp(X[i, l] - max_k X[i, k])

Shapes: ``X (n, d)`` -> ``(n, d)`` in the input dtype: each of the ``n`` rows
is a distribution over its ``d`` entries (the course's ``softmax`` sums over
``axis=1``). ``n`` may be 0; ``d`` must be at least 1. Each row's own maximum
is subtracted, so ``exp`` never overflows and no row underflows to 0/0: a
row at +1000 and a row at -1000 are both exact, without warnings.
"""

import math

import numpy as np
from numba import njit, prange

from impls.registry import Kernel, nbytes
from impls.tuning import PARALLEL, REASSOC, recycled_empty


def softmax_python(X):
    """Loop: per row, a max pass, an exp-and-sum pass, a divide pass."""
    n, d = X.shape
    A = np.empty((n, d), X.dtype)
    for i in range(n):
        row_max = X[i, 0]
        for j in range(1, d):
            if X[i, j] > row_max:
                row_max = X[i, j]
        total = 0.0  # math.exp returns Python floats: a float64 sum in both tiers
        for j in range(d):
            e = math.exp(X[i, j] - row_max)
            A[i, j] = e
            total += e
        for j in range(d):
            A[i, j] = A[i, j] / total
    return A


def softmax_numpy(X):
    """Vectorized: subtract each row's max, exp, divide by the row sums (keepdims)."""
    E = np.exp(X - X.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


softmax_numba = njit(cache=True)(softmax_python)


@njit(fastmath=REASSOC, cache=True)
def _exp_and_sum(x, row_max, a):
    """a = exp(x - row_max) over one row, returning its sum; the sum
    reassociated, so the loop vectorizes around the exp calls."""
    total = 0.0
    for j in range(x.shape[0]):
        e = math.exp(x[j] - row_max)
        a[j] = e
        total += e
    return total


@njit(parallel=PARALLEL, cache=True)
def _softmax_into(X, A):
    n, d = X.shape
    for i in prange(n):
        row_max = X[i, 0]
        for j in range(1, d):
            if X[i, j] > row_max:
                row_max = X[i, j]
        inv = 1.0 / _exp_and_sum(X[i], row_max, A[i])
        for j in range(d):
            A[i, j] = A[i, j] * inv
    return A


def softmax_numba_parallel(X):
    """prange over rows, a row's three passes while it is in cache (the sum
    vectorized, one divide per row), into recycled memory (impls.tuning)."""
    return _softmax_into(X, recycled_empty(X.shape, X.dtype))


def make_inputs(n, rng, dtype):
    """(n, n) scores, spread wide enough that rows are far from uniform."""
    return ((rng.standard_normal((n, n)) * 4).astype(dtype, copy=False),)


def edge_inputs(dtype):
    big = np.finfo(dtype).max / 4  # X - row_max stays finite
    scales = np.array([[1e-3], [1.0], [30.0], [300.0]], dtype)
    pattern = np.array([0.0, 1.0, -2.0, 0.5, 3.0], dtype)
    return [
        ("rows at +1000 and -1000 (a global max kills the low row)",
         (np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.5]], dtype),)),
        ("rows of very different scale", (scales * pattern,)),
        ("course's 2 x 5", (np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]], dtype),)),
        ("transposed (F-ordered) 5 x 3 view", (np.array([[1.0, 2.0, 3.0, 4.0, 5.0],
                                                         [-50.0, 0.0, 50.0, 0.0, -50.0],
                                                         [0.0, 0.0, 0.0, 0.0, 7.0]], dtype).T,)),
        ("huge entries of both signs", (np.array([[big, -big, 0.0], [-big, -big, -big]], dtype),)),
        ("single column (n, 1)", (np.array([[-1000.0], [0.0], [1000.0]], dtype),)),
        ("single row", (np.array([[3.0, -1.0, 0.0, 2.0]], dtype),)),
        ("one element", (np.array([[-7.0]], dtype),)),
        ("no rows", (np.zeros((0, 4), dtype),)),
    ]


KERNEL = Kernel(
    name="softmax",
    summary="softmax(X (n, d)) -> (n, d): exp(X - row max) / row sum",
    tiers={"python": softmax_python, "numpy": softmax_numpy, "numba": softmax_numba,
           "numba_parallel": softmax_numba_parallel},
    make_inputs=make_inputs,
    sizes={
        "quick": (4, 64, 200),
        "default": (4, 64, 256, 1_024, 2_048),
        "large": (1_024, 2_048, 4_096),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: 5.0 * args[0].size,  # compare, subtract, exp, add, divide
    bytes_moved=lambda args: 2 * nbytes(args[0]),
    elements=lambda args: float(args[0].size),
    reduction=lambda args: args[0].shape[1],
)
