"""Run a learner's course functions through the gate, and fold the findings
into one verdict per function, in words a learner can act on.

Each function goes through ``vecbench.measure.check`` as an extra tier of
its kernel (``yours``): the kernel's ladder and edge inputs, smallest first,
against the reference, then, for backward functions, centred finite
differences of the kernel's cost. The per-input findings become one status:

- ``matches``: every input within tolerance;
- ``wrong``: an output differs (which output, the largest error and the
  tolerance, the smallest input that shows it; for gradients, which
  parameter), or an input was changed in place where the course forbids it;
- ``crashed``: it raised (the exception, where, and the input shapes);
- ``unstable``: NaN, inf or a floating-point warning where the reference is
  finite (which input);
- ``too slow``: one call ran past the per-call limit (the run goes on);
- ``not found``: the file defines no function of that name.

``wrong`` and ``crashed`` fail the check; the others do not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import io
import math
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import impls
from impls.registry import Kernel, shapes
from vecbench.measure import check
from vecbench.usercode.find import TIME_LIMIT, Found, Seen, TooSlow, cases_of, find, limit, loose
from vecbench.usercode.forms import Form

TIER = "yours"
STATUSES = ("matches", "wrong", "crashed", "unstable", "too slow", "not found")
FAILING = ("wrong", "crashed")


@dataclass
class FunctionVerdict:
    """One function's verdict: ``status`` (see ``STATUSES``) and the lines that explain it."""

    name: str
    status: str
    form: str | None = None
    kernel: str | None = None
    detail: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: int = 0
    gradients: int = 0

    @property
    def ok(self) -> bool:
        """False when the function is wrong or crashed (what fails the check)."""
        return self.status not in FAILING

    def lines(self) -> list[str]:
        head = f"{self.name}: {self.status}"
        if self.form:
            head += f" ({self.form})"
        if self.status == "matches":
            head += f": {self.covered()}"
        return [head] + [f"  {d}" for d in self.detail] + [f"  note: {n}" for n in self.notes]

    def covered(self) -> str:
        """What a match covered: the inputs, and the gradient checks."""
        text = f"{self.checked} inputs agree with the reference"
        return text + (f", and its gradients with finite differences on {self.gradients}" if self.gradients else "")

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "ok": self.ok}


