"""``vecbench roofline``: measure, store and print this machine's ceilings."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vecbench.ceilings import vectormath
from vecbench.ceilings.roofline import describe_machine, measure
from vecbench.ceilings.store import (
    DEFAULT_PATH,
    bandwidth,
    load_store,
    lookup,
    peak_flops,
    save,
)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the ceilings as JSON")
    p.add_argument("--file", type=Path, default=DEFAULT_PATH, metavar="PATH",
                   help=f"where ceilings are stored, by machine (default: {DEFAULT_PATH})")
    p.add_argument("--no-save", action="store_true", help="measure and print, store nothing")
    p.add_argument("--if-missing", action="store_true",
                   help="measure only if no ceilings are stored for this machine yet")


def handle(args: argparse.Namespace) -> int:
    if not args.no_save:
        load_store(args.file)  # fail on a foreign file before spending seconds measuring
    if args.if_missing:
        stored = lookup(describe_machine(), args.file)
        if stored is not None:
            Console(stderr=True).print(f"ceilings of this machine already stored in {args.file} "
                                       f"({stored.get('measured_at', '?')}); `vecbench roofline` "
                                       "measures them again", highlight=False)
            return 0
    with Console(stderr=True).status("measuring memory bandwidth and BLAS peak"):
        ceilings = measure()
    saved = None if args.no_save else save(ceilings, args.file)
    if args.json:
        print(json.dumps(ceilings, indent=2))
    else:
        print_ceilings(ceilings)
    if saved:
        Console(stderr=True).print(f"stored in {saved} (machine {ceilings['machine']['fingerprint']})",
                                   highlight=False)
    return 0


def print_ceilings(ceilings: dict[str, Any], console: Console | None = None) -> None:
    """A ceiling x thread-count table, then the BLAS and the ridge point."""
    console = console or Console()
    machine, records = ceilings["machine"], ceilings["ceilings"]
    counts = sorted({r["threads"] for r in records})
    table = Table(title=f"ceilings of {machine['cpu']} ({machine['cpus']} CPUs, "
                        f"LLC {(machine['llc_bytes'] or 0) / 2**20:.0f} MiB): best (median)")
    table.add_column("ceiling")
    for n in counts:
        table.add_column(f"{n} thread{'s' * (n > 1)}", justify="right")
    table.add_column("how", style="dim")
    for name in dict.fromkeys(r["name"] for r in records):
        mine = {r["threads"]: r for r in records if r["name"] == name}
        some = next(iter(mine.values()))
        if some["kind"] == "bandwidth":
            how = f"{some['arrays']} x {some['array_bytes'] / 2**20:.0f} MiB arrays"
        else:
            how = f"matmul n={some['n']} {some['dtype']}"
        table.add_row(name, *(_format(mine[n]) if n in mine else "" for n in counts), how)
    console.print(table)
    blas = machine["blas"]
    coretype = machine["env"].get("OPENBLAS_CORETYPE")
    ridge = peak_flops(ceilings) / bandwidth(ceilings)
    console.print(
        f"BLAS: {blas.get('internal_api')} {blas.get('version')}, {blas.get('architecture')} kernels"
        f"{', OPENBLAS_CORETYPE=' + coretype if coretype else ''}. Ridge point (float64, all threads): "
        f"{ridge:.1f} flop/byte; a kernel doing fewer flops per byte is bound by memory.", highlight=False)
    vector_math = ceilings.get("vector_math")
    if vector_math:
        console.print(vectormath.table(vector_math["numba"], vector_math["numpy"]))


def _format(record: dict) -> str:
    scale = 1e9
    unit = "GB/s" if record["kind"] == "bandwidth" else "GFLOP/s"
    median = record["value"] * record["best_seconds"] / record["median_seconds"]
    return f"{record['value'] / scale:.1f} {unit} [dim]({median / scale:.1f})[/]"
