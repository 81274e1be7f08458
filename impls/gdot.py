"""General dot product: a matrix times a vector, the course's ``np.dot(W, x)``.

    gdot(W, x)[i] = sum_j W[i, j] * x[j]

Shapes: ``W (k, n)``, ``x (n,)`` -> ``(k,)`` in the input dtype. ``k`` or
``n`` may be 0 (an empty result, or a vector of zeros: the sum of nothing).
The course builds ``W`` as ``(3, len(x))``; the ladder uses square ``W`` and
the edge inputs non-square and transposed ones.
"""

import numpy as np
from numba import njit, prange

from impls.registry import Kernel, nbytes
from impls.tuning import PARALLEL, REASSOC


def gdot_python(W, x):
    """Loop: one running sum per row of W (float64 accumulator)."""
    k, n = W.shape
    out = np.empty(k, W.dtype)
    for i in range(k):
        total = np.float64(0.0)  # float64 in both tiers: a Python 0.0 turns float32 (NEP 50)
        for j in range(n):
            total += W[i, j] * x[j]
        out[i] = total
    return out


def gdot_numpy(W, x):
    """Vectorized: np.dot, one BLAS gemv call."""
    return np.dot(W, x)


gdot_numba = njit(cache=True)(gdot_python)


@njit(parallel=PARALLEL, fastmath=REASSOC, cache=True)
def gdot_numba_parallel(W, x):
    """prange over the rows of W; each row's sum reassociated (as BLAS's is) so it vectorizes."""
    k, n = W.shape
    out = np.empty(k, W.dtype)
    for i in prange(k):
        total = 0.0
        for j in range(n):
            total += W[i, j] * x[j]
        out[i] = total
    return out


def make_inputs(n, rng, dtype):
    return (rng.standard_normal((n, n)).astype(dtype, copy=False), rng.standard_normal(n).astype(dtype, copy=False))


def edge_inputs(dtype):
    big = np.sqrt(np.finfo(dtype).max) / 8  # products near the top of the range
    wide = np.arange(15, dtype=dtype).reshape(3, 5) - 7
    return [
        ("course's (3, n) W", (wide, np.array([9, 2, 5, 0, 7], dtype))),
        ("tall (5, 3) W", (wide.T.copy(), np.array([1.0, -2.0, 0.5], dtype))),
        ("transposed (F-ordered) W", (wide.T, np.array([1.0, -2.0, 0.5], dtype))),
        ("square W, not symmetric", (np.arange(16, dtype=dtype).reshape(4, 4) ** 2, np.arange(4, dtype=dtype) - 1.5)),
        ("one element", (np.array([[3.0]], dtype), np.array([-2.0], dtype))),
        ("no rows", (np.zeros((0, 4), dtype), np.ones(4, dtype))),
        ("no columns", (np.zeros((3, 0), dtype), np.zeros(0, dtype))),
        ("strided x", (wide, np.arange(10, dtype=dtype)[::-2])),
        ("near overflow", (np.full((2, 4), big, dtype), np.array([big, big, 1.0, -1.0], dtype))),
    ]


KERNEL = Kernel(
    name="gdot",
    summary="gdot(W (k, n), x (n,)) -> (k,): W @ x",
    tiers={"python": gdot_python, "numpy": gdot_numpy, "numba": gdot_numba,
           "numba_parallel": gdot_numba_parallel},
    make_inputs=make_inputs,
    sizes={
        "quick": (4, 64, 256),
        "default": (4, 64, 256, 1_024, 4_096),
        "large": (1_024, 2_048, 4_096),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: 2.0 * args[0].size,
    bytes_moved=lambda args: nbytes(*args) + args[0].shape[0] * args[0].itemsize,
    reduction=lambda args: args[0].shape[1],
)
