"""Ctrl+Tab and Ctrl+Shift+Tab step through the window's tabs from wherever the focus is, as in
a browser: the tab widget answers them itself only while the focus is inside it, and on a real
start (X11) the focus is on the examples banner's button, where Ctrl+Tab did nothing.

Keys are pressed on the focused widget and go through Qt's shortcut map, as a keyboard's do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTableWidget

from tests.ui.conftest import wait_idle

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier


def _press(qtbot, window, widget, key, modifiers) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2_000)
    qtbot.keyClick(widget, key, modifiers)
    wait_idle(qtbot, window)


def test_ctrl_tab_steps_the_tabs_from_outside_the_tab_widget(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    banner_button = window.banner.findChild(QPushButton)
    assert banner_button is not None and not window.tabs.isAncestorOf(banner_button)
    count = window.tabs.count()
    for expected in range(1, count + 1):  # round from the last tab to the first
        _press(qtbot, window, banner_button, Qt.Key.Key_Tab, CTRL)
        assert window.tabs.currentIndex() == expected % count
    _press(qtbot, window, banner_button, Qt.Key.Key_Backtab, CTRL_SHIFT)
    assert window.tabs.currentIndex() == count - 1


def test_ctrl_tab_from_a_field_or_the_notes_changes_no_text(window, qtbot):
    """A number field and the notes box give Ctrl+Tab to the window: the tab changes and the
    text stays as it was (no tab character typed into the notes)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    wait_idle(qtbot, window)
    start = window.tabs.currentIndex()
    field = tab.form.widget("training_cost")
    before = field.text()
    _press(qtbot, window, field, Qt.Key.Key_Tab, CTRL)
    assert window.tabs.currentIndex() == start + 1
    assert field.text() == before
    window.tabs.setCurrentWidget(tab)
    wait_idle(qtbot, window)
    notes = tab.notes.toPlainText()
    _press(qtbot, window, tab.notes, Qt.Key.Key_Backtab, CTRL_SHIFT)
    assert window.tabs.currentIndex() == start - 1
    assert tab.notes.toPlainText() == notes


def test_the_shortcut_list_names_ctrl_tab(window, qtbot):
    window.act_shortcuts.trigger()
    dialog = window.findChild(QTableWidget, "shortcutsTable").window()
    qtbot.waitUntil(dialog.isVisible, timeout=2_000)
    rows = dialog.rows()
    assert ("View", "Next / previous tab (as in a browser)", "Ctrl+Tab / Ctrl+Shift+Tab") in rows
    keys = [r[2] for r in rows]
    assert len(keys) == len(set(keys)), "a key does one thing"
    dialog.close()
