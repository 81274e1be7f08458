"""Tuned tiers' outputs on huge pages: same array back, far fewer page faults,
and with empty_on_huge_pages none of them at 4 KiB."""

import resource
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from impls.tuning import HUGE_PAGE, MIN_BYTES, advise_hugepages, empty_on_huge_pages

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")
NO_THP = pytest.mark.skipif(not sys.platform.startswith("linux") or not THP.exists()
                            or "[never]" in THP.read_text(), reason="no transparent huge pages here")


@njit
def _fresh_ones(n, advise):
    A = np.empty(n)
    if advise:
        A = advise_hugepages(A)
    for i in range(n):
        A[i] = 1.0
    return A


def _faults_of(n, advise):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    A = _fresh_ones(n, advise)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert A.shape == (n,) and np.all(A == 1.0)
    return faults


def test_advice_returns_the_array_it_was_given_at_any_size():
    for n in (0, 1, MIN_BYTES // 8 + 3):
        A = _fresh_ones(n, True)
        assert A.shape == (n,) and np.all(A == 1.0)


@NO_THP
def test_advised_fresh_array_faults_in_far_fewer_pages():
    n = (64 << 20) // 8  # 64 MiB: 16384 pages of 4 KiB
    _fresh_ones(8, True), _fresh_ones(8, False)  # compile outside the counts
    plain, advised = _faults_of(n, False), _faults_of(n, True)
    assert plain > 8000, f"expected a fault per 4 KiB page, saw {plain}"
    assert advised < plain / 4, f"huge pages were not used: {advised} faults vs {plain}"


@njit
def _ones_on_huge_pages(shape, like):
    A = empty_on_huge_pages(shape, like)
    A.fill(1.0)
    return A


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_page_output_has_the_shape_and_dtype_asked_for_at_any_size(dtype):
    like = np.zeros(1, dtype)
    for shape in [(0, 3), (1, 1), (3, 5), (1024, MIN_BYTES // 4096 + 3)]:
        A = _ones_on_huge_pages(shape, like)
        assert A.shape == shape and A.dtype == dtype and A.flags.c_contiguous and A.flags.writeable
        assert np.all(A == 1.0)
    n = MIN_BYTES // like.itemsize + 3
    assert _ones_on_huge_pages((n,), like).shape == (n,)


@NO_THP
def test_huge_page_output_starts_on_a_huge_page_and_faults_in_whole_huge_pages():
    like = np.zeros(1)
    n = (64 << 20) // 8  # 64 MiB: 32 huge pages
    _ones_on_huge_pages((8,), like)  # compile outside the count
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    A = _ones_on_huge_pages((n,), like)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert A.ctypes.data % HUGE_PAGE == 0 and np.all(A == 1.0)
    # advise_hugepages alone leaves up to 2 MiB at the ends in 4 KiB pages (about 500 faults)
    assert faults < 128, f"expected about one fault per 2 MiB (32), saw {faults}"
