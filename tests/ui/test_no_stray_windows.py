"""Building a tab never opens a window of its own: a parentless widget shown while a tab is
built (a folding section's body was one) opened as a window for a moment, and took the keyboard
from the main window. The next Ctrl+Tab, Ctrl+PgDown or Ctrl+S went nowhere until the user
clicked the window again.

Keys are pressed on the focused widget, as a keyboard does, without re-activating the window
between presses.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from core.frameworks import ENTRIES
from tests.ui.conftest import wait_idle

CTRL = Qt.KeyboardModifier.ControlModifier
#: Windows that open on purpose and close themselves (tooltips, menus); a stray widget is a
#: plain Qt.Window.
_TRANSIENT = (Qt.WindowType.ToolTip, Qt.WindowType.Popup)


class _WindowsShown(QObject):
    """Every window other than `main` that is shown while installed."""

    def __init__(self, main: QWidget) -> None:
        super().__init__()
        self.main = main
        self.shown: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if (
            event.type() == QEvent.Type.Show
            and isinstance(watched, QWidget)
            and watched.isWindow()
            and watched is not self.main
            and watched.windowType() not in _TRANSIENT
        ):
            children = [type(c).__name__ for c in watched.findChildren(QWidget)][:5]
            self.shown.append(f"{type(watched).__name__} holding {children}")
        return False


def _activate(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.tabs.tabBar().setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)


def test_ctrl_tab_goes_through_every_tab_without_losing_the_keyboard(window, qtbot):
    """From the first tab, Ctrl+Tab pressed on whatever has the focus reaches every tab in
    turn (each is built on its first showing), and the window keeps the keyboard."""
    _activate(qtbot, window)
    watch = _WindowsShown(window)
    QApplication.instance().installEventFilter(watch)
    try:
        seen = [window.tabs.currentIndex()]
        for _ in range(window.tabs.count() - 1):
            focused = QApplication.focusWidget()
            assert focused is not None, f"no widget has the keyboard after tab {seen[-1]}"
            QTest.keyClick(focused, Qt.Key.Key_Tab, CTRL)
            wait_idle(qtbot, window)
            assert window.isActiveWindow(), f"the window lost the keyboard on tab {seen[-1] + 1}"
            seen.append(window.tabs.currentIndex())
    finally:
        QApplication.instance().removeEventFilter(watch)
    assert seen == list(range(window.tabs.count()))
    assert watch.shown == []


def test_building_any_part_of_the_window_opens_no_window(window, qtbot):
    """Every framework tab, the Models tab and every page of the experiments workbench,
    built for the first time: no widget of theirs shows as a window of its own."""
    _activate(qtbot, window)
    watch = _WindowsShown(window)
    QApplication.instance().installEventFilter(watch)
    try:
        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            wait_idle(qtbot, window)
        bench = window.tab_for("experiments").panel.workbench
        for page in range(bench.count()):
            bench.setCurrentIndex(page)
            wait_idle(qtbot, window)
    finally:
        QApplication.instance().removeEventFilter(watch)
    assert len(ENTRIES) < window.tabs.count()  # the Models tab was among them
    assert watch.shown == []
    assert window.isActiveWindow()
