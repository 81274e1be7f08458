"""The deep network's kernels keep the promises the registry cannot express:
activation validation, both activations' gradients, finite and exact
gradients at and near saturation, update_parameters' fresh arrays, and
hand-worked values that a slip shared by every tier cannot match."""

import numpy as np
import pytest

import impls
from impls.L_model_backward import edge_inputs as L_model_backward_edges
from impls.linear_activation_backward import backward_layer
from vecbench.measure import check

TIERS = ["python", "numpy", "numba"]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("kernel", ["linear_activation_forward", "linear_activation_backward"])
@pytest.mark.parametrize("activation", ["tanh", "RELU", "", None])
def test_unknown_activation_raises_value_error(kernel, tier, activation):
    args = impls.KERNELS[kernel].inputs(4)
    with pytest.raises(ValueError, match="activation must be one of"):
        impls.call(kernel, tier, *args[:-1], activation)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_linear_activation_backward_gradients_match_for_both_activations(tier, activation):
    spec = impls.KERNELS["linear_activation_backward"]
    args = backward_layer(3, 5, 4, np.random.default_rng(5), np.float64, activation)
    errors = check.gradient_errors(spec, tier, args)
    assert errors and max(errors.values()) < check.FD_TOLERANCE, errors


def test_L_model_backward_gradient_check_covers_at_least_3_layers():
    spec = impls.KERNELS["L_model_backward"]
    _, _, params, _ = spec.inputs(spec.sizes["quick"][0])
    assert len(params) >= 3


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("tier", TIERS)
def test_L_model_backward_is_finite_and_zero_for_saturated_examples(tier, dtype):
    # the gate lets a non-finite value pass when the reference has the same one,
    # so finiteness is asserted here
    (label, (AL, Y, params, caches)), = [e for e in L_model_backward_edges(np.dtype(dtype)) if "saturated" in e[0]]
    assert {0.0, 1.0} <= set(AL.ravel()), "the edge input must saturate AL exactly"
    grads = impls.call("L_model_backward", tier, AL, Y, params, caches)
    assert all(np.all(np.isfinite(g)) for pair in grads for g in pair)
    # saturated examples contribute nothing: the sums over examples are those of
    # the unsaturated ones alone
    keep = ((AL > 0) & (AL < 1)).ravel()
    alone = impls.call("L_model_backward", "numpy", AL[:, keep], Y[:, keep], params,
                       [(A_prev[:, keep], Z[:, keep]) for A_prev, Z in caches])
    m, m_alone = AL.shape[1], int(keep.sum())
    assert 0 < m_alone < m
    for pair, pair_alone in zip(grads, alone, strict=True):
        for g, g_alone in zip(pair, pair_alone):
            np.testing.assert_allclose(g * m, g_alone * m_alone, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("tier", TIERS)
def test_update_parameters_returns_fresh_arrays_even_at_learning_rate_0(tier):
    params, grads, _ = impls.KERNELS["update_parameters"].inputs(8)
    new = impls.call("update_parameters", tier, params, grads, 0.0)
    assert type(new) is list and all(type(pair) is tuple for pair in new)
    for (W, b), (W_new, b_new) in zip(params, new, strict=True):
        assert not np.shares_memory(W, W_new) and not np.shares_memory(b, b_new)
        assert np.array_equal(W, W_new) and np.array_equal(b, b_new)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("tier", TIERS)
def test_L_model_backward_output_gradient_is_AL_minus_Y_unless_saturated(tier, dtype):
    # d(cost)/dZ_L = AL - Y exactly; the course's dAL * s (1 - s) keeps it until
    # AL rounds to 0 or 1, so any guard beyond exact 0 and 1 shows here
    (label, (AL, Y, params, caches)), = [e for e in L_model_backward_edges(np.dtype(dtype)) if "unguarded" in e[0]]
    assert np.all((AL > 0) & (AL < 1)) and np.min(np.minimum(AL, 1 - AL)) < 1e-30
    dW, db = impls.call("L_model_backward", tier, AL, Y, params, caches)[-1]
    A_prev, m = caches[-1][0], Y.shape[1]
    dZ = (AL - Y).astype(np.float64)
    np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / m, rtol=1e-5)
    np.testing.assert_allclose(dW, dZ @ A_prev.T / m, rtol=1e-5, atol=1e-6)


