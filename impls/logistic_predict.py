"""Logistic regression's prediction: label 1 where the probability exceeds 0.5.

    A = sigmoid(w.T X + b)         Y_prediction = 1.0 where A > 0.5, else 0.0

Shapes: ``w (n_x, 1)``, ``b`` a Python float, ``X (n_x, m)`` -> ``Y_prediction
(1, m)`` of 0.0/1.0 in the input dtype. A probability of exactly 0.5 (z = 0,
as with the course's zero initialisation) predicts 0. X is laid out as in
``impls.propagate``: the transposed view of the (m, n_x) image array.
"""

import math

import numpy as np
from numba import njit
from numba.extending import register_jitable

from impls.propagate import make_inputs as propagate_inputs
from impls.registry import Kernel, nbytes
from impls.sigmoid import sigmoid_numpy


# A copy of impls.propagate's helper rather than an import: Numba's cache only
# notices changes to the file of the cached function.
@register_jitable
def _sigmoid(z):
    """sigmoid of one logit; exp(-|z|) never overflows."""
    e = math.exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


def logistic_predict_python(w, b, X):
    """Loop per example: its logit down one column of X, then the threshold."""
    n_x, m = X.shape
    Y_prediction = np.zeros((1, m), X.dtype)
    for j in range(m):
        z = b
        for i in range(n_x):
            z += w[i, 0] * X[i, j]
        if _sigmoid(z) > 0.5:
            Y_prediction[0, j] = 1.0
    return Y_prediction


def logistic_predict_numpy(w, b, X):
    """Vectorized as in the course: one BLAS product, sigmoid, a comparison."""
    A = sigmoid_numpy(np.dot(w.T, X) + b)
    return (A > 0.5).astype(X.dtype)


logistic_predict_numba = njit(cache=True)(logistic_predict_python)


def make_inputs(n, rng, dtype):
    """n course-shaped images (see impls.propagate) and a small random w."""
    w, b, X, _ = propagate_inputs(n, rng, dtype)
    return w, b, X


def edge_inputs(dtype):
    rng = np.random.default_rng(1)
    z = np.array([1000.0, -1000.0, 0.0, 0.01, -0.01, 40.0, -40.0])
    X_sat = np.stack([np.maximum(z, 0), np.maximum(-z, 0)]).astype(dtype)  # w.T X = z
    w_sat = np.array([[1.0], [-1.0]], dtype)
    scale = np.logspace(-3, 3, 6).reshape(6, 1)

    def case(n_x, m, X=None, b=0.1):
        X = rng.random((n_x, m)).astype(dtype) if X is None else X.astype(dtype)
        return (rng.standard_normal((n_x, 1)) / np.sqrt(n_x)).astype(dtype), b, X

    return [
        ("logits +-1000, +-40, +-0.01 and exactly 0 (predicts 0)", (w_sat, 0.0, X_sat)),
        ("course's zero initialisation: every A = 0.5 predicts 0",
         (np.zeros((3, 1), dtype), 0.0, np.ones((3, 4), dtype))),
        ("b alone decides: w = 0, b = 0.5 predicts 1", (np.zeros((2, 1), dtype), 0.5, np.ones((2, 3), dtype))),
        ("one example (m = 1)", case(5, 1)),
        ("n_x != m exposes a transposed X (3 x 5)", case(3, 5, b=-0.2)),
        ("features of very different scale (1e-3 .. 1e3)", case(6, 9, rng.random((6, 9)) * scale)),
        ("C-ordered X", case(4, 6, np.ascontiguousarray(rng.random((4, 6))))),
        ("F-ordered image view", case(8, 3, rng.random((3, 8)).T)),
    ]


KERNEL = Kernel(
    name="logistic_predict",
    summary="logistic_predict(w (n_x,1), b, X (n_x,m)) -> (1,m) of 0/1: sigmoid(w.T X + b) > 0.5",
    tiers={"python": logistic_predict_python, "numpy": logistic_predict_numpy,
           "numba": logistic_predict_numba},
    make_inputs=make_inputs,
    sizes={
        "quick": (2, 12, 40),
        "default": (1, 16, 64, 209, 1_024, 4_096),
        "large": (1_024, 4_096, 8_192),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: 2.0 * args[2].size + 6.0 * args[2].shape[1],  # the dot products, then sigmoid
    bytes_moved=lambda args: nbytes(*args) + args[2].shape[1] * args[2].itemsize,
    reduction=lambda args: args[2].shape[0],
)
