"""``vecbench data`` and ``vecbench train``: data sets and whole training runs.

``train`` fits one model with one tier's kernels, prints (or emits as JSON)
the recorded costs, the train and test accuracy, the seconds per iteration
and the total, and saves the learning curve as a PNG. The python tier runs
under a time budget unless ``--full`` is given, and then reports the
projected total of the iterations asked for.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rich.console import Console
from threadpoolctl import threadpool_info, threadpool_limits

import impls
from vecbench import UsageError, data, train
from vecbench.files import fresh_path, write_new_or_fail

#: Seconds the python tier trains by default before projecting the rest.
PYTHON_BUDGET = 10.0
RESULTS_DIR = Path("results") / "train"


# -- vecbench data -----------------------------------------------------------

def configure_data(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", parser_class=type(p))
    make = sub.add_parser("make", help="write a synthetic data set in the course's HDF5 format")
    make.add_argument("--kind", choices=sorted(data.COURSE_SIZES), required=True,
                      help="cat: 64x64 cat/non-cat-like images; planar: the course's flower")
    make.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory to write into")
    make.add_argument("--m-train", type=positive, metavar="N", help="training examples (default: the course's)")
    make.add_argument("--m-test", type=positive, metavar="N", help="test examples (default: the course's)")
    make.add_argument("--px", type=positive, default=64, help="image side in pixels (cat only; default 64)")
    make.add_argument("--seed", type=int, help="random seed (default: cat 0, planar 1 = the course's)")
    info = sub.add_parser("info", help="validate a data set directory and describe it")
    info.add_argument("directory", type=Path, metavar="DIR")
    info.add_argument("--set", dest="set_name", metavar="NAME", help="which train_NAME.h5/test_NAME.h5 pair")
    info.add_argument("--json", action="store_true")


def handle_data(args: argparse.Namespace) -> int:
    if args.data_command == "make":
        paths = data.make(args.kind, args.out, args.m_train, args.m_test, args.seed, args.px)
        for path in paths:
            print(f"wrote {path}")
        return 0
    if args.data_command == "info":
        ds = data.load_dataset(args.directory, args.set_name)
        if args.json:
            print(json.dumps({"name": ds.name, "source": ds.source, "n_x": ds.n_x, "classes": ds.classes,
                              "m_train": ds.Y_train.shape[1], "m_test": ds.Y_test.shape[1],
                              "train_positives": int(ds.Y_train.sum()),
                              "test_positives": int(ds.Y_test.sum())}, indent=2))
        else:
            print(ds.describe())
        return 0
    raise UsageError("an action is required: make, info")


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive (got {text})")
    return value


def layer_list(text: str) -> list[int]:
    try:
        return [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated sizes like 12288,20,7,5,1 (got {text!r})") from None


# -- vecbench train ----------------------------------------------------------

def configure_train(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", choices=list(train.MODELS), help="; ".join(
        f"{m.name}: {m.summary}" for m in train.MODELS.values()))
    p.add_argument("--tier", default="numpy", help="whose kernels train (default: numpy)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, metavar="DIR",
                        help="course-format data set directory (train_NAME.h5 + test_NAME.h5)")
    source.add_argument("--synthetic", action="store_true",
                        help="train on generated data of the course's sizes (the default)")
    p.add_argument("--set", dest="set_name", metavar="NAME", help="which pair in --data DIR, if several")
    p.add_argument("--iterations", type=positive, metavar="N", help="default: the course's")
    p.add_argument("--learning-rate", type=positive_float, metavar="A", help="default: the course's")
    p.add_argument("--layers", type=layer_list, metavar="N,...", help="deep: layer sizes (default n_x,20,7,5,1)")
    p.add_argument("--n-h", type=positive, metavar="N", help=f"shallow: hidden units (default {train.DEFAULT_N_H})")
    p.add_argument("--seed", type=int, help="initialization seed (default: the course's)")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--full", action="store_true", help="python tier: run every iteration, however long")
    length.add_argument("--budget", type=positive_float, metavar="S",
                   help=f"stop after S seconds of training and project the rest (python default {PYTHON_BUDGET:g})")
    p.add_argument("--threads", type=positive, default=1, help="BLAS threads (default 1)")
    p.add_argument("--plot", type=Path, metavar="PATH", help=f"learning-curve PNG (default: a new file in {RESULTS_DIR})")
    p.add_argument("--no-plot", action="store_true", help="do not save the learning curve")
    p.add_argument("--json", action="store_true", help="print the run as JSON")


def handle_train(args: argparse.Namespace) -> int:
    if args.tier not in impls.TIERS:
        raise UsageError(f"unknown tier {args.tier}; choose from: {', '.join(impls.TIERS)}")
    if args.layers is not None and args.model != "deep":
        raise UsageError("--layers applies to the deep model only")
    if args.n_h is not None and args.model != "shallow":
        raise UsageError("--n-h applies to the shallow model only")
    if args.plot is not None and args.plot.exists():
        raise UsageError(f"{args.plot} already exists; remove it or choose another --plot path")
    spec = train.model(args.model)
    ds = data.load_dataset(args.data, args.set_name) if args.data else data.synthetic_dataset(spec.data_kind)
    budget = args.budget
    if budget is None and args.tier == "python" and not args.full:
        budget = PYTHON_BUDGET
    summary = fit(args.model, args.tier, ds, iterations=args.iterations, learning_rate=args.learning_rate,
                  n_h=args.n_h, layers=args.layers, seed=args.seed, budget=budget, threads=args.threads)
    if not args.no_plot:
        summary["plot"] = str(save_learning_curve(summary, args.plot))
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_summary(summary)
    return 0


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


def print_summary(s: dict) -> None:
    print(f"{s['model']} with the {s['tier']} tier's kernels, layers {s['layers']}, "
          f"learning rate {s['learning_rate']:g}")
    print(f"data: {s['data']}")
    for c in s["costs"]:
        print(f"  cost after iteration {c['iteration']:>6}: {c['cost']:.6f}")
    print(f"train accuracy {s['train_accuracy']:.2f} %, test accuracy {s['test_accuracy']:.2f} %")
    per = s["seconds_per_iteration"]
    if s["truncated"]:
        print(f"ran {s['iterations_run']} of {s['iterations']} iterations (time budget; --full runs them all): "
              f"{fmt_seconds(per)} per iteration, projected total {fmt_seconds(s['projected_total_seconds'])}")
    else:
        print(f"{s['iterations_run']} iterations in {fmt_seconds(s['total_seconds'])}: {fmt_seconds(per)} per "
              f"iteration (first {fmt_seconds(s['first_iteration_seconds'])}, including any JIT compile)")
    if "plot" in s:
        print(f"learning curve: {s['plot']}")


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


def save_learning_curve(s: dict, path: Path | None = None) -> Path:
    """Cost against iteration as a PNG; a new file, never an overwrite."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # files only: no display, no pyplot state
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
