"""Linear part of one layer's forward step (course week 4).

    Z = W A_prev + b

Shapes: ``A_prev (n_prev, m)``, ``W (n, n_prev)``, ``b (n, 1)`` -> ``Z (n, m)``,
examples are columns. Each ``Z[i, j]`` is ``b[i]`` plus one dot product of
length ``n_prev``: row ``i`` of ``W`` with column ``j`` of ``A_prev``, which
is contiguous in the course's layout (``X`` a transposed view of the
``(m, n_x)`` image array).
"""

import numpy as np
from numba import njit

from impls.registry import SQUARE_LAYER, Kernel, nbytes


def linear_forward_python(A_prev, W, b):
    """Loops: one dot product per output element, then the bias."""
    n, n_prev = W.shape
    m = A_prev.shape[1]
    Z = np.empty((n, m), A_prev.dtype)
    for i in range(n):
        for j in range(m):
            acc = np.float64(0.0)  # float64 in both tiers: a Python 0.0 turns float32 (NEP 50)
            for k in range(n_prev):
                acc += W[i, k] * A_prev[k, j]
            Z[i, j] = acc + b[i, 0]
    return Z


def linear_forward_numpy(A_prev, W, b):
    """Vectorized: one matrix product (BLAS gemm), b broadcast over the columns."""
    return np.dot(W, A_prev) + b


linear_forward_numba = njit(cache=True)(linear_forward_python)


def layer(n, n_prev, m, rng, dtype, course_layout=False):
    """(A_prev, W, b) of one layer; ``course_layout`` makes A_prev a
    transposed view of an (m, n_prev) C array, as the course stores X."""
    if course_layout:
        A_prev = rng.standard_normal((m, n_prev)).astype(dtype).T
    else:
        A_prev = rng.standard_normal((n_prev, m)).astype(dtype)
    W = (rng.standard_normal((n, n_prev)) / np.sqrt(max(n_prev, 1))).astype(dtype)
    return A_prev, W, rng.standard_normal((n, 1)).astype(dtype)


def make_inputs(n, rng, dtype):
    """A square layer over a square batch: (n, n) weights, n examples, so
    large n is compute-bound (2 n^3 flops on 3 n^2 numbers)."""
    return layer(n, n, n, rng, dtype)


def edge_inputs(dtype):
    rng = np.random.default_rng(42)
    return [
        ("non-square: n=3, n_prev=5, m=4 (a transposed W fails)", layer(3, 5, 4, rng, dtype)),
        ("square W, n != m (a transposed W fails on value)", layer(4, 4, 6, rng, dtype)),
        ("one example (m=1)", layer(3, 5, 1, rng, dtype)),
        ("one unit (n=1), an output layer", layer(1, 7, 5, rng, dtype)),
        ("course layout: A_prev an F-ordered view", layer(6, 9, 5, rng, dtype, course_layout=True)),
        ("no examples (m=0)", layer(3, 5, 0, rng, dtype)),
        ("zero weights: Z is b in every column", (np.ones((4, 3), dtype), np.zeros((2, 4), dtype),
                                                 np.array([[1.5], [-2.0]], dtype))),
    ]


def flops(args):
    A_prev, W, _ = args
    return 2.0 * W.shape[0] * W.shape[1] * A_prev.shape[1] + W.shape[0] * A_prev.shape[1]


KERNEL = Kernel(
    name="linear_forward",
    summary="linear_forward(A_prev (n_prev, m), W (n, n_prev), b (n, 1)) -> Z (n, m) = W A_prev + b",
    tiers={"python": linear_forward_python, "numpy": linear_forward_numpy, "numba": linear_forward_numba},
    make_inputs=make_inputs,
    sizes=SQUARE_LAYER,
    edge_inputs=edge_inputs,
    flops=flops,
    bytes_moved=lambda args: nbytes(*args) + args[1].shape[0] * args[0].shape[1] * args[0].itemsize,
    reduction=lambda args: args[1].shape[1] + 1,
)
