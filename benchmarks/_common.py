"""What the asv suite shares: seeded inputs, the gate, the budget, the naming.

Every benchmark class is generated from ``impls.KERNELS`` of the commit being
measured, and this module relies only on what every commit of the project has
(the ``Kernel`` spec and the gate, ``check.gate``), so that ``asv run`` can
measure the whole history with today's suite.

Rules the suite follows (DESIGN.md, "Measurement rules"):

- inputs are ``Kernel.inputs(n, SEED, float64)``, built lazily in ``setup``;
- the gate runs on the very inputs being timed, in ``setup``; a mismatch
  raises ``EquivalenceError`` (the benchmark fails, nothing is timed);
- the tier is called once in ``setup`` so that Numba compiles in the timing
  process and never inside a sample;
- a python-tier size whose call is predicted over ``PYTHON_BUDGET`` is skipped
  with ``NotImplementedError`` (asv records it as skipped, with the estimate);
- BLAS runs on one thread: what vectorization buys on one core, the same
  footing as the loops and the serial Numba tier.

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
import re
import time
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from threadpoolctl import threadpool_limits

import impls

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
#: asv times one call per sample when a benchmark has a setup; calls shorter
#: than this are mostly timer and loop overhead, and are left to
#: pytest-benchmark (tests/test_benchmarks.py), which batches calls.
MIN_CALL = 10e-6
#: asv ``repeat``: (min samples, max samples, seconds after which to stop).
REPEAT = (5, 50, 2.0)
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


class EquivalenceError(AssertionError):
    """A tier does not match the reference at the inputs about to be measured."""


@dataclass(frozen=True)
class Case:
    """One kernel x tier on seeded inputs that passed the gate."""

    spec: impls.Kernel
    tier: str
    n: int
    args: tuple

    @property
    def fn(self):
        return self.spec.tiers[self.tier]

    def fresh_args(self) -> tuple:
        """The inputs, copied when the kernel writes into them."""
        return copy.deepcopy(self.args) if self.spec.mutates else self.args


def class_name(kernel: str) -> str:
    """``linear_backward`` -> ``LinearBackward``: the asv class of a kernel."""
    return "".join(part[:1].upper() + part[1:] for part in kernel.split("_") if part)


def ladder(spec: impls.Kernel, preset: str = LADDER) -> list[str]:
    """The sizes of ``preset`` as asv parameter strings."""
    return [str(n) for n in spec.sizes[preset]]


def spec_of(kernel: str) -> impls.Kernel:
    try:
        return impls.KERNELS[kernel]
    except KeyError:
        raise NotImplementedError(f"kernel {kernel!r} is not registered at this commit") from None


@functools.cache
def single_threaded_blas() -> None:
    """Limit BLAS/OpenMP pools to one thread for the rest of the process."""
    threadpool_limits(limits=1)


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


def gate_and_warm(spec: impls.Kernel, tier: str, args: tuple, label: str) -> None:
    """Run the gate on ``args`` (raising on a mismatch), then warm the tier up.

    The gate calls the tier, so a JIT has compiled by the time the explicit
    warm-up call runs; that call states the intent and does not depend on
    how the gate works. The python tier has nothing to warm.
    """
    verdict = check.gate(spec, args, [tier], label)[tier]
    if not verdict.ok:
        raise EquivalenceError(f"{spec.name} {tier} {label}: {verdict.reason}; not measured")
    if tier != "python":
        spec.tiers[tier](*(copy.deepcopy(args) if spec.mutates else args))


@functools.cache
def prepared(kernel: str, tier: str, n: str) -> Case:
    """Seeded inputs at size ``n`` that ``tier`` passed the gate on, warmed up.

    Cached for the process: asv re-runs ``setup`` before every sample.
    """
    single_threaded_blas()
    spec = spec_of(kernel)
    if tier not in spec.tiers:
        raise NotImplementedError(f"kernel {kernel!r} has no tier {tier!r} at this commit")
    args = spec.inputs(int(n), SEED, DTYPE)
    check_budget(spec, tier, args)
    gate_and_warm(spec, tier, args, f"n={n}")
    return Case(spec, tier, int(n), args)


@functools.cache
def call_seconds(kernel: str, tier: str, n: str) -> float:
    """A cheap estimate of one call, to decide whether asv can time it."""
    case = prepared(kernel, tier, n)
    fresh = case.fresh_args()
    start = time.perf_counter()
    case.fn(*fresh)
    once = time.perf_counter() - start
    if once > 100 * MIN_CALL:  # clearly timeable: spare the slow tiers more calls
        return once
    return seconds_per_call(case.fn, case.args, case.spec.mutates, repeats=3)


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
