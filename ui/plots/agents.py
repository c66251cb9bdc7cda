"""Agents plots: cost, latency and iterations of a task over the loop's iterations; the
panel holding them (and, with the app's services, the agent trial from ui.agents)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.frameworks import agents
from core.frameworks.common import money
from ui.plain_text import html_text
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    RED,
    PlotPanel,
    keep_label_inside,
    make_plot,
    pen,
    scrolling,
    set_line_label,
    set_points,
    splitter,
    vline,
)
from ui.services import AppServices

if TYPE_CHECKING:
    from ui.agents.trial import TrialSection

_PALETTE = [BLUE, ORANGE, GREEN, "#a142f4", "#12b5cb"]


def _hline(color: str, label: str) -> pg.InfiniteLine:
    opts = {"position": 0.12, "color": color, "fill": (255, 255, 255, 200), "movable": False}
    return keep_label_inside(
        pg.InfiniteLine(
            angle=0, movable=False, pen=pen(color, 1.4, dashed=True), label=label, labelOpts=opts
        )
    )


def _seconds(ms: float) -> str:
    return f"{ms:,.0f} ms" if ms < 1000 else f"{ms / 1000:,.3g} s"


def _task_usd(value: float) -> str:
    return f"${value:.3g}" if 0 < value < 1 else money(value)


#: A result's series in plot units, its budget in plot units, and the budget's label.
_Series = Callable[[agents.Result], tuple[np.ndarray, float, str]]


class _OverIterationsPlot(QWidget):
    """One figure per task over iterations 1..max: the curve, its budget, mean and p95."""

    def __init__(
        self,
        title: str,
        y_label: str,
        series: _Series,
        money_axis: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.series = series
        self.plot = make_plot(title, "iterations per task", y_label, money_axis)
        self.curve = self.plot.plot(
            [], [], pen=pen(BLUE, 2.5), symbol="o", symbolSize=6, symbolBrush=BLUE
        )
        self.p95_point = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(ORANGE), pen=pg.mkPen("w"))
        self.budget = _hline(RED, "budget")
        self.mean_line = vline(GREY, True, "mean", 0.92)
        # Far enough below "mean" that the two labels stay apart in a short plot.
        self.p95_line = vline(ORANGE, True, "p95", 0.62)
        self.plot.addItem(self.p95_point)
        for item in (self.budget, self.mean_line, self.p95_line):
            self.plot.addItem(item, ignoreBounds=True)
        for side in ("bottom", "left"):
            # Cents on a money axis must not turn into "$150 (x0.001)".
            self.plot.getPlotItem().getAxis(side).enableAutoSIPrefix(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: agents.Result) -> None:
        k = np.asarray(r.iterations, dtype=float)
        y, budget, budget_label = self.series(r)
        set_points(self.curve, k, y)
        at = r.p95_iterations - 1
        set_points(self.p95_point, [float(r.p95_iterations)], [float(y[at])])
        self.budget.setValue(budget)
        set_line_label(self.budget, budget_label)
        self.mean_line.setValue(r.mean_iterations)
        set_line_label(self.mean_line, f"mean {r.mean_iterations:.3g}")
        self.p95_line.setValue(float(r.p95_iterations))
        set_line_label(self.p95_line, f"p95 {r.p95_iterations}")
        top = max(float(y.max()) if y.size else 0.0, budget)
        self.plot.setYRange(0, top * 1.08 if top > 0 else 1.0, padding=0)
        self.plot.setXRange(0.5, max(float(k[-1]), 1.0) + 0.5, padding=0.02)


def _cost_series(r: agents.Result) -> tuple[np.ndarray, float, str]:
    budget = r.max_cost_per_task_usd
    return np.asarray(r.cumulative_cost), budget, f"budget {_task_usd(budget)}"


def _latency_series(r: agents.Result) -> tuple[np.ndarray, float, str]:
    budget = r.max_latency_per_task_ms
    seconds = np.asarray(r.cumulative_latency_ms) / 1000
    return seconds, budget / 1000, f"budget {_seconds(budget)}"


COST_TITLE = "Cost per task over iterations"
LATENCY_TITLE = "Latency per task over iterations"
ITERATIONS_TITLE = "Iterations per task"


class CostOverIterationsPlot(_OverIterationsPlot):
    """Cumulative cost of a task stopped after k iterations, against the cost budget."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(COST_TITLE, "cumulative cost per task", _cost_series, "left", parent)


