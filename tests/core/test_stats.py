"""Significance tests, bootstrap intervals, sample sizes and the verdict, checked by hand."""

import math
from statistics import NormalDist

import numpy as np
import pytest

from core.stats import (
    VERDICT_LABELS,
    bootstrap_mean_ci,
    mcnemar_exact,
    paired_bootstrap,
    paired_sample_size,
    percentile,
    percentile_or_none,
    percentiles_or_none,
    sample_size_for_lift,
    samples_needed_for_scores,
    verdict,
    verdict_rule,
)

Z_975 = NormalDist().inv_cdf(0.975)  # 1.959964
Z_80 = NormalDist().inv_cdf(0.8)  # 0.841621


# --- McNemar -------------------------------------------------------------------------------------


def test_mcnemar_by_hand():
    """b = 1, c = 9: X ~ Binomial(10, 1/2); P(X <= 1) = (C(10,0) + C(10,1)) / 2^10 = 11 / 1024;
    two-sided p = 2 x 11 / 1024 = 0.021484375."""
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024, rel=1e-12)
    assert mcnemar_exact(9, 1) == mcnemar_exact(1, 9)


def test_mcnemar_edge_cases():
    """No discordant items: nothing to test, p = 1. b = c: 2 P(X <= n/2) > 1, capped at 1.
    b = 0, c = 5: 2 / 2^5 = 0.0625."""
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(7, 7) == 1.0
    assert mcnemar_exact(0, 5) == pytest.approx(0.0625, rel=1e-12)
    with pytest.raises(ValueError, match="cannot be negative"):
        mcnemar_exact(-1, 3)


@pytest.mark.parametrize(("b", "c"), [(3, 12), (18, 38), (40, 61), (150, 190), (400, 470)])
def test_mcnemar_agrees_with_exact_integer_arithmetic(b, c):
    n, m = b + c, min(b, c)
    exact = min(1.0, 2 * sum(math.comb(n, k) for k in range(m + 1)) / 2**n)
    assert mcnemar_exact(b, c) == pytest.approx(exact, rel=1e-9)


def test_mcnemar_on_very_many_items_neither_overflows_nor_loses_small_p():
    assert 0 < mcnemar_exact(4000, 4400) < 1e-4
    assert mcnemar_exact(20_000, 20_000) == 1.0


# --- Bootstrap -----------------------------------------------------------------------------------


def test_paired_bootstrap_all_equal_is_zero_with_no_width():
    assert paired_bootstrap([1, 0, 1, 1], [1, 0, 1, 1]) == (0.0, 0.0, 0.0)


def test_paired_bootstrap_is_deterministic_per_seed_and_varies_across_seeds():
    rng = np.random.default_rng(5)
    base = rng.random(300)
    var = base + rng.normal(0.02, 0.1, 300)
    assert paired_bootstrap(base, var, seed=3) == paired_bootstrap(base, var, seed=3)
    assert paired_bootstrap(base, var, seed=3) != paired_bootstrap(base, var, seed=4)


def test_paired_bootstrap_lift_is_the_mean_difference_by_hand():
    """Differences 0, +1, +1, 0, -1: mean +1/5 = 0.2; the interval lies within [-1, 1]."""
    lift, low, high = paired_bootstrap([1, 0, 0, 1, 1], [1, 1, 1, 1, 0])
    assert lift == pytest.approx(0.2)
    assert -1 <= low <= lift <= high <= 1


@pytest.mark.parametrize("continuous", [False, True])
def test_paired_bootstrap_interval_covers_the_true_lift_in_most_trials(continuous):
    """100 seeded trials of 200 items with a true lift of 0.1: a 95% interval should cover it
    about 95 times (a binomial's 3 sd below is 88); demand at least 90. Pass/fail scores take
    the counting path, continuous ones the index-resampling path."""
    rng = np.random.default_rng(2024)
    covered = 0
    for trial in range(100):
        if continuous:
            base = rng.random(200)
            var = base + 0.1 + rng.normal(0, 0.3, 200)
        else:
            base = (rng.random(200) < 0.6).astype(float)
            var = (rng.random(200) < 0.7).astype(float)
        _, low, high = paired_bootstrap(base, var, n=2000, seed=trial)
        covered += low <= 0.1 <= high
    assert covered >= 90


def test_paired_bootstrap_width_matches_the_normal_approximation():
    """400 pairs: 18 only-baseline (-1), 38 only-variant (+1), 344 ties. Mean 20/400 = 0.05;
    var of a difference = 56/400 - 0.05^2 = 0.1375; se = sqrt(0.1375 / 400) = 0.01854;
    normal interval 0.05 -/+ 1.96 x 0.01854 = 0.0137 to 0.0863 (bootstrap within 0.004)."""
    base = np.r_[np.ones(262 + 18), np.zeros(38 + 82)]
    var = np.r_[np.ones(262), np.zeros(18), np.ones(38), np.zeros(82)]
    lift, low, high = paired_bootstrap(base, var)
    assert lift == pytest.approx(0.05)
    assert low == pytest.approx(0.0137, abs=0.004)
    assert high == pytest.approx(0.0863, abs=0.004)


