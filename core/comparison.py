"""Run summaries and baseline-vs-variant comparisons from stored items and samples.

What the Experiments tab and the CLI show: a run's score with its interval, errors, latency,
cost and tokens; and for two runs on one dataset the paired lift, McNemar's test, the sample
size and the ship verdict, with the sentences that explain it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from core import metrics, stats
from core.evaluation import DatasetItem, Sample
from core.frameworks.common import p_value

OutcomeKind = Literal["won", "lost", "tie", "error"]
#: The significance test of every comparison's verdict, as the rule names it.
TEST_NAME = "McNemar's exact p on pass/fail"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class RunMetrics(_Frozen):
    """One run scored on one metric. Scores are 0..1, latencies ms, costs USD.

    `mean`/`low`/`high` and the latencies are None when nothing was there to measure, and
    when every item with a sample failed (`all_failed`): a failed call scores 0, but a run
    that never answered measured nothing about quality, so it gets no score or interval.
    """

    metric: str
    n_items: int
    #: Items with a sample (errored ones included): the denominator of the mean.
    n_scored: int
    #: Items without a sample (not run yet, or the run was stopped).
    missing: int
    errors: int
    error_rate: float
    mean: float | None
    low: float | None
    high: float | None
    pass_rate: float | None
    corpus_bleu: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    total_cost_usd: float
    cost_per_sample_usd: float | None
    input_tokens: int
    output_tokens: int
    cached: int

    @property
    def all_failed(self) -> bool:
        return self.n_scored > 0 and self.errors == self.n_scored


def no_score(run: RunMetrics) -> str | None:
    """Why a run has no score, in the words every face shows (None: it has one or is empty)."""
    return f"no score: all {run.n_scored:,} items failed" if run.all_failed else None


class ItemOutcome(_Frozen):
    item_id: str
    baseline: float
    variant: float
    kind: OutcomeKind


class Comparison(_Frozen):
    """Baseline vs variant on the items both runs have a sample for (lifts in score units,
    0..1; shown x 100 in percentage points). `low`..`high` is the (1 - alpha) interval."""

    metric: str
    n_paired: int
    baseline: RunMetrics
    variant: RunMetrics
    lift: float | None
    low: float | None
    high: float | None
    pass_threshold: float
    #: Paired items only the baseline passes (b) and only the variant passes (c).
    b: int
    c: int
    mcnemar_p: float
    latency_p50_delta_ms: float | None
    cost_per_sample_delta_usd: float | None
    min_lift: float
    verdict: stats.Verdict
    reasons: list[str]
    #: The significance level of the verdict; the interval's level is 1 - alpha. Comparisons
    #: kept before it was asked for were read at 0.05 (95% intervals).
    alpha: float = 0.05
    samples_needed: int | None
    outcomes: list[ItemOutcome]
    #: What the LLM judge's calls cost (USD), counted apart from the runs; None without one.
    judge_cost_usd: float | None = None


def _by_item(items: Sequence[DatasetItem], samples: Sequence[Sample]) -> list[Sample | None]:
    """Each item's sample, in item order; a later sample of an item replaces an earlier one
    (a resumed run), samples of items not in the dataset are ignored."""
    latest = {s.item_id: s for s in samples}
    return [latest.get(item.id) for item in items]


def _scores(
    metric_id: str,
    items: Sequence[DatasetItem],
    matched: Sequence[Sample | None],
    pattern: str | None,
    grades: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Per-item scores; an item without a sample is NaN (missing), an errored one scores 0.

    With `grades` (a judge's score per item id) those are the scores of the answered samples,
    and an answered sample the judge could not grade is missing too.
    """
    if grades is not None:
        return np.array(
            [
                np.nan if s is None else (grades.get(item.id, np.nan) if s.ok else 0.0)
                for item, s in zip(items, matched, strict=True)
            ],
            dtype=float,
        )
    present = [(item, s) for item, s in zip(items, matched, strict=True) if s is not None]
    scored = metrics.score_outputs(
        metric_id,
        [s.output if s.ok else None for _, s in present],
        [item.expected for item, _ in present],
        pattern,
    )
    out = np.full(len(items), np.nan)
    out[[i for i, s in enumerate(matched) if s is not None]] = scored
    return out


