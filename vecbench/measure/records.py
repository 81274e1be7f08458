"""A measured record's figures: statistics of its samples, compile time, page
faults, throughput and speed-ups against the baseline tiers (used by the
sweep, its worker processes and the interleaved A/B)."""

from __future__ import annotations

import statistics
from typing import Any

from vecbench.measure import timing


#: A record's statistics are over its fast-probed samples when it has this many (``counted``).
FAST_MIN = 3


def counted(record: dict[str, Any]) -> list[float]:
    """The samples a record's statistics are over: those not kept slow
    (``slow`` 0: both probes beside them read fast, or the sample was not
    judged) when there are at least ``FAST_MIN`` of them; else ``FAST_MIN``,
    made up with the slow ones whose probes read fastest (``probe``), in the
    order taken. A record without the marks counts every sample."""
    samples = record["samples"]
    slow = record.get("slow") or []
    if len(slow) != len(samples) or not any(slow):
        return samples
    fast = [s for s, f in zip(samples, slow) if not f]
    if len(fast) >= FAST_MIN:
        return fast
    probe = record.get("probe") or []
    reading = probe if len(probe) == len(samples) else [None] * len(samples)
    order = sorted(range(len(samples)), key=lambda i: (slow[i], reading[i] or 0.0))
    return [samples[i] for i in sorted(order[:FAST_MIN])]


def summarize(record: dict[str, Any]) -> None:
    """Statistics of the record's samples (``counted``: its fast-probed ones,
    their number kept as ``counted``), its compile time (first call beyond the
    median) and its median page faults per call."""
    used = counted(record)
    st = timing.stats(used)
    record["stats"] = st.to_dict()
    record["counted"] = len(used)
    record["compile"] = max(record["first_call"] - st.median, 0.0)
    faults = record.get("page_faults")
    record["faults_per_call"] = statistics.median(faults) if faults else None


def raised(exc: Exception) -> dict[str, Any]:
    """The record update for a tier that raised while being timed."""
    return {"status": "error", "reason": f"raised while timed: {type(exc).__name__}: {exc}"}


#: A record's lists with one entry beside each sample, in the order of its samples (``steady.Guard.take``).
PER_SAMPLE = ("samples", "page_faults", "retaken", "slow", "probe")

#: The tiers every record's speed-up is taken against, and the keys they are stored under.
BASELINES = ("python", "numpy", "numba")
SPEEDUP_KEYS = tuple(f"speedup_vs_{b}" for b in BASELINES)


def add_speedups(records: list[dict[str, Any]]) -> None:
    """Throughput from the cost model and speed-ups vs python, numpy and numba, in place."""
    medians = {r["tier"]: r["stats"]["median"] for r in records if r.get("status") == "ok"}
    for r in records:
        if r.get("status") != "ok":
            continue
        t = r["stats"]["median"]
        r["gflops"] = r["flops"] / t / 1e9 if t > 0 else None
        r["gbytes_per_s"] = r["bytes"] / t / 1e9 if t > 0 else None
        if r.get("elements"):
            r["elements_per_s"] = r["elements"] / t if t > 0 else None
        for ref in BASELINES:
            base = medians.get(ref)
            r[f"speedup_vs_{ref}"] = base / t if base and t > 0 else None
