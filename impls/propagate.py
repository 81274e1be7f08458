"""Logistic regression's forward and backward pass over a batch, with its cost.

    Z = w.T X + b                  A = sigmoid(Z)
    cost = -(1/m) sum(Y log A + (1 - Y) log(1 - A))
    dw = (1/m) X (A - Y).T         db = (1/m) sum(A - Y)

Shapes: ``w (n_x, 1)``, ``b`` a Python float, ``X (n_x, m)``, ``Y (1, m)`` of
0.0/1.0, ``m >= 1`` -> ``(dw (n_x, 1), db float, cost float)``, ``dw`` in the
input dtype. In the course X is a transposed view of the (m, n_x) image array
(``images.reshape(m, -1).T``): F-ordered, each example's column contiguous.

The cost is computed from the logits, the same way in every tier. A rounds to
exactly 1.0 once z exceeds about 37 (17 in float32) and to 0.0 below about
-745 (-104), where the course's formula takes log(0). Instead, with
softplus(z) = log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)),

    log A = -softplus(-z),   log(1 - A) = -softplus(z),
    loss(z, y) = y max(-z, 0) + (1 - y) max(z, 0) + log1p(exp(-|z|)),

which is finite, warning-free and accurate at any z: loss(1000, 0) = 1000.
"""

import math

import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from impls.registry import GradProblem, Kernel, nbytes
from impls.sigmoid import sigmoid_numpy
from impls.tuning import PARALLEL, REASSOC

N_X = 64 * 64 * 3  # the course's cat images: 64x64 pixels, 3 channels


# Loop-level helpers: plain Python in the python tier, compiled inline in the
# numba tier. They stay in this file because Numba's cache only notices
# changes to the file of the cached function.
@register_jitable
def _sigmoid(z):
    """sigmoid of one logit; exp(-|z|) never overflows."""
    e = math.exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


@register_jitable
def _loss(z, y):
    """Cross-entropy of one example from its logit (module docstring)."""
    return y * max(-z, 0.0) + (1.0 - y) * max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def cross_entropy(Z, Y):
    """Mean cross-entropy of sigmoid(Z (n_y, m)) against Y (n_y, m), from the logits."""
    losses = Y * np.maximum(-Z, 0) + (1 - Y) * np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))
    return np.sum(losses) / Z.shape[1]


def propagate_python(w, b, X, Y):
    """Loop per example: its logit, loss and share of dw from one column of X."""
    n_x, m = X.shape
    dw = np.zeros_like(w)
    db = 0.0
    cost = 0.0
    for j in range(m):
        z = b
        for i in range(n_x):
            z += w[i, 0] * X[i, j]
        cost += _loss(z, Y[0, j])
        dz = _sigmoid(z) - Y[0, j]
        db += dz
        for i in range(n_x):  # the column is still in cache: one trip to memory
            dw[i, 0] += X[i, j] * dz
    dw /= m
    return dw, db / m, cost / m


def propagate_numpy(w, b, X, Y):
    """Vectorized as in the course: two BLAS products and passes over (1, m)."""
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    A = sigmoid_numpy(Z)
    cost = cross_entropy(Z, Y)
    dw = np.dot(X, (A - Y).T) / m
    db = np.sum(A - Y) / m
    return dw, db, cost


propagate_numba = njit(cache=True)(propagate_python)


#: Blocks of examples the numba_parallel tier splits m into: enough for up to
#: 64 threads, and fixed, so its sums do not depend on the thread count.
BLOCKS = 64


@njit(fastmath=REASSOC, cache=True)
def _dot4(w, x0, x1, x2, x3):
    """w . x for four columns in one sweep: w is read once for four examples."""
    s0 = s1 = s2 = s3 = 0.0
    for i in range(w.shape[0]):
        s0 += w[i] * x0[i]
        s1 += w[i] * x1[i]
        s2 += w[i] * x2[i]
        s3 += w[i] * x3[i]
    return s0, s1, s2, s3


@njit(fastmath=REASSOC, cache=True)
def _update4(dw, x0, x1, x2, x3, dz0, dz1, dz2, dz3):
    """dw += dz x for four columns (still in cache) in one sweep over dw."""
    for i in range(dw.shape[0]):
        dw[i] += x0[i] * dz0 + x1[i] * dz1 + x2[i] * dz2 + x3[i] * dz3


@njit(cache=True)
def _example(z, y):
    """(loss, dz) of one example from its logit."""
    return _loss(z, y), _sigmoid(z) - y


