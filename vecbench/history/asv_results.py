"""asv's own files read directly: benchmarks, result files, regressions.

``<results>/benchmarks.json`` describes each benchmark (type, unit, params);
``<results>/<machine>/<commit>-<env>.json`` (format version 2) holds one
commit's values in one environment, a list over the product of the params;
the published site's ``regressions.json`` and ``index.json`` name the
regressions asv found and the commits in asv's order. Nothing here draws.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import impls
from vecbench import VecbenchError


@dataclass(frozen=True)
class Run:
    """One asv result file: every benchmark measured at one commit in one environment."""

    machine: str
    env: str
    commit: str
    date: int  # commit date, ms since the epoch
    values: dict[str, list]  # benchmark -> results over the product of its params
    params: dict[str, list[list[str]]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    type: str
    unit: str
    param_names: tuple[str, ...]
    params: tuple[tuple[str, ...], ...]

    def combinations(self) -> list[dict[str, str]]:
        """Param dicts in asv's order (the product of the param lists)."""
        return [dict(zip(self.param_names, map(plain, combo))) for combo in itertools.product(*self.params)]


def plain(value: str) -> str:
    """asv stores params as reprs (``"'dot'"``); show them as written."""
    try:
        return str(ast.literal_eval(value))
    except (ValueError, SyntaxError):
        return value


def _load_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VecbenchError(f"cannot read asv file {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise VecbenchError(f"{path} is not an asv results file")
    return doc


def load_benchmarks(results_dir: Path) -> dict[str, Benchmark]:
    doc = _load_json(results_dir / "benchmarks.json")
    out = {}
    for name, b in doc.items():
        if name == "version" or not isinstance(b, dict):
            continue
        out[name] = Benchmark(name, b.get("type", ""), b.get("unit", ""), tuple(b.get("param_names", ())),
                              tuple(tuple(p) for p in b.get("params", ())))
    return out


def load_runs(results_dir: Path) -> list[Run]:
    """Every result file under ``results_dir`` (machine folders hold a machine.json)."""
    runs = []
    for machine_json in sorted(results_dir.glob("*/machine.json")):
        machine = _load_json(machine_json).get("machine", machine_json.parent.name)
        for path in sorted(machine_json.parent.glob("*.json")):
            if path.name == "machine.json":
                continue
            doc = _load_json(path)
            columns = doc.get("result_columns")
            if doc.get("version") != 2 or not isinstance(columns, list) or "result" not in columns:
                raise VecbenchError(f"{path} is not an asv results file of format version 2")
            i_value, i_params = columns.index("result"), columns.index("params")
            values, params = {}, {}
            for name, row in doc.get("results", {}).items():
                values[name] = row[i_value] if isinstance(row[i_value], list) else [row[i_value]]
                params[name] = row[i_params] if len(row) > i_params else []
            runs.append(Run(machine, doc.get("env_name", "?"), doc["commit_hash"], doc.get("date") or 0,
                            values, params))
    return runs


# -- series ------------------------------------------------------------------

def commit_order(runs: list[Run], site: Path | None) -> list[str]:
    """Commits oldest first: asv's revision order when the site has it, else commit date."""
    hashes = {r.commit for r in runs}
    index = site / "index.json" if site else None
    if index and index.is_file():
        rev = _load_json(index).get("revision_to_hash", {})
        ordered = [h for _, h in sorted(rev.items(), key=lambda kv: int(kv[0])) if h in hashes]
        if set(ordered) == hashes:
            return ordered
    dates = {r.commit: r.date for r in runs}
    return sorted(hashes, key=lambda h: (dates[h], h))


def kernel_of(bench: Benchmark, combo: dict[str, str]) -> str:
    """The kernel a result belongs to: a ``kernel`` param, or the class named for it
    (``bench_kernels.LinearBackward.time_kernel``); else the benchmark's own name."""
    if "kernel" in combo:
        return combo["kernel"]
    parts = bench.name.split(".")
    if len(parts) >= 3:
        for name in impls.KERNELS:
            if name.replace("_", "").lower() == parts[-2].lower():
                return name
    return bench.name


@dataclass(frozen=True)
class Regression:
    name: str  # benchmark with its params, as asv names it
    kernel: str
    where: str  # the commit (or range) where the value jumped
    best: float
    last: float
    unit: str
    type: str  # asv's benchmark type: time, track, peakmemory, ...


def load_regressions(site: Path, benchmarks: dict[str, Benchmark]) -> list[Regression] | None:
    """asv's regressions of the published site; None when it has not been published."""
    path, index = site / "regressions.json", site / "index.json"
    if not path.is_file() or not index.is_file():
        return None
    rev = {int(k): h for k, h in _load_json(index).get("revision_to_hash", {}).items()}
    out = []
    for entry in _load_json(path).get("regressions", []):
        try:
            name, _graph, _graph_params, j, last, best, jumps = entry
        except (TypeError, ValueError):
            raise VecbenchError(f"{path}: unexpected entry {str(entry)[:80]}") from None
        base = re.sub(r"\(.*\)$", "", name)
        bench = benchmarks.get(base)
        combos = bench.combinations() if bench else []
        combo = combos[j] if isinstance(j, int) and 0 <= j < len(combos) else {}
        where = []
        for before, after, *_ in jumps:
            a, b = rev.get(after, "?")[:8], rev.get(before, "?")[:8] if before is not None else None
            where.append(a if b is None else f"{b}..{a}")
        out.append(Regression(name, kernel_of(bench, combo) if bench else base, ", ".join(where), best, last,
                              bench.unit if bench else "", bench.type if bench else ""))
    return out
