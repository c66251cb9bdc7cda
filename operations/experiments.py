"""Experiments on stored runs: compare two runs and keep the comparison, push what the variant
measured into the catalog, import logged outputs as a run, export a run's samples."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.catalog import LatencyProfile, QualityScore
from core.comparison import Comparison, compare_runs, no_score
from core.csv_export import samples_csv
from core.datasets import parse_logged_outputs, read_file
from core.evaluation import DatasetItem, RunProgress, Sample, Variant
from core.files import write_atomic
from core.measured import latency_profile, quality_score
from core.metrics import METRICS
from core.tool_outputs import FieldPaths, detect_outputs_format, parse_tool_outputs
from operations.deepeval_metrics import grade_deepeval, is_deepeval_metric
from operations.judge import JudgeSpec, judge_runs
from operations.runs import CatalogLoader
from storage import CatalogStore
from storage.experiments import ExperimentRecord, ExperimentStore, RunInfo


@dataclass(frozen=True)
class ComparedRuns:
    """A comparison as kept in the history (`record_id`), with what it was computed from."""

    comparison: Comparison
    record_id: int
    baseline: RunInfo
    variant: RunInfo
    items: list[DatasetItem]
    baseline_samples: list[Sample]
    variant_samples: list[Sample]


def compare_and_record(
    store: ExperimentStore,
    baseline_run_id: int,
    variant_run_id: int,
    metric: str,
    *,
    min_lift: float = 0.0,
    pass_threshold: float = 0.5,
    pattern: str | None = None,
    alpha: float = 0.05,
    judge: JudgeSpec | None = None,
    catalog: CatalogLoader = lambda: None,
    dataset_label: str | None = None,
    judge_progress: Callable[[str, RunProgress], None] | None = None,
    criterion: str | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ComparedRuns:
    """Compare the variant run with the baseline run on `metric` (a judged metric has `judge`
    grade both runs first) and save the comparison in the history, named "variant vs
    baseline" (and "on DATASET" when `dataset_label` is given). `judge_progress` hears which
    arm ("baseline" or "variant") the judge is grading. `min_lift` is a fraction (0.02 for
    2 points). A DeepEval metric is graded by DeepEval's metric with the judge model
    (`criterion`: G-Eval's); `cancelled` stops its grading. Raises ValueError when the two
    runs answer different datasets or the metric cannot be computed. Blocks: call it off the
    GUI thread."""
    baseline, variant = store.run(baseline_run_id), store.run(variant_run_id)
    if baseline.dataset_id != variant.dataset_id:
        raise ValueError("the two runs answer different datasets: compare runs of one dataset")
    items = store.items(baseline.dataset_id)
    base_samples, var_samples = store.samples(baseline.id), store.samples(variant.id)
    grades = cost = None
    if METRICS[metric].needs_judge:
        if judge is None:
            raise ValueError(f"the metric {metric} needs a judge model to grade the outputs")
        arms = ("baseline", "variant")
        tagged = None if judge_progress is None else lambda index, p: judge_progress(arms[index], p)
        if is_deepeval_metric(metric):
            graded = grade_deepeval(
                store,
                judge,
                metric,
                items,
                [base_samples, var_samples],
                catalog,
                criterion=criterion,
                progress=tagged,
                cancelled=cancelled,
            )
        else:
            graded = judge_runs(
                store, judge, items, [base_samples, var_samples], catalog, progress=tagged
            )
        if cancelled is not None and cancelled():
            raise ValueError("Cancelled while the judge was grading: nothing was recorded.")
        grades = (graded[0].scores, graded[1].scores)
        cost = graded[0].cost_usd + graded[1].cost_usd
    comparison = compare_runs(
        items,
        base_samples,
        var_samples,
        metric,
        min_lift=min_lift,
        pass_threshold=pass_threshold,
        pattern=pattern,
        grades=grades,
        judge_cost_usd=cost,
        alpha=alpha,
    )
    name = f"{variant.name} vs {baseline.name}"
    if dataset_label:
        name += f" on {dataset_label}"
    record_id = store.save_experiment(
        ExperimentRecord.from_comparison(
            comparison,
            name=name,
            dataset_id=baseline.dataset_id,
            baseline_run_id=baseline.id,
            variant_run_id=variant.id,
        )
    )
    return ComparedRuns(comparison, record_id, baseline, variant, items, base_samples, var_samples)


@dataclass(frozen=True)
class Measured:
    """What a push stored for a model: its quality score and, when the run timed enough
    answers, its latency profile."""

    quality: QualityScore
    latency: LatencyProfile | None


def push_to_catalog(
    store: ExperimentStore,
    db_path: Path,
    comparison: Comparison,
    run: RunInfo,
    dataset_label: str,
) -> Measured:
    """Store the variant run's measured quality (its mean on the comparison's metric, naming
    the dataset and metric) and latency profile for its model in the user's catalog data
    (source: measured), where the other frameworks read them. Raises ValueError when the
    variant has no score (nothing scored, or every item failed): there is nothing to push."""
    if comparison.variant.mean is None:
        why = no_score(comparison.variant) or "no score"
        raise ValueError(f"Nothing to push: the variant has {why}.")
    quality = quality_score(
        comparison.variant.mean,
        dataset_label,
        METRICS[comparison.metric].label,
        comparison.n_paired,
    )
    latency = latency_profile(store.samples(run.id))
    with CatalogStore(db_path) as catalog:
        catalog.set_quality(run.variant.model, quality)
        if latency is not None:
            catalog.set_latency(run.variant.model, latency)
    return Measured(quality, latency)


@dataclass(frozen=True)
class ImportedOutputs:
    """Logged outputs stored as a run (`run_id`), or nothing stored (`run_id` None) and the
    file's `problems`, one line each. `missing`: the dataset's items the file has no output
    for. `errors`: imported outputs that are a logged failure, not an answer. `fmt`: the
    format the file was read as (detected when "auto" was asked)."""

    run_id: int | None
    imported: int = 0
    missing: int = 0
    problems: tuple[str, ...] = ()
    fmt: str = "jsonl"
    errors: int = 0


def import_outputs(
    store: ExperimentStore,
    dataset_id: int,
    path: Path,
    name: str,
    *,
    fmt: str = "auto",
    paths: FieldPaths | None = None,
    select: str | None = None,
) -> ImportedOutputs:
    """Check every row of a logged-outputs file against the dataset's items, then store the
    outputs as an imported run named `name`: all of them, or none when a row has a problem.

    `fmt`: one of core.tool_outputs.OUTPUTS_FORMATS ("auto" tells it from the content; "jsonl"
    is the app's own id/output lines). `paths`: dotted paths to the id, input and output
    fields, overriding the format's. `select`: the provider of a promptfoo file holding
    several. Raises what reading the file raises (OSError, DatasetError) and ValidationError
    for a name a run cannot have."""
    items = store.items(dataset_id)
    data = read_file(path)
    if fmt == "auto":
        fmt = detect_outputs_format(data, file_name=path.name)
    if fmt == "jsonl" and not (paths and paths.given):
        parsed = parse_logged_outputs(data, [i.id for i in items], file_name=path.name)
    else:
        parsed = parse_tool_outputs(data, items, fmt, paths, file_name=path.name, select=select)
    if not parsed.ok:
        return ImportedOutputs(None, problems=tuple(str(p) for p in parsed.problems), fmt=fmt)
    variant = Variant(name=name, model=name)
    run_id = store.import_run(dataset_id, variant, parsed.samples, name=name)
    errors = sum(not s.ok for s in parsed.samples)
    return ImportedOutputs(
        run_id, len(parsed.samples), len(parsed.missing_ids), fmt=fmt, errors=errors
    )


def export_run_csv(store: ExperimentStore, run_id: int, path: Path) -> int:
    """Write the run's samples beside their items as CSV; returns how many samples. UTF-8
    with a byte-order mark, so spreadsheet programs read the file as UTF-8."""
    run = store.run(run_id)
    samples = store.samples(run.id)
    text = samples_csv(store.items(run.dataset_id), samples)
    write_atomic(path, text.encode("utf-8-sig"))
    return len(samples)
