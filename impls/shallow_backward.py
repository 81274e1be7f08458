"""Backward pass of the course's shallow network (tanh hidden, sigmoid output).

    dZ2 = A2 - Y                   dZ1 = W2.T dZ2 * (1 - A1^2)
    dW2 = (1/m) dZ2 A1.T           dW1 = (1/m) dZ1 X.T
    db2 = (1/m) sum(dZ2, axis=1)   db1 = (1/m) sum(dZ1, axis=1)   (keepdims)

the gradients of the cross-entropy cost of ``impls.shallow_forward``.
Shapes: ``X (n_x, m)``, ``Y (n_y, m)`` of 0.0/1.0, ``W1 (n_h, n_x)``,
``W2 (n_y, n_h)``, ``A1 (n_h, m)``, ``A2 (n_y, m)`` -> ``(dW1 (n_h, n_x),
db1 (n_h, 1), dW2 (n_y, n_h), db2 (n_y, 1))`` in the input dtype; n_y = 1 in
the course. The ladder's n is n_h, with m = 100 n and n_x = 2, as for the
forward pass.
"""

import numpy as np
from numba import njit, prange

from impls.propagate import cross_entropy
from impls.registry import GradProblem, Kernel, nbytes
from impls.shallow_forward import SIZES, network, shallow_forward_numpy
from impls.tuning import PARALLEL


def shallow_backward_python(X, Y, W1, W2, A1, A2):
    """Loop per example: its dZ2 then dZ1 column, accumulated into the gradients."""
    n_x, m = X.shape
    n_h, n_y = W1.shape[0], W2.shape[0]
    dW1 = np.zeros((n_h, n_x), X.dtype)
    db1 = np.zeros((n_h, 1), X.dtype)
    dW2 = np.zeros((n_y, n_h), X.dtype)
    db2 = np.zeros((n_y, 1), X.dtype)
    dZ2 = np.empty(n_y, X.dtype)  # one example's column of dZ2
    for j in range(m):
        for r in range(n_y):
            dZ2[r] = A2[r, j] - Y[r, j]
            db2[r, 0] += dZ2[r]
            for k in range(n_h):
                dW2[r, k] += dZ2[r] * A1[k, j]
        for k in range(n_h):
            dA1 = 0.0
            for r in range(n_y):
                dA1 += W2[r, k] * dZ2[r]
            dZ1 = dA1 * (1.0 - A1[k, j] ** 2)
            db1[k, 0] += dZ1
            for i in range(n_x):
                dW1[k, i] += dZ1 * X[i, j]
    dW1 /= m
    db1 /= m
    dW2 /= m
    db2 /= m
    return dW1, db1, dW2, db2


def shallow_backward_numpy(X, Y, W1, W2, A1, A2):
    """Vectorized as in the course: four BLAS products and two row sums."""
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return dW1, db1, dW2, db2


shallow_backward_numba = njit(cache=True)(shallow_backward_python)


@njit(parallel=PARALLEL, cache=True)
def shallow_backward_numba_parallel(X, Y, W1, W2, A1, A2):
    """prange over hidden units: unit k's row of A1 (contiguous) gives its row
    of dZ1 and so its dW1, db1 and its column of dW2, in one pass over A1."""
    n_x, m = X.shape
    n_h, n_y = W1.shape[0], W2.shape[0]
    # loops, not array expressions: Numba compiles each expression as a
    # function of its own with parallel=True, finds nothing to parallelise
    # there, and warns
    dZ2 = np.empty((n_y, m), X.dtype)  # small beside A1 (n_h, m)
    for r in range(n_y):
        for j in range(m):
            dZ2[r, j] = A2[r, j] - Y[r, j]
    dW1 = np.zeros((n_h, n_x), X.dtype)
    db1 = np.zeros((n_h, 1), X.dtype)
    dW2 = np.zeros((n_y, n_h), X.dtype)
    for k in prange(n_h):
        # unit k's sums in locals, stored once: neighbouring units' gradients
        # share cache lines, and threads writing them per example would fight
        dW1_k = np.zeros(n_x)
        dW2_k = np.zeros(n_y)
        db1_k = 0.0
        for j in range(m):
            dA1 = 0.0
            for r in range(n_y):
                dA1 += W2[r, k] * dZ2[r, j]
                dW2_k[r] += dZ2[r, j] * A1[k, j]
            dZ1 = dA1 * (1.0 - A1[k, j] ** 2)
            db1_k += dZ1
            for i in range(n_x):
                dW1_k[i] += dZ1 * X[i, j]
        db1[k, 0] = db1_k / m
        for i in range(n_x):
            dW1[k, i] = dW1_k[i] / m
        for r in range(n_y):
            dW2[r, k] = dW2_k[r] / m
    db2 = np.zeros((n_y, 1), X.dtype)
    for r in range(n_y):
        for j in range(m):
            db2[r, 0] += dZ2[r, j]
        db2[r, 0] /= m
    return dW1, db1, dW2, db2


