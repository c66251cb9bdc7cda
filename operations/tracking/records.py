"""What the app sends to an experiment tracker (MLflow, W&B), built from the store.

Three records, each in one neutral shape so every tracker logs the same facts: `params` (what
was chosen), `metrics` (what was measured, each name ending in its unit or scale), `tags`
(what links it: dataset, our ids, the verdict or recommendation), `tables` (named tables,
columns and rows) and `artifacts` (named text files). Nothing here imports a tracker, Qt or
SQLite; an API key never gets in: a base URL is redacted (core.llm.redact_url) and a variant
holds no key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from core.comparison import Comparison, RunMetrics, summarize_run
from core.evaluation import DatasetItem, Sample
from core.frameworks.common import recommendation_label
from core.llm import redact_url
from core.metrics import METRICS, score_outputs
from storage.experiments import ExperimentRecord, ExperimentStore, RunInfo

if TYPE_CHECKING:
    from operations.scenarios import SavedScenario

#: Every record's tag naming the app, so a team's tracker tells our runs from others'.
SOURCE_TAG = "ai-decision-frameworks"

Cell = str | int | float | bool | None
Param = str | int | float | bool


@dataclass(frozen=True)
class Table:
    """A table as trackers take it: column names and rows of plain values."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def as_columns(self) -> dict[str, list[Cell]]:
        """Column name to its values, the shape of mlflow.log_table's `data` dict."""
        return {name: [row[i] for row in self.rows] for i, name in enumerate(self.columns)}


@dataclass(frozen=True)
class Record:
    """One tracker run's content. `name` is the tracker run's name; `ref` is our own id of
    what it records ("run 3", "comparison 5", "scenario 'X' version 2")."""

    kind: ClassVar[str] = "record"

    name: str
    ref: str
    params: dict[str, Param] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    #: File name to text (Markdown, HTML, plain text).
    artifacts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord(Record):
    """A run of a variant on a dataset: its settings, each metric's mean with its 95%
    interval, latency, cost and error rate, and one table row per answered item."""

    kind: ClassVar[str] = "run"

    run_id: int = 0
    #: The content hash of the dataset version it answered: with `run_id` it finds the run
    #: again in a tracker that several databases log to.
    dataset_hash: str = ""


@dataclass(frozen=True)
class ComparisonRecord(Record):
    """A baseline-versus-variant comparison: its verdict, lift, interval, p-value and items,
    referring to both runs by our ids (a tracker logger adds its own ids when it finds them)."""

    kind: ClassVar[str] = "comparison"

    baseline: RunRecord | None = None
    variant: RunRecord | None = None
    verdict: str = ""
    #: The saved comparison's id in the history, None when it was not kept.
    experiment_id: int | None = None


@dataclass(frozen=True)
class DecisionRecord(Record):
    """A saved scenario version: its inputs (flattened) as params, its key figures as
    metrics, its recommendation as a tag and its decision record as the artifacts
    decision_record.md and decision_record.html."""

    kind: ClassVar[str] = "decision"

    recommendation: str = ""


@dataclass(frozen=True)
class Logged:
    """Where a record went: the tool ("mlflow", "wandb"), its run id there and, when the tool
    has one, where to see it (a URL, or the local folder of an offline run)."""

    tool: str
    run_id: str
    where: str = ""


# ----- runs --------------------------------------------------------------------------------


