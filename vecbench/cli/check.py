"""``vecbench check``: the equivalence gate as a kernel x tier matrix of the worst error;
``vecbench check --impl PATH``: a learner's own course functions, one verdict each."""

from __future__ import annotations

import argparse
import json

import numpy as np
from rich.console import Console
from rich.table import Table

import impls
from vecbench import UsageError, usercode
from vecbench.cli.args import DTYPES, resolve_kernels, resolve_tiers, seconds
from vecbench.measure import check


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("kernels", nargs="*", metavar="KERNEL", help="kernels to check (default: all)")
    p.add_argument("--tier", action="append", dest="tiers", metavar="T",
                   help="tier to check (repeatable; default: every tier)")
    p.add_argument("--dtype", choices=DTYPES, action="append", dest="dtypes",
                   help="dtype to check (repeatable; default: float64 and float32)")
    p.add_argument("--preset", choices=impls.PRESETS, default="quick",
                   help="size ladder to check besides the edge inputs (default: quick)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print every verdict as JSON")
    p.add_argument("--impl", metavar="PATH",
                   help="check your own course functions instead: a .py file (imported) or a .ipynb notebook "
                        "(only its imports and definitions are run); default dtype float64")
    p.add_argument("--time-limit", type=seconds, default=usercode.TIME_LIMIT, metavar="S",
                   help="with --impl: seconds one call may take before the function is reported too slow "
                        f"(default {usercode.TIME_LIMIT:g})")


def handle(args: argparse.Namespace) -> int:
    if args.impl:
        return handle_impl(args)
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


STYLE = {"matches": "green", "wrong": "red", "crashed": "red", "unstable": "yellow", "too slow": "yellow",
         "not found": "dim"}


def handle_impl(args: argparse.Namespace) -> int:
    """``--impl PATH``: load the learner's file, judge every course function found, one verdict each."""
    if args.kernels or args.tiers:
        raise UsageError("--impl checks the functions in PATH: give no KERNEL or --tier with it")
    namespace = usercode.load(args.impl)
    dtypes = args.dtypes or ["float64"]
    console = Console(stderr=True)
    with console.status(f"checking {args.impl}"):
        verdicts = usercode.check_namespace(namespace, dtypes, args.preset, args.seed, args.time_limit)
    failed = [v for v in verdicts if not v.ok]
    if args.json:
        print(json.dumps({"ok": not failed, "path": args.impl, "notebook": args.impl.endswith(".ipynb"),
                          "verdicts": [v.to_dict() for v in verdicts]}, indent=2))
        return 1 if failed else 0
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"checking {args.impl} against vecbench's reference ({', '.join(dtypes)}; the size ladder, "
              "edge inputs and, for backward functions, finite-difference gradients)")
    if args.impl.endswith(".ipynb"):
        out.print(f"note: {usercode.NOTEBOOK_NOTE}")
    for skipped in namespace.get(usercode.SKIPPED_IMPORTS, []):
        out.print(f"note: an import failed and was skipped ({skipped})")
    for v in verdicts:
        if v.status == "not found":
            continue
        first, *rest = v.lines()
        out.print(f"[{STYLE[v.status]}]{rich_escape(first)}[/]")
        for line in rest:
            out.print(rich_escape(line))
    missing = usercode.missing_line(verdicts)
    if missing:
        out.print(f"[dim]{rich_escape(missing)}[/]")
    out.print(f"[{'red' if failed else 'green'}]{rich_escape(usercode.summary_line(verdicts))}[/]")
    return 1 if failed else 0


def rich_escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
