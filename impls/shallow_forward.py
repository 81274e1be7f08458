"""Forward pass of the course's shallow network: one tanh hidden layer, sigmoid out.

    Z1 = W1 X + b1     A1 = tanh(Z1)
    Z2 = W2 A1 + b2    A2 = sigmoid(Z2)

Shapes: ``X (n_x, m)``, ``W1 (n_h, n_x)``, ``b1 (n_h, 1)``, ``W2 (n_y, n_h)``,
``b2 (n_y, 1)`` -> ``(A2 (n_y, m), Z1 (n_h, m), A1 (n_h, m), Z2 (n_y, m))``
in the input dtype. The course's planar "flower" network has n_x = 2, n_h = 4,
n_y = 1 and m = 400; the ladder's n is n_h with m = 100 n (n = 4 is the
course's network). Both activations are stable at any magnitude: tanh
saturates to +-1 and sigmoid uses exp(-|z|), so Z = +-1000 warns of nothing.
"""

import math

import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from impls.registry import Kernel, nbytes
from impls.sigmoid import sigmoid_numpy
from impls.tuning import PARALLEL, recycled_empty


# A copy of impls.propagate's helper rather than an import: Numba's cache only
# notices changes to the file of the cached function.
@register_jitable
def _sigmoid(z):
    """sigmoid of one logit; exp(-|z|) never overflows."""
    e = math.exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


@register_jitable
def _example(j, X, W1, b1, W2, b2, Z1, A1, Z2, A2):
    """Example j's hidden column, then its output column, as loops."""
    n_x = X.shape[0]
    n_h, n_y = W1.shape[0], W2.shape[0]
    for k in range(n_h):
        z = b1[k, 0]
        for i in range(n_x):
            z += W1[k, i] * X[i, j]
        Z1[k, j] = z
        A1[k, j] = math.tanh(Z1[k, j])
    for r in range(n_y):
        z = b2[r, 0]
        for k in range(n_h):
            z += W2[r, k] * A1[k, j]
        Z2[r, j] = z
        A2[r, j] = _sigmoid(Z2[r, j])


def shallow_forward_python(X, W1, b1, W2, b2):
    """Loop per example: its hidden column, then its output column."""
    m = X.shape[1]
    n_h, n_y = W1.shape[0], W2.shape[0]
    Z1 = np.empty((n_h, m), X.dtype)
    A1 = np.empty((n_h, m), X.dtype)
    Z2 = np.empty((n_y, m), X.dtype)
    A2 = np.empty((n_y, m), X.dtype)
    for j in range(m):
        _example(j, X, W1, b1, W2, b2, Z1, A1, Z2, A2)
    return A2, Z1, A1, Z2


def shallow_forward_numpy(X, W1, b1, W2, b2):
    """Vectorized as in the course: two BLAS products and two elementwise passes."""
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid_numpy(Z2)
    return A2, Z1, A1, Z2


shallow_forward_numba = njit(cache=True)(shallow_forward_python)


@njit(parallel=PARALLEL, cache=True)
def _shallow_forward_into(X, W1, b1, W2, b2, Z1, A1, Z2, A2):
    for j in prange(X.shape[1]):
        _example(j, X, W1, b1, W2, b2, Z1, A1, Z2, A2)
    return A2, Z1, A1, Z2


def shallow_forward_numba_parallel(X, W1, b1, W2, b2):
    """The loop per example under prange (examples are independent), into recycled memory (impls.tuning)."""
    m = X.shape[1]
    n_h, n_y = W1.shape[0], W2.shape[0]
    Z1, A1 = recycled_empty((n_h, m), X.dtype), recycled_empty((n_h, m), X.dtype)
    Z2, A2 = recycled_empty((n_y, m), X.dtype), recycled_empty((n_y, m), X.dtype)
    return _shallow_forward_into(X, W1, b1, W2, b2, Z1, A1, Z2, A2)


def network(n_x, n_h, n_y, m, rng, dtype, weight_scale=1.0, X=None):
    """Points in the flower's square [-4, 4]^2 (F-ordered, as the course transposes
    its (m, n_x) array) and weights of a partly trained network: tanh is in its
    curved region, not its linear one."""
    X = rng.uniform(-4, 4, (m, n_x)).T if X is None else X
    W1 = rng.standard_normal((n_h, n_x)) * weight_scale
    b1 = rng.standard_normal((n_h, 1)) * 0.5
    W2 = rng.standard_normal((n_y, n_h)) * weight_scale
    b2 = rng.standard_normal((n_y, 1)) * 0.5
    return tuple(a.astype(dtype) for a in (X, W1, b1, W2, b2))


def make_inputs(n, rng, dtype):
    """The planar network with n_h = n hidden units over m = 100 n points."""
    return network(2, n, 1, 100 * n, rng, dtype)


def edge_inputs(dtype):
    rng = np.random.default_rng(2)
    scale = np.logspace(-3, 3, 4).reshape(4, 1)
    return [
        ("saturated: Z1 and Z2 in the thousands", network(2, 3, 1, 6, rng, dtype, weight_scale=1000.0)),
        ("one example (m = 1)", network(2, 4, 1, 1, rng, dtype)),
        ("one hidden unit (n_h = 1)", network(3, 1, 1, 5, rng, dtype)),
        ("n_x, n_h, n_y, m all different (4, 5, 3, 7)", network(4, 5, 3, 7, rng, dtype)),
        ("features of very different scale (1e-3 .. 1e3)",
         network(4, 3, 1, 6, rng, dtype, X=rng.uniform(-1, 1, (4, 6)) * scale)),
        ("C-ordered X", network(3, 2, 1, 5, rng, dtype, X=np.ascontiguousarray(rng.uniform(-4, 4, (3, 5))))),
    ]


#: Hidden width n_h over m = 100 n points; n = 4 is the course's planar network.
SIZES = {
    "quick": (3, 8, 16),
    "default": (1, 4, 20, 50, 100, 200),
    "large": (100, 200, 400),
}


def flops(args):
    X, W1, _, W2, _ = args
    (n_x, m), n_h, n_y = X.shape, W1.shape[0], W2.shape[0]
    return m * (2.0 * n_h * n_x + 2.0 * n_y * n_h + 2.0 * n_h + 5.0 * n_y)  # products, tanh, sigmoid


KERNEL = Kernel(
    name="shallow_forward",
    summary="shallow_forward(X, W1, b1, W2, b2) -> (A2, Z1, A1, Z2): tanh hidden layer, sigmoid output",
    tiers={"python": shallow_forward_python, "numpy": shallow_forward_numpy, "numba": shallow_forward_numba,
           "numba_parallel": shallow_forward_numba_parallel},
    make_inputs=make_inputs,
    sizes=SIZES,
    edge_inputs=edge_inputs,
    flops=flops,
    bytes_moved=lambda args: nbytes(*args) + 2 * args[0].itemsize * args[0].shape[1] * (
        args[1].shape[0] + args[3].shape[0]),  # inputs, then Z1, A1 (n_h, m) and Z2, A2 (n_y, m)
    reduction=lambda args: max(args[0].shape[0], args[1].shape[0]),
)
