"""Training iterations as runner workloads: gated like kernels, timed by the
sweep, selectable in `vecbench run`, shown by the report."""

import numpy as np
import pytest

import impls
from tests.conftest import DTYPES
from vecbench import UsageError
from vecbench.cli import main
from vecbench.measure import check, results
from vecbench.training import workloads

WORKLOADS = {w.name: w for w in workloads.workloads()}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(WORKLOADS))
def test_every_tier_passes_the_gate_on_one_iteration(name, dtype):
    spec = WORKLOADS[name]
    n = spec.sizes["quick"][0]
    cases = [(f"n={n}", spec.inputs(n, seed=2, dtype=dtype)), *spec.edge_inputs(np.dtype(dtype))]
    verdicts = [v for label, args in cases for v in check.gate(spec, args, label=label).values()]
    failed = [f"{v.tier} {v.inputs}: {v.reason}" for v in verdicts if not v.ok]
    assert not failed, "\n".join(failed)
    assert {v.tier for v in verdicts} == set(spec.tiers) >= set(impls.CORE_TIERS)


def test_a_tier_that_trains_differently_fails_the_gate(monkeypatch):
    spec = WORKLOADS["train-logreg"]
    tiers = impls.KERNELS["propagate"].tiers
    honest = tiers["numpy"]

    def propagate_with_a_slip(w, b, X, Y):
        dw, db, cost = honest(w, b, X, Y)
        return dw * 1.001, db, cost

    monkeypatch.setitem(tiers, "python", propagate_with_a_slip)
    spec = workloads.workload("logreg")  # built after the patch: its tiers resolve kernels once
    verdict = check.gate(spec, spec.inputs(4), ["python"])["python"]
    assert not verdict.ok and "tolerance" in verdict.reason


def test_cost_model_is_the_sum_of_the_kernels_an_iteration_calls():
    spec = WORKLOADS["train-logreg"]
    X, Y, [(w, b)], learning_rate = args = spec.inputs(3)
    dw, db, _ = impls.call("propagate", "numpy", w, b, X, Y)
    update = ([(w.T, np.full((1, 1), b))], [(dw.T, np.full((1, 1), db))], learning_rate)
    for cost in ("flops", "bytes_moved"):
        expected = getattr(impls.KERNELS["propagate"], cost)((w, b, X, Y)) + \
            getattr(impls.KERNELS["update_parameters"], cost)(update)
        assert getattr(spec, cost)(args) == pytest.approx(expected)
    assert spec.reduction(args) == X.shape[0]


def test_workloads_run_at_the_course_widths():
    X, Y, params, learning_rate = WORKLOADS["train-deep"].inputs(3)
    assert X.shape == (12288, 3) and Y.shape == (1, 3) and X.flags.f_contiguous
    assert [W.shape for W, _ in params] == [(20, 12288), (7, 20), (5, 7), (1, 5)]
    assert learning_rate == 0.0075
    assert WORKLOADS["train-deep"].sizes["default"][-1] == 209  # the course's training images
    X, _, params, _ = WORKLOADS["train-shallow"].inputs(40)
    assert X.shape == (2, 40) and [W.shape for W, _ in params] == [(4, 2), (1, 4)]


def test_resolve_names_kernels_and_workloads_and_can_leave_training_out():
    assert [k.name for k in workloads.resolve(["dot", "train-deep"])] == ["dot", "train-deep"]
    every = [k.name for k in workloads.resolve(None)]
    assert set(WORKLOADS) <= set(every) and set(impls.KERNELS) <= set(every)
    assert [k.name for k in workloads.resolve(None, training=False)] == list(impls.KERNELS)
    with pytest.raises(UsageError, match="unknown kernel train-svm; choose from: .*train-logreg"):
        workloads.resolve(["train-svm"])


def test_vecbench_run_records_training_iterations_and_the_report_explains_them(tmp_path, capsys):
    out = tmp_path / "run.json"
    argv = ["run", "--kernels", "train-logreg", "train-shallow", "--sizes", "2", "8", "--quick",
            "--threads", "1", "--out", str(out)]
    assert main(argv) == 0
    doc = results.load(out)
    assert {(r["kernel"], r["n"]) for r in doc["records"]} == {
        (k, n) for k in ("train-logreg", "train-shallow") for n in (2, 8)}
    timed = [r for r in doc["records"] if r["status"] == "ok"]
    assert {r["tier"] for r in timed} >= {"numpy", "numba"}
    assert all(r["verdict"]["ok"] and r["stats"]["median"] > 0 and r["flops"] > 0 for r in timed)
    assert main(["report", str(out), "--format", "md", "--out", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "report.md").read_text()
    assert "one whole training iteration" in page and "time-train-logreg.png" in page
