"""The sweep: gate before timing, budget skips with estimates, interleaving, Ctrl-C."""

import dataclasses

import numpy as np
import pytest

import impls
from tests.fakes import FakeClock, fake_kernel, register
from vecbench.cli import run as run_cli
from vecbench.measure import budget, results
from vecbench.measure.align import ALIGNMENT
from vecbench.measure import sweep as run

FAST = {"numpy": lambda n: 1e-5, "numba": lambda n: 2e-6}


def sweep(clock, **settings):
    settings = {"preset": "quick", **settings}
    return run.Sweep(run.Settings(**settings), clock, tick=0.0)


def test_a_mismatching_tier_is_recorded_as_failed_and_never_timed(monkeypatch):
    clock, log = FakeClock(), []
    spec = fake_kernel(clock, {"python": lambda n: 1e-4, **FAST}, log=log, wrong="numba", sizes=(10, 20))
    register(monkeypatch, spec)
    records = sweep(clock).run([spec])
    numba = [r for r in records if r["tier"] == "numba"]
    assert [r["status"] for r in numba] == ["failed", "failed"]
    for r in numba:
        assert not r["verdict"]["ok"] and "tolerance" in r["reason"]
        assert "samples" not in r and "stats" not in r
    # called only for its first call, whose output the gate judged: never sampled
    assert sum(t == "numba" for t, _ in log) == 2
    assert all(r["status"] == "ok" and r["samples"] for r in records if r["tier"] != "numba")


def test_a_tier_that_raises_is_recorded_as_failed_with_the_error(monkeypatch):
    clock = FakeClock()
    spec = fake_kernel(clock, {"python": lambda n: 1e-4, **FAST}, sizes=(10,))
    monkeypatch.setitem(spec.tiers, "numba", lambda Z: 1 / 0)
    register(monkeypatch, spec)
    (python, numpy, numba) = sweep(clock).run([spec])
    assert numba["status"] == "failed" and "ZeroDivisionError" in numba["reason"]
    assert python["status"] == numpy["status"] == "ok"


def test_a_tier_that_raises_only_once_timed_is_recorded_as_an_error(monkeypatch):
    clock = FakeClock()
    spec = fake_kernel(clock, {"python": lambda n: 1e-4, **FAST}, sizes=(10,))
    real, calls = spec.tiers["numba"], []

    def flaky(Z):
        calls.append(1)
        if len(calls) > 2:  # fine for the first call and the gate, then fails
            raise RuntimeError("state leaked between calls")
        return real(Z)

    monkeypatch.setitem(spec.tiers, "numba", flaky)
    register(monkeypatch, spec)
    by_tier = {r["tier"]: r for r in sweep(clock).run([spec])}
    assert by_tier["numba"]["status"] == "error" and "state leaked" in by_tier["numba"]["reason"]
    assert "samples" not in by_tier["numba"]
    assert by_tier["python"]["status"] == by_tier["numpy"]["status"] == "ok"


def test_a_tier_whose_first_call_writes_into_its_inputs_fails_and_spoils_no_other_tier(monkeypatch):
    # called once only (the gate judges the first call), so even a change that a second call would
    # not repeat is caught; the inputs are put back for the tiers after it and the reference
    clock = FakeClock()
    spec = fake_kernel(clock, {"python": lambda n: 1e-4, **FAST}, sizes=(10,))
    real = spec.tiers["numba"]

    def absolute_then_double(Z):
        np.abs(Z, out=Z)
        return real(Z)

    monkeypatch.setitem(spec.tiers, "numba", absolute_then_double)
    register(monkeypatch, spec)
    for seed in range(4):  # the tiers' order is shuffled: numba first, last and between
        records = {r["tier"]: r for r in sweep(clock, seed=seed).run([spec])}
        assert records["numba"]["status"] == "failed"
        assert records["numba"]["reason"] == run.check.MUTATED
        assert records["python"]["status"] == records["numpy"]["status"] == "ok"


def test_restore_puts_a_snapshot_back_in_place():
    args = (np.arange(3.0), {"W": np.ones(2)}, [np.zeros(1)], 2.0)
    before = run.check.snapshot(args)
    args[0][:] = -1
    args[1]["W"] = np.zeros(5)
    args[2].append(7)
    run.check.restore(before, args)
    assert run.check.unchanged(before, args)
    args[1]["W"][0] = 9.0  # refilled with copies: the snapshot is not shared
    assert before[1]["W"][0] == 1.0


