"""Compare more than two stored runs of one dataset against a chosen baseline (the Variants page
and `eval compare RUN RUN RUN ...`). Nothing is kept: the history holds two-run comparisons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.multi_compare import MultiComparison, VariantRun, compare_variants
from storage.experiments import ExperimentStore, RunInfo


@dataclass(frozen=True)
class ComparedVariants:
    """A k-way comparison with the runs it compared, in the order given (`runs[i]` is
    `comparison.variants[i]`, named "#id name": two runs may share a name)."""

    comparison: MultiComparison
    runs: list[RunInfo]


def compare_many(
    store: ExperimentStore,
    run_ids: list[int],
    metric: str,
    *,
    baseline_run_id: int | None = None,
    min_lift: float = 0.0,
    pass_threshold: float = 0.5,
    pattern: str | None = None,
    alpha: float = 0.05,
    seed: int = 0,
    n_boot: int = 10_000,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ComparedVariants:
    """Compare the runs on `metric` against `baseline_run_id` (default: the first run) on the
    items every run answered. `min_lift` is a fraction (0.02 for 2 points). Raises ValueError
    for fewer than two runs, a run named twice, a baseline not among them, runs of different
    datasets, a judged metric or when `cancelled` says so (`progress(done, total)` hears of each
    step); what StorageError store.run raises for an unknown run. Blocks (bootstraps over the
    items): call it off the GUI thread."""
    if len(set(run_ids)) != len(run_ids):
        raise ValueError("name each run once: a run compared with itself says nothing")
    if len(run_ids) < 2:
        raise ValueError("compare at least two runs")
    baseline_id = run_ids[0] if baseline_run_id is None else baseline_run_id
    if baseline_id not in run_ids:
        raise ValueError(f"the baseline run {baseline_id} is not among the runs compared")
    runs = [store.run(run_id) for run_id in run_ids]
    if len({r.dataset_id for r in runs}) > 1:
        raise ValueError("the runs answer different datasets: compare runs of one dataset")
    items = store.items(runs[0].dataset_id)
    comparison = compare_variants(
        items,
        [VariantRun(f"#{r.id} {r.name}", store.samples(r.id), r.dataset_id) for r in runs],
        metric,
        baseline=run_ids.index(baseline_id),
        min_lift=min_lift,
        pass_threshold=pass_threshold,
        pattern=pattern,
        seed=seed,
        n_boot=n_boot,
        alpha=alpha,
        progress=progress,
        cancelled=cancelled,
    )
    return ComparedVariants(comparison, runs)
