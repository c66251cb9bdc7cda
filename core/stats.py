"""Significance tests, intervals, sample sizes and the ship verdict of an A/B comparison.

Standard library and numpy only: the binomial tail is summed in log space, the normal
quantiles come from statistics.NormalDist and Tango's score interval is found by bisection.
Every interval has level 1 - alpha, the alpha the verdict reads the test at, so "significant"
and "the interval is above zero" speak of the same confidence. Lifts are shown in percentage
points through `format_points`, and verdicts through `VERDICT_LABELS`, here and nowhere else.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

Verdict = Literal["ship", "do_not_ship", "need_more_data"]

#: What a reader sees for each verdict code (screens, CLI text, exports).
VERDICT_LABELS: dict[str, str] = {
    "ship": "Ship",
    "do_not_ship": "Do not ship",
    "need_more_data": "Need more data",
}

#: Past this many distinct values a resample is drawn item by item (see `_bootstrap_means`).
_MAX_CATEGORIES = 64
#: Resampled items held in memory at once (floats), so 10,000 draws of 10,000 items fit easily.
_CHUNK_ELEMENTS = 4_000_000


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts.

    b = items the baseline got right and the variant wrong, c = the reverse. Under the null
    hypothesis each discordant item is a fair coin, so X ~ Binomial(b + c, 1/2) and
    p = min(1, 2 P(X <= min(b, c))). No discordant items: 1.0.
    Example: b = 1, c = 9: p = 2 x (C(10,0) + C(10,1)) / 2^10 = 2 x 11 / 1024 = 0.0215.
    """
    if b < 0 or c < 0:
        raise ValueError(f"Discordant counts cannot be negative (got b={b}, c={c}).")
    n = b + c
    if n == 0:
        return 1.0
    m = min(b, c)
    # log C(n, k) by the running product C(n, k) = C(n, k-1) (n - k + 1) / k, so even
    # tens of thousands of items neither overflow nor cost big-integer arithmetic.
    k = np.arange(1, m + 1, dtype=float)
    log_comb = np.concatenate(([0.0], np.cumsum(np.log(n - k + 1) - np.log(k))))
    top = log_comb.max()
    log_tail = top + math.log(float(np.exp(log_comb - top).sum())) - n * math.log(2)
    return min(1.0, 2 * math.exp(log_tail))


def _as_scores(values: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{what} needs at least one score.")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} got a score that is not a finite number.")
    return arr


def _bootstrap_means(values: np.ndarray, n: int, seed: int) -> np.ndarray:
    """The means of n resamples (with replacement, same size) of `values`.

    Scores with few distinct values (pass/fail, exact match) are resampled exactly as counts:
    drawing len(values) items at random gives Multinomial(len, share of each value) counts,
    so each resample costs one draw per distinct value instead of one per item. Other scores
    resample item indices, in chunks of rows.
    """
    if n < 1:
        raise ValueError(f"The bootstrap needs at least one resample (got {n}).")
    rng = np.random.default_rng(seed)
    size = values.size
    distinct, counts = np.unique(values, return_counts=True)
    if distinct.size <= _MAX_CATEGORIES:
        draws = rng.multinomial(size, counts / size, size=n)
        resampled: np.ndarray = (draws @ distinct) / size
        return resampled
    rows = max(1, _CHUNK_ELEMENTS // size)
    means = np.empty(n)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        idx = rng.integers(0, size, size=(stop - start, size), dtype=np.int32)
        means[start:stop] = values[idx].mean(axis=1)
    return means


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"The significance level must be between 0 and 1 (got {alpha}).")


def _interval(point: float, means: np.ndarray, alpha: float) -> tuple[float, float, float]:
    ordered = np.sort(means)
    return point, _at_rank(ordered, 50 * alpha), _at_rank(ordered, 100 - 50 * alpha)


def bootstrap_mean_ci(
    values: Sequence[float] | np.ndarray, *, n: int = 10_000, seed: int = 0, alpha: float = 0.05
) -> tuple[float, float, float]:
    """(mean, low, high): the mean with its (1 - alpha) percentile bootstrap interval."""
    _check_alpha(alpha)
    arr = _as_scores(values, "A bootstrap interval")
    mean = float(arr.mean())
    if np.all(arr == arr[0]):
        return mean, mean, mean
    return _interval(mean, _bootstrap_means(arr, n, seed), alpha)


