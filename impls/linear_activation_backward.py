"""One layer's backward step, ACTIVATION -> LINEAR (course week 4).

    dZ = relu_backward(dA, Z)  or  sigmoid_backward(dA, Z)
    (dA_prev, dW, db) = linear_backward(dZ, A_prev, W)

Shapes: ``dA (n, m)``, ``A_prev (n_prev, m)``, ``W (n, n_prev)``, ``Z (n, m)``
(the layer's caches), ``activation`` "relu" or "sigmoid" (anything else
raises ``ValueError``) -> ``(dA_prev (n_prev, m), dW (n, n_prev), db (n, 1))``.

Tiers compose the same tier of ``relu_backward``/``sigmoid_backward`` and
``linear_backward``. The numba tier is a thin Python driver over those
kernels' Numba dispatchers (``KERNEL.jitted``), for the reasons given in
``impls.linear_activation_forward``.
"""

import numpy as np

from impls.linear_activation_forward import choose
from impls.linear_backward import linear_backward_numba, linear_backward_numpy, linear_backward_python
from impls.linear_forward import layer, linear_forward_numpy
from impls.registry import SQUARE_LAYER, GradProblem, Kernel, nbytes
from impls.relu import relu_numpy
from impls.relu_backward import relu_backward_numba, relu_backward_numpy, relu_backward_python
from impls.sigmoid import sigmoid_numpy
from impls.sigmoid_backward import sigmoid_backward_numba, sigmoid_backward_numpy, sigmoid_backward_python


def _backward(dA, A_prev, W, Z, activation, relu_backward, sigmoid_backward, linear_backward):
    g_backward = choose(activation, relu_backward, sigmoid_backward)
    return linear_backward(g_backward(dA, Z), A_prev, W)


def linear_activation_backward_python(dA, A_prev, W, Z, activation):
    """Loops: the activation's backward python tier, then linear_backward's."""
    return _backward(dA, A_prev, W, Z, activation, relu_backward_python, sigmoid_backward_python,
                     linear_backward_python)


def linear_activation_backward_numpy(dA, A_prev, W, Z, activation):
    """Vectorized: the activation's backward numpy tier, then linear_backward's."""
    return _backward(dA, A_prev, W, Z, activation, relu_backward_numpy, sigmoid_backward_numpy,
                     linear_backward_numpy)


def linear_activation_backward_numba(dA, A_prev, W, Z, activation):
    """Thin Python driver: relu_backward_numba or sigmoid_backward_numba, then linear_backward_numba."""
    return _backward(dA, A_prev, W, Z, activation, relu_backward_numba, sigmoid_backward_numba,
                     linear_backward_numba)


def backward_layer(n, n_prev, m, rng, dtype, activation, course_layout=False):
    """(dA, A_prev, W, Z, activation) with Z = W A_prev + b from a forward step."""
    A_prev, W, b = layer(n, n_prev, m, rng, dtype, course_layout)
    dA = rng.standard_normal((n, m)).astype(dtype, copy=False)
    return dA, A_prev, W, linear_forward_numpy(A_prev, W, b), activation


def make_inputs(n, rng, dtype):
    """A square hidden (ReLU) layer over n examples, as linear_backward."""
    return backward_layer(n, n, n, rng, dtype, "relu")


def edge_inputs(dtype):
    rng = np.random.default_rng(47)
    dA, A_prev, W, Z, _ = backward_layer(3, 5, 4, rng, dtype, "sigmoid")
    Z_kinks = Z.copy()
    Z_kinks[:, ::2] = 0  # exactly at ReLU's kink: no gradient passes
    return [
        ("relu, non-square: n=3, n_prev=5, m=4", backward_layer(3, 5, 4, rng, dtype, "relu")),
        ("sigmoid, non-square: n=3, n_prev=5, m=4", backward_layer(3, 5, 4, rng, dtype, "sigmoid")),
        ("sigmoid saturated: Z = +-1000", (dA, A_prev, W, np.where(Z > 0, 1000, -1000).astype(dtype), "sigmoid")),
        ("relu at Z exactly 0", (dA, A_prev, W, Z_kinks, "relu")),
        ("sigmoid output unit (n=1), one example (m=1)", backward_layer(1, 6, 1, rng, dtype, "sigmoid")),
        ("relu, course layout: A_prev an F-ordered view", backward_layer(6, 9, 5, rng, dtype, "relu", True)),
    ]


def gradient(args, tier):
    """J(A_prev, W, b) = (1/m) sum(dA * g(W A_prev + b)) has dJ/dA = dA / m, so
    dW and db are its gradients and dJ/dA_prev = dA_prev / m."""
    dA, A_prev, W, Z, activation = args
    A_prev, W = np.ascontiguousarray(A_prev), np.ascontiguousarray(W)  # perturbed in place
    b = np.mean(Z - np.dot(W, A_prev), axis=1, keepdims=True)  # the bias that made Z
    g = choose(activation, relu_numpy, sigmoid_numpy)
    m = dA.shape[1]
    dA_prev, dW, db = tier(dA, A_prev, W, Z, activation)
    return GradProblem(
        objective=lambda: float(np.sum(dA * g(linear_forward_numpy(A_prev, W, b)))) / m,
        params=(A_prev, W, b), analytic=(dA_prev / m, dW, db), labels=("A_prev", "W", "b"))


def flops(args):
    dA, A_prev, _, _, activation = args
    (n, m), n_prev = dA.shape, A_prev.shape[0]
    return 4.0 * n * n_prev * m + n * m + n * n_prev + n + (1 if activation == "relu" else 7) * n * m


KERNEL = Kernel(
    name="linear_activation_backward",
    summary="linear_activation_backward(dA, A_prev, W, Z, activation) -> (dA_prev, dW, db)",
    tiers={"python": linear_activation_backward_python, "numpy": linear_activation_backward_numpy,
           "numba": linear_activation_backward_numba},
    make_inputs=make_inputs,
    sizes=SQUARE_LAYER,
    edge_inputs=edge_inputs,
    flops=flops,
    # dA_prev and dW have the shapes of A_prev and W; db is n numbers
    bytes_moved=lambda args: nbytes(*args[:4]) + nbytes(*args[1:3]) + args[0].shape[0] * args[0].itemsize,
    reduction=lambda args: max(args[0].shape),
    jitted=(relu_backward_numba, sigmoid_backward_numba, linear_backward_numba),
    gradient=gradient,
)
