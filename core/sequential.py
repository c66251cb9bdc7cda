"""Sequential A/B testing: an anytime-valid confidence sequence for the mean paired lift.

A paired run looks at the lift after every item and stops as soon as the verdict is settled.
A fixed-size interval looked at that often would claim a difference that is not there far more
often than alpha; a confidence sequence holds at every look at once:
P(the true mean lift is outside the interval at ANY item) <= alpha.

The method is the hedged betting confidence sequence of Waudby-Smith & Ramdas (2023,
"Estimating means of bounded random variables by betting", JRSS-B, Theorem 3 and section 5),
for per-item differences d_i = variant score - baseline score in [-1, 1] (scores 0..1). For
each candidate mean m, two gamblers bet on d_i - m, one that it is positive and one negative:

    K+_t(m) = prod_{i<=t} (1 + l+_i(m) (d_i - m)),   K-_t(m) = prod_{i<=t} (1 - l-_i(m) (d_i - m)),
    K_t(m)  = K+_t(m) / 2 + K-_t(m) / 2,

a nonnegative martingale starting at 1 when m is the true mean, so by Ville's inequality
P(exists t: K_t(m) >= 1 / alpha) <= alpha. The confidence sequence at item t is every m whose
capital stays below 1 / alpha, reported as the open interval between the nearest ruled-out
means of a grid of m (step 0.001) on either side of those it keeps.
The bets are predictable (they use items before i only), which is all validity needs:

    l_i  = sqrt(2 log(2 / alpha) / (var_{i-1} h)),          the plug-in bet for horizon h,
    l+_i(m) = min(l_i, c / (1 + m)),  l-_i(m) = min(l_i, c / (1 - m)),  c = 3/4,
    mean_t = (sum_{i<=t} d_i) / (t + 1),  var_t = (1/4 + sum_{i<=t} (d_i - mean_i)^2) / (t + 1),

starting from mean_0 = 0 and var_0 = 1/4 (a prior guess the data soon outweigh). The clip
keeps every factor at least 1 - c > 0. h is the horizon the bet is tuned for (the fixed-size
plan's n, or the items available): the interval is narrowest around item h and valid at every
item before and after it (tests/core/test_sequential.py measures both by simulation).

By hand, d = (1, 1), alpha = 0.05, h = 10, m = 0: l_1 = sqrt(2 ln 40 / (0.25 x 10)) = 1.72,
clipped to 0.75; mean_1 = 0.5, var_1 = (0.25 + 0.5^2) / 2 = 0.25, so l_2 = 0.75 too.
K+ = 1.75^2 = 3.0625, K- = 0.25^2 = 0.0625, K = 1.5625 < 20: no lift of 0 is ruled out yet.

The verdict reads the sequence with `core.stats.verdict`'s rule and words, the interval standing
in for both the interval and the significance test (it excludes 0 exactly when the test of "no
difference" rejects at alpha): ship when the interval lies above 0 and the lift reaches the
minimum; do not ship when even its upper end is at most the minimum (the ends are ruled out
themselves); need more data (keep going) otherwise. `finding` says which case stopped it:
better, worse, or no meaningful difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core import stats

#: Largest bet as a share of what keeps every factor positive (Waudby-Smith & Ramdas's c).
BET_CAP = 0.75
#: Prior guess of the differences' variance, worth one item.
PRIOR_VARIANCE = 0.25
#: Spacing of the candidate means the interval is read from (score units).
GRID_STEP = 0.001

Finding = Literal["better", "worse", "no_meaningful_difference", "not_enough", "keep_going"]

#: What a reader sees for each finding.
FINDING_LABELS: dict[str, str] = {
    "better": "better",
    "worse": "worse",
    "no_meaningful_difference": "no meaningful difference",
    "not_enough": "not better by the minimum lift",
    "keep_going": "keep going",
}


def _check(alpha: float, horizon: int) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"The significance level must be between 0 and 1 (got {alpha}).")
    if horizon < 1:
        raise ValueError(f"The horizon must be at least one item (got {horizon}).")


def _bet_size(alpha: float, horizon: int, variance: np.ndarray | float) -> np.ndarray:
    return np.sqrt(2 * math.log(2 / alpha) / (np.asarray(variance, dtype=float) * horizon))


def log_capital(differences: np.ndarray, m: float, *, alpha: float, horizon: int) -> np.ndarray:
    """ln K_t(m) after every item of every row of `differences` (experiments x items, each in
    [-1, 1]): the hedged capital of the module docstring, vectorised over the rows.

    The sequence rules out the mean m at item t when ln K_t(m) >= ln(1 / alpha).
    """
    _check(alpha, horizon)
    d = np.asarray(differences, dtype=float)
    if d.ndim != 2:
        raise ValueError("The differences must be a matrix: one row per experiment.")
    if np.any(np.abs(d) > 1):
        raise ValueError("Paired differences of 0..1 scores lie between -1 and 1.")
    t = np.arange(1, d.shape[1] + 1)
    means = np.cumsum(d, axis=1) / (t + 1)
    variances = (PRIOR_VARIANCE + np.cumsum((d - means) ** 2, axis=1)) / (t + 1)
    before = np.concatenate([np.full((d.shape[0], 1), PRIOR_VARIANCE), variances[:, :-1]], axis=1)
    bet = _bet_size(alpha, horizon, before)
    # At m = -1 (or 1) no difference lies below (above) m: that side may bet any size.
    up_cap = BET_CAP / (1 + m) if m > -1 else math.inf
    down_cap = BET_CAP / (1 - m) if m < 1 else math.inf
    up = np.log1p(np.minimum(bet, up_cap) * (d - m))
    down = np.log1p(-np.minimum(bet, down_cap) * (d - m))
    hedged: np.ndarray = np.logaddexp(np.cumsum(up, axis=1), np.cumsum(down, axis=1))
    return hedged - math.log(2)


def rejects(differences: np.ndarray, m: float, *, alpha: float, horizon: int) -> np.ndarray:
    """True where the sequence has ruled out the mean m by that item (experiments x items)."""
    crossed = log_capital(differences, m, alpha=alpha, horizon=horizon) >= math.log(1 / alpha)
    return np.logical_or.accumulate(crossed, axis=1)


def sequential_verdict(lift: float, low: float, high: float, min_lift: float) -> stats.Verdict:
    """`core.stats.verdict`'s rule and words read on the open interval (low, high), whose ends
    are the nearest ruled-out means: ship when it lies above 0 (so "no difference" is rejected
    at alpha) and the lift reaches the minimum; do not ship when its upper end is at most the
    minimum; need more data (keep going) otherwise."""
    if low >= 0 and lift >= min_lift:
        return "ship"
    if high <= min_lift:
        return "do_not_ship"
    return "need_more_data"


def finding(low: float, high: float, min_lift: float) -> Finding:
    """What the open interval (low, high) says so far: better (above 0), worse (below 0), no
    meaningful difference (inside +-min_lift), not better by the minimum (upper end at most
    it), or keep going."""
    if low >= 0:
        return "better"
    if high <= 0:
        return "worse"
    if high <= min_lift and low >= -min_lift:
        return "no_meaningful_difference"
    if high <= min_lift:
        return "not_enough"
    return "keep_going"


@dataclass(frozen=True)
class Look:
    """The sequence after `n` pairs: the mean lift and its anytime-valid interval (score
    units), the verdict so far and what the interval found."""

    n: int
    lift: float
    low: float
    high: float
    verdict: stats.Verdict
    finding: Finding

    @property
    def settled(self) -> bool:
        return self.verdict != "need_more_data"

    def sentence(self, alpha: float) -> str:
        """The verdict so far in words, e.g. "Ship after 120 items: the variant is better,
        +6.0 pp (anytime-valid 95% interval +1.2 to +10.8 pp)."""
        label = stats.VERDICT_LABELS[self.verdict]
        when = f"after {self.n:,} items" if self.settled else f"so far ({self.n:,} items)"
        lift = stats.format_lift(100 * self.lift, 100 * self.low, 100 * self.high, alpha)
        lift = lift.replace("(", "(anytime-valid ", 1)
        return f"{label} {when}: {FINDING_LABELS[self.finding]}, {lift}."


class SequentialTest:
    """The confidence sequence of one paired run, updated one pair of scores at a time.

    `min_lift` is in score units (0.02 for 2 points); `horizon` the item the bets are tuned
    for. The capital of every candidate mean on a grid of `GRID_STEP` is kept, so an update
    costs one pass over the grid.
    """

    def __init__(self, *, alpha: float = 0.05, min_lift: float = 0.0, horizon: int = 100) -> None:
        _check(alpha, horizon)
        if not 0 <= min_lift < 1:
            raise ValueError(f"The minimum lift must be between 0 and 1 (got {min_lift}).")
        self.alpha, self.min_lift, self.horizon = alpha, min_lift, horizon
        half = round(1 / GRID_STEP)
        # Whole numbers over `half`, so 0 and +-1 are on the grid exactly.
        self.grid = np.arange(-half, half + 1) / half
        with np.errstate(divide="ignore"):
            # Infinite at the grid's ends, where that side's bet cannot lose (log_capital).
            self._up_cap = BET_CAP / (1 + self.grid)
            self._down_cap = BET_CAP / (1 - self.grid)
        self._log_up = np.zeros_like(self.grid)
        self._log_down = np.zeros_like(self.grid)
        self._ruled_out = np.zeros(self.grid.shape, dtype=bool)
        self.n = 0
        self._sum = 0.0
        self._variance = PRIOR_VARIANCE
        self._squares = 0.0

    def update(self, baseline: float, variant: float) -> Look:
        """Add one item's pair of scores (0..1) and return the look after it."""
        if not (0 <= baseline <= 1 and 0 <= variant <= 1):
            raise ValueError(f"Scores lie between 0 and 1 (got {baseline} and {variant}).")
        d = variant - baseline
        bet = float(_bet_size(self.alpha, self.horizon, self._variance))
        self._log_up += np.log1p(np.minimum(bet, self._up_cap) * (d - self.grid))
        self._log_down += np.log1p(-np.minimum(bet, self._down_cap) * (d - self.grid))
        hedged = np.logaddexp(self._log_up, self._log_down) - math.log(2)
        self._ruled_out |= hedged >= math.log(1 / self.alpha)
        self.n += 1
        self._sum += d
        mean = self._sum / (self.n + 1)
        self._squares += (d - mean) ** 2
        self._variance = (PRIOR_VARIANCE + self._squares) / (self.n + 1)
        return self.look()

    def look(self) -> Look:
        """The lift so far (the plain mean of the differences) with its interval and verdict."""
        lift = self._sum / self.n if self.n else 0.0
        kept = np.flatnonzero(~self._ruled_out)
        if kept.size == 0:
            # Every grid mean ruled out (the true one lies between two of them): the interval
            # is the step around the mean.
            low, high = lift - GRID_STEP, lift + GRID_STEP
        else:
            # The nearest ruled-out means: the interval's true ends lie inside them.
            low = float(self.grid[kept[0] - 1]) if kept[0] > 0 else -1.0
            high = float(self.grid[kept[-1] + 1]) if kept[-1] < self.grid.size - 1 else 1.0
        verdict = sequential_verdict(lift, low, high, self.min_lift)
        return Look(self.n, lift, low, high, verdict, finding(low, high, self.min_lift))


def horizon_for(min_lift: float, available: int, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """The item the bets are tuned for: the fixed-size plan for the minimum lift at the most
    cautious baseline pass rate (0.5, arms independent), at most the items available; all of
    them when no minimum lift is given (no plan)."""
    if available < 1:
        raise ValueError("A sequential run needs at least one item.")
    planned = fixed_plan(0.5, min_lift, alpha=alpha, power=power) if min_lift > 0 else None
    return available if planned is None else max(1, min(planned, available))


def fixed_plan(
    baseline_rate: float, lift: float, *, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """The fixed-size plan the planner gives (`core.stats.sample_size_for_lift`) for this lift
    on this baseline pass rate, the rate moved in so the lifted rate stays within 0..1; None
    without a lift."""
    if lift <= 0:
        return None
    rate = min(max(baseline_rate, 0.0), 1.0 - lift)
    return stats.sample_size_for_lift(rate, lift, alpha=alpha, power=power)
