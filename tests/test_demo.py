"""The course demo: every registered operation in every tier, missing ones named."""

import re

import pytest

import impls
from vecbench.cli import main
from vecbench.measure import timing
from vecbench.show import demo

OPERATIONS = ("dot", "outer", "multiply", "gdot")


@pytest.fixture(autouse=True)
def short_plan(monkeypatch):
    monkeypatch.setattr(demo, "PLAN", timing.Plan(min_sample_time=1e-4, target_time=1e-3, min_repeat=1,
                                                  max_repeat=2))


@pytest.mark.parametrize("timer", ["perf_counter", "process_time"])
def test_demo_times_each_available_operation_and_names_the_missing(capsys, timer):
    assert main(["demo", "--n", "400", "--timer", timer, "--threads", "1"]) == 0
    out = capsys.readouterr().out
    for op in OPERATIONS:
        rows = re.findall(rf"^\W {op} +\W ", out, re.M)
        if op in impls.KERNELS:
            assert len(rows) == 2, f"{op}: expected a row on the course's lists and one at n=400"
        else:
            assert not rows and f"{op}: not available" in out
    assert "278" in out or "dot" not in impls.KERNELS  # the course's dot of its two lists
    assert ("process_time advances in steps" in out) == (timer == "process_time")


def test_demo_exits_1_when_a_tier_mismatches(capsys, monkeypatch):
    spec = impls.KERNELS["dot"]
    monkeypatch.setitem(spec.tiers, "numba", lambda x1, x2: 1.0 + impls.call("dot", "numpy", x1, x2))
    assert main(["demo", "--n", "100", "--threads", "1"]) == 1
    assert "MISMATCH dot numba" in capsys.readouterr().out


def test_demo_rejects_a_non_positive_size(capsys):
    assert main(["demo", "--n", "0"]) == 2