def text_hash(text: str) -> str:
    """A short, stable fingerprint of a prompt: equal hashes, equal templates."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def run_params(run: RunInfo) -> dict[str, Param]:
    """The variant as parameters; the base URL without credentials."""
    variant = run.variant
    params: dict[str, Param] = {
        "variant": variant.name,
        "model": variant.model,
        "template_hash": text_hash(variant.prompt_template),
        "system_prompt_hash": text_hash(variant.system_prompt),
        "temperature": variant.temperature,
        "max_tokens": variant.max_tokens,
        "base_url": redact_url(variant.api_base) or "",
        "run_kind": run.kind,
    }
    return params


def scored_metrics(items: Sequence[DatasetItem]) -> list[str]:
    """The metrics a run can be scored on without a judge or a pattern: a regex needs one in
    every expected answer, so it counts only when each item has one."""
    out = []
    for spec in METRICS.values():
        if spec.needs_judge:
            continue
        if spec.uses_pattern and not all(item.expected for item in items):
            continue
        out.append(spec.id)
    return out


def _summaries(
    items: Sequence[DatasetItem], samples: Sequence[Sample], metric_ids: Sequence[str]
) -> dict[str, RunMetrics]:
    out = {}
    for metric_id in metric_ids:
        try:
            out[metric_id] = summarize_run(items, samples, metric_id)
        except ValueError:  # an expected answer that is not a valid regex: no such figure
            continue
    return out


def run_metrics(summaries: Mapping[str, RunMetrics]) -> dict[str, float]:
    """Each metric's mean and 95% interval (0..1), then latency (ms), cost (USD) and error
    rate (0..1) once; a figure nothing was measured for is left out, not logged as 0."""
    metrics: dict[str, float] = {}
    for metric_id, summary in summaries.items():
        for suffix, value in (
            ("mean", summary.mean),
            ("low", summary.low),
            ("high", summary.high),
        ):
            if value is not None:
                metrics[f"{metric_id}_{suffix}"] = value
    first = next(iter(summaries.values()), None)
    if first is not None:
        for name, value in (
            ("latency_p50_ms", first.latency_p50_ms),
            ("latency_p95_ms", first.latency_p95_ms),
            ("cost_usd", first.total_cost_usd),
            ("cost_per_sample_usd", first.cost_per_sample_usd),
            ("error_rate", first.error_rate),
            ("items_scored", float(first.n_scored)),
            ("items_missing", float(first.missing)),
        ):
            if value is not None:
                metrics[name] = float(value)
    return metrics


def items_table(
    items: Sequence[DatasetItem], samples: Sequence[Sample], metric_ids: Sequence[str]
) -> Table:
    """One row per item with a sample (the latest, as scoring takes it), in dataset order:
    input, expected, output or error, each metric's score, latency, tokens, cost."""
    latest = {s.item_id: s for s in samples}
    answered = [(item, latest[item.id]) for item in items if item.id in latest]
    scores: dict[str, list[float]] = {}
    for metric_id in metric_ids:
        try:
            scores[metric_id] = score_outputs(
                metric_id,
                [s.output if s.ok else None for _, s in answered],
                [item.expected for item, _ in answered],
            )
        except ValueError:
            continue
    columns = (
        "item_id",
        "input",
        "expected",
        "output",
        "error",
        *scores,
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "cached",
    )
    rows: list[tuple[Cell, ...]] = []
    for index, (item, sample) in enumerate(answered):
        cells: list[Cell] = [item.id, item.input, item.expected, sample.output, sample.error or ""]
        cells += [scores[m][index] for m in scores]
        cells += [
            sample.latency_ms,
            sample.input_tokens,
            sample.output_tokens,
            sample.cost_usd,
            sample.cached,
        ]
        rows.append(tuple(cells))
    return Table(columns, tuple(rows))


def run_record(store: ExperimentStore, run_id: int) -> RunRecord:
    """Run `run_id` as a tracker record. Raises StorageError for a run that is not stored."""
    run = store.run(run_id)
    dataset = store.dataset(run.dataset_id)
    items = store.items(dataset.id)
    samples = store.samples(run.id)
    metric_ids = scored_metrics(items)
    summaries = _summaries(items, samples, metric_ids)
    return RunRecord(
        name=run.name,
        ref=f"run {run.id}",
        params=run_params(run),
        metrics=run_metrics(summaries),
        tags={
            "source": SOURCE_TAG,
            "record": RunRecord.kind,
            "run_id": str(run.id),
            "run_status": run.status,
            "dataset": dataset.name,
            "dataset_version": str(dataset.version),
            "dataset_hash": dataset.content_hash,
        },
        tables={"items": items_table(items, samples, list(summaries))},
        run_id=run.id,
        dataset_hash=dataset.content_hash,
    )


# ----- comparisons -------------------------------------------------------------------------


def comparison_record(
    store: ExperimentStore,
    baseline_run_id: int,
    variant_run_id: int,
    comparison: Comparison,
    experiment_id: int | None = None,
) -> ComparisonRecord:
    """A comparison of two stored runs (core.comparison.compare_runs, or
    operations.experiments.compare_and_record's) as a tracker record."""
    baseline, variant = store.run(baseline_run_id), store.run(variant_run_id)
    dataset = store.dataset(baseline.dataset_id)
    c = comparison
    metrics: dict[str, float] = {}
    for name, value in (
        ("lift", c.lift),
        ("lift_low", c.low),
        ("lift_high", c.high),
        ("p_value", c.mcnemar_p),
        ("items_paired", c.n_paired),
        ("only_baseline_passes", c.b),
        ("only_variant_passes", c.c),
        ("baseline_mean", c.baseline.mean),
        ("variant_mean", c.variant.mean),
        ("latency_p50_delta_ms", c.latency_p50_delta_ms),
        ("cost_per_sample_delta_usd", c.cost_per_sample_delta_usd),
        ("judge_cost_usd", c.judge_cost_usd),
        ("samples_needed", c.samples_needed),
    ):
        if value is not None:
            metrics[name] = float(value)
    ref = f"comparison {experiment_id}" if experiment_id is not None else "comparison"
    tags = {
        "source": SOURCE_TAG,
        "record": ComparisonRecord.kind,
        "verdict": c.verdict,
        "baseline_run_id": str(baseline.id),
        "variant_run_id": str(variant.id),
        "dataset": dataset.name,
        "dataset_version": str(dataset.version),
        "dataset_hash": dataset.content_hash,
    }
    if experiment_id is not None:
        tags["comparison_id"] = str(experiment_id)
    outcomes = Table(
        ("item_id", "baseline_score", "variant_score", "outcome"),
        tuple((o.item_id, o.baseline, o.variant, o.kind) for o in c.outcomes),
    )
    return ComparisonRecord(
        name=f"{variant.name} vs {baseline.name}",
        ref=ref,
        params={
            "metric": c.metric,
            "min_lift": c.min_lift,
            "alpha": c.alpha,
            "pass_threshold": c.pass_threshold,
            "baseline_model": baseline.variant.model,
            "variant_model": variant.variant.model,
        },
        metrics=metrics,
        tags=tags,
        tables={"outcomes": outcomes},
        artifacts={"verdict.txt": f"Verdict: {c.verdict}\n\n" + "\n".join(c.reasons) + "\n"},
        baseline=_run_ref(baseline, dataset.content_hash),
        variant=_run_ref(variant, dataset.content_hash),
        verdict=c.verdict,
        experiment_id=experiment_id,
    )


