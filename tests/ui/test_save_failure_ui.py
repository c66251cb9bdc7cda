"""A save the database refuses (read-only, full disk) keeps the edits and offers a way out."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from core.frameworks import ids
from core.scenario import parse_scenario_file
from storage import StorageError
from tests.ui.conftest import wait_idle


def test_a_refused_save_keeps_the_edits_and_a_copy_can_be_written_elsewhere(
    qtbot, window, tmp_path: Path, monkeypatch, answer_prompts
):
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    tab.set_field_text("training_cost", "1,200,000")
    tab.notes.setPlainText("Before the board meeting.")

    def full(*_a, **_k):
        raise StorageError("Could not save the scenario: the disk is full.")

    monkeypatch.setattr(window.store, "create", full)
    answer_prompts(text="Board plan")
    window.act_save.trigger()
    wait_idle(qtbot, window)
    box = next(b for b in window.findChildren(QMessageBox) if b.objectName() == "errorBox")
    assert "the disk is full" in box.text()
    assert "Save a copy to a file" in box.text()
    assert tab.dirty and tab.inputs.training_cost == 1_200_000

    copy = tmp_path / "elsewhere" / "board.json"
    copy.parent.mkdir()
    window.save_copy_to_file(str(copy))
    wait_idle(qtbot, window)
    restored = parse_scenario_file(copy.read_text(encoding="utf-8"), ids())
    assert restored.framework_id == "build_vs_buy"
    assert restored.inputs["training_cost"] == 1_200_000
    assert restored.notes == "Before the board meeting."
    assert restored.result is not None and restored.result["recommendation"] == "build"
    assert tab.dirty  # the copy is not a save: the database still lacks these edits
