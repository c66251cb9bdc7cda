"""Significance tests, bootstrap intervals, sample sizes and the ship verdict of an A/B comparison.

Standard library and numpy only: the binomial tail is summed in log space and the normal
quantiles come from statistics.NormalDist.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Literal

import numpy as np

Verdict = Literal["ship", "do_not_ship", "need_more_data"]

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
        return (draws @ distinct) / size
    rows = max(1, _CHUNK_ELEMENTS // size)
    means = np.empty(n)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        idx = rng.integers(0, size, size=(stop - start, size), dtype=np.int32)
        means[start:stop] = values[idx].mean(axis=1)
    return means


def _interval(point: float, means: np.ndarray) -> tuple[float, float, float]:
    low, high = np.percentile(means, [2.5, 97.5])
    return point, float(low), float(high)


def bootstrap_mean_ci(
    values: Sequence[float] | np.ndarray, *, n: int = 10_000, seed: int = 0
) -> tuple[float, float, float]:
    """(mean, low, high): the mean with its 95% percentile bootstrap interval."""
    arr = _as_scores(values, "A bootstrap interval")
    mean = float(arr.mean())
    if np.all(arr == arr[0]):
        return mean, mean, mean
    return _interval(mean, _bootstrap_means(arr, n, seed))


def paired_bootstrap(
    baseline: Sequence[float] | np.ndarray,
    variant: Sequence[float] | np.ndarray,
    *,
    n: int = 10_000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(lift, low, high): mean of variant - baseline over paired items, 95% percentile interval.

    The items are resampled together (the pairs stay pairs), so what both arms find hard is not
    counted as noise. Deterministic for a given seed. Empty or unequal lengths: ValueError.
    """
    base = _as_scores(baseline, "The paired bootstrap")
    var = _as_scores(variant, "The paired bootstrap")
    if base.size != var.size:
        raise ValueError(
            f"The paired bootstrap needs one variant score per baseline score: got "
            f"{base.size} and {var.size}."
        )
    return bootstrap_mean_ci(var - base, n=n, seed=seed)


def percentile(values: Sequence[float] | np.ndarray, q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between the closest ranks.

    percentile([100, 200, 300, 400], 50) = 250; p95 of the same = 300 + 0.85 x 100 = 385.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"A percentile is between 0 and 100 (got {q}).")
    arr = _as_scores(values, "A percentile")
    return float(np.percentile(arr, q))


def _z(alpha: float, power: float) -> tuple[float, float]:
    if not 0 < alpha < 1:
        raise ValueError(f"The significance level must be between 0 and 1 (got {alpha}).")
    if not 0 < power < 1:
        raise ValueError(f"The power must be between 0 and 1 (got {power}).")
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


def verdict(lift: float, low: float, high: float, min_lift: float) -> Verdict:
    """Ship, do not ship, or need more data, from a lift and its 95% interval.

    - ship: the interval is above 0 (low > 0: the variant is really better) and the lift
      reaches the minimum worthwhile lift (lift >= min_lift);
    - do_not_ship: even the interval's upper end is below the minimum worthwhile lift
      (high < min_lift): the variant cannot plausibly be worth it, which includes a variant
      that is worse;
    - need_more_data: anything else, the interval is too wide to tell.
    All four numbers are in the metric's units (0..1 for rates) and must agree.
    """
    if low > 0 and lift >= min_lift:
        return "ship"
    if high < min_lift:
        return "do_not_ship"
    return "need_more_data"