def item_scores(
    items: Sequence[DatasetItem],
    samples: Sequence[Sample],
    metric_id: str,
    pattern: str | None = None,
    grades: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Each item's score on `metric_id`, in item order, by the comparison's own rules (the
    latest sample of an item wins; no sample: NaN; an errored one: 0; `grades`: a judge's)."""
    return _scores(metric_id, items, _by_item(items, samples), pattern, grades)


def _summary(
    metric_id: str,
    items: Sequence[DatasetItem],
    matched: Sequence[Sample | None],
    scores: np.ndarray,
    pass_threshold: float,
    seed: int,
    n_boot: int,
) -> RunMetrics:
    present = [s for s in matched if s is not None]
    values = scores[~np.isnan(scores)]
    errors = sum(1 for s in present if not s.ok)
    mean = low = high = pass_rate = None
    if values.size and errors < len(present):
        mean, low, high = stats.bootstrap_mean_ci(values, n=n_boot, seed=seed)
        pass_rate = float((values >= pass_threshold).mean())
    corpus = None
    if metric_id == "bleu":
        pairs = [(s, item) for s, item in zip(matched, items, strict=True) if s is not None]
        corpus = metrics.bleu(
            [s.output if s.ok else "" for s, _ in pairs], [item.expected for _, item in pairs]
        )
    timed = [s.latency_ms for s in present if s.ok and not s.cached]
    model_cost = sum(s.cost_usd + s.cached_cost_usd for s in present)
    return RunMetrics(
        metric=metric_id,
        n_items=len(items),
        n_scored=len(present),
        missing=len(items) - len(present),
        errors=errors,
        error_rate=errors / len(present) if present else 0.0,
        mean=mean,
        low=low,
        high=high,
        pass_rate=pass_rate,
        corpus_bleu=corpus,
        latency_p50_ms=stats.percentile(timed, 50) if timed else None,
        latency_p95_ms=stats.percentile(timed, 95) if timed else None,
        total_cost_usd=sum(s.cost_usd for s in present),
        cost_per_sample_usd=model_cost / len(present) if present else None,
        input_tokens=sum(s.input_tokens for s in present),
        output_tokens=sum(s.output_tokens for s in present),
        cached=sum(1 for s in present if s.cached),
    )


def summarize_run(
    items: Sequence[DatasetItem],
    samples: Sequence[Sample],
    metric_id: str,
    *,
    pattern: str | None = None,
    pass_threshold: float = 0.5,
    seed: int = 0,
    n_boot: int = 10_000,
) -> RunMetrics:
    """A run's figures on one metric.

    - Samples are matched to items by id (the latest sample of an item wins; samples of
      unknown items are ignored). An item without a sample is *missing*: it is left out of
      every figure and counted in `missing`. An errored sample is *scored* as 0 (a failed call
      is a failed answer for the user) and counted in `errors`; error_rate = errors / scored.
    - mean with a 95% bootstrap interval over the scored items; pass_rate = share scoring at
      least `pass_threshold`; corpus BLEU (bleu only) over the scored items, an error as an
      empty output.
    - Latency p50/p95 over answered samples not from the cache (a cached answer's latency is
      the cache's, not the model's). total_cost_usd is what this run paid; cost per sample is
      what an answer costs the model (paid + cached cost) over the scored items.
    """
    matched = _by_item(items, samples)
    scores = _scores(metric_id, items, matched, pattern)
    return _summary(metric_id, items, matched, scores, pass_threshold, seed, n_boot)


def compare_runs(
    items: Sequence[DatasetItem],
    baseline_samples: Sequence[Sample],
    variant_samples: Sequence[Sample],
    metric_id: str,
    *,
    min_lift: float = 0.0,
    pass_threshold: float = 0.5,
    pattern: str | None = None,
    seed: int = 0,
    n_boot: int = 10_000,
    grades: tuple[Mapping[str, float], Mapping[str, float]] | None = None,
    judge_cost_usd: float | None = None,
    alpha: float = 0.05,
) -> Comparison:
    """Baseline vs variant on the same dataset, paired item by item.

    - Paired items: those both runs have a sample for (errored samples score 0 and are paired).
    - lift = mean(variant - baseline) over them, with its (1 - alpha) interval: Tango's score
      interval from the items only one arm gets right for a pass/fail metric (as the
      Experiments form computes it), the paired bootstrap of the score differences otherwise;
      one item of a continuous metric has no spread to resample, so its interval is every
      lift a difference of two 0..1 scores can be, [-1, 1].
    - Pass/fail at `pass_threshold`: b = baseline passes and variant fails, c = the reverse;
      McNemar's exact p from b and c: the significance test of the verdict, for every metric.
    - verdict = stats.verdict(lift, low, high, min_lift, p_value=p, alpha=alpha) (lifts in
      score units, 0..1); no paired items, or a run whose every item failed (it has no
      score): need more data.
    - samples_needed: paired items to detect the observed lift at 80% power and `alpha`,
      by McNemar's formula for pass/fail metrics and the paired z-test on the score
      differences otherwise; None when the lift is 0.
    - Latency and cost deltas are variant minus baseline over each run's own samples.
    - A judged metric (llm_judge) takes `grades`, the judge's scores per item id for the
      baseline and the variant (core.judge.grade), and reports `judge_cost_usd`.
    """
    spec = metrics.get_metric(metric_id)
    if spec.needs_judge and grades is None:
        raise ValueError(f"{spec.label} needs the judge's grades of both runs.")
    base_grades, var_grades = grades if grades is not None else (None, None)
    base_matched = _by_item(items, baseline_samples)
    var_matched = _by_item(items, variant_samples)
    base_scores = _scores(metric_id, items, base_matched, pattern, base_grades)
    var_scores = _scores(metric_id, items, var_matched, pattern, var_grades)
    base_run = _summary(metric_id, items, base_matched, base_scores, pass_threshold, seed, n_boot)
    var_run = _summary(metric_id, items, var_matched, var_scores, pass_threshold, seed, n_boot)

    paired = ~np.isnan(base_scores) & ~np.isnan(var_scores)
    x, y = base_scores[paired], var_scores[paired]
    n = int(paired.sum())
    base_pass, var_pass = x >= pass_threshold, y >= pass_threshold
    b = int((base_pass & ~var_pass).sum())
    c = int((~base_pass & var_pass).sum())
    p_value = stats.mcnemar_exact(b, c)
    lift = low = high = None
    samples_needed = None
    # A run that never answered has no score to lift from or to: nothing to compare.
    comparable = n > 0 and not (base_run.all_failed or var_run.all_failed)
    if comparable and spec.pass_fail:
        # The scores are 0 or 1: the lift is (c - b) / n counted on the scores themselves,
        # whatever the pass threshold.
        lift, low, high = stats.paired_proportion_ci(
            int(((x == 1) & (y == 0)).sum()), int(((x == 0) & (y == 1)).sum()), n, alpha=alpha
        )
        samples_needed = stats.paired_sample_size(b / n, c / n, alpha=alpha)
    elif comparable and n == 1:
        lift, low, high = float(y[0] - x[0]), -1.0, 1.0
    elif comparable:
        lift, low, high = stats.paired_bootstrap(x, y, n=n_boot, seed=seed, alpha=alpha)
        samples_needed = stats.samples_needed_for_scores(y - x, lift, alpha=alpha)
    decided: stats.Verdict = (
        "need_more_data"
        if lift is None or low is None or high is None
        else stats.verdict(lift, low, high, min_lift, p_value=p_value, alpha=alpha)
    )
    outcomes = _outcomes(items, base_matched, var_matched, base_scores, var_scores, paired)
    comparison = Comparison(
        metric=metric_id,
        n_paired=n,
        baseline=base_run,
        variant=var_run,
        lift=lift,
        low=low,
        high=high,
        pass_threshold=pass_threshold,
        b=b,
        c=c,
        mcnemar_p=p_value,
        latency_p50_delta_ms=_delta(var_run.latency_p50_ms, base_run.latency_p50_ms),
        cost_per_sample_delta_usd=_delta(var_run.cost_per_sample_usd, base_run.cost_per_sample_usd),
        min_lift=min_lift,
        verdict=decided,
        reasons=[],
        alpha=alpha,
        samples_needed=samples_needed,
        outcomes=outcomes,
        judge_cost_usd=judge_cost_usd,
    )
    return comparison.model_copy(update={"reasons": _reasons(comparison, len(items))})


def _delta(variant: float | None, baseline: float | None) -> float | None:
    return None if variant is None or baseline is None else variant - baseline


def _outcomes(
    items: Sequence[DatasetItem],
    base_matched: Sequence[Sample | None],
    var_matched: Sequence[Sample | None],
    base_scores: np.ndarray,
    var_scores: np.ndarray,
    paired: np.ndarray,
) -> list[ItemOutcome]:
    out: list[ItemOutcome] = []
    for i in np.flatnonzero(paired).tolist():
        bs, vs = base_matched[i], var_matched[i]
        x, y = float(base_scores[i]), float(var_scores[i])
        kind: OutcomeKind
        if bs is None or vs is None or not bs.ok or not vs.ok:
            kind = "error"
        elif y > x:
            kind = "won"
        elif y < x:
            kind = "lost"
        else:
            kind = "tie"
        out.append(ItemOutcome(item_id=items[i].id, baseline=x, variant=y, kind=kind))
    return out


def _score(value: float) -> str:
    return f"{value:.3f}"


def _points(share: float) -> str:
    """A lift in score units (0..1) as percentage points: 0.05 -> "+5.0 pp"."""
    return stats.format_points(100 * share)


def _reasons(r: Comparison, n_items: int) -> list[str]:
    """Plain sentences with the numbers that decided the verdict."""
    spec = metrics.get_metric(r.metric)
    # The convention goes with the figure, so an exported score is compared like with like.
    label = f"{spec.label} ({spec.convention})"
    out: list[str] = []
    arms = (("baseline", r.baseline), ("variant", r.variant))
    if any(run.all_failed for _, run in arms):
        out.extend(
            f"Need more data: the {name} has {no_score(run)} (nothing answered to compare); "
            "see its errors, then resume it."
            for name, run in arms
            if run.all_failed
        )
        return out
    if r.lift is None or r.low is None or r.high is None:
        out.append(
            f"Need more data: no item of the {n_items} has a sample in both runs, so there is "
            "nothing to compare yet."
        )
        return out
    x_mean = float(np.mean([o.baseline for o in r.outcomes]))
    y_mean = float(np.mean([o.variant for o in r.outcomes]))
    spec = metrics.get_metric(r.metric)
    method = (
        "Tango's score interval"
        if spec.pass_fail
        else "one item: every possible lift"
        if r.n_paired == 1
        else "paired bootstrap"
    )
    alpha = f"{r.alpha:g}"
    out.append(
        f"On {r.n_paired:,} paired items the variant scores {_score(y_mean)} on {label} "
        f"against the baseline's {_score(x_mean)}: a lift of "
        f"{stats.format_lift(100 * r.lift, 100 * r.low, 100 * r.high, r.alpha)[:-1]}, {method})."
    )
    reading = "significant" if r.mcnemar_p < r.alpha else "not significant"
    out.append(
        f"Pass/fail at {r.pass_threshold:g}: only the baseline passes {r.b:,} items, only the "
        f"variant {r.c:,}; McNemar's exact test gives p = {p_value(r.mcnemar_p)}, {reading} at "
        f"alpha {alpha}."
    )
    out.append(stats.verdict_rule(r.alpha, 100 * r.min_lift, TEST_NAME))
    minimum = _points(r.min_lift)
    if r.verdict == "ship":
        out.append(
            f"Ship: p = {p_value(r.mcnemar_p)} is below {alpha}, the interval's lower end "
            f"({_points(r.low)}) is above 0 and the lift reaches the {minimum} minimum."
        )
    elif r.verdict == "do_not_ship":
        out.append(
            f"Do not ship: even the interval's upper end ({_points(r.high)}) is below the "
            f"minimum worthwhile lift of {minimum}."
        )
    elif r.low <= 0:
        out.append(
            f"Need more data: the interval reaches down to {_points(r.low)}, so a lift above 0 "
            "is not established."
        )
    elif r.mcnemar_p >= r.alpha:
        out.append(
            f"Need more data: the interval lies above 0 but McNemar's exact p = "
            f"{p_value(r.mcnemar_p)} is not below alpha {alpha}; a lift is claimed only when "
            "both hold."
        )
    else:
        out.append(
            f"Need more data: the lift ({_points(r.lift)}) is below the minimum worthwhile "
            f"{minimum}, but the interval reaches up to {_points(r.high)}."
        )
    if r.samples_needed is not None:
        enough = "have" if r.n_paired >= r.samples_needed else "are short of"
        out.append(
            f"Detecting a lift of {_points(r.lift)} with 80% power at alpha {alpha} takes "
            f"about {r.samples_needed:,} paired items; you {enough} that with {r.n_paired:,}."
        )
    unpaired = n_items - r.n_paired
    if unpaired:
        out.append(
            f"{unpaired:,} of {n_items:,} items lack a sample in one run and are left out of "
            "the paired figures."
        )
    for name, run in (("baseline", r.baseline), ("variant", r.variant)):
        if run.errors:
            out.append(
                f"The {name} errored on {run.errors:,} of {run.n_scored:,} items "
                f"({run.error_rate:.1%}), each scored 0."
            )
    if r.latency_p50_delta_ms is not None and r.baseline.latency_p50_ms is not None:
        direction = "slower" if r.latency_p50_delta_ms > 0 else "faster"
        if r.latency_p50_delta_ms == 0:
            out.append("The median latency is the same in both runs.")
        else:
            out.append(
                f"The variant is {abs(r.latency_p50_delta_ms):,.0f} ms {direction} at the "
                f"median ({r.variant.latency_p50_ms:,.0f} ms against "
                f"{r.baseline.latency_p50_ms:,.0f} ms)."
            )
    if r.cost_per_sample_delta_usd:
        more = "more" if r.cost_per_sample_delta_usd > 0 else "less"
        out.append(f"The variant costs ${abs(r.cost_per_sample_delta_usd):.4g} {more} per sample.")
    if r.judge_cost_usd is not None:
        out.append(f"The LLM judge's grading cost ${r.judge_cost_usd:.4g}, on top of the two runs.")
    return out
