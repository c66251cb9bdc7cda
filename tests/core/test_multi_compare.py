"""k variants on one dataset: Holm against statsmodels and by hand, the Pareto set by brute
force, two runs agreeing with compare_runs figure for figure, and the refusals."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from core.comparison import compare_runs
from core.evaluation import DatasetItem, Sample
from core.multi_compare import (
    VariantRun,
    best_shares,
    compare_variants,
    holm,
    pareto_set,
)

ITEMS = [DatasetItem(id=str(i), input=f"q{i}", expected="yes") for i in range(80)]


def _run(
    share_right: float, seed: int, *, cost: float = 0.001, latency: float = 300.0, skip: int = 0
) -> list[Sample]:
    """Samples answering `share_right` of the items right, the first `skip` items missing."""
    rng = random.Random(seed)
    return [
        Sample(
            item_id=item.id,
            output="yes" if rng.random() < share_right else "no",
            cost_usd=cost,
            latency_ms=latency * (0.5 + rng.random()),
        )
        for item in ITEMS[skip:]
    ]


def _words_run(seed: int, *, skip: int = 0) -> list[Sample]:
    """Outputs sharing some words with the reference, for a continuous metric (token F1)."""
    rng = random.Random(seed)
    words = ["yes", "no", "maybe", "so"]
    return [
        Sample(
            item_id=item.id,
            output=" ".join(rng.choices(words, k=rng.randint(1, 3))),
            latency_ms=rng.uniform(100, 500),
        )
        for item in ITEMS[skip:]
    ]


# ----- Holm ------------------------------------------------------------------------------


def test_holm_by_hand() -> None:
    """The docstring's example: p = (0.01, 0.04, 0.03, 0.005) -> (0.03, 0.06, 0.06, 0.02)."""
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


@pytest.mark.parametrize("seed", range(20))
def test_holm_agrees_with_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 12))
    p = rng.choice([rng.uniform(0, 0.1), rng.uniform(0, 1)], size=m)
    p[rng.random(m) < 0.2] = 1.0  # ties and ones, where a cap and monotony matter
    expected = multipletests(p, alpha=0.05, method="holm")[1]
    ours = holm(p.tolist())
    assert ours == pytest.approx(expected.tolist(), abs=1e-12)
    ordered = [ours[i] for i in np.argsort(p, kind="stable")]
    assert ordered == sorted(ordered) and max(ours) <= 1.0
    assert all(a >= r for a, r in zip(ours, p, strict=True))


def test_holm_refuses_what_is_not_a_p_value() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        holm([0.5, 1.2])


# ----- Pareto ----------------------------------------------------------------------------


def _dominates(a: tuple[float, float, float], b: tuple[float, float, float]) -> bool:
    no_worse = a[0] >= b[0] and a[1] <= b[1] and a[2] <= b[2]
    better = a[0] > b[0] or a[1] < b[1] or a[2] < b[2]
    return no_worse and better


@pytest.mark.parametrize("seed", range(30))
def test_pareto_set_by_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 9))
    # Few distinct values, so ties and identical variants occur.
    points = [tuple(float(v) for v in rng.integers(0, 4, size=3)) for _ in range(k)]
    expected = [not any(_dominates(q, p) for q in points if q is not p) for p in points]
    assert pareto_set(*zip(*points, strict=True)) == expected


def test_comparison_marks_the_pareto_set_by_brute_force() -> None:
    runs = [
        VariantRun("base", _run(0.5, 1, cost=0.001, latency=300)),
        VariantRun("cheap", _run(0.55, 2, cost=0.0002, latency=200)),
        VariantRun("strong", _run(0.9, 3, cost=0.01, latency=900)),
        VariantRun("worse", _run(0.4, 4, cost=0.02, latency=1000)),
    ]
    result = compare_variants(ITEMS, runs, "exact_match")
    points = [
        (v.run.mean, v.run.cost_per_sample_usd, v.run.latency_p50_ms) for v in result.variants
    ]
    expected = [not any(_dominates(q, p) for q in points if q is not p) for p in points]
    assert [v.pareto for v in result.variants] == expected
    assert result.pareto_dimensions == ["quality", "cost", "latency"]
    assert not result.variants[3].pareto  # dearer, slower and worse than the baseline


def test_untimed_answers_have_no_latency_rather_than_0_ms() -> None:
    """Imported outputs carry latency 0: unknown, not the fastest of all."""
    imported = [s.model_copy(update={"latency_ms": 0.0}) for s in _run(0.9, 3)]
    runs = [VariantRun("base", _run(0.5, 1)), VariantRun("imported", imported)]
    result = compare_variants(ITEMS, runs, "exact_match")
    assert result.variants[1].run.latency_p50_ms is None
    assert result.variants[1].run.latency_p95_ms is None
    assert result.variants[0].run.latency_p50_ms is not None
    assert result.pareto_dimensions == ["quality", "cost"]


