"""The measured router: the cascade's table checked by hand, the oracle against brute force, the
bootstrap interval against scipy's, and the rules' signals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from core.evaluation import DatasetItem, Sample
from core.router import (
    MAX_PATTERN_CHARS,
    RouterItems,
    at_saving,
    build_curve,
    check_pattern,
    oracle_curve,
    paired_items,
    parse_confidence,
    rule_signal,
)


def _items(
    cheap_q: list[float],
    strong_q: list[float],
    signal: list[float],
    cheap_cost: float = 1.0,
    strong_cost: float = 10.0,
) -> RouterItems:
    n = len(cheap_q)
    return RouterItems(
        item_ids=tuple(f"q{i}" for i in range(n)),
        cheap_quality=np.array(cheap_q, dtype=float),
        strong_quality=np.array(strong_q, dtype=float),
        cheap_cost=np.full(n, cheap_cost),
        strong_cost=np.full(n, strong_cost),
        cheap_latency=np.full(n, 100.0),
        strong_latency=np.full(n, 1000.0),
        signal=np.array(signal, dtype=float),
    )


FOUR = _items([1, 0, 1, 0], [1, 1, 0, 1], [0.9, 0.8, 0.3, np.nan])


def test_the_cascade_table_by_hand() -> None:
    """Cheap right on q0, q2; strong on q0, q1, q3 (all-strong quality 3 of 4); cheap costs 1,
    strong 10 a request (all-strong 40); confidences 0.9, 0.8, 0.3 and none.

    threshold | kept       | routed quality    | cost            | saved
    none      | -          | 1 1 0 1 = 3: 100% | 4 x 11 = 44     | -4 (-10%)
    0.9       | q0         | 1 1 0 1 = 3: 100% | 1 + 3 x 11 = 34 | 6 (15%)
    0.8       | q0 q1      | 1 0 0 1 = 2: 66.7%| 2 + 2 x 11 = 24 | 16 (40%)
    0.3       | q0 q1 q2   | 1 0 1 1 = 3: 100% | 3 + 11 = 14     | 26 (65%)
    q3 states no confidence, so it always escalates. At 0.3 the latencies are 100, 100, 100
    and 1100 ms: mean 350, p95 at rank 0.95 x 3 = 2.85: 100 + 0.85 x 1000 = 950. Routed as
    the oracle would at 0.3: q0 (kept, 1 >= 1), q2 (kept, 1 >= 0), q3 (escalated, 1 > 0);
    q1 kept though strong is better: 3 of 4.
    """
    curve = build_curve(FOUR, "confidence")
    assert [r.threshold for r in curve.rows] == [None, 0.9, 0.8, 0.3]
    assert [r.share_cheap for r in curve.rows] == [0, 0.25, 0.5, 0.75]
    assert [r.quality_kept for r in curve.rows] == pytest.approx([1, 1, 2 / 3, 1])
    assert [r.cost_usd for r in curve.rows] == [44, 34, 24, 14]
    assert [r.saved_usd for r in curve.rows] == [-4, 6, 16, 26]
    assert [r.saved_share for r in curve.rows] == pytest.approx([-0.1, 0.15, 0.4, 0.65])
    assert [r.saved_per_1000_usd for r in curve.rows] == [-1000, 1500, 4000, 6500]
    last = curve.rows[-1]
    assert last.latency_mean_ms == 350
    assert last.latency_p95_ms == pytest.approx(950)
    assert last.agreement == 0.75
    assert curve.no_signal == 1
    assert (curve.cheap_mean, curve.strong_mean) == (0.5, 0.75)
    for row in curve.rows:
        assert row.low is not None and row.high is not None
        assert row.low <= row.quality_kept <= row.high


def test_the_bounds_by_hand() -> None:
    """Oracle: cheap - strong = 0, -1, 1, -1, so q2 goes first (+1), then q0 (0), then q1 and
    q3: quality 3, 4, 4, 3, 2 of the all-strong 3; each item moved saves 9 of 40. Random at
    s = 1/2: 0.5 x 2 + 0.5 x 3 = 2.5 of 3, saving 0.5 x 36 = 18 of 40."""
    curve = build_curve(FOUR, "confidence")
    assert [p.quality_kept for p in curve.oracle] == pytest.approx([1, 4 / 3, 4 / 3, 1, 2 / 3])
    assert [p.saved_share for p in curve.oracle] == pytest.approx([0, 0.225, 0.45, 0.675, 0.9])
    half = curve.random[2]
    assert half.share_cheap == 0.5
    assert half.quality_kept == pytest.approx(2.5 / 3)
    assert half.saved_share == pytest.approx(0.45)


def test_quality_kept_at_a_chosen_saving() -> None:
    """At a 40% saving: the oracle's line runs from 1 item on cheap (22.5% saved, 4/3 kept) to
    2 (45%, 4/3): 4/3. Each request on cheap saves 9 of the 10 strong costs, so a random split
    saving 40% sends s = 0.4 / 0.9 = 4/9 to cheap, keeping (2s + 3(1 - s)) / 3 = (3 - 4/9) / 3
    = 23/27. The rule's rows saving at least 40% are 0.8 (2/3) and 0.3 (100%): the figure is
    100%, at threshold 0.3 (a threshold one can set, not a point between two)."""
    figures = at_saving(build_curve(FOUR, "confidence"), 0.4)
    assert figures.oracle == pytest.approx(4 / 3)
    assert figures.random == pytest.approx(23 / 27)
    assert figures.rule == pytest.approx(1.0)
    assert figures.row is not None and figures.row.threshold == 0.3
    assert at_saving(build_curve(FOUR, "confidence"), 0.95).rule is None
    # Between the oracle's 2 and 3 items on cheap (45% -> 67.5% saved, 4/3 -> 1): at 56.25%,
    # halfway, 7/6.
    assert at_saving(build_curve(FOUR, "confidence"), 0.5625).oracle == pytest.approx(7 / 6)


def test_the_oracle_is_the_best_of_every_choice_of_items() -> None:
    """Brute force: for every share k of 9 items, no choice of k items for the cheap model
    gives a higher quality sum than the oracle's."""
    rng = np.random.default_rng(7)
    for _ in range(5):
        cheap = rng.choice([0.0, 0.3, 0.6, 1.0], 9)
        strong = rng.choice([0.0, 0.5, 1.0], 9)
        items = _items(list(cheap), list(strong), [np.nan] * 9)
        oracle = oracle_curve(items)
        for k in range(10):
            best = max(
                strong.sum() + sum(cheap[i] - strong[i] for i in chosen)
                for chosen in itertools.combinations(range(9), k)
            )
            assert oracle[k].quality_kept == pytest.approx(best / strong.sum())


