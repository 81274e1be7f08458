"""A tiny asv project with three commits of made-up results, published with asv.

Laid out as vecbench's own suite is (a class per kernel, params tier x n,
plus a speedup track), but the results are written in asv's result format
(version 2) rather than measured, so the figures are known: the python tier
is flat, the numpy tier of ``dot`` at n = 256 gets three times slower at the
last commit, which asv's regression detection must report. ``asv publish``
then builds a real site.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

KERNELS = ("dot", "sigmoid")
TIME = {"dot": "bench_kernels.Dot.time_kernel", "sigmoid": "bench_kernels.Sigmoid.time_kernel"}
SPEEDUP = "bench_speedup.Dot.track_speedup"  # of dot only
TIERS = ("python", "numpy")
SIZES = ("16", "256")
BENCHMARKS = (*TIME.values(), SPEEDUP)
MACHINE = "toybox"
ENV = "existing-py_toy"
VERSION = "0" * 64  # benchmark version: results and benchmarks.json must agree


@dataclass(frozen=True)
class ToySite:
    root: Path  # the toy project (git repo with asv.conf.json)
    results: Path  # asv results_dir
    html: Path  # asv html_dir (published)
    commits: tuple[str, ...]  # oldest first


def speedup(size: str, commit_index: int) -> float:
    """The made-up numpy/python speedup of dot."""
    return seconds("dot", "python", size, commit_index) / seconds("dot", "numpy", size, commit_index)


def seconds(kernel: str, tier: str, size: str, commit_index: int) -> float:
    """The made-up median of one benchmark at one commit."""
    base = 100e-6 if tier == "python" else 2e-6
    base *= int(size) / 16 if tier == "python" else 1
    if (kernel, tier, size) == ("dot", "numpy", "256") and commit_index == 2:
        base *= 3  # the regression asv must find
    return base


def _git(root: Path, *args: str, date: str | None = None) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="toy", GIT_AUTHOR_EMAIL="toy@localhost",
               GIT_COMMITTER_NAME="toy", GIT_COMMITTER_EMAIL="toy@localhost")
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def build(root: Path) -> ToySite:
    """Create the toy project under ``root``, write its results and publish them."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "benchmarks").mkdir(exist_ok=True)
    (root / "benchmarks" / "__init__.py").write_text("")
    conf = {"version": 1, "project": "toy", "project_url": "", "repo": ".", "branches": ["main"],
            "environment_type": "existing", "benchmark_dir": "benchmarks",
            "results_dir": "results/asv", "html_dir": "results/html"}
    (root / "asv.conf.json").write_text(json.dumps(conf))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    commits = []
    for i in range(3):
        _git(root, "commit", "-q", "--allow-empty", "-m", f"commit {i}", date=f"2024-01-0{i + 1}T12:00:00+00:00")
        commits.append(_git(root, "rev-parse", "HEAD").strip())

    results = root / "results" / "asv"
    (results / MACHINE).mkdir(parents=True)
    params = {name: [[repr(v) for v in TIERS], [repr(v) for v in SIZES]] for name in TIME.values()}
    params[SPEEDUP] = [[repr("numpy/python")], [repr(v) for v in SIZES]]
    common = {"code": "", "version": VERSION, "number": 0, "repeat": 0, "rounds": 2, "min_run_count": 2,
              "sample_time": 0.01, "warmup_time": -1}
    described = {name: {**common, "name": name, "type": "time", "unit": "seconds",
                        "param_names": ["tier", "n"], "params": params[name]} for name in TIME.values()}
    described[SPEEDUP] = {**common, "name": SPEEDUP, "type": "track", "unit": "times faster",
                          "param_names": ["ratio", "n"], "params": params[SPEEDUP]}
    (results / "benchmarks.json").write_text(json.dumps({**described, "version": 2}))
    (results / MACHINE / "machine.json").write_text(json.dumps({"machine": MACHINE, "version": 1}))
    for i, commit in enumerate(commits):
        values = {name: [seconds(kernel, t, s, i) for t, s in itertools.product(TIERS, SIZES)]
                  for kernel, name in TIME.items()}
        values[SPEEDUP] = [speedup(s, i) for s in SIZES]
        doc = {"commit_hash": commit, "env_name": ENV, "date": 1704110400000 + i * 86400000,
               "params": {"machine": MACHINE, "python": "3.11"}, "python": "3.11",
               "requirements": {}, "env_vars": {},
               "result_columns": ["result", "params", "version", "started_at", "duration"],
               "results": {name: [values[name], params[name], VERSION, 0, 1.0] for name in BENCHMARKS},
               "durations": {}, "version": 2}
        (results / MACHINE / f"{commit[:8]}-{ENV}.json").write_text(json.dumps(doc))
    subprocess.run([sys.executable, "-m", "asv", "publish", "--config", str(root / "asv.conf.json")],
                   cwd=root, check=True, capture_output=True, text=True)
    return ToySite(root, results, root / "results" / "html", tuple(commits))
