"""How sure is a verdict? A confidence interval of the ratio B/A, and the rule that reads it.

For one record measured in A and in B, ``ratio_interval`` resamples each
side's samples with replacement (a seeded bootstrap, ``RESAMPLES`` times),
takes the statistic (median, or minimum) of each resample and the ratio
B/A of the two, and returns the point ratio with the central ``confidence``
interval of those ratios. ``judge`` turns it into a verdict:

- ``slower``: the ratio is past ``1 + threshold`` *and* the whole interval
  lies above 1 (the change is both large enough to matter and unlikely to
  be noise);
- ``faster``: the mirror image, under ``1 / (1 + threshold)`` with the
  interval below 1;
- ``same``: the whole interval lies within ``[1 / (1 + threshold), 1 + threshold]``;
- ``inconclusive``: anything else: the samples cannot tell a change of the
  threshold's size from none.

The seed comes from the record's key, so the same two runs always get the
same verdicts. Samples taken minutes apart share the machine's drift, which
no resampling can see: interleaved A/B (``vecbench ab``) is the remedy. Its
samples come in pairs taken moments apart, and ``paired_interval`` judges
the pairs' ratios instead. The false-alarm rates and power of both are
measured (README, "What a verdict means").
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

VERDICTS = ("faster", "slower", "same", "inconclusive")
DEFAULT_CONFIDENCE = 0.95
RESAMPLES = 2000
STATS = {"median": np.median, "min": np.min}


def seed_of(key: object) -> int:
    """A stable seed from a record's key (``hash`` is salted per process)."""
    return zlib.crc32(repr(key).encode())


def ratio_interval(a: Sequence[float], b: Sequence[float], confidence: float = DEFAULT_CONFIDENCE,
                   stat: str = "median", seed: int = 0) -> tuple[float, float, float]:
    """(point ratio, low, high) of ``stat(b) / stat(a)`` at ``confidence``."""
    fn = STATS[stat]
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.size == 0 or xb.size == 0:
        raise ValueError("both sides need samples")
    point = float(fn(xb) / fn(xa))
    rng = np.random.default_rng(seed)
    ra = fn(xa[rng.integers(0, xa.size, (RESAMPLES, xa.size))], axis=1)
    rb = fn(xb[rng.integers(0, xb.size, (RESAMPLES, xb.size))], axis=1)
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(rb / ra, [tail, 1 - tail])
    return point, float(lo), float(hi)


def paired_interval(a: Sequence[float], b: Sequence[float], confidence: float = DEFAULT_CONFIDENCE,
                    seed: int = 0) -> tuple[float, float, float]:
    """(point, low, high) of B/A from samples taken in pairs (``vecbench ab``).

    Sample ``i`` of A and sample ``i`` of B were taken moments apart, so the
    machine's speed of that moment is in both: the ratio ``b[i] / a[i]`` of
    each pair cancels it, where pooling the samples would add it to both
    sides' spread. The point is the median of the pair ratios, the interval
    a seeded bootstrap of that median over the pairs.
    """
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.size != xb.size or xa.size == 0:
        raise ValueError("paired samples need as many in B as in A, and some")
    ratios = xb / xa
    rng = np.random.default_rng(seed)
    medians = np.median(ratios[rng.integers(0, ratios.size, (RESAMPLES, ratios.size))], axis=1)
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(medians, [tail, 1 - tail])
    return float(np.median(ratios)), float(lo), float(hi)


def judge(ratio: float, lo: float, hi: float, threshold: float) -> str:
    """The verdict of a ratio and its interval against ``threshold`` (see the module docstring)."""
    if ratio > 1 + threshold and lo > 1:
        return "slower"
    if ratio < 1 / (1 + threshold) and hi < 1:
        return "faster"
    if lo >= 1 / (1 + threshold) and hi <= 1 + threshold:
        return "same"
    return "inconclusive"
