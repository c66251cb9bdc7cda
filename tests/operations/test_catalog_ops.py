"""Catalog operations on a temporary database: the user's catalog, quality scores from CSV
(read, then applied), the example scores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.catalog import Catalog, ModelInfo, QualityScore
from operations import catalog as ops
from storage import CatalogStore, StorageError

PUBLIC = Catalog(
    [
        ModelInfo(
            id="gpt-small",
            provider="openai",
            input_cost_per_token=1e-7,
            output_cost_per_token=4e-7,
        ),
        ModelInfo(
            id="claude-mid",
            provider="anthropic",
            input_cost_per_token=3e-6,
            output_cost_per_token=1.5e-5,
        ),
    ],
    source="test map",
)
KNOWN = {m.id for m in PUBLIC}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "aidf.sqlite3"


@pytest.fixture
def store(db: Path) -> Iterator[CatalogStore]:
    with CatalogStore(db) as opened:
        yield opened


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scores.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_catalog_without_a_database_is_the_public_map_and_creates_nothing(db: Path):
    assert ops.user_catalog(db, PUBLIC) is PUBLIC
    assert not db.exists()


def test_user_catalog_puts_the_users_scores_on_top(store: CatalogStore, db: Path):
    store.set_quality(
        "gpt-small", QualityScore(score=0.7, source="entered", date=dt.date(2026, 12, 1))
    )
    merged = ops.user_catalog(db, PUBLIC)
    quality = next(m for m in merged if m.id == "gpt-small").quality
    assert quality is not None and quality.score == 0.7


def test_read_scores_writes_nothing_and_shows_each_change(store: CatalogStore, tmp_path: Path):
    store.set_quality(
        "gpt-small", QualityScore(score=0.5, source="entered", date=dt.date(2026, 12, 1))
    )
    path = _csv(tmp_path, "model,score,benchmark\ngpt-small,0.8,MMLU\nclaude-mid,0.6,\nnope,1,\n")
    plan = ops.read_scores(store, path, KNOWN, source="HELM")
    assert sorted(plan.scores) == ["claude-mid", "gpt-small"]
    # The source names where they come from, before the row's own benchmark.
    assert plan.scores["gpt-small"].benchmark == "HELM: MMLU"
    assert plan.scores["claude-mid"].benchmark == "HELM"
    changes = {c.model_id: c for c in plan.changes}
    before = changes["gpt-small"].before
    assert before is not None and before.score == 0.5
    assert changes["claude-mid"].before is None
    assert plan.report.unknown_ids == ["nope"]
    assert store.user_data().quality["gpt-small"].score == 0.5

    report = ops.apply_scores(store, plan)
    assert report is plan.report
    saved = store.user_data().quality
    assert saved["gpt-small"].score == 0.8
    assert saved["claude-mid"].source == "imported"


def test_import_scores_without_a_source_keeps_the_rows_benchmark(
    store: CatalogStore, tmp_path: Path
):
    path = _csv(tmp_path, "model,score,benchmark\ngpt-small,0.8,MMLU\n")
    report = ops.import_scores(store, path, KNOWN)
    assert report.imported == 1
    assert store.user_data().quality["gpt-small"].benchmark == "MMLU"


def test_an_unreadable_file_imports_nothing(store: CatalogStore, tmp_path: Path):
    path = tmp_path / "scores.csv"
    path.write_bytes(b"model,score\ngpt-small,0.5\n\x00\x01\x02")
    with pytest.raises(StorageError, match="Nothing was imported"):
        ops.import_scores(store, path, KNOWN)
    assert store.user_data().quality == {}


def test_example_scores_fill_only_models_without_the_users_own(store: CatalogStore):
    from core.catalog import load_catalog

    known = {m.id for m in load_catalog()}
    report = ops.load_example_scores(store, known)
    assert report.imported > 0
    assert store.has_scores()
    again = ops.load_example_scores(store, known)
    assert again.imported == 0
