"""``vb.compare({"loops": f, "numpy": g}, setup=lambda n: ..., sizes=[...])``: any
functions on one shared input per size, checked against a reference, then timed.

For every size, smallest first:

1. ``setup(n)`` builds the input (a tuple is the arguments, anything else the
   one argument);
2. the budget: a function whose time per call, predicted from its smaller
   sizes' fitted growth (``budget.predict``, as the runner predicts its
   loops), exceeds ``budget`` is skipped without being called;
3. agreement: every function runs once on its own copy of the input (the
   call that compiles a Numba function) and its output is compared with the
   reference's: the same structure (container types and lengths, shapes,
   dtypes, non-finite values) and values within ``rtol``, normwise (the
   largest absolute difference over the largest reference value), or
   ``equal(out, ref)`` when given. A function that disagrees, raises or
   changes its input is not timed at that size, and the result says why.
   Where the reference is over budget, the first function that agreed with
   it at every smaller size stands in for it;
4. timing, with the runner's core: a function whose first call took longer
   than the budget (best of two) is skipped; the others are autoranged
   (``timing.autorange``), then sampled in the plan's passes, the functions
   in a seeded shuffled order within each, after a wait for other threads to
   go idle; median and IQR of the samples. All of it under the process state
   of ``vecbench run`` (``core.setup_process``).

The records have the run file's shape (``kernel``, ``tier``, ``n``,
``status``, ``stats``, ...), so the plot is the report's own.
"""

from __future__ import annotations

import numbers
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import impls
from impls.registry import shapes
from vecbench.measure import check, core, state, timing
from vecbench.measure.settings import BUDGETS
from vecbench.measure.budget import predict
from vecbench.notebook.tables import html_table, text_table
from vecbench.show.report import cell, speedup_cell

#: Default normwise relative tolerance of the agreement check.
RTOL = 1e-7
#: The records' ``kernel`` (and the plot's title).
LABEL = "compare"


@dataclass
class Comparison:
    """What ``compare`` found: one record per function x size (the run file's record shape)."""

    names: list[str]
    reference: str
    sizes: list[int]
    records: list[dict[str, Any]]
    rtol: float | None
    preset: str
    budget: float
    complete: bool = True
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """False when a function disagreed with the reference, changed its input or raised."""
        return not any(r["status"] in ("failed", "error") for r in self.records)

    def record(self, name: str, n: int) -> dict[str, Any] | None:
        return next((r for r in self.records if r["tier"] == name and r["n"] == n), None)

    def table(self) -> tuple[list[str], list[list[str]]]:
        """Rows per size: each function's median ±IQR/median, then the speed-ups vs the reference."""
        others = [x for x in self.names if x != self.reference]
        headers = ["n", *self.names, *[f"{x} vs {self.reference}" for x in others]]
        rows = []
        for n in self.sizes:
            by_name = {r["tier"]: r for r in self.records if r["n"] == n}
            rows.append([f"{n:,}", *[_cell(by_name.get(x)) for x in self.names],
                         *[speedup_cell(by_name, x, self.reference) for x in others]])
        return headers, rows

    def caption(self) -> str:
        agreement = (f"outputs within {self.rtol:g} (normwise) of those of {self.reference}" if self.rtol is not None
                     else f"outputs equal to those of {self.reference} by the given equal()")
        threads = f", {self.settings['threads']} thread(s)" if self.settings.get("threads") else ""
        return (f"median time per call (±IQR/median) and speed-up vs {self.reference}; {agreement} "
                f"before timing; preset {self.preset}{threads}, budget {self.budget:g} s per call")

    def notes(self) -> list[str]:
        """Why a function has no time at a size: each reason once per function (numbers aside), with the
        smallest size it was given at."""
        out, seen = [], {}
        for r in self.records:
            if r.get("reason"):
                seen.setdefault((r["tier"], re.sub(r"\d[\d.e+-]*", "#", r["reason"])), []).append(r)
        for (name, _), recs in seen.items():
            more = f" (and {len(recs) - 1} larger size{'s' if len(recs) > 2 else ''})" if len(recs) > 1 else ""
            out.append(f"{name} at n={recs[0]['n']:,}{more}: {recs[0]['reason']}")
        return out + ([] if self.complete else ["interrupted: the sizes after the last shown were not measured"])

    def lines(self) -> list[str]:
        return [self.caption(), *text_table(*self.table()), *self.notes()]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return html_table(*self.table(), self.caption(), self.notes())

    def plot(self):
        """Time per call vs n on log-log axes, one line per function (a matplotlib Figure)."""
        from vecbench.notebook.figure import time_vs_size

        return time_vs_size(LABEL, self.records, f"each function checked against {self.reference} before it "
                                                 f"was timed; preset {self.preset}")

    def to_dict(self) -> dict[str, Any]:
        return {"names": self.names, "reference": self.reference, "sizes": self.sizes, "rtol": self.rtol,
                "preset": self.preset, "budget": self.budget, "complete": self.complete,
                "settings": self.settings, "records": self.records}


