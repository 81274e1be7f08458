"""The sweep behind ``vecbench run``: kernels x sizes x tiers, gated, then timed.

For each kernel, sizes ascend; for each size the inputs are built once and
every tier goes through, in a seeded shuffled order:

1. the budget: a budgeted tier (``python``, and a learner's ``--impl``
   tier) whose time per call, predicted from the smaller sizes' fitted
   growth, exceeds ``--budget`` is skipped and recorded with the estimate;
2. the first call, timed alone (Numba's compile or cache load lands here);
3. the equivalence gate (``check.gate``) on exactly these inputs, judging
   that first call's output (and whether it left the inputs unchanged): a
   tier that does not match is recorded as failed with the reason and never
   timed;
4. tier by tier, in a fresh shuffled order: a wait until no other thread of
   the process runs (``timing.quiesce``: thread pools spin after their
   work, and a spinning pool left behind by one tier would slow the next),
   the heap's free memory handed back (``state.clear_heap``), autorange
   (calls per sample; a later worker of ``--processes`` takes the first
   worker's and makes one warm-up call instead, ``workers``), then the
   first pass's share of the samples.

A later worker skips steps 1 and 3 (``Sweep.open_gated``): it times what
the first worker timed, which gated it on the same seeded inputs.

The plan's later passes (``Plan.passes``) then go over every measured
kernel x size again, in a seeded shuffled order, each on the same seeded
inputs (the first pass's, kept) and giving every tier, in a shuffled order,
the same wait, an untimed warm-up call and its share of the samples; a record's
statistics cover its samples of every pass (those not kept slow,
``records.counted``). One record's samples thus span the run rather
than a fraction of a second, and a few seconds of load from elsewhere on
the machine cannot move its median; the shuffled orders spread slow drift
of the machine over every tier alike.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from impls.registry import Kernel, nbytes, shapes
from vecbench.measure import check, core, machine, steady, timing, workers
from vecbench.measure.budget import predict, work_of
from vecbench.measure.align import aligned, offsets
from vecbench.measure.records import PER_SAMPLE, SPEEDUP_KEYS, add_speedups, raised, summarize
from vecbench.measure.settings import Settings

#: The first pass's inputs are kept for the later passes, which call the
#: tiers on them again instead of drawing them from the seed (8 s for all of
#: the default ladder, 2.8 GB), as long as all kept inputs fit in this share
#: of the machine's memory; past it a size's inputs are drawn again.
KEEP_SHARE = 1 / 8
#: The cap where the machine's memory cannot be read.
KEEP_FALLBACK = 2 * 2**30

#: A tier whose one call fills a sample and lasts this long (seconds) is taken
#: as a budgeted loop is: no warm-up call before a later pass's batch, and the
#: loops' floor of samples (``Plan.loop_min_repeat``). What the warm-up call is
#: for (a pool woken, pages touched again) costs such a call 1% or less.
#: Measured for the deep layers' numba tiers at 512 (0.38-0.74 s a call, three
#: rounds each after another kernel's call and 0.5 s asleep): a batch's first
#: call took 1.003-1.009 times the two after it, once 1.055; calls of
#: 0.08-0.28 s took 1.02-1.21 times, so they keep their warm-up. A sample of
#: one such call is as steady as a loop's (about 16 s of a run saved in all).
LONG_CALL = 0.3

@dataclass
class Step:
    """A measured kernel x size, waiting for its samples of the later passes."""

    kernel: Kernel
    n: int
    records: dict[str, dict[str, Any]]   # tier -> its record (the objects in ``Sweep.records``)
    number: dict[str, int]               # tier -> calls per sample
    shares: dict[str, list[int]]         # tier -> samples to take in each later pass
    args: tuple | None = None            # the first pass's inputs, kept for the later passes; None: drawn again


@dataclass
class Opened:
    """A kernel x size being measured: its records so far, and the calls of the tiers that passed the gate."""

    kernel: Kernel
    n: int
    tiers: list[str]                                                # every tier asked for, in record order
    args: tuple | None = None                                       # the seeded inputs, once built
    out: dict[str, dict[str, Any]] = field(default_factory=dict)    # tier -> its record so far
    calls: dict[str, timing.Call] = field(default_factory=dict)     # tiers to time
    first: dict[str, float] = field(default_factory=dict)           # tier -> its first call's seconds
    work: float = 0.0
    timed: dict[str, dict[str, Any]] = field(default_factory=dict)  # tier -> record update once timed
    number: dict[str, int] = field(default_factory=dict)            # tier -> calls per sample
    shares: dict[str, list[int]] = field(default_factory=dict)      # tier -> samples per pass


class Sweep:
    """One run's sweep; ``records`` grows as measurements finish, so an
    interrupted sweep still holds everything measured before the interrupt."""

    def __init__(self, settings: Settings, timer: Callable[[], float], tick: float,
                 on_step: Callable[[str], None] = lambda what: None):
        self.settings = settings
        self.plan = settings.plan()
        self.timer = timer
        self.min_sample_time = max(self.plan.min_sample_time, timing.RESOLUTION_FACTOR * tick)
        self.budget = settings.budget_seconds()
        self.rng = random.Random(settings.seed)
        self.on_step = on_step
        self.records: list[dict[str, Any]] = []
        self.pending: list[Step] = []
        self.settled = 0.0  # seconds spent waiting for other threads to go idle
        self.guard = steady.Guard(timer, settings.retakes)
        self.probes: list[list[float]] = []  # [seconds since the start, speed probe] before each step
        self.started = time.perf_counter()
        self.history: dict[tuple[str, str], list[tuple[float, float]]] = {}
        #: a later worker's: the first worker's calls per sample and median per call (``workers.calibration``)
        self.calibrated = workers.calibration(settings.calibration) if settings.calibration else {}
        memory = machine.memory_bytes()
        self.keep_left = memory * KEEP_SHARE if memory else KEEP_FALLBACK  # bytes of inputs still to keep

    def sizes_of(self, kernel: Kernel) -> list[int]:
        return sorted(set(self.settings.sizes)) if self.settings.sizes else list(kernel.sizes[self.settings.preset])

    def tiers_of(self, kernel: Kernel) -> list[str]:
        wanted = self.settings.tiers or list(kernel.tiers)
        return [t for t in wanted if t in kernel.tiers]

    def steps(self, kernels: list[Kernel]) -> int:
        """How many kernel x size steps ``run`` will take at most, over all passes (for a progress bar)."""
        return self.plan.passes * sum(len(self.sizes_of(k)) for k in kernels if self.tiers_of(k))

    def run(self, kernels: list[Kernel], on_size_done: Callable[[], None] = lambda: None,
            on_total: Callable[[int], None] = lambda total: None) -> list[dict[str, Any]]:
        """Measure, then take the later passes' samples; ``on_total`` hears the
        number of steps once the first pass has shown which remain."""
        passes = self.plan.passes
        for kernel in kernels:
            if not self.tiers_of(kernel):
                continue
            for n in self.sizes_of(kernel):
                self.on_step(f"{kernel.name} n={n}" + (f" (pass 1/{passes})" if passes > 1 else ""))
                self.probe()
                self.records += self.measure_size(kernel, n)
                on_size_done()
        first_pass = self.steps(kernels) // passes
        on_total(first_pass + (passes - 1) * len(self.pending))
        for p in range(1, passes):
            order = list(self.pending)
            self.rng.shuffle(order)
            for step in order:
                self.on_step(f"{step.kernel.name} n={step.n} (pass {p + 1}/{passes})")
                self.probe()
                self.resample(step, p - 1)
                on_size_done()
        for step in self.pending:
            # freed only now: inputs freed during the last pass left holes in the heap that served the
            # 32 MiB outputs measured after them, without the fresh pages every other pass paid for
            step.args = None
        return self.records

    def probe(self) -> None:
        """Note how fast the machine itself is now (``timing.speed_probe``)."""
        self.probes.append([time.perf_counter() - self.started, timing.speed_probe()])

    # -- one kernel at one size ---------------------------------------------

    def measure_size(self, kernel: Kernel, n: int) -> list[dict[str, Any]]:
        """Every tier of ``kernel`` at ``n``: budget, first call, gate, then the first pass's samples."""
        opened = self.open_size(kernel, n)
        if opened.calls:
            opened.timed, opened.number, opened.shares = self.time_tiers(kernel, n, opened.calls, opened.first)
        return self.close_size(opened)

    def open_size(self, kernel: Kernel, n: int) -> Opened:
        """Inputs built, the budget applied, every tier's first call made and the gate passed; nothing timed yet."""
        tiers = self.tiers_of(kernel)
        dtype = np.dtype(self.settings.dtype)
        base = {"kernel": kernel.name, "n": n, "dtype": dtype.name}
        opened = Opened(kernel, n, tiers)
        try:
            args = opened.args = core.inputs(kernel, n, self.settings.seed, dtype)
            cost = {"shapes": shapes(args), "flops": float(kernel.flops(args)),
                    "bytes": float(kernel.bytes_moved(args))}
            if kernel.elements is not None:
                cost["elements"] = float(kernel.elements(args))
            opened.work = work_of(kernel, args, n)
        except Exception as exc:  # a ladder size the kernel cannot build
            reason = f"building inputs raised {type(exc).__name__}: {exc}"
            opened.out = {t: dict(base, tier=t, status="error", reason=reason) for t in tiers}
            return opened
        base.update(cost)
        base["intensity"] = cost["flops"] / cost["bytes"] if cost["bytes"] > 0 else None
        base["input_offsets"] = sorted(set(offsets(args)))  # read back: [0] when every array starts a cache line
        if self.calibrated:
            return self.open_gated(opened, base)

        out = opened.out
        live = []
        for tier in tiers:
            skip = self.over_budget(kernel, tier, opened.work)
            if skip:
                out[tier] = dict(base, tier=tier, status="skipped", **skip)
            else:
                live.append(tier)
        self.rng.shuffle(live)

        calls = {t: self.call(kernel, t, args) for t in live}
        first = opened.first
        # the gate judges each first call's output, so that no tier is called once more for it
        # (a learner's tier is timed on arguments of its own form: the gate calls it as the others)
        before = None if kernel.mutates else check.snapshot(args)
        given: dict[str, check.Given] = {}
        for tier in live:
            self.on_step(f"{kernel.name} n={n} {tier}: first call")
            try:
                first[tier], output = calls[tier].first_call()
            except Exception:  # the gate below runs it again and records why
                continue
            if not hasattr(kernel.tiers[tier], "timed"):
                wrote = before is not None and not check.unchanged(before, args)
                given[tier] = check.Given(output, wrote)
                if wrote:  # the tiers after it, and the reference, get the inputs as they were
                    check.restore(before, args)
            del output
            if self.settings.budgeted(tier) and 0 < self.budget < first[tier]:
                # one reading can be a hiccup of the machine: skip only if a second agrees
                again = min(first[tier], calls[tier].sample(1))
                if again > self.budget:
                    out[tier] = dict(base, tier=tier, status="skipped", estimate=again, budget=self.budget,
                                     reason=f"a call took {again:.3g} s (best of two), over the "
                                            f"{self.budget:g} s budget")
                    # a measured time all the same: larger sizes are then predicted, not called twice
                    self.history.setdefault((kernel.name, tier), []).append((opened.work, again))
        live = [t for t in live if t not in out]
        given = {t: g for t, g in given.items() if t in live}

        self.on_step(f"{kernel.name} n={n}: equivalence gate")
        try:
            verdicts = self.gate(kernel, args, live, n, given)
        except Exception as exc:  # the reference itself failed: nothing can be judged
            reason = f"reference tier raised {type(exc).__name__}: {exc}"
            out.update({t: dict(base, tier=t, status="error", reason=reason) for t in live})
            return opened
        for tier in live:
            v = verdicts[tier]
            verdict = {"ok": v.ok, "error": v.error, "tolerance": v.tolerance, "reason": v.reason}
            out[tier] = dict(base, tier=tier, verdict=verdict, status="ok" if v.ok and tier in first else "failed")
            if self.settings.plant_of(tier):
                out[tier]["planted"] = self.settings.plant_of(tier)
            if out[tier]["status"] == "failed":
                out[tier]["reason"] = v.reason or "first call raised"
        opened.calls = {t: calls[t] for t in live if out[t]["status"] == "ok"}
        return opened

    def open_gated(self, opened: Opened, base: dict[str, Any]) -> Opened:
        """A later worker's size: the tiers the first worker timed, and only those (what it failed,
        skipped or saw raise stands as its record says). The first worker gated them on the same
        seeded inputs, so none is gated again; each makes its first call, untimed as a sample
        (Numba's cache load, and a loop's first call in a process, measured up to 1.4 times its
        next, land there)."""
        kernel, n, dtype = opened.kernel, opened.n, np.dtype(self.settings.dtype).name
        opened.tiers = [t for t in opened.tiers if (kernel.name, t, n, dtype) in self.calibrated]
        live = list(opened.tiers)
        self.rng.shuffle(live)
        for tier in live:
            self.on_step(f"{kernel.name} n={n} {tier}: first call")
            opened.out[tier] = dict(base, tier=tier, status="ok", gated_by="worker 1")
            call = self.call(kernel, tier, opened.args)
            try:
                opened.first[tier], output = call.first_call()
            except Exception as exc:
                opened.out[tier].update(raised(exc))
                continue
            del output
            opened.calls[tier] = call
        return opened

    def close_size(self, opened: Opened) -> list[dict[str, Any]]:
        """The records of an opened size once its tiers are timed (``Opened.timed``); the size
        waits in ``pending`` for the later passes' samples."""
        out = opened.out
        for tier, result in opened.timed.items():
            if "samples" in result:
                summarize(result)
            out[tier].update(result)
            if out[tier]["status"] == "ok":
                self.history.setdefault((opened.kernel.name, tier), []).append(
                    (opened.work, result["stats"]["median"]))
        records = [out[t] for t in opened.tiers]
        add_speedups(records)
        later = {t: s[1:] for t, s in opened.shares.items() if out[t]["status"] == "ok" and any(s[1:])}
        if later:
            size = nbytes(opened.args)
            kept = opened.args if size <= self.keep_left else None
            if kept is not None:
                self.keep_left -= size
            self.pending.append(Step(opened.kernel, opened.n, {t: out[t] for t in opened.tiers}, opened.number,
                                     later, kept))
        return records

    def call(self, kernel: Kernel, tier: str, args: tuple) -> timing.Call:
        fn = kernel.tiers[tier]
        if hasattr(fn, "timed"):  # a learner's function: timed on its course-form arguments, built here
            fn, args = fn.timed(*args)
            args = aligned(args)
        return timing.Call(fn, args, self.timer, kernel.mutates, nbytes(args), plant=self.settings.plant_of(tier))

    def over_budget(self, kernel: Kernel, tier: str, work: float) -> dict[str, Any] | None:
        if not self.settings.budgeted(tier) or self.budget <= 0:
            return None
        fit = predict(self.history.get((kernel.name, tier), []), work)
        if fit is None or fit[0] <= self.budget:
            return None
        estimate, k = fit
        return {"estimate": estimate, "budget": self.budget, "growth_exponent": k,
                "reason": f"predicted {estimate:.3g} s per call (time ~ work^{k:.2f} from smaller sizes), "
                          f"over the {self.budget:g} s budget"}

    def gate(self, kernel: Kernel, args: tuple, tiers: list[str], n: int,
             given: dict[str, check.Given] | None = None) -> dict[str, check.Verdict]:
        if not tiers:
            return {}
        label = f"n={n}"
        given = given or {}
        if not kernel.mutates:
            return check.gate(kernel, args, tiers, label=label, given=given)
        # a kernel that writes into its inputs gets a fresh copy per tier (its first call had one too)
        return {t: check.gate(kernel, check.snapshot(args), [t], label=label,
                              given={t: given[t]} if t in given else None)[t] for t in tiers}

    def time_tiers(self, kernel: Kernel, n: int, calls: dict[str, timing.Call], first: dict[str, float],
                   take: bool = True) -> tuple[dict[str, dict[str, Any]], dict[str, int], dict[str, list[int]]]:
        """Tier by tier, in shuffled order: autorange, then the first pass's
        share of the samples (none unless ``take``: an interleaved A/B takes
        them one at a time). Returns the record updates, the calls per
        sample and each tier's samples per pass."""
        number, shares = {}, {}
        results: dict[str, dict[str, Any]] = {}
        order = list(calls)
        self.rng.shuffle(order)
        for tier in order:
            self.on_step(f"{kernel.name} n={n} {tier}: autorange")
            self.settled += core.quiet_start()  # as before every batch (``core.warm``); autorange's calls warm
            try:
                known = self.calibrated.get((kernel.name, tier, n, np.dtype(self.settings.dtype).name))
                if known:  # a later worker: the first worker's calls per sample, and a warm-up call
                    number[tier], per_call = known
                    sample_time = number[tier] * per_call
                    self.warm(kernel, tier, calls[tier], number[tier], wait=False, per_call=per_call)
                elif self.settings.budgeted(tier) and first[tier] >= self.min_sample_time:
                    # loops do not compile: their first call already proves one call is enough
                    number[tier], sample_time = 1, first[tier]
                else:
                    number[tier], sample_time = timing.autorange(calls[tier], self.min_sample_time, first[tier])
                as_loop = self.settings.budgeted(tier) or (number[tier] == 1 and sample_time >= LONG_CALL)
                shares[tier] = self.plan.shares(self.plan.repeats(sample_time, loop=as_loop))
                taken = self.take_samples(f"{kernel.name} n={n} {tier}", calls[tier], number[tier],
                                          shares[tier][0] if take else 0)
            except Exception as exc:  # passed the gate, then raised on a later call
                results[tier] = raised(exc)
                shares.pop(tier, None)
                continue
            results[tier] = {"first_call": first[tier], "number": number[tier], **taken}
        return results, number, shares

    def take_samples(self, label: str, call: timing.Call, number: int, wanted: int
                     ) -> dict[str, list]:
        """``wanted`` samples of one tier in a row (``steady.Guard.take``: a sample taken in a slow spell
        of the machine is taken again), as the record's lists beside its samples (``PER_SAMPLE``)."""
        return self.guard.take(call, number, wanted, lambda i: self.on_step(f"{label}: sample {i + 1}/{wanted}"))

    def resample(self, step: Step, later: int) -> None:
        """Pass ``later + 2``: the step's kept inputs (or drawn again, ``reopen``); then
        tier by tier, in shuffled order, a wait for other threads to go idle,
        one untimed warm-up call, and this pass's share of the samples.

        The warm-up call matters most for kernels with large outputs or
        temporaries: the memory they get back after a pause may have been
        handed back by the OS (on a virtual machine, to the host), and the
        first call to touch it again pays for that, several times its usual
        time. The budgeted loops skip it when one call fills a sample: their
        calls are long, and they allocate little; so do the calls of
        ``LONG_CALL`` or more. The records change only once the step is
        done, so an interrupt leaves them consistent."""
        wanted = {t: s[later] for t, s in step.shares.items()
                  if later < len(s) and s[later] and step.records[t]["status"] == "ok"}
        if not wanted:
            return
        calls = self.reopen(step, wanted)
        taken: dict[str, dict[str, list]] = {}
        failed: dict[str, dict[str, Any]] = {}
        order = list(wanted)
        self.rng.shuffle(order)
        for tier in order:
            try:
                self.warm(step.kernel, tier, calls[tier], step.number[tier],
                          per_call=step.records[tier]["stats"]["median"])
                taken[tier] = self.take_samples(f"{step.kernel.name} n={step.n} {tier}", calls[tier],
                                                step.number[tier], wanted[tier])
            except Exception as exc:
                failed[tier] = raised(exc)
        self.update(step, taken, failed)

    def reopen(self, step: Step, tiers) -> dict[str, timing.Call]:
        """A later pass's calls of ``step``'s ``tiers``, on the first pass's
        inputs where they were kept (the gate proved that no tier writes into
        them; a kernel that does gets a copy per call), or on the inputs drawn
        from the seed again where they were not. Not on a fresh copy: on a
        virtual machine that reports free memory to its host, a copy's pages
        came back from the host at about ten times the usual cost of a page,
        and the copies took 20 s of a default run."""
        if step.args is not None:
            args = step.args
        else:
            args = core.inputs(step.kernel, step.n, self.settings.seed, self.settings.dtype)
        return {t: self.call(step.kernel, t, args) for t in tiers}

    def warm(self, kernel: Kernel, tier: str, call: timing.Call, number: int, wait: bool = True,
             per_call: float = 0.0) -> None:
        """``core.warm`` before a batch of samples apart from the calibration (the docstring of
        ``resample``); no warm-up call when one call fills a sample and is a loop's or lasts
        ``LONG_CALL`` (``per_call``: the record's median so far) or more."""
        own = number == 1 and (self.settings.budgeted(tier) or per_call >= LONG_CALL)
        self.settled += core.warm(call.fn, call.args, kernel.mutates, call=not own, wait=wait)

    def update(self, step: Step, taken: dict[str, dict[str, list]],
               failed: dict[str, dict[str, Any]]) -> None:
        """A later pass's samples added to ``step``'s records (and the tiers that raised marked so)."""
        for tier, update in failed.items():
            record = step.records[tier]
            for key in (*PER_SAMPLE, "first_call", "number", "faults_per_call", "stats", "counted", "compile",
                        "gflops", "gbytes_per_s", "elements_per_s", *SPEEDUP_KEYS):
                record.pop(key, None)
            record.update(update)
        for tier, lists in taken.items():
            record = step.records[tier]
            for key in PER_SAMPLE:
                record[key] = record.get(key, []) + lists[key]
            summarize(record)
        add_speedups(list(step.records.values()))
