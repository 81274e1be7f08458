"""Every tier reproduces the course's published test cases (mine vs gold).

The inputs are the course's own test cases, regenerated from the seeds its
test-case module draws them with (``np.random.seed(k)`` then ``randn`` in
the course's order); the expected values are the outputs the course's
notebooks publish. Some of these inputs lie outside what a network makes:
L_model_backward's AL is drawn from a normal distribution (1.79 and 0.44),
which a reference that clips AL into (0, 1) gets wrong.
"""

import numpy as np
import pytest

import impls
from impls.registry import CORE_TIERS


def _L_model_backward_case():
    r = np.random.RandomState(3)
    AL = r.randn(1, 2)
    Y = np.array([[1.0, 0.0]])
    A1, W1, b1, Z1 = r.randn(4, 2), r.randn(3, 4), r.randn(3, 1), r.randn(3, 2)
    A2, W2, b2, Z2 = r.randn(3, 2), r.randn(1, 3), r.randn(1, 1), r.randn(1, 2)
    return AL, Y, [(W1, b1), (W2, b2)], [(A1, Z1), (A2, Z2)]


def _linear_activation_backward_case(activation):
    r = np.random.RandomState(2)
    dA, A_prev, W = r.randn(1, 2), r.randn(3, 2), r.randn(1, 3)
    r.randn(1, 1)  # b: drawn by the course, used by no backward formula
    return dA, A_prev, W, r.randn(1, 2), activation


def _linear_backward_case():
    r = np.random.RandomState(1)
    return r.randn(3, 4), r.randn(5, 4), r.randn(3, 5)  # dZ, A_prev, W (b is drawn after, unused)


# kernel, arguments, expected outputs (nested as the kernel returns them), what it is
CASES = [
    ("L_model_backward", _L_model_backward_case(),
     [([[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0, 0, 0, 0],
        [0.05283652, 0.01005865, 0.01777766, 0.0135308]], [[-0.22007063], [0], [-0.02835349]]),
      ([[-0.39202432, -0.13325855, -0.04601089]], [[0.15187861]])],
     "AL drawn from a normal distribution"),
    ("linear_activation_backward", _linear_activation_backward_case("sigmoid"),
     ([[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]],
      [[0.10266786, 0.09778551, -0.01968084]], [[-0.05729622]]), "sigmoid"),
    ("linear_activation_backward", _linear_activation_backward_case("relu"),
     ([[0.44090989, 0], [0.37883606, 0], [-0.2298228, 0]],
      [[0.44513824, 0.37371418, -0.10478989]], [[-0.20837892]]), "relu"),
    ("propagate", (np.array([[1.0], [2.0]]), 2.0, np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]),
                   np.array([[1.0, 0.0, 1.0]])),
     ([[0.99845601], [2.39507239]], 0.00145557813678, 5.801545319394553), "week 2's propagate"),
]


def _compare(out, expected, rtol):
    if isinstance(expected, (tuple, list)) and not np.isscalar(expected[0]) and not (
            isinstance(expected[0], list) and np.isscalar(expected[0][0])):
        assert len(out) == len(expected)
        for o, e in zip(out, expected):
            _compare(o, e, rtol)
        return
    np.testing.assert_allclose(np.asarray(out, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=rtol, atol=1e-8)


@pytest.mark.parametrize("tier", CORE_TIERS)
@pytest.mark.parametrize("kernel,args,expected,what", CASES, ids=[f"{k}-{w}" for k, _, _, w in CASES])
def test_tier_reproduces_course_test_case(kernel, args, expected, what, tier):
    out = impls.call(kernel, tier, *args)
    _compare(out, expected, rtol=2e-7)
