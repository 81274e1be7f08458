"""Interleaved A/B: two revisions' kernels measured in alternation, step by step (``vecbench ab``).

Two runs taken minutes apart differ by whatever the machine did in
between; on a shared machine that is often more than the change being
judged. Here each side is a long-lived process (``ab_side``) with its
revision's ``impls`` and today's instrument, and both take every kernel x
size step in turn: step ``i`` is measured by A then B when ``i`` is even, by
B then A when it is odd (so drift during a step falls on the two sides
alike), over the plan's passes, the later passes in a seeded shuffled
order. The two run documents are then judged by ``compare``'s rule
(``vecbench.verdict.compare``).

A revision is a commit (anything ``git rev-parse`` takes) or a folder that
holds an ``impls`` package (a working tree). A commit's ``impls`` is taken
with ``git archive`` into ``results/ab/trees/<commit>/``, kept so that a
later A/B of the same commit finds Numba's cache filled.
"""

from __future__ import annotations

import hashlib
import io
import json
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
#: interleaving affords, and calls under 10 µs left unjudged (their figures
#: move most from one process to the next). Chosen from the A/A and planted
#: measurements of ``tools/verdict_power.py`` (README, "What a verdict means").
THRESHOLD = 0.07
MIN_TIME = 1e-5


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


class Side:
    """A running ``ab_side`` process and the steps it can take."""

    def __init__(self, label: str, revision: Revision, settings: Settings):
        self.label, self.revision = label, revision
        fields = {k: v for k, v in asdict(settings).items() if k != "worker"}
        self.proc = subprocess.Popen([sys.executable, "-m", "vecbench.verdict.ab_side", json.dumps(fields)],
                                     cwd=revision.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        info = self.ask({"op": "steps"})
        expected = (revision.root / "impls").resolve()
        if Path(info["impls"]).resolve() != expected:
            self.stop()
            raise VecbenchError(f"side {label} loaded impls from {info['impls']}, not {expected}; "
                                "is another impls first on PYTHONPATH?")
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


def interleave(a: Revision, b: Revision, settings: Settings, plant_b: dict[str, float],
               on_step: Callable[[str, int, int], None] = lambda what, done, total: None
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both sides' run documents, measured in alternation (the module docstring).

    ``plant_b``: planted slowdowns of side B only (measuring the verdicts).
    """
    sides: list[Side] = []
    try:
        sides.append(Side("A", a, replace(settings, plant={})))
        sides.append(Side("B", b, replace(settings, plant=plant_b)))
        side_a, side_b = sides
        steps = list(dict.fromkeys([*side_a.steps, *side_b.steps]))
        passes = settings.plan().passes
        rng = random.Random(settings.seed)
        total, done = len(steps) * passes, 0
        for i, (kernel, n) in enumerate(steps):
            on_step(f"{kernel} n={n}" + (f" (pass 1/{passes})" if passes > 1 else ""), done, total)
            for side in (sides if i % 2 == 0 else sides[::-1]):
                if (kernel, n) in side.steps and side.ask({"op": "first", "kernel": kernel, "n": n})["later"]:
                    side.later.add((kernel, n))
            done += 1
        for p in range(2, passes + 1):
            order = [s for s in steps if any(s in side.later for side in sides)]
            total -= len(steps) - len(order)
            rng.shuffle(order)
            for i, (kernel, n) in enumerate(order):
                on_step(f"{kernel} n={n} (pass {p}/{passes})", done, total)
                for side in (sides if i % 2 == 0 else sides[::-1]):
                    if (kernel, n) in side.later:
                        side.ask({"op": "later", "kernel": kernel, "n": n, "pass": p})
                done += 1
        docs = [side.ask({"op": "end"})["run"] for side in sides]
    finally:
        for side in sides:
            side.stop()
    for doc, side in zip(docs, sides):
        doc["ab"] = dict(side.revision.describe(), side=side.label, missing_kernels=side.missing)
    return docs[0], docs[1]


def default_out(stamp: float | None = None) -> Path:
    return Path("results") / "ab" / time.strftime("ab-%Y%m%dT%H%M%S.json", time.gmtime(stamp))


def run_paths(out: Path) -> tuple[Path, Path]:
    """Where the two sides' run documents go beside the A/B document."""
    return out.with_name(f"{out.stem}-A.json"), out.with_name(f"{out.stem}-B.json")