def backward_inputs(forward_args, rng):
    """(X, Y, W1, W2, A1, A2) from a forward pass over ``forward_args`` and random labels."""
    X, W1, b1, W2, b2 = forward_args
    A2, _, A1, _ = shallow_forward_numpy(X, W1, b1, W2, b2)
    return X, rng.integers(0, 2, A2.shape).astype(X.dtype), W1, W2, A1, A2


def make_inputs(n, rng, dtype):
    """The planar network with n_h = n hidden units over m = 100 n points."""
    return backward_inputs(network(2, n, 1, 100 * n, rng, dtype), rng)


def edge_inputs(dtype):
    rng = np.random.default_rng(3)
    scale = np.logspace(-3, 3, 4).reshape(4, 1)
    return [
        ("saturated: A1 = +-1, A2 = 0 or 1 exactly",
         backward_inputs(network(2, 3, 1, 6, rng, dtype, weight_scale=1000.0), rng)),
        ("one example (m = 1)", backward_inputs(network(2, 4, 1, 1, rng, dtype), rng)),
        ("square W2 (n_y = n_h = 3) exposes W2 for W2.T", backward_inputs(network(2, 3, 3, 5, rng, dtype), rng)),
        ("n_x, n_h, m all different (4, 6, 9)", backward_inputs(network(4, 6, 1, 9, rng, dtype), rng)),
        ("features of very different scale (1e-3 .. 1e3)",
         backward_inputs(network(4, 3, 1, 6, rng, dtype, X=rng.uniform(-1, 1, (4, 6)) * scale), rng)),
        ("C-ordered X", backward_inputs(
            network(3, 2, 1, 5, rng, dtype, X=np.ascontiguousarray(rng.uniform(-4, 4, (3, 5)))), rng)),
    ]


def gradient(args, tier):
    """The tier's gradients against finite differences of the cost of shallow_forward."""
    X, Y, W1, W2, _, _ = args
    # the inputs carry no biases: pick some and recompute A1, A2 from them
    b1 = np.linspace(-0.5, 0.5, W1.shape[0]).reshape(-1, 1)
    b2 = np.linspace(0.3, -0.3, W2.shape[0]).reshape(-1, 1)
    A2, _, A1, _ = shallow_forward_numpy(X, W1, b1, W2, b2)
    return GradProblem(objective=lambda: cross_entropy(shallow_forward_numpy(X, W1, b1, W2, b2)[3], Y),
                       params=(W1, b1, W2, b2), analytic=tier(X, Y, W1, W2, A1, A2),
                       labels=("dW1", "db1", "dW2", "db2"))


def flops(args):
    X, _, W1, W2, _, _ = args
    (n_x, m), n_h, n_y = X.shape, W1.shape[0], W2.shape[0]
    per_example = 4.0 * n_y * n_h + 2.0 * n_h * n_x + 4.0 * n_h + 2.0 * n_y
    return m * per_example + (n_h * n_x + n_h + n_y * n_h + n_y)  # then the 1/m scaling


KERNEL = Kernel(
    name="shallow_backward",
    summary="shallow_backward(X, Y, W1, W2, A1, A2) -> (dW1, db1, dW2, db2): tanh/sigmoid network gradients",
    tiers={"python": shallow_backward_python, "numpy": shallow_backward_numpy, "numba": shallow_backward_numba,
           "numba_parallel": shallow_backward_numba_parallel},
    make_inputs=make_inputs,
    sizes=SIZES,
    edge_inputs=edge_inputs,
    flops=flops,
    bytes_moved=lambda args: nbytes(*args) + nbytes(args[2], args[3]) + args[0].itemsize * (
        args[2].shape[0] + args[3].shape[0]),  # inputs, then dW1, dW2 and db1, db2
    reduction=lambda args: max(args[0].shape[1], args[3].shape[0]),
    gradient=gradient,
)
