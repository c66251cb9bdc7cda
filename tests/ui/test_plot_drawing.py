"""How the plots draw and update: grid lines drawn the fast way look as pyqtgraph drew them,
texts that change relay out only what they must, and repeated updates keep what they show."""

from __future__ import annotations

import types

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPen
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from core.frameworks import build_vs_buy as bvb
from core.frameworks import model_selection as msel
from ui.plots.build_vs_buy import BuildVsBuyPanel
from ui.plots.common import (
    HeightBox,
    make_plot,
    sample_at,
    set_points,
    short_money,
)
from ui.plots.model_selection import ModelSelectionPanel, candidate_colour
from ui.plots.pyqtgraph_compat import opaque_lines
from ui.result_card import ResultCard


def pixels(widget: QWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * image.height())
    rows = rows.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
    return rows.reshape(image.height(), image.width(), 3).astype(int)


def pyqtgraph_drawing(axis: pg.AxisItem) -> None:
    """Give one axis pyqtgraph's own grid and tick drawing back."""
    axis.generateDrawSpecs = types.MethodType(pg.AxisItem.generateDrawSpecs, axis)
    axis.drawPicture = types.MethodType(pg.AxisItem.drawPicture, axis)
    axis.picture = None
    axis.update()


@pytest.fixture
def grid_plots(qtbot):
    """Two identical empty plots with a grid, 600 by 300."""
    plots = []
    for _ in range(2):
        plot = make_plot("Grid", "x", "y", money_axis=None)
        plot.setXRange(0, 7.3, padding=0)
        plot.setYRange(0, 13.1, padding=0)
        plot.resize(600, 300)
        qtbot.addWidget(plot)
        plot.show()
        qtbot.waitExposed(plot)
        plots.append(plot)
    return plots


def test_horizontal_grid_lines_are_the_pixels_pyqtgraph_draws(grid_plots):
    """The left axis fills its translucent grid lines as rectangles: the same pixels, the
    same colours as pyqtgraph's aliased lines."""
    ours, theirs = grid_plots
    for plot in grid_plots:
        plot.getPlotItem().showGrid(x=False, y=True, alpha=0.15)
    pyqtgraph_drawing(theirs.getPlotItem().getAxis("left"))
    a, b = pixels(ours), pixels(theirs)
    assert np.array_equal(a, b)
    # And there is a grid to compare: faint rows across the view.
    assert (a[:, 300] < 250).sum() > 5


def test_vertical_grid_lines_show_the_colour_the_translucent_lines_gave(grid_plots):
    """The bottom axis draws its grid lines opaque, each in the colour its translucent line
    showed over the white background (to rounding)."""
    ours, theirs = grid_plots
    for plot in grid_plots:
        plot.getPlotItem().showGrid(x=True, y=False, alpha=0.15)
    pyqtgraph_drawing(theirs.getPlotItem().getAxis("bottom"))
    a, b = pixels(ours), pixels(theirs)
    assert np.abs(a - b).max() <= 1
    assert (a[150, :] < 250).sum() > 5


def test_overlapping_ticks_composite_as_translucent_lines_do():
    """A log axis draws a decade twice, a long and a shorter tick from the same point: where
    both lie the colour is both drawn in turn (alpha 0.5 then 0.5 over white: 25% white),
    beyond the shorter one only the long one's (50%)."""
    start = QPointF(0, 10)
    half_black = QPen(QColor(0, 0, 0, 128))
    long_line = (half_black, start, QPointF(100, 10))
    short_line = (QPen(half_black), start, QPointF(5, 10))
    drawn = opaque_lines([long_line, short_line], QColor("white"))
    assert [line[2].x() for line in drawn] == [100, 5]  # longest first, the short one on top
    long_colour, short_colour = (line[0].color() for line in drawn)
    assert long_colour.alpha() == short_colour.alpha() == 255
    assert long_colour.red() == pytest.approx(127, abs=1)
    assert short_colour.red() == pytest.approx(64, abs=1)


def test_the_grid_lies_under_the_data(grid_plots):
    """Opaque grid lines must never cross a curve: the axes are drawn before the view."""
    plot = grid_plots[0]
    item = plot.getPlotItem()
    for side in ("left", "bottom"):
        assert item.getAxis(side).zValue() < item.getViewBox().zValue()


def test_a_pointer_a_rounding_error_past_a_sample_reads_that_sample():
    samples = np.log10(np.array([1e4, 1e5, 1e6]))
    assert sample_at(samples, 5.000000000000001) == 1
    assert sample_at(samples, 5.01) == 2
    assert sample_at(samples, 9.0) == 2
    assert sample_at(samples, 0.0) == 0


def test_points_fed_again_after_others_are_shown_again(qtbot):
    plot = make_plot("Curve", "x", "y")
    qtbot.addWidget(plot)
    curve = plot.plot([], [])
    set_points(curve, [0, 1, 2], [3, 4, 5])
    set_points(curve, [0, 1, 2], [3, 4, 6])
    set_points(curve, [0, 1, 2], [3, 4, 5])
    assert curve.getData()[1].tolist() == [3, 4, 5]


