"""The window at the screen sizes people have: no control is squeezed below its minimum size.

Each tab and sub-page (the Experiments workbench pages, the Agents plots and trial pages) is
shown with the examples loaded at 1280x800, 1366x768, 1440x900, 1920x1080 and 2560x1440. A
visible control fails when it is smaller than its minimum size hint (the size Qt's own
layouts never go below unless the window is too small for them), or when an ancestor clips
it (a splitter or page too small for the children it keeps at their minimum). Inside a
scroll area's viewport being partly out of view is what scrolling means, so the check stops
there. Parts of a compound control (the line edit inside a spin box) are the control's own
business and are not listed.
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QRect, QRectF
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QWidget,
)

from tests.ui.conftest import show_examples_at, wait_idle

SIZES = [(1280, 800), (1366, 768), (1440, 900), (1920, 1080), (2560, 1440)]
CONTROLS = (QLineEdit, QComboBox, QAbstractSpinBox, QPushButton, QCheckBox, QLabel, QTableView)
IGNORED = QSizePolicy.Policy.Ignored


def _is_control(widget: QWidget) -> bool:
    if isinstance(widget, QLabel) and not widget.text():
        return False
    return isinstance(widget, (*CONTROLS, pg.PlotWidget))


def _inside_compound(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    return isinstance(parent, QAbstractSpinBox | QComboBox)


def _clipped_by(widget: QWidget, top: QWidget) -> QWidget | None:
    """The first ancestor (below `top`) whose rectangle does not hold the widget; the walk
    stops at a scroll area's viewport, which shows a part of its content by design."""
    rect = QRect(QPoint(0, 0), widget.size())
    child = widget
    parent = widget.parentWidget()
    while parent is not None and child is not top:
        rect = rect.translated(child.pos())
        if isinstance(parent.parentWidget(), QAbstractScrollArea) and (
            parent is parent.parentWidget().viewport()  # type: ignore[union-attr]
        ):
            return None
        if not parent.rect().contains(rect):
            return parent
        child, parent = parent, parent.parentWidget()
    return None


def offenders(window: QWidget, where: str) -> list[str]:
    """One line per visible control that is smaller than its minimum or cut by a parent."""
    found = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not _is_control(widget) or _inside_compound(widget):
            continue
        hint, size, policy = widget.minimumSizeHint(), widget.size(), widget.sizePolicy()
        least_w = max(hint.width(), widget.minimumWidth())
        least_h = max(hint.height(), widget.minimumHeight())
        problems = []
        if size.width() < least_w and policy.horizontalPolicy() != IGNORED:
            problems.append(f"width {size.width()} < {least_w}")
        if size.height() < least_h and policy.verticalPolicy() != IGNORED:
            problems.append(f"height {size.height()} < {least_h}")
        if isinstance(widget, pg.PlotWidget):
            # pyqtgraph lays a plot out at least at its items' minimum: wider than the view,
            # its right side (the last tick, the longest bar, a label) is cut off.
            laid_out = widget.getPlotItem().geometry().width()
            if laid_out > widget.viewport().width() + 1:
                problems.append(f"plot laid out {laid_out:.0f} px wide in a {size.width()} px view")
        clipper = _clipped_by(widget, window)
        if clipper is not None:
            problems.append(f"cut by {type(clipper).__name__} {clipper.objectName()!r}")
        if problems:
            text = widget.text()[:30] if isinstance(widget, QLabel | QPushButton) else ""
            found.append(
                f"{where}: {type(widget).__name__} {widget.objectName()!r} {text!r}: "
                + ", ".join(problems)
            )
    return found