class LatencyOverIterationsPlot(_OverIterationsPlot):
    """Cumulative latency of a task stopped after k iterations, against the latency budget."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            LATENCY_TITLE, "cumulative latency per task (s)", _latency_series, None, parent
        )


class IterationsPlot(QWidget):
    """How many iterations tasks take: the capped lognormal, with the share stopped at the cap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(ITERATIONS_TITLE, "iterations", "share of tasks (%)", None)
        self.bars = pg.BarGraphItem(
            x=[], height=[], width=0.8, brush="#8ab4f8", pen=pg.mkPen("#4285f4")
        )
        self.stopped = pg.BarGraphItem(x=[], height=[], width=0.8, brush="#f28b82", pen=None)
        self.p95_line = vline(ORANGE, True, "p95", 0.9)
        self.stopped_label = pg.TextItem(color=RED, anchor=(1, 0))
        self.plot.addItem(self.stopped_label, ignoreBounds=True)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.stopped)
        self.plot.addItem(self.p95_line, ignoreBounds=True)
        self.plot.getPlotItem().getAxis("bottom").enableAutoSIPrefix(False)
        self._shown: tuple[bytes, bytes, float] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: agents.Result) -> None:
        k = np.asarray(r.iterations, dtype=float)
        share = np.asarray(r.probability) * 100
        shown = (k.tobytes(), share.tobytes(), r.stopped_share)
        if shown != self._shown:  # a cost or latency edit leaves the distribution as it is
            self._shown = shown
            self.bars.setOpts(x=k, height=share, width=0.8)
            # The part of the last bar that would have needed more iterations: stopped
            # unanswered.
            self.stopped.setOpts(x=k[-1:], height=[r.stopped_share * 100], width=0.8)
        self.p95_line.setValue(float(r.p95_iterations))
        set_line_label(self.p95_line, f"p95 {r.p95_iterations}")
        # Inside the view, not in the title: a long title widens the plot beyond its pane.
        self.stopped_label.setText(
            f"red: {r.stopped_share:.1%} stopped at {r.max_iterations}"
            if r.stopped_share >= 0.0005
            else ""
        )
        self.stopped_label.setPos(float(k[-1]) + 0.5, max(float(share.max()), 1.0) * 0.75)
        self.plot.setXRange(0.4, max(float(k[-1]), 1.0) + 0.6, padding=0)
        self.plot.setYRange(0, max(float(share.max()), 1.0) * 1.1, padding=0)


class AgentsPanel(PlotPanel):
    """The loop plots; with the app's services, the agent trial below them."""

    #: Loop-economics input name -> measured value ("Use measured values"; the tab applies
    #: them as one undoable change).
    inputs_suggested = Signal(dict)

    def __init__(
        self, parent: QWidget | None = None, *, services: AppServices | None = None
    ) -> None:
        super().__init__(parent)
        self.cost = CostOverIterationsPlot()
        self.latency = LatencyOverIterationsPlot()
        self.iterations = IterationsPlot()
        plots = splitter(
            Qt.Orientation.Horizontal, self.cost, self.latency, self.iterations, stretch=(3, 3, 2)
        )
        self.trial: TrialSection | None = None
        body: QWidget = plots
        if services is not None:
            # Imported here: the trial pulls in the model client and the trace store, which a
            # report rendering these plots offscreen does not need.
            from ui.agents.trial import TrialSection

            self.trial = TrialSection(services)
            self.trial.inputs_suggested.connect(self.inputs_suggested)
            # The trial's fields scroll rather than squeeze under the plots on a laptop.
            body = splitter(Qt.Orientation.Vertical, plots, scrolling(self.trial), stretch=(2, 3))
        self._arrange(
            [
                (COST_TITLE, self.cost),
                (LATENCY_TITLE, self.latency),
                (ITERATIONS_TITLE, self.iterations),
            ],
            body,
        )

    def update_result(self, result: object) -> None:
        super().update_result(result)
        if self.trial is not None:
            self.trial.set_result(result)  # type: ignore[arg-type]


def comparison_plot(named: list[tuple[str, agents.Result]]) -> pg.PlotWidget:
    """Each scenario's cost per task over iterations, its cost budget dashed and p95 marked."""
    plot = make_plot("Cost per task over iterations, side by side", "iterations per task", "")
    plot.getPlotItem().setLabel("left", "cumulative cost per task")
    plot.addLegend(offset=(10, 10))
    top = 0.0
    for i, (name, r) in enumerate(named):
        colour = _PALETTE[i % len(_PALETTE)]
        k = np.asarray(r.iterations, dtype=float)
        cost = np.asarray(r.cumulative_cost)
        plot.plot(
            k,
            cost,
            pen=pen(colour, 2.2),
            name=html_text(f"{name}: {agents.VERDICT_LABELS[r.recommendation]}"),
        )
        budget = pg.InfiniteLine(
            pos=r.max_cost_per_task_usd, angle=0, movable=False, pen=pen(colour, 1.2, True)
        )
        plot.addItem(budget, ignoreBounds=True)
        plot.addItem(
            pg.ScatterPlotItem(
                [float(r.p95_iterations)],
                [float(cost[r.p95_iterations - 1])],
                size=10,
                brush=pg.mkBrush(colour),
            )
        )
        top = max(top, float(cost.max()), r.max_cost_per_task_usd)
    plot.setYRange(0, top * 1.08 if top > 0 else 1.0, padding=0)
    return plot
