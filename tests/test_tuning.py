"""Tuned tiers' outputs in recycled memory: new arrays every call, never
sharing memory with a live one, and a dropped output's pages reused without a
page fault."""

import importlib
import resource
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import impls
from impls import tuning
from impls.tuning import HUGE_PAGE, MIN_BYTES, OutputPool
from vecbench.measure import check

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")
NO_THP = pytest.mark.skipif(not sys.platform.startswith("linux") or not THP.exists()
                            or "[never]" in THP.read_text(), reason="no transparent huge pages here")
LARGE = MIN_BYTES // 8 + 3  # float64 elements just over the pool's threshold

#: Kernels whose tuned tier takes its outputs from the pool.
POOLED = [name for name in impls.KERNELS if hasattr(importlib.import_module(f"impls.{name}"), "recycled_empty")]


def _minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pool_gives_the_shape_and_dtype_asked_for_at_any_size(dtype):
    pool = OutputPool()
    for shape in [(0, 3), (1, 1), (3, 5), (1024, MIN_BYTES // 4096 + 3), LARGE, (LARGE,)]:
        A = pool.empty(shape, dtype)
        expected = (shape,) if isinstance(shape, int) else shape
        assert A.shape == expected and A.dtype == dtype
        assert A.flags.c_contiguous and A.flags.writeable and A.flags.aligned
        A[...] = 1.0
        assert np.all(A == 1.0)


def test_dropped_output_is_reused_without_faults_and_live_ones_never_are():
    pool = OutputPool()
    first = pool.empty(LARGE, np.float64)
    second = pool.empty(LARGE, np.float64)  # first is alive: other memory
    assert not np.shares_memory(first, second)
    first.fill(1.0), second.fill(1.0)
    addresses = {first.ctypes.data, second.ctypes.data}
    del first, second
    before = _minor_faults()
    again = pool.empty(LARGE, np.float64)
    again.fill(2.0)
    faults = _minor_faults() - before
    assert again.ctypes.data in addresses
    assert faults < 8, f"a recycled block faulted {faults} times"


def test_a_view_keeps_the_memory_of_a_dropped_output_from_being_reused():
    pool = OutputPool()
    A = pool.empty((LARGE,), np.float64)
    A.fill(3.0)
    tail = A[1:].reshape(-1)[::2]
    del A
    B = pool.empty((LARGE,), np.float64)
    B.fill(-1.0)
    assert not np.shares_memory(tail, B)
    assert np.all(tail == 3.0)


def test_pool_keeps_at_most_its_budget_dropping_the_oldest_first():
    span = -(-LARGE * 8 // HUGE_PAGE) * HUGE_PAGE
    pool = OutputPool(keep_bytes=2 * span)
    a0, a1, a2 = (pool.empty(LARGE, np.float64) for _ in range(3))
    newer = {a1.ctypes.data, a2.ctypes.data}
    del a0  # the oldest dropped: the one given back to the OS
    del a1, a2
    assert pool.kept_bytes == 2 * span
    b1, b2 = pool.empty(LARGE, np.float64), pool.empty(LARGE, np.float64)
    assert {b1.ctypes.data, b2.ctypes.data} == newer
    assert pool.kept_bytes == 0


def test_concurrent_callers_never_get_overlapping_live_outputs():
    pool = OutputPool(keep_bytes=4 * MIN_BYTES + 8 * HUGE_PAGE)
    live, errors = [], []
    lock = threading.Lock()

    def worker(value):
        for _ in range(20):
            A = pool.empty(LARGE, np.float64)
            A.fill(value)
            with lock:
                live.append(A)
                if len(live) > 4:
                    live.pop(0)
            if not np.all(A == value):
                errors.append(value)

    threads = [threading.Thread(target=worker, args=(float(v),)) for v in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, f"outputs of workers {sorted(set(errors))} were overwritten while alive"
    assert not any(np.shares_memory(a, b) for i, a in enumerate(live) for b in live[i + 1:])


@NO_THP
def test_a_new_block_starts_on_a_huge_page_and_faults_in_whole_huge_pages():
    pool = OutputPool()
    n = (64 << 20) // 8  # 64 MiB: 32 huge pages, 16384 small ones
    before = _minor_faults()
    A = pool.empty(n, np.float64)
    A.fill(1.0)
    faults = _minor_faults() - before
    assert A.ctypes.data % HUGE_PAGE == 0
    assert faults < 128, f"expected about one fault per 2 MiB (32), saw {faults}"


def test_every_tuned_tier_with_large_outputs_takes_them_from_the_pool():
    assert {"multiply", "outer", "relu", "relu_backward", "sigmoid", "sigmoid_derivative", "sigmoid_backward",
            "softmax", "normalize_rows", "shallow_forward"} <= set(POOLED)


def _poison(pool):
    """Set every byte of the pool's kept blocks to 0xFF (NaN in float32 and
    float64), so an element a tier leaves unwritten shows as NaN."""
    for span, mapping, offset in list(pool._free):
        np.frombuffer(mapping, np.uint8, span, offset)[:] = 0xFF


@pytest.mark.parametrize("kernel", POOLED)
def test_tuned_tier_writes_every_element_of_recycled_outputs(kernel):
    """The equivalence tests' sizes are below the pool's threshold; here the
    largest default size, with the first output alive, then dropped and its
    memory poisoned before the tier reuses it."""
    spec = impls.KERNELS[kernel]
    args = spec.inputs(spec.sizes["default"][-1], seed=11)
    first = spec.tiers["numba_parallel"](*args)
    verdicts = [check.check_tier(spec, "numba_parallel", args, "second call, the first alive")]
    del first
    _poison(tuning.POOL)
    assert tuning.POOL.kept_bytes > 0, "the tier's outputs did not come from the pool"
    verdicts.append(check.check_tier(spec, "numba_parallel", args, "recycled, poisoned outputs"))
    failed = [f"{v.inputs}: {v.reason}" for v in verdicts if not v.ok]
    assert not failed, "\n".join(failed)
