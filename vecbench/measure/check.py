"""The equivalence gate: every tier against the reference, and gradients
against centred finite differences.

The reference for inputs of any dtype is the ``numpy`` tier run on the same
values upcast to float64, so a float32 tier is judged against the exact-ish
answer rather than against another float32 result.

Tolerance rule: a tier matches when, for every output, the largest absolute
difference is within ``tolerance(dtype, K) * max|reference|`` (a normwise
relative error), where ``K`` is the kernel's reduction length (the longest
sum behind an output element):

    tolerance(dtype, K) = 32 * eps(dtype) * sqrt(max(K, 1))

``32 * eps`` covers a few rounding steps and the transcendental functions
(libm and NumPy's SIMD exp/log/tanh differ by an ulp or two); ``sqrt(K)`` is
the expected growth of rounding error in a sum of ``K`` terms. Non-finite
reference values must be matched exactly (same inf, nan where nan). Shapes,
dtypes and output types must match strictly: no broadcasting can hide an
``(n, 1)`` vs ``(n,)`` slip.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

import impls
from impls.registry import REFERENCE_TIER, Kernel

#: Relative step and pass mark of the finite-difference gradient check (float64).
FD_STEP = 1e-6
FD_TOLERANCE = 1e-6
#: Elements perturbed per parameter array (a seeded sample: enough to catch a
#: wrong index, cheap enough to run on every backward kernel).
FD_SAMPLES = 12


#: The reason of a tier that wrote into inputs it was meant only to read.
MUTATED = "mutated its inputs"


class Mismatch(Exception):
    """A tier's output differs from the reference in structure (not value)."""


@dataclass(frozen=True)
class Verdict:
    """The gate's finding for one kernel x tier on one input."""

    kernel: str
    tier: str
    dtype: str
    inputs: str
    ok: bool
    error: float
    tolerance: float
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def tolerance(dtype: Any, reduction: int) -> float:
    """Normwise relative tolerance for ``dtype`` and reduction length ``K``."""
    return 32 * float(np.finfo(dtype).eps) * math.sqrt(max(reduction, 1))


def dtype_of(args: Any) -> np.dtype | None:
    """The floating dtype of the first array among ``args``."""
    if isinstance(args, np.ndarray):
        return args.dtype if args.dtype.kind == "f" else None
    if isinstance(args, (tuple, list)):
        for a in args:
            dt = dtype_of(a)
            if dt is not None:
                return dt
    return None


def upcast(args: Any, copy: bool = True) -> Any:
    """``args`` with every floating array as float64 (layout kept); a float64
    array is copied too unless ``copy`` is false."""
    if isinstance(args, np.ndarray):
        return args.astype(np.float64, copy=copy) if args.dtype.kind == "f" else args
    if isinstance(args, tuple):
        return tuple(upcast(a, copy) for a in args)
    if isinstance(args, list):
        return [upcast(a, copy) for a in args]
    return args


def reference_output(kernel: Kernel, args: tuple) -> Any:
    """The reference tier's output on ``args`` upcast to float64. Arrays that
    are float64 already are copied only for a kernel that writes into its
    inputs: any other reference that did would fail its own gate
    (``check_tier``: "mutated its inputs")."""
    return impls.as_python_scalars(kernel.tiers[REFERENCE_TIER](*upcast(args, copy=kernel.mutates)))


def structural_error(out: Any, ref: Any, dtype: np.dtype, where: str = "output") -> float:
    """Worst normwise relative error of ``out`` vs ``ref``.

    Raises ``Mismatch`` on any difference of type, length, shape or dtype, or
    of non-finite values.
    """
    if isinstance(ref, (tuple, list)):
        if type(out) is not type(ref):
            raise Mismatch(f"{where}: returned {type(out).__name__}, expected {type(ref).__name__}")
        if len(out) != len(ref):
            raise Mismatch(f"{where}: {len(out)} items, expected {len(ref)}")
        errors = [structural_error(o, r, dtype, f"{where}[{i}]") for i, (o, r) in enumerate(zip(out, ref))]
        return max(errors, default=0.0)
    if isinstance(ref, float):
        if not isinstance(out, float):
            raise Mismatch(f"{where}: returned {type(out).__name__}, expected float")
        return _array_error(np.array(out), np.array(ref), where)
    if isinstance(ref, np.ndarray):
        if not isinstance(out, np.ndarray):
            raise Mismatch(f"{where}: returned {type(out).__name__}, expected ndarray")
        if out.shape != ref.shape:
            raise Mismatch(f"{where}: shape {out.shape}, expected {ref.shape}")
        if out.dtype != dtype:
            raise Mismatch(f"{where}: dtype {out.dtype}, expected {dtype}")
        return _array_error(out, ref, where)
    if out != ref:
        raise Mismatch(f"{where}: {out!r}, expected {ref!r}")
    return 0.0


