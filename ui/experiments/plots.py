"""Experiments plots: paired items needed against the lift, and the observed lift with its
interval; with the app's services, the workbench (datasets, runs, comparison, history) below."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QWidget

from core import stats
from core.frameworks import experiments
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    VERDICT_COLOURS,
    PlotPanel,
    keep_label_inside,
    make_plot,
    pen,
    sample_at,
    set_line_label,
    set_points,
    splitter,
    vline,
)
from ui.services import AppServices

SAMPLES_TITLE = "Paired items needed to detect a lift"
LIFT_TITLE = "Observed lift and its interval"
_PALETTE = [BLUE, ORANGE, GREEN, "#a142f4", "#12b5cb"]


def _hline(colour: str, label: str) -> pg.InfiniteLine:
    opts = {"position": 0.9, "color": colour, "fill": (255, 255, 255, 200), "movable": False}
    return keep_label_inside(
        pg.InfiniteLine(
            angle=0, movable=False, pen=pen(colour, 1.2, True), label=label, labelOpts=opts
        )
    )


class SampleSizePlot(QWidget):
    """The planning curve: how many paired items a lift of each size needs (log scale), the
    items observed so far, and the planned and observed lifts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(SAMPLES_TITLE, "lift to detect (percentage points)", "", None)
        self.plot.getPlotItem().setLabel("left", "paired items needed")
        self.plot.getPlotItem().setLogMode(x=False, y=True)
        self.curve = self.plot.plot([], [], pen=pen(BLUE, 2.2), name="items needed")
        self.observed_n = _hline(GREY, "")
        self.plot.addItem(self.observed_n, ignoreBounds=True)
        self.planned = vline(BLUE, label="planned")
        self.observed = vline(ORANGE, label="observed", label_at=0.8)
        for line in (self.planned, self.observed):
            self.plot.addItem(line, ignoreBounds=True)
        self.hover = pg.TextItem(color="#202124", anchor=(0, 1), fill=(255, 255, 255, 220))
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.hover.hide()
        self.plot.scene().sigMouseMoved.connect(self._hovered)
        self._x = np.array([])
        self._y = np.array([])
        lay = pg.QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: experiments.Result) -> None:
        x = np.asarray(r.curve_lift_pct, dtype=float)
        y = np.asarray(r.curve_samples_needed, dtype=float)
        keep = np.isfinite(y) & (y > 0)
        self._x, self._y = x[keep], y[keep]
        set_points(self.curve, self._x, self._y)
        if r.n_items > 0:
            self.observed_n.setValue(np.log10(r.n_items))
            set_line_label(self.observed_n, f"{r.n_items:,} items observed")
            self.observed_n.show()
        else:
            self.observed_n.hide()
        self.planned.setValue(r.planned_lift_pct)
        self.planned.setVisible(r.samples_needed_planned is not None)
        if r.lift_pct is not None and r.lift_pct > 0:
            self.observed.setValue(r.lift_pct)
            self.observed.show()
        else:
            self.observed.hide()

    def _hovered(self, pos: QPointF) -> None:
        vb = self.plot.getPlotItem().vb
        if not len(self._x) or not self.plot.sceneBoundingRect().contains(pos):
            self.hover.hide()
            return
        point = vb.mapSceneToView(pos)
        i = sample_at(self._x, point.x())
        self.hover.setText(f"lift {self._x[i]:.2g} pp: {self._y[i]:,.0f} paired items")
        self.hover.setPos(self._x[i], np.log10(self._y[i]))
        self.hover.show()


