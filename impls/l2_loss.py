"""L2 loss: the sum of squared errors.

    l2_loss(yhat, y) = sum_i (y[i] - yhat[i])^2

Shapes: ``yhat (m,)``, ``y (m,)`` -> float. ``m`` may be 0 (the loss of no
example is 0.0).
"""

import numpy as np
from numba import njit, prange

from impls.l1_loss import LADDER, make_inputs
from impls.registry import Kernel, nbytes
from impls.tuning import PARALLEL, REASSOC


def l2_loss_python(yhat, y):
    """Loop: accumulate (y - yhat)^2 one example at a time."""
    total = np.float64(0.0)  # float64 in both tiers: a Python 0.0 turns float32 (NEP 50)
    for i in range(y.shape[0]):
        diff = y[i] - yhat[i]
        total += diff * diff
    return total


def l2_loss_numpy(yhat, y):
    """Vectorized: the difference dotted with itself (one BLAS call)."""
    diff = y - yhat
    return np.dot(diff, diff)


l2_loss_numba = njit(cache=True)(l2_loss_python)


@njit(parallel=PARALLEL, fastmath=REASSOC, cache=True)
def l2_loss_numba_parallel(yhat, y):
    """prange reduction, fused: no difference array; sums reassociated (as BLAS's are) so they vectorize."""
    total = 0.0
    for i in prange(y.shape[0]):
        diff = y[i] - yhat[i]
        total += diff * diff
    return total


def edge_inputs(dtype):
    big = np.sqrt(np.finfo(dtype).max) / 8  # squares near the top of the range
    return [
        ("course's 5 examples", (np.array([0.9, 0.2, 0.1, 0.4, 0.9], dtype), np.array([1, 0, 0, 1, 1], dtype))),
        ("empty", (np.zeros(0, dtype), np.zeros(0, dtype))),
        ("one example", (np.array([0.25], dtype), np.array([1.0], dtype))),
        ("perfect predictions", (np.array([0.0, 1.0, 1.0], dtype), np.array([0.0, 1.0, 1.0], dtype))),
        ("errors of both signs and sizes", (np.array([3.0, -3.0, 0.5, 1e-3], dtype), np.zeros(4, dtype))),
        ("strided views", (np.arange(12, dtype=dtype)[::3], np.arange(8, dtype=dtype)[::-2])),
        ("near overflow", (np.array([big, -big, 0.0], dtype), np.array([-big, big, 0.0], dtype))),
    ]


KERNEL = Kernel(
    name="l2_loss",
    summary="l2_loss(yhat (m,), y (m,)) -> float: sum (y - yhat)^2",
    tiers={"python": l2_loss_python, "numpy": l2_loss_numpy, "numba": l2_loss_numba,
           "numba_parallel": l2_loss_numba_parallel},
    make_inputs=make_inputs,
    sizes=LADDER,
    edge_inputs=edge_inputs,
    flops=lambda args: 3.0 * args[0].size,  # subtract, multiply, add
    bytes_moved=lambda args: nbytes(*args),
    reduction=lambda args: args[0].size,
)
