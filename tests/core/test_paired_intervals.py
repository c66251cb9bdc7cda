"""The lift's interval for paired pass/fail outcomes and the one verdict rule.

Tango's score interval is checked against an independent solution of its score equation
(scipy: a numerically maximised restricted likelihood and brentq), its coverage by seeded
simulation, and the verdict rule over every small count set, so "ship" never stands beside
"not significant".
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.stats import binomtest, norm

from core import stats
from core.frameworks import experiments
from core.stats import mcnemar_exact, paired_bootstrap, paired_proportion_ci, verdict

# --- Tango's score interval against an independent computation -----------------------------------


def _restricted_mle(b: int, c: int, n: int, delta: float) -> float:
    """The baseline-only share p10 maximising the multinomial likelihood under
    p01 - p10 = delta, found numerically (no closed form)."""
    d = n - b - c
    lo, hi = max(0.0, -delta), (1.0 - delta) / 2

    def minus_log_likelihood(p10: float) -> float:
        total = 0.0
        for count, share in ((b, p10), (c, p10 + delta), (d, 1 - 2 * p10 - delta)):
            if count:
                total += count * math.log(max(share, 1e-300))
        return -total

    if hi - lo < 1e-15:
        return lo
    found = minimize_scalar(
        minus_log_likelihood, bounds=(lo, hi), method="bounded", options={"xatol": 1e-14}
    )
    # The bounded search stays strictly inside; the optimum may sit on a bound.
    return min((lo, found.x, hi), key=minus_log_likelihood)


def _score(b: int, c: int, n: int, delta: float) -> float:
    """Tango's statistic from its definition: (observed - expected) / sd under the null."""
    p10 = _restricted_mle(b, c, n, delta)
    return (c - b - n * delta) / math.sqrt(n * (2 * p10 + delta * (1 - delta)))


def _brute_force_interval(b: int, c: int, n: int, alpha: float) -> tuple[float, float]:
    z = norm.ppf(1 - alpha / 2)
    # At the lift itself Z is 0 (0/0 on the boundaries +-1): bracket just inside.
    edge = 1 - 1e-12
    lift = min(max((c - b) / n, -edge), edge)
    low = -1.0 if b == n else brentq(lambda d: _score(b, c, n, d) - z, -edge, lift, xtol=1e-13)
    high = 1.0 if c == n else brentq(lambda d: _score(b, c, n, d) + z, lift, edge, xtol=1e-13)
    return low, high


@pytest.mark.parametrize(
    ("b", "c", "n", "alpha"),
    [
        (0, 5, 30, 0.05),
        (2, 9, 30, 0.05),
        (6, 15, 30, 0.05),
        (18, 38, 400, 0.05),
        (0, 2, 104, 0.05),
        (3, 0, 50, 0.05),
        (10, 10, 40, 0.05),
        (7, 1, 12, 0.1),
        (0, 1, 1, 0.05),
        (1, 0, 1, 0.01),
        (4, 30, 60, 0.2),
        (120, 170, 2000, 0.05),
    ],
)
def test_tango_interval_solves_the_score_equation(b, c, n, alpha):
    lift, low, high = paired_proportion_ci(b, c, n, alpha=alpha)
    assert lift == (c - b) / n
    assert -1 <= low < lift < high <= 1 or (low <= lift <= high and abs(lift) == 1)
    ref_low, ref_high = _brute_force_interval(b, c, n, alpha)
    assert low == pytest.approx(ref_low, abs=1e-6)
    assert high == pytest.approx(ref_high, abs=1e-6)


def test_tango_interval_with_no_discordant_item_by_hand():
    """b = c = 0: the restricted MLE is p10 = max(0, -delta), so the variance is
    n |delta| (1 - |delta|) and Z^2 = n |delta| / (1 - |delta|); Z^2 = z^2 at
    |delta| = z^2 / (n + z^2). n = 10, 95%: 1.959964^2 = 3.841459 -> 3.841459 / 13.841459
    = 0.277533."""
    lift, low, high = paired_proportion_ci(0, 0, 10)
    assert lift == 0
    assert high == pytest.approx(0.277533, abs=1e-6)
    assert low == pytest.approx(-0.277533, abs=1e-6)


def test_one_item_is_never_a_degenerate_interval():
    """One item only the variant passes: the bootstrap resamples one difference and gives
    [1, 1]; the score interval reaches far below 0 (about -0.59, brute force above)."""
    assert paired_bootstrap([0.0], [1.0]) == (1.0, 1.0, 1.0)
    lift, low, high = paired_proportion_ci(0, 1, 1)
    assert lift == 1.0 and high == 1.0
    assert low == pytest.approx(_brute_force_interval(0, 1, 1, 0.05)[0], abs=1e-6)
    assert low < -0.5


def test_the_level_follows_alpha():
    """A smaller alpha gives a wider interval around the same lift."""
    ends = [paired_proportion_ci(18, 38, 400, alpha=a)[1:] for a in (0.2, 0.05, 0.01)]
    widths = [high - low for low, high in ends]
    assert widths[0] < widths[1] < widths[2]
    assert stats.interval_level(0.05) == "95%"
    assert stats.interval_level(0.1) == "90%"
    assert stats.interval_level(0.025) == "97.5%"


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        paired_proportion_ci(3, 4, 5)
    with pytest.raises(ValueError):
        paired_proportion_ci(-1, 0, 5)
    with pytest.raises(ValueError):
        paired_proportion_ci(0, 0, 0)
    with pytest.raises(ValueError):
        paired_proportion_ci(1, 1, 5, alpha=0)


# --- Coverage by simulation -----------------------------------------------------------------------

SIMULATIONS = 5_000

