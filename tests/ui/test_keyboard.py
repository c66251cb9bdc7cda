"""The keyboard reaches everything: named inputs, Tab out of the notes, the window's shortcuts
from inside a field, tab switching, a Ctrl+number for every tab, and a visible shortcut list.

Keys are pressed on the real widgets (qtbot.keyClick goes through Qt's shortcut map, as a key
on the keyboard does).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QTableWidget

from core.frameworks import ENTRIES
from tests.ui.conftest import wait_idle
from ui.form import is_window_shortcut

ROOT = Path(__file__).resolve().parents[2]

CTRL = Qt.KeyboardModifier.ControlModifier


def _show(window, qtbot, framework_id: str):
    tab = window.tab_for(framework_id)
    window.tabs.setCurrentWidget(tab)
    window.activateWindow()
    wait_idle(qtbot, window)
    return tab


def _focus(qtbot, widget) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


def test_every_input_is_named_by_its_label(window, qtbot):
    """On every framework tab each input's label is its buddy and its accessible name."""
    for entry in ENTRIES:
        tab = _show(window, qtbot, entry.id)
        for name, field in tab.form.fields.items():
            assert field.label.buddy() is field.widget, (entry.id, name)
            assert field.widget.accessibleName() == field.label.text() != "", (entry.id, name)
        assert tab.notes.accessibleName() == "Notes"
        labels = [lab for lab in tab.findChildren(QLabel) if lab.buddy() is tab.notes]
        assert [lab.text() for lab in labels] == ["Notes"]


def test_an_error_is_read_out_with_its_field(window, qtbot):
    tab = _show(window, qtbot, "build_vs_buy")
    tab.set_field_text("training_cost", "-5")
    widget = tab.form.widget("training_cost")
    assert widget.accessibleDescription() == "Error: must be at least $0"
    tab.set_field_text("training_cost", "5")
    assert "Error" not in widget.accessibleDescription()


