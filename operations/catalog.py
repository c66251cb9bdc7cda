"""Catalog operations: the catalog with the user's data on top, quality scores imported from
a CSV file, and the shipped example scores.

The Models tab (through its queue of edits) and the command line (`cli/catalog.py`) call these.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from core.catalog import Catalog, ImportReport, QualityScore, load_catalog
from storage import CatalogStore


def user_catalog(db_path: Path, public: Catalog | None = None) -> Catalog:
    """The public price map (`public`, else the bundled one) with the user's scores,
    overrides and custom models of the database at `db_path` on top. A database that does not
    exist yet is not created just to read it: the public map alone.

    CatalogError when the price map cannot be read, StorageError when the database cannot."""
    base = public if public is not None else load_catalog()
    if not Path(db_path).exists():
        return base
    with CatalogStore(Path(db_path)) as store:
        return store.apply(base)


@dataclass(frozen=True)
class ScoreChange:
    """One model's quality score before an import (None: it had none) and after it."""

    model_id: str
    before: QualityScore | None
    after: QualityScore


@dataclass(frozen=True)
class ScoreImport:
    """The scores a CSV file holds, read and checked, nothing written yet."""

    path: Path
    scores: dict[str, QualityScore]
    report: ImportReport
    changes: list[ScoreChange]


def read_scores(
    store: CatalogStore, path: Path, known_ids: Collection[str], source: str | None = None
) -> ScoreImport:
    """Read `model,score[,benchmark]` rows (bad ones skipped, each in the report); `source`
    names where the scores come from and prefixes each row's benchmark. StorageError for a
    file that cannot be read, is binary or empty, or has no header."""
    path = Path(path)
    scores, report = store.read_quality_csv(path, known_ids)
    if source:
        scores = {
            mid: q.model_copy(
                update={"benchmark": f"{source}: {q.benchmark}" if q.benchmark else source}
            )
            for mid, q in scores.items()
        }
    current = store.user_data().quality if scores else {}
    changes = [ScoreChange(mid, current.get(mid), q) for mid, q in scores.items()]
    return ScoreImport(path, scores, report, changes)


def apply_scores(store: CatalogStore, plan: ScoreImport) -> ImportReport:
    """Save the scores `read_scores` found, in one transaction (all or none)."""
    store.set_qualities(plan.scores, f"import quality scores from {plan.path}")
    return plan.report


def import_scores(
    store: CatalogStore, path: Path, known_ids: Collection[str], source: str | None = None
) -> ImportReport:
    """Read and save at once (the Models tab shows the report afterwards)."""
    return apply_scores(store, read_scores(store, path, known_ids, source))


def load_example_scores(store: CatalogStore, known_ids: Collection[str]) -> ImportReport:
    """The shipped example quality scores and latencies, for models without the user's own;
    `report.imported` counts the models that received anything."""
    return store.load_examples(known_ids)
