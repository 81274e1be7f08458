"""A learner's matching functions as one more tier of their kernels: ``vecbench run --impl PATH``.

``user_kernels`` judges every course function of a namespace (``judge``)
and, for each that matches, returns its kernel's spec with one more tier,
named after the file (``week4`` for ``week4.ipynb``): the runner then gates
and times it exactly as it does the built-in tiers, on the same ladder. The
tier is the learner's function behind its adapter (``Adapted``): the gate
goes through the adapter, the timing calls the learner's function itself on
the course-form arguments built once (``Adapted.timed``). A function that
did not match gets no tier; its verdict says why.

The shallow network's two-layer ``update_parameters`` is timed on its own
ladder (``n_x=2, n_h=n``), as kernel ``update_parameters-shallow``, since the
registry's ladder is the deep network's.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

import impls
from impls import shallow_forward as sf
from impls import update_parameters as up
from impls.registry import Kernel
from vecbench import UsageError
from vecbench.usercode.find import TIME_LIMIT, Found, find
from vecbench.usercode.judge import FunctionVerdict, judge
from vecbench.usercode.load import load

#: The shallow network's update, on its own ladder.
SHALLOW_UPDATE = "update_parameters-shallow"


def tier_name(path: str | Path) -> str:
    """The tier a file's functions are timed as: its stem, as an identifier (``week4``)."""
    name = re.sub(r"\W+", "_", Path(path).stem).strip("_").lower() or "yours"
    if name in impls.TIERS:
        raise UsageError(f"{path}: its tier would be named {name!r}, which is a built-in tier; rename the file")
    return name


def _shallow_update(spec: Kernel) -> Kernel:
    return dataclasses.replace(
        spec, name=SHALLOW_UPDATE,
        summary="update_parameters for the shallow network's two layers (n_x=2, n_h=n, n_y=1), learning rate 1.2",
        make_inputs=lambda n, rng, dtype: up.step_inputs((2, n, 1), rng, dtype, 1.2),
        sizes=sf.SIZES)


def with_tier(found: Found, tier: str) -> Kernel:
    """``found``'s kernel with the learner's function as tier ``tier``."""
    spec = _shallow_update(found.spec) if found.form_spec.cases else found.spec
    return dataclasses.replace(spec, tiers={**spec.tiers, tier: found.form_spec.adapt(found.fn)})


def user_kernels(namespace: dict, tier: str, dtypes: Iterable[str] = ("float64",), preset: str = "quick",
                 seed: int = 0, time_limit: float = TIME_LIMIT) -> tuple[list[Kernel], list[FunctionVerdict]]:
    """The kernels of every function in ``namespace`` that matches, each with tier ``tier``, and every verdict.

    Two functions of one kernel (``sigmoid`` in the week-2 form and ``relu``
    are different kernels, but ``L1`` and ``l1_loss`` are one) give it one
    tier: the first found, the other's verdict notes that it was not timed.
    """
    kernels: dict[str, Kernel] = {}
    verdicts = []
    for found in find(namespace, time_limit):
        verdict = judge(found, dtypes, preset, seed, time_limit)
        verdicts.append(verdict)
        if verdict.status != "matches":
            continue
        kernel = with_tier(found, tier)
        if kernel.name in kernels:
            verdict.notes.append(f"not timed: {kernels[kernel.name].tiers[tier].__name__} is already "
                                 f"{kernel.name}'s {tier} tier")
            continue
        kernels[kernel.name] = kernel
    return list(kernels.values()), verdicts


def from_files(paths: Iterable[str], dtype: str = "float64", seed: int = 0, time_limit: float = TIME_LIMIT
               ) -> tuple[dict[str, Kernel], dict[str, dict]]:
    """Every file's matching functions as a tier named after it, merged per kernel.

    Returns kernel name -> spec with every file's tier, and tier -> what a
    run records of it: the path and every function's verdict (those not
    timed say why). Bad files are a UsageError (``load``, ``find``).
    """
    kernels: dict[str, Kernel] = {}
    impl: dict[str, dict] = {}
    for path in paths:
        tier = tier_name(path)
        if tier in impl:
            raise UsageError(f"{path} and {impl[tier]['path']} would both be tier {tier!r}; rename one")
        found, verdicts = user_kernels(load(path), tier, (dtype,), "quick", seed, time_limit)
        impl[tier] = {"path": str(path), "notebook": str(path).endswith(".ipynb"),
                      "timed": [k.name for k in found], "verdicts": [v.to_dict() for v in verdicts]}
        for k in found:  # a kernel another file matched too gets this file's tier beside that one
            other = kernels.get(k.name)
            kernels[k.name] = k if other is None else \
                dataclasses.replace(other, tiers={**other.tiers, tier: k.tiers[tier]})
    return kernels, impl
