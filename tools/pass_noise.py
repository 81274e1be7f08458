"""Where does an A/B's noise come from? Samples close in time against samples far apart.

Reads the two sides of one ``vecbench ab`` (``<name>-A.json`` and
``<name>-B.json``) and, over the records of 10 µs or more with at least two
samples per pass, prints three spreads, as the median and 90th percentile
of ``|log ratio|``:

- within a pass: the largest over the smallest of one side's consecutive
  samples (milliseconds apart);
- between passes: one side's median in one pass over its median in the
  next (the whole run apart);
- A against B in the same pass: the two sides' medians of one pass;
- A against B, sample by sample: the ratio of each pair (sample ``i`` of
  A and of B, taken in turn a few milliseconds apart).

If the pairs' spread is near the within-pass one, the alternation shares
the machine's moments between the sides; if the same-pass spread is near
the between-passes one, the machine changes speed faster than a pass.

    .venv/bin/python tools/pass_noise.py results/ab/ab-<time>-A.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from vecbench.measure import timing

MIN_TIME = 1e-5


def by_pass(samples: list[float], passes: int) -> list[list[float]]:
    """``samples`` cut into the passes that took them, earlier passes first, as the sweep
    deals them (``timing.deal``); passes that took none are left out."""
    starts = np.cumsum([0, *timing.deal(len(samples), passes)])
    return [list(samples[a:b]) for a, b in zip(starts, starts[1:]) if b > a]


def spreads(doc_a: dict, doc_b: dict) -> dict[str, list[float]]:
    passes = doc_a["settings"]["plan"]["passes"]
    other = {(r["kernel"], r["tier"], r["n"]): r for r in doc_b["records"] if r["status"] == "ok"}
    found: dict[str, list[float]] = {"within a pass": [], "between passes": [], "A vs B, same pass": [],
                                     "A vs B, pair by pair": []}
    for r in doc_a["records"]:
        if r["status"] != "ok" or r["stats"]["median"] < MIN_TIME or len(r["samples"]) < 2 * passes:
            continue
        mine = by_pass(r["samples"], passes)
        found["within a pass"] += [math.log(max(p) / min(p)) for p in mine]
        found["between passes"] += [abs(math.log(np.median(p) / np.median(q))) for p, q in zip(mine, mine[1:])]
        theirs = other.get((r["kernel"], r["tier"], r["n"]))
        if theirs and len(theirs["samples"]) >= 2 * passes:
            found["A vs B, same pass"] += [abs(math.log(np.median(q) / np.median(p)))
                                           for p, q in zip(mine, by_pass(theirs["samples"], passes))]
            if len(theirs["samples"]) == len(r["samples"]):
                found["A vs B, pair by pair"] += [abs(math.log(y / x)) for x, y in zip(r["samples"], theirs["samples"])]
    return found


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("side_a", type=Path, help="an ab's <name>-A.json (its -B.json is read beside it)")
    args = p.parse_args()
    doc_a = json.loads(args.side_a.read_text())
    doc_b = json.loads(args.side_a.with_name(args.side_a.name.replace("-A.json", "-B.json")).read_text())
    for what, values in spreads(doc_a, doc_b).items():
        if values:
            print(f"{what:<20} |log ratio| median {np.median(values):.3f}, p90 {np.percentile(values, 90):.3f} "
                  f"({len(values)} ratios)")


if __name__ == "__main__":
    main()
