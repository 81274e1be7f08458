"""The asv suite in benchmarks/, run in-process: generated from the registry,
gated, skipping what it should and failing loudly on a mismatch."""

import numpy as np
import pytest

import impls
from benchmarks import _common, bench_kernels, bench_memory, bench_speedup
from tests.conftest import KERNEL_NAMES

MODULES = [bench_kernels, bench_speedup, bench_memory]


@pytest.fixture(autouse=True)
def fresh_suite(monkeypatch):
    """Empty the per-process caches around each test."""
    caches = [_common.prepared, _common.warm_once, _common.batched_call, _common.python_seconds_per_flop, bench_memory._prepared]
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def suite_class(module, kernel):
    return getattr(module, _common.class_name(kernel))


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_every_kernel_has_a_class_per_module_over_its_tiers_and_ladder(kernel):
    spec = impls.KERNELS[kernel]
    quick = [str(n) for n in spec.sizes["quick"]]
    assert suite_class(bench_kernels, kernel).params == [list(spec.tiers), quick]
    assert suite_class(bench_speedup, kernel).params == [list(_common.RATIOS), [quick[0], quick[-1]]]
    tiers, sizes = suite_class(bench_memory, kernel).params
    assert set(tiers) == set(spec.tiers) - {"python"}
    assert sizes == [str(spec.sizes["default"][-1])]


def test_asv_sees_exactly_the_generated_classes():
    for module in MODULES:
        classes = {name for name, obj in vars(module).items()
                   if isinstance(obj, type) and not name.startswith("_")}
        assert classes == {_common.class_name(k) for k in KERNEL_NAMES}, module.__name__


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_the_first_timed_call_gates_compiles_and_warms(kernel):
    spec = impls.KERNELS[kernel]
    bench = suite_class(bench_kernels, kernel)()
    assert not hasattr(bench, "setup")  # asv batches the calls of a benchmark without one
    n = str(spec.sizes["quick"][-1])
    bench.time_kernel("numba", n)
    assert all(d.signatures for d in spec.jitted), "the first call did not compile the numba tier"
    assert _common.batched_call.cache_info().currsize == 1
    bench.time_kernel("numba", n)
    assert _common.batched_call.cache_info().hits == 1  # later calls only call


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_speedup_is_a_positive_ratio_of_two_gated_tiers(kernel):
    n = str(impls.KERNELS[kernel].sizes["quick"][0])
    bench = suite_class(bench_speedup, kernel)()
    bench.setup("numba/numpy", n)
    speedup = bench.track_speedup("numba/numpy", n)
    assert np.isfinite(speedup) and speedup > 0


def test_a_tier_that_mismatches_fails_before_it_is_timed(monkeypatch):
    spec = impls.KERNELS["dot"]
    monkeypatch.setitem(spec.tiers, "python", lambda x1, x2: 2 * impls.call("dot", "numpy", x1, x2))
    with pytest.raises(_common.EquivalenceError, match="dot python n=1000"):
        bench_kernels.Dot().time_kernel("python", "1000")
    assert _common.batched_call.cache_info().currsize == 0  # no call was handed to asv to time


def test_python_sizes_over_the_budget_are_skipped(monkeypatch):
    monkeypatch.setattr(_common, "PYTHON_BUDGET", 0.0)
    with pytest.raises(_common.SkipNotImplemented, match="over the 0.0 s budget"):
        bench_kernels.Dot().time_kernel("python", "1000")
    bench_kernels.Dot().time_kernel("numba", "100000")  # the budget is the python tier's alone


def test_a_kernel_missing_at_an_older_commit_resolves_to_a_skipping_class():
    placeholder = bench_kernels.KernelFromTheFuture
    bench = placeholder()
    with pytest.raises(NotImplementedError, match="not registered at this commit"):
        bench.setup("7")
    assert hasattr(placeholder, "time_kernel")
    # asv and Python look up lowercase module attributes; those stay missing
    for name in ("setup", "params", "timeout", "__path__"):
        assert not hasattr(bench_kernels, name)


def test_peak_memory_gates_at_the_smallest_size_and_runs_at_the_largest(monkeypatch):
    gated = []
    real_gate = _common.check.gate
    monkeypatch.setattr(_common.check, "gate",
                        lambda spec, args, tiers, label: gated.append(label) or real_gate(spec, args, tiers, label))
    spec = impls.KERNELS["sigmoid"]
    n = str(spec.sizes["default"][-1])
    bench = bench_memory.Sigmoid()
    bench.setup("numba", n)
    assert gated == [f"n={spec.sizes['quick'][0]}"]
    assert bench.args[0].shape == spec.inputs(int(n))[0].shape
    bench.peakmem_kernel("numba", n)


def test_the_largest_size_alone_when_agree_asks_for_it(monkeypatch):
    spec = impls.KERNELS["sigmoid"]
    assert _common.ladder(spec) == [str(n) for n in spec.sizes["quick"]]
    monkeypatch.setenv(_common.SIZES_ENV, "largest")
    assert _common.ladder(spec) == [str(spec.sizes["quick"][-1])]
