"""The catalog's user data in SQLite: CRUD, merging, CSV import, examples and migration 2."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import resources
from core.catalog import (
    Catalog,
    LatencyProfile,
    ModelInfo,
    PriceOverride,
    QualityScore,
    parse_example_csv,
)
from storage import SCHEMA_VERSION, CatalogStore, ScenarioStore, StorageError
from tests.storage.conftest import old_database

DAY = dt.date(2026, 3, 4)


def _model(model_id: str, provider: str = "openai", **fields: object) -> ModelInfo:
    values: dict[str, object] = {"input_cost_per_token": 1e-6, "output_cost_per_token": 4e-6}
    values.update(fields)
    return ModelInfo(id=model_id, provider=provider, **values)


@pytest.fixture
def catalog_store(db_path: Path) -> Iterator[CatalogStore]:
    with CatalogStore(db_path) as opened:
        yield opened


@pytest.fixture
def public() -> Catalog:
    return Catalog(
        [_model("gpt-small", input_cost_per_token_batch=5e-7), _model("claude-mid", "anthropic")],
        source="litellm 9.9",
        price_date=DAY,
    )


def _csv(tmp_path: Path, content: bytes | str, name: str = "scores.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# CRUD and merging


def test_quality_and_latency_round_trip_and_clear(
    catalog_store: CatalogStore, public: Catalog
) -> None:
    quality = QualityScore(score=0.7, benchmark="house evals", source="measured", date=DAY)
    latency = LatencyProfile(ttft_ms=250, output_tokens_per_second=80, source="entered", date=DAY)
    catalog_store.set_quality("gpt-small", quality)
    catalog_store.set_latency("gpt-small", latency)
    merged = catalog_store.apply(public)
    assert merged.get("gpt-small").quality == quality
    assert merged.get("gpt-small").latency == latency
    assert catalog_store.has_scores()

    catalog_store.set_quality("gpt-small", QualityScore(score=0.9, date=DAY))
    assert catalog_store.apply(public).get("gpt-small").quality.score == 0.9  # type: ignore[union-attr]
    catalog_store.clear_quality("gpt-small")
    catalog_store.clear_latency("gpt-small")
    cleared = catalog_store.apply(merged)
    assert cleared.get("gpt-small") == public.get("gpt-small")
    assert not catalog_store.has_scores()


def test_custom_models_add_update_remove(catalog_store: CatalogStore, public: Catalog) -> None:
    ours = _model(
        "our-llama",
        "ignored",
        input_cost_per_token=0,
        output_cost_per_token=1e-7,
        max_input_tokens=8192,
        supports_function_calling=True,
        quality=QualityScore(score=0.6, date=DAY),
    )
    catalog_store.add_custom_model(ours)
    merged = catalog_store.apply(public)
    added = merged.get("our-llama")
    assert added.custom and added.provider == "custom"
    assert added.max_input_tokens == 8192 and added.supports_function_calling
    assert added.quality is not None and added.quality.score == 0.6

    with pytest.raises(StorageError, match="already exists"):
        catalog_store.add_custom_model(ours)

    catalog_store.update_custom_model(ours.model_copy(update={"output_cost_per_token": 3e-7}))
    assert catalog_store.apply(public).get("our-llama").output_cost_per_token == 3e-7

    catalog_store.set_latency("our-llama", LatencyProfile(ttft_ms=1, output_tokens_per_second=1))
    catalog_store.remove_custom_model("our-llama")
    assert "our-llama" not in catalog_store.apply(public)
    assert not catalog_store.has_scores(), "its score and latency went with it"
    with pytest.raises(StorageError, match="No custom model named 'our-llama'"):
        catalog_store.remove_custom_model("our-llama")
    with pytest.raises(StorageError, match="No custom model"):
        catalog_store.update_custom_model(ours)


def test_model_ids_are_checked(catalog_store: CatalogStore) -> None:
    with pytest.raises(StorageError, match="needs an id"):
        catalog_store.add_custom_model(_model("  "))
    with pytest.raises(StorageError, match="at most 200"):
        catalog_store.set_quality("x" * 201, QualityScore(score=0.5))
    with pytest.raises(StorageError, match="one line"):
        catalog_store.set_quality("a\nb", QualityScore(score=0.5))


def test_price_override_set_merge_and_clear(catalog_store: CatalogStore, public: Catalog) -> None:
    catalog_store.set_override("gpt-small", PriceOverride(input_cost_per_token=2e-6))
    catalog_store.set_override(
        "gpt-small", PriceOverride(output_cost_per_token_batch=1e-6), merge=True
    )
    merged = catalog_store.apply(public).get("gpt-small")
    assert merged.price_overridden
    assert merged.input_cost_per_token == 2e-6  # kept by the merge
    assert merged.output_cost_per_token_batch == 1e-6
    assert merged.output_cost_per_token == 4e-6  # never overridden

    catalog_store.set_override("gpt-small", PriceOverride(output_cost_per_token=5e-6))
    replaced = catalog_store.apply(public).get("gpt-small")
    assert replaced.input_cost_per_token == 1e-6, "without merge the override is replaced"

    catalog_store.clear_override("gpt-small")
    assert catalog_store.apply(public).get("gpt-small") == public.get("gpt-small")


def test_writes_from_a_worker_thread_are_read_in_another(
    db_path: Path, catalog_store: CatalogStore, public: Catalog
) -> None:
    worker = threading.Thread(
        target=lambda: catalog_store.set_quality("claude-mid", QualityScore(score=0.4))
    )
    worker.start()
    worker.join()
    with CatalogStore(db_path) as second:
        assert second.apply(public).get("claude-mid").quality.score == 0.4  # type: ignore[union-attr]


def test_a_database_edited_by_another_program_is_a_storage_error(
    db_path: Path, catalog_store: CatalogStore
) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO catalog_quality VALUES ('gpt-small', 0.5, '', 'guessed', '2026-01-01')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="could not be read .*quality.gpt-small.source"):
        catalog_store.user_data()


# Migration 2


def test_migration_2_upgrades_a_schema_1_file_and_keeps_scenarios(db_path: Path) -> None:
    old_database(
        db_path,
        1,
        [("Before the upgrade", "build_vs_buy", [{"training_cost": 5}, {"training_cost": 6}])],
    )

    with CatalogStore(db_path) as store:
        store.set_quality("gpt-4o", QualityScore(score=0.9))
    conn = sqlite3.connect(db_path)
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    conn.close()
    assert version == SCHEMA_VERSION
    with ScenarioStore(db_path) as scenarios:
        kept = scenarios.get_by_name("Before the upgrade")
        assert kept.inputs == {"training_cost": 6}
        assert [v.version for v in scenarios.versions(kept.id or 0)] == [2, 1]


# Quality CSV import


def test_csv_import_saves_good_rows_and_reports_the_rest(
    tmp_path: Path, catalog_store: CatalogStore, public: Catalog
) -> None:
    path = _csv(
        tmp_path, "model,score,benchmark\ngpt-small,0.8,MMLU\ngpt-smal,0.5,\nclaude-mid,2,\n"
    )
    report = catalog_store.import_quality_csv(path, {m.id for m in public})
    assert report.imported == 1
    assert report.unknown_ids == ["gpt-smal"]
    assert [(p.row, p.model) for p in report.problems] == [(3, "gpt-smal"), (4, "claude-mid")]
    quality = catalog_store.apply(public).get("gpt-small").quality
    assert quality is not None
    assert (quality.score, quality.benchmark, quality.source, quality.date) == (
        0.8,
        "MMLU",
        "imported",
        dt.date.today(),
    )
    assert catalog_store.apply(public).get("claude-mid").quality is None


def test_csv_with_a_byte_order_mark(tmp_path: Path, catalog_store: CatalogStore) -> None:
    path = _csv(tmp_path, "\ufeffmodel,score\r\ngpt-small,0.25\r\n".encode())
    report = catalog_store.import_quality_csv(path, {"gpt-small"})
    assert report.imported == 1 and not report.problems
    assert catalog_store.user_data().quality["gpt-small"].score == 0.25


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a UTF-8 text file"),
        (b"model,score\ngpt-small,0.5\n\x00\x01\x02", "binary file"),
        (b"name,value\ngpt-small,0.5\n", "header naming the columns model and score"),
        (b'model,score\ngpt-small,0.5\n"claude-mid,0.5\n', "not valid CSV"),
    ],
)
def test_a_fatal_file_imports_nothing(
    tmp_path: Path, catalog_store: CatalogStore, content: bytes, message: str
) -> None:
    catalog_store.set_quality("claude-mid", QualityScore(score=0.1, date=DAY))
    before = catalog_store.user_data()
    path = _csv(tmp_path, content)
    with pytest.raises(StorageError, match=message) as caught:
        catalog_store.import_quality_csv(path, {"gpt-small", "claude-mid"})
    assert "Nothing was imported" in str(caught.value)
    assert catalog_store.user_data() == before


def test_a_failure_while_saving_rolls_the_whole_import_back(
    tmp_path: Path, db_path: Path, catalog_store: CatalogStore
) -> None:
    # A trigger makes the second insert fail inside the import's one transaction.
    conn = sqlite3.connect(db_path)
    conn.execute(
        "CREATE TRIGGER refuse_b BEFORE INSERT ON catalog_quality WHEN NEW.model_id = 'b' "
        "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
    )
    conn.commit()
    conn.close()
    path = _csv(tmp_path, "model,score\na,0.5\nb,0.6\n")
    with pytest.raises(StorageError, match="Could not import quality scores"):
        catalog_store.import_quality_csv(path, {"a", "b"})
    assert catalog_store.user_data().quality == {}


def test_missing_file_or_folder(tmp_path: Path, catalog_store: CatalogStore) -> None:
    with pytest.raises(StorageError, match="No such file"):
        catalog_store.import_quality_csv(tmp_path / "nope.csv", set())
    with pytest.raises(StorageError, match="folder"):
        catalog_store.import_quality_csv(tmp_path, set())


# Shipped examples


def test_examples_fill_only_what_is_missing(catalog_store: CatalogStore) -> None:
    rows = parse_example_csv(resources.example_scores().read_text(encoding="utf-8"))
    ids = [model_id for model_id, _, _ in rows]
    mine = QualityScore(score=0.33, source="entered", date=DAY)
    catalog_store.set_quality(ids[0], mine)

    report = catalog_store.load_examples(set(ids[1:]) | {ids[0]})
    assert report.imported == len(ids)  # the first still gets its example latency
    data = catalog_store.user_data()
    assert data.quality[ids[0]] == mine, "the user's own score is never replaced"
    assert data.quality[ids[1]].source == "example"
    assert data.latency[ids[0]].source == "example"

    again = catalog_store.load_examples()
    assert again.imported == 0, "loading twice adds nothing"


def test_examples_for_models_missing_from_the_catalog_are_reported(
    catalog_store: CatalogStore,
) -> None:
    report = catalog_store.load_examples({"gpt-4o"})
    assert report.imported == 1
    assert "gpt-4o-mini" in report.unknown_ids
    assert set(catalog_store.user_data().quality) == {"gpt-4o"}


def test_example_ids_exist_in_the_installed_price_map(tmp_path: Path) -> None:
    """If a litellm upgrade drops one of these models, update resources/catalog/examples.csv."""
    from core.catalog import load_catalog

    catalog = load_catalog(tmp_path)
    rows = parse_example_csv(resources.example_scores().read_text(encoding="utf-8"))
    assert [model_id for model_id, _, _ in rows if model_id not in catalog] == []
