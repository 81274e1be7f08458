"""The pinned process state: applied in every instrument's measuring process,
read back there (never assumed), and no longer moved by what the process
freed before.

Each check runs in a fresh interpreter, so that nothing this test session
allocated or pinned can decide it.
"""

import json
import subprocess
import sys
import textwrap

import pytest

import impls
from tests.conftest import ROOT
from vecbench.measure import core, state

MiB = 2**20
glibc_only = pytest.mark.skipif(state.glibc_version() is None, reason="the allocator pinned is glibc's")


def fresh_python(code: str, env: dict | None = None) -> dict:
    """Run ``code`` in a new interpreter; it prints one JSON document, returned."""
    import os
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={**os.environ, **(env or {})})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


#: Page faults per call of NumPy's sigmoid at 256x256 (512 KiB temporaries),
#: in a fresh process and after a planted free of a 16 MiB array.
FAULTS_BEFORE_AND_AFTER_A_FREE = """
    import json, time, sys
    import numpy as np
    from vecbench.measure import state, timing
    import impls
    if sys.argv[1:] != ["unpinned"] and {mode!r}:
        state.pin({mode!r})
    spec = impls.KERNELS["sigmoid"]
    args = spec.inputs(256)
    call = timing.Call(spec.tiers["numpy"], args, time.perf_counter)
    def faults():
        call.sample(1)
        call.sample(20)
        return call.faults_per_call
    before = faults()
    planted = np.ones(2 * 2**20); del planted   # 16 MiB, mmapped, then freed
    after = faults()
    print(json.dumps({{"before": before, "after": after}}))
"""


@glibc_only
def test_unpinned_the_same_call_faults_or_not_depending_on_an_earlier_free():
    # the control: without pinning, a fresh process pays fresh pages for every
    # 512 KiB temporary, and one free of a larger array changes that
    faults = fresh_python(FAULTS_BEFORE_AND_AFTER_A_FREE.format(mode=None))
    assert faults["before"] > 100 and faults["after"] < 5, faults


@glibc_only
@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_pinned_the_figure_no_longer_moves_with_a_planted_earlier_free(mode):
    faults = fresh_python(FAULTS_BEFORE_AND_AFTER_A_FREE.format(mode=mode))
    if mode == "warm":  # the temporaries reuse heap memory
        assert faults["before"] < 8, faults
    else:  # each 512 KiB temporary takes 128 fresh 4 KiB pages, every call
        assert faults["before"] >= 128, faults
    assert faults["after"] == pytest.approx(faults["before"], abs=8), faults


#: Page faults per call of NumPy's relu at 2048x2048 (a 32 MiB output, over
#: the mmap threshold), warmed as every instrument warms a batch, with and
#: without 60 MiB left free at the heap's top by earlier arrays.
FAULTS_OF_A_LARGE_OUTPUT = """
    import json, time
    import numpy as np
    from vecbench.measure import core, state, timing
    import impls
    state.pin("warm")
    spec = impls.KERNELS["relu"]
    args = core.inputs(spec, 2048)
    call = timing.Call(spec.tiers["numpy"], args, time.perf_counter)
    def faults():
        core.warm(call.fn, call.args)
        call.sample(3)
        return call.faults_per_call
    before = faults()
    planted = [np.ones(20 * 2**20 // 8) for _ in range(3)]  # 60 MiB from the heap, under the mmap threshold
    del planted                                              # freed: the trim threshold lets it stay at the top
    if not {cleared}:
        state.clear_heap = lambda: None  # the control: the batch starts from whatever the heap holds
    after = faults()
    print(json.dumps({{"before": before, "after": after}}))
"""


@glibc_only
@pytest.mark.parametrize("cleared", [True, False])
def test_a_large_output_gets_fresh_pages_whatever_the_heap_was_left_holding(cleared):
    faults = fresh_python(FAULTS_OF_A_LARGE_OUTPUT.format(cleared=cleared))
    assert faults["before"] >= 16, faults  # 32 MiB of fresh pages: 8192 small ones, or 16 huge ones
    if cleared:
        assert faults["after"] == pytest.approx(faults["before"], abs=2), faults
    else:  # the control: the freed heap serves the output, and the figure moves with it
        assert faults["after"] < 2, faults


@glibc_only
@pytest.mark.parametrize("mode,low,high", [("warm", 32 * MiB, 33 * MiB), ("cold", 128 * 2**10, 136 * 2**10)])
def test_read_back_asks_the_allocator_and_a_free_does_not_move_it(mode, low, high):
    seen = fresh_python(f"""
        import json
        import numpy as np
        from vecbench.measure import state
        state.pin({mode!r})
        first = state.read_back()["allocator"]
        planted = np.ones(2 * 2**20); del planted
        print(json.dumps({{"first": first, "after": state.read_back()["allocator"]}}))
    """)
    for key in ("first", "after"):
        assert seen[key]["mode"] == mode
        assert low <= seen[key]["fresh_pages_from"] <= high, seen
    assert seen["first"]["keeps_8MiB_freed"] is (True if mode == "warm" else None)


