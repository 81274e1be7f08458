"""``vecbench agree``: the same calls timed by the runner, pytest-benchmark, asv and timeit, side by side."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from vecbench import UsageError, files
from vecbench.cli.args import positive_int, resolve_kernels, resolve_tiers, seconds, threshold
from vecbench.measure import state
from vecbench.show.report import fmt_time
from vecbench.verdict import agree


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kernels", nargs="+", metavar="K", help="kernels (default: all)")
    p.add_argument("--tiers", nargs="+", metavar="T", help="tiers (default: every tier of each kernel)")
    p.add_argument("--sizes", nargs="+", type=positive_int, metavar="N",
                   help="sizes n (default: each kernel's quick ladder's largest)")
    p.add_argument("--instruments", nargs="+", choices=agree.INSTRUMENTS, default=list(agree.INSTRUMENTS),
                   help="instruments to ask (default: all four)")
    p.add_argument("--rounds", type=positive_int, default=1, metavar="R",
                   help="let the instruments take turns R times; each figure is the median of its rounds, "
                        "and the runner's own spread over them is shown (default: 1)")
    p.add_argument("--threads", type=positive_int, metavar="N", help="threads of every instrument (default: all cores)")
    p.add_argument("--allocator", choices=tuple(state.ALLOCATOR_MODES), default=state.DEFAULT_ALLOCATOR,
                   help="allocator state of every instrument (default: warm)")
    p.add_argument("--tolerance", type=threshold, default=0.15, metavar="PCT",
                   help="largest spread between runner, pytest-benchmark and asv that counts as agreement "
                        "(default: 15%%)")
    p.add_argument("--min-time", type=seconds, default=10e-6, metavar="SECONDS",
                   help="judge only calls at least this long in the runner (default: 1e-5; asv times "
                        "one call per sample and skips shorter ones)")
    p.add_argument("--json", type=Path, metavar="PATH", help="also write every figure here (never overwritten)")


def handle(args: argparse.Namespace) -> int:
    kernels = resolve_kernels(args.kernels)
    tiers = resolve_tiers(args.tiers)
    calls = agree.calls_for(kernels, tiers, args.sizes)
    if not calls:
        raise UsageError("no kernel has those tiers")
    if args.json is not None:
        files.refuse_existing(args.json)
    console = Console(stderr=True)
    with console.status("measuring") as status:
        result = agree.agree(calls, args.instruments, args.threads, args.allocator, args.rounds,
                             on_start=lambda inst: status.update(f"measuring with {inst}"))
    outside = print_agreement(result, args.tolerance, args.min_time)
    if args.json is not None:
        files.write_new_or_fail(args.json, json.dumps(result.to_dict(args.tolerance, args.min_time), indent=1))
    return 1 if outside or result.flips() else 0


def print_agreement(result: agree.Agreement, tolerance: float, min_time: float) -> int:
    """The table and its summary; returns how many judged calls disagree."""
    console = Console(width=200)
    asked = [i for i in agree.INSTRUMENTS if i in result.medians]
    table = Table(title="median per call; in brackets, the ratio to the runner's", title_justify="left")
    rounds = len(result.rounds.get("runner", []))
    for col in ("kernel", "tier", "n", *asked, "spread", *(["runner vs itself"] if rounds > 1 else [])):
        table.add_column(col, justify="left" if col in ("kernel", "tier") else "right")
    judged = set(result.judged(min_time))
    outside = []
    for key in result.calls:
        base = result.medians.get("runner", {}).get(key)
        cells = []
        for inst in asked:
            m = result.medians[inst].get(key)
            ratio = f" ({m / base:.2f})" if m and base and inst != "runner" else ""
            cells.append("—" if m is None else fmt_time(m) + ratio)
        spread = result.spread(key)
        text = "" if spread is None else f"{spread - 1:.0%}"
        if key in judged and spread > 1 + tolerance:
            text = f"[red]{text}[/]"
            outside.append(key)
        elif key not in judged:
            text = f"[dim]{text}[/]"
        itself = result.self_spread(key)
        mine = [] if rounds <= 1 else ["" if itself is None else f"{itself - 1:.0%}"]
        table.add_row(key[0], key[1], str(key[2]), *cells, text, *mine)
    console.print(table)
    took = ", ".join(f"{i} {s:.0f} s" for i, s in result.seconds.items())
    console.print(f"instruments took {took}", highlight=False)
    judged_instruments = [i for i in agree.JUDGED if i in result.medians]
    console.print(f"{len(judged) - len(outside)} of {len(judged)} calls of {fmt_time(min_time)} or more within "
                  f"{tolerance:.0%} across {', '.join(judged_instruments)}"
                  + (f"; outside: {', '.join(f'{k} {t} n={n}' for k, t, n in outside)}" if outside else ""),
                  highlight=False, soft_wrap=True)
    if rounds > 1:
        steady = [k for k in judged if (result.self_spread(k) or 1.0) <= 1 + tolerance]
        console.print(f"the runner agreed with itself within {tolerance:.0%} over its {rounds} rounds on "
                      f"{len(steady)} of {len(judged)} of those calls", highlight=False)
    flips = result.flips()
    console.print(f"{len(flips)} tier-order verdicts flip between instruments" + (":" if flips else ""),
                  highlight=False)
    for line in flips:
        console.print(f"  {line}", highlight=False, soft_wrap=True)
    return len(outside)