def _cell(rec: dict[str, Any] | None) -> str:
    """The report's cell, and ``unchecked`` where there was nothing to check against."""
    return "unchecked" if rec and rec["status"] == "unchecked" else cell(rec)


def compare(funcs: Mapping[str, Callable], setup: Callable[[int], Any], sizes: Iterable[int],
            reference: str | None = None, rtol: float = RTOL, equal: Callable[[Any, Any], bool] | None = None,
            preset: str = "quick", budget: float | None = None, threads: int | None = None,
            allocator: str = state.DEFAULT_ALLOCATOR, seed: int = 0) -> Comparison:
    """Check every function of ``funcs`` against ``reference`` (default: the first) on
    ``setup(n)`` for each of ``sizes``, then time those that agree (see the module's docstring).

    ``budget``: seconds one call may take before a function is skipped at that size and
    the larger ones (default: the runner's for ``preset``; 0 disables it). ``threads`` and
    ``allocator`` as ``vecbench run``'s options; ``seed`` orders the functions within a pass.
    """
    names, sizes = _validated(funcs, setup, sizes, preset)
    funcs = {str(k): fn for k, fn in funcs.items()}
    reference = names[0] if reference is None else reference
    if reference not in funcs:
        raise ValueError(f"reference {reference!r} is not one of the functions ({', '.join(names)})")
    if rtol is None or rtol < 0:
        raise ValueError(f"rtol must be a tolerance >= 0, got {rtol!r}")
    budget = BUDGETS[preset] if budget is None else budget
    run = _Run(funcs, [reference] + [x for x in names if x != reference], rtol, equal, preset, budget, seed)
    complete = True
    with ExitStack() as stack:
        threads_set = core.setup_process(threads, allocator, stack)["threads_set"]
        try:
            for n in sizes:
                run.size(n, _inputs(setup, n))
        except KeyboardInterrupt:
            complete = False
    records = sorted(run.records, key=lambda r: (r["n"], names.index(r["tier"])))
    return Comparison(names, reference, sizes, records, None if equal else rtol, preset, budget, complete,
                      {"threads": threads_set, "allocator": allocator, "seed": seed, "timer": "perf_counter"})


def _validated(funcs: Any, setup: Any, sizes: Any, preset: str) -> tuple[list[str], list[int]]:
    if not isinstance(funcs, Mapping) or not funcs:
        raise ValueError("compare needs a non-empty dict of functions, e.g. {'loops': f, 'numpy': g}")
    for name, fn in funcs.items():
        if not callable(fn):
            raise TypeError(f"funcs[{name!r}] is a {type(fn).__name__}, not a function")
    if not callable(setup):
        raise TypeError(f"setup must be a function of n returning the arguments, got {type(setup).__name__}")
    if preset not in timing.PLANS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(timing.PLANS)}")
    return [str(k) for k in funcs], valid_sizes(sizes)


def valid_sizes(sizes: Any) -> list[int]:
    """``sizes`` ascending, once each; ValueError unless they are whole numbers > 0."""
    sizes = list(sizes) if isinstance(sizes, Iterable) else [sizes]
    if not sizes or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in sizes):
        raise ValueError(f"sizes must be one or more whole numbers > 0, got {sizes!r}")
    return sorted({int(n) for n in sizes})


