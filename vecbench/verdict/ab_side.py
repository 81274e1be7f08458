"""One side of an interleaved A/B (``vecbench ab``): a sweep taken one sample at a time, on request.

``vecbench.verdict.ab`` starts one such process per revision, with the
revision's ``impls`` first on the path (its working folder holds nothing
else), and asks them in turn to take one sample of the same kernel x tier x
size, so that whatever the machine does meanwhile falls on both sides
alike. The instrument is today's (the sweep of ``vecbench run``, its gate,
its process set-up); what is measured is the revision's kernels.

Run as ``python -m vecbench.verdict.ab_side SETTINGS_JSON [WHERE_JSON]``
(``ab.placement``: where its threads run; ``null`` for anywhere). One JSON object
per line each way, on the process's own standard input and output (anything
else the kernels print goes to standard error):

    -> {"op": "steps"}                       <- {"impls": path, "cpus": {"main": [...], "others": [...]},
                                                  "steps": [[kernel, n], ...], "missing": [kernel, ...]}
    -> {"op": "open", "kernel": K, "n": N, "pass": P}
                                             <- {"tiers": {tier: {"number": calls per sample,
                                                                  "shares": [samples in each pass]}, ...}}
    -> {"op": "sample", "tier": T, "number": M}  <- {}
    -> {"op": "close"}                       <- {"later": bool}  (samples left for later passes)
    -> {"op": "end"}                         <- {"run": the run document}

``open`` of pass 1 builds the inputs, applies the budget, makes each
tier's first call, gates it and finds its calls per sample (``Sweep.open_size``,
``Sweep.time_tiers`` without samples); of a later pass, it rebuilds the
inputs. ``sample`` is one untimed warm-up call and one timed sample of
``M`` calls of the open step's tier (a tier that raised is not called
again): both sides take the larger of their two calls per sample, so that a
pair's samples hold the same work. ``close`` files the samples into the
step's records. Each answer comes once this process's
thread pools have gone idle (``timing.quiesce``), so that a pool still
spinning here cannot take a core from the other side's sample. A failure to
start (the revision's kernels do not import, or do not speak today's
``Kernel`` spec) is answered with ``{"error": "..."}`` and exit status 2.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the revision's kernels must fail as an answer, not a traceback
    from impls.registry import Kernel
    from vecbench.measure.sweep import Opened, Step, Sweep


def serve(settings_json: str, requests: IO[str], answers: IO[str], where: dict[str, Any] | None = None) -> None:
    """Answer requests until ``end`` (or the end of input).

    ``where`` (``ab.placement``): the CPUs this process is held to, set
    before any thread pool starts so that every pool inherits them, and the
    CPU of its main thread, set once every pool has started so that they
    do not. The revision's kernels are imported here, not with the module,
    so that kernels that fail to import are answered as an error, not a
    traceback.
    """
    if where and where["process"] is not None:
        os.sched_setaffinity(0, where["process"])
    import impls
    from vecbench.measure import core, timing
    from vecbench.measure.run import begin, finish
    from vecbench.measure.settings import Settings
    from vecbench.training import workloads

    fields = json.loads(settings_json)
    settings = Settings(**{k: v for k, v in fields.items() if k in Settings.__dataclass_fields__})

    def answer(obj: dict[str, Any]) -> None:
        timing.quiesce()
        answers.write(json.dumps(obj) + "\n")
        answers.flush()

    available = {k.name: k for k in workloads.resolve(None)}
    kernels = [available[name] for name in settings.kernels if name in available]
    with ExitStack() as stack:
        settings.threads = core.setup_process(settings.threads, settings.allocator, stack)["threads_set"]
        if where and where["process"] != [where["main"]]:  # held to one CPU already: nothing to narrow
            start_pools()
            os.sched_setaffinity(0, [where["main"]])  # this thread alone (Linux: affinity is per thread)
        doc, sweep = begin(settings)
        t0 = time.perf_counter()
        by_key = {k.name: k for k in kernels}
        taking: Taking | None = None
        for line in requests:
            request = json.loads(line)
            op = request["op"]
            if op == "steps":
                answer({"impls": os.path.dirname(impls.__file__),
                        "cpus": thread_cpus(),
                        "steps": [[k.name, n] for k in kernels if sweep.tiers_of(k) for n in sweep.sizes_of(k)],
                        "missing": [name for name in settings.kernels if name not in available]})
            elif op == "open":
                sweep.probe()
                taking = Taking(sweep, by_key[request["kernel"]], request["n"], request["pass"])
                answer({"tiers": taking.tiers})
            elif op == "sample":
                taking.sample(request["tier"], request["number"])
                answer({})
            elif op == "close":
                answer({"later": taking.close()})
            elif op == "end":
                break
        answer({"run": finish(doc, sweep, time.perf_counter() - t0, complete=True)})


def start_pools() -> None:
    """Start every thread pool of the process now: OpenBLAS's started with
    NumPy, Numba's with ``set_num_threads``, but an OpenMP team only at its
    first parallel region, which this makes (a thread inherits the CPUs of
    the thread that creates it)."""
    import numba
    import numpy as np

    @numba.njit(parallel=True)
    def team(a):
        total = 0.0
        for i in numba.prange(a.size):
            total += a[i]
        return total

    team(np.ones(64))


def thread_cpus() -> dict[str, list[int]] | None:
    """The CPUs this (main) thread may run on, and those the process's other
    threads may (their union), as the kernel states them; None off Linux."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    me = threading.get_native_id()
    others: set[int] = set()
    for tid in os.listdir("/proc/self/task"):
        if int(tid) != me:
            try:
                others |= os.sched_getaffinity(int(tid))
            except OSError:  # the thread ended
                pass
    return {"main": sorted(os.sched_getaffinity(0)), "others": sorted(others)}