def paired_bootstrap(
    baseline: Sequence[float] | np.ndarray,
    variant: Sequence[float] | np.ndarray,
    *,
    n: int = 10_000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float, float]:
    """(lift, low, high): mean of variant - baseline over paired items, with its (1 - alpha)
    percentile interval (95% by default).

    The items are resampled together (the pairs stay pairs), so what both arms find hard is not
    counted as noise. Deterministic for a given seed. Empty or unequal lengths: ValueError.
    For continuous scores (token F1, ROUGE-L); pass/fail outcomes take `paired_proportion_ci`,
    which keeps its coverage where the bootstrap's collapses (few, one-sided discordant items;
    a single item gives the degenerate [d, d] here).
    """
    base = _as_scores(baseline, "The paired bootstrap")
    var = _as_scores(variant, "The paired bootstrap")
    if base.size != var.size:
        raise ValueError(
            f"The paired bootstrap needs one variant score per baseline score: got "
            f"{base.size} and {var.size}."
        )
    return bootstrap_mean_ci(var - base, n=n, seed=seed, alpha=alpha)


def _tango_z(b: int, c: int, n: int, delta: float) -> float:
    """Tango's score statistic for the hypothesis "lift = delta" (see paired_proportion_ci)."""
    a_ = 2.0 * n
    b_ = -b - c + (2.0 * n - c + b) * delta
    c_ = -b * delta * (1.0 - delta)
    # The restricted MLE of the baseline-only share; the discriminant is >= 0 in exact
    # arithmetic, max() only absorbs rounding.
    p10 = (math.sqrt(max(b_ * b_ - 4.0 * a_ * c_, 0.0)) - b_) / (2.0 * a_)
    variance = n * (2.0 * p10 + delta * (1.0 - delta))
    excess = c - b - n * delta
    if variance <= 0:
        # Only at a boundary the data sit on (all items one-sided, or none discordant and
        # delta = 0): no spread, so any excess is infinitely far off.
        return 0.0 if excess == 0 else math.copysign(math.inf, excess)
    return excess / math.sqrt(variance)


