"""``vb.bench(fn, "propagate")``: a learner's function timed beside the built-in tiers of its kernel.

The function is checked first, as ``vb.check`` checks it, in the dtype it
is to be timed in; only a match is timed, as tier ``yours`` of its kernel
(``usercode.user_kernels``), by the runner itself (``measure.run.execute``)
under the process state of ``vecbench run`` (``core.setup_process``): the
same ladder, gate, budget (which covers ``yours``, as it may be loops),
passes and speed-ups (vs python, numpy and numba) as ``vecbench run --impl``.
A function that does not match comes back with its verdict and no times.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from vecbench import usercode
from vecbench.measure import core, state, timing
from vecbench.measure.run import execute
from vecbench.measure.settings import Settings
from vecbench.notebook.checking import DTYPES, check_arguments
from vecbench.notebook.comparing import valid_sizes
from vecbench.notebook.tables import html_table, text_table
from vecbench.show.report import summary_rows
from vecbench.usercode import FunctionVerdict

#: The tier the learner's function is timed as.
TIER = "yours"


@dataclass
class Bench:
    """A learner's function and its kernel's tiers timed (``run`` is the run document), or,
    when the function did not match, its verdict alone (``run`` is None)."""

    name: str
    verdict: FunctionVerdict
    run: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """False when the function is wrong or crashed, or a tier failed the gate or raised in the run."""
        return self.verdict.ok and not any(r["status"] in ("failed", "error") for r in self.records)

    @property
    def timed(self) -> bool:
        return self.run is not None

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.run["records"] if self.run else []

    def table(self) -> tuple[list[str], list[list[str]]]:
        """The report's table, for one kernel: median ±IQR/median per size and tier, then the speed-ups
        of ``yours`` (vs python, numpy, numba; the run document has the built-in tiers' too)."""
        if not self.run:
            return [], []
        headers, rows = summary_rows(self.run)
        keep = [i for i, h in enumerate(headers) if i and (" vs " not in h or h.startswith(f"{TIER} vs "))]
        return [headers[i] for i in keep], [[row[i] for i in keep] for row in rows]

    def caption(self) -> str:
        if not self.timed:
            return (f"{self.name} was not timed: its verdict is {self.verdict.status}, and only a function that "
                    "matches the reference is timed")
        s = self.run["settings"]
        return (f"{self.name} as tier {TIER} of kernel {self.records[0]['kernel']}: median time per call "
                f"(±IQR/median) and speed-ups; {s['dtype']}, preset {s['preset']}, {s['threads']} thread(s), "
                f"budget {s['budget']:g} s per call of the loops and of {TIER}")

    def notes(self) -> list[str]:
        """The check's verdict, then why any tier has no time at a size."""
        return self.verdict.lines() + [f"{r['tier']} at n={r['n']}: {r['reason']}" for r in self.records
                                       if r["status"] != "ok" and r.get("reason")]

    def lines(self) -> list[str]:
        table = text_table(*self.table()) if self.timed else []
        return [self.caption(), *table, *self.notes()]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_table(*self.table(), self.caption(), self.notes()) if self.timed else \
            html_table(["verdict"], [[line] for line in self.verdict.lines()], self.caption(), figures=False)

    def plot(self):
        """Time per call vs n, one line per tier (the report's figure), as a matplotlib Figure."""
        from vecbench.notebook.figure import time_vs_size

        if not self.timed:
            raise ValueError(f"nothing to plot: {self.caption()}")
        return time_vs_size(self.records[0]["kernel"], self.records,
                            f"{self.name} as tier {TIER}, checked against the reference before it was timed")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "tier": TIER, "verdict": self.verdict.to_dict(), "run": self.run}


def bench(fn: Callable, name: str, sizes: Iterable[int] | None = None, dtype: str = "float64",
          preset: str = "quick", tiers: Iterable[str] | None = None, budget: float | None = None,
          threads: int | None = None, allocator: str = state.DEFAULT_ALLOCATOR,
          time_limit: float = usercode.TIME_LIMIT) -> Bench:
    """Check ``fn`` as the course function ``name``; if it matches, time it as tier ``yours``
    beside its kernel's tiers (``tiers``: which, default all) on ``sizes`` (default: the preset's ladder)."""
    check_arguments(fn, name, "bench")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if preset not in timing.PLANS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(timing.PLANS)}")
    sizes = None if sizes is None else valid_sizes(sizes)
    kernels, verdicts = usercode.user_kernels({name: fn}, TIER, (dtype,), preset, 0, time_limit)
    (verdict,) = [v for v in verdicts if v.name == name]
    if not kernels:
        return Bench(name, verdict)
    (kernel,) = kernels
    tiers = None if tiers is None else list(tiers)
    unknown = [t for t in tiers or [] if t not in kernel.tiers or t == TIER]
    if unknown:
        builtin = ", ".join(t for t in kernel.tiers if t != TIER)
        raise ValueError(f"{kernel.name} has no tier {', '.join(map(repr, unknown))}; its tiers are {builtin}")
    settings = Settings(preset=preset, dtype=dtype, seed=0, budget=budget, kernels=[kernel.name],
                        tiers=None if tiers is None else [*tiers, TIER], sizes=sizes, allocator=allocator,
                        impl={TIER: f"{name} (vb.bench)"})
    with ExitStack() as stack:
        settings.threads = core.setup_process(threads, allocator, stack)["threads_set"]
        run = execute(settings, [kernel], Console(file=io.StringIO(), force_jupyter=False))  # no progress bar shown
    run["impl"] = {TIER: {"path": settings.impl[TIER], "notebook": False, "timed": [kernel.name],
                          "verdicts": [verdict.to_dict()]}}
    return Bench(name, verdict, run)
