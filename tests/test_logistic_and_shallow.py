"""What the equivalence gate cannot see for logistic regression and the shallow
network: tiers that all agree on a wrong answer, and inputs not laid out as the
course lays them out."""

import numpy as np
import pytest

import impls
from impls.registry import CORE_TIERS


def course_cost(w, b, X, Y):
    """The course's cost formula, word for word (log(0) where A saturates)."""
    A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / X.shape[1])


@pytest.mark.parametrize("tier", CORE_TIERS)
def test_propagate_cost_equals_the_course_formula_where_that_is_finite(tier):
    args = impls.KERNELS["propagate"].inputs(8, seed=5)
    assert impls.call("propagate", tier, *args)[2] == pytest.approx(course_cost(*args), rel=1e-12)


def saturated():
    """Logits +-1000, +-40, +-745 through w = (1, -1): X's rows are max(+-z, 0)."""
    z = np.array([1000.0, -1000.0, 1000.0, -1000.0, 40.0, -40.0, 745.0, -745.0])
    Y = np.array([[1, 0, 0, 1, 0, 1, 1, 1]], dtype=float)
    return np.array([[1.0], [-1.0]]), 0.0, np.stack([np.maximum(z, 0), np.maximum(-z, 0)]), Y


def test_saturated_logits_break_the_course_formula():
    with np.errstate(all="ignore"):
        assert not np.isfinite(course_cost(*saturated()))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("tier", CORE_TIERS)
def test_propagate_is_exact_at_saturated_logits(tier, dtype):
    w, b, X, Y = saturated()
    dw, db, cost = impls.call("propagate", tier, w.astype(dtype), b, X.astype(dtype), Y.astype(dtype))
    # losses: 0, 0, 1000, 1000, 40, 40, 0, 745; A - Y: 0, 0, 1, -1, 1, -1, 0, -1
    assert cost == pytest.approx(2825 / 8, rel=1e-6)
    assert db == pytest.approx(-1 / 8, rel=1e-6)
    np.testing.assert_allclose(dw, [[1040 / 8], [-1785 / 8]], rtol=1e-6)


@pytest.mark.parametrize("tier", CORE_TIERS)
def test_logistic_predict_is_1_only_strictly_above_one_half(tier):
    z = np.array([0.0, 1e-3, -1e-3, 1000.0, -1000.0])
    X = np.stack([np.maximum(z, 0), np.maximum(-z, 0)])
    out = impls.call("logistic_predict", tier, np.array([[1.0], [-1.0]]), 0.0, X)
    np.testing.assert_array_equal(out, [[0.0, 1.0, 0.0, 1.0, 0.0]])


@pytest.mark.parametrize("name", ["propagate", "logistic_predict"])
def test_logistic_inputs_are_course_images_as_transposed_view(name):
    w, b, X = impls.KERNELS[name].inputs(3, dtype=np.float32)[:3]
    assert X.shape == (64 * 64 * 3, 3) and w.shape == (64 * 64 * 3, 1)
    assert X.flags.f_contiguous and not X.flags.c_contiguous  # each example's column contiguous
    assert type(b) is float
    assert X.min() >= 0 and X.max() <= 1


@pytest.mark.parametrize("name", ["shallow_forward", "shallow_backward"])
def test_shallow_ladder_size_4_is_the_course_planar_network(name):
    args = impls.KERNELS[name].inputs(4)
    X, W1 = args[0], args[1 if name == "shallow_forward" else 2]
    assert X.shape == (2, 400) and W1.shape == (4, 2)
    assert X.flags.f_contiguous  # the course transposes its (m, 2) point array
