"""The results schema: one JSON document per run, saved atomically, loaded strictly.

A run document::

    {
      "schema": "vecbench-run", "schema_version": 1,
      "vecbench_version": "0.1.0",
      "started": ISO-8601, "finished": ISO-8601, "wall_time": seconds,
      "idle_wait": seconds,         # spent waiting for other threads to go idle
      "speed_probe": {workload, summary: {median, p10, p90, spread}, times: [[t, seconds], ...]},
      "slow_guard": {slow, longest, retakes, share, probes, fastest_probe,  # ``steady``
                     retaken, kept_slow, share_spent, kept_seconds, thrown_seconds},
      "complete": bool,             # false when interrupted (Ctrl-C)
      "command": [argv ...],
      "settings": {preset, dtype, timer, timer_tick, seed, budget, threads,
                   kernels, tiers, sizes, plan},
      "machine": {...}              # vecbench.measure.machine.describe()
      "impl": {tier: {path, notebook, timed: [kernel ...], verdicts: [...]}},  # --impl only
      "records": [record, ...]
    }

A record is one kernel x tier x size::

    {"kernel", "tier", "n", "dtype", "shapes", "status",   # ok|failed|skipped|error
     "verdict": {"ok", "error", "tolerance", "reason"} | null,
     "first_call", "compile", "number", "samples", "stats": {median, q1, q3, iqr, min, max, mean},
     "page_faults", "faults_per_call",                      # per call, beside each sample; their median
     "retaken",                                             # beside each sample: times it was taken again
     "slow",                                                # beside each sample: 1 if kept while the probe read slow
     "probe",                                               # beside each sample: its slower probe / the fastest so far
     "counted",                                             # samples the stats are over (``records.counted``)
     "flops", "bytes", "gflops", "gbytes_per_s", "intensity",
     "elements", "elements_per_s",                          # kernels built on exp/log/tanh only
     "speedup_vs_python", "speedup_vs_numpy", "speedup_vs_numba",
     "reason", "estimate"}                                  # why not timed; predicted seconds per call

Times are seconds per call. Non-finite numbers are stored as null, so every
file is strict JSON.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vecbench import VecbenchError, files

SCHEMA = "vecbench-run"
SCHEMA_VERSION = 1
RUNS_DIR = Path("results") / "runs"
STATUSES = ("ok", "failed", "skipped", "error")

#: Fields every record must carry, and those an ``ok`` record adds.
RECORD_FIELDS = ("kernel", "tier", "n", "dtype", "status")
OK_FIELDS = ("samples", "stats", "number", "first_call")
STAT_FIELDS = ("median", "q1", "q3", "iqr", "min")


def finite_or_none(obj: Any) -> Any:
    """``obj`` with every inf/nan float replaced by None (strict JSON)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(finite_or_none(doc), indent=1, allow_nan=False) + "\n"


def new_run_path(runs_dir: Path, stamp: str, label: str) -> Path:
    """``runs_dir/run-<stamp>-<label>.json``; the caller's write_new settles races."""
    return runs_dir / f"run-{stamp}-{label}.json"


def save(doc: dict[str, Any], out: Path | None = None, runs_dir: Path = RUNS_DIR) -> Path:
    """Save a run document as a new file; returns its path.

    With ``out`` the file is exactly ``out`` (an existing file is an error,
    never overwritten). Otherwise a new name under ``runs_dir`` from the start
    time and preset, with ``-2``, ``-3``... appended if taken.
    """
    text = dumps(doc)
    if out is not None:
        try:
            return files.write_new(Path(out), text)
        except FileExistsError:
            raise VecbenchError(f"{out} exists; refusing to overwrite it (choose another --out)") from None
    stamp = doc["started"].replace("-", "").replace(":", "").split(".")[0].split("+")[0]
    base = new_run_path(Path(runs_dir), stamp, doc["settings"].get("preset", "custom"))
    for i in range(1, 1000):
        path = base if i == 1 else base.with_name(f"{base.stem}-{i}.json")
        try:
            return files.write_new(path, text)
        except FileExistsError:
            continue
    raise VecbenchError(f"no free run file name beside {base}")


