"""Scenario work in the window: save, reopen, rename, duplicate, delete, history, close."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

import resources
from core.frameworks import build_vs_buy
from tests.ui.conftest import wait_idle

Yes = QMessageBox.StandardButton.Yes
Save = QMessageBox.StandardButton.Save
Discard = QMessageBox.StandardButton.Discard
Cancel = QMessageBox.StandardButton.Cancel


@pytest.fixture
def tab(window):
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    return tab


def _save_as(qtbot, window, answer_prompts, name):
    answer_prompts(text=name)
    window.act_save.trigger()  # an untitled scenario asks for a name
    wait_idle(qtbot, window)


def _open_by_dialog(qtbot, window, search):
    window.act_open.trigger()
    wait_idle(qtbot, window)
    from ui.dialogs import OpenScenarioDialog

    dialog = next(d for d in window.findChildren(OpenScenarioDialog) if d.isVisible())
    qtbot.keyClicks(dialog.search, search)
    return dialog


def test_save_and_reopen_gives_the_same_inputs_and_result(
    qtbot, window, tab, store, answer_prompts
):
    tab.set_field_text("training_cost", "1,200,000")  # breakeven 1.2M / 2.4M = 0.5 years
    tab.notes.setPlainText("Assumes the Q3 volume forecast.")
    _save_as(qtbot, window, answer_prompts, "Q3 plan")
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("Q3 plan")
    saved = store.get_by_name("Q3 plan")
    assert saved.inputs["training_cost"] == 1_200_000
    assert saved.result["breakeven_years"] == pytest.approx(0.5)
    assert saved.notes == "Assumes the Q3 volume forecast."

    window.act_new.trigger()
    assert tab.inputs.training_cost == 500_000
    assert tab.notes.toPlainText() == ""

    dialog = _open_by_dialog(qtbot, window, "q3")
    assert dialog.visible_names() == ["Q3 plan"]
    dialog.accept()
    wait_idle(qtbot, window)  # the chosen scenario's inputs and result are read in the background
    assert tab.form.fields["training_cost"].widget.text() == "1,200,000"
    assert tab.card.figure_text("breakeven_years") == "0.50 years (6.0 months)"
    assert tab.notes.toPlainText() == "Assumes the Q3 volume forecast."
    assert not window.isWindowModified()


def test_open_dialog_filters_as_you_type(qtbot, window, store):
    for name in ("Alpha launch", "Beta rollout", "Alpine region"):
        store.create("build_vs_buy", name, build_vs_buy.Inputs().model_dump(mode="json"))
    dialog = _open_by_dialog(qtbot, window, "alp")
    assert sorted(dialog.visible_names()) == ["Alpha launch", "Alpine region"]
    dialog.reject()


def test_every_save_is_a_version_and_history_restores(qtbot, window, tab, store, answer_prompts):
    _save_as(qtbot, window, answer_prompts, "Plan")
    tab.set_field_text("training_cost", "900,000")
    window.act_save.trigger()
    wait_idle(qtbot, window)
    assert store.get_by_name("Plan").version == 2

    window.act_history.trigger()
    wait_idle(qtbot, window)
    from ui.dialogs import HistoryDialog

    dialog = next(d for d in window.findChildren(HistoryDialog) if d.isVisible())
    assert [v.version for v in dialog.model.rows] == [2, 1]
    dialog.table.selectRow(1)
    dialog.accept()
    wait_idle(qtbot, window)
    restored = store.get_by_name("Plan")
    assert restored.version == 3
    assert restored.inputs["training_cost"] == 500_000
    assert tab.inputs.training_cost == 500_000


def test_rename_duplicate_and_delete(qtbot, window, tab, store, answer_prompts):
    _save_as(qtbot, window, answer_prompts, "Draft")
    answer_prompts(text="Final")
    window.act_rename.trigger()
    wait_idle(qtbot, window)
    assert window.windowTitle().startswith("Final")
    answer_prompts(text="Final (what if)")
    window.act_duplicate.trigger()
    wait_idle(qtbot, window)
    assert sorted(s.name for s in store.list()) == ["Final", "Final (what if)"]

    answer_prompts(question=Yes)
    window.act_delete.trigger()
    wait_idle(qtbot, window)
    assert [s.name for s in store.list()] == ["Final (what if)"]
    assert window.windowTitle().startswith("Untitled")
    assert window.isWindowModified()  # the inputs are still on screen, now unsaved


def test_a_taken_name_is_never_overwritten_silently(qtbot, window, store, answer_prompts):
    """Cancelled at the 'name already used' question: nothing is written (the choices
    themselves are tested in tests/ui/test_save_names.py)."""
    store.create("build_vs_buy", "Taken", build_vs_buy.Inputs().model_dump(mode="json"))
    asked = []
    window._ask_taken_name = lambda taken, same_framework: asked.append(taken.name)
    _save_as(qtbot, window, answer_prompts, "Taken")
    assert asked == ["Taken"]
    assert store.count() == 1 and store.get_by_name("Taken").version == 1


def test_closing_with_unsaved_changes_asks(qtbot, window, tab, answer_prompts):
    tab.set_field_text("training_cost", "700,000")
    answer_prompts(question=Cancel)
    window.close()
    assert window.isVisible()
    answer_prompts(question=Discard)
    window.close()
    assert not window.isVisible()


def test_closing_and_saving_saves_first(qtbot, window, tab, store, answer_prompts):
    tab.set_field_text("training_cost", "700,000")
    answer_prompts(question=Save, text="Before closing")
    window.close()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: not window.isVisible())
    assert store.get_by_name("Before closing").inputs["training_cost"] == 700_000


def test_examples_are_offered_on_first_run(qtbot, window, store):
    assert window.banner.isVisible()
    from PySide6.QtWidgets import QPushButton

    qtbot.mouseClick(
        window.banner.findChild(QPushButton, "loadExamples"), Qt.MouseButton.LeftButton
    )
    wait_idle(qtbot, window)
    assert store.count() == len(resources.example_scenarios())
    assert not window.banner.isVisible()
    assert window.tab.scenario is not None


def test_window_geometry_and_tab_are_remembered(qtbot, store, tmp_path):
    """Closing stores geometry, window state and tab; the next start restores them. (The
    offscreen screen is smaller than the window, so Qt clamps pixel sizes: the dock shown in
    the first session coming back proves the saved state was applied.)"""
    from ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "remember.ini"), QSettings.Format.IniFormat)
    first = MainWindow(store, settings=settings)
    first.show()
    wait_idle(qtbot, first)
    first.undo_dock.show()
    first.close()
    saved = settings.value("window/geometry")
    assert saved is not None and settings.value("window/last_tab", type=int) == 0
    second = MainWindow(store, settings=settings)
    second.show()
    wait_idle(qtbot, second)
    assert second.undo_dock.isVisible()  # dock layout comes back with the window state
    second.close()
