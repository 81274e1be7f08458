"""Inner product of two vectors: the course's first loop-vs-``np.dot`` timing.

    dot(x1, x2) = sum_i x1[i] * x2[i]

Shapes: ``x1 (n,)``, ``x2 (n,)`` -> Python float. ``n`` may be 0 (the sum of
nothing is 0.0).

Precision of the loop tiers on float32 input: the accumulator starts as the
float ``0.0``; under NumPy 2's promotion rules adding a float32 keeps it
float32 in the python tier, while Numba types it float64 for the whole loop.
Both stay well within the gate's tolerance.
"""

import numpy as np
from numba import njit, prange

from impls.registry import Kernel, nbytes
from impls.tuning import PARALLEL, REASSOC


def dot_python(x1, x2):
    """Loop: accumulate the products one pair at a time, in a scalar accumulator."""
    total = 0.0
    for i in range(x1.shape[0]):
        total += x1[i] * x2[i]
    return total


def dot_numpy(x1, x2):
    """Vectorized: one call into BLAS (ddot/sdot)."""
    return np.dot(x1, x2)


dot_numba = njit(cache=True)(dot_python)


@njit(parallel=PARALLEL, fastmath=REASSOC, cache=True)
def dot_numba_parallel(x1, x2):
    """prange reduction; each thread's sum reassociated (as BLAS's is) so it vectorizes."""
    total = 0.0
    for i in prange(x1.shape[0]):
        total += x1[i] * x2[i]
    return total


def make_inputs(n, rng, dtype):
    return (rng.standard_normal(n).astype(dtype, copy=False), rng.standard_normal(n).astype(dtype, copy=False))


def vector_pair_edges(dtype):
    """Edges of every kernel over two (n,) vectors: empty, one element, the course's lists."""
    return [
        ("empty", (np.zeros(0, dtype), np.zeros(0, dtype))),
        ("one element", (np.array([3.0], dtype), np.array([-2.0], dtype))),
        ("course's 15-element lists",
         (np.array([9, 2, 5, 0, 0, 7, 5, 0, 0, 0, 9, 2, 5, 0, 0], dtype),
          np.array([9, 2, 2, 9, 0, 9, 2, 5, 0, 0, 9, 2, 5, 0, 0], dtype))),
    ]


def edge_inputs(dtype):
    big = np.sqrt(np.finfo(dtype).max) / 8  # products near the top of the range
    tiny = np.finfo(dtype).tiny
    alternating = np.array([(-1.0) ** i for i in range(101)], dtype=dtype)
    return vector_pair_edges(dtype) + [
        ("alternating signs", (alternating, np.arange(101, dtype=dtype))),
        ("near overflow", (np.full(4, big, dtype), np.full(4, big, dtype))),
        ("subnormal products", (np.full(8, tiny, dtype), np.full(8, 0.5, dtype))),
    ]


KERNEL = Kernel(
    name="dot",
    summary="dot(x1 (n,), x2 (n,)) -> float: sum of products",
    tiers={"python": dot_python, "numpy": dot_numpy, "numba": dot_numba,
           "numba_parallel": dot_numba_parallel},
    make_inputs=make_inputs,
    sizes={
        "quick": (15, 1_000, 100_000),
        "default": (15, 1_000, 100_000, 1_000_000, 10_000_000),
        "large": (1_000_000, 10_000_000, 50_000_000),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: 2.0 * args[0].size,
    bytes_moved=lambda args: nbytes(*args),
    reduction=lambda args: args[0].size,
)
