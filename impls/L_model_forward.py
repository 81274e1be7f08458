"""The deep network's forward pass: [LINEAR->RELU]*(L-1) -> LINEAR->SIGMOID.

    A_0 = X
    A_l, Z_l = linear_activation_forward(A_{l-1}, W_l, b_l, "relu")     l < L
    AL,  Z_L = linear_activation_forward(A_{L-1}, W_L, b_L, "sigmoid")

Shapes: ``X (n_x, m)``; ``params`` a list of L >= 1 pairs ``(W_l (n_l,
n_{l-1}), b_l (n_l, 1))`` with ``n_0 = n_x`` -> ``(AL (n_L, m), caches)``,
``caches`` a list of L pairs ``(A_{l-1}, Z_l)`` in layer order (the first
``A_prev`` is ``X`` itself). Lists of tuples stand for the course's dicts.

Ladder: size ``n`` is the input width ``n_x`` of the course's cat classifier
``[n_x, 20, 7, 5, 1]``, over ``m = min(n, 209)`` examples: the course's 209
training images from ``n = 209`` on (``n = 12288``, 64x64x3 images, is the
course's network; larger n are larger images), small networks over small
batches for quick runs. ``X`` is a transposed view of an ``(m, n_x)`` array of
pixel values in [0, 1), as the course lays it out.

Tiers loop over layers calling the same tier of linear_activation_forward;
the numba tier is that loop in Python over its Numba dispatchers.
"""

import numpy as np

from impls import linear_activation_forward as laf
from impls.registry import Kernel, nbytes

COURSE_HIDDEN = (20, 7, 5, 1)
COURSE_M = 209
#: Ladder of input widths n_x shared by the deep-network kernels; 12288,
#: 27648 and 49152 are 64x64, 96x96 and 128x128 RGB images.
SIZES = {
    "quick": (8, 16, 48),
    "default": (16, 209, 1_024, 4_096, 12_288),
    "large": (12_288, 27_648, 49_152),
}


def _forward(X, params, layer):
    L = len(params)
    A, caches = X, []
    for l, (W, b) in enumerate(params, start=1):
        A_prev = A
        A, Z = layer(A_prev, W, b, "relu" if l < L else "sigmoid")
        caches.append((A_prev, Z))
    return A, caches


def L_model_forward_python(X, params):
    """Loops: layer after layer of linear_activation_forward's python tier."""
    return _forward(X, params, laf.linear_activation_forward_python)


def L_model_forward_numpy(X, params):
    """Vectorized: layer after layer of linear_activation_forward's numpy tier."""
    return _forward(X, params, laf.linear_activation_forward_numpy)


def L_model_forward_numba(X, params):
    """Thin Python driver over layers: linear_activation_forward's numba tier."""
    return _forward(X, params, laf.linear_activation_forward_numba)


def initialize(layer_dims, rng, dtype, order="C"):
    """[(W_l, b_l)] as the course's deep model draws W (N(0, 1) / sqrt(n_{l-1}),
    which keeps activations O(1) at any width); b small but nonzero."""
    return [((rng.standard_normal((n, n_prev)) / np.sqrt(n_prev)).astype(dtype, order=order),
             (0.1 * rng.standard_normal((n, 1))).astype(dtype))
            for n_prev, n in zip(layer_dims[:-1], layer_dims[1:])]


def network(layer_dims, m, rng, dtype, course_layout=True):
    """(X, params): X of pixel-like values, by default in the course's layout."""
    X = rng.random((m, layer_dims[0])).astype(dtype)
    return (X.T if course_layout else np.ascontiguousarray(X.T)), initialize(layer_dims, rng, dtype)


def make_inputs(n, rng, dtype):
    return network((n, *COURSE_HIDDEN), min(n, COURSE_M), rng, dtype)


def edge_inputs(dtype):
    rng = np.random.default_rng(48)
    X, params = network((4, 3, 1), 5, rng, dtype)
    W2, b2 = params[1]
    return [
        ("L=1: logistic regression", network((5, 1), 4, rng, dtype)),
        ("widths 6-4-1-3-1, a one-unit hidden layer", network((6, 4, 1, 3, 1), 7, rng, dtype)),
        ("L=4, hidden layers of equal widths 6-5-5-5-1", network((6, 5, 5, 5, 1), 7, rng, dtype)),
        ("one example (m=1)", network((6, 4, 2, 1), 1, rng, dtype)),
        ("X C-ordered, not the course layout", network((5, 3, 2, 1), 4, rng, dtype, course_layout=False)),
        ("W F-ordered views", (X, [(W.T.copy().T, b) for W, b in params])),
        ("saturated output: Z_L in the thousands", (X, [params[0], (W2 * 3000, b2 - 1000)])),
    ]


def widths(params, m):
    """(n_{l-1}, n_l, m) per layer."""
    return [(W.shape[1], W.shape[0], m) for W, _ in params]


KERNEL = Kernel(
    name="L_model_forward",
    summary="L_model_forward(X (n_x, m), [(W, b)] * L) -> (AL (1, m), [(A_prev, Z)] * L)",
    tiers={"python": L_model_forward_python, "numpy": L_model_forward_numpy, "numba": L_model_forward_numba},
    make_inputs=make_inputs,
    sizes=SIZES,
    edge_inputs=edge_inputs,
    # per layer: the product, the bias, the activation (sigmoid's 3 more on the output)
    flops=lambda args: sum(2.0 * n_prev * n * m + 2 * n * m + (3 * n * m if l == len(args[1]) else 0)
                           for l, (n_prev, n, m) in enumerate(widths(args[1], args[0].shape[1]), start=1)),
    # reads X and params, writes each layer's Z and A
    bytes_moved=lambda args: nbytes(*args) + args[0].itemsize * sum(
        2 * n * m for _, n, m in widths(args[1], args[0].shape[1])),
    reduction=lambda args: sum(n_prev + 1 for n_prev, _, _ in widths(args[1], args[0].shape[1])),
    jitted=laf.KERNEL.jitted,
)