class LayoutRequests(QObject):
    """Counts the layout requests a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def _readout_window(qtbot):
    """A word-wrapped readout above a widget, in a 300 px wide window, shown."""
    window = QWidget()
    label = QLabel("short")
    label.setWordWrap(True)
    lay = QVBoxLayout(window)
    box = HeightBox(label)
    lay.addWidget(box)
    lay.addWidget(QWidget(), 1)
    qtbot.addWidget(window)
    window.resize(300, 400)
    window.show()
    qtbot.waitExposed(window)
    return window, box, label


@pytest.fixture
def readout(qtbot):
    return _readout_window(qtbot)


def test_a_new_text_of_the_same_height_relays_out_nothing_around_it(qtbot, readout):
    window, box, label = readout
    requests = LayoutRequests(window)
    for text in ("other", "third text", "fourth"):
        label.setText(text)
        qtbot.wait(20)
    assert requests.count == 0
    assert box.height() == label.height()


def test_a_text_that_needs_more_lines_makes_the_box_taller(qtbot, readout):
    window, box, label = readout
    one_line = box.height()
    label.setText("a readout long enough to need several lines in a narrow window " * 3)
    qtbot.waitUntil(lambda: box.height() > 2 * one_line)
    assert label.height() == box.height() >= label.heightForWidth(label.width())


def test_a_readout_changed_while_hidden_fits_its_text_when_shown(qtbot):
    """A hidden tab's readouts change too (a new catalog recomputes every tab): shown, the
    box has the height its new text needs, though the layout sized it before the change."""
    window, box, label = _readout_window(qtbot)
    window.hide()
    label.setText("a readout long enough to need several lines in a narrow window " * 3)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: box.height() >= label.heightForWidth(box.width()))


def test_a_card_filled_while_hidden_fits_its_text_when_shown(qtbot):
    """Placed in its splitter, then filled, then shown (the order every tab follows): the
    splitter gives the card the height its text needs, every line of the rationale fits."""
    split = QSplitter(Qt.Orientation.Vertical)
    card = ResultCard()
    split.addWidget(card)
    split.addWidget(QWidget())
    split.setStretchFactor(1, 1)
    card.show_result(bvb.compute(bvb.Inputs()))
    qtbot.addWidget(split)
    split.resize(968, 750)
    split.show()
    qtbot.waitExposed(split)
    qtbot.waitUntil(lambda: card.rationale.height() > 0)
    assert card.height() >= card.minimumSizeHint().height()
    assert card.rationale.height() >= card.rationale.heightForWidth(card.rationale.width())


@pytest.fixture
def selection_panel(qtbot):
    panel = ModelSelectionPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 450)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_moving_the_weights_moves_the_star_over_the_same_map(selection_panel):
    weight_map = selection_panel.weight_map
    weight_map.update_result(msel.compute(msel.Inputs()))
    tiles = [s.getData()[0].copy() for s in weight_map.series]
    star = weight_map.current.getData()[0][0]
    moved = msel.Inputs(weight_quality=0.7, weight_latency=0.2, weight_cost=0.1)
    weight_map.update_result(msel.compute(moved))
    assert [s.getData()[0].tolist() for s in weight_map.series] == [t.tolist() for t in tiles]
    assert weight_map.current.getData()[0][0] != star


def test_reordered_candidates_keep_their_colours_on_the_map(selection_panel):
    """The same winners, the candidates listed in another order: each region takes the
    colour of its candidate's new row."""
    weight_map = selection_panel.weight_map
    first = msel.compute(msel.Inputs())
    weight_map.update_result(first)
    reordered = msel.Inputs(candidates=list(reversed(msel.Inputs().candidates)))
    r = msel.compute(reordered)
    weight_map.update_result(r)
    for i, name in enumerate(r.weight_map.names):
        expected = candidate_colour(r.row(name).input_index)
        assert weight_map.series[i].opts["brush"].color().name() == expected
        assert len(weight_map.series[i].getData()[0]) == r.weight_map.winners.count(i)


def test_tornado_labels_follow_the_latest_result_without_piling_up(qtbot):
    panel = BuildVsBuyPanel()
    qtbot.addWidget(panel)
    tornado = panel.tornado
    panel.update_result(bvb.compute(bvb.Inputs()))
    items = len(tornado.plot.getPlotItem().items)
    dearer = bvb.compute(bvb.Inputs(api_cost_per_token=8e-6))
    panel.update_result(dearer)
    assert len(tornado.plot.getPlotItem().items) == items
    ends = [v for b in reversed(dearer.tornado) for v in (b.savings_low, b.savings_high)]
    assert [label.toPlainText() for label in tornado.labels] == [short_money(v) for v in ends]
    assert all(label.isVisible() for label in tornado.labels)
