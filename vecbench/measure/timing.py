"""One measurement: the first call on its own, autorange, repeated samples, stats.

A measurement of ``fn(*args)`` goes in three steps, each kept apart so that a
sweep can interleave them across tiers (``vecbench.measure.sweep``):

1. ``first_call``: the very first call, timed alone. For a Numba dispatcher
   meeting a new signature this is compile (or cache load) plus one run; it
   never enters a sample.
2. ``autorange``: the number of calls per sample, grown in 1-2-5 steps until
   one sample lasts at least ``min_sample_time`` (and at least
   ``RESOLUTION_FACTOR`` times the timer's measured granularity), so that the
   timer's resolution and its own overhead are negligible.
3. ``sample``: ``number`` calls between two timer readings, divided by
   ``number``; the page faults the calls took are counted beside (outside
   the timed region). Samples are repeated; ``stats`` summarises them by median,
   quartiles and minimum, the raw samples being kept beside.

Like ``timeit``, the garbage collector is off while a sample runs (a
collection triggered by one tier's garbage must not be billed to another),
and the loop is a plain ``for`` over ``itertools.repeat`` so that the
per-call overhead matches ``python -m timeit``'s.

Kernels that write into their inputs (``Kernel.mutates``) get fresh inputs
for every call: the copies are made before the timer starts, each array on
a cache line as the originals are (``align``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import math
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from vecbench.measure.align import aligned

#: Timers a user may pick (``--timer``): wall clock or this process's CPU time.
TIMERS: dict[str, Callable[[], float]] = {
    "perf_counter": time.perf_counter,
    "process_time": time.process_time,
}

#: A sample must last this many timer ticks, so one tick is <= 0.1% of it.
RESOLUTION_FACTOR = 1000

#: Fresh input copies for a mutating kernel are capped at this many bytes per
#: sample; past it the sample holds fewer calls (and is shorter than asked).
MAX_COPY_BYTES = 512 * 2**20

#: Calls per sample never exceed this (guards against a timer that stands still).
MAX_NUMBER = 10**8


def page_faults() -> int | None:
    """Page faults this process has taken so far (minor + major), or None where
    the platform does not count them. The difference around a sample says how
    many pages its calls touched for the first time: a kernel returning a
    fresh array pays for every page of it, once per call."""
    try:
        import resource
    except ImportError:  # not on Unix
        return None
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_minflt + usage.ru_majflt


def _running_threads() -> list[int] | None:
    """This process's threads, but the caller, that are on a CPU or waiting
    for one (state R in /proc/self/task/*/stat); None off Linux."""
    me = threading.get_native_id()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return None
    running = []
    for tid in tasks:
        if int(tid) == me:
            continue
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:  # the thread ended
            continue
        if stat[stat.rindex(")") + 2:].startswith("R"):
            running.append(int(tid))
    return running


def quiesce(max_wait: float = 0.5, poll: float = 0.001, settle: int = 2) -> float:
    """Wait until no other thread of this process is running; returns the seconds waited.

    Thread pools spin for a while after their work is done, to answer the
    next call quickly: OpenBLAS's workers for about 0.1 s after a threaded
    BLAS call, an OpenMP pool for some milliseconds. On a machine with few
    cores that spinning thread takes a core from whatever runs next, so a
    tier timed just after another tier's threaded call would be billed for
    it. The wait ends once ``settle`` looks at the threads' states, ``poll``
    apart, find none running, or after ``max_wait`` (a thread that never
    rests is not the sweep's to wait out). A no-op off Linux.

    The threads' states are read, not their CPU time: Linux brings a running
    thread's CPU time up to date only at a scheduler tick (every 4 ms here),
    so over a window of a few milliseconds a spinning thread can look idle.
    """
    start = time.perf_counter()
    quiet = 0
    while (waited := time.perf_counter() - start) < max_wait:
        running = _running_threads()
        if running is None:
            return 0.0
        quiet = 0 if running else quiet + 1
        if quiet >= settle:
            return waited
        time.sleep(poll)
    return waited


def probe_workload(n: int = 10_000) -> int:
    """A fixed piece of pure-Python work (about a millisecond or less): integer
    arithmetic in the interpreter's loop, touching no memory to speak of."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def speed_probe(repeats: int = 3, timer: Callable[[], float] = time.perf_counter) -> float:
    """Seconds the fixed probe workload takes now (best of ``repeats``, on ``timer``).

    The same work at different moments of a run says how fast the machine
    itself was then: on a virtual machine whose core is shared with another
    guest's, it can move by tens of percent within a minute, and so does
    every kernel measured in that minute.
    """
    best = math.inf
    for _ in range(repeats):
        t0 = timer()
        probe_workload()
        best = min(best, timer() - t0)
    return best


def probe_summary(probes: list[list[float]]) -> dict[str, float] | None:
    """Median, 10th and 90th percentiles of a run's probe times, and their
    spread ``(p90 - p10) / median``; None without probes."""
    times = sorted(t for _, t in probes)
    if not times:
        return None
    med = statistics.median(times)
    p10, p90 = times[int(0.1 * (len(times) - 1))], times[int(0.9 * (len(times) - 1) + 0.5)]
    return {"median": med, "p10": p10, "p90": p90, "spread": (p90 - p10) / med if med > 0 else 0.0}


def granularity(timer: Callable[[], float], tries: int = 50) -> float:
    """Smallest step the timer is seen to take (seconds), measured not declared.

    ``time.get_clock_info`` reports the API's nominal resolution; what matters
    is the smallest non-zero difference of two successive readings.
    """
    steps = []
    for _ in range(tries):
        a = b = timer()
        deadline = 0
        while b == a:
            b = timer()
            deadline += 1
            if deadline > 10**7:  # a clock that never moves: treat as 1 s steps
                return 1.0
        steps.append(b - a)
    return min(steps)


@dataclass(frozen=True)
class Stats:
    """Summary of per-call times (seconds)."""

    median: float
    q1: float
    q3: float
    iqr: float
    min: float
    max: float
    mean: float

    def to_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


def stats(samples: list[float]) -> Stats:
    """Median, quartiles (inclusive method), spread and extremes of ``samples``."""
    if not samples:
        raise ValueError("no samples")
    if len(samples) == 1:
        q1 = med = q3 = samples[0]
    else:
        q1, med, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return Stats(median=med, q1=q1, q3=q3, iqr=q3 - q1, min=min(samples), max=max(samples),
                 mean=statistics.fmean(samples))


#: Largest planted slowdown ``Call`` takes (a fraction: 10.0 is +1000%).
MAX_PLANT = 10.0


class Call:
    """``fn(*args)`` ready to be timed with ``timer``.

    ``mutates``: give every call its own deep copy of ``args`` (``align.aligned``: each array on a cache line).

    ``plant``: a planted slowdown, for measuring verdicts only (``vecbench
    run --plant-slowdown``, README "What a verdict means"): each sample of
    ``number`` calls also does ``plant * number`` more calls of the same
    work inside its timed region: the whole ones as real calls, the
    fraction left as a busy wait of that fraction of the sample's own
    per-call time. A sample then takes ``1 + plant`` times as long as it
    would have, with the noise of the machine at that moment.
    """

    def __init__(self, fn: Callable[..., Any], args: tuple, timer: Callable[[], float],
                 mutates: bool = False, args_bytes: int = 0, plant: float = 0.0):
        if not 0 <= plant < MAX_PLANT:
            raise ValueError(f"a planted slowdown must be between 0 and {MAX_PLANT:.0%} (got {plant:.0%})")
        self.fn = fn
        self.args = args
        self.timer = timer
        self.mutates = mutates
        self.args_bytes = args_bytes
        self.plant = plant

    #: Page faults per call in the last sample (None where not counted).
    faults_per_call: float | None = None

    def count_faults(self, before: int | None, number: int) -> None:
        after = page_faults()
        self.faults_per_call = None if before is None or after is None else (after - before) / number

    def fresh_args(self) -> tuple:
        return aligned(self.args) if self.mutates else self.args

    def max_number(self) -> int:
        """Most calls one sample may hold (bounded by the copies it needs)."""
        if self.mutates and self.args_bytes > 0:
            return max(1, min(MAX_NUMBER, MAX_COPY_BYTES // self.args_bytes))
        return MAX_NUMBER

    def first_call(self) -> tuple[float, Any]:
        """Time the first call alone; returns (seconds, output)."""
        args = self.fresh_args()
        timer = self.timer
        t0 = timer()
        out = self.fn(*args)
        t1 = timer()
        return t1 - t0, out

    def sample(self, number: int) -> float:
        """Total seconds of ``number`` back-to-back calls (and of the planted extra work, if any)."""
        fn, timer, args = self.fn, self.timer, self.args
        extra, fraction = divmod(self.plant * number, 1.0)
        calls = number + int(extra)
        batch = [aligned(args) for _ in range(calls)] if self.mutates else None
        it = itertools.repeat(None, number)
        with self.timed_region(number):
            t0 = timer()
            if batch is None:
                for _ in it:
                    fn(*args)
            else:
                for a in batch[:number]:
                    fn(*a)
            if self.plant:
                self._planted(batch[number:] if batch else [args] * int(extra), fraction, (timer() - t0) / number)
            t1 = timer()
        return t1 - t0

    def _planted(self, extra_args: list[tuple], fraction: float, per_call: float) -> None:
        """The planted slowdown's share of one sample: whole calls, then a busy wait for the rest."""
        for a in extra_args:
            self.fn(*a)
        timer = self.timer
        end = timer() + fraction * per_call
        while timer() < end:
            pass

    @contextlib.contextmanager
    def timed_region(self, number: int) -> Iterator[None]:
        """The garbage collector off, and the page faults of ``number`` calls counted."""
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            f0 = page_faults()
            yield
            self.count_faults(f0, number)
        finally:
            if gc_was_enabled:
                gc.enable()


def _step_125(x: float) -> int:
    """Smallest number of the 1-2-5 sequence that is >= x."""
    if x <= 1:
        return 1
    exponent = math.floor(math.log10(x))
    for mantissa in (1, 2, 5, 10):
        candidate = mantissa * 10**exponent
        if candidate >= x - 1e-9:
            return int(candidate)
    return int(10 ** (exponent + 1))


def autorange(call: Call, min_time: float, estimate: float | None = None) -> tuple[int, float]:
    """Calls per sample so one sample lasts at least ``min_time`` seconds.

    A single call is timed first; ``estimate`` (e.g. the first call's time)
    may raise that guess, never lower it, so a wrong estimate cannot launch a
    huge sample. One call is judged enough only if two calls in a row say so.
    Returns ``(number, expected seconds of one sample)``, the
    expectation using the fastest per-call time seen so that one disturbed
    calibration sample does not cut the repeats. Calibration samples double
    as warm-up and are not kept.
    """
    cap = call.max_number()
    probe = call.sample(1)
    if probe >= min_time:
        # one call seems enough; a second confirms it, so that a call caught
        # by a burst of load elsewhere does not make every sample one call long
        probe = min(probe, call.sample(1))
        if probe >= min_time:
            return 1, probe
    best = probe
    guess = max(probe, estimate or 0.0)
    number = min(cap, _step_125(min_time / guess)) if guess > 0 else 10
    while True:
        elapsed = call.sample(number)
        per_call = elapsed / number
        best = min(best, per_call)
        if elapsed >= min_time or number >= cap:
            return number, number * best
        # aim 20% past the mark so one more step is usually enough
        wanted = min_time * 1.2 / per_call if per_call > 0 else number * 10
        number = min(cap, max(number * 2, _step_125(wanted)))


@dataclass(frozen=True)
class Plan:
    """How long to measure: the knobs of one preset.

    ``passes``: a sweep takes each measurement's samples in this many passes
    over the whole plan (``vecbench.measure.sweep``), so that the samples of one record
    are spread over the run's duration instead of a fraction of a second. A
    slow spell of the machine (a CPU in its slow state for seconds at a
    time, another guest's burst of load) then falls on a minority of each
    record's samples, which the median ignores. The more passes, the more
    independent moments each median is taken over: with three, a spell that
    caught two of them moved the whole median. A record with fewer samples
    than passes takes one in passes spread evenly over the run.
    """

    min_sample_time: float   # seconds one sample must last
    target_time: float       # seconds of samples wanted per measurement
    min_repeat: int          # never fewer samples than this
    max_repeat: int          # never more samples than this
    passes: int = 1          # sweeps over the plan that share the samples
    loop_min_repeat: int | None = None  # min_repeat of the budgeted loop tiers (default: min_repeat)

    def __post_init__(self) -> None:
        if not (1 <= self.passes <= self.max_repeat and 1 <= min(self.min_repeat, self.loop_min)
                and max(self.min_repeat, self.loop_min) <= self.max_repeat):
            raise ValueError("a plan needs 1 <= passes <= max_repeat and 1 <= min_repeat, "
                             "loop_min_repeat <= max_repeat")

    @property
    def loop_min(self) -> int:
        return self.min_repeat if self.loop_min_repeat is None else self.loop_min_repeat

    def repeats(self, sample_time: float, loop: bool = False) -> int:
        """Samples to take when one sample lasts ``sample_time`` seconds
        (``loop``: for a budgeted loop tier, whose floor is ``loop_min_repeat``)."""
        floor = self.loop_min if loop else self.min_repeat
        if sample_time <= 0:
            return self.max_repeat
        return max(floor, min(self.max_repeat, round(self.target_time / sample_time)))

    def split(self, processes: int, worker: int = 1) -> "Plan":
        """A worker's plan (``workers``): its share of samples and passes, dealt to add up to one process's."""
        if not 1 <= worker <= max(processes, 1):
            raise ValueError(f"worker {worker} of {processes}: the worker must be between 1 and {processes}")
        if processes <= 1:
            return self
        share = lambda k: max(1, deal(k, processes)[worker - 1])  # noqa: E731
        min_repeat, loop_min = share(self.min_repeat), share(self.loop_min)
        max_repeat = max(min_repeat, loop_min, share(self.max_repeat))
        return dataclasses.replace(self, target_time=self.target_time / processes, min_repeat=min_repeat,
                                   max_repeat=max_repeat, loop_min_repeat=loop_min,
                                   passes=min(share(self.passes), max_repeat))

    def shares(self, repeats: int) -> list[int]:
        """``repeats`` samples dealt over the passes (``deal``)."""
        return deal(repeats, self.passes)


def deal(repeats: int, passes: int) -> list[int]:
    """``repeats`` samples dealt over ``passes`` passes: as evenly as they go,
    earlier passes first; with fewer samples than passes, one in each of
    ``repeats`` passes spread evenly from the first to the last (3 over 6:
    passes 1, 4 and 6). A record's samples are stored in pass order, so this
    also says which pass took which sample."""
    repeats = max(repeats, 1)
    if repeats < passes:
        step = (passes - 1) / max(repeats - 1, 1)
        taken = {int(i * step + 0.5) for i in range(repeats)}
        return [int(p in taken) for p in range(passes)]
    return [repeats // passes + (i < repeats % passes) for i in range(passes)]


#: Measurement plans per preset: quick favours speed, large favours stability.
#: Default and large spread a record's samples over five passes, so that its
#: median is taken over five moments of the run (README, "Why five passes":
#: three let one slow spell carry a median; six cost another 20 s a run with
#: all threads, which ``make bench`` has not got). The budgeted loops, whose
#: calls run up to the budget, take their three samples in passes 1, 3 and 5.
PLANS = {
    "quick": Plan(min_sample_time=0.002, target_time=0.03, min_repeat=5, max_repeat=11, passes=2),
    "default": Plan(min_sample_time=0.01, target_time=0.12, min_repeat=6, max_repeat=12, passes=5,
                    loop_min_repeat=3),
    "large": Plan(min_sample_time=0.05, target_time=0.6, min_repeat=6, max_repeat=15, passes=5,
                  loop_min_repeat=3),
}


def measure(fn: Callable[..., Any], args: tuple, plan: Plan, timer: Callable[[], float] = time.perf_counter,
            mutates: bool = False, args_bytes: int = 0, tick: float = 0.0) -> dict[str, Any]:
    """A whole measurement of ``fn(*args)`` in one go (no interleaving).

    Returns ``first_call``, ``number``, ``samples`` (seconds per call) and
    ``stats``. ``tick`` is the timer's granularity, raising the sample floor.
    """
    call = Call(fn, args, timer, mutates, args_bytes)
    first, _ = call.first_call()
    min_time = max(plan.min_sample_time, RESOLUTION_FACTOR * tick)
    number, elapsed = autorange(call, min_time, estimate=first)
    samples = [call.sample(number) / number for _ in range(plan.repeats(elapsed))]
    return {"first_call": first, "number": number, "samples": samples, "stats": stats(samples)}
