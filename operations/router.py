"""A router measured on two stored runs, and what it implies for Architecture Patterns.

`measure_router` loads a cheap and a strong run of one dataset and builds core.router's curve;
`architecture_values` turns the curve at a chosen threshold into input changes for the
Architecture Patterns framework (which field gets what is listed there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core import metrics, stats
from core.catalog import Catalog
from core.evaluation import Sample
from core.frameworks import architecture_patterns as ap
from core.router import (
    RouterCurve,
    ThresholdRow,
    build_curve,
    length_unit,
    paired_items,
)
from core.routing_rules import RULE_LABELS, Rule
from storage.experiments import ExperimentRecord, ExperimentStore, RunInfo

#: The fastest output speed Architecture Patterns accepts (tokens/s): a run whose latency does
#: not grow with its answers' length gets it, so its latency is its time to first token.
FASTEST = 1_000_000.0


@dataclass(frozen=True)
class MeasuredRouter:
    """The curve of `rule` on the paired items of the two runs. `unpaired`: dataset items
    without an answer in both runs (left out); `judge_source`: the kept comparison whose
    judge scores the judge rule (or a judged metric) read."""

    cheap: RunInfo
    strong: RunInfo
    metric: str
    rule: Rule
    rule_pattern: str | None
    curve: RouterCurve
    unpaired: int
    unit: str
    judge_source: str | None
    cheap_samples: list[Sample]
    strong_samples: list[Sample]


def judge_scores(
    records: Sequence[ExperimentRecord], run_id: int, metric: str | None = None
) -> tuple[dict[str, float], ExperimentRecord] | None:
    """A judge's score of each item of a run, from the newest kept comparison that graded it
    (with `metric`, or any judged metric when None): the judge's grades live in the history's
    per-item outcomes, not beside the samples. None when no such comparison is kept."""
    for record in reversed(records):
        spec = metrics.METRICS.get(record.metric)
        if spec is None or not spec.needs_judge or (metric is not None and record.metric != metric):
            continue
        arm = (
            "baseline"
            if record.baseline_run_id == run_id
            else "variant"
            if record.variant_run_id == run_id
            else None
        )
        if arm is None:
            continue
        outcomes = record.comparison.get("outcomes", [])
        return {o["item_id"]: float(o[arm]) for o in outcomes}, record
    return None


def _record_name(record: ExperimentRecord) -> str:
    return f"comparison #{record.id} '{record.name}' ({record.metric})"


def measure_router(
    store: ExperimentStore,
    cheap_run_id: int,
    strong_run_id: int,
    metric: str,
    rule: Rule,
    *,
    pattern: str | None = None,
    rule_pattern: str | None = None,
    seed: int = 0,
    n_boot: int = 2000,
    alpha: float = 0.05,
) -> MeasuredRouter:
    """The router curve of `rule` on two runs of one dataset, quality on `metric` (`pattern`:
    the regex metric's; `rule_pattern`: the regex rule's). A judged metric, and the judge rule,
    read the judge's scores kept by a judged comparison of the runs (Compare page or
    `eval compare`). Raises ValueError with what to do when the runs answer different datasets
    or items, or scores are missing. Blocks: call it off the GUI thread."""
    if cheap_run_id == strong_run_id:
        raise ValueError("Choose two different runs: the cheap model's and the strong model's.")
    spec = metrics.get_metric(metric)
    cheap, strong = store.run(cheap_run_id), store.run(strong_run_id)
    if cheap.dataset_id != strong.dataset_id:
        raise ValueError(
            f"The cheap run '{cheap.name}' answers dataset #{cheap.dataset_id} and the strong "
            f"run '{strong.name}' dataset #{strong.dataset_id}: a router is measured on two "
            "runs of the same dataset (the same items)."
        )
    items = store.items(cheap.dataset_id)
    cheap_samples, strong_samples = store.samples(cheap.id), store.samples(strong.id)
    records = store.experiments(cheap.dataset_id)
    sources: list[str] = []
    grades = None
    if spec.needs_judge:
        cheap_graded = judge_scores(records, cheap.id, metric)
        strong_graded = judge_scores(records, strong.id, metric)
        if cheap_graded is None or strong_graded is None:
            missing = [
                repr(run.name)
                for run, graded in ((cheap, cheap_graded), (strong, strong_graded))
                if graded is None
            ]
            raise ValueError(
                f"{spec.label} is graded by a judge, and no kept comparison graded "
                f"{' and '.join(missing)} with it: compare the runs with that metric first "
                "(Compare page or eval compare), then measure the router."
            )
        grades = (cheap_graded[0], strong_graded[0])
        sources.extend(_record_name(g[1]) for g in (cheap_graded, strong_graded))
    judged = None
    if rule == "judge":
        cheap_judged = judge_scores(records, cheap.id)
        if cheap_judged is None:
            raise ValueError(
                f"The judge rule reads a judge's scores of the cheap run '{cheap.name}', and "
                "no kept comparison graded it with a judged metric: compare it with the LLM "
                "judge first (Compare page or eval compare --metric llm_judge)."
            )
        judged = cheap_judged[0]
        sources.append(_record_name(cheap_judged[1]))
    routed = paired_items(
        items,
        cheap_samples,
        strong_samples,
        metric,
        rule,
        pattern=pattern,
        rule_pattern=rule_pattern,
        grades=grades,
        judge_scores=judged,
    )
    curve = build_curve(routed, rule, n_boot=n_boot, seed=seed, alpha=alpha)
    latest = {s.item_id: s for s in cheap_samples}
    return MeasuredRouter(
        cheap=cheap,
        strong=strong,
        metric=metric,
        rule=rule,
        rule_pattern=rule_pattern,
        curve=curve,
        unpaired=len(items) - len(routed.item_ids),
        unit=length_unit(rule, [s.output_tokens for s in latest.values()]),
        judge_source="; ".join(dict.fromkeys(sources)) or None,
        cheap_samples=cheap_samples,
        strong_samples=strong_samples,
    )


def describe(measured: MeasuredRouter) -> str:
    """One line naming the two runs, the rule and how many items the curve stands on."""
    c = measured.curve
    text = (
        f"Cheap '{measured.cheap.name}' ({measured.cheap.variant.model}) vs strong "
        f"'{measured.strong.name}' ({measured.strong.variant.model}), "
        f"{metrics.get_metric(measured.metric).label} on {c.n_items:,} paired items; rule: "
        f"{RULE_LABELS[measured.rule]}"
    )
    if measured.rule_pattern:
        text += f" {measured.rule_pattern!r}"
    text += f"; cheap replies without a signal (they always escalate): {c.no_signal:,}."
    if measured.unpaired:
        text += f" {measured.unpaired:,} items lack an answer in one run and are left out."
    return text


def _fit_profile(model: str, samples: Sequence[Sample], quality: float) -> ap.ModelProfile:
    """A profile for a model the framework has no row for, measured from its run.

    Prices: least squares of each answer's cost (paid or cached) on its input and output
    tokens; when that is not possible or gives a negative price, one price per token for both
    (total cost / total tokens). Latency: least squares of each fresh answer's latency on its
    output tokens (intercept: time to first token; slope: 1 / speed); when the slope is not
    positive, the median latency as the time to first token at the fastest speed allowed.
    """
    answered = [s for s in samples if s.ok]
    tokens = np.array([[s.input_tokens, s.output_tokens] for s in answered], dtype=float)
    cost = np.array([s.cost_usd + s.cached_cost_usd for s in answered], dtype=float)
    prices: tuple[float, float] | None = None
    if len(answered) >= 2 and np.linalg.matrix_rank(tokens) == 2:
        fit = np.linalg.lstsq(tokens, cost, rcond=None)[0]
        if (fit >= 0).all():
            prices = (float(fit[0]), float(fit[1]))
    if prices is None:
        total = float(tokens.sum()) if answered else 0.0
        blended = float(cost.sum()) / total if total > 0 else 0.0
        prices = (blended, blended)
    fresh = [s for s in answered if not s.cached]
    ttft, speed = 0.0, FASTEST
    if fresh:
        out = np.array([s.output_tokens for s in fresh], dtype=float)
        latency = np.array([s.latency_ms for s in fresh], dtype=float)
        ttft = stats.percentile(latency, 50)
        if len(fresh) >= 2 and np.ptp(out) > 0:
            slope, intercept = np.polyfit(out, latency, 1)
            if slope > 0 and intercept >= 0:
                ttft, speed = float(intercept), min(FASTEST, 1000.0 / float(slope))
    per_million = ap.PER_MILLION
    return ap.ModelProfile(
        model=model,
        input_usd_per_million_tokens=min(prices[0] * per_million, 1_000_000),
        output_usd_per_million_tokens=min(prices[1] * per_million, 1_000_000),
        quality=quality,
        ttft_ms=min(ttft, 600_000),
        output_tokens_per_second=max(speed, ap.MIN_TOKENS_PER_SECOND),
    )


@dataclass(frozen=True)
class ArchitectureValues:
    """Input changes for Architecture Patterns (`values`, merged into its inputs) and one
    sentence per field saying what it got and why (`notes`)."""

    values: dict[str, Any]
    notes: list[str]


def architecture_values(
    measured: MeasuredRouter,
    row: ThresholdRow,
    current: ap.Inputs,
    catalog: Catalog | None = None,
) -> ArchitectureValues:
    """What the measured router at `row` implies for Architecture Patterns:

    - hierarchical: `cheap_model` and `strong_model` = the two runs' models;
      `escalate_per_task_type` off and `escalation_pct` = 100 x (1 - share kept on the cheap
      model at the threshold);
    - modular (and monolithic): the measured models take the roles of the ones they replace:
      each task type routed to the previous cheap model (`task_mix[].model`) goes to the cheap
      run's model, each routed to the previous strong model to the strong run's; the same for
      `fallback_model` and `monolith_model`. `classifier_accuracy` is left alone: the modular
      classifier routes by task type, which the two runs do not measure (the note gives the
      share of items the rule routed as the oracle would, for comparison);
    - all: `model_profiles` rows of the two models get `quality` = each run's mean score on
      the metric over the paired items; a model without a row gets one with prices and latency
      fitted from its run (see _fit_profile). The catalog's quality score replaces an entered
      quality when the catalog has one: a note says so, with the measured value to push.
    """
    c = measured.curve
    cheap_model, strong_model = measured.cheap.variant.model, measured.strong.variant.model
    if cheap_model == strong_model:
        raise ValueError(
            f"Both runs used the model '{cheap_model}': the patterns need the cheap and the "
            "strong model to be two models."
        )
    qualities = {cheap_model: c.cheap_mean, strong_model: c.strong_mean}
    samples = {cheap_model: measured.cheap_samples, strong_model: measured.strong_samples}
    profiles = [p.model_copy() for p in current.model_profiles]
    notes: list[str] = []
    label = metrics.get_metric(measured.metric).label
    for model, quality in qualities.items():
        rounded = round(quality, 4)
        existing = next((i for i, p in enumerate(profiles) if p.model == model), None)
        if existing is None:
            profiles.append(_fit_profile(model, samples[model], rounded))
            notes.append(
                f"Model profiles: a row for '{model}' with quality {rounded:.3f} ({label} "
                "mean) and prices and latency fitted from its run."
            )
        else:
            profiles[existing] = profiles[existing].model_copy(update={"quality": rounded})
            notes.append(f"Model profiles: '{model}' quality {rounded:.3f} ({label} mean).")
        if catalog is not None and model in catalog:
            score = catalog.get(model).quality
            if score is not None:
                notes.append(
                    f"The catalog's quality score for '{model}' ({score.score:.3f}) replaces "
                    "the profile's in the patterns: push the measured score to the catalog "
                    "(Compare page) to use it instead."
                )
    escalated = round(100 * (1 - row.share_cheap), 1)
    roles = {current.cheap_model: cheap_model, current.strong_model: strong_model}
    if current.cheap_model == current.strong_model:
        roles = {current.strong_model: strong_model}
    mix = [t.model_copy(update={"model": roles.get(t.model, t.model)}) for t in current.task_mix]
    moved = [t.name for t, before in zip(mix, current.task_mix, strict=True) if t != before]
    notes.append(
        f"Hierarchical: cheap model '{cheap_model}', strong model '{strong_model}', "
        f"{escalated:g}% of requests escalated overall (the rule keeps "
        f"{100 * row.share_cheap:.1f}% on the cheap model at this threshold)."
    )
    notes.append(
        f"Modular: {', '.join(moved) if moved else 'no task type'} routed to the measured "
        f"models in place of {' and '.join(repr(m) for m in roles)}; fallback "
        f"'{roles.get(current.fallback_model, current.fallback_model)}'. The classifier's "
        f"accuracy is yours to enter (the rule routed {_pct(row.agreement)} of items as the "
        "oracle would)."
    )
    values: dict[str, Any] = {
        "model_profiles": [p.model_dump() for p in profiles],
        "task_mix": [t.model_dump() for t in mix],
        "monolith_model": roles.get(current.monolith_model, current.monolith_model),
        "fallback_model": roles.get(current.fallback_model, current.fallback_model),
        "cheap_model": cheap_model,
        "strong_model": strong_model,
        "escalate_per_task_type": False,
        "escalation_pct": escalated,
    }
    return ArchitectureValues(values, notes)


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def threshold_text(measured: MeasuredRouter, row: ThresholdRow) -> str:
    """A threshold as its table shows it: what the rule keeps on the cheap model."""
    if row.threshold is None:
        return "escalate all"
    if measured.rule == "regex":
        return "match" if row.threshold >= 1 else "any reply"
    sign = ">=" if measured.curve.keep_above else "<="
    value = f"{row.threshold:,.0f}" if measured.rule == "length" else f"{row.threshold:.3g}"
    return f"{sign} {value} {measured.unit}".strip()
