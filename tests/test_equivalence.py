"""Every tier matches the reference (numpy in float64) on ladder and edge inputs."""

import numpy as np
import pytest

import impls
from tests.conftest import CHECKED_TIERS, DTYPES
from vecbench.measure import check


def _assert_all_ok(verdicts):
    failed = [f"{v.tier} {v.dtype} {v.inputs}: {v.reason}" for v in verdicts if not v.ok]
    assert not failed, "\n".join(failed)
    assert verdicts, "no case was checked"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,tier", CHECKED_TIERS)
def test_tier_matches_reference_on_ladder_inputs(kernel, tier, dtype):
    spec = impls.KERNELS[kernel]
    verdicts = []
    for n in spec.sizes["quick"]:
        args = spec.inputs(n, seed=7, dtype=dtype)
        verdicts.append(check.check_tier(spec, tier, args, f"n={n}"))
    _assert_all_ok(verdicts)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,tier", CHECKED_TIERS)
def test_tier_matches_reference_on_edge_inputs(kernel, tier, dtype):
    spec = impls.KERNELS[kernel]
    verdicts = [check.check_tier(spec, tier, args, label) for label, args in spec.edge_inputs(np.dtype(dtype))]
    _assert_all_ok(verdicts)


@pytest.mark.parametrize("kernel", list(impls.KERNELS))
def test_numpy_tier_in_float32_is_close_to_float64_reference(kernel):
    spec = impls.KERNELS[kernel]
    args = spec.inputs(spec.sizes["quick"][-1], seed=3, dtype=np.float32)
    _assert_all_ok([check.check_tier(spec, "numpy", args, "float32")])


@pytest.mark.parametrize("dtype", DTYPES)
def test_branch_free_numpy_sigmoid_gives_the_values_of_the_where_form(dtype):
    """The reference sigmoid dropped ``np.where`` (its loop branches on every
    element, README "What a figure means"); the values must not have moved."""
    Z = np.concatenate([np.random.default_rng(5).standard_normal(4096) * 40,
                        [-np.inf, -1000.0, -50.0, -0.0, 0.0, 1e-300, 50.0, 1000.0, np.inf]]).astype(dtype)
    E = np.exp(-np.abs(Z))
    where_form = np.where(Z >= 0, 1 / (1 + E), E / (1 + E))
    got = impls.call("sigmoid", "numpy", Z)
    assert got.dtype == where_form.dtype
    assert np.array_equal(got.view(np.uint8), where_form.view(np.uint8))  # bit for bit


# -- the gate itself must be able to fail -------------------------------------

def test_gate_rejects_a_transposed_output():
    spec = impls.KERNELS["sigmoid"]
    Z = spec.inputs(4)[0][:, :3]
    ref = check.reference_output(spec, (Z,))
    with pytest.raises(check.Mismatch, match="shape"):
        check.structural_error(ref.T.copy(), ref, np.dtype(np.float64))


def test_gate_rejects_column_vector_for_flat_vector():
    ref = np.ones(5)
    with pytest.raises(check.Mismatch, match="shape"):
        check.structural_error(np.ones((5, 1)), ref, np.dtype(np.float64))


def test_gate_rejects_wrong_dtype_and_type():
    ref = np.ones(3)
    with pytest.raises(check.Mismatch, match="dtype"):
        check.structural_error(np.ones(3, np.float32), ref, np.dtype(np.float64))
    with pytest.raises(check.Mismatch, match="expected float"):
        check.structural_error(np.float64(1.0).reshape(1), 1.0, np.dtype(np.float64))


def test_gate_rejects_nan_where_reference_is_finite_and_small_errors_pass():
    ref = np.array([1.0, 2.0])
    with pytest.raises(check.Mismatch, match="non-finite"):
        check.structural_error(np.array([1.0, np.nan]), ref, np.dtype(np.float64))
    assert check.structural_error(ref * (1 + 1e-15), ref, np.dtype(np.float64)) < 1e-14