def test_python_sizes_over_budget_are_skipped_with_their_estimate(monkeypatch):
    clock, log = FakeClock(), []
    spec = fake_kernel(clock, {"python": lambda n: 1e-6 * n**2, **FAST}, log=log)  # sizes 10..160
    register(monkeypatch, spec)
    records = sweep(clock, budget=0.005).run([spec])
    python = {r["n"]: r for r in records if r["tier"] == "python"}
    assert [python[n]["status"] for n in (10, 20, 40, 80, 160)] == ["ok", "ok", "ok", "skipped", "skipped"]
    # fitted growth: time ~ work^2 from n=10, 20, 40, extrapolated from n=40
    assert python[80]["estimate"] == pytest.approx(1e-6 * 80**2, rel=0.02)
    assert python[160]["estimate"] == pytest.approx(1e-6 * 160**2, rel=0.02)
    assert python[80]["growth_exponent"] == pytest.approx(2.0, abs=0.02)
    assert "budget" in python[80]["reason"] and python[80]["budget"] == 0.005
    assert not any(t == "python" and n >= 80 for t, n in log)
    # the other tiers are not budgeted
    assert all(r["status"] == "ok" for r in records if r["tier"] != "python")


def test_a_first_call_over_budget_skips_the_rest_of_that_measurement(monkeypatch):
    clock, log = FakeClock(), []
    spec = fake_kernel(clock, {"python": lambda n: 1.0, **FAST}, log=log, sizes=(10,))
    register(monkeypatch, spec)
    (python, *_) = sweep(clock, budget=0.5).run([spec])
    assert python["status"] == "skipped" and python["estimate"] == pytest.approx(1.0)
    assert sum(t == "python" for t, _ in log) == 2  # the first call, and a second to confirm


def test_after_a_size_over_budget_larger_sizes_are_predicted_not_called(monkeypatch):
    clock, log = FakeClock(), []
    spec = fake_kernel(clock, {"python": lambda n: 0.1 * n, **FAST}, log=log, sizes=(10, 20, 40))
    register(monkeypatch, spec)
    records = sweep(clock, budget=0.5).run([spec])
    python = [r for r in records if r["tier"] == "python"]
    assert [r["status"] for r in python] == ["skipped"] * 3
    assert [t for t, _ in log].count("python") == 2, "only the smallest size was called (twice)"
    assert python[2]["estimate"] == pytest.approx(4.0, rel=0.01)  # linear from the one measured point


def test_one_slow_first_call_alone_does_not_skip_a_size(monkeypatch):
    clock = FakeClock()
    costs = iter([1.0])  # a hiccup on the first call only
    spec = fake_kernel(clock, {"python": lambda n: next(costs, 0.01), **FAST}, sizes=(10,))
    register(monkeypatch, spec)
    (python, *_) = sweep(clock, budget=0.5).run([spec])
    assert python["status"] == "ok" and python["stats"]["median"] == pytest.approx(0.01)


def test_prediction_from_one_point_assumes_linear_growth_and_clamps_flat_fits():
    assert budget.predict([(100, 1.0)], 400) == (4.0, 1.0)
    estimate, k = budget.predict([(10, 1.0), (100, 1.0)], 1000)  # flat: overhead-dominated sizes
    assert k == budget.EXPONENT_RANGE[0] and estimate == pytest.approx(10.0)
    assert budget.predict([], 10) is None


def test_tiers_take_their_samples_in_blocks_in_a_seeded_order(monkeypatch):
    def order(seed):
        clock, log = FakeClock(), []
        spec = fake_kernel(clock, {t: lambda n: 5e-3 for t in ("python", "numpy", "numba")}, log=log,
                           sizes=(10,))
        register(monkeypatch, spec)
        sweep(clock, seed=seed).run([spec])
        return [t for t, _ in log]

    first = order(1)
    assert first == order(1)
    assert any(order(seed) != first for seed in (2, 3, 4))
    # the last pass: per tier a block of an untimed warm-up call (not for the
    # loops, whose call fills a sample) and its samples, in an order of its own
    plan = run.timing.PLANS["quick"]
    k = plan.shares(plan.repeats(5e-3))[-1]
    last_pass = first[-(3 * k + 2):]
    assert sorted(last_pass) == ["numba"] * (k + 1) + ["numpy"] * (k + 1) + ["python"] * k
    blocks = [t for i, t in enumerate(last_pass) if i == 0 or last_pass[i - 1] != t]
    assert sorted(blocks) == ["numba", "numpy", "python"], "each tier's calls come in one block"
    assert any(order(seed)[-(3 * k + 2):] != last_pass for seed in (2, 3, 4))


