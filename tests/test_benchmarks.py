"""pytest-benchmark: every kernel x tier x quick-ladder size, timed after the gate.

``make test`` runs each body once with benchmarking disabled (``addopts``
has ``--benchmark-disable``): a smoke test that the gate passes and the call
runs. ``make bench-pytest`` times them for real and saves the run under
``results/pytest-benchmark``; see the README for ``--benchmark-compare``.


The process is set up as the runner's and asv's are, by the same code
(``vecbench.measure.core``: allocator pinned, every core unless
``VECBENCH_THREADS`` says otherwise); the state read back goes into the
saved run's ``machine_info`` (``conftest.pytest_benchmark_update_machine_info``)
and each benchmark's ``extra_info``. Each tier is warmed as the runner warms
it before its samples (``core.warm``), and pyproject's ``addopts`` make a round
last 10 ms with the garbage collector off, as a sample of the runner's does.
"""

import copy

import pytest

import impls
from benchmarks import _common
from vecbench.measure import core

#: Rounds of a kernel that writes into its inputs: each call gets a fresh
#: copy, so calls cannot be batched and are timed one per round.
MUTATING_ROUNDS = 20

CASES = [pytest.param(spec.name, tier, n, id=f"{spec.name}-{tier}-{n}")
         for spec in impls.KERNELS.values()
         for tier in spec.tiers
         for n in spec.sizes[_common.LADDER]]


@pytest.mark.parametrize("kernel,tier,n", CASES)
def test_kernel(benchmark, kernel, tier, n):
    process_state = core.setup_from_env()
    spec = impls.KERNELS[kernel]
    try:
        _common.check_budget(spec, tier, spec.inputs(n, _common.SEED, _common.DTYPE))
    except NotImplementedError as exc:
        pytest.skip(str(exc))
    try:  # the gate on the very inputs, then the first (compiling) call
        case = core.prepare(spec, tier, n, _common.SEED, _common.DTYPE)
    except core.EquivalenceError as exc:
        pytest.fail(str(exc))
    core.warm(case.fn, case.args, spec.mutates)

    fn, args = case.fn, case.args
    benchmark.group = f"{kernel} n={n}"
    benchmark.extra_info.update(kernel=kernel, tier=tier, n=n, flops=spec.flops(args),
                                bytes_moved=spec.bytes_moved(args),
                                allocator=process_state["allocator"]["mode"],
                                threads=process_state["threads_set"])
    if spec.mutates:
        benchmark.pedantic(fn, setup=lambda: (copy.deepcopy(args), {}),
                           rounds=MUTATING_ROUNDS, warmup_rounds=1)
    else:
        benchmark(fn, *args)
