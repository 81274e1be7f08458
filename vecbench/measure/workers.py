"""A run spread over fresh worker processes, as pyperf does (``vecbench run --processes N``).

Nothing that happened earlier in one process (what it allocated and freed,
which pools it started, what it compiled) can then carry into a whole
figure: each of N worker processes, one after the other, runs the same
sweep (``vecbench run`` itself, with ``--worker I/N``) with its share of each
record's samples and of the passes (``timing.Plan.split``: dealt, so that the
shares add up to one process's), gating and calling every tier itself,
and the parent merges their records (``merge``): a record's samples are the
workers' samples together, its first call the first worker's.

The later workers take the first one's calls per sample (``calibration``)
instead of calibrating again: their first pass gives each tier one untimed
warm-up call, as a later pass does, where the first worker's autorange
made several (16 s of a default run), and every sample of a record then
holds the same number of calls. Nor do they gate again, or apply the
budget: they time exactly the tiers the first worker timed, which it gated
on the same seeded inputs (7 s of a default run per worker).

A tier that failed the gate or raised in any worker is failed or an error in
the merged run; one the first worker skipped over the budget is skipped, and
``processes`` says how many workers timed each record.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from vecbench import VecbenchError
from vecbench.measure import results, steady, timing
from vecbench.measure.records import PER_SAMPLE, add_speedups, summarize
from vecbench.measure.settings import Settings


def parse_worker(text: str) -> tuple[int, int]:
    """``"2/3"`` -> (2, 3)."""
    try:
        i, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--worker {text!r}: expected I/N, e.g. 1/3") from None
    if not 1 <= i <= n:
        raise ValueError(f"--worker {text!r}: I must be between 1 and N")
    return i, n


def run_workers(settings: Settings, processes: int) -> dict[str, Any]:
    """Run the sweep in ``processes`` fresh processes, one after the other; the merged document.

    Each worker shows its own progress. Ctrl-C stops the worker running
    (which keeps what it measured) and starts no other; the merged run is
    then marked incomplete.
    """
    started = time.perf_counter()
    docs: list[dict[str, Any]] = []
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="vecbench-workers-") as tmp:
        for i in range(1, processes + 1):
            out = Path(tmp) / f"worker-{i}.json"
            calibration = str(Path(tmp) / "worker-1.json") if i > 1 else None
            worker = replace(settings, processes=1, worker=(i, processes), calibration=calibration)
            cmd = [sys.executable, "-m", "vecbench", *worker.command()[1:], "--out", str(out)]
            try:
                status = subprocess.run(cmd).returncode
            except KeyboardInterrupt:
                interrupted = True
                status = None
                _wait_for_save(out)
            if out.is_file():
                docs.append(results.load(out))
            elif status not in (None, 130):
                raise VecbenchError(f"worker process {i} of {processes} exited {status} and saved no run")
            if interrupted or status == 130:
                interrupted = True
                break
    if not docs:
        raise KeyboardInterrupt
    merged = merge(docs)
    merged["complete"] = merged["complete"] and not interrupted and len(docs) == processes
    merged["wall_time"] = time.perf_counter() - started
    return merged


def calibration(path: str | Path) -> dict[tuple, tuple[int, float]]:
    """A first worker's run file as ``results.key`` -> (calls per sample, median seconds per call),
    for the records it timed."""
    return {results.key(r): (r["number"], r["stats"]["median"])
            for r in results.load(Path(path))["records"] if r["status"] == "ok"}


def _wait_for_save(out: Path, patience: float = 10.0) -> None:
    """After Ctrl-C, give the worker (interrupted with us) time to save what it measured."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        deadline = time.perf_counter() + patience
        while not out.is_file() and time.perf_counter() < deadline:
            time.sleep(0.05)
    finally:
        signal.signal(signal.SIGINT, previous)


def merge(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """One run document from the workers' documents (the first one's order and metadata)."""
    first = docs[0]
    doc = {k: v for k, v in first.items() if k != "records"}
    processes = len(docs)
    settings = first["settings"]
    doc["settings"] = dict(settings, processes=processes, worker=None,
                           plan=dict(settings["plan"], **_whole_plan(docs)))
    worker = doc["command"].index("--worker")
    doc["command"] = [*first["command"][:worker], "--processes", str(processes), *first["command"][worker + 2:]]
    doc["workers"] = [{"started": d["started"], "wall_time": d["wall_time"], "complete": d["complete"],
                       "process_state": d.get("process_state"), "plan": d["settings"].get("plan")} for d in docs]
    doc["idle_wait"] = sum(d.get("idle_wait", 0.0) for d in docs)
    doc["slow_guard"] = steady.merged([d.get("slow_guard") for d in docs])
    doc["complete"] = all(d["complete"] for d in docs)
    doc["finished"] = docs[-1]["finished"]
    offset, times = 0.0, []
    for d in docs:
        times += [[offset + t, s] for t, s in (d.get("speed_probe") or {}).get("times", [])]
        offset += d["wall_time"]
    doc["speed_probe"] = dict(first.get("speed_probe") or {}, times=times,
                              summary=timing.probe_summary(times))
    by_key: dict[tuple, list[dict[str, Any]]] = {}
    for d in docs:
        for r in d["records"]:
            by_key.setdefault(results.key(r), []).append(r)
    doc["records"] = [merge_records(by_key[results.key(r)]) for r in first["records"]]
    for group in _by_kernel_size(doc["records"]):
        add_speedups(group)
    return doc


def _whole_plan(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The repeats of the whole run: the workers' shares added up."""
    plans = [d["settings"]["plan"] for d in docs]
    whole = {k: sum(p[k] for p in plans) for k in ("min_repeat", "max_repeat", "target_time")}
    if all(p.get("loop_min_repeat") is not None for p in plans):
        whole["loop_min_repeat"] = sum(p["loop_min_repeat"] for p in plans)
    return whole


def merge_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One record from the workers' records of one kernel x tier x size."""
    broken = [r for r in records if r["status"] in ("failed", "error")]
    if broken:
        return dict(broken[0], processes=len(records))
    timed = [r for r in records if r["status"] == "ok"]
    if not timed:
        return dict(records[0], processes=len(records))
    merged = dict(timed[0])
    for key in PER_SAMPLE:
        merged[key] = [x for r in timed for x in r.get(key) or []]
    merged["number"] = timed[0]["number"]
    merged["numbers"] = [r["number"] for r in timed]
    merged["processes"] = len(timed)
    summarize(merged)
    return merged


def _by_kernel_size(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["kernel"], r["n"], r["dtype"]), []).append(r)
    return list(groups.values())
