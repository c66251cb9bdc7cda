"""Several quality sources per model in SQLite: saved side by side, the chosen source in use,
remembered name matches, and a file from before sources existed read as it was."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.catalog import LatencyProfile, QualityScore
from core.score_files import SourcedScore, elo_to_unit
from storage import CatalogStore, StorageError
from storage import db as storage_db

DAY = dt.date(2026, 3, 4)


def _helm(model_id: str, score: float) -> SourcedScore:
    return SourcedScore(model_id, "HELM Lite", score, score, "unit", "Accuracy: Mean win rate", DAY)


def _arena(model_id: str, elo: float) -> SourcedScore:
    return SourcedScore(model_id, "Arena", elo_to_unit(elo), elo, "elo", "Arena Score", DAY)


@pytest.fixture
def store(db_path: Path) -> Iterator[CatalogStore]:
    with CatalogStore(db_path) as opened:
        yield opened


def test_sources_side_by_side_and_the_latest_in_use_by_default(store):
    store.save_sourced([_helm("gpt-4o", 0.938), _helm("gpt-4o-mini", 0.701)])
    store.save_sourced([_arena("gpt-4o", 1285)], remember={"GPT-4o-2024-05-13": "gpt-4o"})
    both = store.sourced_scores()["gpt-4o"]
    assert [(s.source, s.value_text()) for s in both] == [
        ("Arena", "1285 Elo"),
        ("HELM Lite", "0.938 (0..1)"),
    ]
    assert store.score_sources() == {"Arena": 1, "HELM Lite": 2}
    assert store.quality_source() is None
    quality = store.user_data().quality
    # No source chosen: the latest import is in use, as a single score always was.
    assert quality["gpt-4o"].benchmark == "Arena: Arena Score"
    assert quality["gpt-4o"].score == pytest.approx(elo_to_unit(1285))
    assert quality["gpt-4o-mini"].benchmark == "HELM Lite: Accuracy: Mean win rate"
    assert store.remembered_names() == {"GPT-4o-2024-05-13": "gpt-4o"}


def test_the_chosen_source_is_in_use_and_stays_chosen(store, db_path):
    store.set_quality(
        "claude-3-5-sonnet", QualityScore(score=0.7, benchmark="own", source="entered")
    )
    store.save_sourced([_helm("gpt-4o", 0.938)])
    store.save_sourced([_arena("gpt-4o", 1285), _arena("gpt-4o-mini", 1273)])
    store.set_quality_source("HELM Lite")
    quality = store.user_data().quality
    assert (quality["gpt-4o"].score, quality["gpt-4o"].source) == (0.938, "imported")
    assert quality["gpt-4o"].benchmark == "HELM Lite: Accuracy: Mean win rate"
    # Models the chosen source has no score for keep theirs.
    assert quality["gpt-4o-mini"].benchmark == "Arena: Arena Score"
    assert quality["claude-3-5-sonnet"].benchmark == "own"
    # A later import of another source does not change the score in use.
    store.save_sourced([_arena("gpt-4o", 1300)])
    assert store.user_data().quality["gpt-4o"].score == 0.938
    with CatalogStore(db_path) as again:
        assert again.quality_source() == "HELM Lite"
    store.set_quality_source(None)
    assert store.quality_source() is None


def test_choosing_an_unknown_source_names_the_known_ones(store):
    with pytest.raises(StorageError, match="import a table of scores first"):
        store.set_quality_source("HELM")
    store.save_sourced([_helm("gpt-4o", 0.9)])
    with pytest.raises(StorageError, match="the sources are: HELM Lite"):
        store.set_quality_source("HELM")


def test_hidden_characters_in_a_source_name_are_refused(store):
    bad = SourcedScore("gpt-4o", "HELM\u202e", 0.5, 0.5, "unit", "", DAY)
    with pytest.raises(StorageError, match="invisible control characters"):
        store.save_sourced([bad])
    assert store.sourced_scores() == {}


def test_a_file_from_before_score_sources_upgrades_and_keeps_its_scores(db_path):
    before = len(storage_db.MIGRATIONS) - 1
    index = storage_db.MIGRATIONS.index(storage_db._migration_score_sources)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage_db, "MIGRATIONS", storage_db.MIGRATIONS[:index])
        patch.setattr(storage_db, "SCHEMA_VERSION", index)
        with CatalogStore(db_path) as old:
            old.set_quality("gpt-4o", QualityScore(score=0.8, benchmark="MMLU", date=DAY))
    assert before >= index
    with CatalogStore(db_path) as store:
        assert store.user_data().quality["gpt-4o"].score == 0.8
        assert store.sourced_scores() == {}
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == storage_db.SCHEMA_VERSION
    raw.close()


def test_published_latency_never_replaces_a_measured_or_entered_one(store):
    measured = LatencyProfile(ttft_ms=300, output_tokens_per_second=90, source="measured")
    store.set_latency("gpt-4o", measured)
    published = LatencyProfile(ttft_ms=450, output_tokens_per_second=84.3, source="imported")
    store.save_sourced(
        [_helm("gpt-4o", 0.9), _helm("gpt-4o-mini", 0.7)],
        latency={"gpt-4o": published, "gpt-4o-mini": published},
    )
    latency = store.user_data().latency
    assert latency["gpt-4o"].source == "measured" and latency["gpt-4o"].ttft_ms == 300
    assert latency["gpt-4o-mini"].ttft_ms == 450
