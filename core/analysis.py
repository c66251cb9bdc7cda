"""Shared numerical helpers: sensitivity sweeps, Monte Carlo sampling, crossings.

Every framework that needs one of these calls it from here; none keeps its own copy.
Percentiles live in core.stats, with the significance tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

import numpy as np


class Swing(NamedTuple):
    """One input moved to its low and high value, and what two outputs did."""

    name: str
    low_value: float
    high_value: float
    primary_low: float | None
    primary_high: float | None
    secondary_low: float | None
    secondary_high: float | None

    @property
    def secondary_span(self) -> float:
        lo = self.secondary_low if self.secondary_low is not None else 0.0
        hi = self.secondary_high if self.secondary_high is not None else 0.0
        return abs(hi - lo)


def tornado(
    base: Mapping[str, float],
    ranges: Mapping[str, tuple[float, float]],
    evaluate: Callable[[dict[str, float]], tuple[float | None, float | None]],
) -> list[Swing]:
    """Move each input in `ranges` alone to its low and high value; biggest swing first.

    `evaluate` returns two outputs (the primary may be None, e.g. "never breaks even").
    Ordering is by the swing of the secondary output, which must always be defined.
    """
    swings: list[Swing] = []
    for name, (low, high) in ranges.items():
        p_lo, s_lo = evaluate({**base, name: low})
        p_hi, s_hi = evaluate({**base, name: high})
        swings.append(Swing(name, low, high, p_lo, p_hi, s_lo, s_hi))
    swings.sort(key=lambda s: s.secondary_span, reverse=True)
    return swings


def triangular(
    rng: np.random.Generator, base: float, spread_fraction: float, n: int, floor: float = 0.0
) -> np.ndarray:
    """n draws from a triangular distribution base*(1 -/+ spread), mode at base, clipped at floor.

    A zero spread or zero base gives a constant array (numpy refuses a degenerate triangle).
    """
    low = base * (1.0 - spread_fraction)
    high = base * (1.0 + spread_fraction)
    if high <= low:
        return np.full(n, max(base, floor))
    return np.maximum(rng.triangular(low, base, high, size=n), floor)


def first_crossing(diff: np.ndarray) -> np.ndarray:
    """Index (fractional) along the last axis where `diff` first becomes positive.

    `diff` is sampled at integer steps 0..M; the crossing is linearly interpolated between the
    last non-positive step and the first positive one. Rows that never become positive give
    +inf. Works on 1-D (one series) and 2-D (one series per row) arrays.
    """
    d = np.atleast_2d(np.asarray(diff, dtype=float))
    positive = d > 0
    any_pos = positive.any(axis=1)
    idx = positive.argmax(axis=1)
    out = np.full(d.shape[0], np.inf)
    rows = np.nonzero(any_pos)[0]
    m = idx[rows]
    at_start = m == 0
    out[rows[at_start]] = 0.0
    r = rows[~at_start]
    m = m[~at_start]
    before = d[r, m - 1]
    after = d[r, m]
    out[r] = (m - 1) + (-before) / (after - before)
    return out if np.ndim(diff) > 1 else out[:1]


def interpolate_at(x: np.ndarray, y: np.ndarray, at: float) -> float:
    return float(np.interp(at, x, y))


def simplex_grid(resolution: int) -> np.ndarray:
    """Every point of the three-weight simplex on a grid of step 1/resolution, shape (m, 3).

    m = (resolution + 1)(resolution + 2) / 2; rows run over the first weight, then the second
    (the third is what is left). Each row sums to 1 and no weight is negative.
    """
    if resolution < 1:
        raise ValueError(f"resolution must be at least 1, got {resolution}")
    a, b = np.meshgrid(np.arange(resolution + 1), np.arange(resolution + 1), indexing="ij")
    keep = a + b <= resolution
    a, b = a[keep], b[keep]
    return np.column_stack([a, b, resolution - a - b]) / resolution


def min_max_scores(values: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Values rescaled to [0, 1] across the set: the best gets 1, the worst 0.

    When every value is equal no option is worse than another, so all score 1. Values are
    divided by their largest magnitude first, which changes no score but keeps hi - lo finite.
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return v.copy()
    scale = float(np.max(np.abs(v)))
    if scale > 0:
        v = v / scale
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo
    if not span > 0:
        return np.ones_like(v)
    scores = (v - lo) / span if higher_is_better else (hi - v) / span
    return np.clip(scores, 0.0, 1.0)


def weighted_winners(
    scores: np.ndarray, weights: np.ndarray, tolerance: float = 1e-12
) -> np.ndarray:
    """For each weight vector, the index of the option with the highest weighted score.

    `scores` is (options, criteria), `weights` (points, criteria). Totals within `tolerance`
    of the best count as a tie, and a tie goes to the option listed first, so the answer
    does not hinge on the rounding of sums. Needs at least one option.
    """
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    if s.shape[0] == 0:
        raise ValueError("weighted_winners needs at least one option")
    totals = np.atleast_2d(np.asarray(weights, dtype=float)) @ s.T
    best = totals.max(axis=1, keepdims=True)
    winners: np.ndarray = np.argmax(totals >= best - tolerance, axis=1)
    return winners


def pareto_mask(
    objectives: np.typing.ArrayLike, maximise: np.typing.ArrayLike | None = None
) -> np.ndarray:
    """True for the rows of `objectives` (points x objectives) that no other row dominates.

    Every objective is minimised unless `maximise[j]` says otherwise. Row a dominates row b
    when it is no worse in every objective and better in at least one, so identical rows never
    dominate each other: both stay on the front. Values must be finite.

    Sorted lexicographically, a row can only be dominated by rows before it. Each round takes
    the first rows left as a block: those no earlier row of the block dominates are on the
    front (earlier rounds already removed what the front before them dominates), and every row
    they dominate is dropped. The work is about rows x front size; blocks keep the number of
    rounds, whose fixed cost dominates at a few thousand rows, low even when the front is large.
    """
    x = np.asarray(objectives, dtype=float)
    if x.ndim != 2:
        raise ValueError("objectives must be a 2-D array (points x objectives)")
    n, k = x.shape
    mask = np.zeros(n, dtype=bool)
    if n == 0 or k == 0:
        mask[:] = True
        return mask
    if maximise is not None:
        x = np.where(np.asarray(maximise, dtype=bool), -x, x)
    alive = np.lexsort(x.T[::-1])
    cols = [np.ascontiguousarray(x[alive, j]) for j in range(k)]
    while alive.size:
        heads = [c[:_PARETO_BLOCK, None] for c in cols]
        no_worse = heads[0] <= cols[0]
        better = heads[0] < cols[0]
        for head, col in zip(heads[1:], cols[1:], strict=True):
            no_worse &= head <= col
            better |= head < col
        dominated = no_worse & better  # (block heads x rows left)
        b = heads[0].shape[0]
        on_front = ~dominated[:, :b].any(axis=0)
        mask[alive[:b][on_front]] = True
        # any(axis=0) is typed as maybe a scalar; asarray makes it an array without copying.
        keep = np.asarray(~dominated[on_front].any(axis=0))
        keep[:b] = False
        alive = alive[keep]
        cols = [c[keep] for c in cols]
    return mask


#: Rows taken per round by pareto_mask (16 was fastest from small to all-front inputs).
_PARETO_BLOCK = 16


class RelaxedLimit(NamedTuple):
    """The row a relaxed constraint first admits, and the limit that admits it."""

    row: int
    limit: float


def smallest_relaxations(
    values: np.typing.ArrayLike,
    ok: np.typing.ArrayLike,
    upper: np.typing.ArrayLike,
    order: np.typing.ArrayLike | None = None,
) -> list[RelaxedLimit | None]:
    """For each constraint alone, the smallest relaxation that admits some row, and which row.

    `values` (rows x constraints) are the constrained quantities, `ok` (same shape) whether
    each row meets each constraint, `upper[j]` True for a ceiling (value <= limit) and False
    for a floor (value >= limit). For constraint j, among the rows meeting every other
    constraint, the one with the lowest value (ceiling) or highest (floor) is the first that
    loosening j admits: moving the limit to its value is the smallest relaxation. Ties go to the
    row that comes first in `order` (a permutation of the rows, best first; default: row
    order). One entry per constraint: None when no row meets all the others, so relaxing j
    alone cannot help.
    """
    ceiling = np.atleast_1d(np.asarray(upper, dtype=bool))
    k = ceiling.size
    v = np.asarray(values, dtype=float).reshape(-1, k)
    met = np.asarray(ok, dtype=bool).reshape(-1, k)
    n = v.shape[0]
    position = np.empty(n, dtype=int)
    position[np.arange(n) if order is None else np.asarray(order)] = np.arange(n)
    met_count = met.sum(axis=1)
    out: list[RelaxedLimit | None] = []
    for j in range(k):
        rows = np.nonzero(met_count - met[:, j] == k - 1)[0]
        if rows.size == 0:
            out.append(None)
            continue
        col = v[rows, j]
        target = col.min() if ceiling[j] else col.max()
        tied = rows[col == target]
        out.append(RelaxedLimit(int(tied[np.argmin(position[tied])]), float(target)))
    return out


def payback_quantity(
    extra_fixed: float, saving_per_unit: float, scale: float = 0.0
) -> float | None:
    """Units of volume from which a per-unit saving has paid for an extra fixed cost.

    For two linear costs A = a0 + a1 q and B = b0 + b1 q, pass extra_fixed = b0 - a0 and
    saving_per_unit = a1 - b1: B is no dearer than A from the returned q on. 0 when B has no
    extra fixed cost to earn back; None ("never") when the saving is not positive, when it is
    within float noise (1e-9) of `scale` (the size of the per-unit amounts compared), or when
    the quotient overflows.
    """
    if saving_per_unit <= 0 or saving_per_unit <= 1e-9 * abs(scale):
        return None
    if extra_fixed <= 0:
        return 0.0
    q = extra_fixed / saving_per_unit
    return float(q) if np.isfinite(q) else None
