"""Interleaved A/B: two revisions' kernels measured in alternation, sample by sample (``vecbench ab``).

Two runs taken minutes apart differ by whatever the machine did in
between; on a shared machine that is often more than the change being
judged. Here each side is a long-lived process (``ab_side``) with its
revision's ``impls`` and today's instrument. Both open every kernel x size
step together (inputs, budget, first calls, gate, calls per sample), then
take its samples in turn, one each: sample ``k`` of a tier in A and sample
``k`` of the same tier in B are a pair taken a few milliseconds apart, A
first in one pair and B first in the next, so that the machine's speed of
that moment is in both. This over the plan's passes, the later passes in a
seeded shuffled order. Both sides' main threads are pinned to the same CPU,
and with fewer threads than CPUs (``--threads 1``) all their threads to the
same CPUs (``placement``), so that a pair runs on one CPU in one state. The two run documents are then judged by
``compare``'s rule (``vecbench.verdict.compare``), pair by pair.

A revision is a commit (anything ``git rev-parse`` takes) or a folder that
holds an ``impls`` package (a working tree). A commit's ``impls`` is taken
with ``git archive`` into ``results/ab/trees/<commit>/``, kept so that a
later A/B of the same commit finds Numba's cache filled.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from vecbench import UsageError, VecbenchError
from vecbench.measure.settings import Settings

TREES_DIR = Path("results") / "ab" / "trees"

#: ``ab``'s default rule: a finer threshold than ``compare``'s 10%, which the
#: paired samples afford, and calls under 10 µs left unjudged (their figures
#: move most from one process to the next). Chosen on one A/A and one planted
#: 10% round per thread setting, then measured afresh with
#: ``tools/verdict_power.py`` (README, "What a verdict means").
THRESHOLD = 0.05
MIN_TIME = 1e-5
#: Judged on the medians of the pairs' ratios (``stats.paired_interval``).
STAT = "median"

#: How the sides take turns, recorded in each side's run: one sample each, in turn.
ALTERNATION = "sample"


@dataclass
class Revision:
    """One side's code: what the user named, the commit (None for a folder) and the folder holding ``impls``."""

    name: str
    commit: str | None
    root: Path

    def describe(self) -> dict[str, Any]:
        return {"revision": self.name, "commit": self.commit, "impls": str(self.root / "impls")}


def resolve(name: str, repo: Path, trees: Path = TREES_DIR) -> Revision:
    """``name`` as a folder with ``impls/`` or as a commit of ``repo``; a UsageError if it is neither."""
    folder = Path(name)
    if folder.is_dir():
        if not (folder / "impls" / "__init__.py").is_file():
            raise UsageError(f"{name}: a folder, but without an impls package (impls/__init__.py)")
        target = (folder / "impls").resolve()
        root = trees / f"folder-{hashlib.sha1(str(target).encode()).hexdigest()[:12]}"
        if not (root / "impls").is_dir():  # a folder holding only a link to impls: nothing else on the path
            root.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
            (tmp / "impls").symlink_to(target)
            try:
                tmp.rename(root)
            except OSError:  # made meanwhile by another A/B
                shutil.rmtree(tmp, ignore_errors=True)
        return Revision(name, None, root.resolve())
    found = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise UsageError(f"{name}: neither a folder nor a commit of the repository at {repo}")
    commit = found.stdout.strip()
    root = trees / commit
    if not (root / "impls" / "__init__.py").is_file():
        extract(repo, commit, name, root)
    return Revision(name, commit, root.resolve())


def extract(repo: Path, commit: str, name: str, root: Path) -> None:
    """The commit's ``impls/`` into ``root``, whole or not at all (a temp folder, then one rename)."""
    archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", commit, "impls"],
                             capture_output=True)
    if archive.returncode != 0:
        raise UsageError(f"{name}: commit {commit[:10]} has no impls/ folder to measure")
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        try:
            tmp.rename(root)
        except OSError:  # another A/B extracted it meanwhile
            if not (root / "impls" / "__init__.py").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def placement(threads: int | None) -> dict[str, Any] | None:
    """Where both sides run (None off Linux): ``main``, the CPU of each side's
    main thread, which makes every single-threaded call; ``process``, the CPUs
    all of a side's threads are held to: the first ``threads`` of those this
    process may use, or None when ``threads`` takes them all (the pools then
    spread over every CPU, the main thread alone being pinned).

    On the development machine each virtual CPU changes speed by itself,
    between two states some 60% apart, uncorrelated with the other CPU's
    (``tools/machine_drift.py --per-cpu``, README "What a verdict means"):
    two samples taken on different CPUs share nothing of the machine's
    moment, however close in time. On one CPU they share its state.
    """
    if not hasattr(os, "sched_getaffinity"):
        return None
    mine = sorted(os.sched_getaffinity(0))
    process = mine[:threads] if threads and threads < len(mine) else None
    return {"main": (process or mine)[0], "process": process}


