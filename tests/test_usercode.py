"""A learner's own course functions: found by name and form, judged, one verdict each.

The fixtures under tests/learner are course-style code: correct code (a .py
and a notebook with cells that must not run), planted slips, a too-slow loop.
"""

import json
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from vecbench import UsageError, usercode
from vecbench.cli import main

LEARNER = Path(__file__).parent / "learner"


@pytest.fixture(scope="module")
def correct():
    return {v.name: v for v in usercode.check_namespace(usercode.load(LEARNER / "course_correct.py"))}


@pytest.fixture(scope="module")
def slips():
    return {v.name: v for v in usercode.check_namespace(usercode.load(LEARNER / "slips.py"))}


def namespace(source: str) -> dict:
    ns = {"__name__": "learner"}
    exec(textwrap.dedent(source), ns)
    return ns


def test_correct_course_code_matches_for_every_course_name(correct):
    assert set(correct) == set(usercode.COURSE_NAMES)
    assert {n: v.status for n, v in correct.items() if v.status != "matches"} == {}
    assert all(v.ok and v.checked >= 8 for v in correct.values())
    assert correct["L_model_backward"].gradients >= 2  # the ladder and the deep edge networks


def test_notebook_runs_only_its_definitions(capsys):
    ns = usercode.load(LEARNER / "course_correct.ipynb")
    assert "TRAINED" not in ns and "costs" not in ns  # the training and plotting cells never ran
    assert all(v.status == "matches" for v in usercode.check_namespace(ns))
    assert main(["check", "--impl", str(LEARNER / "course_correct.ipynb")]) == 0
    out = capsys.readouterr().out
    assert "only the imports and the function and class definitions were run" in out


@pytest.mark.parametrize("name,status,phrases", [
    ("softmax", "unstable", ["NaN or inf", "+1000", "overflow"]),
    ("normalizeRows", "unstable", ["a zero row among others", "invalid value"]),
    ("compute_cost", "unstable", ["exactly 0 and 1", "log"]),
    ("relu_backward", "wrong", ["dZ differs from the reference", "is tolerated"]),
    ("sigmoid_backward", "wrong", ["dZ differs"]),
    ("linear_backward", "wrong", ["db: shape (1, 1), expected (3, 1)"]),
    ("propagate", "wrong", ["cost is an array of shape (1, 1), expected a number"]),
    ("sigmoid_derivative", "wrong", ["changed its input x in place"]),
    ("update_parameters", "wrong", ["differs from the reference"]),
    ("image2vector", "wrong", ["v differs"]),
    ("L1", "wrong", ["errors of both signs"]),
    ("linear_forward", "crashed", ["ValueError", "line", "no examples (m=0)", "(3, 5)"]),
    ("L_model_backward", "crashed", ["ValueError", "dZ = np.where", "one example (m=1)"]),
    ("linear_activation_backward", "matches", []),
])
def test_planted_slip_gets_its_verdict(slips, name, status, phrases):
    verdict = slips[name]
    text = str(verdict)
    assert verdict.status == status, text
    for phrase in phrases:
        assert phrase in text
    assert verdict.ok == (status not in ("wrong", "crashed"))


def test_reused_layer_gradient_shows_as_wrong_values_on_equal_widths(slips):
    notes = " ".join(slips["L_model_backward"].notes)
    assert "also wrong" in notes and "equal widths" in notes and "db1" in notes


def test_slips_exit_1_and_name_each_function(capsys):
    assert main(["check", "--impl", str(LEARNER / "slips.py")]) == 1
    out = capsys.readouterr().out
    assert "softmax: unstable" in out and "relu_backward: wrong" in out and "L_model_backward: crashed" in out
    assert "not found: sigmoid, relu" in out


def test_too_slow_is_reported_and_the_run_goes_on():
    verdicts = {v.name: v for v in usercode.check_namespace(usercode.load(LEARNER / "slow.py"), time_limit=0.3)}
    assert verdicts["sigmoid_derivative"].status == "too slow"
    assert "more than 0.3 s" in str(verdicts["sigmoid_derivative"])
    assert verdicts["L1"].status == "matches"


def test_update_in_place_is_a_note_where_the_course_allows_it():
    ns = namespace("""
        def update_parameters(parameters, grads, learning_rate):
            for l in range(1, len(parameters) // 2 + 1):
                parameters["W" + str(l)] -= learning_rate * grads["dW" + str(l)]
                parameters["b" + str(l)] -= learning_rate * grads["db" + str(l)]
            return parameters
    """)
    (verdict,) = [v for v in usercode.check_namespace(ns) if v.name == "update_parameters"]
    assert verdict.status == "matches"
    assert any("in place" in n for n in verdict.notes)


def test_in_place_elsewhere_is_wrong():
    ns = namespace("""
        def relu_backward(dA, cache):
            dA[cache <= 0] = 0
            return dA
    """)
    (verdict,) = [v for v in usercode.check_namespace(ns) if v.name == "relu_backward"]
    assert verdict.status == "wrong" and "changed its input dA in place" in str(verdict)


