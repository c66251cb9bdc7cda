"""Every custom table model passes Qt's model checks (pytest-qt's qtmodeltester)."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt

from core.frameworks import model_selection
from core.scenario import ScenarioVersion
from storage.scenarios import ScenarioSummary
from ui.compare import DiffTableModel
from ui.dialogs import ScenarioTableModel, VersionTableModel
from ui.list_editors import RecordsModel

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _scenario(name: str) -> ScenarioSummary:
    return ScenarioSummary(
        id=1,
        name=name,
        framework_id="build_vs_buy",
        notes="",
        version=1,
        updated_at=NOW,
        headline="Build: it pays back in 2.5 months",
        recommendation="build",
    )


def test_scenario_and_version_tables(qtmodeltester):
    model = ScenarioTableModel([_scenario("A"), _scenario("B")])
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.index(0, 1).data() == "Build vs Buy"
    assert model.index(0, 4).data() == "Build: it pays back in 2.5 months"
    versions = VersionTableModel(
        [
            ScenarioVersion(
                scenario_id=1, version=v, inputs={}, result=None, notes="n", saved_at=NOW
            )
            for v in (2, 1)
        ]
    )
    qtmodeltester.check(versions)
    assert versions.index(1, 0).data() == 1


def test_diff_table(qtmodeltester):
    model = DiffTableModel(("Input", "A", "B"))
    model.set_rows([(["x", "1", "2"], True), (["y", "3", "3"], False)])
    qtmodeltester.check(model)
    assert model.differing() == ["x"]


def test_records_table(qtmodeltester):
    model = RecordsModel(model_selection.Candidate)
    model.set_rows([c.model_dump() for c in model_selection.Inputs().candidates])
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    unit = model.names.index("cost_unit")
    # A choice column shows words and edits the code.
    assert model.index(0, unit).data() == "per request"
    assert model.index(0, unit).data(Qt.ItemDataRole.EditRole) == "per_request"