def test_a_call_of_long_call_or_more_is_taken_as_a_loop_no_warm_up_call_and_the_loops_samples(monkeypatch):
    def later_calls(cost):
        clock, log = FakeClock(), []
        spec = fake_kernel(clock, {"python": lambda n: 5e-3, "numpy": lambda n: 5e-3, "numba": lambda n: cost},
                           log=log, sizes=(10,))
        register(monkeypatch, spec)
        (_, _, numba) = sweep(clock, preset="default").run([spec])
        return [t for t, _ in log].count("numba"), len(numba["samples"])

    plan = run.timing.PLANS["default"]
    calls, samples = later_calls(run.LONG_CALL)
    short_calls, short_samples = later_calls(run.LONG_CALL * 0.9)
    assert (samples, short_samples) == (plan.loop_min, plan.min_repeat)
    # first call, autorange's two, then the samples; the shorter call also a warm-up call in each
    # later pass it takes samples in (all of them: its samples are at least the passes)
    assert calls == 3 + samples
    assert short_calls == 3 + short_samples + plan.passes - 1


def test_a_tier_is_timed_only_once_other_threads_have_gone_idle(monkeypatch):
    clock, waits = FakeClock(), []
    monkeypatch.setattr(run.timing, "quiesce", lambda: waits.append(1) or 0.1)
    spec = fake_kernel(clock, {t: lambda n: 5e-3 for t in ("python", "numpy", "numba")}, sizes=(10, 20))
    register(monkeypatch, spec)
    s = sweep(clock)
    s.run([spec])
    passes = run.timing.PLANS["quick"].passes
    assert len(waits) == 2 * 3 * passes  # before every tier's block of samples, in every pass
    assert s.settled == pytest.approx(0.1 * len(waits))


def test_records_carry_throughput_and_speedups(monkeypatch):
    clock = FakeClock()
    spec = fake_kernel(clock, {"python": lambda n: 1e-3, "numpy": lambda n: 1e-5, "numba": lambda n: 2e-6},
                       sizes=(10,))
    register(monkeypatch, spec)
    by_tier = {r["tier"]: r for r in sweep(clock).run([spec])}
    numba = by_tier["numba"]
    assert numba["speedup_vs_python"] == pytest.approx(500, rel=0.01)
    assert numba["speedup_vs_numpy"] == pytest.approx(5, rel=0.01)
    assert numba["gflops"] == pytest.approx(10 / 2e-6 / 1e9, rel=0.01)
    assert numba["shapes"] == [[10]] and numba["dtype"] == "float64"
    assert numba["first_call"] >= 2e-6 and numba["number"] * 2e-6 >= 0.002
    assert "elements_per_s" not in numba  # only kernels built on exp/log/tanh count elements


def test_kernels_built_on_transcendentals_record_elements_per_second(monkeypatch):
    clock = FakeClock()
    spec = dataclasses.replace(fake_kernel(clock, {"python": lambda n: 1e-3, "numpy": lambda n: 1e-5,
                                                   "numba": lambda n: 2e-6}, sizes=(10,)),
                               elements=lambda args: float(args[0].size))
    register(monkeypatch, spec)
    by_tier = {r["tier"]: r for r in sweep(clock).run([spec])}
    assert by_tier["numba"]["elements"] == 10.0
    assert by_tier["numba"]["elements_per_s"] == pytest.approx(10 / 2e-6, rel=0.01)
    assert by_tier["python"]["elements_per_s"] == pytest.approx(10 / 1e-3, rel=0.01)


def test_mutating_kernels_are_gated_and_timed_on_fresh_inputs(monkeypatch):
    clock = FakeClock()
    spec = fake_kernel(clock, {"python": lambda n: 1e-4, **FAST}, sizes=(10,), mutates=True)
    register(monkeypatch, spec)
    assert all(r["status"] == "ok" for r in sweep(clock).run([spec]))


def interrupted(monkeypatch, clock, spec, tier, when):
    """``vecbench run``'s sweep of ``spec``, Ctrl-C'd in ``tier``'s call for which
    ``when(Z, calls so far)`` holds; returns the run document."""
    real, calls = spec.tiers[tier], []

    def fn(Z):
        calls.append(1)
        if when(Z, len(calls)):
            raise KeyboardInterrupt
        return real(Z)

    monkeypatch.setitem(spec.tiers, tier, fn)
    register(monkeypatch, spec)
    monkeypatch.setitem(run.timing.TIMERS, "fake", clock)
    return run_cli.execute(run.Settings(preset="quick", timer="fake", kernels=["fake"]), [spec])


