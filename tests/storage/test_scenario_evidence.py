"""Each saved version keeps its evidence: saved, listed, restored, copied, exported, migrated."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core import evidence
from core.catalog import Catalog, ModelInfo, QualityScore
from core.frameworks import get, ids
from storage import ScenarioStore, StorageError
from tests.storage.conftest import old_database


def _catalog(score: float) -> Catalog:
    return Catalog(
        [
            ModelInfo(
                id="gpt-4o",
                provider="openai",
                input_cost_per_token=2.5e-6,
                output_cost_per_token=1e-5,
                quality=QualityScore(score=score, source="imported", date=dt.date(2026, 12, 3)),
            )
        ],
        source="litellm 1.0",
        price_date=dt.date(2026, 11, 1),
    )


def _saved(score: float) -> tuple[dict, dict, dict]:
    cql = get("cost_quality_latency")
    inputs = cql.Inputs()
    result, ev = evidence.record(cql, inputs, _catalog(score))
    return inputs.model_dump(mode="json"), result.model_dump(mode="json"), ev.to_json()


def test_every_version_keeps_its_own_evidence(store: ScenarioStore):
    inputs, result, ev1 = _saved(0.82)
    s = store.create("cost_quality_latency", "Pick", inputs, result, evidence=ev1)
    _, result2, ev2 = _saved(0.91)
    store.save(s.id or 0, inputs, result2, evidence=ev2)
    assert store.get(s.id or 0).evidence == ev2
    versions = store.versions(s.id or 0)
    assert [v.evidence for v in versions] == [ev2, ev1]
    parsed = evidence.parse(versions[1].evidence)
    assert parsed is not None and parsed.models[0].quality is not None
    assert parsed.models[0].quality.score == 0.82
    assert parsed.models[0].quality.date == dt.date(2026, 12, 3)
    # Restoring version 1 brings its evidence back with it, as version 3.
    restored = store.restore(s.id or 0, 1)
    assert restored.version == 3 and restored.evidence == ev1
    assert store.duplicate(s.id or 0, "Copy").evidence == ev1
    assert store.list(framework_id="cost_quality_latency")[0].evidence is not None


def test_a_framework_that_reads_no_catalog_stores_an_empty_record(store: ScenarioStore):
    bvb = get("build_vs_buy")
    result, ev = evidence.record(bvb, bvb.Inputs(), _catalog(0.9))
    s = store.create(
        "build_vs_buy",
        "B",
        bvb.Inputs().model_dump(),
        result.model_dump(mode="json"),
        evidence=ev.to_json(),
    )
    stored = evidence.parse(store.get(s.id or 0).evidence)
    assert stored is not None and not stored.read and stored.models == []


def test_evidence_travels_in_scenario_files(store: ScenarioStore, tmp_path):
    inputs, result, ev = _saved(0.82)
    s = store.create("cost_quality_latency", "Pick", inputs, result, evidence=ev)
    path = tmp_path / "pick.json"
    store.export_file(s.id or 0, path)
    imported = store.import_file(path, ids())
    assert imported.evidence == ev


def test_versions_saved_before_evidence_have_none(db_path):
    """Migration 7 adds the column; what was saved before it reads as None ("saved before
    evidence was recorded")."""
    old_database(db_path, 6, [("Old", "build_vs_buy", [{}, {}])])
    with ScenarioStore(db_path) as store:
        old = store.get_by_name("Old")
        assert old.evidence is None
        assert [v.evidence for v in store.versions(old.id or 0)] == [None, None]
        saved = store.save(old.id or 0, {}, None, evidence={"read": False})
        assert saved.evidence == {"read": False}


def test_a_file_with_damaged_evidence_is_refused(store: ScenarioStore, tmp_path):
    """The window computes from a version's evidence: a file whose evidence cannot be read is
    refused at import, with the field named, and nothing is stored."""
    inputs, result, ev = _saved(0.82)
    s = store.create("cost_quality_latency", "Pick", inputs, result, evidence=ev)
    path = tmp_path / "pick.json"
    store.export_file(s.id or 0, path)
    data = json.loads(path.read_text())
    data["scenario"]["evidence"]["models"][0]["input_cost_per_token"] = "free"
    path.write_text(json.dumps(data))
    with pytest.raises(StorageError, match="evidence is damaged: models.0.input_cost_per_token"):
        store.import_file(path, ids())
    assert store.count() == 1