@glibc_only
@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_the_runner_records_the_state_it_pinned_before_and_after_the_sweep(tmp_path, mode):
    out = tmp_path / "run.json"
    run = subprocess.run([sys.executable, "-m", "vecbench", "run", "--quick", "--kernels", "dot", "--tiers",
                          "numpy", "--sizes", "1000", "--allocator", mode, "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    assert doc["settings"]["allocator"] == mode
    assert ("--allocator" in doc["command"]) is (mode != "warm")
    for when in ("start", "end"):
        allocator = doc["process_state"][when]["allocator"]
        assert allocator["mode"] == mode
        threshold = state.ALLOCATOR_MODES[mode][0]
        # free chunks left inside the heap can serve a little more than the threshold
        assert threshold <= allocator["fresh_pages_from"] <= max(1.05 * threshold, 2**20), allocator
    pool = doc["process_state"]["end"].get("blas_pool")
    assert pool is None or pool["parked"] > 0  # OpenBLAS's workers were ended before the batches


@glibc_only
def test_pytest_benchmark_records_the_state_of_its_measuring_process(tmp_path):
    spec = next(iter(impls.KERNELS.values()))
    test_id = f"{spec.name}-numpy-{spec.sizes['quick'][0]}"
    saved = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, "-m", "pytest", "tests/test_benchmarks.py", "-q", "-p",
                          "no:cacheprovider", "-k", test_id, "--benchmark-enable", "--benchmark-min-rounds=3",
                          "--benchmark-max-time=0.01", f"--benchmark-json={saved}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, core.THREADS_ENV: "1"})
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(saved.read_text())
    pinned = doc["machine_info"]["vecbench_process_state"]
    assert pinned["allocator"]["mode"] == "warm"
    assert pinned["allocator"]["fresh_pages_from"] == pytest.approx(32 * MiB, rel=0.05)
    assert pinned["numba_threads"] == 1
    (bench,) = doc["benchmarks"]
    assert bench["extra_info"]["allocator"] == "warm" and bench["extra_info"]["threads"] == 1


@pytest.mark.parametrize("env,message", [({core.THREADS_ENV: "two"}, "not a whole number"),
                                         ({core.THREADS_ENV: "0"}, "at least 1"),
                                         ({core.ALLOCATOR_ENV: "tepid"}, "choose from warm, cold")])
def test_bad_environment_settings_are_named(monkeypatch, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValueError, match=message):
        core.env_settings()


def test_an_unknown_allocator_mode_is_refused():
    with pytest.raises(ValueError, match="unknown allocator mode"):
        state.pin_allocator("tepid")


def test_free_page_reporting_is_read_as_found(tmp_path, monkeypatch):
    # a kernel that hands free memory to its host: its parameters (and any counters) land in the run file
    (tmp_path / "page_reporting_order").write_text("9\n")
    (tmp_path / "reported_kib").write_text("37474120\n")
    (tmp_path / "free_bitmap_enable").write_text("Y\n")
    monkeypatch.setattr(state, "PAGE_REPORTING", str(tmp_path))
    expected = {"free_bitmap_enable": "Y", "page_reporting_order": 9, "reported_kib": 37474120}
    assert state.page_reporting() == expected
    assert state.read_back()["page_reporting"] == expected
    monkeypatch.setattr(state, "PAGE_REPORTING", str(tmp_path / "absent"))
    assert state.page_reporting() is None
    assert "page_reporting" not in state.read_back()


def test_openblas_workers_are_ended_between_batches_and_start_again():
    # read back from the process: its own threads, before and after, and the next product's result
    seen = fresh_python("""
        import json, os
        import numpy as np
        from threadpoolctl import threadpool_info
        from vecbench.measure import core, machine, state, timing
        from contextlib import ExitStack
        machine.set_threads(2, ExitStack())
        A = np.random.default_rng(0).standard_normal((300, 300))
        expected = np.einsum("ij,jk->ik", A, A)
        A @ A
        alive = len(os.listdir("/proc/self/task"))
        core.quiet_start(wait=False)
        ended = len(os.listdir("/proc/self/task"))
        waited = timing.quiesce()
        again = np.allclose(A @ A, expected)
        print(json.dumps({"blas_threads": [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"],
                          "alive": alive, "ended": ended, "waited": waited, "again": again,
                          "after": len(os.listdir("/proc/self/task")), "pool": state.read_back().get("blas_pool")}))
    """)
    if seen["pool"] is None:
        pytest.skip("NumPy's BLAS here is not OpenBLAS")
    if seen["blas_threads"] != [2]:
        pytest.skip("BLAS runs on one thread here")
    assert seen["ended"] == seen["alive"] - 1  # the one worker beside the main thread, ended
    assert seen["waited"] < 0.05  # nothing left spinning to wait out (a spinning worker takes 0.1 s)
    assert seen["again"] and seen["after"] == seen["alive"]  # the next product starts it again, right
    assert seen["pool"]["parked"] == 1 and "blas_thread_shutdown_" in seen["pool"]["between_batches"]