class Side:
    """A running ``ab_side`` process and the steps it can take."""

    def __init__(self, label: str, revision: Revision, settings: Settings, where: dict[str, Any] | None = None):
        self.label, self.revision = label, revision
        fields = {k: v for k, v in asdict(settings).items() if k != "worker"}
        self.proc = subprocess.Popen([sys.executable, "-m", "vecbench.verdict.ab_side", json.dumps(fields),
                                      json.dumps(where)],
                                     cwd=revision.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        info = self.ask({"op": "steps"})
        expected = (revision.root / "impls").resolve()
        if Path(info["impls"]).resolve() != expected:
            self.stop()
            raise VecbenchError(f"side {label} loaded impls from {info['impls']}, not {expected}; "
                                "is another impls first on PYTHONPATH?")
        self.cpus = info["cpus"]  # read back in the side, not assumed
        if where is not None and not pinned_as(self.cpus, where):
            self.stop()
            raise VecbenchError(f"side {label} runs on CPUs {self.cpus}, not as pinned ({where})")
        self.steps = [tuple(s) for s in info["steps"]]
        self.missing = info["missing"]
        self.later: set[tuple[str, int]] = set()

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # the answer (or its absence) says why
        line = self.proc.stdout.readline()
        if not line:
            status = self.proc.wait()
            raise VecbenchError(f"side {self.label} ({self.revision.name}) exited {status} without answering")
        answer = json.loads(line)
        if "error" in answer:
            self.proc.wait()
            raise UsageError(f"side {self.label} ({self.revision.name}) cannot be measured: {answer['error']}")
        return answer

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def pinned_as(cpus: dict[str, list[int]], where: dict[str, Any]) -> bool:
    """Whether a side's threads, as it read them back (``main``: the main
    thread's CPUs; ``others``: those the other threads may use), are where
    ``placement`` put them."""
    if cpus["main"] != [where["main"]]:
        return False
    return where["process"] is None or set(cpus["others"]) <= set(where["process"])


def interleave(a: Revision, b: Revision, settings: Settings, plant_b: dict[str, float],
               on_step: Callable[[str, int, int], None] = lambda what, done, total: None
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both sides' run documents, measured in alternation (the module docstring).

    ``plant_b``: planted slowdowns of side B only (measuring the verdicts).
    """
    sides: list[Side] = []
    try:
        where = placement(settings.threads)
        sides.append(Side("A", a, replace(settings, plant={}), where))
        sides.append(Side("B", b, replace(settings, plant=plant_b), where))
        steps = list(dict.fromkeys([*sides[0].steps, *sides[1].steps]))
        passes = settings.plan().passes
        rng = random.Random(settings.seed)
        opened: dict[tuple[Side, tuple[str, int]], dict[str, dict[str, Any]]] = {}
        total, done = len(steps) * passes, 0
        for p in range(1, passes + 1):
            order = steps if p == 1 else [s for s in steps if any(s in side.later for side in sides)]
            if p > 1:
                total -= len(steps) - len(order)
                rng.shuffle(order)
            for i, step in enumerate(order):
                on_step(f"{step[0]} n={step[1]}" + (f" (pass {p}/{passes})" if passes > 1 else ""), done, total)
                turn = [side for side in (sides if i % 2 == 0 else sides[::-1])
                        if step in (side.steps if p == 1 else side.later)]
                for side in turn:
                    answer = side.ask({"op": "open", "kernel": step[0], "n": step[1], "pass": p})["tiers"]
                    if p == 1:
                        opened[side, step] = answer
                take_turns(turn, {side: opened[side, step] for side in turn}, p, i, rng)
                for side in turn:
                    if side.ask({"op": "close"})["later"]:
                        side.later.add(step)
                done += 1
        docs = [side.ask({"op": "end"})["run"] for side in sides]
    finally:
        for side in sides:
            side.stop()
    for doc, side in zip(docs, sides):
        doc["ab"] = dict(side.revision.describe(), side=side.label, missing_kernels=side.missing,
                         alternation=ALTERNATION, placement=where, cpus=side.cpus)
    return docs[0], docs[1]


def take_turns(turn: list[Side], opened: dict[Side, dict[str, dict[str, Any]]], p: int, i: int,
               rng: random.Random) -> None:
    """Pass ``p``'s samples of one open step, one sample at a time.

    ``opened``: each side's tiers as its ``open`` of pass 1 answered (calls
    per sample, samples per pass). The tiers go in a shuffled order. A tier
    both sides time takes, on both, the larger of their calls per sample
    and the larger of their shares of this pass, so that sample ``k`` of A
    and sample ``k`` of B are a pair of the same work taken moments apart,
    in the order A B, B A, A B, ... (with ``i``, the step's place in the
    pass, shifting it) so that drift within a pair falls first on one
    side, then on the other.
    """
    tiers = sorted({t for side in turn for t in opened[side]})
    rng.shuffle(tiers)
    for j, tier in enumerate(tiers):
        takers = [side for side in turn if tier in opened[side]]
        plans = [opened[side][tier] for side in takers]
        number = max(plan["number"] for plan in plans)
        count = max(plan["shares"][p - 1] if p - 1 < len(plan["shares"]) else 0 for plan in plans)
        for k in range(count):
            for side in (takers if (i + j + k) % 2 == 0 else takers[::-1]):
                side.ask({"op": "sample", "tier": tier, "number": number})


def default_out(stamp: float | None = None) -> Path:
    return Path("results") / "ab" / time.strftime("ab-%Y%m%dT%H%M%S.json", time.gmtime(stamp))


def run_paths(out: Path) -> tuple[Path, Path]:
    """Where the two sides' run documents go beside the A/B document."""
    return out.with_name(f"{out.stem}-A.json"), out.with_name(f"{out.stem}-B.json")
