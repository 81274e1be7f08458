"""One layer's forward step, LINEAR -> ACTIVATION (course week 4).

    Z = W A_prev + b
    A = max(Z, 0)      if activation == "relu"
    A = sigmoid(Z)     if activation == "sigmoid"

Shapes: ``A_prev (n_prev, m)``, ``W (n, n_prev)``, ``b (n, 1)``, ``activation``
a str -> ``(A (n, m), Z (n, m))``; ``Z`` is what the backward step needs (the
course's activation cache). Any other activation raises ``ValueError``.

Tiers compose the same tier of ``linear_forward`` and ``relu`` or ``sigmoid``.
The numba tier is a thin Python driver over those Numba dispatchers
(``KERNEL.jitted``): the activation is a str chosen in Python, and Numba's
cache would not notice edits to other files' kernels compiled into one
function.
"""

import numpy as np

from impls.linear_forward import layer, linear_forward_numba, linear_forward_numpy, linear_forward_python
from impls.registry import SQUARE_LAYER, Kernel, nbytes
from impls.relu import relu_numba, relu_numpy, relu_python
from impls.sigmoid import sigmoid_numba, sigmoid_numpy, sigmoid_python

ACTIVATIONS = ("relu", "sigmoid")


def choose(activation, relu, sigmoid):
    """``relu`` or ``sigmoid`` as ``activation`` names; ValueError for anything else."""
    if activation == "relu":
        return relu
    if activation == "sigmoid":
        return sigmoid
    raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")


def _forward(A_prev, W, b, activation, linear, relu, sigmoid):
    g = choose(activation, relu, sigmoid)
    Z = linear(A_prev, W, b)
    return g(Z), Z


def linear_activation_forward_python(A_prev, W, b, activation):
    """Loops: linear_forward's python tier, then relu's or sigmoid's."""
    return _forward(A_prev, W, b, activation, linear_forward_python, relu_python, sigmoid_python)


def linear_activation_forward_numpy(A_prev, W, b, activation):
    """Vectorized: linear_forward's numpy tier, then relu's or sigmoid's."""
    return _forward(A_prev, W, b, activation, linear_forward_numpy, relu_numpy, sigmoid_numpy)


def linear_activation_forward_numba(A_prev, W, b, activation):
    """Thin Python driver: linear_forward_numba, then relu_numba or sigmoid_numba."""
    return _forward(A_prev, W, b, activation, linear_forward_numba, relu_numba, sigmoid_numba)


def make_inputs(n, rng, dtype):
    """A square hidden (ReLU) layer over n examples, as linear_forward."""
    return (*layer(n, n, n, rng, dtype), "relu")


def edge_inputs(dtype):
    rng = np.random.default_rng(46)
    A_prev, W, _ = layer(3, 5, 4, rng, dtype)
    saturating = np.array([[1000.0], [-1000.0], [0.0]], dtype)  # Z = b +- (W A_prev, a few units)
    return [
        ("relu, non-square: n=3, n_prev=5, m=4", (*layer(3, 5, 4, rng, dtype), "relu")),
        ("sigmoid, non-square: n=3, n_prev=5, m=4", (*layer(3, 5, 4, rng, dtype), "sigmoid")),
        ("sigmoid saturated: Z near +-1000", (A_prev, W, saturating, "sigmoid")),
        ("relu at Z exactly 0", (A_prev, np.zeros_like(W), np.array([[0.0], [-0.0], [1.0]], dtype), "relu")),
        ("sigmoid output unit (n=1), one example (m=1)", (*layer(1, 6, 1, rng, dtype), "sigmoid")),
        ("relu, course layout: A_prev an F-ordered view",
         (*layer(6, 9, 5, rng, dtype, course_layout=True), "relu")),
    ]


def flops(args):
    A_prev, W, _, activation = args
    n, n_prev = W.shape
    m = A_prev.shape[1]
    return 2.0 * n * n_prev * m + n * m + (1 if activation == "relu" else 4) * n * m


KERNEL = Kernel(
    name="linear_activation_forward",
    summary="linear_activation_forward(A_prev, W, b, activation) -> (A, Z): relu or sigmoid of W A_prev + b",
    tiers={"python": linear_activation_forward_python, "numpy": linear_activation_forward_numpy,
           "numba": linear_activation_forward_numba},
    make_inputs=make_inputs,
    sizes=SQUARE_LAYER,
    edge_inputs=edge_inputs,
    flops=flops,
    bytes_moved=lambda args: nbytes(*args[:3]) + 2 * args[1].shape[0] * args[0].shape[1] * args[0].itemsize,
    reduction=lambda args: args[1].shape[1] + 1,
    jitted=(linear_forward_numba, relu_numba, sigmoid_numba),
)