def _course_shapes(obj: Any) -> str:
    if isinstance(obj, np.ndarray):
        return "(" + ", ".join(map(str, obj.shape)) + ("," if obj.ndim == 1 else "") + ")"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k}: {_course_shapes(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, tuple):
        return "(" + ", ".join(_course_shapes(o) for o in obj) + ")"
    if isinstance(obj, list):
        return "[" + ", ".join(_course_shapes(o) for o in obj) + "]"
    if isinstance(obj, str):
        return repr(obj)
    return type(obj).__name__


class _Recorder:
    """Wraps the tier: records the output, warnings, exception and time of the last call."""

    def __init__(self, tier: Callable, time_limit: float) -> None:
        self.tier, self.time_limit = tier, time_limit
        self.reset()

    def reset(self) -> None:
        self.out = self.exc = None
        self.warned: list[str] = []
        self.seconds = 0.0

    def __call__(self, *args: Any) -> Any:
        self.reset()
        start = time.perf_counter()
        try:
            with (warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"),
                  limit(self.time_limit), contextlib.redirect_stdout(io.StringIO())):  # a learner's prints
                warnings.simplefilter("always")
                self.out = self.tier(*args)
        except BaseException as exc:
            self.exc = exc
            raise
        finally:
            self.seconds = time.perf_counter() - start
        self.warned = [f"{w.category.__name__}: {w.message}" for w in caught]
        return self.out


def _input_shapes(args: tuple) -> str:
    def show(s):
        if isinstance(s, list) and all(isinstance(i, int) for i in s):
            return "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"
        if isinstance(s, list):
            return "[" + ", ".join(show(i) for i in s) + "]"
        return str(s)
    return ", ".join(show(s) for s in shapes(list(args)))


def _learner_line(exc: BaseException, fn: Callable) -> str:
    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if not frames:
        return ""
    f = frames[-1]
    return f" at line {f.lineno} ({f.line.strip()})" if f.line else f" at line {f.lineno}"


def _leaves(obj: Any, path: tuple = ()) -> Iterable[tuple[tuple, Any]]:
    if isinstance(obj, (tuple, list)):
        for i, o in enumerate(obj):
            yield from _leaves(o, path + (i,))
    else:
        yield path, obj


def _worst_output(out: Any, ref: Any, dtype: np.dtype, form: Form) -> tuple[str, float]:
    worst = ("the output", -1.0)
    for (path, r), (_, o) in zip(_leaves(ref), _leaves(out)):
        try:
            err = check.structural_error(o, r, dtype)
        except check.Mismatch:
            err = math.inf
        if err > worst[1]:
            worst = (form.label(path), err)
    return worst


def _first_structural(out: Any, ref: Any, dtype: np.dtype, form: Form) -> str | None:
    """The first structural difference, worded with the course's output names."""
    try:
        check.structural_error(out, ref, dtype)
    except check.Mismatch as exc:
        text = str(exc)
        if text.startswith("output"):
            where, _, rest = text.partition(": ")
            path = tuple(int(i) for i in where[len("output"):].strip("[]").split("][") if i)
            return f"{form.label(path)}: {rest}"
        return text
    return None


# --- judging -------------------------------------------------------------------------------

def judge(found: Found, dtypes: Iterable[str] = ("float64",), preset: str = "quick", seed: int = 0,
          time_limit: float = TIME_LIMIT) -> FunctionVerdict:
    """One verdict for ``found`` over every case of its kernel in every dtype."""
    if found.missing:
        return FunctionVerdict(found.name, "not found", detail=[found.skipped] if found.skipped else [])
    form, spec = found.form_spec, found.spec
    recorder = _Recorder(found.tier_fn, time_limit)
    kernel = dataclasses.replace(spec, tiers={**spec.tiers, TIER: recorder})
    verdict = FunctionVerdict(found.name, "matches", found.form, found.kernel)
    unstable: list[str] = []
    for dtype in dtypes:
        dtype = np.dtype(dtype)
        cases = cases_of(form, spec, dtype, preset, seed)
        for label, args in cases:
            problem = _judge_case(kernel, form, found, recorder, label, args, dtype)
            verdict.checked += 1
            if problem is None:
                continue
            status, detail = problem
            if status == "unstable":
                unstable.append(detail)
            elif verdict.status == "matches":
                verdict.status, verdict.detail = status, [detail]
                if status == "too slow":
                    break
            elif status != verdict.status and not verdict.notes:
                verdict.notes.append(f"also {status}: {detail}")  # a crash can hide wrong values, and back
        if verdict.status != "matches":
            break
        if spec.gradient is not None:
            problem, verdict.gradients = _judge_gradients(kernel, form, cases, seed)
            if problem:
                verdict.status, verdict.detail = "wrong", [problem]
                break
    if unstable:
        if verdict.status == "matches":
            verdict.status = "unstable"
            verdict.detail = unstable[:3]
        else:
            verdict.notes.append(f"also unstable: {unstable[0]}")
    verdict.notes.extend(sorted(getattr(found.tier_fn, "notes", ())))
    return verdict


def _judge_case(kernel: Kernel, form: Form, found: Found, recorder: _Recorder, label: str, args: tuple,
                dtype: np.dtype) -> tuple[str, str] | None:
    before = check.snapshot(args)
    reference = check.reference_output(kernel, args)
    if isinstance(getattr(found.tier_fn, "fn", None), Seen):
        found.tier_fn.fn.args = None
    v = check.check_tier(kernel, TIER, args, label, reference, before)
    seen = getattr(getattr(found.tier_fn, "fn", None), "args", None)
    shown = ", ".join(_course_shapes(a) for a in seen) if seen is not None else _input_shapes(args)
    on = f"on input '{label}' (your function was given {shown}; {dtype})"
    exc = recorder.exc
    if isinstance(exc, TooSlow):
        return "too slow", f"{exc} {on}; the limit is per call, on small inputs"
    if exc is not None and not isinstance(exc, check.Mismatch):
        message = (str(exc).strip().splitlines() or [""])[0]
        return "crashed", f"raised {type(exc).__name__}: {message}{_learner_line(exc, found.fn)} {on}"
    if exc is not None:  # the adapter found the course's structure broken
        return "wrong", f"{exc} {on}"
    if v.reason == "the reference output is not finite on finite inputs":
        return None  # no verdict possible on this input
    if v.reason == check.MUTATED:
        names = list(inspect.signature(kernel.tiers[impls.REFERENCE_TIER]).parameters)
        if form.same_arguments:  # the learner's own parameter names
            names = list(inspect.signature(found.fn).parameters)
        changed = [names[i] if i < len(names) else f"input {i}"
                   for i, (b, a) in enumerate(zip(before, args)) if not check.unchanged(b, a)]
        return "wrong", (f"it changed its input {', '.join(changed)} in place {on}; "
                         "work on a copy (np.copy) or build a new array")
    out = impls.as_python_scalars(recorder.out)
    if out is None:
        return "wrong", f"it returned None (is its return statement missing?) {on}"
    finite_ref = check.all_finite(reference)
    if finite_ref and not check.all_finite(out):
        return "unstable", f"NaN or inf in its output where the reference is finite {on}" + (
            f" ({recorder.warned[0]})" if recorder.warned else "")
    if any(key in label for key in form.finite_only):
        structure = _first_structural(loose(out), loose(reference), dtype, form)
        if structure:
            return "wrong", f"{structure} {on}"
        return _warned(recorder, on, finite_ref)
    if not v.ok:
        structure = _first_structural(out, reference, dtype, form)
        if structure:
            return "wrong", f"{structure} {on}"
        name, err = _worst_output(out, reference, dtype, form)
        return "wrong", (f"{name} differs from the reference {on}: largest error {err:.3g} times the largest "
                         f"reference value, where {v.tolerance:.3g} is tolerated")
    return _warned(recorder, on, finite_ref)


def _warned(recorder: _Recorder, on: str, finite_ref: bool) -> tuple[str, str] | None:
    if recorder.warned and finite_ref:
        return "unstable", f"floating-point warning {on}: {recorder.warned[0]}"
    return None


def _judge_gradients(kernel: Kernel, form: Form, cases: list[tuple[str, tuple]], seed: int) -> tuple[str | None, int]:
    """Finite differences of the kernel's cost on the ladder's inputs and the deep networks' edges."""
    ladder = [(label, args) for label, args in cases if not label.startswith("edge:")][:2]  # the smallest two
    picked = ladder + [(label, args) for label, args in cases
                       if label.startswith("edge:") and any(k in label for k in ("L=3", "widths", "equal"))]
    checked = 0
    for label, args in picked:
        if check.dtype_of(args) != np.float64:
            continue
        try:
            reference = check.gradient_errors(kernel, impls.REFERENCE_TIER, args, seed)
        except Exception:
            continue
        if not all(e < check.FD_TOLERANCE for e in reference.values()):
            continue  # a point where finite differences do not hold (a ReLU kink within a step)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                errors = check.gradient_errors(kernel, TIER, args, seed)
        except Exception as exc:
            return f"the gradient check could not run it on input '{label}': {type(exc).__name__}: {exc}", checked
        bad = {k: e for k, e in errors.items() if not e < check.FD_TOLERANCE}
        if bad:
            name, err = max(bad.items(), key=lambda kv: kv[1])
            return (f"the gradient for {name} disagrees with finite differences of the cost on input '{label}' "
                    f"(shapes {_input_shapes(args)}): relative error {err:.3g}, pass mark {check.FD_TOLERANCE:g}"
                    ), checked
        checked += 1
    return None, checked


def missing_line(verdicts: list[FunctionVerdict]) -> str | None:
    """The one line naming every function looked for and not found (None when none is missing)."""
    missing = [v for v in verdicts if v.status == "not found"]
    if not missing:
        return None
    return "not found: " + ", ".join(v.name + (f" ({v.detail[0]})" if v.detail else "") for v in missing)


def summary_line(verdicts: list[FunctionVerdict]) -> str:
    """The check's last line: whether any function failed, and how many got each verdict."""
    counts = {s: sum(v.status == s for v in verdicts) for s in STATUSES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    failed = sum(not v.ok for v in verdicts)
    return f"{failed} function(s) wrong or crashed ({summary})" if failed else \
        f"no function wrong or crashed ({summary})"


def check_namespace(namespace: dict, dtypes: Iterable[str] = ("float64",), preset: str = "quick", seed: int = 0,
                    time_limit: float = TIME_LIMIT) -> list[FunctionVerdict]:
    """A verdict for every course function looked for in ``namespace`` (files and ``globals()`` alike)."""
    return [judge(f, dtypes, preset, seed, time_limit) for f in find(namespace, time_limit)]