def paired_proportion_ci(
    b: int, c: int, n: int, *, alpha: float = 0.05
) -> tuple[float, float, float]:
    """(lift, low, high) of a paired difference of pass rates, Tango's score interval (1998).

    n paired items; b of them only the baseline passes, c only the variant: lift = (c - b) / n
    (as a share, 0..1). The interval holds every delta that Tango's score test does not reject
    at `alpha` (two-sided): with p10~ the maximum-likelihood share of baseline-only items under
    "lift = delta" (the root of 2n p^2 + B p + C, B = -b - c + (2n - c + b) delta,
    C = -b delta (1 - delta)),
    Z(delta) = (c - b - n delta) / sqrt(n (2 p10~ + delta (1 - delta))), |Z| <= z(1 - alpha/2).
    Z falls as delta grows, so each end is found by bisection on [-1, lift] and [lift, 1].
    By hand, no discordant item (b = c = 0): p10~ = |delta| or 0, so Z^2 = n |delta| / (1 - |delta|)
    and the ends are +-z^2 / (n + z^2); n = 10 at 95%: 3.8415 / 13.8415 = +-0.2775.
    Unlike a bootstrap it is never degenerate (one item only the variant passes gives about
    [-0.59, 1], not [1, 1]) and keeps its nominal coverage when discordant items are few and
    all on one side (Fagerland, Lydersen and Laake 2014 recommend it;
    tests/core/test_paired_intervals.py measures it by simulation).
    """
    _check_alpha(alpha)
    if b < 0 or c < 0 or b + c > n or n < 1:
        raise ValueError(
            f"Need 0 <= b, c and b + c <= n with at least one item (got b={b}, c={c}, n={n})."
        )
    from statistics import NormalDist  # off the window's start-up path

    z = NormalDist().inv_cdf(1 - alpha / 2)
    lift = (c - b) / n

    def solve(lo: float, hi: float, target: float) -> float:
        # Halve until the two ends are neighbouring floats (at most about 60 steps on [-1, 1]).
        while True:
            mid = (lo + hi) / 2
            if mid in (lo, hi):
                return mid
            if _tango_z(b, c, n, mid) > target:
                lo = mid
            else:
                hi = mid

    low = -1.0 if _tango_z(b, c, n, -1.0) <= z else solve(-1.0, lift, z)
    high = 1.0 if _tango_z(b, c, n, 1.0) >= -z else solve(lift, 1.0, -z)
    return lift, low, high


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between the closest ranks, the rule
    of numpy.percentile's default: rank (n - 1) x q / 100 into the sorted values.

    percentile([100, 200, 300, 400], 50) = 250; p95 of the same = 300 + 0.85 x 100 = 385.
    """
    _check_q(q)
    arr = _as_scores(values, "A percentile")
    return _at_rank(np.sort(arr), q)


def percentile_or_none(values: Sequence[float] | np.ndarray, q: float) -> float | None:
    """`percentile` over values where +inf means "never" (a breakeven no draw reached), or None
    when the percentile depends on a never: it lies on one or between a year and one (or on a
    value that is not a number at all).

    percentile_or_none([1, 2, 3, 4, inf x 6], 10) = 1.9; its 50th is None.
    """
    _check_q(q)
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("A percentile needs at least one value.")
    value = _at_rank(np.sort(arr), q)
    return value if math.isfinite(value) else None


def percentiles_or_none(
    values: Sequence[float] | np.ndarray, qs: Sequence[float]
) -> list[float | None]:
    """`percentile_or_none` at each of `qs`, the values sorted once (10,000 Monte Carlo
    breakevens take longer to sort than to simulate)."""
    for q in qs:
        _check_q(q)
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("A percentile needs at least one value.")
    ordered = np.sort(arr)
    return [v if math.isfinite(v := _at_rank(ordered, q)) else None for q in qs]


def _check_q(q: float) -> None:
    if not 0 <= q <= 100:
        raise ValueError(f"A percentile is between 0 and 100 (got {q}).")


def _at_rank(ordered: np.ndarray, q: float) -> float:
    """Linear interpolation at rank (n - 1) x q / 100 of sorted values, written as numpy writes
    it so the two agree to the last bit; a neighbour at +inf gives +inf."""
    rank = q / 100 * (ordered.size - 1)
    low = min(math.floor(rank), ordered.size - 1)
    t = rank - low
    a = float(ordered[low])
    if t == 0:
        return a
    b = float(ordered[low + 1])
    if math.isinf(b):
        return math.inf
    # numpy's _lerp: from the nearer end, so t = 1 gives b exactly.
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


@functools.lru_cache(maxsize=32)
def _z(alpha: float, power: float) -> tuple[float, float]:
    # Kept per (alpha, power): Experiments' plot sizes a plan at sixty lifts an edit, each of
    # which asked NormalDist for the same two quantiles (a tenth of its compute).
    _check_alpha(alpha)
    if not 0 < power < 1:
        raise ValueError(f"The power must be between 0 and 1 (got {power}).")
    from statistics import NormalDist  # off the window's start-up path

    normal = NormalDist()
    return normal.inv_cdf(1 - alpha / 2), normal.inv_cdf(power)


def paired_sample_size(
    p_baseline_only: float,
    p_variant_only: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int | None:
    """Paired items a two-sided McNemar test needs to detect this difference (Connor 1987).

    p10 = share of items only the baseline gets right, p01 = only the variant;
    psi = p10 + p01 (discordance), d = p01 - p10 (the lift);
    n = (z_{1-alpha/2} sqrt(psi) + z_{power} sqrt(psi - d^2))^2 / d^2, rounded up.
    None when d = 0 (no number of items detects no difference) or so small that n is beyond
    any count.
    """
    p10, p01 = p_baseline_only, p_variant_only
    if p10 < 0 or p01 < 0 or p10 + p01 > 1 + 1e-12:
        raise ValueError(
            f"Discordant shares must be at least 0 and sum to at most 1 (got {p10} and {p01})."
        )
    z_a, z_b = _z(alpha, power)
    d = p01 - p10
    if d * d == 0:
        return None
    psi = p10 + p01
    root = z_a * math.sqrt(psi) + z_b * math.sqrt(max(psi - d * d, 0.0))
    return _whole(root * root / (d * d))


def _whole(n: float) -> int | None:
    # A lift too small for any float count of items is as undetectable as no lift.
    if not math.isfinite(n):
        return None
    return max(1, math.ceil(n - 1e-9))


def sample_size_for_lift(
    baseline_rate: float,
    lift: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    discordance: float | None = None,
) -> int | None:
    """Paired items needed to detect `lift` on a pass rate of `baseline_rate` (both 0..1).

    With the discordance psi (share of items on which the two arms disagree, e.g. from a
    pilot): p01 = (psi + lift) / 2 and p10 = (psi - lift) / 2, which needs psi >= |lift|.
    Without it the two arms are assumed to pass or fail independently, a cautious guess
    (real arms agree more, which needs fewer items): with p = baseline_rate and q = p + lift,
    p10 = p (1 - q) and p01 = (1 - p) q, so p01 - p10 = lift.
    Then `paired_sample_size(p10, p01)`. None when lift = 0. A variant rate outside 0..1 or a
    discordance below |lift| is a ValueError.
    """
    p, q = baseline_rate, baseline_rate + lift
    if not 0 <= p <= 1:
        raise ValueError(f"The baseline pass rate must be between 0 and 1 (got {p}).")
    if not 0 <= q <= 1:
        raise ValueError(
            f"A lift of {lift:+g} takes the pass rate from {p:g} to {q:g}, outside 0 to 1."
        )
    if discordance is None:
        p10, p01 = p * (1 - q), (1 - p) * q
    else:
        if not abs(lift) <= discordance <= 1:
            raise ValueError(
                f"The discordance ({discordance:g}) must be between the lift's size "
                f"({abs(lift):g}) and 1: the arms must disagree at least that often."
            )
        p10, p01 = (discordance - lift) / 2, (discordance + lift) / 2
    return paired_sample_size(p10, p01, alpha=alpha, power=power)


def samples_needed_for_scores(
    differences: Sequence[float] | np.ndarray,
    lift: float,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int | None:
    """Paired items needed to detect `lift` on a continuous score (a paired z-test).

    sd = the sample standard deviation (n - 1) of the per-item differences;
    n = ((z_{1-alpha/2} + z_{power}) x sd / lift)^2, rounded up, at least 1.
    None when lift = 0 or so small that n is beyond any count. Fewer than two differences:
    ValueError (no spread to measure).
    """
    arr = _as_scores(differences, "A sample size")
    if arr.size < 2:
        raise ValueError("A sample size from scores needs at least two paired differences.")
    z_a, z_b = _z(alpha, power)
    if lift == 0:
        return None
    sd = float(arr.std(ddof=1))
    ratio = (z_a + z_b) * sd / lift
    # ratio * ratio, not ratio ** 2: a float product overflows to inf, a power raises.
    return _whole(ratio * ratio)


def verdict(
    lift: float, low: float, high: float, min_lift: float, *, p_value: float, alpha: float
) -> Verdict:
    """Ship, do not ship, or need more data: the one rule of every A/B verdict in the app.

    `low`..`high` is the lift's (1 - alpha) interval and `p_value` the two-sided test of "no
    difference" (exact McNemar for pass/fail outcomes).
    - ship: the lift is significant at alpha (p_value < alpha), its interval lies above 0
      (low > 0) and it reaches the minimum worth shipping (lift >= min_lift);
    - do_not_ship: even the interval's upper end is below the minimum (high < min_lift): the
      variant cannot plausibly be worth it, which includes a variant that is worse;
    - need_more_data: anything else.
    The two tests mostly agree; where they do not (a score interval just above 0 beside an
    exact p just above alpha) the verdict waits. Lifts in one unit (shares or points).
    """
    _check_alpha(alpha)
    if p_value < alpha and low > 0 and lift >= min_lift:
        return "ship"
    if high < min_lift:
        return "do_not_ship"
    return "need_more_data"


def interval_level(alpha: float) -> str:
    """The interval's confidence level as text: alpha 0.05 gives "95%", 0.025 "97.5%"."""
    _check_alpha(alpha)
    return f"{100 * (1 - alpha):.6g}%"


