"""The command line: one-line errors, exit codes, the check matrix."""

import json

import pytest

import impls
from vecbench.cli import main


def test_check_of_one_kernel_passes_and_prints_the_matrix(capsys):
    assert main(["check", "dot", "--tier", "numba", "--dtype", "float64"]) == 0
    out = capsys.readouterr().out
    assert "dot" in out and "matched" in out


def test_check_json_lists_every_verdict(capsys):
    assert main(["check", "sigmoid", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True
    assert {v["tier"] for v in doc["verdicts"]} == set(impls.KERNELS["sigmoid"].tiers)
    assert {v["dtype"] for v in doc["verdicts"]} == {"float64", "float32"}


def test_check_exits_1_when_a_tier_mismatches(capsys, monkeypatch):
    spec = impls.KERNELS["dot"]
    monkeypatch.setitem(spec.tiers, "python", lambda x1, x2: 2 * impls.call("dot", "numpy", x1, x2))
    assert main(["check", "dot", "--tier", "python", "--dtype", "float64"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["check", "nope"], "unknown kernel nope; choose from: dot"),
    (["check", "dot", "--tier", "cuda"], "unknown tier cuda; choose from: python"),
    (["check", "--dtype", "float16"], "invalid choice"),
    ([], "a command is required"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_usage_is_one_line_and_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_list_shows_every_kernel(capsys):
    assert main(["list", "--json"]) == 0
    assert [k["name"] for k in json.loads(capsys.readouterr().out)] == list(impls.KERNELS)


def test_check_of_an_extra_tier_skips_kernels_without_it(capsys):
    extra = next(t for t in impls.TIERS if t not in impls.CORE_TIERS)
    with_it = [k.name for k in impls.KERNELS.values() if extra in k.tiers]
    without = next(k.name for k in impls.KERNELS.values() if extra not in k.tiers)
    assert main(["check", with_it[0], without, "--tier", extra, "--dtype", "float64", "--json"]) == 0
    verdicts = json.loads(capsys.readouterr().out)["verdicts"]
    assert {(v["kernel"], v["tier"]) for v in verdicts} == {(with_it[0], extra)}
