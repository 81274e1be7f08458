"""What several commands parse alike: counts, seconds, kernels and tiers.

Each parser raises ``argparse.ArgumentTypeError`` (argparse turns it into the
one-line usage error) or ``UsageError``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import impls
from vecbench import UsageError
from vecbench.measure import steady, timing
from vecbench.measure.settings import max_passes


def positive_int(text: str, least: int = 1) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least {least}")
    return value


def count(text: str) -> int:
    """A whole number, 0 or more."""
    return positive_int(text, least=0)


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds >= 0")
    return value



def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive (got {text})")
    return value


#: The dtypes every command takes.
DTYPES = ("float64", "float32")


def resolve_kernels(names: Sequence[str] | None) -> list[impls.Kernel]:
    """Specs for ``names`` (all when empty); unknown names are a UsageError."""
    if not names:
        return list(impls.KERNELS.values())
    unknown = [n for n in names if n not in impls.KERNELS]
    if unknown:
        raise UsageError(f"unknown kernel {', '.join(unknown)}; choose from: {', '.join(impls.KERNELS)}")
    return [impls.KERNELS[n] for n in dict.fromkeys(names)]


def resolve_tiers(names: Sequence[str] | None) -> list[str] | None:
    """Validated tier names (None means every tier of each kernel)."""
    if not names:
        return None
    unknown = [n for n in names if n not in impls.TIERS]
    if unknown:
        raise UsageError(f"unknown tier {', '.join(unknown)}; choose from: {', '.join(impls.TIERS)}")
    return list(dict.fromkeys(names))


def threshold(text: str) -> float:
    """``"10%"`` or ``"0.1"`` -> 0.1."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a threshold like 10% or 0.1") from None
    if not 0 <= value < 10 or (not text.endswith("%") and value >= 1):
        raise argparse.ArgumentTypeError(f"{text!r}: give a percentage like 10% or a fraction below 1")
    return value


def planted(text: str) -> tuple[str, float]:
    """``"numpy:10%"`` -> ("numpy", 0.1): a ``--plant-slowdown`` (tier, or ``all``, and fraction)."""
    tier, sep, amount = text.rpartition(":")
    if not sep or not tier:
        raise argparse.ArgumentTypeError(f"{text!r}: expected TIER:PCT, e.g. numpy:10% or all:5%")
    if tier != "all" and tier not in impls.TIERS:
        raise argparse.ArgumentTypeError(f"{text!r}: unknown tier {tier}; choose from all, {', '.join(impls.TIERS)}")
    fraction = threshold(amount)
    if fraction <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a planted slowdown must be more than 0%")
    return tier, fraction


def per_preset(value) -> str:
    """``value(plan)`` of every preset, for a help text: "quick 2, default 5, large 5"."""
    return ", ".join(f"{name} {value(plan)}" for name, plan in timing.PLANS.items())


def add_passes_option(p: argparse.ArgumentParser, default_help: str = "") -> None:
    """``--passes N``: how many passes over the plan share each record's samples."""
    p.add_argument("--passes", type=positive_int, metavar="N",
                   help="spread each record's samples over N passes over the whole plan, at most the most "
                        f"samples a record takes ({per_preset(lambda plan: plan.max_repeat)}); a record with "
                        "fewer samples than passes takes one in passes spread over the run; default: the "
                        f"preset's ({per_preset(lambda plan: plan.passes)}){default_help}")


def add_retakes_option(p: argparse.ArgumentParser) -> None:
    """``--retakes N``: how often a sample taken in a slow spell of the machine may be taken again."""
    p.add_argument("--retakes", type=count, default=steady.RETAKES, metavar="N",
                   help="take a sample again, up to N times, when the speed probes on either side of it find "
                        f"the machine in a slow spell; 0 keeps every sample as it comes (default: {steady.RETAKES}; "
                        "see the README, 'Slow spells')")


def check_passes(passes: int | None, preset: str) -> None:
    """A UsageError when ``passes`` exceeds what ``preset``'s samples allow."""
    if passes and passes > max_passes(preset):
        raise UsageError(f"--passes {passes}: the {preset} plan takes at most {max_passes(preset)} samples "
                         f"per record, so at most {max_passes(preset)} passes")


def add_plant_option(p: argparse.ArgumentParser, whom: str) -> None:
    """``--plant-slowdown TIER:PCT`` (repeatable), for measuring verdicts."""
    p.add_argument("--plant-slowdown", type=planted, action="append", default=[], metavar="TIER:PCT",
                   help=f"make {whom} TIER (or all tiers) do PCT more of the same work while timed, to measure "
                        "how often a verdict catches a known slowdown; recorded in the run (repeatable)")
