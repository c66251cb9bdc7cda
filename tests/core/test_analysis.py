"""Shared numerical helpers: crossings, triangular draws and tornado ordering."""

import math

import numpy as np
import pytest

from core import analysis


def test_first_crossing_interpolates_between_steps():
    """diff = [-4, -2, 2, 3]: last non-positive step 1 (-2), first positive step 2 (+2).

    Linear interpolation: 1 + 2 / (2 - (-2)) = 1.5.
    """
    out = analysis.first_crossing(np.array([-4.0, -2.0, 2.0, 3.0]))
    assert out.shape == (1,)
    assert out[0] == pytest.approx(1.5)


def test_first_crossing_uneven_sides():
    """diff = [-3, -1, 3]: crossing at 1 + 1 / (3 - (-1)) = 1.25 (nearer the small side)."""
    assert analysis.first_crossing(np.array([-3.0, -1.0, 3.0]))[0] == pytest.approx(1.25)


def test_first_crossing_touching_zero_counts_from_the_zero_step():
    """diff = [-2, 0, 0, 5]: zero is not positive; the first positive step is 3, before it 0.

    Crossing = 2 + 0 / (5 - 0) = 2.0: building is cheaper only from step 2 on, not at step 1.
    """
    assert analysis.first_crossing(np.array([-2.0, 0.0, 0.0, 5.0]))[0] == pytest.approx(2.0)


def test_first_crossing_positive_at_start_is_zero():
    """diff already positive at step 0: crossing 0, no interpolation before the start."""
    assert analysis.first_crossing(np.array([1.0, 2.0, 3.0]))[0] == 0.0


def test_first_crossing_never_is_infinite():
    """diff never positive (equal at the end is not a crossing): +inf, never a number."""
    assert math.isinf(analysis.first_crossing(np.array([-3.0, -1.0, 0.0]))[0])
    assert math.isinf(analysis.first_crossing(np.array([0.0, 0.0]))[0])


def test_first_crossing_only_the_first_of_several():
    """diff = [-1, 1, -1, 1]: the first crossing (0.5) is reported, not the later one (2.5)."""
    assert analysis.first_crossing(np.array([-1.0, 1.0, -1.0, 1.0]))[0] == pytest.approx(0.5)


def test_first_crossing_rows_are_independent():
    """Each row of a 2-D array is its own series.

    Row 0: [-4, -2, 2] -> 1 + 2/4 = 1.5; row 1: [1, 1, 1] -> 0; row 2: [-1, -1, -1] -> inf;
    row 3: [-6, 0, 3] -> zero at step 1 is not positive, crossing 1 + 0/3 = 1.0.
    """
    diff = np.array(
        [
            [-4.0, -2.0, 2.0],
            [1.0, 1.0, 1.0],
            [-1.0, -1.0, -1.0],
            [-6.0, 0.0, 3.0],
        ]
    )
    out = analysis.first_crossing(diff)
    assert out.shape == (4,)
    assert out[0] == pytest.approx(1.5)
    assert out[1] == 0.0
    assert math.isinf(out[2])
    assert out[3] == pytest.approx(1.0)


def test_triangular_stays_within_range_and_is_seeded():
    """base 100, spread 20% -> every draw in [80, 120]; the same seed gives the same draws."""
    a = analysis.triangular(np.random.default_rng(7), 100.0, 0.2, 5000)
    b = analysis.triangular(np.random.default_rng(7), 100.0, 0.2, 5000)
    assert np.array_equal(a, b)
    assert a.min() >= 80.0
    assert a.max() <= 120.0
    # The mean of a symmetric triangle is its mode; 5000 draws land within 1 of it.
    assert abs(a.mean() - 100.0) < 1.0


def test_triangular_degenerate_gives_constants():
    """Zero spread or zero base: numpy refuses a flat triangle, so a constant array comes back."""
    rng = np.random.default_rng(0)
    assert np.array_equal(analysis.triangular(rng, 42.0, 0.0, 4), np.full(4, 42.0))
    assert np.array_equal(analysis.triangular(rng, 0.0, 0.5, 3), np.zeros(3))


def test_tornado_sorts_by_secondary_swing():
    """f = (a + 2b, 10a - b) around a = 1, b = 5.

    a over [0, 2]: first output 0 + 10 = 10 .. 2 + 10 = 12, second 0 - 5 = -5 .. 20 - 5 = 15,
    swing 20. b over [0, 10]: first 1 .. 21, second 10 - 0 = 10 .. 10 - 10 = 0, swing 10.
    So a comes first although b moves the first output more (20 against 2).
    """
    base = {"a": 1.0, "b": 5.0}

    def evaluate(v):
        return v["a"] + 2 * v["b"], 10 * v["a"] - v["b"]

    swings = analysis.tornado(base, {"b": (0.0, 10.0), "a": (0.0, 2.0)}, evaluate)
    assert [s.name for s in swings] == ["a", "b"]
    a, b = swings
    assert (a.primary_low, a.primary_high) == (10.0, 12.0)
    assert (a.secondary_low, a.secondary_high) == (-5.0, 15.0)
    assert a.secondary_span == 20.0
    assert (b.primary_low, b.primary_high) == (1.0, 21.0)
    assert (b.secondary_low, b.secondary_high) == (10.0, 0.0)
    assert b.secondary_span == 10.0


def test_interpolate_at():
    """Between (1, 10) and (2, 30), at 1.25: 10 + 0.25 x 20 = 15."""
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([0.0, 10.0, 30.0])
    assert analysis.interpolate_at(x, y, 1.25) == pytest.approx(15.0)
