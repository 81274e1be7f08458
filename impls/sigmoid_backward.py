"""Backward step through the sigmoid (course week 4), stable at any Z.

    s  = sigmoid(Z) = 1 / (1 + exp(-Z))
    dZ = dA * s * (1 - s)

Shapes: ``dA (n, m)``, ``Z (n, m)`` (the layer's cached pre-activation) ->
``dZ (n, m)`` in ``dA``'s dtype. ``s`` is computed as in ``impls.sigmoid``
(``exp`` of ``-|z|`` only), so ``Z = +-1000`` gives ``s`` exactly 1 or 0 and
``dZ`` exactly 0, without overflow, however large a finite ``dA`` is.
"""

import math

import numpy as np
from numba import njit, prange

from impls.registry import SQUARE_ACTIVATION, GradProblem, Kernel, nbytes
from impls.sigmoid import sigmoid_numpy
from impls.tuning import PARALLEL, recycled_empty


def sigmoid_backward_python(dA, Z):
    """Loops: one math.exp per element, branching on the sign for stability."""
    n, m = Z.shape
    dZ = np.empty((n, m), dA.dtype)
    for i in range(n):
        for j in range(m):
            z = Z[i, j]
            if z >= 0:
                s = 1.0 / (1.0 + math.exp(-z))
            else:
                e = math.exp(z)
                s = e / (1.0 + e)
            dZ[i, j] = dA[i, j] * s * (1.0 - s)
    return dZ


def sigmoid_backward_numpy(dA, Z):
    """Vectorized: the stable sigmoid of the whole array, then the course's product."""
    s = sigmoid_numpy(Z)
    return dA * s * (1 - s)


sigmoid_backward_numba = njit(cache=True)(sigmoid_backward_python)


@njit(parallel=PARALLEL, cache=True)
def _sigmoid_backward_into(dA, Z, dZ):
    n, m = Z.shape
    for i in prange(n):
        for j in range(m):
            z = Z[i, j]
            e = math.exp(-abs(z))
            r = 1.0 / (1.0 + e)
            s = r if z >= 0 else e * r
            dZ[i, j] = dA[i, j] * s * (1.0 - s)
    return dZ


def sigmoid_backward_numba_parallel(dA, Z):
    """prange over rows, branch-free (exp(-|z|) once, both halves, select),
    into recycled memory (impls.tuning)."""
    return _sigmoid_backward_into(dA, Z, recycled_empty(Z.shape, dA.dtype))


def make_inputs(n, rng, dtype):
    """An (n, n) output of n units over n examples, Z spread over the sigmoid's curve."""
    return rng.standard_normal((n, n)).astype(dtype, copy=False), (4 * rng.standard_normal((n, n))).astype(dtype, copy=False)


def edge_inputs(dtype):
    rng = np.random.default_rng(45)
    dA = rng.standard_normal((3, 5)).astype(dtype)
    huge = 1 / np.finfo(dtype).tiny  # the largest dA that L_model_backward's guarded dAL reaches (AL exactly 0)
    return [
        ("saturated Z = +-1000, +-50 and 0", (dA, np.array([[1000.0, -1000.0, 50.0, -50.0, 0.0]] * 3, dtype))),
        ("huge dA at saturated Z: exactly 0, no overflow",
         (np.array([[huge, -huge, huge]], dtype), np.array([[-1000.0, 1000.0, 0.0]], dtype))),
        ("F-ordered views of both", (dA.T, rng.standard_normal((3, 5)).astype(dtype).T)),
        ("one example (m=1)", (dA[:, :1].copy(), np.array([[2.0], [-2.0], [0.0]], dtype))),
        ("non-square: n=2, m=7", tuple(rng.standard_normal((2, 7)).astype(dtype) for _ in range(2))),
    ]


def gradient(args, tier):
    """J(Z) = sum(dA * sigmoid(Z)) has dJ/dZ = dA s (1 - s)."""
    dA, Z = args
    Z = np.ascontiguousarray(Z)  # perturbed in place
    return GradProblem(objective=lambda: float(np.sum(dA * sigmoid_numpy(Z))),
                       params=(Z,), analytic=(tier(dA, Z),), labels=("Z",))


KERNEL = Kernel(
    name="sigmoid_backward",
    summary="sigmoid_backward(dA (n, m), Z (n, m)) -> dZ (n, m) = dA s (1 - s), s = sigmoid(Z)",
    tiers={"python": sigmoid_backward_python, "numpy": sigmoid_backward_numpy, "numba": sigmoid_backward_numba,
           "numba_parallel": sigmoid_backward_numba_parallel},
    make_inputs=make_inputs,
    sizes=SQUARE_ACTIVATION,
    edge_inputs=edge_inputs,
    flops=lambda args: 7.0 * args[1].size,  # exp, add, divide, select, subtract, two multiplies
    bytes_moved=lambda args: nbytes(*args) + args[0].nbytes,
    elements=lambda args: float(args[1].size),
    gradient=gradient,
)
