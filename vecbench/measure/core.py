"""One measurement core: what every instrument does before it times a call.

The runner (``vecbench run``), asv's benchmarks (``benchmarks/``) and the
pytest-benchmark tests (``tests/test_benchmarks.py``) all set up here, so
that one kernel x tier x size is the same measurement whichever of them
times it:

1. ``setup_process``: the process state pinned (``state.pin``: the
   allocator's thresholds, NumPy's huge-page advice) and the thread pools
   sized (``machine.set_threads``: BLAS/OpenMP and Numba, all cores unless
   told otherwise; asv and pytest-benchmark read ``VECBENCH_THREADS`` and
   ``VECBENCH_ALLOCATOR``, having no command line of their own);
2. ``prepare``: seeded inputs (``inputs``: ``Kernel.inputs(n, seed,
   dtype)`` copied so that every array starts on a cache line,
   ``align.aligned``), the
   equivalence gate on exactly those inputs (a mismatch raises
   ``EquivalenceError``; nothing is timed), then the first call, which
   compiles a Numba tier and starts any thread pool it uses;
3. ``warm``, before every batch of samples: OpenBLAS's workers ended
   (``state.park_blas``: each would spin for 0.1 s after another tier's
   BLAS call), a wait until no other thread of the process runs
   (``timing.quiesce``: a pool still spinning from another tier's call would
   take a core), the heap's free memory handed back
   (``state.clear_heap``: what the batch reuses is then what this tier's
   own calls free, not what earlier kernels left), then one untimed call
   (memory the OS took back is touched again, this tier's pool asleep since
   the last batch wakes, or OpenBLAS's starts again). A sample thus sees
   what the middle of a run of calls sees, whether it holds one call (asv)
   or many (the runner, pytest-benchmark).

The runner's sweep interleaves these steps across tiers
(``vecbench.measure.sweep``) but takes each of them from here.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np

from impls.registry import Kernel
from vecbench.measure import check, machine, state, timing
from vecbench.measure.align import aligned

#: Environment variables by which asv and pytest-benchmark, which have no
#: command line of ours, choose the threads and the allocator mode.
THREADS_ENV = "VECBENCH_THREADS"
ALLOCATOR_ENV = "VECBENCH_ALLOCATOR"

SEED = 0
DTYPE = np.float64

#: The thread limits of ``setup_process``, held for the life of the process.
_process_stack = ExitStack()
_process_state: dict[str, Any] | None = None


class EquivalenceError(AssertionError):
    """A tier does not match the reference at the inputs about to be measured."""


def env_settings() -> tuple[int | None, str]:
    """(threads, allocator mode) from ``VECBENCH_THREADS`` / ``VECBENCH_ALLOCATOR``."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    try:
        threads = int(raw) if raw else None
    except ValueError:
        raise ValueError(f"{THREADS_ENV}={raw!r} is not a whole number of threads") from None
    if threads is not None and threads < 1:
        raise ValueError(f"{THREADS_ENV}={raw!r} must be at least 1")
    allocator = os.environ.get(ALLOCATOR_ENV, "").strip() or state.DEFAULT_ALLOCATOR
    if allocator not in state.ALLOCATOR_MODES:
        raise ValueError(f"{ALLOCATOR_ENV}={allocator!r}; choose from {', '.join(state.ALLOCATOR_MODES)}")
    return threads, allocator


def setup_process(threads: int | None = None, allocator: str = state.DEFAULT_ALLOCATOR,
                  stack: ExitStack | None = None) -> dict[str, Any]:
    """Pin the process state and size the thread pools; returns the state read back.

    ``stack`` holds the thread limits (the runner's, undone when it closes);
    without one they last for the life of the process, as asv's and
    pytest-benchmark's measuring processes want. Raises ``ValueError`` for
    more threads than Numba started with.
    """
    global _process_state
    state.pin(allocator)
    n = machine.set_threads(threads, stack if stack is not None else _process_stack)
    _process_state = dict(state.read_back(), threads_set=n)
    return _process_state


def setup_from_env() -> dict[str, Any]:
    """``setup_process`` with the environment's settings, once per process."""
    if _process_state is None:
        threads, allocator = env_settings()
        setup_process(threads, allocator)
    return dict(_process_state or {})


@dataclass(frozen=True)
class Case:
    """One kernel x tier on seeded inputs that passed the gate, called once."""

    spec: Kernel
    tier: str
    n: int
    args: tuple
    first_call: float | None = None

    @property
    def fn(self):
        return self.spec.tiers[self.tier]

    def fresh_args(self) -> tuple:
        """The inputs, copied when the kernel writes into them."""
        return aligned(self.args) if self.spec.mutates else self.args


def inputs(spec: Kernel, n: int, seed: int = SEED, dtype: Any = DTYPE) -> tuple:
    """The seeded inputs every instrument measures on: ``Kernel.inputs``, every
    array moved to the start of a cache line (``align``: where an array
    starts in a line moves some kernels' figures by a third)."""
    return aligned(spec.inputs(n, seed, np.dtype(dtype)))


def prepare(spec: Kernel, tier: str, n: int, seed: int = SEED, dtype: Any = DTYPE) -> Case:
    """Seeded inputs at size ``n``, gated, and the tier's first call made (and timed)."""
    args = inputs(spec, n, seed, dtype)
    gate(spec, tier, args, f"n={n}")
    first, _ = timing.Call(spec.tiers[tier], args, timing.TIMERS["perf_counter"], spec.mutates).first_call()
    return Case(spec, tier, n, args, first)


def gate(spec: Kernel, tier: str, args: tuple, label: str) -> None:
    """Raise ``EquivalenceError`` unless ``tier`` matches the reference on ``args``."""
    verdict = check.gate(spec, check.snapshot(args) if spec.mutates else args, [tier], label)[tier]
    if not verdict.ok:
        raise EquivalenceError(f"{spec.name} {tier} {label}: {verdict.reason}; not measured")


def quiet_start(wait: bool = True) -> float:
    """The start of every batch of calls: OpenBLAS's workers ended
    (``state.park_blas``: they would spin for 0.1 s), a wait until no other
    thread of the process runs (``timing.quiesce``; not when the caller has
    just waited, ``wait=False``), then the heap's free memory handed back
    (``state.clear_heap``). Returns the seconds waited."""
    state.park_blas()
    waited = timing.quiesce() if wait else 0.0
    state.clear_heap()
    return waited


def warm(fn, args: tuple, mutates: bool = False, call: bool = True, wait: bool = True) -> float:
    """Before a batch of samples: wait until no other thread of the process
    runs (another tier's pool, still spinning, would take a core; not when
    the caller has just waited, ``wait=False``), hand the heap's free memory
    back (``state.clear_heap``), then make one untimed call (``call``) so
    that this tier's own pool is awake and its memory touched, as in the
    middle of a run of calls. Returns the seconds waited."""
    waited = quiet_start(wait)
    if call:
        fn(*(aligned(args) if mutates else args))
    return waited
