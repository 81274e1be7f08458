"""Outer product of two vectors: every product x1[i] * x2[j].

    outer(x1, x2)[i, j] = x1[i] * x2[j]

Shapes: ``x1 (n1,)``, ``x2 (n2,)`` -> ``(n1, n2)`` in the input dtype, rows
indexed by ``x1``. Either length may be 0 (an empty ``(n1, 0)`` or ``(0, n2)``
result). The course times it on its 15-element lists.
"""

import numpy as np
from numba import njit, prange

from impls.dot import make_inputs
from impls.registry import Kernel, nbytes
from impls.tuning import PARALLEL, recycled_empty


def outer_python(x1, x2):
    """Loop: two nested loops, one product per output element."""
    n1, n2 = x1.shape[0], x2.shape[0]
    out = np.empty((n1, n2), x1.dtype)
    for i in range(n1):
        for j in range(n2):
            out[i, j] = x1[i] * x2[j]
    return out


def outer_numpy(x1, x2):
    """Vectorized: np.outer, one broadcast multiply."""
    return np.outer(x1, x2)


outer_numba = njit(cache=True)(outer_python)


@njit(parallel=PARALLEL, cache=True)
def _outer_into(x1, x2, out):
    for i in prange(x1.shape[0]):
        for j in range(x2.shape[0]):
            out[i, j] = x1[i] * x2[j]
    return out


def outer_numba_parallel(x1, x2):
    """prange over the rows of the output, into recycled memory (impls.tuning)."""
    return _outer_into(x1, x2, recycled_empty((x1.shape[0], x2.shape[0]), x1.dtype))


def edge_inputs(dtype):
    big = np.sqrt(np.finfo(dtype).max) / 8  # products near the top of the range
    tiny = np.finfo(dtype).tiny
    x15 = np.array([9, 2, 5, 0, 0, 7, 5, 0, 0, 0, 9, 2, 5, 0, 0], dtype)
    y15 = np.array([9, 2, 2, 9, 0, 9, 2, 5, 0, 0, 9, 2, 5, 0, 0], dtype)
    return [
        ("course's 15-element lists", (x15, y15)),
        ("non-square 3 x 5 (swapped arguments show)",
         (np.array([1.0, -2.0, 3.0], dtype), np.arange(5, dtype=dtype) + 0.5)),
        ("non-square 5 x 2", (np.arange(5, dtype=dtype) - 2, np.array([10.0, -0.25], dtype))),
        ("empty first", (np.zeros(0, dtype), np.ones(4, dtype))),
        ("empty second", (np.ones(4, dtype), np.zeros(0, dtype))),
        ("one element each", (np.array([3.0], dtype), np.array([-2.0], dtype))),
        ("strided views", (np.arange(12, dtype=dtype)[::3], np.arange(10, dtype=dtype)[::-2])),
        ("near overflow and subnormal", (np.array([big, tiny, -big], dtype), np.array([big, 0.5], dtype))),
    ]


KERNEL = Kernel(
    name="outer",
    summary="outer(x1 (n1,), x2 (n2,)) -> (n1, n2): x1[i] * x2[j]",
    tiers={"python": outer_python, "numpy": outer_numpy, "numba": outer_numba,
           "numba_parallel": outer_numba_parallel},
    make_inputs=make_inputs,
    sizes={
        "quick": (15, 100, 300),
        "default": (15, 100, 300, 1_000, 3_000),
        "large": (1_000, 3_000, 5_000),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: float(args[0].size * args[1].size),
    bytes_moved=lambda args: nbytes(*args) + args[0].size * args[1].size * args[0].itemsize,
)