#: (n, P(only the variant passes), P(only the baseline passes)).
SPARSE = [(104, 0.02, 0.0), (104, 0.05, 0.0), (50, 0.04, 0.0), (200, 0.01, 0.0), (30, 0.1, 0.0)]
BALANCED = [
    (104, 0.03, 0.01),
    (100, 0.1, 0.1),
    (60, 0.2, 0.1),
    (300, 0.08, 0.05),
    (400, 0.095, 0.045),
]


def _coverage(interval, n: int, p01: float, p10: float, seed: int) -> float:
    """Share of SIMULATIONS seeded datasets whose interval holds the true lift p01 - p10.

    Only b and c enter the interval, so each distinct (b, c) is computed once and weighted by
    how often the simulation drew it."""
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, [p10, p01, 1 - p10 - p01], size=SIMULATIONS)[:, :2]
    pairs, counts = np.unique(draws, axis=0, return_counts=True)
    true = p01 - p10
    covered = 0
    for (b, c), count in zip(pairs.tolist(), counts.tolist(), strict=True):
        _, low, high = interval(b, c, n)
        covered += count * (low <= true <= high)
    return covered / SIMULATIONS


@pytest.mark.parametrize(("n", "p01", "p10"), SPARSE + BALANCED)
def test_the_95_percent_interval_covers_the_true_lift_at_least_94_percent(n, p01, p10):
    assert _coverage(paired_proportion_ci, n, p01, p10, seed=n) >= 0.94


def test_a_90_percent_interval_covers_at_least_89_percent():
    def ninety(b: int, c: int, n: int) -> tuple[float, float, float]:
        return paired_proportion_ci(b, c, n, alpha=0.1)

    for n, p01, p10 in [(104, 0.02, 0.0), (100, 0.1, 0.1)]:
        assert _coverage(ninety, n, p01, p10, seed=7) >= 0.89


def test_the_bootstrap_the_score_interval_replaced_falls_short_in_the_sparse_case():
    """Why pass/fail outcomes no longer take the paired bootstrap: n = 104, P(variant only)
    = 0.02, none the other way, and its 95% interval covers the true lift far less often."""

    def bootstrap(b: int, c: int, n: int) -> tuple[float, float, float]:
        base = np.r_[np.ones(b), np.zeros(c), np.zeros(n - b - c)]
        var = np.r_[np.zeros(b), np.ones(c), np.zeros(n - b - c)]
        return paired_bootstrap(base, var, n=2_000, seed=0)

    assert _coverage(bootstrap, 104, 0.02, 0.0, seed=104) < 0.92


# --- One verdict rule ----------------------------------------------------------------------------


def test_ship_only_when_significant_and_the_interval_is_above_zero():
    """Every (b, c) with b + c <= 40 and n up to 60, at alpha 0.05 and a 0-point minimum (the
    easiest bar): ship implies McNemar's exact p < alpha and the interval's lower end > 0.
    The same counts at n = 60 through the Experiments framework give the same verdicts."""
    decided = "need_more_data"
    shipped = 0
    for b in range(41):
        for c in range(41 - b):
            p = mcnemar_exact(b, c)
            for n in range(max(b + c, 1), 61):
                lift, low, high = paired_proportion_ci(b, c, n)
                decided = verdict(lift, low, high, 0.0, p_value=p, alpha=0.05)
                if decided == "ship":
                    shipped += 1
                    assert p < 0.05 and low > 0, (b, c, n)
            # The last n of the loop is 60: the framework reads the same counts the same way.
            r = experiments.compute(
                experiments.Inputs(
                    both_pass=60 - b - c,
                    baseline_only=b,
                    variant_only=c,
                    both_fail=0,
                    min_lift_pct=0,
                )
            )
            assert r.recommendation == decided, (b, c)
    assert shipped > 1000  # the sweep did reach the ship region


@pytest.mark.parametrize(("b", "c", "n"), [(0, 5, 30), (2, 9, 30), (6, 15, 30), (0, 1, 1)])
def test_the_reported_counter_examples_need_more_data(b, c, n):
    """Each gave "ship" beside "not significant": exact two-sided p from scipy's binomial test
    is above 0.05 (0.0625, 0.0654, 0.0784, 1)."""
    reference = binomtest(c, b + c, 0.5).pvalue
    assert reference > 0.05
    r = experiments.compute(
        experiments.Inputs(
            both_pass=n - b - c, baseline_only=b, variant_only=c, both_fail=0, min_lift_pct=2
        )
    )
    assert r.mcnemar_p == pytest.approx(reference, rel=1e-9)
    assert r.recommendation == "need_more_data"
    assert r.headline.startswith("Need more data")
    assert any("not significant at alpha 0.05" in s for s in r.rationale)


def test_a_stricter_alpha_waits_where_a_looser_one_ships():
    """b = 18, c = 38 on 400 items: p = 0.01045. At alpha 0.05 it ships; at 0.01 it is not
    significant and the 99% interval is wider."""
    loose = experiments.compute(experiments.Inputs(alpha=0.05))
    strict = experiments.compute(experiments.Inputs(alpha=0.01))
    assert loose.recommendation == "ship"
    assert strict.recommendation == "need_more_data"
    assert strict.ci_low_pct < loose.ci_low_pct
    assert "99% interval" in strict.headline
    assert any("McNemar's exact p below 0.01" in s for s in strict.rationale)


def test_lifts_are_percentage_points():
    assert stats.format_points(5) == "+5.0 pp"
    assert stats.format_points(-0.04) == "+0.0 pp"
    assert stats.format_points(-1.25, 2) == "-1.25 pp"
    assert stats.format_lift(5, 1.234, 8.76, 0.05) == "+5.0 pp (95% interval +1.2 to +8.8 pp)"
