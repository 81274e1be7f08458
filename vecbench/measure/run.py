"""A whole run: the sweep under a progress bar, as one run document (not yet saved).

``execute`` is what ``vecbench run`` and the notebook API share: the process
state and thread counts are the caller's to set (``core.setup_process``);
this describes the machine, reads that state back before and after the
sweep (``state.read_back``), times the sweep and returns the document that
``results.save`` writes. Ctrl-C ends the sweep early and keeps the records.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from impls.registry import Kernel
from vecbench import __version__
from vecbench.ceilings.store import attach
from vecbench.measure import machine, results, state, timing
from vecbench.measure.settings import Settings
from vecbench.measure.sweep import Sweep


def execute(settings: Settings, kernels: list[Kernel], console: Console | None = None) -> dict[str, Any]:
    """Run the sweep with a progress bar; Ctrl-C ends it early, keeping the records."""
    doc, sweep = begin(settings)
    progress = Progress(TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console or Console(stderr=True), transient=True)
    t0 = time.perf_counter()
    complete = True
    with progress:
        task = progress.add_task("starting", total=sweep.steps(kernels))
        sweep.on_step = lambda what: progress.update(task, description=what)
        try:
            sweep.run(kernels, on_size_done=lambda: progress.advance(task),
                      on_total=lambda total: progress.update(task, total=total))
        except KeyboardInterrupt:
            complete = False
    return finish(doc, sweep, time.perf_counter() - t0, complete)


def begin(settings: Settings) -> tuple[dict[str, Any], Sweep]:
    """A run document's header (machine, settings, process state now) and the sweep that will fill it."""
    timer = timing.TIMERS[settings.timer]
    tick = timing.granularity(timer)
    started = datetime.now(timezone.utc)
    doc: dict[str, Any] = {
        "schema": results.SCHEMA, "schema_version": results.SCHEMA_VERSION, "vecbench_version": __version__,
        "started": started.isoformat(timespec="seconds"), "command": settings.command(),
        "settings": dict(settings.to_dict(), timer_tick=tick), "machine": attach(machine.describe()),
        "process_state": {"start": state.read_back()},
    }
    return doc, Sweep(settings, timer, tick)


def finish(doc: dict[str, Any], sweep: Sweep, wall_time: float, complete: bool) -> dict[str, Any]:
    """The run document once ``sweep`` is over: its records, the state read back again, the speed probes."""
    doc["machine"]["numba"] = machine.describe()["numba"]  # the threading layer is known only now
    doc["process_state"]["end"] = state.read_back()
    doc["machine"]["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    doc.update(finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
               wall_time=wall_time, idle_wait=sweep.settled, complete=complete,
               speed_probe={"workload": "a fixed pure-Python loop, best of 3, before each kernel x size step",
                            "summary": timing.probe_summary(sweep.probes), "times": sweep.probes},
               slow_guard=sweep.guard.summary(),
               records=sweep.records)
    return doc