def test_ctrl_c_keeps_what_was_measured(monkeypatch, tmp_path):
    clock = FakeClock()
    spec = fake_kernel(clock, {"python": lambda n: 1e-4, **FAST}, sizes=(10, 20, 40))
    doc = interrupted(monkeypatch, clock, spec, "numba", lambda Z, calls: Z.size == 40)
    assert doc["complete"] is False
    assert sorted({r["n"] for r in doc["records"]}) == [10, 20]
    path = results.save(doc, runs_dir=tmp_path)
    assert results.load(path)["records"] == results.finite_or_none(doc["records"])


def test_cli_run_writes_a_valid_run_of_real_kernels(tmp_path, capsys):
    from vecbench.cli import main
    out = tmp_path / "run.json"
    status = main(["run", "--kernels", "dot", "--sizes", "15", "200", "--quick", "--threads", "1",
                   "--out", str(out)])
    assert status == 0
    doc = results.load(out)
    assert {(r["tier"], r["n"]) for r in doc["records"]} == {(t, n) for t in impls.KERNELS["dot"].tiers
                                                             for n in (15, 200)}
    assert all(r["status"] == "ok" and r["verdict"]["ok"] for r in doc["records"])
    assert doc["settings"]["threads"] == 1 and doc["machine"]["numba"]["num_threads"] == 1
    assert f"results: {out}" in capsys.readouterr().out


@pytest.fixture
def three_passes(monkeypatch):
    """The quick plan with one sample of 5 ms per pass, so every sample is a single call."""
    plan = run.timing.Plan(min_sample_time=0.002, target_time=0.0, min_repeat=3, max_repeat=3, passes=3)
    monkeypatch.setitem(run.timing.PLANS, "quick", plan)
    return plan


def test_a_records_samples_are_spread_over_passes_across_the_whole_sweep(monkeypatch, three_passes):
    clock, log = FakeClock(), []
    spec = fake_kernel(clock, {t: lambda n: 5e-3 for t in ("python", "numpy", "numba")}, log=log, sizes=(10, 20))
    register(monkeypatch, spec)
    records = sweep(clock).run([spec])
    assert all(len(r["samples"]) == 3 for r in records)
    if run.timing.page_faults() is not None:  # counted beside every sample, over all passes
        assert all(len(r["page_faults"]) == 3 and r["faults_per_call"] is not None for r in records)
    for r in records:
        assert r["stats"] == run.timing.stats(r["samples"]).to_dict()
    sizes = [n for _, n in log]
    # n=10 is sampled again after n=20 was measured: its later passes come after the whole first pass
    assert max(i for i, n in enumerate(sizes) if n == 10) > min(i for i, n in enumerate(sizes) if n == 20)
    # the last pass: per size, a sample of each tier and a warm-up call of the two compiled ones
    assert sizes[-10:].count(10) == sizes[-10:].count(20) == 5


def test_a_record_with_fewer_samples_than_passes_takes_them_in_passes_spread_over_the_run(monkeypatch):
    plan = run.timing.Plan(min_sample_time=0.002, target_time=0.0, min_repeat=4, max_repeat=4, passes=4,
                           loop_min_repeat=2)
    monkeypatch.setitem(run.timing.PLANS, "quick", plan)
    clock, log, steps = FakeClock(), [], []
    spec = fake_kernel(clock, {t: lambda n: 5e-3 for t in ("python", "numpy", "numba")}, log=log, sizes=(10,))
    register(monkeypatch, spec)

    def on_step(what):  # which pass each call falls in
        if "(pass" in what and "pass 1/" not in what:
            steps.append((what, len(log)))

    sw = run.Sweep(run.Settings(preset="quick"), clock, tick=0.0, on_step=on_step)
    records = {r["tier"]: r for r in sw.run([spec])}
    assert len(records["numpy"]["samples"]) == 4 and len(records["python"]["samples"]) == 2
    starts = [at for what, at in steps] + [len(log)]
    calls = [[tier for tier, _ in log[a:b]] for a, b in zip(starts, starts[1:])]
    # passes 2 and 3: the compiled tiers' warm-up call and sample only; pass 4: python's second sample too
    assert [c.count("python") for c in calls] == [0, 0, 1]
    assert [c.count("numpy") for c in calls] == [c.count("numba") for c in calls] == [2, 2, 2]


