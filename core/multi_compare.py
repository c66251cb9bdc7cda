"""More than two variants on one dataset: each variant's score, its lift over a chosen baseline
with Holm-adjusted p-values, the quality-cost-latency Pareto set and which variant is best.

Every figure is taken on the items *every* run has a sample for (errored samples included and
scored 0, as in the two-run comparison), so the variants are compared on the same questions;
the items some run lacks are counted and left out. Each lift against the baseline is exactly
`core.comparison.compare_runs` on those items (the same interval and the same test, McNemar's
exact p on pass/fail), so with two runs this comparison agrees with it figure for figure; with
more, the verdict reads the p-value after Holm's adjustment for the k - 1 comparisons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from core import metrics, stats
from core.analysis import pareto_mask
from core.comparison import TEST_NAME, Comparison, RunMetrics, compare_runs
from core.evaluation import DatasetItem, Sample
from core.frameworks.common import p_value

Dimension = Literal["quality", "cost", "latency"]
#: Up to this many distinct per-item score columns, best_shares draws counts per column.
_MAX_PATTERNS = 64
#: Numbers held in memory at once by a chunk of best_shares' resamples.
_CHUNK_ELEMENTS = 4_000_000
#: What each Pareto dimension is, in the words every face shows.
DIMENSION_TEXT: dict[str, str] = {
    "quality": "quality (higher is better)",
    "cost": "cost per item (USD, lower is better)",
    "latency": "median latency (ms, lower is better)",
}


@dataclass(frozen=True)
class VariantRun:
    """One run to compare: its name, its samples and the dataset it answers (any label that
    is equal for runs of one dataset, e.g. the dataset's id; None when unknown)."""

    name: str
    samples: Sequence[Sample]
    dataset: object = None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class VariantFigures(_Frozen):
    """One variant on the common items. Lifts are in score units (0..1); for the baseline the
    lift, test and verdict fields are None."""

    name: str
    is_baseline: bool
    #: Its figures over the common items (mean with its interval, cost per item in USD,
    #: latency p50/p95 in ms).
    run: RunMetrics
    lift: float | None = None
    low: float | None = None
    high: float | None = None
    #: Common items only the baseline passes (b) and only this variant passes (c).
    b: int = 0
    c: int = 0
    p_raw: float | None = None
    p_holm: float | None = None
    verdict: stats.Verdict | None = None
    pareto: bool = False
    #: Share of the bootstrap resamples of the items in which it scores highest (ties split).
    best_share: float = 0.0


class MultiComparison(_Frozen):
    """k variants of one dataset compared on the items every run answered."""

    metric: str
    alpha: float
    min_lift: float
    pass_threshold: float
    n_items: int
    #: Items every run has a sample for: the denominator of every figure.
    n_common: int
    baseline: int
    variants: list[VariantFigures]
    #: The dimensions the Pareto set was taken on (one no variant measured is left out).
    pareto_dimensions: list[Dimension]
    #: Index of the variant with the highest mean, None when no variant has a score.
    best: int | None
    #: Names of the other variants the best beats with Holm-adjusted p below alpha.
    best_beats: list[str]
    n_boot: int
    reasons: list[str]

    @property
    def left_out(self) -> int:
        return self.n_items - self.n_common


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    Sorted ascending p(1) <= ... <= p(m): adjusted p(i) = max over j <= i of
    min(1, (m - j + 1) p(j)), so they never fall as the raw ones rise and never exceed 1;
    "adjusted p < alpha" rejects exactly what Holm's procedure rejects at family-wise alpha.
    By hand, p = (0.01, 0.04, 0.03, 0.005): sorted 0.005 x 4 = 0.02, 0.01 x 3 = 0.03,
    0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> max(0.06, 0.04) = 0.06; in the given order
    (0.03, 0.06, 0.06, 0.02).
    """
    m = len(p_values)
    if any(not 0 <= p <= 1 for p in p_values):
        raise ValueError("Holm's adjustment needs p-values between 0 and 1.")
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def best_shares(scores: np.ndarray, *, n: int = 10_000, seed: int = 0) -> np.ndarray:
    """Per variant (rows of `scores`, variants x items), the share of n bootstrap resamples
    of the items (the same items for every variant, so pairs stay pairs) in which its mean is
    the highest; a tie splits the resample among the tied variants, so the shares sum to 1.

    Items whose scores are the same across the variants are interchangeable, so with few
    distinct such columns (pass/fail scores of a few variants) a resample is drawn as
    Multinomial(items, share of each column) counts, one draw per distinct column, as
    `stats.bootstrap_mean_ci` does; otherwise item indices are drawn, in chunks of rows.
    Deterministic for a given seed.
    """
    k, items = scores.shape
    if k == 0 or items == 0:
        raise ValueError("Which variant is best needs at least one variant and one item.")
    rng = np.random.default_rng(seed)
    columns, counts = np.unique(scores.T, axis=0, return_counts=True)
    few = len(columns) <= _MAX_PATTERNS
    wins = np.zeros(k)
    rows = max(1, _CHUNK_ELEMENTS // (len(columns) if few else items))
    for start in range(0, n, rows):
        size = min(rows, n - start)
        if few:
            sums = rng.multinomial(items, counts / items, size=size) @ columns
        else:
            idx = rng.integers(0, items, size=(size, items), dtype=np.int32)
            # Variant by variant: each gathers from its own row, which stays in cache.
            sums = np.column_stack([row[idx].sum(axis=1) for row in scores])
        # Sums, not means: the same order. Ties up to rounding of the float sums.
        top = sums >= sums.max(axis=1, keepdims=True) - 1e-9 * items
        wins += (top / top.sum(axis=1, keepdims=True)).sum(axis=0)
    shares: np.ndarray = wins / n
    return shares


def pareto_set(
    quality: Sequence[float], cost: Sequence[float], latency: Sequence[float]
) -> list[bool]:
    """True for each variant no other beats or equals on every one of higher quality, lower
    cost and lower latency while beating it on one (identical variants both stay)."""
    objectives = np.column_stack([quality, cost, latency]) if len(quality) else np.empty((0, 3))
    return [bool(v) for v in pareto_mask(objectives, maximise=[True, False, False])]


def compare_variants(
    items: Sequence[DatasetItem],
    runs: Sequence[VariantRun],
    metric_id: str,
    *,
    baseline: int = 0,
    min_lift: float = 0.0,
    pass_threshold: float = 0.5,
    pattern: str | None = None,
    seed: int = 0,
    n_boot: int = 10_000,
    alpha: float = 0.05,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> MultiComparison:
    """Compare k >= 2 runs of one dataset against `runs[baseline]`.

    - Common items: those every run has a sample for; the rest are left out (and counted).
    - Each variant's mean with its (bootstrap) interval, pass rate, cost per item (USD) and
      latency p50/p95 (ms) over the common items, as `summarize_run` computes them.
    - Each other variant against the baseline: `compare_runs` on the common items (lift with
      Tango's interval for pass/fail metrics, the paired bootstrap otherwise; McNemar's exact
      p on pass/fail at `pass_threshold`). Holm's adjustment over these k - 1 p-values; each
      verdict is `stats.verdict` read with the adjusted p (the intervals are not widened).
    - Pareto set on quality (mean), cost per item and median latency; a dimension some
      variant has no figure for is left out of it (a run none of whose answers was timed,
      such as imported outputs, has no latency rather than 0 ms).
    - Best: the highest mean; how sure is the share of `n_boot` seeded paired bootstrap
      resamples in which it is highest, and which other variants it beats with a
      Holm-adjusted McNemar p (over its k - 1 comparisons) below alpha.
    `progress(done, total)` hears of each step (a comparison with the baseline, then the
    best's resamples); `cancelled` is asked before each, and a yes raises ValueError.
    Raises ValueError for fewer than two runs, runs of different datasets, a baseline index
    out of range or a metric that needs a judge.
    """
    spec = metrics.get_metric(metric_id)
    if len(runs) < 2:
        raise ValueError("Comparing variants needs at least two runs.")
    if len({run.dataset for run in runs}) > 1:
        raise ValueError(
            "The runs answer different datasets: compare runs of one dataset, on the same items."
        )
    if not 0 <= baseline < len(runs):
        raise ValueError(f"The baseline must be one of the {len(runs)} runs (got {baseline}).")
    if spec.needs_judge:
        raise ValueError(
            f"{spec.label} is graded by a judge model: compare two runs at a time on it."
        )
    answered = [{s.item_id for s in run.samples} for run in runs]
    common_ids = {item.id for item in items if all(item.id in ids for ids in answered)}
    common = [[s for s in run.samples if s.item_id in common_ids] for run in runs]
    steps = len(runs)  # k - 1 comparisons, then the best's resamples

    def step(done: int) -> None:
        if cancelled is not None and cancelled():
            raise ValueError("Cancelled: nothing was compared.")
        if progress is not None:
            progress(done, steps)

    pairs: dict[int, Comparison] = {}
    for i in range(len(runs)):
        if i != baseline:
            step(len(pairs))
            pairs[i] = compare_runs(
                items,
                common[baseline],
                common[i],
                metric_id,
                min_lift=min_lift,
                pass_threshold=pass_threshold,
                pattern=pattern,
                seed=seed,
                n_boot=n_boot,
                alpha=alpha,
            )
    step(len(pairs))
    first = next(iter(pairs.values()))
    summaries = [
        _untimed_as_unknown(first.baseline if i == baseline else pairs[i].variant, common[i])
        for i in range(len(runs))
    ]
    others = list(pairs)
    adjusted = dict(zip(others, holm([pairs[i].mcnemar_p for i in others]), strict=True))

    scores = _score_matrix(pairs, baseline, len(runs), len(common_ids))
    scored = [i for i, s in enumerate(summaries) if s.mean is not None]
    shares = np.zeros(len(runs))
    best: int | None = None
    beats: list[str] = []
    beaten_p: dict[int, float] = {}
    if scored and len(common_ids):
        shares[scored] = best_shares(scores[scored], n=n_boot, seed=seed)
        means = scores.mean(axis=1)
        best = max(scored, key=lambda i: (means[i], i == baseline))
        beaten_p = _best_against_others(scores, best, pass_threshold)
        beats = [runs[i].name for i, p in beaten_p.items() if p < alpha]

    dimensions, on_front = _pareto(summaries)
    figures = []
    for i, (run, summary) in enumerate(zip(runs, summaries, strict=True)):
        fig = VariantFigures(
            name=run.name,
            is_baseline=i == baseline,
            run=summary,
            pareto=on_front[i],
            best_share=float(shares[i]),
        )
        if i != baseline:
            pair = pairs[i]
            decided: stats.Verdict = (
                "need_more_data"
                if pair.lift is None or pair.low is None or pair.high is None
                else stats.verdict(
                    pair.lift, pair.low, pair.high, min_lift, p_value=adjusted[i], alpha=alpha
                )
            )
            fig = fig.model_copy(
                update={
                    "lift": pair.lift,
                    "low": pair.low,
                    "high": pair.high,
                    "b": pair.b,
                    "c": pair.c,
                    "p_raw": pair.mcnemar_p,
                    "p_holm": adjusted[i],
                    "verdict": decided,
                }
            )
        figures.append(fig)
    result = MultiComparison(
        metric=metric_id,
        alpha=alpha,
        min_lift=min_lift,
        pass_threshold=pass_threshold,
        n_items=len(items),
        n_common=len(common_ids),
        baseline=baseline,
        variants=figures,
        pareto_dimensions=dimensions,
        best=best,
        best_beats=beats,
        n_boot=n_boot,
        reasons=[],
    )
    return result.model_copy(update={"reasons": _reasons(result, beaten_p)})


def _untimed_as_unknown(run: RunMetrics, samples: Sequence[Sample]) -> RunMetrics:
    """No latency rather than 0 ms for a run none of whose answers was timed (imported
    outputs and Batch API results carry 0): it would sit on every Pareto set as the fastest."""
    if any(s.ok and not s.cached and s.latency_ms > 0 for s in samples):
        return run
    return run.model_copy(update={"latency_p50_ms": None, "latency_p95_ms": None})


def _score_matrix(pairs: dict[int, Comparison], baseline: int, k: int, n_common: int) -> np.ndarray:
    """Per-item scores (variants x common items, item order) from the pairwise outcomes, which
    hold exactly the common items: every run has a sample for each of them."""
    scores = np.zeros((k, n_common))
    for i, pair in pairs.items():
        scores[i] = [o.variant for o in pair.outcomes]
        scores[baseline] = [o.baseline for o in pair.outcomes]
    return scores


def _best_against_others(scores: np.ndarray, best: int, pass_threshold: float) -> dict[int, float]:
    """Holm-adjusted McNemar p of the best against each other variant (pass/fail at the
    threshold, as every comparison's test)."""
    passes = scores >= pass_threshold
    others = [i for i in range(scores.shape[0]) if i != best]
    raw = [
        stats.mcnemar_exact(
            int((passes[i] & ~passes[best]).sum()), int((~passes[i] & passes[best]).sum())
        )
        for i in others
    ]
    return dict(zip(others, holm(raw), strict=True))


def _pareto(summaries: Sequence[RunMetrics]) -> tuple[list[Dimension], list[bool]]:
    columns: dict[Dimension, list[float | None]] = {
        "quality": [s.mean for s in summaries],
        "cost": [s.cost_per_sample_usd for s in summaries],
        "latency": [s.latency_p50_ms for s in summaries],
    }
    # A variant without a score is on no front: it measured nothing about quality.
    scored = [s.mean is not None for s in summaries]
    kept: list[Dimension] = [
        d
        for d, values in columns.items()
        if all(v is not None for v, ok in zip(values, scored, strict=True) if ok)
    ]
    rows = [i for i, ok in enumerate(scored) if ok]
    on_front = [False] * len(summaries)
    if rows and kept:
        matrix = np.array([[columns[d][i] for d in kept] for i in rows], dtype=float)
        mask = pareto_mask(matrix, maximise=[d == "quality" for d in kept])
        for i, front in zip(rows, mask, strict=True):
            on_front[i] = bool(front)
    return kept, on_front


def _names(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _reasons(r: MultiComparison, beaten_p: dict[int, float]) -> list[str]:
    """Plain sentences: the items used, the adjustment, each verdict, the Pareto set, the best."""
    spec = metrics.get_metric(r.metric)
    label = f"{spec.label} ({spec.convention})"
    k = len(r.variants)
    base = r.variants[r.baseline]
    out = [
        f"{r.n_common:,} of {r.n_items:,} items have a sample in all {k} runs"
        + (
            f"; {r.left_out:,} are left out of every figure, so all variants answer the same "
            "questions."
            if r.left_out
            else "."
        )
    ]
    if r.n_common == 0:
        out.append("Need more data: no item has a sample in every run, so nothing is compared.")
        return out
    out.append(
        f"Each variant is compared with the baseline '{base.name}' on {label}, as two runs are "
        f"({TEST_NAME} at {r.pass_threshold:g}); Holm's step-down adjustment over the {k - 1} "
        f"comparisons keeps the chance of any false 'significant' at alpha {r.alpha:g}, and "
        "each verdict reads the adjusted p."
    )
    for v in r.variants:
        if v.is_baseline or v.verdict is None:
            continue
        if v.lift is None or v.low is None or v.high is None:
            out.append(f"'{v.name}': need more data (it has no score to compare).")
            continue
        lift = stats.format_lift(100 * v.lift, 100 * v.low, 100 * v.high, r.alpha)
        out.append(
            f"'{v.name}': {lift}; p = {p_value(v.p_raw or 0.0)}, Holm-adjusted "
            f"{p_value(v.p_holm or 0.0)}: {stats.VERDICT_LABELS[v.verdict]}."
        )
    front = [v.name for v in r.variants if v.pareto]
    if front:
        dims = ", ".join(DIMENSION_TEXT[d] for d in r.pareto_dimensions)
        missing = [DIMENSION_TEXT[d] for d in DIMENSION_TEXT if d not in r.pareto_dimensions]
        sentence = (
            f"Pareto set on {dims}: {_names(front)} (no other variant is at least as good on "
            "every one and better on one)."
        )
        if missing:
            sentence += f" Left out, as some variant has no figure for it: {', '.join(missing)}."
        out.append(sentence)
    out.append(_best_sentence(r, beaten_p))
    return out


def _best_sentence(r: MultiComparison, beaten_p: dict[int, float]) -> str:
    if r.best is None:
        return "No variant has a score (every one failed on every item), so none is best."
    best = r.variants[r.best]
    mean = best.run.mean if best.run.mean is not None else 0.0
    share = f"it scores highest in {best.best_share:.0%} of {r.n_boot:,} bootstrap resamples"
    others = len(r.variants) - 1
    not_beaten = [
        f"'{r.variants[i].name}' (p = {p_value(p)})" for i, p in beaten_p.items() if p >= r.alpha
    ]
    if not not_beaten:
        return (
            f"Best: '{best.name}' ({mean:.3f}), and surely so: {share} of the items and beats "
            f"every other variant significantly after Holm's adjustment (alpha {r.alpha:g})."
        )
    beats = len(r.best_beats)
    return (
        f"Best: '{best.name}' scores highest ({mean:.3f}), but not surely: {share} of the "
        f"items, and it beats {beats} of the {others} other variants significantly after "
        f"Holm's adjustment; not {', '.join(not_beaten)}."
    )
