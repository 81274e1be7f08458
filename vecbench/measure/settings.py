"""What decides a run: ``Settings`` (stored with it), the budget and the passes allowed.

The sweep (``vecbench.measure.sweep``) does what these say; ``vecbench run``,
``vecbench ab``, the worker processes and the notebook API build them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from vecbench.measure import state, steady, timing

#: The tier name of ``--plant-slowdown`` that plants in every tier.
PLANT_ALL = "all"

#: Tiers the budget applies to: the loops, which grow from milliseconds to hours.
BUDGETED_TIERS = ("python",)

#: Default budget per preset: the longest predicted single call of a budgeted
#: tier (seconds). A measurement costs about five such calls.
BUDGETS = {"quick": 0.25, "default": 0.5, "large": 5.0}


@dataclass
class Settings:
    """Everything that decides what a run measures (stored with the run)."""

    preset: str = "default"
    dtype: str = "float64"
    timer: str = "perf_counter"
    seed: int = 0
    budget: float | None = None
    threads: int | None = None
    kernels: list[str] = field(default_factory=list)
    tiers: list[str] | None = None
    sizes: list[int] | None = None
    allocator: str = state.DEFAULT_ALLOCATOR
    processes: int = 1                   # fresh worker processes sharing each record's samples
    worker: tuple[int, int] | None = None  # (i, n): this process is worker i of n
    #: A later worker's calibration: the first worker's run file, whose calls per sample it takes.
    calibration: str | None = None
    #: Planted slowdowns, tier (or ``"all"``) -> fraction: for measuring verdicts only (``timing.Call``).
    plant: dict[str, float] = field(default_factory=dict)
    #: The learner's files timed beside the tiers (``--impl``): tier -> path.
    impl: dict[str, str] = field(default_factory=dict)
    #: Passes the samples are spread over, instead of the preset's (``max_passes`` at most).
    passes: int | None = None
    #: Times a sample taken in a slow spell of the machine may be taken again (``steady``); 0: never.
    retakes: int = steady.RETAKES

    def budgeted(self, tier: str) -> bool:
        """Whether the budget applies to ``tier``: the loops, and a learner's code, which may be loops too."""
        return tier in BUDGETED_TIERS or tier in self.impl

    def plant_of(self, tier: str) -> float:
        """The planted slowdown of ``tier`` (0 when none)."""
        return self.plant.get(tier, self.plant.get(PLANT_ALL, 0.0))

    def plan(self) -> timing.Plan:
        plan = timing.PLANS[self.preset]
        if self.passes:
            plan = replace(plan, passes=self.passes)
        return plan.split(*reversed(self.worker)) if self.worker else plan

    def budget_seconds(self) -> float:
        return BUDGETS[self.preset] if self.budget is None else self.budget

    def command(self) -> list[str]:
        """The command line that repeats this run's measurement."""
        argv = ["vecbench", "run", "--preset", self.preset, "--dtype", self.dtype, "--timer", self.timer,
                "--seed", str(self.seed), "--budget", f"{self.budget_seconds():g}"]
        if self.threads:
            argv += ["--threads", str(self.threads)]
        if self.allocator != state.DEFAULT_ALLOCATOR:
            argv += ["--allocator", self.allocator]
        if self.processes > 1:
            argv += ["--processes", str(self.processes)]
        if self.passes:
            argv += ["--passes", str(self.passes)]
        if self.retakes != steady.RETAKES:
            argv += ["--retakes", str(self.retakes)]
        if self.worker:
            argv += ["--worker", f"{self.worker[0]}/{self.worker[1]}"]
        if self.calibration:
            argv += ["--calibration", self.calibration]
        for tier, fraction in self.plant.items():
            argv += ["--plant-slowdown", f"{tier}:{fraction:.6g}"]
        if self.impl:
            argv += ["--impl", *self.impl.values()]
        for flag, values in (("--kernels", self.kernels), ("--tiers", self.tiers), ("--sizes", self.sizes)):
            if values:
                argv += [flag, *map(str, values)]
        return argv

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["budget"] = self.budget_seconds()
        d["plan"] = asdict(self.plan())
        return d


def max_passes(preset: str) -> int:
    """The most passes a preset's samples can be spread over: one sample each of its most sampled records."""
    return timing.PLANS[preset].max_repeat
