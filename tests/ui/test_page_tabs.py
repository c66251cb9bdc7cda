"""The window's tab widget places its pages before they first show, where QTabWidget puts them."""

import pytest
from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from ui.window.main_window import PageTabs


class _Sizes(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[QSize] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Resize:
            self.seen.append(QSize(watched.size()))
        return False


def _window(tabs: QTabWidget, size: QSize) -> tuple[QWidget, QWidget, _Sizes]:
    window = QWidget()
    QVBoxLayout(window).addWidget(tabs)
    page = QWidget()
    QVBoxLayout(page).addWidget(QLabel("A page that would like to be wider " * 4))
    tabs.addTab(page, "First")
    tabs.addTab(QWidget(), "Second")
    sizes = _Sizes()
    page.installEventFilter(sizes)
    window.resize(size)
    return window, page, sizes


@pytest.mark.parametrize("document_mode", [True, False])
@pytest.mark.parametrize("position", [QTabWidget.TabPosition.North, QTabWidget.TabPosition.West])
def test_pages_show_once_where_qtabwidget_puts_them(qtbot, document_mode, position):
    shown = {}
    for kind in (QTabWidget, PageTabs):
        tabs = kind()
        tabs.setDocumentMode(document_mode)
        tabs.setTabPosition(position)
        window, page, sizes = _window(tabs, QSize(900, 500))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        shown[kind] = (page.geometry(), tabs.tabBar().geometry(), sizes.seen)
    qt_page, qt_bar, _ = shown[QTabWidget]
    page_rect, bar_rect, seen = shown[PageTabs]
    assert (page_rect, bar_rect) == (qt_page, qt_bar)
    assert seen == [page_rect.size()]  # laid out once, at its place


def test_a_hidden_resize_and_a_shown_one_end_where_qtabwidget_puts_them(qtbot):
    shown = {}
    for kind in (QTabWidget, PageTabs):
        tabs = kind()
        window, page, _ = _window(tabs, QSize(700, 400))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.hide()
        window.resize(1000, 600)
        window.show()
        qtbot.waitExposed(window)
        hidden_resize = page.geometry()
        window.resize(800, 650)
        qtbot.wait(1)
        shown[kind] = (hidden_resize, page.geometry())
    assert shown[PageTabs] == shown[QTabWidget]
