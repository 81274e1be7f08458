"""The machine description and the thread settings recorded with every run."""

import json
from contextlib import ExitStack

import numba
import pytest
from threadpoolctl import threadpool_info

from vecbench.measure import machine


def test_description_names_cpu_memory_versions_blas_and_threads(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    m = machine.describe()
    json.dumps(m)  # JSON-ready as it is
    assert m["cpu"]["logical_cores"] >= 1 and m["cpu"]["model"]
    assert m["memory_bytes"] > 0
    assert m["packages"]["numpy"] and m["packages"]["numba"] and m["packages"]["llvmlite"]
    assert any(p["user_api"] == "blas" for p in m["blas"])
    assert m["numba"]["num_threads"] >= 1
    assert m["env"]["OPENBLAS_CORETYPE"] == "Haswell"
    labels = [label for label, _ in machine.summary(m)]
    assert {"CPU", "cores", "memory", "BLAS", "Numba threads", "environment"} <= set(labels)


def test_set_threads_limits_blas_and_numba_then_restores_them():
    before_numba = numba.get_num_threads()
    before_blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    with ExitStack() as stack:
        assert machine.set_threads(1, stack) == 1
        assert numba.get_num_threads() == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    assert numba.get_num_threads() == before_numba
    assert [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"] == before_blas


def test_more_threads_than_numba_started_with_is_refused():
    with ExitStack() as stack, pytest.raises(ValueError, match="NUMBA_NUM_THREADS"):
        machine.set_threads(numba.config.NUMBA_NUM_THREADS + 1, stack)


@pytest.mark.parametrize("name", ["OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME"])
def test_the_variables_that_set_how_long_thread_pools_spin_are_recorded(monkeypatch, name):
    # they move a figure: OPENBLAS_THREAD_TIMEOUT=20 cut a quick run's waits for spinning workers from 2.6 s to 1.1 s
    monkeypatch.setenv(name, "20")
    assert machine.describe()["env"][name] == "20"
