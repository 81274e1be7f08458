"""Tuned tiers' outputs on huge pages: same array back, far fewer page faults."""

import resource
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from impls.tuning import MIN_BYTES, advise_hugepages

THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")


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


@pytest.mark.skipif(not sys.platform.startswith("linux") or not THP.exists()
                    or "[never]" in THP.read_text(), reason="no transparent huge pages here")
def test_advised_fresh_array_faults_in_far_fewer_pages():
    n = (64 << 20) // 8  # 64 MiB: 16384 pages of 4 KiB
    _fresh_ones(8, True), _fresh_ones(8, False)  # compile outside the counts
    plain, advised = _faults_of(n, False), _faults_of(n, True)
    assert plain > 8000, f"expected a fault per 4 KiB page, saw {plain}"
    assert advised < plain / 4, f"huge pages were not used: {advised} faults vs {plain}"
