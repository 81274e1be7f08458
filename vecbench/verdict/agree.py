"""Do the instruments agree? One call timed by each of them (the command: ``vecbench.cli.agree``).

For chosen kernel x tier x size calls (default: every kernel and tier at its
quick ladder's largest size), each instrument measures in processes of its
own, as a user would run it, all set up by the same code
(``vecbench.measure.core``) with the same threads and allocator mode:

- ``runner``: ``vecbench run`` with the default plan at the calls' sizes (the record's median);
- ``pytest``: the pytest-benchmark suite (``tests/test_benchmarks.py``, median);
- ``asv``: ``asv run`` in the existing environment (``bench_kernels``, median);
- ``timeit``: ``timeit.Timer`` in one fresh process set up by the core
  (median of 5 repeats of an autoranged loop): the standard library's answer.

Every figure is seconds per call; with ``rounds``, the instruments take
turns that many times and each figure is the median of its rounds, while
the runner's own spread over its rounds says how far one instrument
disagrees with itself on this machine over the same minutes. A call agrees when the largest of the
runner's, pytest-benchmark's and asv's medians is within ``tolerance`` of
the smallest; a verdict flips when one instrument finds a tier faster than
another by more than ``MARGIN`` and another instrument finds it slower by
as much (numba vs numpy, numba_parallel vs numba).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import impls
from vecbench import VecbenchError
from vecbench.history import runner as asv_runner
from vecbench.measure import core

INSTRUMENTS = ("runner", "pytest", "asv", "timeit")
#: The instruments held to agree; timeit is shown beside them.
JUDGED = ("runner", "pytest", "asv")
#: Pairs of tiers whose order must not flip between instruments: (faster?, than).
VERDICTS = (("numba", "numpy"), ("numba_parallel", "numba"))
#: An instrument calls one tier faster than another only past this margin;
#: closer than that it calls them even, which no other verdict contradicts.
MARGIN = 0.05

Key = tuple[str, str, int]


@dataclass
class Agreement:
    """Each instrument's median per call, and what they say together."""

    calls: list[Key]
    medians: dict[str, dict[Key, float]] = field(default_factory=dict)  # instrument -> call -> seconds
    seconds: dict[str, float] = field(default_factory=dict)             # instrument -> wall time
    rounds: dict[str, list[dict[Key, float]]] = field(default_factory=dict)  # instrument -> each round's

    def add_round(self, instrument: str, medians: dict[Key, float]) -> None:
        """One more round of ``instrument``; its figure is the median over its rounds."""
        self.rounds.setdefault(instrument, []).append(medians)
        seen = self.rounds[instrument]
        self.medians[instrument] = {k: statistics.median(r[k] for r in seen if k in r)
                                    for k in {k for r in seen for k in r}}

    def self_spread(self, key: Key, instrument: str = "runner") -> float | None:
        """max / min of one instrument's rounds for ``key``: how far it disagrees with itself
        over the same minutes (None with fewer than two rounds)."""
        values = [r[key] for r in self.rounds.get(instrument, []) if key in r]
        return max(values) / min(values) if len(values) >= 2 and min(values) > 0 else None

    def spread(self, key: Key) -> float | None:
        """max / min of the judged instruments' medians (None with fewer than two)."""
        values = [self.medians[i][key] for i in JUDGED if key in self.medians.get(i, {})]
        return max(values) / min(values) if len(values) >= 2 and min(values) > 0 else None

    def judged(self, min_time: float) -> list[Key]:
        """Calls of ``min_time`` or more in the runner, measured by at least two judged instruments."""
        runner = self.medians.get("runner", {})
        return [k for k in self.calls if runner.get(k, 0.0) >= min_time and self.spread(k) is not None]

    def flips(self, margin: float = MARGIN) -> list[str]:
        """Tier-order verdicts on which the instruments contradict each other, as
        sentences: one calls a tier faster by more than ``margin``, another the
        other tier (an instrument that finds them within ``margin`` contradicts
        neither)."""
        out = []
        sizes = sorted({(k, n) for k, _, n in self.calls})
        for (kernel, n), (fast, slow) in itertools.product(sizes, VERDICTS):
            says: dict[str, str] = {}
            for inst in INSTRUMENTS:
                m = self.medians.get(inst, {})
                if (kernel, fast, n) in m and (kernel, slow, n) in m:
                    ratio = m[(kernel, slow, n)] / m[(kernel, fast, n)]
                    says[inst] = fast if ratio > 1 + margin else slow if ratio < 1 / (1 + margin) else "even"
            if fast in says.values() and slow in says.values():
                out.append(f"{kernel} n={n}: {fast} faster than {slow} by "
                           + ", ".join(i for i, v in says.items() if v == fast) + "; slower by "
                           + ", ".join(i for i, v in says.items() if v == slow))
        return out

    def to_dict(self, tolerance: float, min_time: float) -> dict[str, Any]:
        return {"tolerance": tolerance, "min_time": min_time, "seconds": self.seconds,
                "rounds": {i: [[[*k, v] for k, v in r.items()] for r in rs] for i, rs in self.rounds.items()},
                "calls": [{"kernel": k, "tier": t, "n": n, "spread": self.spread((k, t, n)),
                           "runner_self_spread": self.self_spread((k, t, n)),
                           **{i: self.medians.get(i, {}).get((k, t, n)) for i in INSTRUMENTS}}
                          for k, t, n in self.calls],
                "flips": self.flips()}


