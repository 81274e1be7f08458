"""One measurement: first call apart, autorange long enough, stats, fresh inputs."""

import mmap
import sys
import threading
import time

import numpy as np
import pytest
from numba import njit

from tests.fakes import FakeClock
from vecbench.measure import timing


def ticking(clock, seconds):
    def fn(*args):
        clock.advance(seconds)
    return fn


@pytest.mark.parametrize("per_call", [1e-7, 3.3e-6, 4e-4, 5e-3])
@pytest.mark.parametrize("estimate", [None, 1e-9, 1.0])
def test_autorange_picks_enough_calls_for_a_sample_to_beat_the_floor(per_call, estimate):
    clock = FakeClock()
    call = timing.Call(ticking(clock, per_call), (), clock)
    number, expected = timing.autorange(call, 1e-3, estimate)
    assert number * per_call >= 1e-3 * 0.999
    assert call.sample(number) >= 1e-3
    # and not wildly more than needed: the 1-2-5 step past the mark, with 20% aim
    assert number * per_call <= max(per_call, 1e-3 * 1.2 * 5)
    assert expected == pytest.approx(number * per_call, rel=1e-3)


def test_first_call_is_timed_alone_and_never_enters_a_sample():
    clock = FakeClock()
    costs = iter([2.0])  # the first call "compiles" for 2 s, then 1 µs per call

    def fn():
        clock.advance(next(costs, 1e-6))

    m = timing.measure(fn, (), timing.PLANS["quick"], clock)
    assert m["first_call"] == pytest.approx(2.0)
    assert all(s == pytest.approx(1e-6, rel=1e-3) for s in m["samples"])
    assert m["number"] * 1e-6 >= timing.PLANS["quick"].min_sample_time


def test_timer_granularity_raises_the_sample_floor():
    clock = FakeClock()
    m = timing.measure(ticking(clock, 1e-6), (), timing.PLANS["quick"], clock, tick=1e-5)
    assert m["number"] * 1e-6 >= timing.RESOLUTION_FACTOR * 1e-5


def test_granularity_is_the_smallest_step_the_clock_takes():
    readings = iter(np.repeat(np.arange(0, 10, 0.25), 3))
    assert timing.granularity(lambda: float(next(readings)), tries=5) == 0.25


