"""The deep network's backward pass, output layer first (course week 4).

    dAL = -(Y / AL - (1 - Y) / (1 - AL))       d(cross-entropy)/dAL, per example
    dA_{l-1}, dW_l, db_l = linear_activation_backward(dA_l, A_{l-1}, W_l, Z_l, g_l)
                                               l = L ... 1, g_L sigmoid, else relu

Shapes: ``AL (1, m)``, ``Y (1, m)`` of 0/1 labels, ``params`` and ``caches``
as ``L_model_forward`` takes and returns them (L >= 1) -> ``grads``, a list of
L pairs ``(dW_l, db_l)`` in layer order. ``dA_0`` is computed, as the course
does, but not returned. The ladder is ``L_model_forward``'s.

Saturation, the same in every tier: an AL of exactly 0 is replaced by ``tiny``
and one of exactly 1 by ``1 - eps/2`` of its dtype (the values nearest 0 and
1 at which both quotients stay finite); every other AL, even one outside
[0, 1] as in the course's own test case (AL drawn from a normal
distribution), goes into the course's quotient as it is. Where AL has
rounded to exactly 0 or 1, sigmoid_backward's s (1 - s) is exactly 0 too:
dZ_L is 0 and the example adds no gradient (the exact dZ_L = AL - Y is lost
with s (1 - s)). Near 0 and 1, dAL magnifies any error in AL by
1 / min(AL, 1 - AL): tiers agree there only while AL is sigmoid(Z_L) to
their precision (in float32, not for Z_L above about 16, where AL rounds to
1 before s (1 - s) does).
Tiers compose the same tier of linear_activation_backward; the numba tier is
the layer loop in Python over Numba dispatchers (``KERNEL.jitted``).
"""

import numpy as np
from numba import njit

from impls import linear_activation_backward as lab
from impls.L_model_forward import COURSE_HIDDEN, COURSE_M, SIZES, L_model_forward_numpy, network, widths
from impls.registry import GradProblem, Kernel, nbytes
from impls.sigmoid import sigmoid_numpy


def _dAL_python(AL, Y, lo, hi):
    """dAL loops: the course's quotient, an AL of exactly 0 taken as lo and of exactly 1 as hi."""
    n, m = AL.shape
    dAL = np.empty((n, m), AL.dtype)
    for i in range(n):
        for j in range(m):
            a = AL[i, j]
            if a == 0.0:
                a = lo
            elif a == 1.0:
                a = hi
            y = Y[i, j]
            dAL[i, j] = -(y / a - (1.0 - y) / (1.0 - a))
    return dAL


def _dAL_numpy(AL, Y, lo, hi):
    AL = np.where(AL == 0, lo, np.where(AL == 1, hi, AL)).astype(AL.dtype, copy=False)
    return -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))


_dAL_numba = njit(cache=True)(_dAL_python)


def _backward(AL, Y, params, caches, dAL, layer):
    finfo = np.finfo(AL.dtype)
    dA = dAL(AL, Y, float(finfo.tiny), 1.0 - float(finfo.eps) / 2)
    L = len(params)
    grads = [None] * L
    for l in reversed(range(L)):
        A_prev, Z = caches[l]
        dA, dW, db = layer(dA, A_prev, params[l][0], Z, "sigmoid" if l == L - 1 else "relu")
        grads[l] = (dW, db)
    return grads


def L_model_backward_python(AL, Y, params, caches):
    """Loops: dAL's loop, then linear_activation_backward's python tier per layer."""
    return _backward(AL, Y, params, caches, _dAL_python, lab.linear_activation_backward_python)


def L_model_backward_numpy(AL, Y, params, caches):
    """Vectorized: the course's dAL (exact 0 and 1 guarded), then linear_activation_backward's numpy tier."""
    return _backward(AL, Y, params, caches, _dAL_numpy, lab.linear_activation_backward_numpy)


def L_model_backward_numba(AL, Y, params, caches):
    """Thin Python driver: _dAL_numba, then linear_activation_backward's numba tier per layer."""
    return _backward(AL, Y, params, caches, _dAL_numba, lab.linear_activation_backward_numba)


