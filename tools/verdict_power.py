"""How often are vecbench's verdicts wrong? False alarms and power, measured on this machine.

For each thread setting (``--threads 1 all``):

- ``compare``, separate runs: a chain of quick runs, honest and planted in
  turn: ``P0 X1 P1 X2 P2 ...`` (``--pairs`` of each). Each ``(P[i-1], P[i])``
  is an A/A pair, two runs of the same code with a planted run between them:
  every ``slower`` or ``faster`` verdict is a false alarm. Each
  ``(P[i-1], X[i])`` pairs an honest run with one whose every tier does
  ``--levels`` percent more of the same work (``--plant-slowdown all:PCT``,
  levels in turn): the share of records called ``slower`` is the power.
- ``ab``, interleaved: ``vecbench ab HEAD HEAD`` ``--ab-pairs`` times (A/A),
  and the same with side B planted at each of ``--ab-levels``.

Each is judged with its command's defaults: ``compare``'s (threshold 10%,
95% interval, minimums, every timed record however fast; ``--threshold``,
``--min-time``, ``--stat``, ``--no-adjust-speed``) and ``ab``'s (threshold 5%, the medians of the
pairs, records under 10 µs unjudged; ``--ab-args``). Prints one table and
writes every run and a summary (JSON) under ``--out``, which must not exist
yet. ``--rejudge DIR`` runs nothing: it judges the runs an earlier ``--out``
left in DIR by another rule, so that two rules are compared on the same runs.

    .venv/bin/python tools/verdict_power.py --out results/power-$(date +%Y%m%d)
    .venv/bin/python tools/verdict_power.py --rejudge results/power-20261207 --skip ab --stat median
    .venv/bin/python tools/verdict_power.py --rejudge results/power-20261207 --skip ab --no-adjust-speed
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from vecbench import VecbenchError
from vecbench.measure import results
from vecbench.verdict import ab as verdict_ab
from vecbench.verdict import stats
from vecbench.verdict.compare import DEFAULT_STAT, DEFAULT_THRESHOLD, compare, speed_scale

JUDGED_OUT = ("too fast to judge",)


def run(out: Path, threads: str, plant: float | None, args: argparse.Namespace) -> dict[str, Any]:
    """One ``vecbench run --quick`` (or, with ``--rejudge``, the one stored there); its document."""
    if args.rejudge:
        return results.load(out)
    cmd = [sys.executable, "-m", "vecbench", "run", "--quick", "--out", str(out), *args.run_args.split()]
    if threads != "all":
        cmd += ["--threads", threads]
    if plant:
        cmd += ["--plant-slowdown", f"all:{plant:g}%"]
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return results.load(out)


def ab(out: Path, threads: str, plant: float | None, args: argparse.Namespace) -> list[str]:
    """One ``vecbench ab HEAD HEAD --quick``; its verdicts. With ``--rejudge``, the
    stored round's two side runs judged afresh by ``ab``'s own defaults."""
    if args.rejudge:
        sides = [results.load(path) for path in verdict_ab.run_paths(out)]
        rows = compare(*sides, verdict_ab.THRESHOLD, verdict_ab.MIN_TIME, verdict_ab.STAT, paired=True)
        return [r["verdict"] for r in rows if r["ratio"] is not None]
    cmd = [sys.executable, "-m", "vecbench", "ab", "HEAD", "HEAD", "--quick", "--out", str(out),
           *args.ab_args.split()]  # ab's own defaults unless --ab-args says otherwise
    if threads != "all":
        cmd += ["--threads", threads]
    if plant:
        cmd += ["--plant-slowdown", f"all:{plant:g}%"]
    done = subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"vecbench ab failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return [r["verdict"] for r in json.loads(out.read_text())["rows"] if r["ratio"] is not None]


def tally(verdicts: list[str]) -> dict[str, int]:
    judged = [v for v in verdicts if v not in JUDGED_OUT]
    return {"records": len(judged), "slower": judged.count("slower"), "faster": judged.count("faster"),
            "same": judged.count("same"), "inconclusive": judged.count("inconclusive")}


def judged_rows(doc_a: dict, doc_b: dict, args: argparse.Namespace) -> list[str]:
    scale = speed_scale(doc_a, doc_b) if args.adjust_speed else None
    rows = compare(doc_a, doc_b, args.threshold, args.min_time, args.stat, scale=scale or 1.0)
    return [r["verdict"] for r in rows if r["ratio"] is not None]


def measure_compare(threads: str, args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    found = []
    previous = run(folder / "P0.json", threads, None, args)
    for i in range(1, args.pairs + 1):
        level = args.levels[(i - 1) % len(args.levels)]
        planted = run(folder / f"X{i}-{level:g}.json", threads, level, args)
        honest = run(folder / f"P{i}.json", threads, None, args)
        found.append({"kind": "compare", "threads": threads, "pair": i, "planted": 0.0,
                      **tally(judged_rows(previous, honest, args))})
        found.append({"kind": "compare", "threads": threads, "pair": i, "planted": level,
                      **tally(judged_rows(previous, planted, args))})
        previous = honest
        if not args.rejudge:
            print(f"  compare, threads {threads}: pair {i}/{args.pairs} done", file=sys.stderr)
    return found


def measure_ab(threads: str, args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    found = []
    for i in range(1, args.ab_pairs + 1):
        for level in (0.0, *args.ab_levels):
            started = time.perf_counter()
            verdicts = ab(folder / f"ab{i}-{level:g}.json", threads, level or None, args)
            wall = None if args.rejudge else time.perf_counter() - started
            found.append({"kind": "ab", "threads": threads, "pair": i, "planted": level,
                          "wall_time": wall, **tally(verdicts)})
        if not args.rejudge:
            print(f"  ab, threads {threads}: round {i}/{args.ab_pairs} done", file=sys.stderr)
    return found


def summarize(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (kind, threads, planted): records judged, false-alarm rate (A/A) or power (planted)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for f in found:
        groups.setdefault((f["kind"], f["threads"], f["planted"]), []).append(f)
    rows = []
    for (kind, threads, planted), fs in groups.items():
        records = sum(f["records"] for f in fs)
        wrong = sum(f["slower"] + f["faster"] for f in fs) if not planted else sum(f["slower"] for f in fs)
        share = wrong / records if records else float("nan")
        per_pair = [((f["slower"] + f["faster"]) if not planted else f["slower"]) / f["records"]
                    for f in fs if f["records"]]
        walls = [f["wall_time"] for f in fs if f.get("wall_time")]  # none when rejudged
        rows.append({"kind": kind, "threads": threads, "planted": planted, "pairs": len(fs), "records": records,
                     "measure": "false alarms" if not planted else "power", "rate": share,
                     "worst_pair": (max(per_pair) if not planted else min(per_pair)) if per_pair else None,
                     "wall_time": statistics.median(walls) if walls else None})
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="a new folder for the runs and the summary")
    where.add_argument("--rejudge", type=Path, metavar="DIR",
                       help="run nothing: judge the runs an earlier --out left in DIR by this rule (--threshold, "
                            "--min-time, --stat, --no-adjust-speed; ab rounds by ab's defaults) and print the table")
    p.add_argument("--threads", nargs="+", default=["1", "all"], help="thread settings (default: 1 all)")
    p.add_argument("--pairs", type=int, default=10, help="A/A pairs (and planted runs) per setting (default 10)")
    p.add_argument("--levels", type=float, nargs="+", default=[5, 10, 25], help="planted %% in turn (default 5 10 25)")
    p.add_argument("--ab-pairs", type=int, default=3, help="rounds of ab per setting (default 3)")
    p.add_argument("--ab-levels", type=float, nargs="*", default=[10, 25],
                   help="planted %% of ab (default 10 25; none: A/A rounds only)")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="compare's (default %(default)g)")
    p.add_argument("--min-time", type=float, default=0.0, help="compare's (default %(default)g)")
    p.add_argument("--stat", choices=tuple(stats.STATS), default=DEFAULT_STAT, help="compare's (default %(default)s)")
    p.add_argument("--adjust-speed", action=argparse.BooleanOptionalAction, default=True,
                   help="compare's default: divide each ratio by the runs' speed-probe ratio "
                        "(--no-adjust-speed: judge the times as measured)")
    p.add_argument("--run-args", default="", help="extra options of every vecbench run (quoted)")
    p.add_argument("--ab-args", default="", help="extra options of every vecbench ab (quoted)")
    p.add_argument("--skip", choices=("compare", "ab"), action="append", default=[])
    args = p.parse_args(argv)
    if args.rejudge and not args.rejudge.is_dir():
        p.error(f"{args.rejudge} is not a folder of an earlier --out")
    if args.out:
        try:
            args.out.mkdir(parents=True)
        except FileExistsError:
            p.error(f"{args.out} exists; choose a new folder")
    found: list[dict[str, Any]] = []
    try:
        for threads in args.threads:
            folder = (args.rejudge or args.out) / f"threads-{threads}"
            if args.out:
                folder.mkdir()
            if "compare" not in args.skip:
                found += measure_compare(threads, args, folder)
            if "ab" not in args.skip:
                found += measure_ab(threads, args, folder)
            if args.out:
                (args.out / "pairs.json").write_text(json.dumps(found, indent=1))
    except (VecbenchError, OSError) as exc:
        p.exit(2, f"{p.prog}: {exc}\n")
    rows = summarize(found)
    if args.out:
        (args.out / "summary.json").write_text(json.dumps({"argv": sys.argv, "rows": rows, "pairs": found}, indent=1))
    print(f"| mode | threads | planted | pairs | records | measure | rate | worst pair | ab wall (median) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        worst = f"{r['worst_pair']:.1%}" if r["worst_pair"] is not None else "—"
        wall = f"{r['wall_time']:.0f} s" if r["wall_time"] else "—"
        print(f"| {r['kind']} | {r['threads']} | {r['planted']:g}% | {r['pairs']} | {r['records']} | "
              f"{r['measure']} | {r['rate']:.1%} | {worst} | {wall} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
