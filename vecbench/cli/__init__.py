"""The ``vecbench`` command line (also ``python -m vecbench``): one module per command.

Each command module has a ``configure`` function adding its arguments and a
``handle`` taking the parsed namespace and returning the exit status; it
parses, calls the layers below and prints, and holds no logic that another
command or a notebook would need. Errors meant for the user are raised as
``VecbenchError`` (exit 1) or ``UsageError`` (exit 2) and printed here as one
line, never as a traceback. Nothing below this package imports it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from vecbench import UsageError, VecbenchError, __version__
from vecbench.cli import (
    ab,
    agree,
    check,
    compare,
    data,
    demo,
    history,
    report,
    roofline,
    run,
    train,
)
from vecbench.cli import list as list_

COMMANDS = {
    "list": (list_.configure, list_.handle, "list the kernels and their tiers"),
    "check": (check.configure, check.handle, "prove every tier matches the reference"),
    "run": (run.configure, run.handle, "gate, then time every kernel x tier x size; save the run"),
    "report": (report.configure, report.handle, "a run as a speed-up table, plots and an HTML/markdown page"),
    "compare": (compare.configure, compare.handle, "compare two runs; exit 1 if anything got slower"),
    "ab": (ab.configure, ab.handle, "time two revisions' kernels in alternation and judge B against A; "
           "exit 1 if anything got slower"),
    "agree": (agree.configure, agree.handle, "time the same calls with the runner, pytest-benchmark, asv and "
              "timeit; exit 1 if they disagree"),
    "demo": (demo.configure, demo.handle, "the course's demo: dot, outer, multiply, gdot in every tier"),
    "history": (history.configure, history.handle, "measure the last commits with asv and publish its site"),
    "roofline": (roofline.configure, roofline.handle, "measure this machine's memory bandwidth and peak FLOP/s"),
    "data": (data.configure, data.handle, "make or inspect course-format HDF5 data sets"),
    "train": (train.configure, train.handle, "train a course model with one tier's kernels"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, never the usage dump
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vecbench", description="What does vectorization buy? "
                     "Course kernels as loops, NumPy and Numba: checked, then timed.")
    parser.add_argument("--version", action="version", version=f"vecbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (configure, handler, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        configure(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "handler", None):
            raise UsageError(f"a command is required: {', '.join(COMMANDS)}")
        return args.handler(args)
    except UsageError as exc:
        print(f"vecbench: error: {exc}", file=sys.stderr)
        return 2
    except VecbenchError as exc:
        print(f"vecbench: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vecbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output stopped early (`| head`): nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
