"""Elementwise product of two vectors: the course's ``np.multiply`` timing.

    multiply(x1, x2)[i] = x1[i] * x2[i]

Shapes: ``x1 (n,)``, ``x2 (n,)`` -> ``(n,)`` in the input dtype. ``n`` may be
0. The course times it on its 15-element lists and on 10^6 elements.
"""

import numpy as np
from numba import njit, prange

from impls.dot import make_inputs, vector_pair_edges
from impls.registry import Kernel, nbytes
from impls.tuning import PARALLEL, recycled_empty


def multiply_python(x1, x2):
    """Loop: one product per element, written into a preallocated vector."""
    out = np.empty(x1.shape[0], x1.dtype)
    for i in range(x1.shape[0]):
        out[i] = x1[i] * x2[i]
    return out


def multiply_numpy(x1, x2):
    """Vectorized: np.multiply, one ufunc pass."""
    return np.multiply(x1, x2)


multiply_numba = njit(cache=True)(multiply_python)


@njit(parallel=PARALLEL, cache=True)
def _multiply_into(x1, x2, out):
    for i in prange(x1.shape[0]):
        out[i] = x1[i] * x2[i]
    return out


def multiply_numba_parallel(x1, x2):
    """prange over the elements, into recycled memory (impls.tuning)."""
    return _multiply_into(x1, x2, recycled_empty(x1.shape[0], x1.dtype))


def edge_inputs(dtype):
    big = np.sqrt(np.finfo(dtype).max) / 8  # products near the top of the range
    tiny = np.finfo(dtype).tiny
    return vector_pair_edges(dtype) + [
        ("reversed and strided views", (np.arange(20, dtype=dtype)[::-2], np.arange(30, dtype=dtype)[::3])),
        ("near overflow", (np.full(4, big, dtype), np.array([big, -big, 1.0, -1.0], dtype))),
        ("subnormal products", (np.full(4, tiny, dtype), np.array([0.5, -0.25, 1.0, 0.0], dtype))),
    ]


KERNEL = Kernel(
    name="multiply",
    summary="multiply(x1 (n,), x2 (n,)) -> (n,): x1[i] * x2[i]",
    tiers={"python": multiply_python, "numpy": multiply_numpy, "numba": multiply_numba,
           "numba_parallel": multiply_numba_parallel},
    make_inputs=make_inputs,
    sizes={
        "quick": (15, 1_000, 100_000),
        "default": (15, 1_000, 100_000, 1_000_000, 10_000_000),
        "large": (1_000_000, 10_000_000, 50_000_000),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: float(args[0].size),
    bytes_moved=lambda args: 3 * nbytes(args[0]),
)