def format_points(value: float, decimals: int = 1) -> str:
    """A lift in percentage points, signed: "+5.0 pp", "-0.4 pp", never "5.0%" (a change of a
    rate is not a percent of it). A value that rounds to zero reads "+0.0 pp", not "-0.0"."""
    rounded = round(value, decimals)
    return f"{(rounded if rounded != 0 else 0.0):+.{decimals}f} pp"


def format_lift(lift: float, low: float, high: float, alpha: float, decimals: int = 1) -> str:
    """A lift with its interval: "+5.0 pp (95% interval +1.2 to +8.8 pp)"."""
    return (
        f"{format_points(lift, decimals)} ({interval_level(alpha)} interval "
        f"{format_points(low, decimals)[:-3]} to {format_points(high, decimals)})"
    )


def verdict_rule(alpha: float, min_lift_pp: float, test: str) -> str:
    """The rule `verdict` applies, in words, at the user's alpha and minimum lift (in points).

    `test` names the significance test, e.g. "McNemar's exact p".
    """
    a = f"{alpha:g}"
    minimum = format_points(min_lift_pp)
    return (
        f"Rule: ship when the lift is significant at alpha {a} ({test} below {a}), its "
        f"{interval_level(alpha)} interval lies above 0 and the lift reaches the minimum worth "
        f"shipping ({minimum}); do not ship when even the interval's upper end is below "
        f"{minimum}; need more data otherwise."
    )
