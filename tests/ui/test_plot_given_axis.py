"""A plot made with an x axis of its own is the plot whose axis was replaced once made."""

import pyqtgraph as pg

from ui.plots.common import make_plot, set_axes
from ui.plots.cost_quality_latency import LogMoneyAxis


def _state(plot: pg.PlotWidget) -> dict[str, object]:
    item = plot.getPlotItem()
    axis = item.getAxis("bottom")
    return {
        "class": type(axis),
        "grid": axis.grid,
        "si_prefix": axis.autoSIPrefix,
        "font": axis.style["tickFont"],
        "z": axis.zValue(),
        "label": axis.labelString(),
        "visible": axis.isVisible(),
        "x_grid_check": item.ctrl.xGridCheck.isChecked(),
        "left_grid": item.getAxis("left").grid,
        "z_order": [type(a).__name__ for a in item.childItems()],
    }


def test_a_given_bottom_axis_matches_one_set_after(qtbot):
    made = make_plot("Cost", "cost (log)", "quality", money_axis=None)
    set_axes(made, bottom=LogMoneyAxis(orientation="bottom"))
    made.getPlotItem().setLabel("bottom", "cost (log)")
    given = make_plot(
        "Cost", "cost (log)", "quality", money_axis=None, bottom=LogMoneyAxis(orientation="bottom")
    )
    for plot in (made, given):
        qtbot.addWidget(plot)
        plot.resize(640, 400)
        plot.getPlotItem().setRange(xRange=(-5, -1), yRange=(0, 1), padding=0)
        plot.show()
    qtbot.waitExposed(given)
    assert _state(given) == _state(made)
    assert made.grab().toImage() == given.grab().toImage()
    # Zoomed in, the minor ticks (2x, 3x, 5x, 7x) come in.
    for plot in (made, given):
        plot.getPlotItem().setRange(xRange=(-3.2, -2.6), yRange=(0.2, 0.6), padding=0)
    assert made.grab().toImage() == given.grab().toImage()
