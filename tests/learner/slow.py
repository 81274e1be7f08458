"""A learner's loops that run far past any per-call limit, beside a correct function."""

import numpy as np


def sigmoid_derivative(x):
    """Correct values, computed a million times over for every element."""
    ds = np.empty_like(x)
    for i in range(x.size):
        for _ in range(1_000_000):
            s = 1 / (1 + np.exp(-x.flat[i]))
        ds.flat[i] = s * (1 - s)
    return ds


def L1(yhat, y):
    return np.sum(np.abs(y - yhat))
