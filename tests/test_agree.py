"""``vecbench agree``: what it calls agreement and a flip, and one real run of the plumbing."""

import json
import subprocess
import sys

import pytest

import impls
from tests.conftest import ROOT
from vecbench.verdict import agree

A, B = ("sigmoid", "numpy", 256), ("sigmoid", "numba", 256)


def made_up(**medians):
    result = agree.Agreement([A, B])
    result.medians = {inst: dict(zip([A, B], pair)) for inst, pair in medians.items()}
    return result


def test_spread_is_the_largest_over_the_smallest_of_the_judged_instruments():
    result = made_up(runner=(1.0, 2.0), pytest=(1.1, 2.0), asv=(0.9, 2.0), timeit=(5.0, 2.0))
    assert result.spread(A) == pytest.approx(1.1 / 0.9)  # timeit is shown, not judged
    assert result.spread(B) == pytest.approx(1.0)


def test_calls_under_the_floor_or_seen_by_one_instrument_are_not_judged():
    result = made_up(runner=(5e-6, 2e-3), pytest=(5e-6, 2e-3))
    assert result.judged(10e-6) == [B]
    result.medians.pop("pytest")
    assert result.judged(10e-6) == []


def test_a_flip_needs_two_instruments_to_find_opposite_orders_past_the_margin():
    # numba vs numpy: the runner finds numba 20% faster, asv 20% slower: a flip
    flipped = made_up(runner=(1.2, 1.0), asv=(1.0, 1.2))
    (line,) = flipped.flips()
    assert "numba faster than numpy by runner; slower by asv" in line
    # within the margin an instrument calls them even, which contradicts nobody
    even = made_up(runner=(1.2, 1.0), asv=(1.0, 1.02))
    assert even.flips() == []


def test_default_calls_are_every_tier_at_the_quick_ladders_largest_size():
    spec = impls.KERNELS["dot"]
    calls = agree.calls_for([spec], None, None)
    assert calls == [("dot", t, spec.sizes["quick"][-1]) for t in spec.tiers]
    assert agree.calls_for([spec], ["numba"], [7]) == [("dot", "numba", 7)]


@pytest.mark.slow
def test_a_real_agreement_run_reports_every_instrument_and_writes_its_figures(tmp_path):
    out = tmp_path / "agree.json"
    run = subprocess.run([sys.executable, "-m", "vecbench", "agree", "--kernels", "sigmoid", "--tiers", "numba",
                          "--instruments", "runner", "pytest", "timeit", "--threads", "1", "--tolerance", "0.99",
                          "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 of 1 calls of 10 µs or more within 99%" in run.stdout
    (call,) = json.loads(out.read_text())["calls"]
    for inst in ("runner", "pytest", "timeit"):
        assert call[inst] > 0, call
    again = subprocess.run([sys.executable, "-m", "vecbench", "agree", "--kernels", "sigmoid", "--json", str(out)],
                           cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 1 and "already exists" in again.stderr  # refused before measuring


def test_rounds_give_each_instrument_the_median_of_its_turns_and_the_runner_its_own_spread():
    result = agree.Agreement([A])
    for seconds in (1.0, 3.0, 2.0):
        result.add_round("runner", {A: seconds})
    result.add_round("asv", {A: 2.2})
    assert result.medians["runner"][A] == 2.0 and result.medians["asv"][A] == 2.2
    assert result.self_spread(A) == pytest.approx(3.0)
    assert result.self_spread(A, "asv") is None  # one round says nothing about itself
