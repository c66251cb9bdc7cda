"""The anytime-valid confidence sequence (core.sequential), proved by simulation.

Each simulation draws thousands of seeded experiments at once and looks after every item; the
bounds allow three standard errors of the simulation, sqrt(alpha (1 - alpha) / experiments).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import stats
from core.sequential import (
    FINDING_LABELS,
    SequentialTest,
    fixed_plan,
    horizon_for,
    log_capital,
    rejects,
    sequential_verdict,
)

ALPHA = 0.05
EXPERIMENTS = 2_000
ITEMS = 400


def _slack(alpha: float, experiments: int) -> float:
    return 3 * math.sqrt(alpha * (1 - alpha) / experiments)


def _binary(rng: np.random.Generator, p_base: float, p_var: float, items: int) -> np.ndarray:
    base = rng.random((EXPERIMENTS, items)) < p_base
    var = rng.random((EXPERIMENTS, items)) < p_var
    return var.astype(float) - base


def _continuous(rng: np.random.Generator, mean_base: float, mean_var: float) -> np.ndarray:
    # Beta scores of concentration 4: skewed partial credit, like token F1 on short answers.
    base = rng.beta(4 * mean_base, 4 * (1 - mean_base), (EXPERIMENTS, ITEMS))
    var = rng.beta(4 * mean_var, 4 * (1 - mean_var), (EXPERIMENTS, ITEMS))
    return var - base


def _first(hit: np.ndarray) -> np.ndarray:
    """The item (1-based) where each row first hits, or columns + 1 when it never does."""
    return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, hit.shape[1] + 1)


def test_the_hand_example_of_the_docstring() -> None:
    # K after item 1: 1.75 / 2 + 0.25 / 2 = 1; after item 2: 3.0625 / 2 + 0.0625 / 2 = 1.5625.
    capital = np.exp(log_capital(np.array([[1.0, 1.0]]), 0.0, alpha=0.05, horizon=10))
    assert capital[0] == pytest.approx([1.0, 1.5625])
    test = SequentialTest(alpha=0.05, horizon=10)
    test.update(0.0, 1.0)
    look = test.update(0.0, 1.0)
    assert look.n == 2 and look.lift == 1.0
    assert look.low < 0 < look.high and look.verdict == "need_more_data"


@pytest.mark.parametrize("kind", ["binary", "continuous"])
def test_under_no_difference_looking_after_every_item_rejects_at_most_alpha(kind: str) -> None:
    rng = np.random.default_rng(19)
    d = _binary(rng, 0.7, 0.7, ITEMS) if kind == "binary" else _continuous(rng, 0.6, 0.6)
    horizon = horizon_for(0.05, ITEMS)
    ever = rejects(d, 0.0, alpha=ALPHA, horizon=horizon)[:, -1]
    assert ever.mean() <= ALPHA + _slack(ALPHA, EXPERIMENTS)
    # The same looks with a fixed-size z-test claim a difference far more often: the reason
    # the sequence is needed at all.
    t = np.arange(1, ITEMS + 1)
    means = np.cumsum(d, axis=1) / t
    sd = np.sqrt(np.maximum(np.cumsum(d * d, axis=1) / t - means**2, 1e-12))
    naive = (np.abs(means) / (sd / np.sqrt(t)) > 1.96)[:, 10:].any(axis=1)
    assert naive.mean() > 3 * ALPHA


@pytest.mark.parametrize("kind", ["binary", "continuous"])
def test_the_interval_holds_the_true_lift_at_every_item_at_the_stated_rate(kind: str) -> None:
    rng = np.random.default_rng(7)
    if kind == "binary":
        d, true_lift = _binary(rng, 0.6, 0.72, ITEMS), 0.12
    else:
        d, true_lift = _continuous(rng, 0.5, 0.6), 0.1
    missed = rejects(d, true_lift, alpha=0.1, horizon=200)[:, -1]
    assert missed.mean() <= 0.1 + _slack(0.1, EXPERIMENTS)


def test_under_a_real_lift_the_median_stop_is_below_the_fixed_size_plan() -> None:
    # Pass rate 0.7 -> 0.8: the planner's fixed-size McNemar test needs 296 items for 80%
    # power at alpha 0.05. The sequential run stops when its interval lies above 0, with its
    # bets tuned to the cautious plan (rate 0.5), as operations.sequential tunes them.
    rng = np.random.default_rng(3)
    plan = stats.sample_size_for_lift(0.7, 0.1, alpha=ALPHA, power=0.8)
    assert plan == 296 == fixed_plan(0.7, 0.1)
    d = _binary(rng, 0.7, 0.8, 600)
    better = rejects(d, 0.0, alpha=ALPHA, horizon=horizon_for(0.1, 600)) & (
        np.cumsum(d, axis=1) > 0
    )
    assert float(np.median(_first(better))) < plan


def test_continuous_scores_stop_before_the_planned_z_test() -> None:
    rng = np.random.default_rng(5)
    d = _continuous(rng, 0.5, 0.58)
    plan = stats.samples_needed_for_scores(d[:, :200].ravel(), 0.08, alpha=ALPHA)
    assert plan is not None
    better = rejects(d, 0.0, alpha=ALPHA, horizon=plan) & (np.cumsum(d, axis=1) > 0)
    assert float(np.median(_first(better))) < plan


def test_the_state_reads_the_same_capital_as_the_matrix() -> None:
    rng = np.random.default_rng(11)
    base, var = rng.random(60), np.clip(rng.random(60) + 0.2, 0, 1)
    test = SequentialTest(alpha=0.1, horizon=50)
    for b, v in zip(base, var, strict=True):
        look = test.update(float(b), float(v))
    d = (var - base)[None, :]
    # The interval's ends are ruled out, a mean just inside them is not.
    assert rejects(d, look.low, alpha=0.1, horizon=50)[0, -1]
    assert rejects(d, look.high, alpha=0.1, horizon=50)[0, -1]
    assert not rejects(d, look.low + 0.001, alpha=0.1, horizon=50)[0, -1]
    assert not rejects(d, look.high - 0.001, alpha=0.1, horizon=50)[0, -1]
    assert look.lift == pytest.approx(float(d.mean()))
    assert look.low < look.lift < look.high


def test_a_clear_win_ships_a_clear_loss_does_not_and_a_tie_settles_as_no_difference() -> None:
    win = SequentialTest(min_lift=0.05, horizon=100)
    look = next(x for x in (win.update(0.0, 1.0) for _ in range(100)) if x.settled)
    assert (look.verdict, look.finding) == ("ship", "better")
    assert look.sentence(0.05).startswith(f"Ship after {look.n} items: better, +100.0 pp")
    loss = SequentialTest(min_lift=0.05, horizon=100)
    look = next(x for x in (loss.update(1.0, 0.0) for _ in range(100)) if x.settled)
    assert (look.verdict, look.finding) == ("do_not_ship", "worse")
    tie = SequentialTest(min_lift=0.1, horizon=200)
    looks = [tie.update(0.5, 0.5) for _ in range(200)]
    settled = next(x for x in looks if x.settled)
    assert (settled.verdict, settled.finding) == ("do_not_ship", "no_meaningful_difference")
    assert -0.1 <= settled.low < 0 < settled.high <= 0.1
    assert "Do not ship" in settled.sentence(0.05)
    assert FINDING_LABELS[settled.finding] in settled.sentence(0.05)


def test_the_verdict_never_contradicts_the_fixed_size_rule() -> None:
    rng = np.random.default_rng(2)
    for _ in range(2_000):
        low, lift, high = np.sort(rng.uniform(-0.3, 0.3, 3))
        min_lift = float(rng.choice([0.0, 0.02, 0.05]))
        p = 0.0 if low > 0 or high < 0 else 1.0
        fixed = stats.verdict(lift, low, high, min_lift, p_value=p, alpha=ALPHA)
        if fixed != "need_more_data":
            assert sequential_verdict(lift, low, high, min_lift) == fixed


def test_scores_outside_zero_to_one_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        SequentialTest().update(0.0, 1.5)
    with pytest.raises(ValueError, match="between -1 and 1"):
        log_capital(np.array([[2.0]]), 0.0, alpha=0.05, horizon=5)
    with pytest.raises(ValueError, match="horizon"):
        SequentialTest(horizon=0)


def test_the_horizon_is_the_cautious_plan_capped_by_the_items() -> None:
    assert horizon_for(0.1, 1_000) == stats.sample_size_for_lift(0.5, 0.1) == 391
    assert horizon_for(0.1, 120) == 120
    assert horizon_for(0.0, 80) == 80
    assert fixed_plan(0.95, 0.1) == stats.sample_size_for_lift(0.9, 0.1)
    assert fixed_plan(0.5, 0.0) is None