def test_the_interval_agrees_with_scipys_paired_bootstrap() -> None:
    """The quality kept's interval is a percentile bootstrap of sum(routed) / sum(strong) over
    items resampled in pairs: scipy.stats.bootstrap of the same ratio (paired, percentile)
    gives the same ends within resampling error."""
    rng = np.random.default_rng(3)
    n = 80
    cheap = (rng.random(n) < 0.6).astype(float)
    strong = (rng.random(n) < 0.85).astype(float)
    signal = rng.random(n)
    curve = build_curve(
        _items(list(cheap), list(strong), list(signal)), "confidence", n_boot=20_000
    )
    row = min(curve.rows[1:], key=lambda r: abs(r.share_cheap - 0.5))
    kept = signal >= row.threshold
    routed = np.where(kept, cheap, strong)
    ref = scipy_stats.bootstrap(
        (routed, strong),
        lambda r, s, axis=-1: r.sum(axis=axis) / s.sum(axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=20_000,
        method="percentile",
        random_state=1,
    ).confidence_interval
    assert row.low == pytest.approx(ref.low, abs=0.015)
    assert row.high == pytest.approx(ref.high, abs=0.015)


def test_the_same_seed_gives_the_same_intervals() -> None:
    a, b = build_curve(FOUR, "confidence", seed=5), build_curve(FOUR, "confidence", seed=5)
    assert [(r.low, r.high) for r in a.rows] == [(r.low, r.high) for r in b.rows]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Paris.\nConfidence: 0.8", 0.8),
        ("Paris (Confidence = 80%)", 0.8),
        ("my confidence is 85", 0.85),
        ("I am 85% sure it is Paris", 0.85),
        ("Between 10% and 90% of cases; 70% here", 0.7),
        ("Paris", None),
        ("The answer is 42", None),
        ("confidence: 150%", None),
    ],
)
def test_the_stated_confidence_is_parsed(reply: str, expected: float | None) -> None:
    assert parse_confidence(reply) == (None if expected is None else pytest.approx(expected))


