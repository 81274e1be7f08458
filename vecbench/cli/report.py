"""``vecbench report [RUN.json]``: the speed-up table, then the page (``vecbench.show.report``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from vecbench.measure import results
from vecbench.show import roofplot
from vecbench.show.report import REPORTS_DIR, print_table, warnings_of, write_report


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", nargs="?", type=Path, metavar="RUN.json", help="run file (default: the latest run)")
    p.add_argument("--format", choices=("html", "md"), default="html", help="page format (default: html)")
    p.add_argument("--out", type=Path, metavar="DIR", help="output directory (default: results/report/<run>/)")


def handle(args: argparse.Namespace) -> int:
    path = args.run or results.latest()
    doc = results.load(path)
    out = args.out or REPORTS_DIR / path.stem
    page = write_report(doc, path.name, out, args.format)  # first: a closed pipe below must not lose it
    print_table(doc, path.name)
    roofplot.print_ceiling_table(doc)
    for note in warnings_of(doc):
        print(f"note: {note}")
    print(f"report: {page}")
    return 0
