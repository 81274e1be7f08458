"""``vecbench check``: the equivalence gate as a kernel x tier matrix of the worst error."""

from __future__ import annotations

import argparse
import json

import numpy as np
from rich.console import Console
from rich.table import Table

import impls
from vecbench.cli.args import DTYPES, resolve_kernels, resolve_tiers
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


def handle(args: argparse.Namespace) -> int:
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
