"""``vecbench run --processes N``: each record's samples shared by N fresh processes, then merged."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from vecbench.measure import timing, workers
from vecbench.measure.records import counted


def test_a_workers_plan_takes_its_share_of_the_samples_and_of_the_passes():
    plan = timing.PLANS["default"]
    first, second = plan.split(2, 1), plan.split(2, 2)
    assert (first.min_repeat, first.max_repeat, first.loop_min, first.passes) == (3, 6, 2, 3)
    assert (second.min_repeat, second.max_repeat, second.loop_min, second.passes) == (3, 6, 1, 2)
    for field in ("min_repeat", "max_repeat", "loop_min", "passes"):  # together, what one process takes
        assert getattr(first, field) + getattr(second, field) == getattr(plan, field), field
    assert first.target_time == second.target_time == pytest.approx(plan.target_time / 2)
    assert first.shares(2) == [1, 0, 1]  # a budgeted loop's two samples: its first and last passes
    assert plan.split(1) is plan
    assert plan.split(9, 9).loop_min == 1, "a worker takes at least one sample"
    with pytest.raises(ValueError, match="between 1 and 2"):
        plan.split(2, 3)


@pytest.mark.parametrize("text,message", [("2", "expected I/N"), ("3/2", "between 1 and N"), ("0/2", "between")])
def test_a_bad_worker_share_is_named(text, message):
    with pytest.raises(ValueError, match=message):
        workers.parse_worker(text)


def record(status="ok", samples=(1.0, 2.0), number=10, **extra):
    base = {"kernel": "dot", "tier": "numba", "n": 7, "dtype": "float64", "status": status}
    if status == "ok":
        base.update(samples=list(samples), page_faults=[0.0] * len(samples), number=number, first_call=5.0)
    return dict(base, **extra)


def test_merged_samples_are_the_workers_together_and_their_statistics_are_recomputed():
    merged = workers.merge_records([record(samples=(1.0, 2.0)), record(samples=(3.0, 4.0), number=20)])
    assert merged["samples"] == [1.0, 2.0, 3.0, 4.0]
    assert merged["stats"]["median"] == pytest.approx(2.5)
    assert merged["numbers"] == [10, 20] and merged["processes"] == 2
    assert merged["first_call"] == 5.0


def test_a_gate_failure_in_any_worker_fails_the_merged_record():
    merged = workers.merge_records([record(), record(status="failed", reason="mismatch")])
    assert merged["status"] == "failed" and merged["reason"] == "mismatch"


def test_a_record_skipped_by_some_workers_keeps_the_samples_of_those_that_timed_it():
    merged = workers.merge_records([record(status="skipped", reason="over budget"), record(samples=(3.0,))])
    assert merged["status"] == "ok" and merged["samples"] == [3.0] and merged["processes"] == 1


@pytest.mark.slow
def test_a_run_over_two_processes_saves_one_merged_run(tmp_path):
    out = tmp_path / "run.json"
    run = subprocess.run([sys.executable, "-m", "vecbench", "run", "--quick", "--kernels", "dot", "--tiers",
                          "numpy", "numba", "--sizes", "1000", "--processes", "2", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("results:") == 1  # the workers' own files are the parent's business
    doc = json.loads(out.read_text())
    assert doc["settings"]["processes"] == 2 and len(doc["workers"]) == 2
    assert "--processes" in doc["command"] and "--worker" not in doc["command"]
    assert "--calibration" not in doc["command"]
    shares = [w["plan"]["min_repeat"] for w in doc["workers"]]
    for r in doc["records"]:
        assert r["status"] == "ok" and r["processes"] == 2
        assert len(r["samples"]) >= sum(shares)
        # over the samples the merged record counts: those taken with the machine fast (a real run's marks)
        assert r["stats"] == timing.stats(counted(r)).to_dict() and r["counted"] == len(counted(r))
        assert len(set(r["numbers"])) == 1, "the second worker takes the first one's calls per sample"
    assert {r["tier"]: r["speedup_vs_numpy"] for r in doc["records"]}["numpy"] == pytest.approx(1.0)


def fake_workers(monkeypatch, tmp_path, cost, **kernel):
    """A fake kernel's sweep as worker 1 of 2, saved; and a function running worker 2 on it.
    Returns (worker 1's sweep, its log of calls, its run file, run_later)."""
    from tests.fakes import FakeClock, fake_kernel, register
    from vecbench.measure import results
    from vecbench.measure.run import begin, finish
    from vecbench.measure.settings import Settings
    from vecbench.measure.sweep import Sweep

    def run(**settings):
        clock, log = FakeClock(), []
        spec = fake_kernel(clock, cost, log=log, **kernel)
        register(monkeypatch, spec)
        sweep = Sweep(Settings(preset="quick", **settings), clock, tick=0.0)
        sweep.run([spec])
        return sweep, log

    sweep, log = run(worker=(1, 2))
    doc, _ = begin(sweep.settings)
    path = tmp_path / "worker-1.json"
    return sweep, log, path, lambda: run(worker=(2, 2), calibration=str(results.save(
        finish(doc, sweep, 1.0, True), path)))


def test_a_later_worker_takes_the_first_workers_calls_per_sample_and_calibrates_nothing(monkeypatch, tmp_path):
    cost = {"python": lambda n: 5e-3, "numpy": lambda n: 1e-5, "numba": lambda n: 2e-6}
    sweep, first_log, path, run_later = fake_workers(monkeypatch, tmp_path, cost, sizes=(10,))
    first = {r["tier"]: r for r in sweep.records}
    sweep.records = [dict(r, number=r["number"] * 3) for r in sweep.records]  # a calibration of its own
    later_sweep, later_log = run_later()
    assert workers.calibration(path)[("fake", "numba", 10, "float64")][0] == first["numba"]["number"] * 3
    later = {r["tier"]: r for r in later_sweep.records}
    for tier in ("numpy", "numba"):
        assert later[tier]["number"] == first[tier]["number"] * 3
        # its first call, one warm-up call and its samples: autorange's calibration calls are gone,
        # and so is the gate's reference call
        own = 2
        assert [t for t, _ in later_log].count(tier) == own + len(later[tier]["samples"]) * later[tier]["number"]
        assert [t for t, _ in first_log].count(tier) > own + len(first[tier]["samples"]) * first[tier]["number"]


def test_a_later_worker_times_only_what_the_first_worker_timed_and_gates_nothing(monkeypatch, tmp_path):
    from vecbench.measure import check
    from vecbench.measure.run import begin, finish

    # python: 0.1 s a call at n=10 grows to 0.8 s at n=80, over the quick budget (0.25 s)
    cost = {"python": lambda n: 0.01 * n, "numpy": lambda n: 1e-5, "numba": lambda n: 2e-6}
    sweep, first_log, path, run_later = fake_workers(monkeypatch, tmp_path, cost, sizes=(10, 80), wrong="numba")
    first = {(r["tier"], r["n"]): r["status"] for r in sweep.records}
    assert first == {("python", 10): "ok", ("python", 80): "skipped", ("numpy", 10): "ok", ("numpy", 80): "ok",
                     ("numba", 10): "failed", ("numba", 80): "failed"}
    later_sweep, later_log = run_later()
    assert {(r["tier"], r["n"]) for r in later_sweep.records} == {k for k, status in first.items() if status == "ok"}
    assert all(r["status"] == "ok" for r in later_sweep.records)
    assert ("numba", 10) not in later_log and ("python", 80) not in later_log
    # no gate: the reference tier is called for its first call, warm-up call and samples only
    ref = {r["n"]: r for r in later_sweep.records if r["tier"] == check.REFERENCE_TIER}
    for n, r in ref.items():
        assert later_log.count((check.REFERENCE_TIER, n)) == 2 + len(r["samples"]) * r["number"]
    later_doc, _ = begin(later_sweep.settings)
    merged = workers.merge([finish(begin(sweep.settings)[0], sweep, 1.0, True),
                            finish(later_doc, later_sweep, 1.0, True)])
    status = {(r["tier"], r["n"]): (r["status"], r["processes"]) for r in merged["records"]}
    assert status[("numba", 10)] == ("failed", 1) and status[("python", 80)] == ("skipped", 1)
    assert status[("numpy", 80)] == ("ok", 2) and status[("python", 10)] == ("ok", 2)
