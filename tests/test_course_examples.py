"""Every tier reproduces the course's published outputs (mine vs gold).

The equivalence gate compares tiers with each other, so a slip made the same
way in every tier (a missing 1/m, a softmax over the wrong axis) would pass
it; these literal values come from the course notebooks or by hand, never
from the kernels.
"""

import math

import numpy as np
import pytest

import impls
from impls.registry import CORE_TIERS

X15 = [9, 2, 5, 0, 0, 7, 5, 0, 0, 0, 9, 2, 5, 0, 0]
Y15 = [9, 2, 2, 9, 0, 9, 2, 5, 0, 0, 9, 2, 5, 0, 0]
EPS = 2.0 ** -23  # cross_entropy_cost's documented guard of exact 0 and 1


# (kernel, arguments as nested lists, expected output, what it shows)
EXAMPLES = [
    ("dot", (X15, Y15), 278.0, "the 15-element lists"),
    ("multiply", (X15, Y15), [81, 4, 10, 0, 0, 63, 10, 0, 0, 0, 81, 4, 25, 0, 0], "the 15-element lists"),
    ("outer", ([1, 2, 3], [4, 5]), [[4, 5], [8, 10], [12, 15]], "rows follow x1"),
    ("gdot", ([[1, 2, 3], [4, 5, 6]], [1, 0, 2]), [7, 16], "W @ x, not W.T @ x"),
    ("sigmoid", ([1, 2, 3],), [0.73105858, 0.88079708, 0.95257413], "course values"),
    ("sigmoid_derivative", ([1, 2, 3],), [0.19661193, 0.10499359, 0.04517666], "course values"),
    ("sigmoid_derivative", ([-1000, 1000],), [0, 0], "saturated tails"),
    ("relu", ([[-1, 0, 2.5], [3, -0.5, 0]],), [[0, 0, 2.5], [3, 0, 0]], "by hand"),
    ("softmax", ([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]],),
     [[9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
      [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04]], "course values"),
    ("softmax", ([[1000, 1000], [-1000, -1000]],), [[0.5, 0.5], [0.5, 0.5]], "each row's own max"),
    ("normalize_rows", ([[0, 3, 4], [1, 6, 4]],),
     [[0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]], "course values"),
    ("normalize_rows", ([[0, 0], [3, 4]],), [[0, 0], [0.6, 0.8]], "a zero row stays zero"),
    ("image2vector", ([[[1, 2], [3, 4]], [[5, 6], [7, 8]]],), [[1], [2], [3], [4], [5], [6], [7], [8]],
     "C order: channels fastest"),
    ("l1_loss", ([0.9, 0.2, 0.1, 0.4, 0.9], [1, 0, 0, 1, 1]), 1.1, "course value"),
    ("l2_loss", ([0.9, 0.2, 0.1, 0.4, 0.9], [1, 0, 0, 1, 1]), 0.43, "course value"),
    ("cross_entropy_cost", ([[0.8, 0.9, 0.4]], [[1, 1, 0]]), 0.2797765635793422, "course compute_cost"),
    ("cross_entropy_cost", ([[0, 1]], [[1, 0]]), -math.log(EPS), "saturated wrong: guarded, finite"),
    ("cross_entropy_cost", ([[1e-9, 0.5]], [[1, 0]]), (-math.log(1e-9) + math.log(2)) / 2,
     "near 0, not exactly: no clip"),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("tier", CORE_TIERS)
@pytest.mark.parametrize("kernel,args,expected,what", EXAMPLES,
                         ids=[f"{k}-{w}" for k, _, _, w in EXAMPLES])
def test_tier_reproduces_course_output(kernel, args, expected, what, tier, dtype):
    arrays = tuple(np.array(a, dtype=dtype) for a in args)
    out = impls.call(kernel, tier, *arrays)
    rtol = 1e-7 if dtype == "float64" else 1e-5
    if isinstance(expected, float):
        assert type(out) is float
        assert out == pytest.approx(expected, rel=rtol)
    else:
        assert out.dtype == dtype and out.shape == np.shape(expected)
        np.testing.assert_allclose(out, np.array(expected, dtype=np.float64), rtol=rtol, atol=0)


def test_image2vector_reads_a_transposed_image_in_logical_order():
    image = np.array([[[1.0, 2.0], [3.0, 4.0]]]).T  # (2, 2, 1), F-ordered: [[1, 3], [2, 4]]
    for tier in CORE_TIERS:
        np.testing.assert_array_equal(impls.call("image2vector", tier, image), [[1], [3], [2], [4]])


@pytest.mark.parametrize("tier", CORE_TIERS)
def test_cost_of_course_propagate_example(tier):
    # float64 only: sigmoid(12) rounded to float32 moves 1 - A by ~1%, a
    # change of input, not an error of the kernel
    A = 1 / (1 + np.exp(-np.array([[9.0, 12.0, -5.4]])))
    cost = impls.call("cross_entropy_cost", tier, A, np.array([[1.0, 0.0, 1.0]]))
    assert cost == pytest.approx(5.801545319394553, rel=1e-12)