@pytest.mark.parametrize("source,name,form", [
    ("def predict(w, b, X):\n    return (1 / (1 + np.exp(-(w.T @ X + b))) > 0.5).astype(float)",
     "predict", "week 2 logistic regression form"),
    ("def predict(parameters, X):\n    return forward(parameters, X) > 0.5", "predict", "week 3 shallow network form"),
    ("def compute_cost(A2, Y):\n    return 0.0", "compute_cost", "week 3 form: compute_cost(A2, Y)"),
    ("def compute_cost(A2, Y, parameters):\n    return 0.0", "compute_cost", "week 3 form: compute_cost(A2, Y, parameters)"),
    ("def compute_cost(AL, Y):\n    return 0.0", "compute_cost", "week 4 form"),
    ("def update_parameters(parameters, grads, learning_rate=1.2):\n    return parameters", "update_parameters",
     "week 3 shallow network form"),
    ("def sigmoid(x):\n    return 1 / (1 + np.exp(-x))", "sigmoid", "week 2 form"),
    ("def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z)), Z", "sigmoid", "week 4 helper form"),
    ("def normalize_rows(X):\n    return X", "normalize_rows", "vecbench form"),
])
def test_forms_are_told_apart_and_reported(source, name, form):
    ns = namespace("import numpy as np\n" + source)
    (found,) = [f for f in usercode.find(ns) if f.name == name]
    assert found.form.startswith(form)
    assert callable(found.tier_fn) and found.spec.name == found.kernel


def test_shallow_predict_form_judged_against_the_forward_pass():
    ns = namespace("""
        import numpy as np
        def predict(parameters, X):
            A1 = np.tanh(parameters["W1"] @ X + parameters["b1"])
            Z2 = parameters["W2"] @ A1 + parameters["b2"]
            return np.round(1 / (1 + np.exp(-np.clip(Z2, -500, 500))))
    """)
    (verdict,) = [v for v in usercode.check_namespace(ns) if v.name == "predict"]
    assert verdict.status == "matches", str(verdict)


def test_imported_helpers_are_not_judged_as_the_learners():
    ns = namespace("from impls.sigmoid import sigmoid_numpy as sigmoid\ndef L1(yhat, y):\n    return abs(y - yhat).sum()")
    found = {f.name: f for f in usercode.find(ns)}
    assert found["sigmoid"].missing and "imported from impls.sigmoid" in found["sigmoid"].skipped
    assert not found["L1"].missing


def test_json_has_one_verdict_per_name(capsys):
    assert main(["check", "--impl", str(LEARNER / "slips.py"), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert not doc["ok"] and {v["name"] for v in doc["verdicts"]} == set(usercode.COURSE_NAMES)
    assert {v["status"] for v in doc["verdicts"]} <= set(usercode.STATUSES)


# --- bad input: one line, exit 2, nothing on stdout -----------------------------------------

def _bad(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name,text,phrases", [
    ("missing.py", None, ["no such file"]),
    ("notes.txt", "just notes", ["not a Python file (.py) or a Jupyter notebook (.ipynb)"]),
    ("broken.ipynb", "{not json", ["not a Jupyter notebook"]),
    ("typo.py", "import numpy as np\n\ndef sigmoid(x)\n    return x\n", ["typo.py, line 3: syntax error"]),
    ("nothing.py", "def train(X):\n    return X\n", ["no course function found", "looked for sigmoid", "L_model_backward"]),
    ("odd.py", "def propagate(w, b):\n    return w\n", ["propagate(w, b) fits no form of propagate",
                                                        "propagate(w, b, X, Y) -> (grads, cost)"]),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, name, text, phrases):
    path = tmp_path / name if text is None else _bad(tmp_path, name, text)
    assert main(["check", "--impl", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    for phrase in phrases:
        assert phrase in captured.err


def test_notebook_syntax_error_names_cell_and_line(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# x"), nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_code_cell("%matplotlib inline\ndef softmax(x):\n    return x +\n")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(UsageError, match=r"nb.ipynb, code cell 2, line 3: syntax error"):
        usercode.load(path)


def test_notebook_imports_that_fail_are_skipped_and_noted(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from testCases_v4a import *\nimport numpy as np"),
                nbformat.v4.new_code_cell("def L2(yhat, y):\n    return np.sum((y - yhat) ** 2)")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    ns = usercode.load(path)
    assert "testCases_v4a" in ns[usercode.SKIPPED_IMPORTS][0]
    (verdict,) = [v for v in usercode.check_namespace(ns) if v.name == "L2"]
    assert verdict.status == "matches"


def test_a_missing_return_is_named_and_prints_do_not_reach_the_report(capsys):
    ns = namespace("""
        import numpy as np
        def softmax(x):
            print("debugging", x.shape)
            s = np.exp(x - x.max(axis=1, keepdims=True))
            s / s.sum(axis=1, keepdims=True)
    """)
    (verdict,) = [v for v in usercode.check_namespace(ns) if v.name == "softmax"]
    assert verdict.status == "wrong" and "returned None" in str(verdict)
    assert "debugging" not in capsys.readouterr().out


def test_course_style_function_reproduces_the_courses_published_gradients():
    # through the adapter: the course's caches ((A_prev, W, b), Z) and its grads dict
    from tests.test_course_published import CASES

    (found,) = [f for f in usercode.find(usercode.load(LEARNER / "course_correct.py")) if f.name == "L_model_backward"]
    _, args, expected, _ = CASES[0]
    for (dW, db), (dW_gold, db_gold) in zip(found.tier_fn(*args), expected, strict=True):
        np.testing.assert_allclose(dW, dW_gold, rtol=2e-7, atol=1e-8)
        np.testing.assert_allclose(db, db_gold, rtol=2e-7, atol=1e-8)


def test_impl_takes_no_kernel_names(capsys):
    assert main(["check", "sigmoid", "--impl", str(LEARNER / "slips.py")]) == 2
    assert "give no KERNEL or --tier" in capsys.readouterr().err
