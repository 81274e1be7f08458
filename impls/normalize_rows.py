"""Rows scaled to unit L2 norm, safe from overflow and underflow.

    normalize_rows(X)[i, :] = X[i, :] / ||X[i, :]||_2

Shapes: ``X (n, d)`` -> ``(n, d)`` in the input dtype. ``n`` or ``d`` may be
0. A zero row has no direction: it stays a zero row (as in scikit-learn's
``normalize``), in every tier, without a division by zero. Each row is first
divided by its largest ``|x|``, so the squares can neither overflow (rows near
``finfo.max``) nor all underflow to 0 (rows of subnormals); the course's
``X / np.linalg.norm(X, axis=1, keepdims=True)`` fails on both.
"""

import math

import numpy as np
from numba import njit, prange

from impls.registry import Kernel, nbytes
from impls.tuning import PARALLEL, REASSOC, recycled_empty


def normalize_rows_python(X):
    """Loop: per row, a max|x| pass, a sum-of-squares pass, a divide pass."""
    n, d = X.shape
    out = np.zeros((n, d), X.dtype)  # zero rows are left as they are
    for i in range(n):
        scale = 0.0
        for j in range(d):
            if abs(X[i, j]) > scale:
                scale = abs(X[i, j])
        if scale == 0.0:
            continue
        total = np.float64(0.0)  # float64 in both tiers: a Python 0.0 turns float32 (NEP 50)
        for j in range(d):
            total += (X[i, j] / scale) ** 2
        norm = math.sqrt(total)
        for j in range(d):
            out[i, j] = X[i, j] / scale / norm
    return out


def normalize_rows_numpy(X):
    """Vectorized: divide by the row max|x|, then by the row norm (keepdims)."""
    scale = np.abs(X).max(axis=1, keepdims=True, initial=0)
    Xs = X / np.where(scale > 0, scale, 1)  # zero rows stay zero
    norm = np.sqrt(np.sum(Xs * Xs, axis=1, keepdims=True))
    return Xs / np.where(norm > 0, norm, 1)


normalize_rows_numba = njit(cache=True)(normalize_rows_python)


@njit(fastmath=REASSOC, cache=True)
def _sum_of_squares(x, scale):
    """sum((x / scale)^2) over a row, reassociated so it vectorizes."""
    total = 0.0
    for j in range(x.shape[0]):
        xs = x[j] / scale
        total += xs * xs
    return total


@njit(fastmath=REASSOC, cache=True)
def _sum_of_squares_times(x, r):
    """sum((x * r)^2) over a row, reassociated so it vectorizes."""
    total = 0.0
    for j in range(x.shape[0]):
        xs = x[j] * r
        total += xs * xs
    return total


#: Below 2**MIN_EXPONENT a row's largest |x| is (nearly) subnormal: 2**-e,
#: the power of two that scales it, would overflow.
MIN_EXPONENT = -1000
#: A row's plain sum of squares at least this (and finite) lost nothing to
#: underflow that float64 could show: squares that underflowed add at most
#: d * 2**-1074 to it, under 2**-100 of it for any d below 2**14.
MIN_PLAIN_SUM = 2.0**-960


@njit(parallel=PARALLEL, cache=True)
def _normalize_rows_into(X, out):
    n, d = X.shape
    for i in prange(n):
        total = _sum_of_squares_times(X[i], 1.0)  # in float64, whatever X's dtype
        if MIN_PLAIN_SUM <= total < math.inf:  # nearly every row: one pass to read, one to write
            inv_norm = 1.0 / math.sqrt(total)
            for j in range(d):
                out[i, j] = X[i, j] * inv_norm
            continue
        scale = 0.0
        for j in range(d):
            scale = max(scale, abs(X[i, j]))
        if scale == 0.0:  # a zero row stays zero
            out[i, :] = 0.0
            continue
        e = math.frexp(scale)[1]  # scale = f * 2**e, 1/2 <= f < 1
        if e < MIN_EXPONENT:
            inv_norm = 1.0 / math.sqrt(_sum_of_squares(X[i], scale))
            for j in range(d):
                out[i, j] = X[i, j] / scale * inv_norm
            continue
        r = math.ldexp(1.0, -e)
        inv_norm = 1.0 / math.sqrt(_sum_of_squares_times(X[i], r))
        for j in range(d):
            out[i, j] = X[i, j] * r * inv_norm
    return out