def test_tab_leaves_the_notes_box_instead_of_typing_a_tab(window, qtbot):
    tab = _show(window, qtbot, "build_vs_buy")
    _focus(qtbot, tab.notes)
    qtbot.keyClicks(tab.notes, "why")
    qtbot.keyClick(tab.notes, Qt.Key.Key_Tab)
    assert tab.notes.toPlainText() == "why"
    qtbot.waitUntil(lambda: not tab.notes.hasFocus(), timeout=2000)
    _focus(qtbot, tab.notes)
    qtbot.keyClick(tab.notes, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert tab.notes.toPlainText() == "why"


def test_ctrl_e_exports_from_inside_a_number_field(window, qtbot, monkeypatch):
    asked = []

    def save_name(*args, **kwargs):
        asked.append(args[1])
        return "", ""  # cancelled: nothing is written

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    tab = _show(window, qtbot, "build_vs_buy")
    field = tab.form.widget("training_cost")
    _focus(qtbot, field)
    before = field.text()
    field.setCursorPosition(0)
    qtbot.keyClick(field, Qt.Key.Key_E, CTRL)
    assert asked == ["Export decision summary"]
    assert field.text() == before and field.cursorPosition() == 0  # the field got nothing


def test_the_window_wins_its_shortcuts_and_the_field_keeps_its_editing_keys(window, qtbot):
    """Which keys a field turns down when it would claim them: the window's own shortcuts
    (Ctrl+E, Ctrl+K, Ctrl+PgDown, F1), never typing or the editing keys (Ctrl+C/V/Z)."""
    tab = _show(window, qtbot, "build_vs_buy")
    for widget in (tab.form.widget("training_cost"), tab.notes):
        for key, modifiers, window_wins in (
            (Qt.Key.Key_E, CTRL, True),
            (Qt.Key.Key_K, CTRL, True),
            (Qt.Key.Key_PageDown, CTRL, True),
            (Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier, True),
            (Qt.Key.Key_E, Qt.KeyboardModifier.NoModifier, False),
            (Qt.Key.Key_C, CTRL, False),
            (Qt.Key.Key_V, CTRL, False),
            (Qt.Key.Key_Z, CTRL, False),
            (Qt.Key.Key_J, CTRL, False),  # no window shortcut
        ):
            event = QKeyEvent(QEvent.Type.ShortcutOverride, key, modifiers)
            assert is_window_shortcut(widget, event) is window_wins, (widget, key, modifiers)


#: Run in a real X11 window (Xvfb), where a line edit's own bindings claim Ctrl+E ("end of
#: line"): a bare QLineEdit shows the claim, the form's number field and the notes box let the
#: window's shortcut run.
X11_SCRIPT = """\
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.form import NumberEdit, keep_window_shortcuts

app = QApplication([])
window = QMainWindow()
body = QWidget()
lay = QVBoxLayout(body)
number = NumberEdit(1, False)
number.setText("500")
notes = QPlainTextEdit()
keep_window_shortcuts(notes)
plain = QLineEdit("500")  # without the filter: what X11 key bindings do to a line edit
for w in (number, notes, plain):
    lay.addWidget(w)
window.setCentralWidget(body)
hits = []
for keys in ("Ctrl+E", "Ctrl+K"):
    action = QAction(keys, window)
    action.setShortcut(QKeySequence(keys))
    action.triggered.connect(lambda _=False, k=keys: hits.append(k))
    window.addAction(action)
window.show()
window.activateWindow()
if not QTest.qWaitForWindowActive(window):
    sys.exit("window not active")
for name, widget in (("number", number), ("notes", notes), ("plain", plain)):
    widget.setFocus()
    app.processEvents()
    hits.clear()
    QTest.keyClick(widget, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(widget, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    print(name, ",".join(hits) or "-", repr(getattr(widget, "text", lambda: "")()))
"""


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs Xvfb for X11 key bindings")
def test_ctrl_e_reaches_the_window_from_a_field_under_x11(tmp_path):
    script = tmp_path / "x11_keys.py"
    script.write_text(X11_SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["xvfb-run", "-a", sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == [
        "number Ctrl+E,Ctrl+K '500'",
        "notes Ctrl+E,Ctrl+K ''",
        "plain Ctrl+K '500'",  # the bug as it was: X11's line edit kept Ctrl+E
    ]


def test_ctrl_page_down_and_up_switch_tabs_and_never_step_a_field(window, qtbot):
    tab = _show(window, qtbot, ENTRIES[0].id)
    name = next(n for n, f in tab.form.fields.items() if f.kind is not None)
    field = tab.form.widget(name)
    _focus(qtbot, field)
    before = field.text()
    qtbot.keyClick(field, Qt.Key.Key_PageDown, CTRL)
    assert window.tabs.currentIndex() == 1
    assert field.text() == before
    window.tabs.setCurrentIndex(0)
    _focus(qtbot, field)
    qtbot.keyClick(field, Qt.Key.Key_PageUp, CTRL)  # round to the last tab, Models
    assert window.tabs.currentWidget() is window.models_tab
    assert field.text() == before


def test_every_tab_has_a_ctrl_number(window, qtbot):
    assert window.tabs.count() == len(ENTRIES) + 1 == 8
    for i in reversed(range(window.tabs.count())):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{i + 1}"), CTRL)
        assert window.tabs.currentIndex() == i
    assert window.tabs.currentIndex() == 0
    qtbot.keyClick(window, Qt.Key.Key_8, CTRL)
    assert window.tabs.currentWidget() is window.models_tab


def test_the_shortcut_list_is_a_table_shown_at_once(window, qtbot):
    window.act_shortcuts.trigger()
    dialog = window.findChild(QTableWidget, "shortcutsTable").window()
    assert dialog.objectName() == "shortcutsDialog" and not isinstance(dialog, QMessageBox)
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    rows = dialog.rows()
    assert ("File", "Export decision summary…", "Ctrl+E") in rows
    assert ("View", "Next tab", "Ctrl+PgDown") in rows
    assert ("View", "Previous tab", "Ctrl+PgUp") in rows
    assert ("View", "Models", "Ctrl+8") in rows
    assert ("Number field", "Step the value up / down", "Up / Down") in rows
    keys = [r[2] for r in rows]
    assert len(keys) == len(set(keys)), "a key does one thing"
    dialog.close()