# -- mine vs gold: values worked out by hand, never by the kernels ----------
# A 2-2-1 network on one example: Z1 = [3, -1], A1 = [3, 0], Z2 = 3 - 2 = 1,
# AL = sigmoid(1); with Y = 1, dZ2 = AL - 1 = -S, S = 1 - sigmoid(1).
S = 0.2689414213699951
X1 = [[1], [2]]
NET = [([[1, 1], [1, -1]], [[0], [0]]), ([[1, 5]], [[-2]])]
GOLD = [
    ("linear_forward", ([[1, 2], [3, 4], [5, 6]], [[1, 0, -1], [2, 1, 0]], [[1], [-1]]),
     [[-3, -3], [4, 7]]),
    ("linear_backward", ([[1, -1], [2, 0]], [[1, 2], [3, 4], [5, 6]], [[1, 0, -1], [2, 1, 0]]),
     ([[5, -1], [2, 0], [-1, 1]], [[-0.5, -0.5, -0.5], [1, 3, 5]], [[0], [1]])),
    ("relu_backward", ([[1, -2, 3], [4, 5, -6]], [[1, -1, 0], [-0.0, 2, 3]]), [[1, 0, 0], [0, 5, -6]]),
    ("sigmoid_backward", ([[1, 2, 7]], [[0, 1, 1000]]), [[0.25, 2 * 0.19661193324148185, 0]]),
    ("linear_activation_forward", ([[1, 2]], [[1], [-1]], [[0], [0.5]], "relu"),
     ([[1, 2], [0, 0]], [[1, 2], [-0.5, -1.5]])),
    ("L_model_forward", (X1, NET), ([[1 - S]], [(X1, [[3], [-1]]), ([[3], [0]], [[1]])])),
    ("L_model_backward", ([[1 - S]], [[1]], NET, [(X1, [[3], [-1]]), ([[3], [0]], [[1]])]),
     [([[-S, -2 * S], [0, 0]], [[-S], [0]]), ([[-3 * S, 0]], [[-S]])]),
    ("update_parameters", (NET, [([[1, 2], [3, 4]], [[1], [-1]]), ([[10, -10]], [[1]])], 0.5),
     [([[0.5, 0], [-0.5, -3]], [[-0.5], [0.5]]), ([[-4, 10]], [[-2.5]])]),
]


def _as(obj, dtype):
    """Nested lists of numbers become arrays; tuples and lists of pairs keep their structure."""
    if isinstance(obj, (str, float)):  # an activation, a learning rate
        return obj
    if isinstance(obj, tuple) or isinstance(obj[0], tuple):
        return type(obj)(_as(o, dtype) for o in obj)
    return np.array(obj, dtype)


def _assert_close(out, gold, rtol):
    if isinstance(gold, np.ndarray):
        assert isinstance(out, np.ndarray) and out.shape == gold.shape and out.dtype == gold.dtype
        np.testing.assert_allclose(out, gold, rtol=rtol, atol=rtol)
    else:
        assert type(out) is type(gold) and len(out) == len(gold)
        for o, g in zip(out, gold):
            _assert_close(o, g, rtol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("kernel,args,gold", GOLD, ids=[g[0] for g in GOLD])
def test_tier_reproduces_hand_worked_values(kernel, args, gold, tier, dtype):
    out = impls.call(kernel, tier, *_as(args, dtype))
    _assert_close(out, _as(gold, dtype), 1e-12 if dtype == "float64" else 1e-6)
