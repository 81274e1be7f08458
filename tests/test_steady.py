"""``steady.Guard``: a sample bracketed by a slow speed probe is taken again, a bounded number of times."""

import json
import math
import statistics
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.fakes import FakeClock, fake_kernel, register
from vecbench.measure import steady, workers
from vecbench.measure.records import PER_SAMPLE, counted
from vecbench.measure.settings import Settings
from vecbench.measure.sweep import Sweep

FAST, SLOW = 400e-6, 650e-6  # the probe's two states on the machine it was written on


class ScriptedCall:
    """A ``timing.Call`` stand-in: each sample lasts the next of ``seconds`` on ``clock``."""

    faults_per_call = None

    def __init__(self, clock: FakeClock, seconds: list[float]):
        self.clock, self.seconds, self.taken = clock, list(seconds), []

    def sample(self, number: int) -> float:
        s = self.seconds.pop(0)
        self.clock.advance(s)
        self.taken.append(s)
        return s


def guard(monkeypatch, probes: list[float], retakes: int = 2, share: float = math.inf
          ) -> tuple[steady.Guard, FakeClock]:
    """A guard whose probe workload reads ``probes`` in turn (and then fast for ever); no share
    of the time limits its retakes unless ``share`` says."""
    clock, script = FakeClock(), list(probes)
    monkeypatch.setattr(steady.timing, "probe_workload", lambda: clock.advance(script.pop(0) if script else FAST))
    return steady.Guard(clock, retakes, share), clock


def take(g: steady.Guard, call, number: int, wanted: int) -> tuple[list, ...]:
    """``g.take``'s lists beside the samples, in ``PER_SAMPLE`` order: samples, faults, retakes, kept slow, probe readings."""
    taken = g.take(call, number, wanted, lambda i: None)
    assert set(taken) == set(PER_SAMPLE)
    return tuple(taken[k] for k in PER_SAMPLE)


def test_a_sample_with_a_slow_probe_on_either_side_is_taken_again(monkeypatch):
    # before s1, after s1, after s2 (slow), after its first retake, after its second
    g, clock = guard(monkeypatch, [FAST, FAST, SLOW, FAST, FAST])
    call = ScriptedCall(clock, [1e-3, 2e-3, 3e-3, 4e-3])
    samples, faults, retaken, slow, _ = take(g, call, 1, 2)
    # s2's own probe after it was slow; the retake after it had that slow probe before it; the next is clean
    assert samples == pytest.approx([1e-3, 4e-3], abs=1e-8)
    assert retaken == [0, 2] and faults == []
    assert slow == [0, 0], "a retake that read fast is not kept slow"
    assert (g.retaken, g.kept_slow, g.probes) == (2, 0, 5)


def test_a_sample_still_slow_once_its_retakes_are_spent_is_kept_and_counted(monkeypatch):
    g, clock = guard(monkeypatch, [FAST, SLOW, SLOW, SLOW, FAST])
    call = ScriptedCall(clock, [1e-3, 2e-3, 3e-3, 4e-3, 5e-3])
    samples, _, retaken, slow, _ = take(g, call, 10, 2)
    assert samples[0] == pytest.approx(3e-4, abs=1e-9)  # the third try, per call of ten
    assert retaken[0] == 2 and g.kept_slow == 1
    assert retaken[1] == 1, "the next sample had the last slow probe before it"
    assert slow == [1, 0], "the sample kept slow is marked, the one retaken until fast is not"


def test_retakes_stop_once_the_time_thrown_away_reaches_the_share_of_the_time_kept(monkeypatch):
    g, clock = guard(monkeypatch, [FAST, FAST, FAST, SLOW, FAST], share=0.5)
    call = ScriptedCall(clock, [4e-3, 4e-3, 2e-3, 3e-3])
    samples, _, retaken, slow, _ = take(g, call, 1, 3)
    # 8 ms kept when the third sample is slow: throwing its 2 ms away stays within half of that; its retake
    # had the slow probe before it, but throwing 3 ms more away would pass the share: kept slow
    assert retaken == [0, 0, 1] and samples[2] == pytest.approx(3e-3, abs=1e-8)
    assert (g.kept_slow, g.share_spent) == (1, 1) and slow == [0, 0, 1]
    assert g.thrown == pytest.approx(2e-3, abs=1e-8)
    assert g.summary()["share"] == 0.5 and g.summary()["share_spent"] == 1


def test_no_retakes_takes_no_probe_and_keeps_every_sample(monkeypatch):
    g, clock = guard(monkeypatch, [SLOW] * 10, retakes=0)
    call = ScriptedCall(clock, [1e-3, 2e-3, 3e-3])
    samples, _, retaken, slow, _ = take(g, call, 1, 3)
    assert retaken == [0, 0, 0] and slow == [0, 0, 0] and len(call.taken) == 3
    assert g.probes == 0 and g.summary()["fastest_probe"] is None


