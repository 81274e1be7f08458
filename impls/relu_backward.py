"""Backward step through ReLU (course week 4).

    dZ = dA where Z > 0, else 0

Shapes: ``dA (n, m)``, ``Z (n, m)`` (the layer's cached pre-activation) ->
``dZ (n, m)`` in ``dA``'s dtype. At the kink ``Z == 0`` (either sign of zero)
the gradient is 0, as the course's ``dZ[Z <= 0] = 0`` makes it.
"""

import numpy as np
from numba import njit, prange

from impls.registry import SQUARE_ACTIVATION, GradProblem, Kernel, nbytes
from impls.tuning import PARALLEL, recycled_empty


def relu_backward_python(dA, Z):
    """Loops: pass dA through where the unit was active, 0 elsewhere."""
    n, m = Z.shape
    dZ = np.empty((n, m), dA.dtype)
    for i in range(n):
        for j in range(m):
            dZ[i, j] = dA[i, j] if Z[i, j] > 0 else 0.0
    return dZ


def relu_backward_numpy(dA, Z):
    """Vectorized: the course's copy, then a boolean mask."""
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


relu_backward_numba = njit(cache=True)(relu_backward_python)


@njit(parallel=PARALLEL, cache=True)
def _relu_backward_into(dA, Z, dZ):
    n, m = Z.shape
    for i in prange(n):
        for j in range(m):
            dZ[i, j] = dA[i, j] if Z[i, j] > 0 else 0.0
    return dZ


def relu_backward_numba_parallel(dA, Z):
    """prange over rows, into recycled memory (impls.tuning)."""
    return _relu_backward_into(dA, Z, recycled_empty(Z.shape, dA.dtype))


def make_inputs(n, rng, dtype):
    """An (n, n) layer over n examples; dA and Z have independent signs, so
    masking on dA instead of Z fails."""
    return rng.standard_normal((n, n)).astype(dtype, copy=False), rng.standard_normal((n, n)).astype(dtype, copy=False)


def edge_inputs(dtype):
    rng = np.random.default_rng(44)
    dA = rng.standard_normal((3, 4)).astype(dtype)
    return [
        ("Z exactly +0 and -0 (the kink) under nonzero dA",
         (np.array([[2.0, -3.0, 4.0], [1.0, 1.0, -1.0]], dtype),
          np.array([[0.0, -0.0, 1.0], [-0.0, -1.0, 0.0]], dtype))),
        ("dA < 0 where Z > 0 and dA > 0 where Z < 0",
         (np.array([[-1.0, 2, -3, 4], [5, -6, 7, -8], [-9, 1, -2, 3]], dtype),
          np.array([[1.0, -1, 2, -2], [-3, 3, -4, 4], [5, -5, 6, -6]], dtype))),
        ("F-ordered views of both", (dA.T, rng.standard_normal((3, 4)).astype(dtype).T)),
        ("one example (m=1)", (dA[:, :1].copy(), np.array([[1.0], [-1.0], [0.0]], dtype))),
        ("saturated Z = +-1000", (dA, np.array([[1000.0, -1000.0] * 2] * 3, dtype))),
        ("no examples (m=0)", (np.zeros((3, 0), dtype), np.zeros((3, 0), dtype))),
    ]


def gradient(args, tier):
    """J(Z) = sum(dA * relu(Z)) has dJ/dZ = dA where Z > 0, else 0."""
    dA, Z = args
    Z = np.ascontiguousarray(Z)  # perturbed in place
    return GradProblem(objective=lambda: float(np.sum(dA * np.maximum(Z, 0))),
                       params=(Z,), analytic=(tier(dA, Z),), labels=("Z",))


KERNEL = Kernel(
    name="relu_backward",
    summary="relu_backward(dA (n, m), Z (n, m)) -> dZ (n, m): dA where Z > 0, else 0",
    tiers={"python": relu_backward_python, "numpy": relu_backward_numpy, "numba": relu_backward_numba,
           "numba_parallel": relu_backward_numba_parallel},
    make_inputs=make_inputs,
    sizes=SQUARE_ACTIVATION,
    edge_inputs=edge_inputs,
    flops=lambda args: 1.0 * args[1].size,  # one compare-and-select per element
    bytes_moved=lambda args: nbytes(*args) + args[0].nbytes,
    gradient=gradient,
)