def test_paired_bootstrap_refuses_bad_input():
    with pytest.raises(ValueError, match="at least one score"):
        paired_bootstrap([], [])
    with pytest.raises(ValueError, match="got 2 and 3"):
        paired_bootstrap([1, 0], [1, 0, 1])
    with pytest.raises(ValueError, match="not a finite number"):
        paired_bootstrap([1, float("nan")], [1, 0])


def test_bootstrap_mean_ci():
    """Constant values have no spread; 0/1 values with mean 0.5 over 100 items have a normal
    interval of 0.5 -/+ 1.96 x sqrt(0.25 / 100) = 0.402 to 0.598."""
    assert bootstrap_mean_ci([0.3, 0.3, 0.3]) == (0.3, 0.3, 0.3)
    mean, low, high = bootstrap_mean_ci([1.0, 0.0] * 50)
    assert mean == 0.5
    assert low == pytest.approx(0.402, abs=0.01)
    assert high == pytest.approx(0.598, abs=0.01)


# --- Percentiles ---------------------------------------------------------------------------------


def test_percentile_interpolates_linearly():
    """[100, 200, 300, 400]: p50 sits halfway between 200 and 300 = 250; p95 at rank
    0.95 x 3 = 2.85, i.e. 300 + 0.85 x 100 = 385."""
    assert percentile([400, 100, 300, 200], 50) == 250
    assert percentile([100, 200, 300, 400], 95) == pytest.approx(385)
    assert percentile([7], 95) == 7
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1], 101)
    with pytest.raises(ValueError, match="at least one score"):
        percentile([], 50)


def test_percentile_is_numpys_default_rule_to_the_last_bit():
    """One rule for every percentile in the app (run latencies, agent iterations, Monte Carlo
    breakevens): numpy.percentile's linear interpolation."""
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 10, 101):
        values = rng.lognormal(size=n)
        for q in (0, 5, 10, 33.3, 50, 90, 95, 99, 100):
            assert percentile(values, q) == float(np.percentile(values, q))


def test_percentile_or_none_interpolates_and_never_gives_none():
    """Values 1..10: p50 between 5 and 6 = 5.5 (numpy's rule).

    With 6 of 10 values infinite ("never"): p10 at rank 0.9 = 1 + 0.9 x (2 - 1) = 1.9; p50 at
    rank 4.5 lies between the 5th value and the 6th, both never: None; p30 at rank 2.7 lies
    between 3 and 4: 3.7. [1, 2, never x 3]: p25 at rank exactly 1 is 2 although the next value
    is never; p30 at rank 1.2 lies between 2 and never: None.
    """
    assert percentile_or_none(np.arange(1.0, 11.0), 50) == 5.5
    mixed = np.array([np.inf] * 6 + [4.0, 3.0, 2.0, 1.0])
    assert percentile_or_none(mixed, 10) == pytest.approx(1.9)
    assert percentile_or_none(mixed, 30) == pytest.approx(3.7)
    assert percentile_or_none([1.0, 2.0, np.inf, np.inf, np.inf], 25) == 2.0
    assert percentile_or_none([1.0, 2.0, np.inf, np.inf, np.inf], 30) is None
    assert percentile_or_none(mixed, 50) is None
    assert percentile_or_none([np.inf], 10) is None
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile_or_none([1.0], -1)


def test_percentiles_or_none_are_each_percentile_or_none():
    """Sorting once gives the same answers as one call per percentile (the example above)."""
    mixed = np.array([np.inf] * 6 + [4.0, 3.0, 2.0, 1.0])
    assert percentiles_or_none(mixed, (10, 30, 50)) == [
        percentile_or_none(mixed, 10),
        percentile_or_none(mixed, 30),
        None,
    ]
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentiles_or_none([1.0], (50, 101))


# --- Sample sizes --------------------------------------------------------------------------------


def test_paired_sample_size_by_hand():
    """Connor 1987 with p10 = 0.05, p01 = 0.10: psi = 0.15, d = 0.05,
    n = (1.959964 x sqrt(0.15) + 0.841621 x sqrt(0.15 - 0.0025))^2 / 0.0025
      = (0.759090 + 0.323230)^2 / 0.0025 = 1.171420 / 0.0025 = 468.57 -> 469."""
    by_hand = (Z_975 * math.sqrt(0.15) + Z_80 * math.sqrt(0.1475)) ** 2 / 0.0025
    assert by_hand == pytest.approx(468.57, abs=0.01)
    assert paired_sample_size(0.05, 0.10) == 469
    assert paired_sample_size(0.10, 0.05) == 469  # a drop is as easy to detect as a gain
    assert paired_sample_size(0.08, 0.08) is None


