"""Planted slowdowns: a known fraction more of the same work in every sample, recorded, never by default."""

import numpy as np
import pytest

from tests.fakes import FakeClock, fake_kernel, register
from tests.test_report import a_run, saved
from vecbench.cli import main
from vecbench.measure import timing
from vecbench.measure import sweep as run


def counting(clock, seconds, log):
    def fn(*args):
        log.append(args)
        clock.advance(seconds)
    return fn


@pytest.mark.parametrize("number,plant,calls", [(4, 0.25, 5), (10, 0.25, 12), (1, 2.0, 3), (4, 0.0, 4)])
def test_whole_extra_calls_of_the_same_work_run_inside_the_sample(number, plant, calls):
    clock, log = FakeClock(), []
    call = timing.Call(counting(clock, 1e-3, log), ("x",), clock, plant=plant)
    elapsed = call.sample(number)
    assert len(log) == calls and all(a == ("x",) for a in log)
    assert elapsed == pytest.approx(number * (1 + plant) * 1e-3, rel=1e-3)


def test_the_fraction_left_over_is_a_wait_of_that_fraction_of_a_call():
    clock, log = FakeClock(), []
    call = timing.Call(counting(clock, 1e-5, log), (), clock, plant=0.1)
    assert call.sample(1) == pytest.approx(1.1e-5, rel=1e-2)
    assert len(log) == 1  # a tenth of a call cannot be called: it is waited


def test_a_mutating_kernels_extra_calls_get_fresh_copies_too():
    clock, seen = FakeClock(), []

    def scale(Z):
        seen.append(Z[0])
        Z *= 2

    Z = np.ones(3)
    timing.Call(scale, (Z,), clock, mutates=True, args_bytes=Z.nbytes, plant=0.5).sample(4)
    assert seen == [1.0] * 6 and Z[0] == 1.0


def test_a_plant_out_of_range_is_refused():
    with pytest.raises(ValueError, match="between 0"):
        timing.Call(len, ((),), FakeClock(), plant=-0.1)


def test_a_planted_tier_is_slower_by_its_fraction_and_says_so(monkeypatch):
    clock = FakeClock()
    cost = {"python": lambda n: 1e-4, "numpy": lambda n: 1e-4, "numba": lambda n: 1e-4}
    kernel = fake_kernel(clock, cost, sizes=(10,))
    register(monkeypatch, kernel)
    settings = run.Settings(preset="quick", kernels=["fake"], plant={"numba": 0.25})
    records = {r["tier"]: r for r in run.Sweep(settings, clock, tick=0.0).run([kernel])}
    assert records["numba"]["planted"] == 0.25 and "planted" not in records["numpy"]
    ratio = records["numba"]["stats"]["median"] / records["numpy"]["stats"]["median"]
    assert ratio == pytest.approx(1.25, rel=1e-2)
    command = settings.command()
    i = command.index("--plant-slowdown")
    assert command[i + 1] == "numba:0.25"  # the run's command repeats the plant


def test_all_plants_in_every_tier_and_a_tier_of_its_own_wins():
    settings = run.Settings(plant={"all": 0.05, "numpy": 0.25})
    assert settings.plant_of("numba") == 0.05 and settings.plant_of("numpy") == 0.25
    assert run.Settings().plant_of("numpy") == 0.0  # never on by default


@pytest.mark.parametrize("text,message", [
    ("numpy", "expected TIER:PCT"),
    ("bogus:5%", "unknown tier bogus"),
    ("numpy:0%", "more than 0%"),
    ("numpy:lots", "not a threshold"),
])
def test_a_bad_plant_is_one_line_and_exit_2(text, message, capsys, tmp_path):
    assert main(["run", "--quick", "--kernels", "dot", "--plant-slowdown", text, "--out",
                 str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.json").exists()


def test_compare_says_when_a_run_has_a_planted_slowdown(tmp_path, capsys):
    doc_b = a_run(scale=1.25)
    doc_b["settings"]["plant"] = {"all": 0.25}
    a, b = saved(tmp_path, a_run(), "a.json"), saved(tmp_path, doc_b, "b.json")
    assert main(["compare", str(a), str(b)]) == 1
    assert "B has a planted slowdown (all +25%)" in capsys.readouterr().out