class LiftPlot(QWidget):
    """The observed lift as a point with its (1 - alpha) interval, against zero and the minimum
    lift."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(LIFT_TITLE, "lift (percentage points)", "", None)
        self.plot.getPlotItem().hideAxis("left")
        self.bar = pg.ErrorBarItem(
            x=np.array([0.0]), y=np.array([0.0]), left=0, right=0, pen=pen(BLUE, 3), beam=0.15
        )
        self.point = pg.ScatterPlotItem([0.0], [0.0], size=12, brush=pg.mkBrush(BLUE))
        self.plot.addItem(self.bar)
        self.plot.addItem(self.point)
        self.zero = vline(GREY, label="no change", label_at=0.9)
        self.minimum = vline(GREEN, label="minimum lift", label_at=0.75)
        for line in (self.zero, self.minimum):
            self.plot.addItem(line, ignoreBounds=True)
        self.label = pg.TextItem(color="#202124", anchor=(0.5, 1.3))
        self.plot.addItem(self.label)
        self.plot.setYRange(-1, 1, padding=0)
        self._shown: tuple[float, float, float, str, float] | None = None
        lay = pg.QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: experiments.Result) -> None:
        self.minimum.setValue(r.min_lift_pct)
        colour = VERDICT_COLOURS.get(r.recommendation, BLUE)
        if r.lift_pct is None or r.ci_low_pct is None or r.ci_high_pct is None:
            self.bar.hide()
            self.point.hide()
            self.label.setText("No outcomes observed yet")
            reach = max(r.min_lift_pct, 1) * 2
            self._place_label(r.min_lift_pct / 2, -reach, reach)
            return
        lift, low, high = r.lift_pct, r.ci_low_pct, r.ci_high_pct
        left = min(low, 0.0, r.min_lift_pct)
        right = max(high, 0.0, r.min_lift_pct)
        span = max(right - left, 1.0)
        self._place_label(lift, left - span * 0.25, right + span * 0.25)
        shown = (lift, low, high, r.recommendation, r.alpha)
        if shown == self._shown and self.point.isVisible():
            return  # the same interval: pyqtgraph would rebuild both items for nothing
        self._shown = shown
        self.bar.setData(
            x=np.array([lift]),
            y=np.array([0.0]),
            left=np.array([lift - low]),
            right=np.array([high - lift]),
            pen=pen(colour, 3),
        )
        self.point.setData([lift], [0.0], brush=pg.mkBrush(colour))
        self.bar.show()
        self.point.show()
        self.label.setText(
            f"{stats.VERDICT_LABELS[r.recommendation]}: "
            f"{stats.format_lift(lift, low, high, r.alpha)}"
        )
        self.label.setColor(colour)

    def _place_label(self, x: float, low: float, high: float) -> None:
        """Show low..high with the label over x, anchored as far into its text as x is into
        the view: it stays inside whenever it fits (centred, a verdict over a lift near an
        end ran off the plot at 1280x800 with 2x scaling)."""
        self.plot.setXRange(low, high, padding=0)
        self.label.setAnchor((min(max((x - low) / (high - low), 0.0), 1.0), 1.3))
        self.label.setPos(x, 0)


class ExperimentsPanel(PlotPanel):
    """The planning and decision plots; with the app's services, the workbench below them."""

    #: Decision-form values measured by a comparison ("Use in the decision form"); the tab
    #: applies them as one undoable change.
    inputs_suggested = Signal(dict)

    def __init__(
        self, parent: QWidget | None = None, *, services: AppServices | None = None
    ) -> None:
        super().__init__(parent)
        self.samples = SampleSizePlot()
        self.lift = LiftPlot()
        plots = splitter(Qt.Orientation.Horizontal, self.samples, self.lift, stretch=(3, 2))
        self.workbench = None
        body: QWidget = plots
        if services is not None:
            # Imported here: the workbench pulls in the runner and the store, which a report
            # rendering these plots offscreen does not need.
            from ui.experiments.workbench import Workbench

            # The plots are the workbench's first page: datasets, runs and per-item views
            # need the whole height of the panel.
            self.workbench = Workbench(services)
            self.workbench.add_page(plots, "Plan and decide", 0)
            self.workbench.setTabToolTip(
                0, "Items needed for the lift you hope for, and the decision from the form"
            )
            self.workbench.setCurrentIndex(0)
            self.workbench.inputs_suggested.connect(self.inputs_suggested)
            # Datasets, runs and comparisons are not about the form's result: the card steps
            # back to its verdict line and the page gets the height.
            workbench = self.workbench
            workbench.currentChanged.connect(
                lambda index: self.card_compact.emit(index != workbench.indexOf(plots))
            )
            body = self.workbench
        self._arrange([(SAMPLES_TITLE, self.samples), (LIFT_TITLE, self.lift)], body)


def comparison_plot(named: list[tuple[str, experiments.Result]]) -> pg.PlotWidget:
    """Each scenario's observed lift with its interval, one row each, against its minimum."""
    plot = make_plot("Observed lift, side by side", "lift (percentage points)", "", None)
    axis = plot.getPlotItem().getAxis("left")
    ticks = []
    for i, (name, r) in enumerate(named):
        colour = _PALETTE[i % len(_PALETTE)]
        y = float(len(named) - i)
        ticks.append((y, name))
        if r.lift_pct is not None and r.ci_low_pct is not None and r.ci_high_pct is not None:
            plot.addItem(
                pg.ErrorBarItem(
                    x=np.array([r.lift_pct]),
                    y=np.array([y]),
                    left=np.array([r.lift_pct - r.ci_low_pct]),
                    right=np.array([r.ci_high_pct - r.lift_pct]),
                    pen=pen(colour, 3),
                    beam=0.15,
                )
            )
            plot.addItem(pg.ScatterPlotItem([r.lift_pct], [y], size=11, brush=pg.mkBrush(colour)))
        minimum = pg.ScatterPlotItem(
            [r.min_lift_pct], [y], size=14, symbol="t1", brush=pg.mkBrush(GREEN)
        )
        plot.addItem(minimum)
    plot.addItem(vline(GREY, label="no change"), ignoreBounds=True)
    axis.setTicks([ticks])
    plot.setYRange(0.3, len(named) + 0.7, padding=0)
    return plot
