"""Did anything get slower? Two runs' records matched and judged (the command: ``vecbench.cli.compare``).

Records are matched by kernel, tier, size and dtype. For each pair the ratio
of minimums ``B / A`` (``DEFAULT_STAT``; of medians with ``--stat median``) and its bootstrap
confidence interval, both divided by the machine's own change of speed
between the runs (``speed_scale``; the command does so unless told
``--no-adjust-speed``), are judged by ``vecbench.verdict.stats``: ``slower`` or
``faster`` only when the ratio is past the threshold and the interval
excludes 1, ``same`` when the interval lies within the threshold, else
``inconclusive``. A tier that passed the gate in A and fails it in B is
"broken". Exit status 1 when anything is slower or broken. ``vecbench ab``
judges its interleaved samples by the same rule, on the medians of their pairs.
"""

from __future__ import annotations

from typing import Any

from vecbench.measure import results
from vecbench.measure.records import counted
from vecbench.verdict import stats
from vecbench.show.report import fmt_time

REGRESSIONS = ("slower", "broken")
#: ``compare``'s defaults. Between separate runs the minimums: on the
#: development machine each CPU switches between a fast and a slow state on
#: its own, so a record's median says how many of its samples caught the
#: slow one, and the minimum what the call costs in the fast one. Over 20 A/A
#: pairs of quick runs per thread setting the medians gave 7.5% / 6.6% false
#: alarms (``--threads 1`` / all), the minimums 2.1% / 3.0%, and a planted
#: 25% was caught in 84% / 89% of records against 98% / 98% (README, "What a
#: verdict means"). ``vecbench ab`` judges its paired samples' medians instead.
DEFAULT_THRESHOLD = 0.10
DEFAULT_STAT = "min"
#: Fewest sample pairs judged pair by pair (``stats.paired_interval``): with
#: five, the bootstrap interval is the pair ratios' range at worst.
PAIRED_MIN = 5
SCHEMA = "vecbench-compare"
SCHEMA_VERSION = 1


def verdict(a: dict[str, Any] | None, b: dict[str, Any] | None, thr: float,
            min_time: float = 0.0, stat: str = DEFAULT_STAT, confidence: float = stats.DEFAULT_CONFIDENCE,
            paired: bool = False, scale: float = 1.0) -> tuple[str, float | None, tuple[float, float] | None]:
    """(verdict, ratio B/A of ``stat``, its confidence interval) for one matched pair of records.

    ``scale``: the ratio and its interval are divided by it before they are
    judged (``speed_scale``: the machine's own change of speed from A to B).

    Pairs whose medians are both under ``min_time`` are "too fast to judge".
    ``paired``: the two records' samples were taken in pairs (``vecbench
    ab``); the median is then judged pair by pair (``stats.paired_interval``,
    ``fast_pairs``) where both have the same number of samples, at least
    ``PAIRED_MIN``. Otherwise the interval is over the samples each record's
    statistics are over (``records.counted``).
    """
    if a is None:
        return "only in B", None, None
    if b is None:
        return "only in A", None, None
    if a["status"] == "ok" and b["status"] in ("failed", "error"):
        return "broken", None, None
    if a["status"] in ("failed", "error") and b["status"] == "ok":
        return "fixed", None, None
    if a["status"] != "ok" or b["status"] != "ok":
        return f"not timed ({a['status']} / {b['status']})", None, None
    sa, sb = a["stats"], b["stats"]
    xa, xb = counted(a), counted(b)
    if sa[stat] <= 0 or min(xa) <= 0:
        return "same", None, None
    if max(sa["median"], sb["median"]) < min_time:
        return "too fast to judge", sb[stat] / sa[stat] / scale, None
    seed = stats.seed_of(results.key(a))
    pairs = fast_pairs(a, b) if paired and stat == "median" else None
    if pairs:
        ratio, lo, hi = stats.paired_interval(*pairs, confidence, seed)
    else:
        ratio, lo, hi = stats.ratio_interval(xa, xb, confidence, stat, seed)
    ratio, lo, hi = ratio / scale, lo / scale, hi / scale
    return stats.judge(ratio, lo, hi, thr), ratio, (lo, hi)


def fast_pairs(a: dict[str, Any], b: dict[str, Any]) -> tuple[list[float], list[float]] | None:
    """The sample pairs of an interleaved A/B to judge pair by pair: those
    where neither sample was kept slow (``records.counted``), when at least
    ``PAIRED_MIN`` are, else every pair; None when the two records do not
    hold the same number of samples, at least ``PAIRED_MIN``."""
    n = len(a["samples"])
    if n != len(b["samples"]) or n < PAIRED_MIN:
        return None
    slow_a, slow_b = (r.get("slow") if len(r.get("slow") or []) == n else [0] * n for r in (a, b))
    fast = [i for i in range(n) if not slow_a[i] and not slow_b[i]]
    keep = fast if len(fast) >= PAIRED_MIN else range(n)
    return [a["samples"][i] for i in keep], [b["samples"][i] for i in keep]


