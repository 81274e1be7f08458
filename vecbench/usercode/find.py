"""Find a learner's course functions in a namespace, and the form each is written in.

A function is looked up by the course's names (and vecbench's); the
parameters pick its form (``vecbench.usercode.forms``); where several forms
fit the same parameters, each is tried on a small input and the first whose
outputs have the kernel's structure is kept. Functions imported into the
namespace from elsewhere (the course's ``dnn_utils``) are not the learner's
and are not judged. Also here: the per-call time limit, which the probe and
the judge share.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import signal
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import impls
from impls.registry import Kernel, nbytes
from vecbench import UsageError
from vecbench.measure import check
from vecbench.usercode.adapters import kernel_spec
from vecbench.usercode.forms import COURSE_NAMES, FORMS, Form, expected_signatures

#: Seconds one call may take before the function is reported too slow.
TIME_LIMIT = 10.0


class TooSlow(Exception):
    """A call ran past the per-call time limit."""


@dataclass
class Found:
    """A function of the learner's, and the form it was taken in (``form`` is
    None when the name was looked for and not found)."""

    name: str
    kernel: str | None = None
    form: str | None = None
    tier_fn: Callable | None = None
    spec: Kernel | None = None
    form_spec: Form | None = None
    fn: Callable | None = None
    skipped: str | None = None

    @property
    def missing(self) -> bool:
        return self.tier_fn is None


def _own(obj: Any, namespace: dict) -> bool:
    """Whether ``obj`` was defined in the namespace (not imported from a helper module)."""
    mod = namespace.get("__name__")
    return mod is None or getattr(obj, "__module__", mod) == mod


def _signature(fn: Callable) -> str:
    try:
        return f"{fn.__name__}{inspect.signature(fn)}"
    except (TypeError, ValueError):
        return fn.__name__


def find(namespace: dict, time_limit: float = TIME_LIMIT) -> list[Found]:
    """The course functions (and functions under vecbench's names) in ``namespace``.

    Course names the namespace lacks come back as ``Found`` with ``missing``;
    a function whose parameters fit none of its name's forms is a UsageError,
    and so is a namespace with no course function at all.
    """
    found = []
    for name, forms in FORMS.items():
        obj = namespace.get(name)
        if obj is None or not callable(obj) or isinstance(obj, type):
            if name in COURSE_NAMES:
                found.append(Found(name))
            continue
        if not _own(obj, namespace):
            found.append(Found(name, skipped=f"imported from {obj.__module__}, not defined here"))
            continue
        fitting = [f for f in forms if f.fits(obj)]
        if not fitting:
            raise UsageError(f"{_signature(obj)} fits no form of {name}; expected {expected_signatures(name)}")
        form = fitting[0] if len(fitting) == 1 else _probe(obj, fitting, time_limit)
        spec = kernel_spec(form.kernel)
        found.append(Found(name, form.kernel, form.describe, form.adapt(Seen(obj)), spec, form, obj))
    if all(f.missing for f in found):
        raise UsageError(f"no course function found; looked for {', '.join(COURSE_NAMES)} "
                         "(and vecbench's kernel names)")
    return found


def cases_of(form: Form, spec: Kernel, dtype: Any, preset: str, seed: int) -> list[tuple[str, tuple]]:
    cases = form.cases(spec, dtype, preset, seed) if form.cases else check.cases(spec, dtype, preset, seed)
    return sorted(cases, key=lambda c: nbytes(c[1]))  # stable: the smallest input that shows a fault first


def _probe(fn: Callable, forms: list[Form], time_limit: float) -> Form:
    """The first of ``forms`` under which ``fn`` runs on a small input and returns the right structure."""
    for form in forms:
        spec = kernel_spec(form.kernel)
        _, args = cases_of(form, spec, np.float64, "quick", 0)[0]
        tier = form.adapt(fn)
        try:
            with (warnings.catch_warnings(), np.errstate(all="ignore"), limit(time_limit),
                  contextlib.redirect_stdout(io.StringIO())):
                warnings.simplefilter("ignore")
                out = impls.as_python_scalars(tier(*check.snapshot(args)))
            check.structural_error(loose(out), loose(check.reference_output(spec, args)), np.dtype(np.float64))
        except Exception:
            continue
        return form
    return forms[0]


def loose(obj: Any) -> Any:
    """Values replaced by zeros: only the structure is compared when probing."""
    if isinstance(obj, np.ndarray):
        return np.zeros(obj.shape, obj.dtype) if obj.dtype.kind == "f" else obj
    if isinstance(obj, (tuple, list)):
        return type(obj)(loose(o) for o in obj)
    if isinstance(obj, float):
        return 0.0
    return obj


class limit:
    """Raise TooSlow in the main thread after ``seconds`` (elsewhere: no limit)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.active = bool(seconds) and threading.current_thread() is threading.main_thread()

    def __enter__(self):
        if self.active:
            def handler(signum, frame):
                raise TooSlow(f"a call took more than {self.seconds:g} s")
            self.previous = signal.signal(signal.SIGALRM, handler)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


class Seen:
    """The learner's function, keeping the arguments of its last call as the course's
    structures (dicts, caches), so that messages show what the learner's code received."""

    def __init__(self, fn: Callable) -> None:
        self.fn, self.args = fn, None
        self.__name__ = getattr(fn, "__name__", "learner")

    def __call__(self, *args: Any) -> Any:
        self.args = args
        return self.fn(*args)
