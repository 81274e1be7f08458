"""One step of gradient descent on every layer (course week 4).

    W_l <- W_l - learning_rate * dW_l
    b_l <- b_l - learning_rate * db_l          l = 1 ... L

Shapes: ``params`` a list of L pairs ``(W_l (n_l, n_{l-1}), b_l (n_l, 1))``,
``grads`` a list of L pairs ``(dW_l, db_l)`` of the same shapes (as
``L_model_backward`` returns them), ``learning_rate`` a Python float -> a new
list of L pairs ``(W_l, b_l)``. The inputs are left as they were: the course
updates its dict in place, which would make a benchmark's repeated calls
train the network instead of repeating one step. The ladder is
``L_model_forward``'s (parameters of ``[n, 20, 7, 5, 1]``).

The numba tier is the layer loop in Python over one Numba dispatcher
(``_step_numba``): Numba takes lists of arrays only as deprecated reflected
lists.
"""

import numpy as np
from numba import njit

from impls.L_model_forward import COURSE_HIDDEN, SIZES, initialize
from impls.registry import Kernel, nbytes

COURSE_LEARNING_RATE = 0.0075


def _step_python(P, dP, learning_rate):
    """One array's step, in loops, into a new array."""
    n, k = P.shape
    P_new = np.empty((n, k), P.dtype)
    for i in range(n):
        for j in range(k):
            P_new[i, j] = P[i, j] - learning_rate * dP[i, j]
    return P_new


def _step_numpy(P, dP, learning_rate):
    return P - learning_rate * dP


_step_numba = njit(cache=True)(_step_python)


def _update(params, grads, learning_rate, step):
    return [(step(W, dW, learning_rate), step(b, db, learning_rate))
            for (W, b), (dW, db) in zip(params, grads, strict=True)]


def update_parameters_python(params, grads, learning_rate):
    """Loops: every element of every W and b, layer by layer."""
    return _update(params, grads, learning_rate, _step_python)


def update_parameters_numpy(params, grads, learning_rate):
    """Vectorized: the course's two lines per layer, as new arrays."""
    return _update(params, grads, learning_rate, _step_numpy)


def update_parameters_numba(params, grads, learning_rate):
    """Thin Python driver over layers: _step_numba on each W and b."""
    return _update(params, grads, learning_rate, _step_numba)


def step_inputs(layer_dims, rng, dtype, learning_rate=COURSE_LEARNING_RATE, order="C"):
    """(params, grads, learning_rate) with standard normal gradients."""
    params = initialize(layer_dims, rng, dtype, order)
    grads = [(rng.standard_normal(W.shape).astype(dtype), rng.standard_normal(b.shape).astype(dtype))
             for W, b in params]
    return params, grads, learning_rate


def make_inputs(n, rng, dtype):
    return step_inputs((n, *COURSE_HIDDEN), rng, dtype)


def edge_inputs(dtype):
    rng = np.random.default_rng(50)
    return [
        ("L=1: logistic regression", step_inputs((5, 1), rng, dtype)),
        ("widths 6-4-1-3-1, a one-unit hidden layer", step_inputs((6, 4, 1, 3, 1), rng, dtype)),
        ("W F-ordered", step_inputs((5, 3, 2, 1), rng, dtype, order="F")),
        ("learning rate 0: new arrays, same values", step_inputs((4, 3, 1), rng, dtype, 0.0)),
        ("learning rate 10: the step dominates", step_inputs((4, 3, 1), rng, dtype, 10.0)),
    ]


KERNEL = Kernel(
    name="update_parameters",
    summary="update_parameters([(W, b)] * L, [(dW, db)] * L, learning_rate) -> new [(W, b)] * L",
    tiers={"python": update_parameters_python, "numpy": update_parameters_numpy,
           "numba": update_parameters_numba},
    make_inputs=make_inputs,
    sizes=SIZES,
    edge_inputs=edge_inputs,
    flops=lambda args: 2.0 * sum(p.size for pair in args[0] for p in pair),
    bytes_moved=lambda args: nbytes(*args) + nbytes(args[0]),  # read params and grads, write new params
    jitted=(_step_numba,),
)
