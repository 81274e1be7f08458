"""What the asv suite shares: seeded inputs, the gate, the budget, the naming.

Every benchmark class is generated from ``impls.KERNELS`` of the commit being
measured, and this module relies only on what every commit of the project has
(the ``Kernel`` spec and the gate, ``check.gate``), so that ``asv run`` can
measure the whole history with today's suite.

Rules the suite follows (DESIGN.md, "Measurement rules"):

- the measuring process is set up as the runner's is, by the same code
  (``vecbench.measure.core``): the allocator pinned (``VECBENCH_ALLOCATOR``,
  default warm) and the thread pools sized (``VECBENCH_THREADS``, default
  every core, as ``vecbench run``);
- inputs are ``Kernel.inputs(n, SEED, float64)``, built lazily in ``setup``;
- the gate runs on the very inputs being timed, in ``setup``; a mismatch
  raises ``EquivalenceError`` (the benchmark fails, nothing is timed);
- the tier is called once in ``setup`` so that Numba compiles in the timing
  process and never inside a sample, and warmed before every sample
  (``core.warm``: one call, then a wait for other threads to go idle);
- a python-tier size whose call is predicted over ``PYTHON_BUDGET`` is skipped
  with ``NotImplementedError`` (asv records it as skipped, with the estimate).

Commits from before the measurement core have it loaded from this checkout
where they can (the process state, ``vecbench/measure/state.py``, needs only
the standard library); their gate is their own.

asv addresses a parameter combination by its index in the product of the
params, which are computed in the process that runs it (from that commit's
registry). Changing a kernel's tiers or quick ladder therefore renumbers its
combinations: measure commits on either side of such a change in separate
``asv run`` calls. Kernels that a commit does not have yet resolve to a
placeholder that skips (see ``missing_kernel_getattr``).
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
from threadpoolctl import threadpool_limits

import impls

try:
    from vecbench.measure import check, core
except ImportError:  # a commit from before the measurement core
    core = None
    try:
        from vecbench.measure import check
    except ImportError:  # a commit from before vecbench was split into subpackages
        from vecbench import check

SEED = 0
DTYPE = np.float64
#: Ladder preset of the time and speedup benchmarks: modest sizes, so that a
#: quick history over a few commits takes minutes.
LADDER = "quick"
#: The peak-memory benchmarks run at the largest size of this preset, where
#: arrays outweigh the interpreter's own footprint.
MEMORY_LADDER = "default"
#: Seconds per call above which a python-tier size is not run.
PYTHON_BUDGET = 1.0
#: asv's warm-up of the time benchmarks (seconds): the first call of
#: ``time_kernel`` prepares its call within it (``batched_call``).
WARMUP_TIME = 0.5
#: asv ``repeat``: (min samples, max samples, seconds after which to stop).
#: Samples last at least 10 ms (asv's ``sample_time``), as the runner's do.
REPEAT = (5, 20, 1.0)
#: ``VECBENCH_ASV_SIZES=largest`` keeps only the largest size of each
#: ladder (``vecbench agree`` asks asv for the calls it judges, no more).
SIZES_ENV = "VECBENCH_ASV_SIZES"
#: Speedup name -> (faster tier, slower tier): "numba/python" is how many
#: times faster the numba tier is than the python tier.
RATIOS = {
    "numpy/python": ("numpy", "python"),
    "numba/python": ("numba", "python"),
    "numba/numpy": ("numba", "numpy"),
}


def _start_numba() -> None:
    """Pay Numba's one-off start-up (typing and target contexts, LLVM) now.

    Under asv's forkserver launch (asv.conf.json) this import runs once, in
    the server, and every benchmark process forked from it inherits a started
    Numba: the first call of a cached kernel then costs milliseconds instead
    of most of a second. Each kernel is still compiled (or loaded from
    Numba's cache) and warmed in ``setup``, in the process that times it.
    """
    numba.njit(lambda x: x + 1)(1)


_start_numba()


if core is not None:
    EquivalenceError, Case = core.EquivalenceError, core.Case
else:
    class EquivalenceError(AssertionError):
        """A tier does not match the reference at the inputs about to be measured."""

    @dataclass(frozen=True)
    class Case:
        """One kernel x tier on seeded inputs that passed the gate."""

        spec: impls.Kernel
        tier: str
        n: int
        args: tuple
        first_call: float | None = None

        @property
        def fn(self):
            return self.spec.tiers[self.tier]

        def fresh_args(self) -> tuple:
            return copy.deepcopy(self.args) if self.spec.mutates else self.args


def class_name(kernel: str) -> str:
    """``linear_backward`` -> ``LinearBackward``: the asv class of a kernel."""
    return "".join(part[:1].upper() + part[1:] for part in kernel.split("_") if part)


def ladder(spec: impls.Kernel, preset: str = LADDER) -> list[str]:
    """The sizes of ``preset`` as asv parameter strings (only the largest under
    ``VECBENCH_ASV_SIZES=largest``)."""
    sizes = [str(n) for n in spec.sizes[preset]]
    return sizes[-1:] if os.environ.get(SIZES_ENV) == "largest" else sizes


def spec_of(kernel: str) -> impls.Kernel:
    try:
        return impls.KERNELS[kernel]
    except KeyError:
        raise NotImplementedError(f"kernel {kernel!r} is not registered at this commit") from None


@functools.cache
def setup_process() -> dict[str, Any]:
    """The measuring process set up as the runner's: the process state pinned,
    the thread pools sized; returns the state read back (once per process)."""
    if core is not None:
        return core.setup_from_env()
    state = _todays_state()
    threads = int(os.environ.get("VECBENCH_THREADS") or 0) or None
    threadpool_limits(limits=threads)
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    if state is None:
        return {"allocator": {"mode": None}}
    state.pin(os.environ.get("VECBENCH_ALLOCATOR") or state.DEFAULT_ALLOCATOR)
    return state.read_back()


def _todays_state():
    """``vecbench/measure/state.py`` of this checkout, for commits that lack it (None if absent)."""
    path = Path(__file__).resolve().parents[1] / "vecbench" / "measure" / "state.py"
    spec = importlib.util.spec_from_file_location("_vecbench_state", path)
    if spec is None or not path.is_file():
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_state() -> dict[str, Any]:
    """The process state in force now, read back in this measuring process."""
    setup_process()
    module = core.state if core is not None else _todays_state()
    return module.read_back() if module is not None else {"allocator": {"mode": None}}


@functools.cache
def warm_once(kernel: str, tier: str, n: str) -> None:
    """Before the first sample of a prepared call in this process: a wait for
    other threads to go idle, then one untimed call (``core.warm``)."""
    case = prepared(kernel, tier, n)
    if core is not None:
        core.warm(case.fn, case.args, case.spec.mutates)
    else:
        case.fn(*case.fresh_args())


def seconds_per_call(fn, args: tuple, mutates: bool = False, repeats: int = 5,
                     batch_time: float = 2e-3) -> float:
    """Best of ``repeats`` batches, each long enough to beat the timer.

    A kernel that writes into its inputs gets a fresh copy per call, made
    outside the timed region, so its calls are timed one by one.
    """
    if mutates:
        best = float("inf")
        for _ in range(repeats):
            fresh = copy.deepcopy(args)
            start = time.perf_counter()
            fn(*fresh)
            best = min(best, time.perf_counter() - start)
        return best
    number = 1
    while True:
        elapsed = _batch(fn, args, number)
        if elapsed >= batch_time or number >= 1 << 20:
            break
        number = max(2 * number, int(1.2 * number * batch_time / max(elapsed, 1e-9)))
    best = elapsed / number
    for _ in range(repeats - 1):
        best = min(best, _batch(fn, args, number) / number)
    return best


def _batch(fn, args: tuple, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn(*args)
    return time.perf_counter() - start


@functools.cache
def python_seconds_per_flop(kernel: str) -> float:
    """The python tier's cost per flop at the smallest ladder size.

    Fixed per-call overhead weighs most at the smallest size, so scaling this
    up over-predicts: the budget errs on the side of skipping.
    """
    spec = spec_of(kernel)
    args = spec.inputs(spec.sizes[LADDER][0], SEED, DTYPE)
    t = seconds_per_call(spec.tiers["python"], args, spec.mutates, repeats=3)
    return t / max(spec.flops(args), 1.0)


def check_budget(spec: impls.Kernel, tier: str, args: tuple) -> None:
    """Skip a python-tier call predicted to take longer than the budget."""
    if tier != "python":
        return
    predicted = python_seconds_per_flop(spec.name) * max(spec.flops(args), 1.0)
    if predicted > PYTHON_BUDGET:
        raise NotImplementedError(
            f"python tier predicted {predicted:.3g} s per call, over the {PYTHON_BUDGET} s budget")


@functools.cache
def prepared(kernel: str, tier: str, n: str) -> Case:
    """Seeded inputs at size ``n`` that ``tier`` passed the gate on, called once
    (``core.prepare``). Cached for the process: asv re-runs ``setup`` before
    every sample."""
    setup_process()
    spec = spec_of(kernel)
    if tier not in spec.tiers:
        raise NotImplementedError(f"kernel {kernel!r} has no tier {tier!r} at this commit")
    check_budget(spec, tier, spec.inputs(int(n), SEED, DTYPE))
    if core is not None:
        return core.prepare(spec, tier, int(n), SEED, DTYPE)
    args = spec.inputs(int(n), SEED, DTYPE)
    verdict = check.gate(spec, args, [tier], f"n={n}")[tier]
    if not verdict.ok:
        raise EquivalenceError(f"{spec.name} {tier} n={n}: {verdict.reason}; not measured")
    case = Case(spec, tier, int(n), args)
    case.fn(*case.fresh_args())
    return case


try:
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # an asv without it: a skip shows as a failure
    SkipNotImplemented = NotImplementedError


@functools.cache
def batched_call(kernel: str, tier: str, n: str) -> tuple[Any, tuple]:
    """``(fn, args)`` of a prepared, warmed call, for benchmarks without a setup
    (bench_kernels); skips raise ``SkipNotImplemented``. Cached: only the first
    call in a process pays for the preparation."""
    try:
        case = prepared(kernel, tier, n)
    except NotImplementedError as exc:
        raise SkipNotImplemented(str(exc)) from None
    if case.spec.mutates:
        raise SkipNotImplemented(f"{kernel} writes into its inputs: a fresh copy per call needs a setup; "
                                 "see tests/test_benchmarks.py")
    warm_once(kernel, tier, n)
    return case.fn, case.args


def generate(namespace: dict[str, Any], base: type, params) -> None:
    """Add one subclass of ``base`` per registered kernel to ``namespace``.

    ``params(spec)`` gives the asv params of that kernel's class. The class
    is named ``class_name(kernel)`` and carries the kernel's name and summary.
    """
    for spec in impls.KERNELS.values():
        name = class_name(spec.name)
        if name in namespace:
            raise RuntimeError(f"asv class name {name!r} of kernel {spec.name!r} is taken")
        namespace[name] = type(name, (base,), {
            "kernel": spec.name,
            "params": params(spec),
            "__doc__": f"{spec.summary}\n\n{base.__doc__}",
            "__module__": namespace["__name__"],
        })


_CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]*\Z")


def missing_kernel_getattr(module_name: str, methods: tuple[str, ...]):
    """A module ``__getattr__`` answering for kernels this commit does not have.

    asv discovers the suite at the newest commit and runs older commits by
    benchmark name. A kernel added later has no class at those commits; this
    returns a class whose ``setup`` skips, so the history shows "n/a" there
    rather than a failure. Only CamelCase names are answered: asv and Python
    look up lowercase module attributes (``setup``, ``params``, ...).
    """
    def __getattr__(name: str):
        if not _CLASS_NAME.match(name):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

        def setup(self, *params):
            raise NotImplementedError(f"{name}: its kernel is not registered at this commit")

        def benchmark(self, *params):
            raise AssertionError("setup skips every combination")

        # Any index asv asks for must exist; every one of them skips.
        attrs = {"params": [[str(i) for i in range(4096)]], "param_names": ["index"],
                 "setup": setup, "__module__": module_name}
        attrs.update({m: benchmark for m in methods})
        return type(name, (), attrs)

    return __getattr__