def test_error_is_the_same_with_or_without_non_finite_reference_values():
    # the all-finite case takes a path of its own, without masked copies; it must judge alike
    rng = np.random.default_rng(3)
    ref = rng.standard_normal((6, 5))
    out = ref + 1e-9 * rng.standard_normal(ref.shape)
    f64 = np.dtype(np.float64)
    both_finite = check.structural_error(out, ref, f64)
    with_nan = check.structural_error(np.append(out, np.nan), np.append(ref, np.nan), f64)
    assert both_finite == with_nan > 0
    with pytest.raises(check.Mismatch, match="non-finite"):
        check.structural_error(np.where(out > 1, np.inf, out), ref, f64)

def test_gate_fails_a_tier_that_mutates_its_inputs():
    spec = impls.KERNELS["sigmoid"]

    def sigmoid_in_place(Z):
        Z[...] = impls.call("sigmoid", "numpy", Z)
        return Z

    original = spec.tiers["python"]
    spec.tiers["python"] = sigmoid_in_place  # tiers is a plain dict: patch and restore
    try:
        verdict = check.check_tier(spec, "python", spec.inputs(4), "n=4")
    finally:
        spec.tiers["python"] = original
    assert not verdict.ok and verdict.reason == "mutated its inputs"


def test_the_gate_judges_each_tier_against_the_inputs_it_was_given(monkeypatch):
    # one snapshot serves every tier until one writes into the inputs; the next is judged afresh
    spec = impls.KERNELS["sigmoid"]

    def sigmoid_in_place(Z):
        Z[...] = impls.call("sigmoid", "numpy", Z)
        return Z

    monkeypatch.setitem(spec.tiers, "python", sigmoid_in_place)
    verdicts = check.gate(spec, spec.inputs(4), ["python", "numba"], "n=4")
    assert verdicts["python"].reason == check.MUTATED
    assert verdicts["numba"].reason != check.MUTATED  # numba left the (changed) inputs as it found them


def test_a_reference_that_writes_into_its_inputs_fails_its_own_gate(monkeypatch):
    # the reference runs on the inputs themselves, not a copy: the snapshot is taken before it
    spec = impls.KERNELS["sigmoid"]
    real = spec.tiers["numpy"]

    def absolute_then_sigmoid(Z):
        np.abs(Z, out=Z)  # the same change on every call: only a snapshot from before the reference sees it
        return real(Z)

    monkeypatch.setitem(spec.tiers, "numpy", absolute_then_sigmoid)
    assert check.gate(spec, spec.inputs(4), ["numpy"], "n=4")["numpy"].reason == check.MUTATED
    assert check.check_tier(spec, "numpy", spec.inputs(4), "n=4").reason == check.MUTATED


def test_tolerance_grows_with_reduction_length_and_shrinks_with_precision():
    assert check.tolerance(np.float32, 10_000) == pytest.approx(100 * check.tolerance(np.float32, 1))
    assert check.tolerance(np.float64, 1) < check.tolerance(np.float32, 1) / 1e8


def test_gate_fails_every_tier_when_the_reference_is_nan_on_finite_inputs(monkeypatch):
    spec = impls.KERNELS["dot"]
    monkeypatch.setitem(spec.tiers, "numpy", lambda x1, x2: float("nan"))
    verdict = check.check_tier(spec, "python", spec.inputs(15), "n=15")
    assert not verdict.ok and "not finite" in verdict.reason


def test_inputs_left_alone_are_unchanged_nan_included_and_a_changed_one_is_not():
    a = np.array([1.0, np.nan, 3.0])
    assert check.unchanged((a, 2.0), (a.copy(), 2.0))  # NaN in the same place: the slower comparison
    assert check.unchanged((np.arange(3.0), float("nan")), (np.arange(3.0), float("nan")))
    changed = a.copy()
    changed[2] = -3.0
    assert not check.unchanged((a,), (changed,))
    assert not check.unchanged((a,), (np.array([1.0, 2.0, 3.0]),))  # a NaN overwritten
    assert not check.unchanged((a,), (a[:2],))
