"""The notebook API (``import vecbench as vb``): the CLI's verdicts as objects, and
``vb.compare`` checking any functions against a reference before timing them.

Timings are asserted on structure only (a median, samples, calls per sample),
never on their ratios: the machine is shared.
"""

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import vecbench as vb
from vecbench import UsageError, usercode
from vecbench.cli import main
from vecbench.measure import timing

LEARNER = Path(__file__).parent / "learner"


@pytest.fixture(scope="module")
def correct():
    return usercode.load(LEARNER / "course_correct.py")


@pytest.fixture(scope="module")
def slips():
    return usercode.load(LEARNER / "slips.py")


class Counted:
    """A function that counts its calls."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args)


def square_loops(x):
    return [v * v for v in x]


def square_numpy(x):
    return list(np.asarray(x) ** 2)


def vector(n):
    return [float(i % 7) - 3.0 for i in range(n)]


# --- vb.check, vb.check_module -------------------------------------------------------------

def test_check_judges_a_function_under_the_course_name_it_is_given(correct):
    my_propagate = correct["propagate"]
    result = vb.check(lambda w, b, X, Y: my_propagate(w, b, X, Y), "propagate")  # __name__ "<lambda>"
    assert result.ok and len(result) == 1
    verdict = result["propagate"]
    assert verdict is result[0] and list(result) == [verdict]
    assert verdict.status == "matches" and verdict.gradients >= 1
    assert str(result).splitlines()[0] == verdict.lines()[0]
    assert str(result).startswith("propagate: matches (week 2 logistic regression form: propagate(w, b, X, Y)")


def test_check_reports_a_planted_slip_in_text_html_and_dict(slips):
    result = vb.check(slips["propagate"], "propagate")
    assert not result.ok
    assert result["propagate"].status == "wrong"
    text = repr(result)
    assert "cost is an array of shape (1, 1), expected a number" in text
    assert text.splitlines()[-1] == "1 function(s) wrong or crashed (1 wrong)"
    page = result._repr_html_()
    assert "<table" in page and "<td style=\"text-align:left\">wrong</td>" in page
    assert "-&gt; (grads, cost)" in page and "-> (grads" not in page  # escaped
    assert json.loads(json.dumps(result.to_dict()))["verdicts"][0]["status"] == "wrong"


def test_check_module_prints_the_same_lines_as_the_cli(slips, capsys):
    result = vb.check_module(slips)
    assert main(["check", "--impl", str(LEARNER / "slips.py")]) == 1
    cli = capsys.readouterr().out.splitlines()
    assert cli[0].startswith("checking ") and cli[1:] == result.lines()
    assert not result.ok and {v.status for v in result} >= {"wrong", "crashed", "unstable", "not found"}


def test_check_module_takes_a_notebooks_globals_and_skips_imported_helpers():
    namespace = {"__name__": "__main__"}  # a notebook's: its functions' __module__ is "__main__"
    exec(textwrap.dedent("""
        import numpy as np
        from impls.relu import relu_numpy as relu

        def sigmoid(z):
            return 0.5 * (1 + np.tanh(0.5 * z))

        def compute_cost(AL, Y):
            m = Y.shape[1]
            return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)
    """), namespace)
    result = vb.check_module(namespace)
    assert result["sigmoid"].status == "matches"
    assert result["compute_cost"].status in ("wrong", "unstable")
    assert result["relu"].status == "not found" and "imported from impls" in result["relu"].detail[0]
    assert "not found: " in str(result) and "relu (imported from impls" in str(result)
    assert "imported from impls" in result._repr_html_()


@pytest.mark.parametrize("call,error,phrase", [
    (lambda: vb.check(3, "sigmoid"), TypeError, "check needs a function"),
    (lambda: vb.check(np.exp, "sigmoids"), ValueError, "it looks for sigmoid,"),
    (lambda: vb.check(lambda a, b, c, d, e, f: a, "sigmoid"), UsageError, "fits no form of sigmoid"),
    (lambda: vb.check_module({"__name__": "__main__"}), UsageError, "no course function found"),
    (lambda: vb.check_module([]), TypeError, "namespace such as globals()"),
    (lambda: vb.check(np.exp, "sigmoid", dtypes="float16"), ValueError, "dtypes must be among float64, float32"),
    (lambda: vb.check_module({}, preset="huge"), ValueError, "unknown preset 'huge'"),
    (lambda: vb.compare({}, vector, [10]), ValueError, "non-empty dict"),
    (lambda: vb.compare({"a": 1}, vector, [10]), TypeError, "funcs['a'] is a int"),
    (lambda: vb.compare({"a": len}, 5, [10]), TypeError, "setup must be a function"),
    (lambda: vb.compare({"a": len}, vector, []), ValueError, "one or more whole numbers > 0"),
    (lambda: vb.compare({"a": len}, vector, [10, 0]), ValueError, "one or more whole numbers > 0"),
    (lambda: vb.compare({"a": len}, vector, [-3]), ValueError, "one or more whole numbers > 0"),
    (lambda: vb.compare({"a": len}, vector, [1.5]), ValueError, "one or more whole numbers > 0"),
    (lambda: vb.compare({"a": len}, lambda n: 1 / 0, [10]), ValueError, "setup(10) raised ZeroDivisionError"),
    (lambda: vb.compare({"a": len}, vector, [10], reference="b"), ValueError, "reference 'b' is not one of"),
    (lambda: vb.compare({"a": len}, lambda n: (i for i in range(n)), [10]), ValueError, "cannot be copied"),
    (lambda: vb.compare({"a": len}, vector, [10], preset="fast"), ValueError, "unknown preset 'fast'"),
])
def test_bad_input_is_one_sentence(call, error, phrase):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert phrase in message and "\n" not in message


# --- vb.compare -----------------------------------------------------------------------------

def test_compare_never_times_a_function_that_disagrees_raises_or_changes_its_input():
    def off_by_one(x):
        return [v * v + (i == 3) for i, v in enumerate(x)]

    def raises(x):
        raise RuntimeError("no <luck>")

    def in_place(x):
        x[0] = 99.0
        return [v * v for v in x]

    wrong, crash, mutating = Counted(off_by_one), Counted(raises), Counted(in_place)
    result = vb.compare({"loops": square_loops, "wrong": wrong, "crash": crash, "mutating": mutating},
                        setup=vector, sizes=[8, 16])
    assert (wrong.calls, crash.calls, mutating.calls) == (2, 2, 2)  # the one checking call per size
    assert not result.ok
    by = {(r["tier"], r["n"]): r for r in result.records}
    for n in (8, 16):
        assert by["wrong", n]["status"] == "failed" and "stats" not in by["wrong", n]
        assert by["crash", n]["status"] == "error" and "stats" not in by["crash", n]
        assert by["mutating", n]["status"] == "failed" and "changed its input in place" in by["mutating", n]["reason"]
    assert "differs from loops: largest error" in by["wrong", 8]["reason"]
    text = str(result)
    assert "wrong at n=8 (and 1 larger size): differs from loops" in text
    assert "crash at n=8 (and 1 larger size): raised RuntimeError: no <luck>; not timed" in text
    assert "no &lt;luck&gt;" in result._repr_html_() and "<luck>" not in result._repr_html_()


def test_compare_times_the_functions_that_agree_with_the_runners_core():
    result = vb.compare({"loops": square_loops, "<numpy>": square_numpy}, setup=vector, sizes=[200, 50])
    assert result.sizes == [50, 200] and result.reference == "loops" and result.ok
    plan = timing.PLANS["quick"]
    assert [(r["tier"], r["n"]) for r in result.records] == [("loops", 50), ("<numpy>", 50), ("loops", 200),
                                                                ("<numpy>", 200)]
    for r in result.records:
        assert r["status"] == "ok" and r["stats"]["median"] > 0 and r["number"] >= 1
        assert plan.min_repeat <= len(r["samples"]) <= plan.max_repeat
        assert r["stats"]["q1"] <= r["stats"]["median"] <= r["stats"]["q3"]
        assert r["speedup_vs_loops"] > 0
    headers, rows = result.table()
    assert headers == ["n", "loops", "<numpy>", "<numpy> vs loops"]
    assert [row[0] for row in rows] == ["50", "200"] and all("±" in c for row in rows for c in row[1:3])
    assert all(row[3].endswith("×") for row in rows)
    assert "&lt;numpy&gt; vs loops" in result._repr_html_()
    assert str(result).splitlines()[1].split() == ["n", "loops", "<numpy>", "<numpy>", "vs", "loops"]
    assert json.loads(json.dumps(result.to_dict()))["records"][0]["tier"] == "loops"


def test_compare_skips_a_call_over_budget_and_predicts_the_larger_sizes_without_calling():
    def slow(x):  # fast below n=100, where the prediction lets it be called; 20 ms from there
        time.sleep(0.02 if len(x) >= 100 else 1e-4)
        return square_loops(x)

    counted = Counted(slow)
    result = vb.compare({"loops": square_loops, "slow": counted}, setup=vector, sizes=[5, 10, 100], budget=0.01)
    by = {(r["tier"], r["n"]): r for r in result.records}
    assert by["slow", 10]["status"] == "ok"
    assert by["slow", 100]["status"] == "skipped"
    assert "(best of two), over the 0.01 s budget" in by["slow", 100]["reason"]
    assert "stats" not in by["slow", 100] and by["slow", 100]["estimate"] >= 0.02
    counted.calls = 0
    again = vb.compare({"loops": square_loops, "slow": counted}, setup=vector, sizes=[100, 1000], budget=0.01)
    assert counted.calls == 2  # the check and the second reading at n=100; n=1000 is predicted, never called
    assert again.record("slow", 1000)["status"] == "skipped" and "predicted" in again.record("slow", 1000)["reason"]
    assert "not called" in str(again)


def test_a_reference_over_budget_hands_the_check_to_a_function_that_agreed_with_it():
    def slow_loops(x):
        time.sleep(0.02 if len(x) >= 100 else 1e-4)
        return square_loops(x)

    wrong = Counted(lambda x: [v for v in x])
    result = vb.compare({"loops": slow_loops, "numpy": square_numpy, "wrong": wrong}, setup=vector,
                        sizes=[10, 100, 1000], budget=0.01)
    assert result.record("loops", 1000)["status"] == "skipped"
    stand_in = result.record("numpy", 1000)
    assert stand_in["status"] == "ok" and stand_in["stats"]["median"] > 0
    assert "the reference here (loops was over the budget" in stand_in["reason"]
    assert result.record("wrong", 1000)["status"] == "failed" and "differs from numpy" in \
        result.record("wrong", 1000)["reason"]
    assert result.table()[1][-1][4].startswith("≈")  # numpy vs loops from loops' predicted time


def test_check_takes_one_dtype_by_name(slips):
    result = vb.check(slips["softmax"], "softmax", dtypes="float32")
    assert result.dtypes == ("float32",) and result[0].status == "unstable"
    assert "; float32)" in result[0].detail[0] and "reference (float32)" in result._repr_html_()


def test_compare_takes_a_custom_equality_and_single_arguments_or_tuples():
    result = vb.compare({"a": lambda x, k: x * k, "b": lambda x, k: x * k + 1e-3}, setup=lambda n: (float(n), 2),
                        sizes=[3], equal=lambda out, ref: abs(out - ref) < 1e-2)
    assert {r["status"] for r in result.records} == {"ok"}
    assert "by the given equal()" in str(result)
    strict = vb.compare({"a": lambda x, k: x * k, "b": lambda x, k: x * k + 1e-3}, setup=lambda n: (float(n), 2),
                        sizes=[3])
    assert strict.record("b", 3)["status"] == "failed"


def test_structure_differences_are_named():
    result = vb.compare({"array": lambda x: np.asarray(x).reshape(-1, 1), "flat": lambda x: np.asarray(x),
                         "list": lambda x: list(x)}, setup=vector, sizes=[4])
    assert "shape (4,), expected (4, 1)" in result.record("flat", 4)["reason"]
    assert "returned list, expected ndarray" in result.record("list", 4)["reason"]
    grads = vb.compare({"dict": lambda x: {"dw": np.asarray(x)}, "keys": lambda x: {"dW": np.asarray(x)},
                        "array": lambda x: np.asarray(x)}, setup=vector, sizes=[4])
    assert "keys ['dW'], expected ['dw']" in grads.record("keys", 4)["reason"]
    assert "returned ndarray, expected dict" in grads.record("array", 4)["reason"]


def test_plot_is_a_figure_with_a_line_per_function_that_shows_inline():
    result = vb.compare({"loops": square_loops, "numpy": square_numpy, "wrong": lambda x: x},
                        setup=vector, sizes=[10, 40])
    fig = result.plot()
    assert isinstance(fig, Figure)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "loops" in labels and "numpy" in labels
    assert any(label.startswith("wrong (failed the gate at n=10, 40)") for label in labels)
    line = next(h for h, label in zip(*fig.axes[0].get_legend_handles_labels()) if label == "numpy")
    assert list(line.lines[0].get_xdata()) == [10, 40]
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_import_vecbench_loads_neither_the_api_nor_matplotlib_and_the_cli_not_the_api():
    code = ("import sys, vecbench; plots = 'matplotlib' in sys.modules; import vecbench.cli; "
            "print(plots, 'vecbench.notebook' in sys.modules, callable(vecbench.compare))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "True"]


def test_plot_never_touches_pyplot():
    code = ("import sys, vecbench as vb; fig = vb.compare({'len': len}, lambda n: [0] * n, [3]).plot(); "
            "fig._repr_png_(); print('matplotlib.figure' in sys.modules, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]


# --- vb.bench -------------------------------------------------------------------------------

def test_bench_times_a_matching_function_beside_its_kernels_tiers(correct):
    result = vb.bench(correct["relu"], "relu", sizes=[4, 16], tiers=["python", "numpy"])
    assert result.timed and result.ok and result.verdict.status == "matches"
    assert sorted((r["tier"], r["n"]) for r in result.records) == [
        ("numpy", 4), ("numpy", 16), ("python", 4), ("python", 16), ("yours", 4), ("yours", 16)]
    for r in result.records:
        assert r["status"] == "ok" and r["stats"]["median"] > 0 and r["verdict"]["ok"]
    assert all(r["speedup_vs_python"] > 0 and r["speedup_vs_numpy"] > 0 for r in result.records if r["tier"] == "yours")
    headers, rows = result.table()
    assert headers == ["n", "python", "numpy", "yours", "yours vs python", "yours vs numpy"]
    assert [row[0] for row in rows] == ["4", "16"]
    text = str(result)
    assert text.startswith("relu as tier yours of kernel relu: median time per call")
    assert "relu: matches (week 4 helper form: relu(Z) -> (A, cache))" in text
    assert "<th style=\"text-align:right\">yours vs numpy</th>" in result._repr_html_()
    labels = result.plot().axes[0].get_legend_handles_labels()[1]
    assert labels == ["python", "numpy", "yours"]
    assert json.loads(json.dumps(result.to_dict()))["run"]["settings"]["impl"] == {"yours": "relu (vb.bench)"}


def test_bench_never_times_a_function_that_does_not_match(slips):
    calls = []

    def linear_forward(A, W, b):
        calls.append(A.shape)
        return slips["linear_forward"](A, W, b)

    result = vb.bench(linear_forward, "linear_forward")
    checking = len(calls)
    assert not result.timed and not result.ok and result.records == [] and result.verdict.status == "crashed"
    assert str(result).startswith("linear_forward was not timed: its verdict is crashed, and only a function")
    assert "raised ValueError" in str(result) and "raised ValueError" in result._repr_html_()
    calls.clear()
    vb.check(linear_forward, "linear_forward")
    assert checking == len(calls)  # bench called it only as the check does
    with pytest.raises(ValueError, match="nothing to plot"):
        result.plot()


@pytest.mark.parametrize("kwargs,error,phrase", [
    ({"fn": None}, TypeError, "bench needs a function"),
    ({"name": "relus"}, ValueError, "it looks for sigmoid,"),
    ({"sizes": [0]}, ValueError, "whole numbers > 0"),
    ({"dtype": "int8"}, ValueError, "dtype must be one of float64, float32"),
    ({"tiers": ["numbaa"]}, ValueError, "relu has no tier 'numbaa'; its tiers are python, numpy, numba"),
])
def test_bench_bad_input_is_one_sentence(correct, kwargs, error, phrase):
    args = {"fn": correct["relu"], "name": "relu", **kwargs}
    with pytest.raises(error) as info:
        vb.bench(args.pop("fn"), args.pop("name"), **args)
    assert phrase in str(info.value) and "\n" not in str(info.value)
