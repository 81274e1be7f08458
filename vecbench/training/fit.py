"""One training run summarised: accuracy, costs, time per iteration, and its learning curve."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from threadpoolctl import threadpool_info, threadpool_limits

from vecbench.files import fresh_path, write_new_or_fail
from vecbench.training import data, train

#: Where learning curves go unless a path is given.
RESULTS_DIR = Path("results") / "train"


def fit(name: str, tier: str, ds: data.Dataset, *, threads: int = 1, **options) -> dict:
    """Train ``name`` with ``tier`` on ``ds`` and summarize the run as a JSON-ready dict."""
    what = f"training {name} with the {tier} tier"
    with threadpool_limits(limits=threads, user_api="blas"), Console(stderr=True).status(what) as status:
        run = train.train(name, tier, ds.X_train, ds.Y_train, **options,
                          on_cost=lambda i, cost: status.update(f"{what}: cost {cost:.6f} after iteration {i}"))
        status.update(f"{what}: accuracy")
        train_acc = train.accuracy(name, tier, run.params, ds.X_train, ds.Y_train)
        test_acc = train.accuracy(name, tier, run.params, ds.X_test, ds.Y_test)
        blas = [{k: i.get(k) for k in ("internal_api", "num_threads")} for i in threadpool_info()
                if i.get("user_api") == "blas"]
    return {
        "model": name, "tier": tier, "data": ds.describe(), "layers": run.layers,
        "learning_rate": run.learning_rate, "iterations": run.iterations,
        "iterations_run": run.iterations_run, "truncated": run.truncated,
        "costs": [{"iteration": i, "cost": c} for i, c in run.costs],
        "train_accuracy": train_acc, "test_accuracy": test_acc,
        "seconds_per_iteration": run.seconds_per_iteration,
        "first_iteration_seconds": run.first_iteration_seconds,
        "total_seconds": run.total_seconds,
        "projected_total_seconds": run.projected_total_seconds,
        "blas": blas, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def save_learning_curve(s: dict, path: Path | None = None) -> Path:
    """Cost against iteration as a PNG; a new file, never an overwrite."""
    from matplotlib.backends.backend_agg import (
        FigureCanvasAgg,  # files only: no display, no pyplot state
    )
    from matplotlib.figure import Figure

    if path is None:
        path = fresh_path(RESULTS_DIR, f"{s['model']}-{s['tier']}-{time.strftime('%Y%m%d-%H%M%S')}", ".png")
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    its = [c["iteration"] for c in s["costs"]]
    ax.plot(its, [c["cost"] for c in s["costs"]], marker="o" if len(its) < 30 else None)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost (cross-entropy)")
    ran = (f"{s['iterations_run']} of {s['iterations']} iterations" if s["truncated"]
           else f"{s['iterations']} iterations")
    ax.set_title(f"{s['model']} ({s['tier']} tier), learning rate {s['learning_rate']:g}, {ran}\n"
                 f"train {s['train_accuracy']:.1f} %, test {s['test_accuracy']:.1f} %, "
                 f"{fmt_seconds(s['seconds_per_iteration'])} per iteration", fontsize=9)
    ax.grid(alpha=0.3)
    return write_new_or_fail(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))



def fmt_seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    if seconds < 120:
        return f"{seconds:.2f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