def saved_comparison(
    store: ExperimentStore, baseline_run_id: int, variant_run_id: int, metric: str
) -> ExperimentRecord | None:
    """The newest comparison of these two runs on `metric` kept in the history, if any."""
    dataset_id = store.run(baseline_run_id).dataset_id
    kept = [
        e
        for e in store.experiments(dataset_id)
        if (e.baseline_run_id, e.variant_run_id, e.metric)
        == (baseline_run_id, variant_run_id, metric)
    ]
    return kept[-1] if kept else None


def record_of_saved(store: ExperimentStore, saved: ExperimentRecord) -> ComparisonRecord:
    """A comparison kept in the history as a tracker record, with the figures it was saved
    with (nothing is recomputed or judged again)."""
    comparison = Comparison.model_validate(saved.comparison)
    return comparison_record(
        store, saved.baseline_run_id, saved.variant_run_id, comparison, saved.id
    )


def _run_ref(run: RunInfo, dataset_hash: str) -> RunRecord:
    """A run named only by its ids: what a comparison needs to find it in a tracker."""
    return RunRecord(name=run.name, ref=f"run {run.id}", run_id=run.id, dataset_hash=dataset_hash)


# ----- decisions ---------------------------------------------------------------------------


def flatten(value: Any, prefix: str = "") -> dict[str, Param]:
    """Nested inputs as dotted keys: {"tasks": [{"name": "a"}]} becomes {"tasks.0.name": "a"};
    None becomes "" and an empty list or mapping "[]" or "{}", so every input shows."""
    if isinstance(value, Mapping):
        if not value and prefix:
            return {prefix: "{}"}
        out: dict[str, Param] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list | tuple):
        if not value:
            return {prefix: "[]"}
        out = {}
        for index, inner in enumerate(value):
            out.update(flatten(inner, f"{prefix}.{index}" if prefix else str(index)))
        return out
    if value is None:
        return {prefix: ""}
    if isinstance(value, str | int | float | bool):
        return {prefix: value}
    return {prefix: str(value)}


def decision_record(saved: SavedScenario) -> DecisionRecord:
    """A saved scenario version as a tracker record, its figures recomputed from the
    evidence it was saved with (as the window and `report` show it). The HTML record has no
    plots: drawing them needs Qt, which this layer never imports."""
    from core.report import render_html, render_markdown
    from operations.scenarios import saved_summary_meta

    result = saved.view.result
    meta = saved_summary_meta(saved)
    version = saved.version.version
    metrics: dict[str, float] = {}
    for fig in result.figures:
        if fig.value is not None:
            metrics[f"{fig.key}_{fig.unit}"] = float(fig.value)
    figures = Table(
        ("key", "label", "value", "unit"),
        tuple((f.key, f.label, f.value, f.unit) for f in result.figures),
    )
    name = saved.scenario.name
    return DecisionRecord(
        name=f"{name} v{version}",
        ref=f"scenario '{name}' version {version}",
        params=flatten(saved.inputs.model_dump(mode="json")),
        metrics=metrics,
        tags={
            "source": SOURCE_TAG,
            "record": DecisionRecord.kind,
            "scenario": name,
            "scenario_version": str(version),
            "framework": saved.framework.ID,
            "recommendation": result.recommendation,
            "recommendation_label": recommendation_label(result.recommendation),
            "headline": result.headline,
        },
        tables={"key_figures": figures},
        artifacts={
            "decision_record.md": render_markdown(saved.framework, saved.inputs, result, meta),
            "decision_record.html": render_html(saved.framework, saved.inputs, result, meta),
        },
        recommendation=result.recommendation,
    )
