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
seen so far is thrown away and taken again, up to ``retakes`` times, and
as long as the time thrown away stays within ``SHARE`` of the time of the
samples kept; after that it is kept as it is, and counted. The share
bounds what a very noisy hour costs (a quarter more time in samples at
most), at the price of order: once it is spent, the next slow samples are
kept until enough fast ones have been.

Measured in one process in a slow period, 400 samples of 50 calls of
``sigmoid`` numpy at 256, each bracketed so: the samples whose two probes
read fast had their 90th percentile at 1.04 times their minimum, all
samples at 1.28 times. A sample still slow after its retakes, or once the
share is spent, is kept and marked (``slow``), and the record's statistics
leave it out while enough fast ones remain (``records.counted``; the
slower probe beside each sample, against the fastest, is kept as
``probe``). A figure is thus the call's time on the machine in its fast
state.

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
#: The samples thrown away may add up to at most this share of the time of the samples kept (in one
#: process, so far): without it, a default run in a noisy hour here threw away 2184-3091 samples against
#: about 3450 kept, and took 283-285 s with all threads.
SHARE = 0.25


class Guard:
    """The probes around one process's samples, and what they made it take again."""

    def __init__(self, timer: Callable[[], float], retakes: int = RETAKES, share: float = SHARE):
        self.timer = timer
        self.retakes = retakes
        self.share = share
        self.fastest = math.inf
        self.probes = 0
        self.retaken = 0  # samples thrown away
        self.kept_slow = 0  # samples kept slow, their retakes or the share spent
        self.share_spent = 0  # of those, samples kept slow because the thrown-away time reached ``SHARE``
        self.kept = 0.0  # seconds in the samples kept
        self.thrown = 0.0  # seconds in the samples thrown away

    def probe(self) -> float:
        """One run of the probe workload (seconds on the sweep's timer); the fastest so far is updated."""
        seconds = timing.speed_probe(repeats=1, timer=self.timer)
        self.probes += 1
        self.fastest = min(self.fastest, seconds)
        return seconds

    def slow(self, seconds: float) -> bool:
        return seconds > SLOW * self.fastest

    def take(self, call: timing.Call, number: int, wanted: int, on_sample: Callable[[int], None]
             ) -> dict[str, list]:
        """``wanted`` samples of ``number`` calls in a row, as a record's lists
        beside its samples (``records.PER_SAMPLE``): seconds per call, page faults
        per call (empty where not counted), the times each was taken again, and
        whether each was kept slow (1: a probe beside it read slow after its
        retakes, or once the share was spent; 0 otherwise, also where not judged),
        and the slower of its two probes over the fastest so far (None where not judged)."""
        samples: list[float] = []
        faults: list[float] = []
        retaken: list[int] = []
        slow_kept: list[int] = []
        probed: list[float | None] = []
        before = self.probe() if self.retakes and wanted else 0.0
        for i in range(wanted):
            on_sample(i)
            again = kept_slow = 0
            reading = None
            while True:
                seconds = call.sample(number)
                if not self.retakes or seconds >= LONGEST:
                    break
                after = self.probe()
                reading = max(before, after) / self.fastest
                slow = self.slow(before) or self.slow(after)
                before = after
                if not slow:
                    break
                spent = self.thrown + seconds > self.share * self.kept
                if again == self.retakes or spent:
                    self.kept_slow += 1
                    kept_slow = 1
                    self.share_spent += spent and again < self.retakes
                    break
                again += 1
                self.thrown += seconds
            self.retaken += again
            self.kept += seconds
            samples.append(seconds / number)
            retaken.append(again)
            slow_kept.append(kept_slow)
            probed.append(reading)
            if call.faults_per_call is not None:
                faults.append(call.faults_per_call)
        return {"samples": samples, "page_faults": faults, "retaken": retaken, "slow": slow_kept,
                "probe": probed}

    def summary(self) -> dict[str, Any]:
        """What the run file keeps of it (``slow_guard``)."""
        return {"slow": SLOW, "longest": LONGEST, "retakes": self.retakes, "probes": self.probes,
                "fastest_probe": self.fastest if self.probes else None,
                "share": self.share, "retaken": self.retaken, "kept_slow": self.kept_slow,
                "share_spent": self.share_spent, "kept_seconds": self.kept, "thrown_seconds": self.thrown}


def merged(summaries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The guards of a run's worker processes as one (counts added, the fastest probe of all)."""
    summaries = [s for s in summaries if s]
    if not summaries:
        return None
    fastest = [s["fastest_probe"] for s in summaries if s.get("fastest_probe") is not None]
    added = ("probes", "retaken", "kept_slow", "share_spent", "kept_seconds", "thrown_seconds")
    return dict(summaries[0], **{k: sum(s.get(k, 0) for s in summaries) for k in added},
                fastest_probe=min(fastest) if fastest else None)