def _inputs(setup: Callable[[int], Any], n: int) -> tuple:
    try:
        args = setup(n)
    except Exception as exc:
        raise ValueError(f"setup({n}) raised {type(exc).__name__}: {exc}") from None
    return args if isinstance(args, tuple) else (args,)


def difference(out: Any, ref: Any, rtol: float, where: str = "the output") -> str | None:
    """Why ``out`` differs from ``ref`` in structure or by more than ``rtol`` normwise; None if it agrees."""
    try:
        err = _error(impls.as_python_scalars(out), impls.as_python_scalars(ref), where)
    except check.Mismatch as exc:
        return str(exc)
    if err <= rtol:
        return None
    return f"largest error {err:.3g} times the largest reference value, where {rtol:g} is tolerated"


def _error(out: Any, ref: Any, where: str) -> float:
    if isinstance(ref, dict):
        if not isinstance(out, dict):
            raise check.Mismatch(f"{where}: returned {type(out).__name__}, expected dict")
        if set(out) != set(ref):
            raise check.Mismatch(f"{where}: keys {sorted(map(str, out))}, expected {sorted(map(str, ref))}")
        return max((_error(out[k], ref[k], f"{where}[{k!r}]") for k in ref), default=0.0)
    if isinstance(ref, (tuple, list)):
        if type(out) is not type(ref) or len(out) != len(ref):
            raise check.Mismatch(f"{where}: {type(out).__name__} of {len(out) if hasattr(out, '__len__') else '?'}"
                                 f", expected {type(ref).__name__} of {len(ref)}")
        return max((_error(o, r, f"{where}[{i}]") for i, (o, r) in enumerate(zip(out, ref))), default=0.0)
    dtype = ref.dtype if isinstance(ref, np.ndarray) else np.dtype(np.float64)
    return check.structural_error(out, ref, dtype, where)


def _unchanged(before: Any, after: Any) -> bool:
    if isinstance(before, dict):
        return isinstance(after, dict) and set(before) == set(after) and all(
            _unchanged(before[k], after[k]) for k in before)
    if isinstance(before, (tuple, list)):
        return len(before) == len(after) and all(_unchanged(b, a) for b, a in zip(before, after))
    return check.unchanged(before, after)


