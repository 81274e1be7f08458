"""``records.counted``: a record's statistics, and ``compare``'s intervals, are over its fast-probed samples."""

import pytest

from tests.test_steady import FAST, SLOW, ScriptedCall, guard, take
from vecbench.measure.records import FAST_MIN, counted, summarize
from vecbench.verdict.compare import PAIRED_MIN, compare, fast_pairs


def record(samples, slow=None, probe=None, **extra):
    r = {"kernel": "k", "tier": "numpy", "n": 1, "dtype": "float64", "status": "ok", "samples": list(samples),
         "first_call": samples[0], **extra}
    if slow is not None:
        r["slow"] = list(slow)
    if probe is not None:
        r["probe"] = list(probe)
    summarize(r)
    return r


def test_the_samples_kept_slow_are_left_out_when_enough_fast_ones_remain():
    r = record([1.0, 1.6, 1.1, 1.7, 1.0, 1.8], slow=[0, 1, 0, 1, 0, 1])
    assert counted(r) == [1.0, 1.1, 1.0]
    assert r["counted"] == 3 and r["stats"]["median"] == 1.0 and r["stats"]["max"] == 1.1


def test_a_record_without_marks_or_with_none_set_counts_every_sample():
    assert record([1.0, 2.0, 3.0])["counted"] == 3
    assert record([1.0, 2.0, 3.0], slow=[0, 0, 0])["stats"]["median"] == 2.0
    assert counted({"samples": [1.0, 2.0], "slow": [1]}) == [1.0, 2.0], "marks that do not match the samples"


def test_too_few_fast_samples_are_made_up_with_the_slow_ones_whose_probes_read_fastest():
    # one fast sample; of the slow ones, the probes of 1.5 and 1.9 read fastest (1.35, 1.4): kept in their order
    samples = [1.9, 1.0, 2.2, 1.5, 2.0]
    r = record(samples, slow=[1, 0, 1, 1, 1], probe=[1.4, 1.0, 1.8, 1.35, 1.7])
    assert FAST_MIN == 3 and counted(r) == [1.9, 1.0, 1.5]
    assert r["counted"] == 3 and r["stats"]["median"] == 1.5
    # without probe readings the first slow ones taken make it up
    assert counted(record(samples, slow=[1, 0, 1, 1, 1])) == [1.9, 1.0, 2.2]
    # fewer samples than FAST_MIN: all of them
    assert counted(record([2.0, 1.0], slow=[1, 0])) == [2.0, 1.0]


def test_the_guard_keeps_each_samples_slower_probe_against_the_fastest_so_far(monkeypatch):
    # before s1, after s1, after s2 (slow: retaken twice, then kept slow), then unjudged long samples
    g, clock = guard(monkeypatch, [FAST, FAST, SLOW, SLOW, SLOW])
    call = ScriptedCall(clock, [1e-3, 2e-3, 3e-3, 4e-3])
    taken = g.take(call, 1, 2, lambda i: None)
    assert taken["slow"] == [0, 1]
    assert taken["probe"] == pytest.approx([1.0, SLOW / FAST], rel=1e-3)
    g, clock = guard(monkeypatch, [FAST])
    assert take(g, ScriptedCall(clock, [1.0]), 1, 1)[4] == [None], "a sample too long to judge has no reading"


def doc(*records):
    return {"settings": {}, "records": list(records)}


def test_compare_judges_the_samples_the_statistics_are_over():
    # the same fast samples on both sides; B caught three slow spells, kept slow and marked
    a = record([1.0, 1.01, 0.99, 1.0, 1.02, 1.0], slow=[0] * 6)
    b = record([1.0, 1.6, 1.01, 1.7, 0.99, 1.65], slow=[0, 1, 0, 1, 0, 1])
    row = compare(doc(a), doc(b), 0.10, stat="median")[0]
    assert row["verdict"] == "same" and row["ratio"] == pytest.approx(1.0, abs=0.02)
    unmarked = {k: v for k, v in b.items() if k != "slow"}
    summarize(unmarked)
    assert compare(doc(a), doc(unmarked), 0.10, stat="median")[0]["verdict"] != "same"


def test_pairs_with_a_side_kept_slow_are_left_out_of_a_paired_verdict():
    n = 8
    a = record([1.0] * n, slow=[0] * n)
    b = record([1.0, 1.6, 1.0, 1.0, 1.7, 1.0, 1.0, 1.0], slow=[0, 1, 0, 0, 1, 0, 0, 0])
    xa, xb = fast_pairs(a, b)
    assert len(xa) == len(xb) == 6 and set(xb) == {1.0}
    few = record([1.6] * 4 + [1.0] * 4, slow=[1] * 4 + [0] * 4)
    assert PAIRED_MIN > 4 and len(fast_pairs(a, few)[0]) == n, "too few fast pairs: every pair"
    assert fast_pairs(a, record([1.0] * (n - 1))) is None
