"""Course-style code with the slips learners make, one per function.

Each function's docstring names its slip; tests/test_usercode.py holds the
verdict each must get. The rest of each function is the course's code.
"""

import numpy as np


def softmax(x):
    """Slip: no max subtracted, so exp overflows at +1000 (inf / inf = NaN)."""
    x_exp = np.exp(x)
    return x_exp / np.sum(x_exp, axis=1, keepdims=True)


def normalizeRows(x):
    """Slip: a zero row is divided by its zero norm (0 / 0 = NaN)."""
    x_norm = np.linalg.norm(x, axis=1, keepdims=True)
    return x / x_norm


def compute_cost(AL, Y):
    """Slip: log(0) where AL is exactly 0 or 1 (0 * -inf = NaN)."""
    m = Y.shape[1]
    cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    return np.squeeze(cost)


def relu_backward(dA, cache):
    """Slip: masked where dA <= 0 instead of where Z <= 0."""
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[dA <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache):
    """Slip: s (1 + s) for s (1 - s)."""
    Z = cache
    s = 1 / (1 + np.exp(-np.clip(Z, -500, 500)))
    return dA * s * (1 + s)


def linear_backward(dZ, cache):
    """Slip: db summed over every example and unit (axis missing), not per unit."""
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    """Correct: relies on the correct helpers below."""
    linear_cache, Z = cache
    if activation == "relu":
        dZ = np.where(Z > 0, dA, 0.0)
    else:
        E = np.exp(-np.abs(Z))
        s = np.where(Z >= 0, 1 / (1 + E), E / (1 + E))
        dZ = dA * s * (1 - s)
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m


def L_model_backward(AL, Y, caches):
    """Slip: every hidden layer is fed the last layer's dA ("dA" + str(L - 1)),
    not the dA of the layer above it."""
    grads = {}
    L = len(caches)
    safe = np.where(AL == 0, 1e-300, np.where(AL == 1, 0.5, AL))
    dAL = -(np.divide(Y, safe) - np.divide(1 - Y, 1 - safe))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(
        dAL, caches[L - 1], "sigmoid")
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(L - 1)], caches[l], "relu")
        grads["dA" + str(l)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
    return grads


def propagate(w, b, X, Y):
    """Slip: the cost left as a (1, 1) array (no np.squeeze after np.dot)."""
    m = X.shape[1]
    Z = np.dot(w.T, X) + b
    E = np.exp(-np.abs(Z))
    A = np.where(Z >= 0, 1 / (1 + E), E / (1 + E))
    losses = np.maximum(Z, 0) - Z * Y + np.log1p(E)
    cost = np.dot(losses, np.ones((m, 1))) / m
    grads = {"dw": np.dot(X, (A - Y).T) / m, "db": np.sum(A - Y) / m}
    return grads, cost


def image2vector(image):
    """Slip: Fortran order, so the channels are not the fastest index."""
    return image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1, order="F")


def L1(yhat, y):
    """Slip: Python's sum over the rows of a 1-D array works; the abs is forgotten."""
    return np.sum(y - yhat)


def linear_forward(A, W, b):
    """Slip: W.T for W, which crashes on a non-square layer."""
    Z = np.dot(W.T, A) + b
    return Z, (A, W, b)


def update_parameters(parameters, grads, learning_rate):
    """Slip: the step goes up the gradient (+ for -)."""
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] + learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] + learning_rate * grads["db" + str(l)]
    return parameters


def sigmoid_derivative(x):
    """Slip: changes its input in place (x is overwritten with s)."""
    np.negative(x, out=x)
    np.exp(x, out=x)
    s = 1 / (1 + x)
    return s * (1 - s)
