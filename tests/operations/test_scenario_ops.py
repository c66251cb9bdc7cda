"""Scenario operations on a temporary database: save, save as a taken name, restore, open a
saved version from its evidence, compare, scenario files in and out, the examples."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import evidence
from core.catalog import Catalog, ModelInfo, QualityScore
from core.frameworks import get
from core.scenario import ScenarioFileError
from operations import scenarios as ops
from storage import ScenarioStore, StorageError

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ScenarioStore]:
    with ScenarioStore(tmp_path / "aidf.sqlite3") as opened:
        yield opened


def _bvb(**changes: object) -> ops.ScenarioContent:
    fw = get("build_vs_buy")
    inputs = fw.Inputs().model_copy(update=changes)
    result = fw.compute(inputs, Catalog())
    return ops.ScenarioContent(
        fw.ID, inputs.model_dump(mode="json"), result.model_dump(mode="json"), "why"
    )


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


def test_save_as_then_save_adds_versions(store: ScenarioStore):
    made = ops.save_as(store, "Plan", _bvb())
    assert made.saved is not None and made.taken is None
    assert made.saved.version == 1
    again = ops.save(store, made.saved.id or 0, _bvb(training_cost=1_000_000))
    assert again.version == 2
    assert again.inputs["training_cost"] == 1_000_000


def test_save_as_a_taken_name_writes_nothing_and_names_the_holder(store: ScenarioStore):
    first = ops.save_as(store, "Plan", _bvb()).saved
    assert first is not None
    outcome = ops.save_as(store, "Plan", _bvb(training_cost=2_000_000))
    assert outcome.saved is None
    assert outcome.taken is not None and outcome.taken.id == first.id
    assert outcome.may_add_version("build_vs_buy")
    assert not outcome.may_add_version("agents")
    assert store.get(first.id or 0).version == 1
    # The user chose "save as a new version of it".
    version = ops.save_as_version(store, outcome.taken, _bvb(training_cost=2_000_000))
    assert (version.id, version.version) == (first.id, 2)


def test_a_new_version_of_another_frameworks_scenario_is_refused(store: ScenarioStore):
    taken = ops.save_as(store, "Plan", _bvb()).saved
    assert taken is not None
    other = ops.ScenarioContent("agents", get("agents").Inputs().model_dump(mode="json"))
    with pytest.raises(ops.ScenarioError, match="another question"):
        ops.save_as_version(store, taken, other)
    assert store.get(taken.id or 0).version == 1


def test_restore_version_saves_it_as_the_newest(store: ScenarioStore):
    made = ops.save_as(store, "Plan", _bvb(training_cost=100_000)).saved
    assert made is not None
    ops.save(store, made.id or 0, _bvb(training_cost=900_000))
    restored = ops.restore_version(store, made.id or 0, 1)
    assert restored.version == 3
    assert restored.inputs["training_cost"] == 100_000


def test_open_version_computes_from_the_saved_evidence_and_reports_drift(store: ScenarioStore):
    cql = get("cost_quality_latency")
    inputs = cql.Inputs()
    result, ev = evidence.record(cql, inputs, _catalog(0.9))
    content = ops.ScenarioContent(
        cql.ID, inputs.model_dump(mode="json"), result.model_dump(mode="json"), "", ev.to_json()
    )
    saved = ops.save_as(store, "CQL", content).saved
    assert saved is not None
    loads: list[int] = []

    def today() -> Catalog:
        loads.append(1)
        return _catalog(0.5)

    opened = ops.open_version(saved, today)
    assert loads == [1]
    assert opened.view.recorded
    assert opened.view.result.model_dump(mode="json") == result.model_dump(mode="json")
    assert opened.view.drift is not None
    assert "0.9" in opened.view.drift.text


def test_find_version_names_the_versions_there_are(store: ScenarioStore):
    made = ops.save_as(store, "Plan", _bvb()).saved
    assert made is not None
    ops.save(store, made.id or 0, _bvb(training_cost=1_000_000))
    scenario, first = ops.find_version(store, "Plan", 1)
    assert scenario.version == 2 and first.version == 1
    assert first.inputs["training_cost"] != 1_000_000
    with pytest.raises(ops.ScenarioError, match="no version 7; its versions are 1 to 2"):
        ops.find_version(store, "Plan", 7)
    with pytest.raises(StorageError):
        ops.find_version(store, "Nope")


def test_open_version_refuses_inputs_this_version_cannot_use(store: ScenarioStore):
    bad = ops.ScenarioContent("build_vs_buy", {"training_cost": -5})
    saved = store.create(bad.framework_id, "Old", bad.inputs, None, "")
    with pytest.raises(ops.ScenarioError) as caught:
        ops.open_version(saved, Catalog)
    assert caught.value.lines and caught.value.lines[0].startswith("scenario 'Old': ")
    assert "training" in caught.value.lines[0].lower()


def test_compare_flags_differing_inputs_and_figure_deltas(store: ScenarioStore):
    a = ops.save_as(store, "A", _bvb(training_cost=100_000)).saved
    b = ops.save_as(store, "B", _bvb(training_cost=900_000)).saved
    assert a is not None and b is not None
    comparison = ops.compare_scenarios(a, b, Catalog())
    assert [r.name for r in comparison.differing_inputs] == ["training_cost"]
    assert len(comparison.inputs) > 1
    assert comparison.figures[0].key == "recommendation"
    assert any(r.differs for r in comparison.figures[1:])


def test_compare_refuses_two_frameworks(store: ScenarioStore):
    a = ops.save_as(store, "A", _bvb()).saved
    agents = get("agents")
    b = store.create("agents", "B", agents.Inputs().model_dump(mode="json"), None, "")
    assert a is not None
    with pytest.raises(ops.ScenarioError, match="only scenarios of one framework compare"):
        ops.compare_saved(ops.open_version(a, Catalog()), ops.open_version(b, Catalog()))


def test_export_then_import_is_a_new_scenario_with_a_free_name(
    store: ScenarioStore, tmp_path: Path
):
    made = ops.save_as(store, "Plan", _bvb()).saved
    assert made is not None
    out = tmp_path / "plan.json"
    ops.export_scenario_file(store, made.id or 0, out)
    imported = ops.import_scenario_file(store, out)
    assert imported.name == "Plan (2)"
    assert imported.inputs == made.inputs
    again = ops.import_scenario_text(store, out.read_text(encoding="utf-8"))
    assert again.name == "Plan (3)"


def test_import_refuses_inputs_the_engine_refuses_and_stores_nothing(
    store: ScenarioStore, tmp_path: Path
):
    made = ops.save_as(store, "Plan", _bvb()).saved
    assert made is not None
    out = tmp_path / "plan.json"
    ops.export_scenario_file(store, made.id or 0, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    data["scenario"]["inputs"]["training_cost"] = -1
    out.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(StorageError, match="inputs are not valid: training_cost"):
        ops.import_scenario_file(store, out)
    with pytest.raises(ScenarioFileError, match="inputs are not valid"):
        ops.import_scenario_text(store, json.dumps(data))
    with pytest.raises(ScenarioFileError):
        ops.import_scenario_text(store, "[]")
    assert store.count() == 1


def test_write_copy_needs_no_database_and_imports_back(store: ScenarioStore, tmp_path: Path):
    out = tmp_path / "copy.json"
    written = ops.write_copy(out, "Unsaved plan", _bvb(training_cost=123_000))
    assert written.name == "Unsaved plan"
    assert store.count() == 0
    back = ops.import_scenario_file(store, out)
    assert back.inputs["training_cost"] == 123_000
    assert back.notes == "why"


def test_a_copy_that_fails_to_write_leaves_the_older_copy_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The escape path when saving fails writes atomically too: a full disk keeps the old file."""
    out = tmp_path / "copy.json"
    out.write_text("the older copy", encoding="utf-8")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.files.os.replace", disk_full)
    with pytest.raises(OSError, match="No space left"):
        ops.write_copy(out, "Unsaved plan", _bvb(training_cost=123_000))
    assert out.read_text(encoding="utf-8") == "the older copy"
    assert [p.name for p in tmp_path.iterdir()] == ["copy.json"]


