"""``vecbench train``: fit a course model with one tier's kernels (``vecbench.training.fit``).

Prints (or emits as JSON) the recorded costs, the train and test accuracy,
the seconds per iteration and the total, and saves the learning curve as a
PNG. The python tier runs under a time budget unless ``--full`` is given, and
then reports the projected total of the iterations asked for.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import impls
from vecbench import UsageError
from vecbench.cli.args import positive_float, positive_int
from vecbench.training import data, train
from vecbench.training.fit import RESULTS_DIR, fit, fmt_seconds, save_learning_curve

#: Seconds the python tier trains by default before projecting the rest.
PYTHON_BUDGET = 10.0


def layer_list(text: str) -> list[int]:
    try:
        return [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated sizes like 12288,20,7,5,1 (got {text!r})") from None

def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", choices=list(train.MODELS), help="; ".join(
        f"{m.name}: {m.summary}" for m in train.MODELS.values()))
    p.add_argument("--tier", default="numpy", help="whose kernels train (default: numpy)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, metavar="DIR",
                        help="course-format data set directory (train_NAME.h5 + test_NAME.h5)")
    source.add_argument("--synthetic", action="store_true",
                        help="train on generated data of the course's sizes (the default)")
    p.add_argument("--set", dest="set_name", metavar="NAME", help="which pair in --data DIR, if several")
    p.add_argument("--iterations", type=positive_int, metavar="N", help="default: the course's")
    p.add_argument("--learning-rate", type=positive_float, metavar="A", help="default: the course's")
    p.add_argument("--layers", type=layer_list, metavar="N,...", help="deep: layer sizes (default n_x,20,7,5,1)")
    p.add_argument("--n-h", type=positive_int, metavar="N", help=f"shallow: hidden units (default {train.DEFAULT_N_H})")
    p.add_argument("--seed", type=int, help="initialization seed (default: the course's)")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--full", action="store_true", help="python tier: run every iteration, however long")
    length.add_argument("--budget", type=positive_float, metavar="S",
                   help=f"stop after S seconds of training and project the rest (python default {PYTHON_BUDGET:g})")
    p.add_argument("--threads", type=positive_int, default=1, help="BLAS threads (default 1)")
    p.add_argument("--plot", type=Path, metavar="PATH", help=f"learning-curve PNG (default: a new file in {RESULTS_DIR})")
    p.add_argument("--no-plot", action="store_true", help="do not save the learning curve")
    p.add_argument("--json", action="store_true", help="print the run as JSON")


def handle(args: argparse.Namespace) -> int:
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


