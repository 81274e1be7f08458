"""Samples taken while the machine itself ran slow, taken again.

On a virtual machine whose cores are shared with other guests, the machine
flips between two speeds: here the speed probe's fixed Python work
(``timing.speed_probe``) reads 360-430 µs in one state and 600-700 µs, 1.5
to 1.9 times as long, in the other, in spells of tens of milliseconds to
seconds, on both CPUs, with no steal time reported to the guest. A record's
median then says how many of its samples fell in slow spells as much as
how fast its call is, and two runs of the same calls disagreed by 10-45%
on whole kernels when one of them ran through more spells.

So every sample is bracketed by one run of the probe workload before and
one after (the one after a sample is the one before the next), and a
sample where either reads ``SLOW`` times the fastest probe this process has
seen so far is thrown away and taken again, up to ``retakes`` times; after
that it is kept as it is. Measured in one process in a slow period, 400
samples of 50 calls of ``sigmoid`` numpy at 256 each bracketed so: the
samples whose two probes read fast had their 90th percentile at 1.04 times
their minimum, all samples at 1.28 times. A figure is thus, as far as
the retakes reach (a sample still slow after them is kept and counted),
the call's time on the machine in its fast state.

The probe measures the CPU, not the memory bus: a memory-bound call
(``multiply`` at 10^6) still spread by 26% over its fast-probed samples,
so what a neighbour does to memory bandwidth is not caught. Samples of
``LONGEST`` or more are kept as they come: they span several spells, and
their probes say little about the time between them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from vecbench.measure import timing

#: A probe this many times the fastest one seen marks the machine slow: its slow state reads 1.5-1.9 times,
#: its fast state up to about 1.15 times (single probes, 3000 in a row).
SLOW = 1.3
#: Samples this long (seconds) or longer are not judged: they span several fast and slow spells.
LONGEST = 0.3
#: Times a sample may be taken again by default (``--retakes``).
RETAKES = 2


class Guard:
    """The probes around one process's samples, and what they made it take again."""

    def __init__(self, timer: Callable[[], float], retakes: int = RETAKES):
        self.timer = timer
        self.retakes = retakes
        self.fastest = math.inf
        self.probes = 0
        self.retaken = 0  # samples thrown away
        self.kept_slow = 0  # samples kept slow once their retakes ran out

    def probe(self) -> float:
        """One run of the probe workload (seconds on the sweep's timer); the fastest so far is updated."""
        t0 = self.timer()
        timing.probe_workload()
        seconds = self.timer() - t0
        self.probes += 1
        self.fastest = min(self.fastest, seconds)
        return seconds

    def slow(self, seconds: float) -> bool:
        return seconds > SLOW * self.fastest

    def take(self, call: timing.Call, number: int, wanted: int, on_sample: Callable[[int], None]
             ) -> tuple[list[float], list[float], list[int]]:
        """``wanted`` samples of ``number`` calls in a row: seconds per call, page
        faults per call (empty where not counted) and the times each was taken again."""
        samples: list[float] = []
        faults: list[float] = []
        retaken: list[int] = []
        before = self.probe() if self.retakes and wanted else 0.0
        for i in range(wanted):
            on_sample(i)
            again = 0
            while True:
                seconds = call.sample(number)
                if not self.retakes or seconds >= LONGEST:
                    break
                after = self.probe()
                slow = self.slow(before) or self.slow(after)
                before = after
                if not slow:
                    break
                if again == self.retakes:
                    self.kept_slow += 1
                    break
                again += 1
            self.retaken += again
            samples.append(seconds / number)
            retaken.append(again)
            if call.faults_per_call is not None:
                faults.append(call.faults_per_call)
        return samples, faults, retaken

    def summary(self) -> dict[str, Any]:
        """What the run file keeps of it (``slow_guard``)."""
        return {"slow": SLOW, "longest": LONGEST, "retakes": self.retakes, "probes": self.probes,
                "fastest_probe": self.fastest if self.probes else None,
                "retaken": self.retaken, "kept_slow": self.kept_slow}


def merged(summaries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The guards of a run's worker processes as one (counts added, the fastest probe of all)."""
    summaries = [s for s in summaries if s]
    if not summaries:
        return None
    fastest = [s["fastest_probe"] for s in summaries if s.get("fastest_probe") is not None]
    return dict(summaries[0], probes=sum(s["probes"] for s in summaries),
                retaken=sum(s["retaken"] for s in summaries), kept_slow=sum(s["kept_slow"] for s in summaries),
                fastest_probe=min(fastest) if fastest else None)