@njit(parallel=PARALLEL, cache=True)
def propagate_numba_parallel(w, b, X, Y):
    """One pass over X instead of two: prange over blocks of examples; four
    columns at a time, their logits in one sweep, then their share of dw in
    a second sweep while they are still in cache. The blocks' partial dw are
    summed at the end."""
    n_x, m = X.shape
    blocks = max(1, min(BLOCKS, m))
    dw_part = np.zeros((blocks, n_x), X.dtype)
    db_part = np.zeros(blocks)
    cost_part = np.zeros(blocks)
    w1 = np.ascontiguousarray(w[:, 0])  # a contiguous type, or the sweeps do not vectorize
    for c in prange(blocks):
        lo, hi = c * m // blocks, (c + 1) * m // blocks
        for j in range(lo, hi, 4):
            # a block's last group repeats its last column with dz = 0 (no effect)
            j1, j2, j3 = min(j + 1, hi - 1), min(j + 2, hi - 1), min(j + 3, hi - 1)
            x0, x1, x2, x3 = X[:, j], X[:, j1], X[:, j2], X[:, j3]
            z0, z1, z2, z3 = _dot4(w1, x0, x1, x2, x3)
            loss0, dz0 = _example(z0 + b, Y[0, j])
            loss1, dz1 = _example(z1 + b, Y[0, j1]) if j + 1 < hi else (0.0, 0.0)
            loss2, dz2 = _example(z2 + b, Y[0, j2]) if j + 2 < hi else (0.0, 0.0)
            loss3, dz3 = _example(z3 + b, Y[0, j3]) if j + 3 < hi else (0.0, 0.0)
            cost_part[c] += loss0 + loss1 + loss2 + loss3
            db_part[c] += dz0 + dz1 + dz2 + dz3
            _update4(dw_part[c], x0, x1, x2, x3, dz0, dz1, dz2, dz3)
    dw = np.zeros_like(w)
    for c in range(blocks):  # row by row: a column-wise sum would stride across pages
        for i in range(n_x):
            dw[i, 0] += dw_part[c, i]
    for i in range(n_x):  # not ``dw / m``: in float32 that array expression compiled with a performance warning
        dw[i, 0] /= m
    return dw, db_part.sum() / m, cost_part.sum() / m


def make_inputs(n, rng, dtype):
    """n random 64x64x3 images scaled to [0, 1], laid out as the course does."""
    images = (rng.integers(0, 256, size=(n, 64, 64, 3), dtype=np.uint8) / 255).astype(dtype, copy=False)
    X = images.reshape(n, -1).T
    Y = rng.integers(0, 2, size=(1, n)).astype(dtype)
    w = (rng.standard_normal((N_X, 1)) * 0.01).astype(dtype, copy=False)  # logits of order 1
    return w, float(rng.standard_normal() * 0.1), X, Y


def edge_inputs(dtype):
    rng = np.random.default_rng(0)
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0, 40.0, -40.0, 745.0, -745.0])
    X_sat = np.stack([np.maximum(z, 0), np.maximum(-z, 0)]).astype(dtype)  # w.T X = z
    w_sat = np.array([[1.0], [-1.0]], dtype)
    Y_sat = np.array([[1, 0, 0, 1, 0, 1, 1, 1]], dtype)  # some labels agree with the sign of z, some not
    scale = np.logspace(-3, 3, 6).reshape(6, 1)

    def case(n_x, m, X=None):
        X = rng.random((n_x, m)).astype(dtype) if X is None else X.astype(dtype)
        w = (rng.standard_normal((n_x, 1)) / np.sqrt(n_x)).astype(dtype)
        return w, 0.25, X, rng.integers(0, 2, (1, m)).astype(dtype)

    return [
        ("saturated logits +-1000, +-745, +-40, labels right and wrong", (w_sat, 0.0, X_sat, Y_sat)),
        ("course's zero initialisation: A = 0.5, cost = log 2",
         (np.zeros((3, 1), dtype), 0.0, np.ones((3, 4), dtype), np.array([[1, 0, 1, 1]], dtype))),
        ("one example (m = 1)", case(5, 1)),
        ("n_x != m exposes a transposed X (3 x 5)", case(3, 5)),
        ("n_x != m the other way (7 x 2)", case(7, 2)),
        ("features of very different scale (1e-3 .. 1e3)", case(6, 9, rng.random((6, 9)) * scale)),
        ("C-ordered X", case(4, 6, np.ascontiguousarray(rng.random((4, 6))))),
        ("F-ordered image view", case(8, 3, rng.random((3, 8)).T)),
    ]


def gradient(args, tier):
    """dw and db of ``tier`` against finite differences of the cost in w and b."""
    w, b, X, Y = args
    b_cell = np.array([b])  # perturbable stand-in for the float b
    dw, db, _ = tier(w, b, X, Y)
    return GradProblem(objective=lambda: cross_entropy(np.dot(w.T, X) + b_cell[0], Y),
                       params=(w, b_cell), analytic=(dw, np.array([db])), labels=("dw", "db"))


KERNEL = Kernel(
    name="propagate",
    summary="propagate(w (n_x,1), b, X (n_x,m), Y (1,m)) -> (dw, db, cost): logistic regression step",
    tiers={"python": propagate_python, "numpy": propagate_numpy, "numba": propagate_numba,
           "numba_parallel": propagate_numba_parallel},
    make_inputs=make_inputs,
    sizes={
        "quick": (2, 8, 20),
        "default": (1, 16, 64, 209, 1_024, 4_096),
        "large": (1_024, 4_096, 8_192),
    },
    edge_inputs=edge_inputs,
    flops=lambda args: 4.0 * args[2].size + 12.0 * args[2].shape[1],  # 2 dot products, sigmoid, loss
    bytes_moved=lambda args: nbytes(*args) + nbytes(args[0]) + 16,  # inputs + dw, db, cost
    reduction=lambda args: max(args[2].shape),
    gradient=gradient,
)