def _array_error(out: np.ndarray, ref: np.ndarray, where: str) -> float:
    out64 = np.asarray(out, dtype=np.float64)  # no copy when it is float64 already
    finite = np.isfinite(ref)
    if finite.all():  # the usual case: no masked copies (they took 10 s of a default run)
        o, r = out64, ref
    else:
        if not np.array_equal(out64[~finite], ref[~finite], equal_nan=True):
            raise Mismatch(f"{where}: non-finite values differ from the reference")
        o, r = out64[finite], ref[finite]
    if not np.isfinite(o).all():
        raise Mismatch(f"{where}: non-finite values where the reference is finite")
    if not r.size:
        return 0.0
    diff = float(np.max(np.abs(o - r)))
    scale = float(np.max(np.abs(r)))
    return diff / scale if scale > 0 else diff


def all_finite(obj: Any) -> bool:
    """Whether every float in ``obj`` (arrays, floats, nested) is finite."""
    if isinstance(obj, np.ndarray):
        return obj.dtype.kind != "f" or bool(np.all(np.isfinite(obj)))
    if isinstance(obj, (tuple, list)):
        return all(all_finite(o) for o in obj)
    if isinstance(obj, float):
        return math.isfinite(obj)
    return True


def snapshot(args: Any) -> Any:
    """A deep copy of ``args`` to detect mutation."""
    return copy.deepcopy(args)


