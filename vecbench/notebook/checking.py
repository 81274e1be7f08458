"""``vb.check(fn, "propagate")`` and ``vb.check_module(globals())``: the check of
``vecbench check --impl`` on functions already defined, one verdict each.

Both go through ``vecbench.usercode`` (``find`` the form, ``judge`` on the
kernel's ladder, edge inputs and gradients) and return a ``CheckResult``,
whose text is the CLI's lines and whose HTML is a table Jupyter shows.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import impls
from vecbench import usercode
from vecbench.notebook.tables import html_table
from vecbench.usercode import FunctionVerdict

#: The dtypes a function is checked (and timed) in.
DTYPES = ("float64", "float32")


@dataclass
class CheckResult:
    """Verdicts of a check: ``ok`` unless a function is wrong or crashed; iterate,
    index by position or course name, ``print`` it or let Jupyter show it."""

    verdicts: list[FunctionVerdict]
    dtypes: tuple[str, ...] = ("float64",)

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    def __iter__(self) -> Iterator[FunctionVerdict]:
        return iter(self.verdicts)

    def __len__(self) -> int:
        return len(self.verdicts)

    def __getitem__(self, key: int | str) -> FunctionVerdict:
        if isinstance(key, str):
            for v in self.verdicts:
                if v.name == key:
                    return v
            raise KeyError(f"no verdict for {key!r}; this check has {', '.join(v.name for v in self.verdicts)}")
        return self.verdicts[key]

    def lines(self) -> list[str]:
        """What ``vecbench check --impl`` prints for these verdicts."""
        out = [line for v in self.verdicts if v.status != "not found" for line in v.lines()]
        missing = usercode.missing_line(self.verdicts)
        return out + ([missing] if missing else []) + [usercode.summary_line(self.verdicts)]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = [[v.name, v.status, v.form or "", explanation(v)] for v in self.verdicts if v.status != "not found"]
        notes = [n for n in (usercode.missing_line(self.verdicts),) if n]
        return html_table(["function", "verdict", "form", "why"], rows,
                          f"checked against vecbench's reference ({', '.join(self.dtypes)}): "
                          + usercode.summary_line(self.verdicts), notes, figures=False)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "dtypes": list(self.dtypes), "verdicts": [v.to_dict() for v in self.verdicts]}


def explanation(v: FunctionVerdict) -> str:
    """The verdict's lines after its first, or what a match covered."""
    first = [v.covered()] if v.status == "matches" else []
    return "; ".join([*first, *v.detail, *(f"note: {n}" for n in v.notes)])


def check(fn: Callable, name: str, dtypes: Iterable[str] = ("float64",), preset: str = "quick",
          time_limit: float = usercode.TIME_LIMIT) -> CheckResult:
    """Judge ``fn`` as the course function ``name`` (``"propagate"``, ``"compute_cost"``, ...),
    whatever its own ``__name__``, on the kernel's ladder, edge inputs and gradients."""
    check_arguments(fn, name, "check")
    dtypes = options(dtypes, preset)
    found = [f for f in usercode.find({name: fn}, time_limit) if f.name == name]
    return CheckResult([usercode.judge(f, dtypes, preset, 0, time_limit) for f in found], dtypes)


def check_arguments(fn: Any, name: Any, what: str) -> None:
    """Raise TypeError unless ``fn`` is a function, ValueError unless ``name`` is a course name."""
    if not callable(fn) or isinstance(fn, type):
        raise TypeError(f"{what} needs a function to judge as {name!r}, got {type(fn).__name__}")
    if name not in usercode.FORMS:
        raise ValueError(f"{name!r} is not a function vecbench knows; it looks for {', '.join(usercode.FORMS)}")


def options(dtypes: str | Iterable[str], preset: str) -> tuple[str, ...]:
    """The dtypes to check in, as a tuple (one name is one dtype); ValueError for an unknown dtype or preset."""
    dtypes = (dtypes,) if isinstance(dtypes, str) else tuple(dtypes)
    unknown = [d for d in dtypes if d not in DTYPES]
    if not dtypes or unknown:
        raise ValueError(f"dtypes must be among {', '.join(DTYPES)}, got {dtypes!r}")
    if preset not in impls.PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(impls.PRESETS)}")
    return dtypes


def check_module(namespace: dict | types.ModuleType, dtypes: Iterable[str] = ("float64",), preset: str = "quick",
                 time_limit: float = usercode.TIME_LIMIT) -> CheckResult:
    """Judge every course function defined in ``namespace`` (a notebook's ``globals()``, or a module);
    functions imported into it from another module (the course's ``dnn_utils``) are skipped."""
    if isinstance(namespace, types.ModuleType):
        namespace = vars(namespace)
    if not isinstance(namespace, dict):
        raise TypeError(f"check_module needs a namespace such as globals() or a module, "
                        f"got {type(namespace).__name__}")
    dtypes = options(dtypes, preset)
    return CheckResult(usercode.check_namespace(namespace, dtypes, preset, 0, time_limit), dtypes)