class Taking:
    """The kernel x size a side has open: its tiers' calls and the samples taken so far.

    ``tiers``: the tiers to be sampled -> their calls per sample and their
    samples in each pass (the first pass's share already taken once a later
    pass is open).
    """

    def __init__(self, sweep: Sweep, kernel: Kernel, n: int, pass_: int):
        from vecbench.measure.records import PER_SAMPLE
        self.sweep = sweep
        self.failed: dict[str, dict[str, Any]] = {}
        self.opened: Opened | None = None
        self.step: Step | None = None
        if pass_ == 1:
            self.opened = opened = sweep.open_size(kernel, n)
            if opened.calls:
                opened.timed, opened.number, opened.shares = sweep.time_tiers(kernel, n, opened.calls,
                                                                              opened.first, take=False)
            self.calls, self.number = opened.calls, opened.number
            self.taken = {t: {k: r[k] for k in PER_SAMPLE} for t, r in opened.timed.items() if "samples" in r}
            shares = {t: opened.shares[t] for t in self.taken}
        else:
            self.step = pending(sweep.pending, kernel.name, n)
            later = self.step.shares if self.step else {}
            self.calls = sweep.reopen(self.step, later) if self.step else {}
            self.number = self.step.number if self.step else {}
            self.taken = {t: {k: [] for k in PER_SAMPLE} for t in self.calls}
            shares = {t: [0, *later[t]] for t in self.calls}
        self.kernel, self.n = kernel, n
        self.tiers = {t: {"number": self.number[t], "shares": shares[t]} for t in shares}

    def sample(self, tier: str, number: int) -> None:
        """One warm-up call and one timed sample of ``number`` calls of ``tier``
        (nothing for a tier not open, or that raised)."""
        if tier not in self.taken:
            return
        from vecbench.measure.records import PER_SAMPLE
        self.number[tier] = number
        if self.opened is not None:
            self.opened.timed[tier]["number"] = number
        try:
            # no wait: this process's threads went idle before its last answer, and it has run nothing since
            self.sweep.warm(self.kernel, tier, self.calls[tier], self.number[tier], wait=False)
            taken = self.sweep.take_samples(f"{self.kernel.name} n={self.n} {tier}", self.calls[tier],
                                            self.number[tier], 1)
        except Exception as exc:  # passed the gate, then raised on a later call
            from vecbench.measure.records import raised
            self.failed[tier] = raised(exc)
            del self.taken[tier]
            return
        for key in PER_SAMPLE:
            self.taken[tier][key].extend(taken[key])

    def close(self) -> bool:
        """The samples filed into the records; whether the step waits for later passes."""
        if self.opened is not None:
            self.opened.timed.update(self.failed)
            for tier in self.failed:
                self.opened.shares.pop(tier, None)
            self.sweep.records += self.sweep.close_size(self.opened)
            return pending(self.sweep.pending, self.kernel.name, self.n) is not None
        if self.step is not None:
            self.sweep.update(self.step, {t: v for t, v in self.taken.items() if v["samples"]}, self.failed)
        return False


def pending(steps: list, kernel: str, n: int) -> Any:
    """The sweep's step of ``kernel`` at ``n`` still waiting for later passes, if any."""
    return next((s for s in steps if s.kernel.name == kernel and s.n == n), None)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C is its to handle
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # kernels that print cannot break the protocol
    try:
        serve(argv[0], sys.stdin, answers, json.loads(argv[1]) if len(argv) > 1 else None)
    except Exception as exc:  # the parent turns this into one line
        answers.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        answers.flush()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
