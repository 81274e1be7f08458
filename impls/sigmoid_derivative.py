"""Derivative of the logistic sigmoid, elementwise, accurate in both tails.

    sigmoid_derivative(Z) = s * (1 - s),  s = sigmoid(Z)
                          = e / (1 + e)^2,  e = exp(-|Z|)

Shapes: ``Z`` 1-D ``(n,)`` or 2-D ``(n_l, m)`` -> ``dZ``-like array of the same
shape and dtype (the factor ``g'(Z)`` of ``dZ = dA * g'(Z)``). The second
form is the same value (the derivative is even in ``Z``), but ``exp`` never
overflows and the tails keep their relative accuracy where ``1 - s`` would
round to 0: ``sigmoid_derivative(+-1000) == 0.0`` without warnings.
"""

import math

import numpy as np
from numba import njit, prange

from impls.registry import SQUARE_ACTIVATION, Kernel, nbytes
from impls.tuning import PARALLEL, recycled_empty


def sigmoid_derivative_python(Z):
    """Loop: one math.exp(-|z|) per element, then e / (1 + e)^2."""
    dZ = np.empty_like(Z)
    for i in range(Z.size):
        e = math.exp(-abs(Z.flat[i]))
        dZ.flat[i] = e / ((1.0 + e) * (1.0 + e))
    return dZ


def sigmoid_derivative_numpy(Z):
    """Vectorized: exp(-|Z|) once over the array, then e / (1 + e)**2."""
    E = np.exp(-np.abs(Z))
    return E / (1 + E) ** 2


sigmoid_derivative_numba = njit(cache=True)(sigmoid_derivative_python)


@njit(parallel=PARALLEL, cache=True)
def _sigmoid_derivative_into(Z, dZ):
    Zc = np.ascontiguousarray(Z)  # a view when Z is C-contiguous, else one copy
    z, dz = Zc.reshape(Zc.size), dZ.reshape(dZ.size)
    for i in prange(z.size):
        e = math.exp(-abs(z[i]))
        dz[i] = e / ((1.0 + e) * (1.0 + e))
    return dZ


def sigmoid_derivative_numba_parallel(Z):
    """prange over the flat elements, into recycled memory (impls.tuning)."""
    return _sigmoid_derivative_into(Z, recycled_empty(Z.shape, Z.dtype))


def make_inputs(n, rng, dtype):
    """An (n, n) pre-activation, the shape of a course hidden layer over a batch."""
    return ((rng.standard_normal((n, n)) * 4).astype(dtype, copy=False),)


def edge_inputs(dtype):
    edge = np.log(np.finfo(dtype).max)  # where exp(|z|) would overflow
    return [
        ("+-1000 without overflow", (np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype),)),
        ("course's [1, 2, 3]", (np.array([1.0, 2.0, 3.0], dtype),)),
        ("tails around exp overflow", (np.array([-edge - 1, -edge + 1, edge - 1, edge + 1], dtype),)),
        ("empty", (np.zeros((0, 3), dtype),)),
        ("one element", (np.array([[0.5]], dtype),)),
        ("transposed (F-ordered) view", (np.arange(-6.0, 6.0, dtype=dtype).reshape(3, 4).T,)),
        ("column vector (n, 1)", (np.linspace(-8, 8, 7, dtype=dtype).reshape(7, 1),)),
    ]


KERNEL = Kernel(
    name="sigmoid_derivative",
    summary="sigmoid_derivative(Z 1-D or 2-D) -> same shape: s * (1 - s)",
    tiers={"python": sigmoid_derivative_python, "numpy": sigmoid_derivative_numpy,
           "numba": sigmoid_derivative_numba,
           "numba_parallel": sigmoid_derivative_numba_parallel},
    make_inputs=make_inputs,
    sizes=SQUARE_ACTIVATION,
    edge_inputs=edge_inputs,
    flops=lambda args: 5.0 * args[0].size,  # abs, exp, add, multiply, divide
    bytes_moved=lambda args: 2 * nbytes(args[0]),
    elements=lambda args: float(args[0].size),
)
