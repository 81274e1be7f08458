"""pytest-benchmark: every kernel x tier x quick-ladder size, timed after the gate.

``make test`` runs each body once with benchmarking disabled (``addopts``
has ``--benchmark-disable``): a smoke test that the gate passes and the call
runs. ``make bench-pytest`` times them for real and saves the run under
``results/pytest-benchmark``; see the README for ``--benchmark-compare``.

Sizes under asv's floor (``benchmarks._common.MIN_CALL``) are timed here:
pytest-benchmark batches calls into rounds calibrated to the timer.
"""

import copy

import pytest
from threadpoolctl import threadpool_limits

import impls
from benchmarks import _common
from vecbench.measure import check

#: Rounds of a kernel that writes into its inputs: each call gets a fresh
#: copy, so calls cannot be batched and are timed one per round.
MUTATING_ROUNDS = 20

CASES = [pytest.param(spec.name, tier, n, id=f"{spec.name}-{tier}-{n}")
         for spec in impls.KERNELS.values()
         for tier in spec.tiers
         for n in spec.sizes[_common.LADDER]]


@pytest.mark.parametrize("kernel,tier,n", CASES)
def test_kernel(benchmark, kernel, tier, n):
    spec = impls.KERNELS[kernel]
    args = spec.inputs(n, _common.SEED, _common.DTYPE)
    try:
        _common.check_budget(spec, tier, args)
    except NotImplementedError as exc:
        pytest.skip(str(exc))
    verdict = check.gate(spec, args, [tier], f"n={n}")[tier]
    assert verdict.ok, f"{kernel} {tier} n={n} does not match the reference: {verdict.reason}"

    fn = spec.tiers[tier]
    if tier != "python":  # compile before pytest-benchmark calibrates its rounds
        fn(*copy.deepcopy(args))
    benchmark.group = f"{kernel} n={n}"
    benchmark.extra_info.update(kernel=kernel, tier=tier, n=n,
                                flops=spec.flops(args), bytes_moved=spec.bytes_moved(args))
    with threadpool_limits(limits=1):  # one core per tier, as in the asv suite
        if spec.mutates:
            benchmark.pedantic(fn, setup=lambda: (copy.deepcopy(args), {}),
                               rounds=MUTATING_ROUNDS, warmup_rounds=1)
        else:
            benchmark(fn, *args)
