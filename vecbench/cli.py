"""The ``vecbench`` command line (also ``python -m vecbench``).

Each subcommand is a ``configure`` function adding its arguments and a
``handler`` taking the parsed namespace and returning the exit status. Errors
meant for the user are raised as ``VecbenchError`` (exit 1) or ``UsageError``
(exit 2) and printed as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

import numpy as np
from rich.console import Console
from rich.table import Table

import impls
from vecbench import UsageError, VecbenchError, __version__, check, history, roofline, train_cli
from vecbench import compare as compare_cmd
from vecbench import demo as demo_cmd
from vecbench import report as report_cmd
from vecbench import run_cli as run_cmd

DTYPES = ("float64", "float32")


def resolve_kernels(names: Sequence[str] | None) -> list[impls.Kernel]:
    """Specs for ``names`` (all when empty); unknown names are a UsageError."""
    if not names:
        return list(impls.KERNELS.values())
    unknown = [n for n in names if n not in impls.KERNELS]
    if unknown:
        raise UsageError(f"unknown kernel {', '.join(unknown)}; choose from: {', '.join(impls.KERNELS)}")
    return [impls.KERNELS[n] for n in dict.fromkeys(names)]


def resolve_tiers(names: Sequence[str] | None) -> list[str] | None:
    """Validated tier names (None means every tier of each kernel)."""
    if not names:
        return None
    unknown = [n for n in names if n not in impls.TIERS]
    if unknown:
        raise UsageError(f"unknown tier {', '.join(unknown)}; choose from: {', '.join(impls.TIERS)}")
    return list(dict.fromkeys(names))


# -- vecbench list -----------------------------------------------------------

def configure_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the registry as JSON")


def handle_list(args: argparse.Namespace) -> int:
    kernels = impls.KERNELS.values()
    if args.json:
        print(json.dumps([{"name": k.name, "summary": k.summary, "tiers": list(k.tiers),
                           "sizes": dict(k.sizes)} for k in kernels], indent=2))
        return 0
    table = Table(title=f"{len(impls.KERNELS)} kernels")
    for col in ("kernel", "tiers", "quick sizes", "what it computes"):
        table.add_column(col)
    for k in kernels:
        table.add_row(k.name, " ".join(k.tiers), " ".join(map(str, k.sizes["quick"])), k.summary)
    Console().print(table)
    return 0


# -- vecbench check ----------------------------------------------------------

def configure_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("kernels", nargs="*", metavar="KERNEL", help="kernels to check (default: all)")
    p.add_argument("--tier", action="append", dest="tiers", metavar="T",
                   help="tier to check (repeatable; default: every tier)")
    p.add_argument("--dtype", choices=DTYPES, action="append", dest="dtypes",
                   help="dtype to check (repeatable; default: float64 and float32)")
    p.add_argument("--preset", choices=impls.PRESETS, default="quick",
                   help="size ladder to check besides the edge inputs (default: quick)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print every verdict as JSON")


def handle_check(args: argparse.Namespace) -> int:
    kernels = resolve_kernels(args.kernels)
    tiers = resolve_tiers(args.tiers)
    dtypes = args.dtypes or list(DTYPES)
    console = Console(stderr=True)
    verdicts: list[check.Verdict] = []
    with console.status("checking") as status:
        for k in kernels:
            for dtype in dtypes:
                status.update(f"checking {k.name} ({dtype})")
                wanted = [t for t in (tiers or k.tiers) if t in k.tiers]
                if not wanted:  # an extra tier this kernel lacks: nothing to check (not every tier)
                    continue
                verdicts += check.check_kernel(k, np.dtype(dtype), wanted, args.preset, args.seed)
    failed = [v for v in verdicts if not v.ok]
    if args.json:
        print(json.dumps({"ok": not failed, "verdicts": [v.to_dict() for v in verdicts]}, indent=2))
    else:
        print_check_matrix(kernels, dtypes, verdicts)
    return 1 if failed else 0


def print_check_matrix(kernels: list[impls.Kernel], dtypes: list[str], verdicts: list[check.Verdict]) -> None:
    """Kernel x (tier, dtype) matrix of the worst normwise error found."""
    columns = [(t, d) for t in impls.TIERS for d in dtypes if any(v.tier == t and v.dtype == d for v in verdicts)]
    table = Table(title="equivalence vs the reference (numpy tier in float64): worst normwise error")
    table.add_column("kernel")
    for t, d in columns:
        table.add_column(f"{t}\n{d}", justify="right")
    for k in kernels:
        cells = []
        for t, d in columns:
            mine = [v for v in verdicts if v.kernel == k.name and v.tier == t and v.dtype == d]
            if not mine:
                cells.append("")
            elif all(v.ok for v in mine):
                cells.append(f"[green]✓ {max(v.error for v in mine):.1e}[/]")
            else:
                cells.append(f"[red]✗ {sum(not v.ok for v in mine)} of {len(mine)}[/]")
        table.add_row(k.name, *cells)
    console = Console()
    console.print(table)
    failed = [v for v in verdicts if not v.ok]
    for v in failed:
        console.print(f"[red]MISMATCH[/] {v.kernel} {v.tier} {v.dtype} on {v.inputs}: {v.reason}",
                      highlight=False)
    if failed:
        console.print(f"[red]{len(failed)} of {len(verdicts)} checks failed[/]")
    else:
        console.print(f"[green]all {len(verdicts)} checks matched[/] "
                      "(tolerance 32·eps·√K of the largest reference value, K the reduction length)")


COMMANDS = {
    "list": (configure_list, handle_list, "list the kernels and their tiers"),
    "check": (configure_check, handle_check, "prove every tier matches the reference"),
    "run": (run_cmd.configure, run_cmd.handle, "gate, then time every kernel x tier x size; save the run"),
    "report": (report_cmd.configure, report_cmd.handle, "a run as a speed-up table, plots and an HTML/markdown page"),
    "compare": (compare_cmd.configure, compare_cmd.handle, "compare two runs; exit 1 if anything got slower"),
    "demo": (demo_cmd.configure, demo_cmd.handle, "the course's demo: dot, outer, multiply, gdot in every tier"),
    "history": (history.configure, history.handle, "measure the last commits with asv and publish its site"),
    "roofline": (roofline.configure, roofline.handle, "measure this machine's memory bandwidth and peak FLOP/s"),
    "data": (train_cli.configure_data, train_cli.handle_data, "make or inspect course-format HDF5 data sets"),
    "train": (train_cli.configure_train, train_cli.handle_train, "train a course model with one tier's kernels"),
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