def visit_all(qtbot, window) -> list[str]:
    """Show every tab and every sub-page; the offenders of each."""
    found: list[str] = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        wait_idle(qtbot, window)
        qtbot.wait(10)
        title = window.tabs.tabText(index)
        panel = getattr(window.tabs.currentWidget(), "panel", None)
        workbench = getattr(panel, "workbench", None) or getattr(panel, "pages", None)
        if workbench is None:
            found += offenders(window, title)
            continue
        for page in range(workbench.count()):
            workbench.setCurrentIndex(page)
            wait_idle(qtbot, window)
            qtbot.wait(10)
            found += offenders(window, f"{title} › {workbench.tabText(page)}")
        workbench.setCurrentIndex(0)
    return found


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_no_control_is_squeezed(qtbot, window, width, height):
    show_examples_at(qtbot, window, width, height)
    # The Agents tab's trial is a page beside the plots: it is one of the pages visited.
    found = visit_all(qtbot, window)
    assert not found, "\n".join(found)


def card_problems(card, where: str) -> list[str]:
    """The header holds the badge and the headline on one line, with no blank under a short
    headline; every rationale line is on screen or reachable by the card's scroll bar."""
    found = []
    headline, badge = card.headline, card.badge
    need = headline.heightForWidth(headline.width())
    if headline.height() > max(need, badge.height()) + 2:
        found.append(f"{where}: headline box {headline.height()} px for {need} px of text")
    if headline.mapTo(card, QPoint(0, 0)).y() > badge.mapTo(card, QPoint(0, 0)).y() + 2:
        found.append(f"{where}: the headline starts below the badge")
    content, scroll = card.content, card.inner
    if content.height() < content.heightForWidth(content.width()):
        found.append(f"{where}: card texts squeezed ({content.height()} px)")
    if content.height() > scroll.viewport().height() and not scroll.verticalScrollBar().isVisible():
        found.append(f"{where}: card cut at {scroll.viewport().height()} px, no scroll bar")
    return found


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_result_card_fits_or_scrolls(qtbot, window, width, height):
    """At 1920x1080 the header had the badge alone on its line over ~60 px of blank; at
    1440x900 the last rationale line was half visible (Experiments, RAG)."""
    show_examples_at(qtbot, window, width, height)
    found: list[str] = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        wait_idle(qtbot, window)
        qtbot.wait(10)
        card = getattr(window.tabs.currentWidget(), "card", None)  # Models has none
        if card is not None:
            found += card_problems(card, window.tabs.tabText(index))
    assert window.framework_tabs, "no framework tab was shown"
    assert not found, "\n".join(found)


def _plot_texts(plot: pg.PlotWidget) -> list[tuple[str, QRectF]]:
    """Each shown annotation of a plot (text, line label, legend) with its scene rectangle."""
    found = []
    for item in plot.scene().items():
        if not isinstance(item, pg.TextItem | pg.LegendItem) or not item.isVisible():
            continue
        rect = item.sceneBoundingRect()
        if rect.width() > 0:
            name = item.toPlainText() if isinstance(item, pg.TextItem) else "legend"
            found.append((name, rect))
    return found


def label_problems(plot: pg.PlotWidget, where: str) -> list[str]:
    """Annotations outside the view box (cut off: 'udget $0.15', 'target 95.0%', a tornado
    bar's money), and the Model Selection legend over its 'quality = 1' corner."""
    view = plot.getPlotItem().getViewBox().sceneBoundingRect()
    texts = _plot_texts(plot)
    found = [
        f"{where}: {name!r} at {rect.getRect()} outside the view {view.getRect()}"
        for name, rect in texts
        if not view.contains(rect)
    ]
    legends = [rect for name, rect in texts if name == "legend"]
    corner = [rect for name, rect in texts if name == "quality = 1"]
    if legends and corner and legends[0].intersects(corner[0]):
        found.append(f"{where}: the legend covers 'quality = 1'")
    return found


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)], ids=["1280", "1920"])
def test_plot_labels_stay_inside(qtbot, window, width, height):
    show_examples_at(qtbot, window, width, height)
    found: list[str] = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        wait_idle(qtbot, window)
        qtbot.wait(10)
        panel = getattr(window.tabs.currentWidget(), "panel", None)
        for title, plot in panel.plots() if panel is not None else ():
            if plot.isVisible():
                found += label_problems(plot, f"{window.tabs.tabText(index)} › {title}")
    assert not found, "\n".join(found)