def test_sample_size_for_lift_assuming_independent_outcomes_by_hand():
    """Baseline 70%, lift 5 points: q = 0.75, p10 = 0.7 x 0.25 = 0.175, p01 = 0.3 x 0.75 = 0.225,
    psi = 0.4, d = 0.05:
    n = (1.959964 x sqrt(0.4) + 0.841621 x sqrt(0.3975))^2 / 0.0025
      = (1.239590 + 0.530622)^2 / 0.0025 = 3.133650 / 0.0025 = 1253.46 -> 1254."""
    assert sample_size_for_lift(0.7, 0.05) == 1254
    assert sample_size_for_lift(0.7, 0.0) is None


def test_a_known_discordance_needs_fewer_items():
    """psi = 0.15 with lift 0.05 gives p01 = 0.10 and p10 = 0.05: the 469 of the Connor example,
    far fewer than the 1,254 of independent outcomes."""
    assert sample_size_for_lift(0.7, 0.05, discordance=0.15) == 469
    with pytest.raises(ValueError, match="must be between the lift's size"):
        sample_size_for_lift(0.7, 0.05, discordance=0.04)
    with pytest.raises(ValueError, match="outside 0 to 1"):
        sample_size_for_lift(0.98, 0.05)


def test_more_power_or_a_stricter_alpha_needs_more_items():
    base = sample_size_for_lift(0.7, 0.05)
    assert sample_size_for_lift(0.7, 0.05, power=0.9) > base
    assert sample_size_for_lift(0.7, 0.05, alpha=0.01) > base
    assert sample_size_for_lift(0.7, 0.10) < base
    with pytest.raises(ValueError, match="power must be between 0 and 1"):
        sample_size_for_lift(0.7, 0.05, power=1)


def test_samples_needed_for_scores_by_hand():
    """Differences 0.1, 0.3 (sd with n - 1 = sqrt(((-0.1)^2 + 0.1^2) / 1) = 0.141421), lift 0.05:
    n = ((1.959964 + 0.841621) x 0.141421 / 0.05)^2 = (0.396204 / 0.05)^2 = 62.79 -> 63."""
    assert samples_needed_for_scores([0.1, 0.3], 0.05) == 63
    assert samples_needed_for_scores([0.1, 0.3], 0.0) is None
    with pytest.raises(ValueError, match="at least two"):
        samples_needed_for_scores([0.1], 0.05)


# --- Verdict -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lift", "low", "high", "min_lift", "p", "expected"),
    [
        (0.05, 0.01, 0.09, 0.02, 0.01, "ship"),  # significant, really better and worth it
        (0.05, 0.01, 0.09, 0.0, 0.01, "ship"),
        (0.05, 0.01, 0.09, 0.02, 0.0625, "need_more_data"),  # interval above 0, p is not
        (0.05, 0.01, 0.09, 0.02, 0.05, "need_more_data"),  # p must be below alpha
        (0.01, 0.005, 0.015, 0.02, 0.01, "do_not_ship"),  # real but too small to matter
        (-0.04, -0.07, -0.01, 0.0, 0.01, "do_not_ship"),  # worse
        (0.03, -0.01, 0.07, 0.02, 0.3, "need_more_data"),  # might be 0
        (0.01, 0.002, 0.05, 0.02, 0.01, "need_more_data"),  # real, below the bar, could reach
        (0.0, -0.01, 0.01, 0.0, 1.0, "need_more_data"),  # no difference seen
    ],
)
def test_verdict(lift, low, high, min_lift, p, expected):
    assert verdict(lift, low, high, min_lift, p_value=p, alpha=0.05) == expected


def test_the_verdict_rule_in_words_names_alpha_the_level_and_the_minimum():
    assert verdict_rule(0.1, 2, "McNemar's exact p") == (
        "Rule: ship when the lift is significant at alpha 0.1 (McNemar's exact p below 0.1), "
        "its 90% interval lies above 0 and the lift reaches the minimum worth shipping "
        "(+2.0 pp); do not ship when even the interval's upper end is below +2.0 pp; need "
        "more data otherwise."
    )
    assert VERDICT_LABELS == {
        "ship": "Ship",
        "do_not_ship": "Do not ship",
        "need_more_data": "Need more data",
    }


def test_the_bootstrap_interval_level_follows_alpha():
    """A 90% interval (alpha 0.1) sits inside the 95% one on the same resamples."""
    rng = np.random.default_rng(2)
    base, var = rng.random(200), rng.random(200)
    _, low95, high95 = paired_bootstrap(base, var)
    _, low90, high90 = paired_bootstrap(base, var, alpha=0.1)
    assert low95 < low90 < high90 < high95


def test_a_lift_too_small_for_any_count_is_undetectable_not_an_error():
    """p01 = 1e-200: d^2 = 1e-400 underflows to 0; lift 1e-300 on scores overflows n: None."""
    assert paired_sample_size(0.0, 1e-200) is None
    assert samples_needed_for_scores([0.1, 0.3], 1e-300) is None