def compare(doc_a: dict[str, Any], doc_b: dict[str, Any], thr: float, min_time: float = 0.0,
            stat: str = DEFAULT_STAT, confidence: float = stats.DEFAULT_CONFIDENCE,
            paired: bool = False, scale: float = 1.0) -> list[dict[str, Any]]:
    """One row per record key in either run, in A's order then B's extras.

    ``scale``: divides every ratio and interval (``verdict``); 1 judges the times as measured.

    ``paired``: the runs are the two sides of one interleaved A/B, their
    samples taken in pairs (``vecbench.verdict.ab``), so each record is
    judged pair by pair: with ``stat="median"`` (``ab.STAT``) only, the
    default minimums being pooled either way.
    """
    a = {results.key(r): r for r in doc_a["records"]}
    b = {results.key(r): r for r in doc_b["records"]}
    paired = paired and all(d.get("ab", {}).get("alternation") == "sample" for d in (doc_a, doc_b))
    rows = []
    for k in [*a, *(k for k in b if k not in a)]:
        v, ratio, interval = verdict(a.get(k), b.get(k), thr, min_time, stat, confidence, paired, scale)
        rows.append({"key": k, "verdict": v, "ratio": ratio, "interval": interval, "a": a.get(k), "b": b.get(k)})
    return rows


def machine_differences(ma: dict[str, Any], mb: dict[str, Any]) -> list[str]:
    """What differs between the two runs' machines and software, as short texts."""
    def facts(m: dict[str, Any]) -> dict[str, Any]:
        blas = [(p.get("internal_api"), p.get("version"), p.get("num_threads"))
                for p in m.get("blas", []) if p.get("user_api") == "blas"]
        return {"CPU": m.get("cpu", {}).get("model"), "numpy": m.get("packages", {}).get("numpy"),
                "numba": m.get("packages", {}).get("numba"), "BLAS": blas,
                "Numba threads": m.get("numba", {}).get("num_threads"), "environment": m.get("env")}
    fa, fb = facts(ma), facts(mb)
    return [f"{k}: {fa[k]} -> {fb[k]}" for k in fa if fa[k] != fb[k]]


def speed_scale(doc_a: dict[str, Any], doc_b: dict[str, Any]) -> float | None:
    """How much longer the machine itself took in B than in A, in its fast
    state: the ratio of the 10th percentiles of the runs' speed probes (fixed
    Python work before each kernel x size step, hundreds in a default run);
    None when a run has none. The fast state, because that is where the
    samples a record's statistics are over were taken (``records.counted``);
    a median of the probes would also count how much of each run fell in
    slow spells. Measured on two default runs back to back (README, "Slow
    spells"), the records moved with the probes, every tier alike; over 24
    A/A pairs of quick runs, dividing by it cut ``compare``'s false alarms
    by a third to a half (README, "What a verdict means").
    """
    pa, pb = ((d.get("speed_probe") or {}).get("summary") or {} for d in (doc_a, doc_b))
    if not pa.get("p10") or not pb.get("p10"):
        return None
    return pb["p10"] / pa["p10"]


def probe_ratio(doc_a: dict[str, Any], doc_b: dict[str, Any]) -> str | None:
    """How the machine's own speed (the runs' speed probes) compares, as a
    sentence; None when a run has no probe."""
    scale = speed_scale(doc_a, doc_b)
    if scale is None:
        return None
    pa, pb = (d["speed_probe"]["summary"] for d in (doc_a, doc_b))
    return (f"machine speed probe (fixed Python work, median): A {fmt_time(pa['median'])}, "
            f"B {fmt_time(pb['median'])}, B / A {pb['median'] / pa['median']:.2f}, in its fast state (10th "
            f"percentile) {scale:.3f}; it moved by {pa['spread']:.0%} within A and {pb['spread']:.0%} within B "
            "(10th to 90th percentile)")


def counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many rows got each verdict."""
    found: dict[str, int] = {}
    for row in rows:
        found[row["verdict"]] = found.get(row["verdict"], 0) + 1
    return dict(sorted(found.items()))


def planted(doc: dict[str, Any]) -> dict[str, float]:
    """A run's planted slowdowns, tier -> fraction (empty for an honest run)."""
    return dict(doc["settings"].get("plant") or {})


def summary(rows: list[dict[str, Any]]) -> str:
    """One line for a CI log: the regressions first (even when none), then the other verdicts."""
    found = counts(rows)
    return ", ".join([f"{found.get(v, 0)} {v}" for v in REGRESSIONS]
                     + [f"{n} {v}" for v, n in found.items() if v not in REGRESSIONS])


def document(rows: list[dict[str, Any]], doc_a: dict[str, Any], doc_b: dict[str, Any],
             judge: dict[str, Any]) -> dict[str, Any]:
    """The verdicts as a JSON document (``compare --json``, ``ab``): what was judged, by which rule, and each row."""
    def side(doc: dict[str, Any]) -> dict[str, Any]:
        return {"started": doc.get("started"), "command": doc.get("command"), "planted": planted(doc),
                **({"ab": doc["ab"]} if "ab" in doc else {})}

    def median(rec: dict[str, Any] | None) -> float | None:
        return rec["stats"][judge["stat"]] if rec and rec.get("status") == "ok" else None

    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "judge": judge, "a": side(doc_a),
            "b": side(doc_b), "counts": counts(rows), "summary": summary(rows),
            "regression": any(r["verdict"] in REGRESSIONS for r in rows),
            "rows": [{"kernel": r["key"][0], "tier": r["key"][1], "n": r["key"][2], "dtype": r["key"][3],
                      "verdict": r["verdict"], "ratio": r["ratio"],
                      "interval": list(r["interval"]) if r.get("interval") else None,
                      "a": median(r["a"]), "b": median(r["b"]),
                      "planted": (r["b"] or {}).get("planted", 0.0) - (r["a"] or {}).get("planted", 0.0)}
                     for r in rows]}
