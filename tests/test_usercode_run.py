"""``vecbench run --impl PATH``: a learner's matching functions timed as one more tier.

The runs are tiny (the quick ladder, three sizes, of a few kernels): these
tests check what is timed, on which arguments, and what is recorded and
reported, never how fast anything is.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from impls.registry import nbytes
from vecbench import UsageError, usercode
from vecbench.cli import main
from vecbench.measure import check
from vecbench.show import report
from vecbench.usercode.forms import FORMS

LEARNER = Path(__file__).parent / "learner"
KERNELS = ["sigmoid", "propagate", "L_model_backward", "update_parameters"]


@pytest.fixture(scope="module")
def correct_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("impl") / "run.json"
    status = main(["run", "--impl", str(LEARNER / "course_correct.py"), "--quick", "--kernels", *KERNELS,
                   "--out", str(out)])
    return status, json.loads(out.read_text())


def test_matching_functions_are_timed_beside_every_builtin_tier(correct_run):
    status, doc = correct_run
    assert status == 0
    assert doc["settings"]["impl"] == {"course_correct": str(LEARNER / "course_correct.py")}
    assert "--impl" in doc["command"]
    mine = [r for r in doc["records"] if r["tier"] == "course_correct"]
    assert {r["kernel"] for r in mine} == set(KERNELS)
    for r in mine:
        assert r["status"] == "ok" and r["verdict"]["ok"] and r["stats"]["median"] > 0
        assert {"speedup_vs_python", "speedup_vs_numpy", "speedup_vs_numba"} <= set(r)
        tiers_there = {x["tier"] for x in doc["records"] if x["kernel"] == r["kernel"] and x["n"] == r["n"]}
        assert {"python", "numpy", "numba", "course_correct"} <= tiers_there
    impl = doc["impl"]["course_correct"]
    assert set(KERNELS) <= set(impl["timed"])
    assert all(v["status"] == "matches" for v in impl["verdicts"])


def test_the_shallow_update_runs_on_its_own_two_layer_ladder():
    ns = {"__name__": "learner"}
    exec("def update_parameters(parameters, grads, learning_rate=1.2):\n"
         "    return {k: parameters[k] - learning_rate * grads['d' + k] for k in parameters}\n", ns)
    kernels, [verdict] = [(k, [v for v in vs if v.status != "not found"])
                          for k, vs in [usercode.user_kernels(ns, "mine")]][0]
    assert verdict.status == "matches" and verdict.form.startswith("week 3")
    [kernel] = kernels
    assert kernel.name == usercode.tier.SHALLOW_UPDATE
    for n in kernel.sizes["quick"]:
        args = kernel.inputs(n, 0, np.float64)
        assert [W.shape for W, _ in args[0]] == [(n, 2), (1, n)]
        assert check.gate(kernel, args, ["mine", "numba"], label=f"n={n}")["mine"].ok


def test_the_report_names_your_tier_its_verdicts_and_its_speed_up_over_numba(correct_run):
    _, doc = correct_run
    headers, rows = report.summary_rows(doc)
    tiers = [h for h in headers[2:] if " vs " not in h]
    assert tiers[-1] == "course_correct" and headers[-1] == "course_correct vs numba"
    blocks, _ = report.page_blocks(doc, "run.json")
    assert ("h2", f"Your code: {LEARNER / 'course_correct.py'} as tier course_correct") in blocks
    tables = [b for b in blocks if b[0] == "table" and b[1][:2] == ["function", "verdict"]]
    assert tables and {row[0] for row in tables[0][2]} >= {"sigmoid", "propagate", "L_model_backward"}


def test_a_function_that_does_not_match_is_never_timed_and_the_run_says_why(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["run", "--impl", str(LEARNER / "slips.py"), "--quick", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    verdicts = {v["name"]: v for v in doc["impl"]["slips"]["verdicts"]}
    timed = {r["kernel"] for r in doc["records"] if r["tier"] == "slips"}
    matched = {v["kernel"] for v in verdicts.values() if v["status"] == "matches"}
    assert timed == matched and timed  # one slip-free function is left
    assert "softmax" not in timed and "L_model_backward" not in timed
    assert set(doc["settings"]["kernels"]) == timed  # without --kernels, only the kernels it matched
    err = capsys.readouterr().err
    assert "not timed: softmax: unstable: NaN or inf" in err
    assert "not timed: L_model_backward: crashed: raised ValueError" in err
    why = [b for b in report.page_blocks(doc, "run.json")[0] if b[0] == "table" and b[1][0] == "function"]
    assert any(row[0] == "softmax" and "NaN or inf" in row[4] for row in why[0][2])


def _course_arguments(found, args):
    """What the learner's function was given when the gate called the adapter with ``args``."""
    seen = []

    def spy(*a):
        seen.append(a)
        return found.fn(*a)
    found.form_spec.adapt(spy)(*check.snapshot(args))
    return seen[0]


@pytest.mark.parametrize("name", [n for n, forms in FORMS.items() if any(f.week != "vecbench" for f in forms)])
def test_timing_gives_the_learner_the_arguments_the_gate_gave_it(name):
    """``Adapted.timed``: the learner's own function on the course-form arguments, built once, nothing else."""
    ns = usercode.load(LEARNER / "course_correct.py")
    [found] = [f for f in usercode.find(ns) if f.name == name]
    kernel = usercode.with_tier(found, "mine")
    args = kernel.inputs(kernel.sizes["quick"][0], 0, np.float64)
    fn, course = kernel.tiers["mine"].timed(*check.snapshot(args))
    assert fn is found.fn
    given = _course_arguments(found, args)
    assert _structure(course) == _structure(given)
    assert nbytes(list(course)) == nbytes(list(given))


def _structure(obj):
    if isinstance(obj, dict):
        return {k: _structure(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return type(obj)(_structure(o) for o in obj)
    if isinstance(obj, np.ndarray):
        return ("array", obj.shape, obj.dtype.str)
    return type(obj).__name__


def test_tier_names_come_from_the_file_and_may_not_shadow_a_builtin_tier(tmp_path):
    assert usercode.tier_name("notebooks/Week 4 - Deep.ipynb") == "week_4_deep"
    assert usercode.tier_name("/x/week2.py") == "week2"
    with pytest.raises(UsageError, match="built-in tier"):
        usercode.tier_name(tmp_path / "numba.py")


@pytest.mark.parametrize("make,code,message", [
    (lambda d: d / "missing.py", 2, "no such file"),
    (lambda d: _write(d / "numpy.py", "def sigmoid(x):\n    return x\n"), 2, "which is a built-in tier"),
    (lambda d: _write(d / "allwrong.py", "def sigmoid(x):\n    return x\n"), 1, "nothing of yours to time"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, make, code, message):
    out = tmp_path / "run.json"
    assert main(["run", "--impl", str(make(tmp_path)), "--quick", "--out", str(out)]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert message in err[-1] and "Traceback" not in "\n".join(err)
    assert not out.exists()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
