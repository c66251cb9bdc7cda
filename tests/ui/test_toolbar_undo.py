"""The toolbar's Undo and Redo keep their short names and widths after an edit; the Edit menu
and the tooltip say what would be undone. "Undo Edit Training cost" widened the button by 107 px
on a tab's first edit and pushed Redo, Compare and Export to the right."""

from __future__ import annotations

from PySide6.QtWidgets import QToolBar, QToolButton

from tests.ui.conftest import wait_idle


def _buttons(window) -> dict[str, tuple[str, int]]:
    bar = window.findChild(QToolBar, "mainToolbar")
    return {
        b.defaultAction().objectName() or b.defaultAction().iconText(): (b.text(), b.width())
        for b in bar.findChildren(QToolButton)
        if b.isVisible() and b.defaultAction() is not None
    }


def test_undo_and_redo_keep_their_toolbar_size_after_an_edit(window, qtbot):
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    wait_idle(qtbot, window)
    before = _buttons(window)
    tab.set_field_text("training_cost", "600000")
    tab.commit_pending()
    wait_idle(qtbot, window)
    qtbot.waitUntil(window.act_undo.isEnabled, timeout=5_000)
    after = _buttons(window)
    assert after == before
    assert after["Undo"][0] == "Undo"
    assert "Training cost" in window.act_undo.text()  # the Edit menu names the edit
    assert "Training cost" in window.act_undo.toolTip()