def test_later_passes_time_the_same_seeded_inputs_the_gate_passed(monkeypatch, three_passes):
    clock, seen = FakeClock(), []
    spec = fake_kernel(clock, {t: lambda n: 5e-3 for t in ("python", "numpy", "numba")}, sizes=(10,))
    real = spec.tiers["numba"]

    def remember(Z):
        seen.append(Z.copy())
        return real(Z)

    monkeypatch.setitem(spec.tiers, "numba", remember)
    register(monkeypatch, spec)
    sweep(clock, seed=3).run([spec])
    assert len(seen) >= 5  # first call, gate, autorange probe and three samples
    assert all(np.array_equal(z, seen[0]) for z in seen)


@pytest.mark.parametrize("keep", [True, False])
def test_later_passes_reuse_the_kept_inputs_unless_they_would_not_fit(monkeypatch, three_passes, keep):
    clock, seen, drawn = FakeClock(), [], []
    spec = fake_kernel(clock, {t: lambda n: 5e-3 for t in ("python", "numpy", "numba")}, sizes=(10, 20))
    make = spec.make_inputs

    def counted(n, rng, dtype):
        drawn.append(n)
        return make(n, rng, dtype)

    real = spec.tiers["numba"]

    def remember(Z):
        seen.append(Z)
        return real(Z)

    spec = dataclasses.replace(spec, make_inputs=counted)
    spec.tiers["numba"] = remember
    register(monkeypatch, spec)
    if not keep:
        monkeypatch.setattr(run, "KEEP_SHARE", 0.0)
    sweep(clock).run([spec])
    # drawn from the seed once per size when kept, once per size and pass otherwise
    assert sorted(drawn) == ([10, 20] if keep else [10, 10, 10, 20, 20, 20])
    first = seen[0]
    same_size = [z for z in seen if z.size == first.size]
    drawn_again = [z for z in same_size if not np.shares_memory(z, first)]
    if keep:  # the very arrays of the first pass: no copy, whose pages could come back from a VM's host
        assert len(same_size) > 3 and not drawn_again
    else:  # drawn again: other arrays, the same values
        assert drawn_again and all(np.array_equal(z, first) for z in drawn_again)
    assert all(z.ctypes.data % ALIGNMENT == 0 for z in seen)  # drawn again, they start on a cache line too


def test_a_tier_that_raises_in_a_later_pass_becomes_an_error_without_figures(monkeypatch, three_passes):
    clock = FakeClock()
    spec = fake_kernel(clock, {t: lambda n: 5e-3 for t in ("python", "numpy", "numba")}, sizes=(10,))
    real, calls = spec.tiers["numpy"], []

    def fails_in_pass_two(Z):
        calls.append(1)
        if len(calls) > 4:  # first call, gate, autorange, the first pass's sample
            raise RuntimeError("state leaked between passes")
        return real(Z)

    monkeypatch.setitem(spec.tiers, "numpy", fails_in_pass_two)
    register(monkeypatch, spec)
    by_tier = {r["tier"]: r for r in sweep(clock).run([spec])}
    numpy = by_tier["numpy"]
    assert numpy["status"] == "error" and "state leaked" in numpy["reason"]
    assert not {"samples", "stats", "gflops", "speedup_vs_python"} & numpy.keys()
    assert by_tier["numba"]["status"] == "ok" and len(by_tier["numba"]["samples"]) == 3
    assert by_tier["numba"]["speedup_vs_numpy"] is None


def test_ctrl_c_in_a_later_pass_keeps_consistent_records(monkeypatch, three_passes):
    clock = FakeClock()
    spec = fake_kernel(clock, {t: lambda n: 5e-3 for t in ("python", "numpy", "numba")}, sizes=(10, 20))
    # both sizes' first pass (first call, judged by the gate, and a sample), then the second sample of pass 2
    doc = interrupted(monkeypatch, clock, spec, "python", lambda Z, calls: calls == 2 * 2 + 2)
    assert doc["complete"] is False
    assert {r["n"] for r in doc["records"]} == {10, 20}
    python = sorted(len(r["samples"]) for r in doc["records"] if r["tier"] == "python")
    assert python == [1, 2], "the interrupted step keeps its first pass only"
    for r in doc["records"]:
        assert r["status"] == "ok"
        assert r["stats"] == run.timing.stats(r["samples"]).to_dict()
