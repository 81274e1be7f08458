"""Rectified linear unit, elementwise.

    relu(Z) = max(0, Z)

Shapes: ``Z`` 1-D ``(n,)`` or 2-D ``(n_l, m)`` -> ``A`` of the same shape and
dtype. Negative zero and negative subnormals give zero; infinities pass
through (``relu(-inf) == 0``, ``relu(inf) == inf``).
"""

import numpy as np
from numba import njit, prange

from impls.registry import SQUARE_ACTIVATION, Kernel, nbytes
from impls.tuning import PARALLEL, recycled_empty


def relu_python(Z):
    """Loop: one comparison per element."""
    A = np.empty_like(Z)
    for i in range(Z.size):
        z = Z.flat[i]
        A.flat[i] = z if z > 0 else 0.0
    return A


def relu_numpy(Z):
    """Vectorized: np.maximum against a scalar zero (keeps the dtype)."""
    return np.maximum(Z, 0)


relu_numba = njit(cache=True)(relu_python)


@njit(parallel=PARALLEL, cache=True)
def _relu_into(Z, A):
    Zc = np.ascontiguousarray(Z)  # a view when Z is C-contiguous, else one copy
    z, a = Zc.reshape(Zc.size), A.reshape(A.size)
    for i in prange(z.size):
        a[i] = z[i] if z[i] > 0 else 0.0
    return A


def relu_numba_parallel(Z):
    """prange over the flat elements, into recycled memory (impls.tuning)."""
    return _relu_into(Z, recycled_empty(Z.shape, Z.dtype))


def make_inputs(n, rng, dtype):
    """An (n, n) pre-activation, the shape of a course hidden layer over a batch."""
    return ((rng.standard_normal((n, n)) * 4).astype(dtype, copy=False),)


def edge_inputs(dtype):
    fi = np.finfo(dtype)
    return [
        ("extremes and infinities", (np.array([-np.inf, -fi.max, -1.0, 1.0, fi.max, np.inf], dtype),)),
        ("zeros and subnormals", (np.array([-0.0, 0.0, -fi.smallest_subnormal, fi.smallest_subnormal], dtype),)),
        ("+-1000", (np.array([[-1000.0, 1000.0], [1000.0, -1000.0]], dtype),)),
        ("empty", (np.zeros((0, 3), dtype),)),
        ("one element", (np.array([[-0.5]], dtype),)),
        ("transposed (F-ordered) view", (np.arange(-6.0, 6.0, dtype=dtype).reshape(3, 4).T,)),
        ("column vector (n, 1)", (np.linspace(-8, 8, 7, dtype=dtype).reshape(7, 1),)),
    ]


KERNEL = Kernel(
    name="relu",
    summary="relu(Z 1-D or 2-D) -> A same shape: max(0, Z)",
    tiers={"python": relu_python, "numpy": relu_numpy, "numba": relu_numba,
           "numba_parallel": relu_numba_parallel},
    make_inputs=make_inputs,
    sizes=SQUARE_ACTIVATION,
    edge_inputs=edge_inputs,
    flops=lambda args: float(args[0].size),  # one comparison per element
    bytes_moved=lambda args: 2 * nbytes(args[0]),
)