def test_import_examples_loads_every_example_file(store: ScenarioStore):
    loaded = ops.import_examples(store, sorted(EXAMPLES.glob("*.json")))
    assert len(loaded) == len(list(EXAMPLES.glob("*.json"))) > 0
    assert store.count() == len(loaded)


def test_summary_format_follows_the_suffix():
    assert ops.summary_format(Path("a.HTM")) == "html"
    assert ops.summary_format(Path("a.markdown")) == "md"
    assert ops.summary_format(Path("a.pdf")) == "pdf"
    assert ops.summary_format(Path("a.txt")) is None


def test_a_saved_versions_summary_is_accepted_and_says_its_drift(store: ScenarioStore):
    cql = get("cost_quality_latency")
    inputs = cql.Inputs()
    result, ev = evidence.record(cql, inputs, _catalog(0.9))
    content = ops.ScenarioContent(
        cql.ID,
        inputs.model_dump(mode="json"),
        result.model_dump(mode="json"),
        "notes",
        ev.to_json(),
    )
    saved = ops.save_as(store, "CQL", content).saved
    assert saved is not None
    meta = ops.saved_summary_meta(ops.open_version(saved, _catalog(0.5)))
    assert (meta.scenario_name, meta.notes, meta.status) == ("CQL", "notes", "Accepted")
    assert meta.price_date == dt.date(2026, 11, 1)
    assert meta.evidence_recorded and meta.drift is not None


def test_compare_carries_list_of_rows_inputs_as_tables(store: ScenarioStore):
    arch = get("architecture_patterns")
    a = arch.Inputs()
    mix = list(a.task_mix)
    b = a.model_copy(update={"task_mix": mix[:-1] + [mix[-1].model_copy(update={"name": "qa"})]})
    sa = store.create(arch.ID, "A", a.model_dump(mode="json"), None, "")
    sb = store.create(arch.ID, "B", b.model_dump(mode="json"), None, "")
    tables = {t.name: t for t in ops.compare_scenarios(sa, sb, Catalog()).tables}
    assert set(tables) == {"task_mix", "model_profiles"}
    assert tables["task_mix"].differs and not tables["model_profiles"].differs
    assert tables["task_mix"].b[-1][0] == "qa"
    bvb = ops.save_as(store, "Plan", _bvb()).saved
    assert bvb is not None
    assert ops.compare_scenarios(bvb, bvb, Catalog()).tables == []
