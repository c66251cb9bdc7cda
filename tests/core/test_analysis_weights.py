"""Shared weighting helpers: the weight-simplex grid, min-max scores and weighted winners."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import analysis


def test_simplex_grid_points_and_order():
    """Resolution 2: (2+1)(2+2)/2 = 6 points, first weight outermost, steps of 1/2."""
    grid = analysis.simplex_grid(2)
    expected = [
        [0, 0, 1],
        [0, 0.5, 0.5],
        [0, 1, 0],
        [0.5, 0, 0.5],
        [0.5, 0.5, 0],
        [1, 0, 0],
    ]
    np.testing.assert_array_equal(grid, expected)


@pytest.mark.parametrize("resolution", [1, 7, 80])
def test_simplex_grid_covers_the_triangle_once(resolution):
    grid = analysis.simplex_grid(resolution)
    assert grid.shape == ((resolution + 1) * (resolution + 2) // 2, 3)
    assert np.all(grid >= 0)
    np.testing.assert_allclose(grid.sum(axis=1), 1.0, atol=1e-12)
    assert len({tuple(np.round(p * resolution).astype(int)) for p in grid}) == len(grid)
    for vertex in np.eye(3):
        assert np.any(np.all(grid == vertex, axis=1))


def test_simplex_grid_refuses_a_zero_resolution():
    with pytest.raises(ValueError, match="at least 1"):
        analysis.simplex_grid(0)


def test_min_max_scores_by_hand():
    """[10, 20, 40]: span 30; higher better (x - 10) / 30 = 0, 1/3, 1; lower better mirrored."""
    v = np.array([10.0, 20.0, 40.0])
    np.testing.assert_allclose(analysis.min_max_scores(v), [0, 1 / 3, 1])
    np.testing.assert_allclose(analysis.min_max_scores(v, higher_is_better=False), [1, 2 / 3, 0])


def test_min_max_scores_all_equal_score_one():
    np.testing.assert_array_equal(analysis.min_max_scores(np.array([3.0, 3.0])), [1, 1])
    np.testing.assert_array_equal(analysis.min_max_scores(np.array([0.0])), [1])
    assert analysis.min_max_scores(np.array([])).size == 0


def test_min_max_scores_do_not_overflow():
    """hi - lo of +-1e308 overflows to inf without the rescaling: scores would be NaN."""
    v = np.array([-1e308, 0.0, 1e308])
    np.testing.assert_allclose(analysis.min_max_scores(v), [0, 0.5, 1])


@settings(deadline=None, max_examples=100)
@given(
    st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=1, max_size=20),
    st.booleans(),
)
def test_min_max_scores_are_bounded_and_keep_the_order(values, higher):
    v = np.array(values)
    s = analysis.min_max_scores(v, higher_is_better=higher)
    assert np.all((s >= 0) & (s <= 1))
    best = np.argmax(v) if higher else np.argmin(v)
    assert s[best] == 1
    order = np.argsort(v)
    ranked = s[order] if higher else s[order][::-1]
    assert np.all(np.diff(ranked) >= 0)


def test_weighted_winners_by_hand():
    """Scores A = (1, 0), B = (0, 1): A wins while the first weight is above one half.

    At (0.5, 0.5) both total 0.5: the tie goes to A, listed first.
    """
    scores = np.array([[1.0, 0.0], [0.0, 1.0]])
    weights = np.array([[0.6, 0.4], [0.4, 0.6], [0.5, 0.5]])
    assert analysis.weighted_winners(scores, weights).tolist() == [0, 1, 0]


def test_weighted_winners_ties_within_tolerance_go_to_the_first():
    """0.1 + 0.2 is 0.30000000000000004 in floating point: still a tie with 0.3."""
    scores = np.array([[0.3, 0.0], [0.1, 0.2]])
    w = np.array([[1.0, 1.0]])
    assert analysis.weighted_winners(scores, w).tolist() == [0]
    assert analysis.weighted_winners(scores[::-1], w).tolist() == [0]
    assert analysis.weighted_winners(scores, w, tolerance=0.0).tolist() == [1]


def test_weighted_winners_needs_an_option():
    with pytest.raises(ValueError, match="at least one option"):
        analysis.weighted_winners(np.zeros((0, 3)), np.ones((2, 3)))


@settings(deadline=None, max_examples=50)
@given(st.integers(1, 30), st.integers(1, 6), st.integers(0, 10_000))
def test_weighted_winners_match_a_loop(resolution, n, seed):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((n, 3)), 1)  # rounded: ties happen
    grid = analysis.simplex_grid(resolution)
    got = analysis.weighted_winners(scores, grid)
    for w, g in zip(grid, got, strict=True):
        totals = [float(s @ w) for s in scores]
        best = max(totals)
        assert g == next(i for i, t in enumerate(totals) if t >= best - 1e-12)