def test_a_bad_or_dangerous_pattern_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="not valid"):
        check_pattern("(unclosed")
    with pytest.raises(ValueError, match=f"at most {MAX_PATTERN_CHARS}"):
        check_pattern("a" * (MAX_PATTERN_CHARS + 1))
    with pytest.raises(ValueError, match="repeats a group"):
        check_pattern("(a+)+$")
    with pytest.raises(ValueError, match="needs a pattern"):
        check_pattern("")
    assert check_pattern(r"(?i)\bparis\b").search("It is PARIS")


def test_rule_signals() -> None:
    replies = ["Paris, confidence 0.9", None, "I think it might be Lyon or maybe Paris"]
    tokens = [4, 0, 9]
    assert rule_signal("confidence", replies, tokens)[0] == 0.9
    assert np.isnan(rule_signal("confidence", replies, tokens)[1:]).all()
    assert list(rule_signal("length", replies, tokens)[[0, 2]]) == [4, 9]
    chars = rule_signal("length", replies, [0, 0, 0])
    assert chars[0] == len(replies[0])
    regex = rule_signal("regex", replies, tokens, pattern=r"^Paris")
    assert regex[0] == 1 and np.isnan(regex[1]) and regex[2] == 0
    judged = rule_signal("judge", replies, tokens, judge_scores=[1.0, 1.0, None])
    assert judged[0] == 1 and np.isnan(judged[1:]).all()


def test_the_length_rule_keeps_short_replies() -> None:
    """Lengths 5, 50, 500: at most 5 keeps q0, at most 50 keeps q0 and q1."""
    items = _items([1, 1, 0], [1, 1, 1], [5, 50, 500])
    curve = build_curve(items, "length")
    assert not curve.keep_above
    assert [r.threshold for r in curve.rows] == [None, 5, 50, 500]
    assert [r.share_cheap for r in curve.rows] == pytest.approx([0, 1 / 3, 2 / 3, 1])


def test_paired_items_from_samples() -> None:
    """q2 has no strong answer and is left out; the cheap run's error on q1 scores 0 and
    has no signal; a cached answer costs what it had cost and takes the run's median latency."""
    items = [DatasetItem(id=f"q{i}", input="x", expected="paris") for i in range(3)]
    cheap = [
        Sample(item_id="q0", output="paris confidence 0.7", latency_ms=200, cost_usd=0.001),
        Sample(item_id="q1", error="timeout", latency_ms=300, cost_usd=0.0),
        Sample(item_id="q2", output="paris", latency_ms=100, cost_usd=0.001),
    ]
    strong = [
        Sample(item_id="q0", output="paris", latency_ms=900, cost_usd=0.01),
        Sample(item_id="q1", output="paris", latency_ms=5, cached=True, cached_cost_usd=0.02),
    ]
    got = paired_items(items, cheap, strong, "contains", "confidence")
    assert got.item_ids == ("q0", "q1")
    assert list(got.cheap_quality) == [1, 0]
    assert list(got.strong_quality) == [1, 1]
    assert list(got.strong_cost) == [0.01, 0.02]
    assert list(got.strong_latency) == [900, 900]
    assert got.signal[0] == 0.7 and np.isnan(got.signal[1])


def test_no_paired_item_is_refused() -> None:
    with pytest.raises(ValueError, match="No item has an answer in both runs"):
        _items([], [], [])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.5, 1.0]),
            st.sampled_from([0.0, 0.5, 1.0]),
            st.one_of(st.none(), st.floats(0, 1)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_no_rule_beats_the_oracle_at_its_share(
    rows: list[tuple[float, float, float | None]],
) -> None:
    """Whatever the signal, the cascade at a share k/n keeps no more quality than the oracle
    with k items on the cheap model, and costs at least the oracle's pure routing."""
    cheap = [r[0] for r in rows]
    strong = [r[1] for r in rows]
    signal = [np.nan if r[2] is None else r[2] for r in rows]
    items = _items(cheap, strong, signal)
    curve = build_curve(items, "confidence", n_boot=50)
    n = len(rows)
    oracle = oracle_curve(items)
    for row in curve.rows:
        k = round(row.share_cheap * n)
        assert np.isfinite(row.cost_usd)
        if row.quality_kept is not None and oracle[k].quality_kept is not None:
            assert row.quality_kept <= oracle[k].quality_kept + 1e-9
            assert row.saved_share <= oracle[k].saved_share + 1e-9