def test_stats_are_median_quartiles_and_minimum():
    st = timing.stats([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (st.median, st.q1, st.q3, st.iqr, st.min, st.max) == (3.0, 2.0, 4.0, 2.0, 1.0, 5.0)
    assert timing.stats([7.0]).iqr == 0.0


def test_repeats_follow_the_plan_within_its_bounds():
    plan = timing.Plan(min_sample_time=0.01, target_time=0.1, min_repeat=3, max_repeat=7)
    assert plan.repeats(0.01) == 7
    assert plan.repeats(0.025) == 4
    assert plan.repeats(10.0) == 3


def test_a_mutating_kernel_gets_fresh_inputs_for_every_call():
    clock = FakeClock()
    seen = []

    def scale_in_place(Z):
        seen.append(Z.copy())
        Z *= 2.0
        clock.advance(1e-4)

    Z = np.arange(4.0)
    call = timing.Call(scale_in_place, (Z,), clock, mutates=True, args_bytes=Z.nbytes)
    call.first_call()
    number, _ = timing.autorange(call, 1e-3)
    call.sample(number)
    assert len(seen) > number
    assert all(np.array_equal(s, np.arange(4.0)) for s in seen)
    assert np.array_equal(Z, np.arange(4.0))


def test_a_plans_samples_are_dealt_over_its_passes_earlier_passes_first():
    plan = timing.Plan(min_sample_time=0.01, target_time=0.1, min_repeat=3, max_repeat=12, passes=3)
    assert plan.shares(3) == [1, 1, 1]
    assert plan.shares(8) == [3, 3, 2]
    assert plan.shares(12) == [4, 4, 4]
    assert all(sum(plan.shares(r)) == r for r in range(3, 13))


def test_fewer_samples_than_passes_go_one_each_into_passes_spread_over_the_run():
    plan = timing.Plan(min_sample_time=0.01, target_time=0.1, min_repeat=6, max_repeat=12, passes=6,
                       loop_min_repeat=3)
    assert plan.shares(3) == [1, 0, 0, 1, 0, 1]
    assert plan.shares(4) == [1, 0, 1, 1, 0, 1]
    assert plan.shares(1) == [1, 0, 0, 0, 0, 0]
    assert plan.shares(6) == [1] * 6 and plan.shares(9) == [2, 2, 2, 1, 1, 1]
    assert all(sum(plan.shares(r)) == r and plan.shares(r)[0] == 1 for r in range(1, 7))


@pytest.mark.parametrize("passes,max_repeat", [(0, 5), (6, 5)])
def test_a_plan_cannot_ask_for_more_passes_than_its_most_samples(passes, max_repeat):
    with pytest.raises(ValueError, match="passes"):
        timing.Plan(min_sample_time=0.01, target_time=0.1, min_repeat=3, max_repeat=max_repeat, passes=passes)


@pytest.mark.skipif(timing.page_faults() is None, reason="the platform does not count page faults")
def test_a_sample_counts_the_page_faults_of_its_calls_not_of_its_setup():
    size = 8 << 20

    def touch_fresh_pages():
        # mmap'd, not malloc'd: whether malloc hands back fresh pages depends on what the
        # process freed before (glibc's dynamic mmap threshold), a fresh mapping never does
        with mmap.mmap(-1, size) as fresh:
            for i in range(0, size, mmap.PAGESIZE):
                fresh[i] = 1

    fresh = timing.Call(touch_fresh_pages, (), time.perf_counter)
    fresh.sample(3)
    assert fresh.faults_per_call >= 1
    idle = timing.Call(len, ((),), time.perf_counter)
    idle.sample(1000)
    assert idle.faults_per_call < 0.01
    # a mutating kernel's fresh input copies are made before the count starts
    copies = timing.Call(len, (np.ones(size // 8),), time.perf_counter, mutates=True, args_bytes=size)
    copies.sample(3)
    assert copies.faults_per_call < 1


def test_one_slow_call_alone_does_not_make_samples_one_call_long():
    clock = FakeClock()
    costs = iter([0.05])  # caught by a burst of load: 50 ms, then 40 µs per call

    def fn():
        clock.advance(next(costs, 4e-5))

    number, expected = timing.autorange(timing.Call(fn, (), clock), 0.01)
    assert number * 4e-5 >= 0.01 and expected == pytest.approx(number * 4e-5, rel=1e-3)
    slow = timing.Call(lambda: clock.advance(0.05), (), clock)
    assert timing.autorange(slow, 0.01) == (1, pytest.approx(0.05))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads per-thread CPU time from /proc")
@njit(nogil=True, cache=True)
def _spin(n):
    """About n steps of a recurrence the compiler cannot shortcut, without the GIL."""
    x = 1
    for _ in range(n):
        x = x * 6364136223846793005 + 1442695040888963407
    return x


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread states are read from /proc")
def test_quiesce_waits_while_another_thread_spins_and_not_once_it_rests():
    # The spinner runs compiled code without the GIL, as BLAS and OpenMP
    # workers do; a pure-Python spinner would sleep whenever this thread
    # held the GIL to look at it.
    _spin(10)  # compile outside the measurement
    stop = threading.Event()
    steps = 1
    while True:  # steps for about 50 ms: the spinner takes the GIL once per chunk
        t0 = time.perf_counter()
        _spin(steps)
        if time.perf_counter() - t0 > 0.05:
            break
        steps *= 2

    def spin():
        while not stop.is_set():
            _spin(steps)

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        assert timing.quiesce(max_wait=0.2) >= 0.2  # gave up at the cap: the thread never rested
    finally:
        stop.set()
        spinner.join()
    assert timing.quiesce(max_wait=1.0) < 0.5


def test_the_speed_probe_summary_is_median_percentiles_and_relative_spread():
    probes = [[float(t), s] for t, s in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0])]
    summary = timing.probe_summary(probes)
    assert (summary["median"], summary["p10"], summary["p90"]) == (6.0, 2.0, 10.0)
    assert summary["spread"] == pytest.approx(8.0 / 6.0)
    assert timing.probe_summary([]) is None
    assert timing.speed_probe() > 0


def test_the_budgeted_loops_may_have_a_lower_floor_of_samples():
    plan = timing.Plan(min_sample_time=0.01, target_time=0.1, min_repeat=6, max_repeat=12, passes=3,
                       loop_min_repeat=3)
    assert plan.repeats(0.5) == 6 and plan.repeats(0.5, loop=True) == 3
    assert plan.repeats(0.01, loop=True) == plan.repeats(0.01) == 10  # short calls: the target decides
    with pytest.raises(ValueError, match="loop_min_repeat"):
        timing.Plan(min_sample_time=0.01, target_time=0.1, min_repeat=6, max_repeat=12, passes=3,
                    loop_min_repeat=13)
