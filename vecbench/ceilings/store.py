"""The stored ceilings: one entry per machine, read by run and report.

``results/ceilings.json`` holds ``{"schema", "machines": {fingerprint:
entry}}``; an entry is what ``vecbench.ceilings.roofline.measure`` returns (the
machine, thread counts, and one record per ceiling x thread count). The file
is replaced atomically, and a file that is not ours is refused, never
overwritten.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from vecbench import VecbenchError, files

SCHEMA = "vecbench.ceilings/1"
DEFAULT_PATH = Path("results") / "ceilings.json"


def fingerprint(machine: dict[str, Any]) -> str:
    """A short stable hash of the hardware and BLAS configuration.

    Thread counts are left out (they are what is varied), but not the BLAS
    kernel choice: ``OPENBLAS_CORETYPE`` or another BLAS moves the FLOP roof.
    """
    blas = machine.get("blas") or {}
    key = {
        "cpu": machine.get("cpu"), "arch": machine.get("arch"), "cpus": machine.get("cpus"),
        "llc_bytes": machine.get("llc_bytes"),
        "memory_gib": round((machine.get("memory_bytes") or 0) / 2**30),
        "blas": [blas.get(k) for k in ("internal_api", "version", "architecture")],
        "coretype": (machine.get("env") or {}).get("OPENBLAS_CORETYPE"),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def bandwidth(ceilings: dict, threads: str = "all") -> float:
    """The bandwidth roof in B/s with ``threads`` ("single" or "all").

    The best of the STREAM kernels at any thread count up to the one asked
    for: all threads can always do what one does (the others may idle), so a
    contended all-thread figure below the one-thread figure is not the roof.
    """
    count = ceilings["threads"][threads]
    return max(r["value"] for r in ceilings["ceilings"] if r["kind"] == "bandwidth" and r["threads"] <= count)


def peak_flops(ceilings: dict, dtype: str = "float64", threads: str = "all") -> float:
    """The FLOP/s roof for ``dtype`` (BLAS matmul), as ``bandwidth`` picks it."""
    count = ceilings["threads"][threads]
    return max(r["value"] for r in ceilings["ceilings"]
               if r["kind"] == "flops" and r["dtype"] == dtype and r["threads"] <= count)


def load_store(path: Path) -> dict[str, Any]:
    """The ceilings file as ``{"schema", "machines": {fingerprint: entry}}``."""
    if not path.exists():
        return {"schema": SCHEMA, "machines": {}}
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VecbenchError(f"{path}: not a readable ceilings file ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(doc.get("machines"), dict):
        raise VecbenchError(f"{path}: not a vecbench ceilings file (expected schema {SCHEMA})")
    return doc


def lookup(machine: dict[str, Any], path: Path = DEFAULT_PATH) -> dict[str, Any] | None:
    """The stored ceilings of ``machine`` (by fingerprint), or None."""
    key = machine.get("fingerprint") or fingerprint(machine)
    return load_store(path)["machines"].get(key)


def save(ceilings: dict[str, Any], path: Path = DEFAULT_PATH) -> Path:
    """Store ``ceilings`` under its machine's fingerprint, atomically."""
    doc = load_store(path)  # refuses to replace a file that is not ours
    doc["machines"][ceilings["machine"]["fingerprint"]] = ceilings
    return files.replace_file(path, json.dumps(doc, indent=1) + "\n")


def attach(machine: dict[str, Any], path: Any = DEFAULT_PATH) -> dict[str, Any]:
    """``machine`` (a run's description) with this machine's stored ceilings.

    ``machine["ceilings"]`` is the entry ``vecbench roofline`` stored for
    this machine's fingerprint, or None (never measured, or an unreadable
    file: a run does not fail for want of ceilings).
    """
    from vecbench.ceilings.roofline import (
        describe_machine,  # numba-jitted STREAM kernels load only here
    )
    try:
        return dict(machine, ceilings=lookup(describe_machine(), path))
    except VecbenchError as exc:  # a broken ceilings file costs the run its roofs, nothing more
        return dict(machine, ceilings=None, ceilings_error=str(exc))


def measured(machine: dict[str, Any]) -> dict | None:
    """The ``vecbench roofline`` entry in a run's machine description, if any."""
    found = machine.get("ceilings")
    return found if isinstance(found, dict) and "threads" in found and "ceilings" in found else None


def summary_line(ceilings: dict) -> str:
    """One line: the all-thread roofs and when they were measured."""
    peaks = ", ".join(f"{dtype} {peak_flops(ceilings, dtype) / 1e9:.1f} GFLOP/s"
                      for dtype in dict.fromkeys(r["dtype"] for r in ceilings["ceilings"] if r["kind"] == "flops"))
    return (f"{bandwidth(ceilings) / 1e9:.1f} GB/s, {peaks} with {ceilings['threads']['all']} "
            f"threads (vecbench roofline, {ceilings.get('measured_at', '?')})")
