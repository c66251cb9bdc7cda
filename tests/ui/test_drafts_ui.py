"""Crash recovery: unsaved edits are kept as drafts and offered back at the next start."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from storage import DraftStore, ScenarioStore
from tests.ui.conftest import wait_idle
from ui.main_window import MainWindow


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "drafts.sqlite3"


@pytest.fixture
def open_window(qtbot, db: Path, tmp_path: Path):
    """Open a main window on the test database; every window is closed without prompts."""
    opened: list[MainWindow] = []

    def open_one() -> MainWindow:
        w = MainWindow(
            ScenarioStore(db),
            settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
        )
        w.autosave_ms = 20
        opened.append(w)
        w.show()
        qtbot.waitExposed(w)
        wait_idle(qtbot, w)
        return w

    yield open_one
    for w in opened:
        wait_idle(qtbot, w)
        for tab in w.framework_tabs:
            tab.forget_changes()
        w.close()
        w.deleteLater()


def _crash(qtbot, w: MainWindow) -> None:
    """The process dies: no close event, nothing asked, nothing cleaned up."""
    wait_idle(qtbot, w)
    w.hide()


def _edit(qtbot, w: MainWindow, field: str, text: str):
    tab = w.tab_for("build_vs_buy")
    w.tabs.setCurrentWidget(tab)
    tab.set_field_text(field, text)
    qtbot.waitUntil(lambda: bool(DraftStore(w.store.path).drafts()), timeout=10_000)
    return tab


def test_a_crash_keeps_the_edits_and_the_next_start_restores_them(qtbot, db, open_window):
    first = open_window()
    _edit(qtbot, first, "training_cost", "1,200,000")
    first.tab_for("build_vs_buy").notes.setPlainText("Ask finance about the GPU quote.")
    wait_idle(qtbot, first)
    qtbot.wait(100)
    wait_idle(qtbot, first)
    _crash(qtbot, first)
    drafts = DraftStore(db).drafts()
    assert [d.framework_id for d in drafts] == ["build_vs_buy"]
    assert drafts[0].inputs["training_cost"] == 1_200_000
    assert drafts[0].notes == "Ask finance about the GPU quote."

    second = open_window()
    assert second.recovery_banner.isVisible()
    assert "Build vs Buy" in second.recovery_text.text()
    qtbot.mouseClick(_button(second, "restoreDrafts"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, second)
    tab = second.tab_for("build_vs_buy")
    assert tab.inputs.training_cost == 1_200_000
    assert tab.notes.toPlainText() == "Ask finance about the GPU quote."
    assert tab.dirty
    assert not second.recovery_banner.isVisible()
    # The restore is one undoable step back to the defaults.
    tab.undo_stack.undo()
    assert tab.inputs.training_cost == 500_000


def _button(w: MainWindow, name: str):
    from PySide6.QtWidgets import QPushButton

    return w.findChild(QPushButton, name)


def test_discard_forgets_the_drafts_and_a_clean_close_leaves_none(qtbot, db, open_window):
    first = open_window()
    _edit(qtbot, first, "training_cost", "900,000")
    _crash(qtbot, first)
    second = open_window()
    assert second.recovery_banner.isVisible()
    qtbot.mouseClick(_button(second, "discardDrafts"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, second)
    assert DraftStore(db).drafts() == []
    assert second.tab_for("build_vs_buy").inputs.training_cost == 500_000

    _edit(qtbot, second, "training_cost", "700,000")
    for tab in second.framework_tabs:
        tab.forget_changes()  # the user answered "Discard" when closing
    second.close()
    assert DraftStore(db).drafts() == []


def test_saving_drops_the_draft(qtbot, db, open_window, answer_prompts):
    w = open_window()
    _edit(qtbot, w, "training_cost", "800,000")
    answer_prompts(text="Q4 plan")
    w.act_save.trigger()
    wait_idle(qtbot, w)
    assert not w.tab_for("build_vs_buy").dirty
    assert DraftStore(db).drafts() == []