def test_a_sample_of_longest_or_more_is_never_judged(monkeypatch):
    g, clock = guard(monkeypatch, [FAST, SLOW, SLOW, SLOW])
    call = ScriptedCall(clock, [steady.LONGEST, steady.LONGEST * 2])
    _, _, retaken, slow, _ = take(g, call, 1, 2)
    assert retaken == [0, 0] and slow == [0, 0] and len(call.taken) == 2
    assert g.probes == 1, "only the probe before the first sample"


def test_the_fastest_probe_so_far_sets_what_slow_means(monkeypatch):
    # the run starts slow: nothing reads slow against it, until a fast probe shows what fast is
    g, clock = guard(monkeypatch, [SLOW, SLOW, FAST, SLOW, FAST, FAST])
    call = ScriptedCall(clock, [1e-3] * 6)
    _, _, retaken, slow, _ = take(g, call, 1, 3)
    assert retaken == [0, 2, 0] and slow == [0, 1, 0] and g.kept_slow == 1  # its last try still had the slow probe before it
    assert g.fastest == pytest.approx(FAST, rel=1e-3)


def test_a_swept_records_retakes_sit_beside_its_samples_and_the_run_file_keeps_the_guards(monkeypatch):
    from vecbench.measure.run import begin, finish

    clock = FakeClock()
    probes = iter(([FAST] * 7 + [SLOW]) * 10_000)  # every eighth probe slow
    monkeypatch.setattr(steady.timing, "probe_workload", lambda: clock.advance(next(probes)))
    spec = fake_kernel(clock, {t: lambda n: 1e-4 for t in ("python", "numpy", "numba")}, sizes=(10, 20))
    register(monkeypatch, spec)
    settings = Settings(preset="quick")
    sweep = Sweep(settings, clock, tick=0.0)
    sweep.run([spec])
    for r in sweep.records:
        assert len(r["retaken"]) == len(r["slow"]) == len(r["probe"]) == len(r["samples"]), r["tier"]
        assert r["counted"] == len(counted(r)) and r["stats"]["median"] == statistics.median(counted(r))
    assert any(r["counted"] < len(r["samples"]) for r in sweep.records), "some samples kept slow were left out"
    taken = sum(sum(r["retaken"]) for r in sweep.records)
    doc, _ = begin(settings)
    guard_doc = finish(doc, sweep, 1.0, True)["slow_guard"]
    assert taken > 0 and guard_doc["retaken"] == taken
    assert guard_doc["kept_slow"] == sum(sum(r["slow"]) for r in sweep.records)
    assert guard_doc["fastest_probe"] == pytest.approx(FAST, rel=1e-3)
    assert guard_doc["retakes"] == steady.RETAKES and "--retakes" not in settings.command()
    command = Settings(retakes=0).command()
    assert command[command.index("--retakes") + 1] == "0"


def test_the_workers_guards_and_retakes_are_merged():
    one = {"slow": 1.2, "longest": 0.3, "retakes": 2, "share": 0.25, "probes": 10, "fastest_probe": 4e-4,
           "retaken": 3, "kept_slow": 1, "share_spent": 1, "kept_seconds": 2.0, "thrown_seconds": 0.5}
    two = dict(one, probes=5, fastest_probe=3.9e-4, retaken=1, kept_slow=0, share_spent=0, kept_seconds=1.0,
               thrown_seconds=0.25)
    assert steady.merged([one, two]) == dict(one, probes=15, fastest_probe=3.9e-4, retaken=4, kept_slow=1,
                                             share_spent=1, kept_seconds=3.0, thrown_seconds=0.75)
    assert steady.merged([None, None]) is None
    base = {"kernel": "dot", "tier": "numba", "n": 7, "dtype": "float64", "status": "ok", "number": 1,
            "first_call": 1.0, "page_faults": []}
    merged = workers.merge_records([dict(base, samples=[1.0, 2.0], retaken=[0, 1], slow=[0, 1]),
                                    dict(base, samples=[3.0], retaken=[2], slow=[1])])
    assert merged["retaken"] == [0, 1, 2] and merged["slow"] == [0, 1, 1]


@pytest.mark.parametrize("value,message", [("-1", "must be at least 0"), ("two", "is not an integer")])
def test_a_bad_retakes_count_is_a_one_line_usage_error(value, message):
    run = subprocess.run([sys.executable, "-m", "vecbench", "run", "--quick", "--retakes", value],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_retakes_zero_is_recorded_in_the_run_file(tmp_path):
    out = tmp_path / "run.json"
    run = subprocess.run([sys.executable, "-m", "vecbench", "run", "--quick", "--kernels", "dot", "--tiers", "numpy",
                          "--sizes", "1000", "--retakes", "0", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    doc = json.loads(out.read_text())
    assert doc["settings"]["retakes"] == 0 and doc["slow_guard"]["probes"] == 0
    assert doc["command"][doc["command"].index("--retakes") + 1] == "0"
    assert all(r["retaken"] == [0] * len(r["samples"]) for r in doc["records"])