def test_a_dimension_no_variant_measured_is_left_out_of_the_pareto_set() -> None:
    """Imported outputs served from the cache have no latency of their own."""
    cached = [s.model_copy(update={"cached": True}) for s in _run(0.9, 3)]
    runs = [VariantRun("base", _run(0.5, 1)), VariantRun("cached", cached)]
    result = compare_variants(ITEMS, runs, "exact_match")
    assert result.pareto_dimensions == ["quality", "cost"]
    assert any("Left out" in r and "median latency" in r for r in result.reasons)


# ----- two runs agree with compare_runs --------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "base", "variant"),
    [
        ("exact_match", _run(0.5, 1), _run(0.7, 2)),
        ("exact_match", _run(0.6, 3), _run(0.6, 4, skip=10)),
        ("token_f1", _words_run(5), _words_run(6)),
        ("token_f1", _words_run(7, skip=5), _words_run(8)),
    ],
)
def test_two_runs_agree_with_compare_runs(
    metric: str, base: list[Sample], variant: list[Sample]
) -> None:
    two = compare_runs(ITEMS, base, variant, metric, min_lift=0.02)
    k = compare_variants(
        ITEMS, [VariantRun("b", base), VariantRun("v", variant)], metric, min_lift=0.02
    )
    v = k.variants[1]
    assert (v.lift, v.low, v.high) == (two.lift, two.low, two.high)
    assert (v.b, v.c) == (two.b, two.c)
    assert v.p_raw == two.mcnemar_p and v.p_holm == two.mcnemar_p
    assert v.verdict == two.verdict
    assert k.n_common == two.n_paired
    if k.left_out == 0:
        assert k.variants[0].run == two.baseline and v.run == two.variant


def test_two_runs_agree_on_a_ship_verdict() -> None:
    base, variant = _run(0.3, 11), _run(0.95, 12)
    two = compare_runs(ITEMS, base, variant, "exact_match")
    k = compare_variants(ITEMS, [VariantRun("b", base), VariantRun("v", variant)], "exact_match")
    assert two.verdict == k.variants[1].verdict == "ship"


# ----- k variants ------------------------------------------------------------------------


def test_items_some_run_lacks_are_left_out_and_said() -> None:
    runs = [
        VariantRun("a", _run(0.5, 1, skip=3)),
        VariantRun("b", _run(0.5, 2)),
        VariantRun("c", _run(0.5, 3, skip=7)),
    ]
    result = compare_variants(ITEMS, runs, "exact_match")
    assert (result.n_common, result.left_out) == (73, 7)
    assert all(v.run.n_scored == 73 for v in result.variants)
    assert result.reasons[0].startswith("73 of 80 items have a sample in all 3 runs; 7 are left")


def test_verdicts_read_the_holm_adjusted_p() -> None:
    runs = [VariantRun(f"v{i}", _run(p, i)) for i, p in enumerate((0.5, 0.62, 0.9, 0.55))]
    result = compare_variants(ITEMS, runs, "exact_match", baseline=0)
    others = result.variants[1:]
    assert [v.p_holm for v in others] == pytest.approx(holm([v.p_raw for v in others]))
    for v in others:
        assert v.p_holm is not None and v.p_raw is not None and v.p_holm >= v.p_raw
        assert (v.verdict == "ship") == (
            v.p_holm < 0.05 and v.low is not None and v.low > 0 and v.lift >= 0
        )
    assert result.variants[0].verdict is None and result.variants[0].is_baseline


def test_the_baseline_can_be_any_run() -> None:
    runs = [VariantRun(f"v{i}", _run(p, i)) for i, p in enumerate((0.9, 0.5, 0.6))]
    result = compare_variants(ITEMS, runs, "exact_match", baseline=1)
    assert result.variants[1].is_baseline and result.variants[1].lift is None
    assert result.variants[0].lift is not None and result.variants[0].lift > 0


def test_a_clear_best_is_said_to_be_sure() -> None:
    runs = [
        VariantRun("base", _run(0.3, 1)),
        VariantRun("best", _run(1.0, 2)),
        VariantRun("other", _run(0.35, 3)),
    ]
    result = compare_variants(ITEMS, runs, "exact_match")
    assert result.best == 1 and result.best_beats == ["base", "other"]
    assert result.variants[1].best_share == pytest.approx(1.0)
    assert "Best: 'best'" in result.reasons[-1] and "surely so" in result.reasons[-1]


def test_an_unclear_best_names_what_it_does_not_beat() -> None:
    runs = [VariantRun("a", _run(0.6, 21)), VariantRun("b", _run(0.6, 22))]
    result = compare_variants(ITEMS, runs, "exact_match")
    assert result.best is not None
    assert "not surely" in result.reasons[-1]
    assert 0 < result.variants[result.best].best_share < 1


