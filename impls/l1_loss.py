"""L1 loss: the sum of absolute errors.

    l1_loss(yhat, y) = sum_i |y[i] - yhat[i]|

Shapes: ``yhat (m,)``, ``y (m,)`` -> float. ``m`` may be 0 (the loss of no
example is 0.0).
"""

from types import MappingProxyType

import numpy as np
from numba import njit, prange

from impls.registry import Kernel, nbytes
from impls.tuning import PARALLEL, REASSOC


def l1_loss_python(yhat, y):
    """Loop: accumulate |y - yhat| one example at a time."""
    total = np.float64(0.0)  # float64 in both tiers: a Python 0.0 turns float32 (NEP 50)
    for i in range(y.shape[0]):
        total += abs(y[i] - yhat[i])
    return total


def l1_loss_numpy(yhat, y):
    """Vectorized: subtract, abs, then one pairwise np.sum."""
    return np.sum(np.abs(y - yhat))


l1_loss_numba = njit(cache=True)(l1_loss_python)


@njit(parallel=PARALLEL, fastmath=REASSOC, cache=True)
def l1_loss_numba_parallel(yhat, y):
    """prange reduction; each thread's sum reassociated (as NumPy's pairwise sum is) so it vectorizes."""
    total = 0.0
    for i in prange(y.shape[0]):
        total += abs(y[i] - yhat[i])
    return total


#: Sizes m of the two losses' vectors (l2_loss shares them and the inputs).
LADDER = MappingProxyType({
    "quick": (5, 1_000, 100_000),
    "default": (5, 1_000, 100_000, 1_000_000, 10_000_000),
    "large": (1_000_000, 10_000_000, 50_000_000),
})


def make_inputs(n, rng, dtype):
    """Predictions in [0, 1) against 0/1 labels."""
    return (rng.random(n).astype(dtype, copy=False), rng.integers(0, 2, n).astype(dtype, copy=False))


def edge_inputs(dtype):
    big = np.finfo(dtype).max / 64  # the sum of a few stays finite
    return [
        ("course's 5 examples", (np.array([0.9, 0.2, 0.1, 0.4, 0.9], dtype), np.array([1, 0, 0, 1, 1], dtype))),
        ("empty", (np.zeros(0, dtype), np.zeros(0, dtype))),
        ("one example", (np.array([0.25], dtype), np.array([1.0], dtype))),
        ("perfect predictions", (np.array([0.0, 1.0, 1.0], dtype), np.array([0.0, 1.0, 1.0], dtype))),
        ("errors of both signs (abs not dropped)", (np.array([3.0, -3.0, 0.5], dtype), np.zeros(3, dtype))),
        ("strided views", (np.arange(12, dtype=dtype)[::3], np.arange(8, dtype=dtype)[::-2])),
        ("near overflow", (np.array([big, -big, 0.0], dtype), np.array([-big, big, 0.0], dtype))),
    ]


KERNEL = Kernel(
    name="l1_loss",
    summary="l1_loss(yhat (m,), y (m,)) -> float: sum |y - yhat|",
    tiers={"python": l1_loss_python, "numpy": l1_loss_numpy, "numba": l1_loss_numba,
           "numba_parallel": l1_loss_numba_parallel},
    make_inputs=make_inputs,
    sizes=LADDER,
    edge_inputs=edge_inputs,
    flops=lambda args: 3.0 * args[0].size,  # subtract, abs, add
    bytes_moved=lambda args: nbytes(*args),
    reduction=lambda args: args[0].size,
)