def normalize_rows_numba_parallel(X):
    """prange over rows, a row's passes while it is in cache; the sum of
    squares vectorized. Where the row's plain sum of squares neither
    overflowed nor came near underflow (MIN_PLAIN_SUM), the row is multiplied
    by 1 / sqrt(sum): two passes, read and write. Other rows are scaled by
    r = 2**-e, e the exponent of their largest |x|, before squaring: a
    product with a power of two is exact, so x * r is as safe from overflow
    and underflow as x / max|x|, without a divide per element (the slowest
    vector instruction), and where both ways work they give the same bits.
    Rows whose largest |x| is subnormal, where r would overflow, are divided
    as in the other tiers. The last step multiplies by 1 / norm (norm >= 1/2:
    never overflows), into recycled memory (impls.tuning)."""
    return _normalize_rows_into(X, recycled_empty(X.shape, X.dtype))


def make_inputs(n, rng, dtype):
    return (rng.standard_normal((n, n)).astype(dtype, copy=False),)


def edge_inputs(dtype):
    fi = np.finfo(dtype)
    pattern = np.array([3.0, -4.0, 0.0, 12.0], dtype)
    return [
        ("course's [[0, 3, 4], [1, 6, 4]]", (np.array([[0, 3, 4], [1, 6, 4]], dtype),)),
        ("a zero row among others", (np.array([[1.0, 2.0], [0.0, 0.0], [-3.0, 4.0]], dtype),)),
        ("rows of very different scale (squares overflow / underflow)",
         (np.stack([pattern * (fi.max / 16), pattern, pattern * fi.tiny, pattern * 1e-3]),)),
        ("transposed (F-ordered) 4 x 2 view", (np.array([[1.0, 2.0, 3.0, 4.0], [0.0, -5.0, 7.0, 1.0]], dtype).T,)),
        ("single column (n, 1)", (np.array([[-3.0], [0.0], [2.5]], dtype),)),
        ("a row of subnormals (1 / its largest |x| overflows)",
         (np.stack([pattern * fi.smallest_subnormal, pattern]),)),
        ("sums of squares either side of 2**-960, where the tuned tier turns from plain to scaled sums",
         (np.stack([pattern * 2.0**-476, pattern * 2.0**-478, pattern * 2.0**-484]).astype(dtype),)),
        ("largest |x| about 2**-1000, where the tuned tier turns from scaling by 2**-e to dividing",
         (np.stack([pattern * 2.0**-1003, pattern * 2.0**-1004, pattern * 2.0**-1005]).astype(dtype),)),
        ("one element", (np.array([[-7.0]], dtype),)),
        ("no rows", (np.zeros((0, 3), dtype),)),
        ("no columns", (np.zeros((3, 0), dtype),)),
    ]


KERNEL = Kernel(
    name="normalize_rows",
    summary="normalize_rows(X (n, d)) -> (n, d): each row / its L2 norm (zero rows stay 0)",
    tiers={"python": normalize_rows_python, "numpy": normalize_rows_numpy, "numba": normalize_rows_numba,
           "numba_parallel": normalize_rows_numba_parallel},
    make_inputs=make_inputs,
    sizes={
        "quick": (4, 64, 200),
        "default": (4, 64, 256, 1_024, 2_048),
        "large": (1_024, 2_048, 4_096),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: 6.0 * args[0].size,  # abs, compare, divide, square, add, divide
    bytes_moved=lambda args: 2 * nbytes(args[0]),
    reduction=lambda args: args[0].shape[1],
)