def test_best_shares_by_hand() -> None:
    """Two identical variants tie in every resample (0.5 each); one that scores 1 where the
    other scores 0 on every item wins every resample."""
    same = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    assert best_shares(same, n=500).tolist() == [0.5, 0.5]
    apart = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.5, 0.2, 0.9]])
    assert best_shares(apart, n=500).tolist() == [1.0, 0.0, 0.0]
    shares = best_shares(np.random.default_rng(0).random((4, 30)), n=2_000, seed=3)
    assert shares.sum() == pytest.approx(1.0)
    assert np.array_equal(
        shares, best_shares(np.random.default_rng(0).random((4, 30)), n=2_000, seed=3)
    )


def test_a_run_that_never_answered_is_compared_with_nothing() -> None:
    failed = [Sample(item_id=i.id, error="boom") for i in ITEMS]
    runs = [VariantRun("base", _run(0.5, 1)), VariantRun("down", failed)]
    result = compare_variants(ITEMS, runs, "exact_match")
    assert result.variants[1].verdict == "need_more_data" and result.variants[1].lift is None
    assert not result.variants[1].pareto and result.best == 0


def test_no_common_item_means_need_more_data() -> None:
    runs = [
        VariantRun("a", [Sample(item_id="0", output="yes")]),
        VariantRun("b", [Sample(item_id="1", output="yes")]),
    ]
    result = compare_variants(ITEMS, runs, "exact_match")
    assert result.n_common == 0 and result.best is None
    assert result.variants[1].verdict == "need_more_data"
    assert "no item has a sample in every run" in result.reasons[-1]


# ----- refusals --------------------------------------------------------------------------


def test_runs_of_different_datasets_are_refused() -> None:
    runs = [VariantRun("a", _run(0.5, 1), dataset=1), VariantRun("b", _run(0.5, 2), dataset=2)]
    with pytest.raises(ValueError, match="different datasets: compare runs of one dataset"):
        compare_variants(ITEMS, runs, "exact_match")


@pytest.mark.parametrize(
    ("runs", "kwargs", "words"),
    [
        ([VariantRun("a", [])], {}, "at least two runs"),
        ([VariantRun("a", []), VariantRun("b", [])], {"baseline": 2}, "one of the 2 runs"),
        ([VariantRun("a", []), VariantRun("b", [])], {"metric_id": "llm_judge"}, "judge"),
    ],
)
def test_refusals(runs: list[VariantRun], kwargs: dict[str, object], words: str) -> None:
    metric = kwargs.pop("metric_id", "exact_match")
    with pytest.raises(ValueError, match=words):
        compare_variants(ITEMS, runs, str(metric), **kwargs)  # type: ignore[arg-type]


def test_every_subset_of_variants_keeps_its_own_family() -> None:
    """Holm's family is the k - 1 comparisons asked for: dropping a variant never makes
    another's adjusted p larger."""
    runs = [VariantRun(f"v{i}", _run(p, i)) for i, p in enumerate((0.5, 0.7, 0.65, 0.8))]
    full = compare_variants(ITEMS, runs, "exact_match", n_boot=200)
    for subset in itertools.combinations(range(1, 4), 2):
        part = compare_variants(
            ITEMS, [runs[0], *(runs[i] for i in subset)], "exact_match", n_boot=200
        )
        for j, i in enumerate(subset, start=1):
            assert part.variants[j].p_holm <= full.variants[i].p_holm + 1e-12


def test_best_shares_by_columns_and_by_items_agree(monkeypatch) -> None:
    """Pass/fail scores are drawn as counts per distinct column; forcing the item-by-item
    draw gives the same shares within simulation error (sd of a share at most 0.5 / sqrt(n)
    = 0.008 at n = 4,000; 0.04 is five of them)."""
    rng = np.random.default_rng(5)
    scores = (rng.random((3, 60)) < np.array([[0.55], [0.6], [0.5]])).astype(float)
    by_columns = best_shares(scores, n=4_000, seed=1)
    monkeypatch.setattr("core.multi_compare._MAX_PATTERNS", 0)
    by_items = best_shares(scores, n=4_000, seed=2)
    assert by_items == pytest.approx(by_columns, abs=0.04)


def test_progress_is_told_each_step_and_cancel_stops_it() -> None:
    runs = [VariantRun(f"v{i}", _run(0.5, i)) for i in range(3)]
    steps: list[tuple[int, int]] = []
    compare_variants(
        ITEMS, runs, "exact_match", n_boot=100, progress=lambda d, t: steps.append((d, t))
    )
    assert steps == [(0, 3), (1, 3), (2, 3)]
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) == 2

    with pytest.raises(ValueError, match="Cancelled: nothing was compared"):
        compare_variants(ITEMS, runs, "exact_match", n_boot=100, cancelled=cancelled)
