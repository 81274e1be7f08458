"""``vecbench list``: the kernels, their tiers and size ladders."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

import impls


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the registry as JSON")


def handle(args: argparse.Namespace) -> int:
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
