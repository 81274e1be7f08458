"""The statistical verdict: a bootstrap interval of B / A, read against the threshold."""

import numpy as np
import pytest

from vecbench.verdict import stats


def samples(center, spread, n=12, seed=0):
    return list(center * (1 + spread * np.random.default_rng(seed).uniform(-1, 1, n)))


def verdict(a, b, threshold=0.10, confidence=0.95):
    return stats.judge(*stats.ratio_interval(a, b, confidence, seed=1), threshold)


def test_a_true_25_percent_slowdown_is_called_slower_and_its_mirror_faster():
    a, b = samples(1.0, 0.03), samples(1.25, 0.03, seed=1)
    assert verdict(a, b) == "slower"
    assert verdict(b, a) == "faster"


def test_the_same_distribution_is_called_same():
    assert verdict(samples(1.0, 0.02), samples(1.0, 0.02, seed=1)) == "same"


def test_a_wide_noisy_pair_is_inconclusive_even_past_the_threshold():
    a, b = samples(1.0, 0.6, n=5), samples(1.3, 0.6, n=5, seed=1)
    point, lo, hi = stats.ratio_interval(a, b, seed=1)
    assert point > 1.1 and lo < 1 < hi
    assert verdict(a, b) == "inconclusive"


def test_a_small_real_change_under_the_threshold_is_not_a_regression():
    a, b = samples(1.0, 0.01, n=30), samples(1.05, 0.01, n=30, seed=1)
    assert verdict(a, b) in ("same", "inconclusive")
    assert verdict(a, b, threshold=0.02) == "slower"


def test_the_interval_is_deterministic_for_a_seed_and_widens_with_confidence():
    a, b = samples(1.0, 0.2), samples(1.1, 0.2, seed=1)
    assert stats.ratio_interval(a, b, seed=7) == stats.ratio_interval(a, b, seed=7)
    _, lo90, hi90 = stats.ratio_interval(a, b, 0.90, seed=7)
    _, lo99, hi99 = stats.ratio_interval(a, b, 0.99, seed=7)
    assert lo99 <= lo90 and hi99 >= hi90
    assert stats.seed_of(("dot", "numba", 7, "float64")) == stats.seed_of(("dot", "numba", 7, "float64"))


def test_no_samples_is_an_error():
    with pytest.raises(ValueError):
        stats.ratio_interval([], [1.0])


def test_pairing_sample_by_sample_cancels_a_machine_that_changes_speed_between_pairs():
    """The machine runs at 1x or 1.6x, pair by pair, for both sides alike: B is 10% slower in every pair."""
    speed = [1.0, 1.6, 1.0, 1.6, 1.6, 1.0, 1.0, 1.6, 1.6, 1.0]
    rng = np.random.default_rng(3)
    a = [s * (1 + 0.01 * rng.standard_normal()) for s in speed]
    b = [1.10 * s * (1 + 0.01 * rng.standard_normal()) for s in speed]
    pooled = stats.judge(*stats.ratio_interval(a, b, seed=1), 0.07)
    paired = stats.paired_interval(a, b, seed=1)
    assert pooled == "inconclusive"
    assert paired[0] == pytest.approx(1.10, rel=0.02) and 1 < paired[1] <= paired[2] < 1.15
    assert stats.judge(*paired, 0.07) == "slower"
    assert stats.judge(*stats.paired_interval(a, a, seed=1), 0.07) == "same"


def test_pairs_that_disagree_keep_a_paired_verdict_inconclusive():
    a = [1.0] * 6
    b = [1.1] * 3 + [0.95] * 3  # half the pairs: B faster
    point, lo, hi = stats.paired_interval(a, b, seed=1)
    assert lo < 1 < hi
    assert stats.judge(point, lo, hi, 0.07) == "inconclusive"


def test_paired_samples_must_come_in_pairs():
    with pytest.raises(ValueError):
        stats.paired_interval([1.0, 1.0], [1.0])


def test_compare_judges_pair_by_pair_only_the_two_sides_of_one_ab():
    from vecbench.verdict.compare import compare

    speed = [1.0, 1.6, 1.0, 1.6, 1.6, 1.0, 1.0, 1.6, 1.6, 1.0]
    record = lambda scale, k=10: {"kernel": "k", "tier": "numpy", "n": 1, "dtype": "float64",  # noqa: E731
                                  "status": "ok", "samples": [scale * s for s in speed[:k]],
                                  "stats": {"median": scale * 1.3, "min": scale}}
    doc = lambda scale, k=10, alternation="sample": {  # noqa: E731
        "settings": {}, "records": [record(scale, k)], "ab": {"alternation": alternation}}
    judged = lambda a, b, **kw: compare(a, b, 0.07, stat="median", **kw)[0]["verdict"]  # noqa: E731  (ab's rule)
    assert judged(doc(1.0), doc(1.1), paired=True) == "slower"
    assert judged(doc(1.0), doc(1.1)) == "inconclusive"  # separate runs: pooled
    assert judged(doc(1.0), doc(1.1, k=9), paired=True) == "inconclusive"  # not in pairs
    assert judged(doc(1.0, alternation="step"), doc(1.1), paired=True) == "inconclusive"