def calls_for(kernels: list[impls.Kernel], tiers: list[str] | None, sizes: list[int] | None) -> list[Key]:
    """kernel x tier x size, the quick ladder's largest size by default."""
    return [(k.name, t, n) for k in kernels for n in (sizes or [k.sizes["quick"][-1]])
            for t in k.tiers if not tiers or t in tiers]


def environment(threads: int | None, allocator: str) -> dict[str, str]:
    env = dict(os.environ, **{core.ALLOCATOR_ENV: allocator})
    if threads:
        env[core.THREADS_ENV] = str(threads)
    return env


def _run(cmd: list[str], root: Path, env: dict[str, str], what: str, ok: tuple[int, ...] = (0, 1)
         ) -> subprocess.CompletedProcess:
    """Run one instrument; ``ok``: its exit statuses that still leave figures (a gate that
    failed somewhere does not spoil the other calls')."""
    out = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if out.returncode not in ok:
        tail = (out.stderr.strip() or out.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise VecbenchError(f"{what} exited {out.returncode}: {tail[0]}")
    return out


def measure_runner(calls: list[Key], root: Path, env: dict[str, str], work: Path, threads: int | None,
                   allocator: str) -> dict[Key, float]:
    """``vecbench run`` with the default measurement plan, one run per size of the calls
    (``--sizes`` applies to every kernel of a run)."""
    medians: dict[Key, float] = {}
    for n in sorted({n for _, _, n in calls}):
        mine = [c for c in calls if c[2] == n]
        out = work / f"runner-{n}.json"
        cmd = [sys.executable, "-m", "vecbench", "run", "--preset", "default", "--sizes", str(n),
               "--kernels", *sorted({k for k, _, _ in mine}), "--tiers", *sorted({t for _, t, _ in mine}),
               "--allocator", allocator, "--out", str(out)]
        if threads:
            cmd += ["--threads", str(threads)]
        _run(cmd, root, env, "vecbench run")
        for r in json.loads(out.read_text())["records"]:
            key = (r["kernel"], r["tier"], r["n"])
            if r["status"] == "ok" and key in mine:
                medians[key] = r["stats"]["median"]
    return medians


def measure_pytest(calls: list[Key], root: Path, env: dict[str, str], work: Path) -> dict[Key, float]:
    suite = root / "tests" / "test_benchmarks.py"
    if not suite.is_file():
        raise VecbenchError(f"no pytest-benchmark suite at {suite}: run vecbench agree in a clone of the project")
    ladder = {(k, n) for k, spec in impls.KERNELS.items() for n in spec.sizes["quick"]}
    ids = [f"tests/test_benchmarks.py::test_kernel[{k}-{t}-{n}]" for k, t, n in calls if (k, n) in ladder]
    if not ids:
        return {}
    saved = work / "pytest.json"
    _run([sys.executable, "-m", "pytest", *ids, "-q", "-p", "no:cacheprovider", "--benchmark-enable",
          "--benchmark-max-time=0.5", f"--benchmark-json={saved}"],
         root, env, "pytest-benchmark")
    doc = json.loads(saved.read_text())
    return {(b["extra_info"]["kernel"], b["extra_info"]["tier"], b["extra_info"]["n"]): b["stats"]["median"]
            for b in doc["benchmarks"]}


def measure_asv(calls: list[Key], root: Path, env: dict[str, str], work: Path) -> dict[Key, float]:
    """``asv run`` of the calls' kernels in the existing environment, results kept in ``work``."""
    asv = asv_runner.asv_command()
    conf = asv_runner.load_config(root / asv_runner.CONFIG)
    conf.update(repo=str(root), benchmark_dir=str(root / conf["benchmark_dir"]),
                env_dir=str(work / "env"), results_dir=str(work / "asv"), html_dir=str(work / "html"))
    config = work / "asv.conf.json"
    config.write_text(json.dumps(conf))
    asv_runner.ensure_machine(asv, root)
    classes = sorted({core_class(k) for k, _, _ in calls})
    largest = all(n == impls.KERNELS[k].sizes["quick"][-1] for k, _, n in calls)
    env = dict(env, VECBENCH_ASV_SIZES="largest") if largest else env  # spare asv the smaller sizes
    _run([*asv, "--config", str(config), "run", "-E", "existing", "--set-commit-hash", "HEAD",
          "-b", rf"^bench_kernels\.({'|'.join(classes)})\.time_kernel"], root, env, "asv run", ok=(0, 2))
    out: dict[Key, float] = {}
    for path in (work / "asv").glob("*/*-existing-*.json"):
        doc = json.loads(path.read_text())
        columns = doc["result_columns"]
        for name, row in doc["results"].items():
            kernel = next((k for k, _, _ in calls if name == f"bench_kernels.{core_class(k)}.time_kernel"), None)
            if kernel is None:
                continue
            row = dict(zip(columns, row))
            combos = itertools.product(*[[asv_value(v) for v in p] for p in row["params"]])
            for (tier, n), value in zip(combos, row["result"] or []):
                if value is not None and value == value and (kernel, tier, int(n)) in calls:
                    out[(kernel, tier, int(n))] = value
    return out


def core_class(kernel: str) -> str:
    """The asv class of a kernel (``benchmarks._common.class_name``)."""
    return "".join(part[:1].upper() + part[1:] for part in kernel.split("_") if part)


def asv_value(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


#: The timeit process: set up by the core, then each call autoranged and repeated.
TIMEIT_SCRIPT = textwrap.dedent("""
    import json, statistics, sys, timeit
    import impls
    from vecbench.measure import core
    calls, threads, allocator = json.loads(sys.argv[1])
    core.setup_process(threads, allocator)
    out = []
    for kernel, tier, n in calls:
        case = core.prepare(impls.KERNELS[kernel], tier, n)
        core.warm(case.fn, case.args, case.spec.mutates)
        timer = timeit.Timer(lambda: case.fn(*case.fresh_args()))
        number, _ = timer.autorange()
        out.append([kernel, tier, n, statistics.median(timer.repeat(5, number)) / number])
    print(json.dumps(out))
""")


def measure_timeit(calls: list[Key], root: Path, env: dict[str, str], threads: int | None,
                   allocator: str) -> dict[Key, float]:
    out = _run([sys.executable, "-c", TIMEIT_SCRIPT, json.dumps([calls, threads, allocator])], root, env,
               "the timeit process")
    return {(k, t, n): s for k, t, n, s in json.loads(out.stdout.strip().splitlines()[-1])}


def agree(calls: list[Key], instruments: list[str], threads: int | None, allocator: str, rounds: int = 1,
          on_start=lambda instrument: None) -> Agreement:
    """Measure ``calls`` with each of ``instruments``, one after the other, ``rounds`` times
    over, so that slow drift of the machine falls on every instrument alike."""
    import time
    root = asv_runner.project_root()
    env = environment(threads, allocator)
    result = Agreement(calls)
    with tempfile.TemporaryDirectory(prefix="vecbench-agree-") as tmp:
        work = Path(tmp)
        for round_, inst in itertools.product(range(1, rounds + 1), instruments):
            on_start(inst + (f" (round {round_} of {rounds})" if rounds > 1 else ""))
            t0 = time.perf_counter()
            if inst == "runner":
                medians = measure_runner(calls, root, env, work, threads, allocator)
            elif inst == "pytest":
                medians = measure_pytest(calls, root, env, work)
            elif inst == "asv":
                medians = measure_asv(calls, root, env, work)
            else:
                medians = measure_timeit(calls, root, env, threads, allocator)
            result.add_round(inst, medians)
            result.seconds[inst] = result.seconds.get(inst, 0.0) + time.perf_counter() - t0
            for path in work.glob("*.json"):  # the next round writes afresh
                path.unlink()
            shutil.rmtree(work / "asv", ignore_errors=True)
    return result