def example(layer_dims, m, rng, dtype, course_layout=True):
    """(AL, Y, params, caches) from a forward pass over random labels."""
    X, params = network(layer_dims, m, rng, dtype, course_layout)
    Y = rng.integers(0, 2, (1, m)).astype(dtype)
    AL, caches = L_model_forward_numpy(X, params)
    return AL, Y, params, caches


def make_inputs(n, rng, dtype):
    return example((n, *COURSE_HIDDEN), min(n, COURSE_M), rng, dtype)


def forced_output(ZL, Y, rng, dtype):
    """A 2-layer example whose output pre-activation is forced to ZL (1, m)."""
    ZL, Y = np.array([ZL], dtype), np.array([Y], dtype)
    _, _, params, caches = example((4, 3, 1), ZL.shape[1], rng, dtype)
    return sigmoid_numpy(ZL), Y, params, [caches[0], (caches[1][0], ZL)]


def edge_inputs(dtype):
    rng = np.random.default_rng(49)
    # near 1, only float64 keeps AL = sigmoid(Z_L) off 1.0 (see the caveat above)
    near = ([-20, -30, -80, 20, 30], [1, 1, 1, 0, 0]) if dtype == np.float64 else ([-20, -30, -80], [1, 1, 1])
    return [
        ("L=1: logistic regression", example((5, 1), 4, rng, dtype)),
        ("L=3, widths 6-4-3-1", example((6, 4, 3, 1), 7, rng, dtype)),
        ("widths 6-4-1-3-1, a one-unit hidden layer", example((6, 4, 1, 3, 1), 7, rng, dtype)),
        ("L=4, hidden layers of equal widths 6-5-5-5-1 (a layer's gradient reused passes shapes)",
         example((6, 5, 5, 5, 1), 7, rng, dtype)),
        ("one example (m=1)", example((6, 4, 2, 1), 1, rng, dtype)),
        ("X C-ordered, not the course layout", example((5, 3, 2, 1), 4, rng, dtype, course_layout=False)),
        ("saturated AL exactly 0 and 1, labels right and wrong",
         forced_output([1000, -1000, 1000, -1000, 0.5], [1, 0, 0, 1, 1], rng, dtype)),
        ("confidently wrong, AL near 0 or 1 but not rounded to it: dAL unguarded",
         forced_output(near[0] + [0.5], near[1] + [1], rng, dtype)),
    ]


def gradient(args, tier):
    """The course's cross-entropy cost of L_model_forward(X, params), X the first
    cache; finite differences hold while no hidden Z is a step from ReLU's kink."""
    AL, Y, params, caches = args
    pairs = list(zip(params, tier(AL, Y, params, caches), strict=True))

    def cost():
        AL = L_model_forward_numpy(caches[0][0], params)[0]
        return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))) / Y.shape[1]
    return GradProblem(
        objective=cost, params=[p for (W, b), _ in pairs for p in (W, b)],
        analytic=[g for _, (dW, db) in pairs for g in (dW, db)],
        labels=[f"{name}{l}" for l in range(1, len(pairs) + 1) for name in ("dW", "db")])


def flops(args):
    layers = widths(args[2], args[0].shape[1])
    return 5.0 * args[0].size + sum(4.0 * n_prev * n * m + 2 * n * m + n * n_prev + n for n_prev, n, m in layers)


KERNEL = Kernel(
    name="L_model_backward",
    summary="L_model_backward(AL (1, m), Y (1, m), [(W, b)] * L, [(A_prev, Z)] * L) -> [(dW, db)] * L",
    tiers={"python": L_model_backward_python, "numpy": L_model_backward_numpy, "numba": L_model_backward_numba},
    make_inputs=make_inputs,
    sizes=SIZES,
    edge_inputs=edge_inputs,
    flops=flops,
    bytes_moved=lambda args: nbytes(*args) + nbytes(args[2]),  # grads have the shapes of params
    reduction=lambda args: sum(max(n, m) for _, n, m in widths(args[2], args[0].shape[1])),
    jitted=(_dAL_numba, *lab.KERNEL.jitted),
    gradient=gradient,
)