class _Run:
    """One comparison's state across sizes: the records, each function's timed history, who is trusted."""

    def __init__(self, funcs: dict[str, Callable], order: list[str], rtol: float, equal: Callable | None,
                 preset: str, budget: float, seed: int) -> None:
        self.funcs, self.order, self.rtol, self.equal, self.budget = funcs, order, rtol, equal, budget
        self.plan = timing.PLANS[preset]
        self.timer = timing.TIMERS["perf_counter"]
        self.min_time = max(self.plan.min_sample_time, timing.RESOLUTION_FACTOR * timing.granularity(self.timer))
        self.rng = random.Random(seed)
        self.records: list[dict[str, Any]] = []
        self.history: dict[str, list[tuple[float, float]]] = {x: [] for x in order}
        self.trusted = set(order)  # agreed with the reference at every size so far

    def size(self, n: int, args: tuple) -> None:
        base = {"kernel": LABEL, "n": n, "shapes": shapes(list(args))}
        out: dict[str, dict[str, Any]] = {}
        for name in self.order:
            fit = predict(self.history[name], n) if self.budget > 0 else None
            if fit and fit[0] > self.budget:
                out[name] = dict(base, tier=name, status="skipped", estimate=fit[0], budget=self.budget,
                                 reason=f"predicted {fit[0]:.3g} s per call (time ~ n^{fit[1]:.2f} from smaller "
                                        f"sizes), over the {self.budget:g} s budget; not called")
        firsts = self.agree(n, args, base, out)
        self.time(n, args, base, out, firsts)
        self.records += out.values()

    def agree(self, n: int, args: tuple, base: dict, out: dict[str, dict]) -> dict[str, float]:
        """Each function not yet skipped, once on its own copy, against the reference (or its stand-in)."""
        reference = self.order[0]
        judge = next((x for x in self.order if x not in out and x in self.trusted), None)
        if judge is None:
            for name in [x for x in self.order if x not in out]:
                out[name] = dict(base, tier=name, status="unchecked",
                                 reason=f"nothing to check it against: {reference} was over the budget; not timed")
            return {}
        firsts: dict[str, float] = {}
        ref_out = None
        for name in [judge] + [x for x in self.order if x not in out and x != judge]:
            try:
                mine = check.snapshot(args)
            except Exception as exc:
                raise ValueError(f"setup({n})'s arguments cannot be copied for each function "
                                 f"(copy.deepcopy raised {type(exc).__name__}: {exc})") from None
            t0 = time.perf_counter()
            try:
                got = self.funcs[name](*mine)
            except Exception as exc:
                self.trusted.discard(name)
                out[name] = dict(base, tier=name, status="error",
                                 reason=f"raised {type(exc).__name__}: {exc}; not timed")
                if name == judge:
                    for other in [x for x in self.order if x not in out]:
                        out[other] = dict(base, tier=other, status="unchecked",
                                          reason=f"not checked: {judge}, the reference here, raised; not timed")
                    return {}
                continue
            firsts[name] = time.perf_counter() - t0
            why = None if _unchanged(args, mine) else "changed its input in place"
            if name == judge:
                ref_out = got
            elif why is None:
                why = self.differs(got, ref_out, judge)
            if why:
                self.trusted.discard(name)
                out[name] = dict(base, tier=name, status="failed", reason=f"{why}; not timed")
            elif name == judge and judge != reference:
                out[name] = dict(base, tier=name, status="ok", reason=(
                    f"the reference here ({reference} was over the budget; {judge} agreed with it at every "
                    "smaller size)"))
        return firsts

    def differs(self, got: Any, ref_out: Any, judge: str) -> str | None:
        if self.equal is None:
            why = difference(got, ref_out, self.rtol)
            return f"differs from {judge}: {why}" if why else None
        try:
            same = bool(self.equal(got, ref_out))
        except Exception as exc:
            return f"equal(output, {judge}'s) raised {type(exc).__name__}: {exc}"
        return None if same else f"equal(output, {judge}'s) is False"

    def time(self, n: int, args: tuple, base: dict, out: dict[str, dict], firsts: dict[str, float]) -> None:
        """Autorange and sample every function that agreed, in the plan's passes."""
        calls = {x: timing.Call(self.funcs[x], args, self.timer) for x in firsts if x not in out or
                 out[x]["status"] == "ok"}
        for name in list(calls):
            if 0 < self.budget < firsts[name]:
                again = min(firsts[name], calls[name].sample(1))  # one slow reading can be a hiccup (or a compile)
                if again > self.budget:
                    self.history[name].append((n, again))
                    out[name] = dict(base, tier=name, status="skipped", estimate=again, budget=self.budget,
                                     reason=f"a call took {again:.3g} s (best of two), over the "
                                            f"{self.budget:g} s budget")
                    del calls[name]
        number, shares, samples = {}, {}, {x: [] for x in calls}
        for p in range(self.plan.passes):
            order = list(calls)
            self.rng.shuffle(order)
            for name in order:
                try:
                    if p == 0:
                        core.quiet_start()  # as core.warm does before every later batch
                        number[name], sample_time = timing.autorange(calls[name], self.min_time, firsts[name])
                        shares[name] = self.plan.shares(self.plan.repeats(sample_time))
                    elif p < len(shares[name]):
                        core.warm(calls[name].fn, args)
                    else:
                        continue
                    samples[name] += [calls[name].sample(number[name]) / number[name]
                                      for _ in range(shares[name][p])]
                except Exception as exc:  # agreed, then raised on a later call
                    out[name] = dict(base, tier=name, status="error", reason=f"raised while timed: "
                                                                           f"{type(exc).__name__}: {exc}")
                    del calls[name]
        for name in calls:
            st = timing.stats(samples[name])
            out.setdefault(name, dict(base, tier=name, status="ok"))
            out[name].update(first_call=firsts[name], number=number[name], samples=samples[name],
                             stats=st.to_dict())
            self.history[name].append((n, st.median))
        base_time = out.get(self.order[0], {}).get("stats", {}).get("median")
        for r in out.values():
            if r["status"] == "ok" and base_time and r["stats"]["median"] > 0:
                r[f"speedup_vs_{self.order[0]}"] = base_time / r["stats"]["median"]
