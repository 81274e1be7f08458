"""Linear part of one layer's backward step (course week 4).

    dW      = (1/m) dZ A_prev.T
    db      = (1/m) sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T dZ

Shapes: ``dZ (n, m)``, ``A_prev (n_prev, m)``, ``W (n, n_prev)`` ->
``(dA_prev (n_prev, m), dW (n, n_prev), db (n, 1))``, examples are columns,
``m >= 1``. The 1/m averages the parameter gradients over the batch;
``dA_prev`` is per example (the next layer down averages it in turn).

The loops keep the formulas' order, one sum per output element: dW's sums
run along rows of dZ and A_prev (contiguous in C order), dA_prev's down
columns of W and dZ (strided), a cache cost the numba tier pays and BLAS,
which blocks and packs its operands, does not.
"""

import numpy as np
from numba import njit
from numba.extending import register_jitable

from impls.linear_forward import layer, linear_forward_numpy
from impls.registry import SQUARE_LAYER, GradProblem, Kernel, nbytes


# register_jitable: plain Python when the python tier calls it, compiled
# inline when the numba tier does. It lives in this file because Numba's
# cache only notices edits to the file of the function it caches.
@register_jitable
def _matmul(A, B, scale):
    """scale * A @ B, one dot product per element (A and B may be .T views)."""
    C = np.empty((A.shape[0], B.shape[1]), A.dtype)
    for i in range(A.shape[0]):
        for j in range(B.shape[1]):
            acc = np.float64(0.0)  # float64 in both tiers: a Python 0.0 turns float32 (NEP 50)
            for k in range(A.shape[1]):
                acc += A[i, k] * B[k, j]
            C[i, j] = acc * scale
    return C


def linear_backward_python(dZ, A_prev, W):
    """Loops: two contractions read as the formulas, and a row sum for db."""
    n, m = dZ.shape
    dW = _matmul(dZ, A_prev.T, 1.0 / m)
    db = np.empty((n, 1), dZ.dtype)
    for i in range(n):
        acc = np.float64(0.0)
        for j in range(m):
            acc += dZ[i, j]
        db[i, 0] = acc / m
    dA_prev = _matmul(W.T, dZ, 1.0)
    return dA_prev, dW, db


def linear_backward_numpy(dZ, A_prev, W):
    """Vectorized: the course's three lines (two BLAS gemm calls and a sum)."""
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


linear_backward_numba = njit(cache=True)(linear_backward_python)


def backward_inputs(n, n_prev, m, rng, dtype, course_layout=False):
    """(dZ, A_prev, W) of one layer, dZ standard normal."""
    A_prev, W, _ = layer(n, n_prev, m, rng, dtype, course_layout)
    return rng.standard_normal((n, m)).astype(dtype, copy=False), A_prev, W


def make_inputs(n, rng, dtype):
    """A square layer over a square batch, as linear_forward: 4 n^3 flops."""
    return backward_inputs(n, n, n, rng, dtype)


def edge_inputs(dtype):
    rng = np.random.default_rng(43)
    dZ, A_prev, W = backward_inputs(3, 4, 5, rng, dtype)
    return [
        ("non-square: n=3, n_prev=5, m=4 (a transposed W fails)", backward_inputs(3, 5, 4, rng, dtype)),
        ("square W, n != m (a transposed W fails on value)", backward_inputs(4, 4, 6, rng, dtype)),
        ("n == m: db summed over axis 0 then reshaped fails on value", backward_inputs(5, 3, 5, rng, dtype)),
        ("one example (m=1)", backward_inputs(3, 5, 1, rng, dtype)),
        ("one unit (n=1), an output layer", backward_inputs(1, 7, 5, rng, dtype)),
        ("course layout: A_prev an F-ordered view", backward_inputs(6, 9, 5, rng, dtype, course_layout=True)),
        ("rows of dZ from 1e-3 to 1e3", (dZ * np.array([[1e-3], [1.0], [1e3]], dtype), A_prev, W)),
    ]


def gradient(args, tier):
    """J(A_prev, W, b) = (1/m) sum(dZ * (W A_prev + b)) has dJ/dZ = dZ / m, so
    dW and db are its gradients and dJ/dA_prev = dA_prev / m."""
    dZ, A_prev, W = args
    A_prev, W = np.ascontiguousarray(A_prev), np.ascontiguousarray(W)  # perturbed in place
    b = np.zeros((W.shape[0], 1), W.dtype)
    m = dZ.shape[1]
    dA_prev, dW, db = tier(dZ, A_prev, W)
    return GradProblem(
        objective=lambda: float(np.sum(dZ * linear_forward_numpy(A_prev, W, b))) / m,
        params=(A_prev, W, b), analytic=(dA_prev / m, dW, db), labels=("A_prev", "W", "b"))


def flops(args):
    dZ, A_prev, _ = args
    (n, m), n_prev = dZ.shape, A_prev.shape[0]
    return 4.0 * n * n_prev * m + n * m + n * n_prev + n


KERNEL = Kernel(
    name="linear_backward",
    summary="linear_backward(dZ (n, m), A_prev (n_prev, m), W (n, n_prev)) -> (dA_prev, dW, db)",
    tiers={"python": linear_backward_python, "numpy": linear_backward_numpy, "numba": linear_backward_numba},
    make_inputs=make_inputs,
    sizes=SQUARE_LAYER,
    edge_inputs=edge_inputs,
    flops=flops,
    # dA_prev and dW have the shapes of A_prev and W; db is n numbers
    bytes_moved=lambda args: nbytes(*args) + nbytes(*args[1:]) + args[0].shape[0] * args[0].itemsize,
    reduction=lambda args: max(args[0].shape),  # dW sums over m, dA_prev over n
    gradient=gradient,
)
