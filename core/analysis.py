"""Shared numerical helpers: sensitivity sweeps, Monte Carlo sampling, crossings, percentiles.

Every framework that needs one of these calls it from here; none keeps its own copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Swing:
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


def percentile_or_none(values: np.ndarray, q: float) -> float | None:
    """The q-th percentile, or None when it falls on an infinite value ("never")."""
    v = float(np.percentile(values, q, method="lower"))
    return v if np.isfinite(v) else None


def interpolate_at(x: np.ndarray, y: np.ndarray, at: float) -> float:
    return float(np.interp(at, x, y))
