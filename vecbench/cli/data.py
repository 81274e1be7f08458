"""``vecbench data make|info``: write or inspect a course-format HDF5 data set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from vecbench import UsageError
from vecbench.cli.args import positive_int
from vecbench.training import data


def configure(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", parser_class=type(p))
    make = sub.add_parser("make", help="write a synthetic data set in the course's HDF5 format")
    make.add_argument("--kind", choices=sorted(data.COURSE_SIZES), required=True,
                      help="cat: 64x64 cat/non-cat-like images; planar: the course's flower")
    make.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory to write into")
    make.add_argument("--m-train", type=positive_int, metavar="N", help="training examples (default: the course's)")
    make.add_argument("--m-test", type=positive_int, metavar="N", help="test examples (default: the course's)")
    make.add_argument("--px", type=positive_int, default=64, help="image side in pixels (cat only; default 64)")
    make.add_argument("--seed", type=int, help="random seed (default: cat 0, planar 1 = the course's)")
    info = sub.add_parser("info", help="validate a data set directory and describe it")
    info.add_argument("directory", type=Path, metavar="DIR")
    info.add_argument("--set", dest="set_name", metavar="NAME", help="which train_NAME.h5/test_NAME.h5 pair")
    info.add_argument("--json", action="store_true")


def handle(args: argparse.Namespace) -> int:
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
