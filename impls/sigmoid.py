"""Logistic sigmoid, elementwise, stable at any magnitude.

    sigmoid(Z) = 1 / (1 + exp(-Z))

Shapes: ``Z`` any shape (1-D vectors and 2-D ``(n_l, m)`` activations in the
course) -> ``A`` of the same shape and dtype. For ``z < 0`` the equivalent
``exp(z) / (1 + exp(z))`` is used so that ``exp`` never overflows:
``sigmoid(-1000) == 0.0`` and ``sigmoid(1000) == 1.0`` without warnings.
"""

import math

import numpy as np
from numba import njit, prange

from impls.registry import SQUARE_ACTIVATION, Kernel, nbytes
from impls.tuning import PARALLEL, recycled_empty


def sigmoid_python(Z):
    """Loop: one math.exp per element, branching on the sign for stability."""
    A = np.empty_like(Z)
    for i in range(Z.size):
        z = Z.flat[i]
        if z >= 0:
            A.flat[i] = 1.0 / (1.0 + math.exp(-z))
        else:
            e = math.exp(z)
            A.flat[i] = e / (1.0 + e)
    return A


def sigmoid_numpy(Z):
    """Vectorized and branch-free: 1 / (1 + E) where Z >= 0 and E / (1 + E)
    where Z < 0, with E = exp(-|Z|), which never overflows. The numerator is
    exp(min(Z, 0)): exactly 1 for Z >= 0, exactly E for Z < 0.

    ``np.where(Z >= 0, 1 / (1 + E), E / (1 + E))`` gives the same values, but
    NumPy's ``where`` branches on every element. On random signs the CPU's
    branch predictor then misses half the time, unless it has learned the
    signs of an input that it has seen over and over: at n=256 the same call
    read 213 to 330 us by how many times it had just run on the same input
    (README, "What a figure means"). This form costs one more ``exp`` and no
    branch on the data.
    """
    E = np.exp(-np.abs(Z))
    return np.exp(np.minimum(Z, 0)) / (1 + E)


sigmoid_numba = njit(cache=True)(sigmoid_python)


@njit(parallel=PARALLEL, cache=True)
def _sigmoid_into(Z, A):
    Zc = np.ascontiguousarray(Z)  # a view when Z is C-contiguous, else one copy
    z, a = Zc.reshape(Zc.size), A.reshape(A.size)
    for i in prange(z.size):
        e = math.exp(-abs(z[i]))
        r = 1 / (1 + e)
        a[i] = r if z[i] >= 0 else e * r
    return A


def sigmoid_numba_parallel(Z):
    """prange over the flat elements, branch-free (both halves, then select),
    into recycled memory (impls.tuning)."""
    return _sigmoid_into(Z, recycled_empty(Z.shape, Z.dtype))


def make_inputs(n, rng, dtype):
    """An (n, n) activation, the shape of a course hidden layer over a batch."""
    return ((rng.standard_normal((n, n)) * 4).astype(dtype, copy=False),)


def edge_inputs(dtype):
    return [
        ("+-1000 saturate without overflow", (np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype),)),
        ("empty", (np.zeros((0, 3), dtype),)),
        ("one element", (np.array([[0.5]], dtype),)),
        ("transposed (F-ordered) view", (np.arange(-6.0, 6.0, dtype=dtype).reshape(3, 4).T,)),
        ("column vector (n, 1)", (np.linspace(-8, 8, 7, dtype=dtype).reshape(7, 1),)),
    ]


KERNEL = Kernel(
    name="sigmoid",
    summary="sigmoid(Z any shape) -> A same shape: 1 / (1 + exp(-Z))",
    tiers={"python": sigmoid_python, "numpy": sigmoid_numpy, "numba": sigmoid_numba,
           "numba_parallel": sigmoid_numba_parallel},
    make_inputs=make_inputs,
    sizes=SQUARE_ACTIVATION,
    edge_inputs=edge_inputs,
    flops=lambda args: 4.0 * args[0].size,  # exp, add, divide, select
    bytes_moved=lambda args: 2 * nbytes(args[0]),
    elements=lambda args: float(args[0].size),
)
