"""Backward kernels agree with centred finite differences of their cost."""

import pytest

import impls
from tests.conftest import GRADIENT_KERNELS
from vecbench.measure import check

#: The course's gradient-check pass mark is 2e-7 with eps=1e-7; ours is
#: FD_TOLERANCE with a relative step of FD_STEP, in float64.


@pytest.mark.parametrize("kernel,tier", [(k, t) for k in GRADIENT_KERNELS for t in impls.KERNELS[k].tiers])
def test_gradients_match_finite_differences(kernel, tier):
    spec = impls.KERNELS[kernel]
    args = spec.inputs(spec.sizes["quick"][0], seed=11)
    errors = check.gradient_errors(spec, tier, args)
    assert errors, "the gradient problem checked no parameter"
    bad = {k: v for k, v in errors.items() if not v < check.FD_TOLERANCE}
    assert not bad, f"gradient errors over {check.FD_TOLERANCE}: {bad}"