def latest(runs_dir: Path = RUNS_DIR) -> Path:
    """The most recently written run file under ``runs_dir``."""
    runs = sorted(Path(runs_dir).glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name))
    if not runs:
        raise VecbenchError(f"no run found under {runs_dir}; run `vecbench run` first")
    return runs[-1]


def load(path: str | os.PathLike) -> dict[str, Any]:
    """Read and validate a run document; any problem is one ``VecbenchError`` line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VecbenchError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise VecbenchError(f"{path}: is a directory, not a run file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise VecbenchError(f"{path}: cannot read: {exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VecbenchError(f"{path}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    validate(doc, str(path))
    return doc


def validate(doc: Any, where: str = "run") -> None:
    """Raise ``VecbenchError`` naming the first thing wrong with ``doc``."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise VecbenchError(f"{where}: not a vecbench run file (schema {found!r}, expected {SCHEMA!r})")
    version = doc.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        raise VecbenchError(f"{where}: schema version {version!r} is not supported "
                            f"(this vecbench reads version {SCHEMA_VERSION})")
    for key, kind in (("settings", dict), ("machine", dict), ("records", list)):
        if not isinstance(doc.get(key), kind):
            raise VecbenchError(f"{where}: field {key!r} missing or not a {kind.__name__}")
    for i, rec in enumerate(doc["records"]):
        _validate_record(rec, f"{where}: record {i}")


def _validate_record(rec: Any, where: str) -> None:
    if not isinstance(rec, dict):
        raise VecbenchError(f"{where} is not an object")
    missing = [k for k in RECORD_FIELDS if k not in rec]
    if missing:
        raise VecbenchError(f"{where} lacks {', '.join(missing)}")
    if rec["status"] not in STATUSES:
        raise VecbenchError(f"{where} has unknown status {rec['status']!r}")
    if rec["status"] != "ok":
        return
    missing = [k for k in OK_FIELDS if k not in rec]
    if missing:
        raise VecbenchError(f"{where} ({rec['kernel']} {rec['tier']} n={rec['n']}) lacks {', '.join(missing)}")
    stats = rec["stats"]
    if not isinstance(stats, dict) or any(not _positive_number(stats.get(k)) for k in STAT_FIELDS):
        raise VecbenchError(f"{where} ({rec['kernel']} {rec['tier']} n={rec['n']}) has malformed stats")
    if not isinstance(rec["samples"], list) or not rec["samples"] or \
            not all(_positive_number(s) for s in rec["samples"]):
        raise VecbenchError(f"{where} ({rec['kernel']} {rec['tier']} n={rec['n']}) has malformed samples")


def _positive_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


def key(rec: dict[str, Any]) -> tuple[str, str, int, str]:
    """What identifies a record across runs."""
    return (rec["kernel"], rec["tier"], rec["n"], rec["dtype"])


#: Core tiers in the order every table and figure shows them.
CORE_ORDER = ("python", "numpy", "numba")


def tiers_in(records: list[dict[str, Any]], last: Iterable[str] = ()) -> list[str]:
    """The records' tiers: the core tiers in order, the other tiers sorted, then ``last`` (a learner's)."""
    last = [t for t in last if any(r["tier"] == t for r in records)]
    core = [t for t in CORE_ORDER if any(r["tier"] == t for r in records)]
    return core + sorted({r["tier"] for r in records} - set(core) - set(last)) + last


def short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def shape_text(shapes: Any) -> str:
    """``[[3, 4], "float"]`` (an argument tuple's shapes) as ``(3, 4), float``."""
    if not isinstance(shapes, list):
        return str(shapes)
    return ", ".join(_one_shape(s) for s in shapes)


def _one_shape(s: Any) -> str:
    if isinstance(s, list) and all(isinstance(d, int) for d in s):
        return "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"
    if isinstance(s, list):
        return "[" + ", ".join(_one_shape(x) for x in s) + "]"
    return str(s)
