"""pyqtgraph's private overrides behind a version guard: outside the versions they were written
for, the plots use pyqtgraph's own axis (with a warning) and show the same picture."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from core import compat
from tests.ui.test_plot_drawing import pixels
from ui.plots import common, pyqtgraph_compat
from ui.plots.pyqtgraph_compat import CachedAxis, axis_class


def test_the_installed_pyqtgraph_gets_the_fast_axis() -> None:
    """When this fails, pyqtgraph was upgraded: check the overrides in
    ui/plots/pyqtgraph_compat.py against it (the pixel tests help), then widen WRITTEN_FOR."""
    assert common.PlotAxis is pyqtgraph_compat._FastAxis
    assert axis_class("0.13.7") is axis_class("0.14.0") is pyqtgraph_compat._FastAxis


@pytest.mark.parametrize("version", ["0.15.0", "0.13.6", None])
def test_another_version_gets_pyqtgraphs_own_axis_and_a_warning(
    version: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="core.compat")
    compat._warned.discard(("pyqtgraph", version))
    axis = axis_class(version)
    assert axis is CachedAxis
    assert "_updateLabel" not in vars(axis) and "drawPicture" not in vars(axis)
    assert f"pyqtgraph {version or '(not installed)'} is outside the versions" in caplog.text


def test_the_fallback_axis_draws_the_same_plot(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same plot with the fast axes and with pyqtgraph's own: the same pixels, to the
    rounding of the vertical grid lines' colour."""
    plots = []
    for axis in (pyqtgraph_compat._FastAxis, CachedAxis):
        monkeypatch.setattr(common, "PlotAxis", axis)
        plot = common.make_plot("Grid", "x", "y", money_axis=None)
        plot.setXRange(0, 7.3, padding=0)
        plot.setYRange(0, 13.1, padding=0)
        plot.resize(600, 300)
        qtbot.addWidget(plot)
        plot.show()
        qtbot.waitExposed(plot)
        plots.append(plot)
    fast, own = plots
    assert type(own.getPlotItem().getAxis("left")) is CachedAxis
    a, b = pixels(fast), pixels(own)
    assert np.abs(a - b).max() <= 1
    assert (a[:, 300] < 250).sum() > 5
