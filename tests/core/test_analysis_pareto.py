"""Shared helpers for multi-objective choices: the Pareto front and the smallest relaxation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core import analysis


def brute_force_front(points: np.ndarray, maximise: list[bool]) -> np.ndarray:
    """Row b is off the front when some row a is no worse everywhere and better somewhere."""
    x = np.where(maximise, -points, points)
    no_worse = (x[:, None, :] <= x[None, :, :]).all(axis=2)
    better = (x[:, None, :] < x[None, :, :]).any(axis=2)
    return ~(no_worse & better).any(axis=0)


# --- pareto_mask -------------------------------------------------------------------------------


def test_front_of_cost_latency_quality_by_hand():
    """(cost, latency, quality), cost and latency down, quality up.

    A (1, 10, 0.9)  front: nothing is as cheap with as much quality.
    B (2, 10, 0.8)  dominated by A (dearer, same latency, worse quality).
    C (0.5, 20, 0.7) front: the cheapest.
    D (3, 1, 0.6)   front: the fastest.
    E (1, 10, 0.9)  identical to A: neither dominates the other, both stay.
    """
    points = np.array(
        [[1, 10, 0.9], [2, 10, 0.8], [0.5, 20, 0.7], [3, 1, 0.6], [1, 10, 0.9]], dtype=float
    )
    mask = analysis.pareto_mask(points, maximise=[False, False, True])
    assert mask.tolist() == [True, False, True, True, True]


def test_front_minimises_everything_by_default():
    """(1, 2) beats (2, 3); (0, 5) and (1, 2) trade off; (2, 3) is dominated."""
    mask = analysis.pareto_mask(np.array([[1.0, 2.0], [2.0, 3.0], [0.0, 5.0]]))
    assert mask.tolist() == [True, False, True]


def test_front_of_nothing_and_of_one_point():
    assert analysis.pareto_mask(np.zeros((0, 3))).tolist() == []
    assert analysis.pareto_mask(np.array([[1.0, 2.0, 3.0]])).tolist() == [True]


def test_front_refuses_a_flat_array():
    with pytest.raises(ValueError, match="2-D"):
        analysis.pareto_mask(np.array([1.0, 2.0]))


def test_an_all_front_set_larger_than_a_block():
    """Points on a line x + y = 1 trade off exactly: every one of them is on the front."""
    t = np.linspace(0, 1, 101)
    assert analysis.pareto_mask(np.column_stack([t, 1 - t])).all()


@settings(deadline=None, max_examples=150)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(0, 60), st.integers(1, 4)),
        elements=st.integers(0, 4).map(float),  # few values: plenty of ties and duplicates
    ),
    st.data(),
)
def test_front_matches_the_definition(points, data):
    maximise = data.draw(
        st.lists(st.booleans(), min_size=points.shape[1], max_size=points.shape[1])
    )
    mask = analysis.pareto_mask(points, maximise=maximise)
    assert mask.tolist() == brute_force_front(points, maximise).tolist()


# --- smallest_relaxations ----------------------------------------------------------------------


def test_smallest_relaxations_by_hand():
    """Limits cost <= 5, latency <= 5, quality >= 0.8; nothing meets all three.

    A (20, 2, 0.9):  misses cost only.      B (1, 20, 0.85): misses latency only.
    C (0.5, 1, 0.6): misses quality only.   D (30, 1, 0.95): misses cost only, dearer than A.
    Cost alone: among rows meeting latency and quality (A, D) the cheapest is A: limit 20.
    Latency alone: only B meets cost and quality: limit 20.
    Quality alone: only C meets cost and latency: limit 0.6.
    """
    values = np.array([[20, 2, 0.9], [1, 20, 0.85], [0.5, 1, 0.6], [30, 1, 0.95]])
    limits = np.array([5, 5, 0.8])
    upper = [True, True, False]
    ok = np.where(upper, values <= limits, values >= limits)
    found = analysis.smallest_relaxations(values, ok, upper)
    assert found == [
        analysis.RelaxedLimit(row=0, limit=20.0),
        analysis.RelaxedLimit(row=1, limit=20.0),
        analysis.RelaxedLimit(row=2, limit=0.6),
    ]


def test_a_relaxation_that_cannot_help_is_none():
    """Both rows miss cost and latency: loosening either alone leaves the other missed."""
    values = np.array([[10.0, 10.0], [20.0, 20.0]])
    ok = values <= np.array([5.0, 5.0])
    assert analysis.smallest_relaxations(values, ok, [True, True]) == [None, None]


def test_ties_go_to_the_first_row_in_the_given_order():
    """Rows 0 and 1 both need a cost limit of 7; the order puts row 1 first."""
    values = np.array([[7.0, 1.0], [7.0, 2.0]])
    ok = np.array([[False, True], [False, True]])
    first = analysis.smallest_relaxations(values, ok, [True, True])
    assert first[0] == analysis.RelaxedLimit(row=0, limit=7.0)
    preferred = analysis.smallest_relaxations(values, ok, [True, True], order=np.array([1, 0]))
    assert preferred[0] == analysis.RelaxedLimit(row=1, limit=7.0)


def test_no_rows_no_relaxations():
    assert analysis.smallest_relaxations(np.zeros((0, 2)), np.zeros((0, 2)), [True, False]) == [
        None,
        None,
    ]


@settings(deadline=None, max_examples=150)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 30), st.just(3)), elements=st.integers(0, 9).map(float)
    ),
    st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
)
def test_the_relaxed_limit_admits_its_row_and_nothing_tighter_would(values, limits):
    """Moving limit j to the reported value makes its row meet everything; a limit half a unit
    tighter than it admits no row that meets the other two (values are whole numbers)."""
    upper = np.array([True, True, False])
    lim = np.array(limits, dtype=float)
    ok = np.where(upper, values <= lim, values >= lim)
    for j, hit in enumerate(analysis.smallest_relaxations(values, ok, upper)):
        others = np.delete(ok, j, axis=1).all(axis=1)
        if hit is None:
            assert not others.any()
            continue
        assert others[hit.row] and values[hit.row, j] == hit.limit
        met_j = values[:, j] <= hit.limit if upper[j] else values[:, j] >= hit.limit
        assert met_j[hit.row]
        tighter = hit.limit - 0.5 if upper[j] else hit.limit + 0.5
        met_tighter = values[:, j] <= tighter if upper[j] else values[:, j] >= tighter
        assert not (others & met_tighter).any()
