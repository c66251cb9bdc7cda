"""The Experiments tab reads other tools' files: a LangSmith examples file and a promptfoo test
CSV in the dataset dialog (read as such, their fields mapped), logged outputs in a chosen
format with dotted paths to their fields."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from core.tool_outputs import FieldPaths
from tests.ui.test_experiments_tab import bench_of, panel, services, wait_idle  # noqa: F401
from ui.experiments.dialogs import DatasetImportDialog, OutputsImportDialog

DATA = Path(__file__).resolve().parents[1] / "data" / "tool_formats"


def _accept(monkeypatch: pytest.MonkeyPatch, cls: type[QDialog], fill=None) -> list[QDialog]:
    """Accept every `cls` dialog at once (after `fill` sets its fields); the list keeps them."""
    shown: list[QDialog] = []

    def exec_(self: QDialog) -> int:
        shown.append(self)
        if fill is not None:
            fill(self)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(cls, "exec", exec_)
    return shown


def test_tool_datasets_are_read_as_such_in_the_import_dialog(
    qtbot,
    panel,  # noqa: F811
    services,  # noqa: F811
    monkeypatch,
) -> None:
    shown = _accept(monkeypatch, DatasetImportDialog)
    page = bench_of(panel).datasets_page
    page.import_file(str(DATA / "langsmith_examples.jsonl"))
    wait_idle(qtbot, services)
    dialog = shown[-1]
    assert isinstance(dialog, DatasetImportDialog)
    assert dialog.findChild(object, "dataset_format_label").text().startswith("LangSmith")
    assert dialog.input_combo.currentData() == "inputs.question"
    assert dialog.expected_combo.currentData() == "outputs.answer"
    assert dialog.parsed.ok and dialog.parsed.items[0].fields == {"metadata.difficulty": "easy"}
    # Choosing another column keeps the example's own fields only (no created_at and such).
    dialog.expected_combo.setCurrentIndex(dialog.expected_combo.findData(None))
    wait_idle(qtbot, services)
    assert dialog.parsed.ok and dialog.parsed.mapping.metadata == ("metadata.difficulty",)

    page.import_file(str(DATA / "promptfoo_tests.csv"))
    wait_idle(qtbot, services)
    dialog = shown[-1]
    assert dialog.findChild(object, "dataset_format_label").text().startswith("promptfoo")
    assert (dialog.input_combo.currentData(), dialog.expected_combo.currentData()) == (
        "question",
        "__expected",
    )
    assert [i.expected for i in dialog.parsed.items] == ["Paris", "Tokyo", "Rome", "Nairobi"]
    assert page.model.rowCount() == 2


def test_outputs_import_with_a_chosen_format_and_dotted_paths(
    qtbot,
    panel,  # noqa: F811
    services,  # noqa: F811
    monkeypatch,
) -> None:
    bench = bench_of(panel)
    bench.datasets_page.import_file(str(DATA / "capitals.jsonl"), ask=False)
    wait_idle(qtbot, services)
    page = bench.run_page
    dataset_id = page.variant_form.dataset_combo.currentData()
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warned.append(text))

    def by_question(dialog: OutputsImportDialog) -> None:
        dialog.name_edit.setText("langsmith")
        dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("langsmith"))
        dialog.path_edits["input"].setText("inputs.question")

    shown = _accept(monkeypatch, OutputsImportDialog, by_question)
    page.import_outputs(str(DATA / "langsmith_runs.jsonl"), dataset_id)
    wait_idle(qtbot, services)
    assert len(shown) == 1 and warned == []
    assert page.runs.rowCount() == 1
    assert page.status.text().startswith("Imported the outputs as run #")

    # A path to no field: each row is reported, none stored.
    wrong = FieldPaths(output="outputs.answer")
    page.import_outputs(str(DATA / "langsmith_runs.jsonl"), dataset_id, name="again", paths=wrong)
    wait_idle(qtbot, services)
    assert warned and "line 1 (id 'fr'): missing output (outputs.answer)" in html.unescape(
        warned[0]
    )
    assert page.runs.rowCount() == 1