def unchanged(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        # the plain comparison first: ``equal_nan`` costs twenty times as much
        # (0.14 s against 7 ms on 100 MB), and only arrays holding NaN need it
        return before.shape == after.shape and (np.array_equal(before, after)
                                                or np.array_equal(before, after, equal_nan=True))
    if isinstance(before, (tuple, list)):
        return len(before) == len(after) and all(unchanged(b, a) for b, a in zip(before, after))
    if isinstance(before, dict):
        return (isinstance(after, dict) and before.keys() == after.keys()
                and all(unchanged(before[k], after[k]) for k in before))
    return before == after or (before != before and after != after)


@dataclass(frozen=True)
class Given:
    """The output of a call of the tier on these very inputs, made by the
    caller (the sweep's timed first call), which also saw whether that call
    left the inputs as it found them: ``check_tier`` judges it instead of
    calling the tier again."""

    output: Any
    wrote_inputs: bool = False


def restore(before: Any, after: Any) -> None:
    """Put the values of the snapshot ``before`` back into ``after``, in
    place: arrays copied into, lists and dicts refilled (with copies, so the
    snapshot stays as it was), tuples followed."""
    if isinstance(after, np.ndarray):
        np.copyto(after, before)
    elif isinstance(after, list):
        after[:] = copy.deepcopy(before)
    elif isinstance(after, dict):
        after.clear()
        after.update(copy.deepcopy(before))
    elif isinstance(after, tuple):
        for b, a in zip(before, after):
            restore(b, a)


def check_tier(kernel: Kernel, tier: str, args: tuple, label: str, reference: Any = None,
               before: Any = None, given: Given | None = None) -> Verdict:
    """Run one tier on ``args`` and judge it against the reference; ``before``:
    a snapshot of ``args`` taken already (one is taken otherwise); ``given``:
    the tier's output from a call made already (``Given``), judged instead."""
    dtype = dtype_of(args) or np.dtype(np.float64)
    tol = tolerance(dtype, kernel.reduction(args))
    if before is None and given is None and not kernel.mutates:
        before = snapshot(args)  # before the reference too: it runs on these very arrays
    if reference is None:
        reference = reference_output(kernel, args)
    verdict = dict(kernel=kernel.name, tier=tier, dtype=str(dtype), inputs=label, tolerance=tol)
    if all_finite(args) and not all_finite(reference):
        # every tier agreeing on a NaN is no proof: the kernels promise
        # finite outputs for finite inputs
        return Verdict(**verdict, ok=False, error=math.inf,
                       reason="the reference output is not finite on finite inputs")
    if given is not None:
        if given.wrote_inputs and not kernel.mutates:
            return Verdict(**verdict, ok=False, error=math.inf, reason=MUTATED)
        out = impls.as_python_scalars(given.output)
    else:
        try:
            out = impls.as_python_scalars(kernel.tiers[tier](*args))
        except Exception as exc:  # a tier that raises has failed the gate
            return Verdict(**verdict, ok=False, error=math.inf, reason=f"raised {type(exc).__name__}: {exc}")
        if not kernel.mutates and not unchanged(before, args):
            return Verdict(**verdict, ok=False, error=math.inf, reason=MUTATED)
    try:
        error = structural_error(out, reference, dtype)
    except Mismatch as exc:
        return Verdict(**verdict, ok=False, error=math.inf, reason=str(exc))
    ok = error <= tol
    reason = None if ok else f"error {error:.3g} > tolerance {tol:.3g}"
    return Verdict(**verdict, ok=ok, error=error, reason=reason)


def gate(kernel: Kernel, args: tuple, tiers: Any = None, label: str = "",
         given: dict[str, Given] | None = None) -> dict[str, Verdict]:
    """Verdicts of ``tiers`` (default: all) on one input, sharing one reference
    and, while no tier writes into the inputs, one snapshot of them (a copy
    per tier cost seconds of a run on the largest inputs). ``given``: tier
    -> its output from a call made already (``check_tier``), judged instead
    of calling the tier again."""
    given = given or {}
    tiers = list(tiers or kernel.tiers)
    called = [t for t in tiers if t not in given]
    # before the reference, which runs on these arrays
    before = snapshot(args) if called and not kernel.mutates else None
    reference = reference_output(kernel, args)
    verdicts = {}
    for t in tiers:
        verdicts[t] = check_tier(kernel, t, args, label, reference, before, given.get(t))
        if verdicts[t].reason == MUTATED and t in called:  # the next tier is judged on the inputs it is given
            before = snapshot(args)
    return verdicts


def cases(kernel: Kernel, dtype: Any, preset: str = "quick", seed: int = 0) -> list[tuple[str, tuple]]:
    """The inputs the check runs: the preset's ladder, then the edge inputs."""
    ladder = [(f"n={n}", kernel.inputs(n, seed, dtype)) for n in kernel.sizes[preset]]
    return ladder + [(f"edge: {label}", args) for label, args in kernel.edge_inputs(np.dtype(dtype))]


def check_kernel(kernel: Kernel, dtype: Any, tiers: Any = None, preset: str = "quick",
                 seed: int = 0) -> list[Verdict]:
    """Every requested tier on every case of ``kernel``."""
    return [v for label, args in cases(kernel, dtype, preset, seed)
            for v in gate(kernel, args, tiers, label).values()]


def gradient_errors(kernel: Kernel, tier: str, args: tuple, seed: int = 0) -> dict[str, float]:
    """Relative error of ``tier``'s gradients vs centred finite differences.

    For each parameter, ``|g - g_fd| / max(|g| + |g_fd|, tiny)`` over a seeded
    sample of ``FD_SAMPLES`` elements, the course's gradient-check measure.
    """
    if kernel.gradient is None:
        raise ValueError(f"kernel {kernel.name!r} has no gradient check")
    args = snapshot(args)  # the problem perturbs its parameters in place
    problem = kernel.gradient(args, kernel.tiers[tier])
    rng = np.random.default_rng(seed)
    errors = {}
    for label, param, analytic in zip(problem.labels, problem.params, problem.analytic):
        if np.shape(analytic) != param.shape:
            raise Mismatch(f"{label}: gradient shape {np.shape(analytic)}, parameter {param.shape}")
        flat = param.reshape(-1)  # a view: perturbing it perturbs the parameter
        if not np.shares_memory(flat, param):
            raise ValueError(f"{label}: parameter must be contiguous to be perturbed in place")
        picks = rng.choice(flat.size, size=min(FD_SAMPLES, flat.size), replace=False)
        g = np.asarray(analytic, dtype=np.float64).reshape(-1)[picks]
        g_fd = np.empty_like(g)
        for j, i in enumerate(picks):
            original = flat[i]
            h = FD_STEP * max(1.0, abs(original))
            flat[i] = original + h
            plus = problem.objective()
            flat[i] = original - h
            minus = problem.objective()
            flat[i] = original
            g_fd[j] = (plus - minus) / (2 * h)
        errors[label] = float(np.linalg.norm(g - g_fd) / max(np.linalg.norm(g) + np.linalg.norm(g_fd), 1e-300))
    return errors
