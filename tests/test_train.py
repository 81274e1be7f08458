"""Whole training runs: every tier reaches the same model, training learns, and
with the course's own data the course's published results come out."""

import json
import os

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import impls
from vecbench.cli import main
from vecbench.training import data, train

MODELS = list(train.MODELS)


def tiers_of(name):
    """Tiers every kernel of model ``name`` has (the core tiers until they are registered)."""
    kernels = [impls.KERNELS[k] for k in train.MODELS[name].kernels if k in impls.KERNELS]
    if len(kernels) < len(train.MODELS[name].kernels):
        return list(impls.CORE_TIERS)
    return [t for t in impls.TIERS if all(t in k.tiers for k in kernels)]


#: (model, tier) for every tier compared against the reference tier.
COMPARED = [(m, t) for m in MODELS for t in tiers_of(m) if t != impls.REFERENCE_TIER]

#: Small learnable data per model, and options giving a few seconds of work at most.
SMALL = {
    "logreg": (lambda: data.synthetic_dataset("cat", 200, 100, px=8), dict(learning_rate=0.02)),
    "shallow": (lambda: data.synthetic_dataset("planar", 200, 100), dict(n_h=4)),
    "deep": (lambda: data.synthetic_dataset("cat", 200, 100, px=8), dict(layers=[192, 8, 4, 1], learning_rate=0.02)),
}


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """Training is timed and run single-threaded: on a shared machine extra BLAS
    threads only contend (and can slow NumPy down many times over)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def small_sets():
    return {name: make() for name, (make, _) in SMALL.items()}


@pytest.mark.parametrize("name,tier", COMPARED)
def test_tier_reaches_the_reference_tiers_costs_and_parameters(name, tier, small_sets):
    ds = small_sets[name]
    X, Y = ds.X_train[:, :40], ds.Y_train[:, :40]  # few columns: the python tier stays quick
    options = dict(SMALL[name][1], iterations=12)
    ref = train.train(name, impls.REFERENCE_TIER, X, Y, **options)
    mine = train.train(name, tier, X, Y, **options)
    assert [i for i, _ in mine.costs] == [i for i, _ in ref.costs]
    np.testing.assert_allclose([c for _, c in mine.costs], [c for _, c in ref.costs], rtol=1e-10)
    assert len(mine.params) == len(ref.params)
    for (W, b), (W_ref, b_ref) in zip(mine.params, ref.params):
        assert np.shape(W) == np.shape(W_ref) and np.shape(b) == np.shape(b_ref)
        np.testing.assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b, b_ref, rtol=1e-9, atol=1e-12)
    ref_pred = train.predict(name, impls.REFERENCE_TIER, ref.params, X)
    assert np.array_equal(train.predict(name, tier, mine.params, X), ref_pred)


@pytest.mark.parametrize("name", MODELS)
def test_training_drives_the_cost_down_and_separates_a_learnable_set(name, small_sets):
    ds = small_sets[name]
    run = train.train(name, "numpy", ds.X_train, ds.Y_train, iterations=1000, **SMALL[name][1])
    costs = [c for _, c in run.costs]
    assert costs[-1] < 0.5 * costs[0]
    assert all(later <= earlier + 1e-3 for earlier, later in zip(costs, costs[1:])), costs
    majority = 100 * max(ds.Y_test.mean(), 1 - ds.Y_test.mean())
    assert train.accuracy(name, "numpy", run.params, ds.X_train, ds.Y_train) >= 85
    assert train.accuracy(name, "numpy", run.params, ds.X_test, ds.Y_test) > majority + 5


def test_costs_are_recorded_every_100_iterations_and_at_the_last():
    ds = data.synthetic_dataset("cat", 20, 5, px=4)
    run = train.train("logreg", "numpy", ds.X_train, ds.Y_train, iterations=250)
    assert [i for i, _ in run.costs] == [0, 100, 200, 249]
    assert run.iterations_run == 250 and not run.truncated
    assert run.total_seconds == pytest.approx(sum(run.iteration_seconds))


def test_a_time_budget_stops_early_and_projects_the_whole_run():
    ds = data.synthetic_dataset("cat", 20, 5, px=4)
    run = train.train("logreg", "numpy", ds.X_train, ds.Y_train, iterations=5000, budget=1e-9)
    assert run.iterations_run == 1 and run.truncated
    assert run.costs == [(0, pytest.approx(np.log(2)))]
    assert run.projected_total_seconds == pytest.approx(5000 * run.first_iteration_seconds)


def test_initialization_follows_the_course():
    [(w, b)] = train.logreg_init([12288, 1], None)
    assert w.shape == (12288, 1) and not w.any() and b == 0.0
    (W1, b1), (W2, b2) = train.shallow_init([2, 4, 1], None)
    assert np.array_equal(W1, np.random.RandomState(2).randn(4, 2) * 0.01)
    assert W2.shape == (1, 4) and not b1.any() and b2.shape == (1, 1)
    deep = train.deep_init([12288, 20, 7, 5, 1], None)
    assert [W.shape for W, _ in deep] == [(20, 12288), (7, 20), (5, 7), (1, 5)]
    assert np.array_equal(deep[0][0], np.random.RandomState(1).randn(20, 12288) / np.sqrt(12288))
    assert all(b.shape == (W.shape[0], 1) and not b.any() for W, b in deep)


def test_shallow_network_on_the_course_flower_reproduces_the_course():
    # the course's planar_classification assignment: n_h = 4, 10000 iterations at 1.2
    ds = data.synthetic_dataset("planar")
    run = train.train("shallow", "numpy", ds.X_train, ds.Y_train)
    costs = dict(run.costs)
    assert costs[0] == pytest.approx(0.693048, abs=5e-7)
    assert costs[3000] == pytest.approx(0.233864, abs=5e-7)
    assert costs[6000] == pytest.approx(0.219731, abs=5e-7)
    assert train.accuracy("shallow", "numpy", run.params, ds.X_train, ds.Y_train) >= 90


def test_logistic_regression_on_the_course_files_reproduces_the_course(course_datasets):
    ds = data.load_dataset(course_datasets)
    run = train.train("logreg", "numpy", ds.X_train, ds.Y_train, iterations=2000, learning_rate=0.005)
    costs = dict(run.costs)
    assert costs[100] == pytest.approx(0.584508, abs=5e-7)
    assert costs[1900] == pytest.approx(0.140872, abs=5e-7)
    assert train.accuracy("logreg", "numpy", run.params, ds.X_train, ds.Y_train) == pytest.approx(99.04, abs=0.01)
    assert train.accuracy("logreg", "numpy", run.params, ds.X_test, ds.Y_test) == 70.0


@pytest.mark.parametrize("tier", [t for t in tiers_of("logreg") if t not in ("python", impls.REFERENCE_TIER)])
def test_fast_tiers_agree_on_the_course_files(course_datasets, tier):
    ds = data.load_dataset(course_datasets)
    ref = train.train("logreg", impls.REFERENCE_TIER, ds.X_train, ds.Y_train, iterations=30)
    mine = train.train("logreg", tier, ds.X_train, ds.Y_train, iterations=30)
    np.testing.assert_allclose(mine.params[0][0], ref.params[0][0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([c for _, c in mine.costs], [c for _, c in ref.costs], rtol=1e-10)


@pytest.mark.skipif(not os.environ.get("VECBENCH_LONG_TESTS"),
                    reason="minutes of training; set VECBENCH_LONG_TESTS=1 (make test-long) to run")
def test_deep_network_on_the_course_files_reproduces_the_course(course_datasets):
    # the course's "Deep Neural Network - Application": [12288, 20, 7, 5, 1], 2500 iterations at 0.0075
    ds = data.load_dataset(course_datasets)
    run = train.train("deep", "numpy", ds.X_train, ds.Y_train, iterations=2500, learning_rate=0.0075)
    costs = dict(run.costs)
    assert costs[0] == pytest.approx(0.771749, abs=5e-7)
    assert costs[2400] == pytest.approx(0.092878, abs=5e-7)
    assert train.accuracy("deep", "numpy", run.params, ds.X_train, ds.Y_train) == pytest.approx(98.56, abs=0.01)
    assert train.accuracy("deep", "numpy", run.params, ds.X_test, ds.Y_test) == 80.0


# -- the command line ----------------------------------------------------------

@pytest.fixture
def small_dir(tmp_path):
    data.make("cat", tmp_path / "cats", m_train=30, m_test=10, px=4)
    return tmp_path / "cats"


def test_train_cli_prints_json_and_saves_a_new_learning_curve(tmp_path, small_dir, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["train", "logreg", "--data", str(small_dir), "--iterations", "150", "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [c["iteration"] for c in doc["costs"]] == [0, 100, 149]
    assert doc["iterations_run"] == 150 and doc["truncated"] is False
    assert 0 <= doc["train_accuracy"] <= 100 and 0 <= doc["test_accuracy"] <= 100
    assert doc["seconds_per_iteration"] > 0 and doc["total_seconds"] >= doc["seconds_per_iteration"]
    plot = tmp_path / doc["plot"]
    assert plot.parent == tmp_path / "results" / "train" and plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["plot"] != doc["plot"], "the default plot was overwritten"


def test_train_cli_refuses_an_existing_plot_path(tmp_path, small_dir, capsys):
    plot = tmp_path / "curve.png"
    plot.write_bytes(b"mine")
    assert main(["train", "logreg", "--data", str(small_dir), "--plot", str(plot)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and err.count("\n") == 1
    assert plot.read_bytes() == b"mine"


def test_python_tier_runs_to_its_budget_and_projects_the_total(small_dir, capsys):
    argv = ["train", "deep", "--tier", "python", "--data", str(small_dir), "--layers", "48,3,1",
            "--iterations", "100000", "--budget", "0.2", "--no-plot", "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["truncated"] is True and 1 <= doc["iterations_run"] < 100000
    assert doc["projected_total_seconds"] > doc["total_seconds"]
    assert doc["costs"][-1]["iteration"] == doc["iterations_run"] - 1


@pytest.mark.parametrize("argv,needle", [
    (["train", "logreg", "--layers", "5,1"], "--layers applies to the deep model only"),
    (["train", "deep", "--layers", "7,3,1"], "--layers must run from n_x = 12288"),
    (["train", "deep", "--layers", "12288,x,1"], "comma-separated sizes"),
    (["train", "logreg", "--tier", "cuda"], "unknown tier cuda"),
    (["train", "logreg", "--iterations", "0"], "must be at least 1"),
    (["train", "logreg", "--data", "d", "--synthetic"], "not allowed with argument"),
    (["train", "forest"], "invalid choice"),
    (["train", "logreg", "--full", "--budget", "3"], "not allowed with argument"),
])
def test_bad_train_usage_is_one_line_and_exit_2(capsys, argv, needle):
    assert main(argv + ["--no-plot"]) == 2
    err = capsys.readouterr().err
    assert needle in err, err
    assert err.count("\n") == 1

