"""The LLM judge: grade the answers of runs through the runner, priced and cached like a run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from core.evaluation import DatasetItem, RunProgress, RunSettings, Sample
from core.judge import Grades, grade, judge_variant
from operations.runs import CatalogLoader, catalog_prices, client_for
from storage.experiments import ExperimentStore


@dataclass(frozen=True)
class JudgeSpec:
    """Which model grades (and where it is served), with the limits and key its calls use."""

    model: str
    api_base: str | None = None
    settings: RunSettings = field(default_factory=RunSettings)
    api_key: str | None = None


def judge_runs(
    store: ExperimentStore,
    judge: JudgeSpec,
    items: Sequence[DatasetItem],
    runs: Sequence[Sequence[Sample]],
    catalog: CatalogLoader,
    *,
    progress: Callable[[int, RunProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[Grades]:
    """The judge's grades of each run's samples, in order. `progress` hears which run (its
    index in `runs`) is being graded. The store's response cache answers a grading already
    made when the settings use the cache. Blocks: call it off the GUI thread."""
    if not judge.model.strip():
        raise ValueError("name the judge model that grades the outputs")
    variant = judge_variant(judge.model.strip(), (judge.api_base or "").strip() or None)
    settings = judge.settings
    prices = catalog_prices(variant, catalog)
    client = client_for(variant, settings, prices, judge.api_key)
    graded: list[Grades] = []
    for index, samples in enumerate(runs):
        graded.append(
            grade(
                client,
                settings,
                variant,
                items,
                samples,
                cache=store.cache if settings.use_cache else None,
                progress=None if progress is None else _tagged(progress, index),
                cancelled=cancelled,
                prices=prices,
            )
        )
    return graded


def _tagged(
    progress: Callable[[int, RunProgress], None], index: int
) -> Callable[[RunProgress], None]:
    return lambda p: progress(index, p)
