"""Agents plots: cost, latency and iterations of a task over the loop's iterations; the
panel holding them (and, with the app's services, the agent trial from ui.agents)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

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


#: Room left between two labels and at the view's edge, in pixels.
_GAP_PX = 3.0


def _text_size(item: pg.TextItem) -> tuple[float, float]:
    """A text's width and height in pixels (a TextItem is drawn at screen scale)."""
    size = item.textItem.boundingRect().size()
    return size.width(), size.height()


def _view_span(plot: pg.PlotWidget) -> tuple[float, float, float, float, float, float] | None:
    """The view's x and y ranges and its size in pixels; None before it is laid out."""
    view = plot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = view.viewRange()
    width, height = view.width(), view.height()
    if width <= 0 or height <= 0 or x1 <= x0 or y1 <= y0:
        return None
    return x0, x1, y0, y1, width, height


def _set_along(line: pg.InfiniteLine, along: float) -> None:
    """Move a line's label to `along` (0 bottom, 1 top of the view), kept inside the view."""
    if abs(line.label.orthoPos - along) > 1e-4:
        line.label.orthoPos = along
        keep_label_inside(line)


def _curve_between(
    x: np.ndarray | None, y: np.ndarray | None, left: float, right: float
) -> tuple[float, float]:
    """The lowest and highest value of a polyline between two x values (an empty range
    when it has no points there)."""
    if x is None or y is None or not len(x):
        return np.inf, -np.inf
    inside = y[(x > left) & (x < right)]
    ends = np.interp([left, right], x, y)
    values = np.concatenate([inside, ends])
    return float(values.min()), float(values.max())


def _vertical_label_box(
    line: pg.InfiniteLine, span: tuple[float, float, float, float, float, float]
) -> tuple[float, float, float, float]:
    """Where a vertical line's label sits, in data units (left, right, bottom, top).

    pyqtgraph puts it right of a line in the view's left half and left of one in the right
    half; keep_label_inside hangs a label `along` the view `along` of its height down."""
    x0, x1, y0, y1, width, height = span
    w_px, h_px = _text_size(line.label)
    w, r = w_px * (x1 - x0) / width, h_px / height
    x, along = line.value(), line.label.orthoPos
    left, right = (x, x + w) if x < (x0 + x1) / 2 else (x - w, x)
    bottom = y0 + along * (1 - r) * (y1 - y0)
    return left, right, bottom, bottom + r * (y1 - y0)


def _label_rows(r: float, gap: float, taken: tuple[float, float]) -> list[float]:
    """The rows a label `r` high fits in, top down, `gap` apart and clear of the budget's
    label (`taken`: its bottom and top): their bottoms, in shares of the view's height."""
    rows: list[float] = []
    bottom = 1 - r - gap
    while bottom > 0:
        if bottom < taken[1] + gap and bottom + r > taken[0] - gap:
            # The row meets the budget's label: go under it, and on from there without asking
            # again: (taken[0] - gap - r) + r can round above taken[0] - gap, and the same
            # question then came back true for ever (the window hung).
            bottom = taken[0] - gap - r
            if bottom <= 0:
                break
        rows.append(bottom)
        bottom -= r + gap
    return rows


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
        # Where their labels go depends on the budget's: see _place_labels.
        self.mean_line = vline(GREY, True, "mean", 0.92)
        self.p95_line = vline(ORANGE, True, "p95", 0.62)
        self.plot.addItem(self.p95_point)
        for item in (self.budget, self.mean_line, self.p95_line):
            self.plot.addItem(item, ignoreBounds=True)
        self.plot.getPlotItem().getViewBox().sigResized.connect(self._place_labels)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def _place_labels(self) -> None:
        """The budget's label at the left or right of its line, where the curve is not; the
        mean and p95 labels each in the highest row of the view clear of the budget's label,
        of each other and of the curve (fixed places ran into "budget 30 s" near the top, and
        into the curve).

        pyqtgraph hangs the budget's label under its line in the view's upper half and sets
        it on the line in the lower half."""
        span = _view_span(self.plot)
        if span is None:
            return
        x0, x1, y0, y1, width, height = span
        x, y = self.curve.getData()
        r = _text_size(self.mean_line.label)[1] / height
        gap = _GAP_PX / height
        # The curve's markers reach a few pixels beyond it.
        margin = 2 * gap
        at = (self.budget.value() - y0) / (y1 - y0)
        budget_w, budget_h = _text_size(self.budget.label)
        taken = (at - budget_h / height, at) if at > 0.5 else (at, at + budget_h / height)
        share = budget_w / width
        for along in (0.12, 0.88, 0.5):
            left = x0 + (along - along * share) * (x1 - x0)
            low, high = _curve_between(x, y, left, left + share * (x1 - x0))
            if (high - y0) / (y1 - y0) < taken[0] - margin or (low - y0) / (y1 - y0) > (
                taken[1] + margin
            ):
                break
        else:
            along = 0.12
        _set_along(self.budget, along)
        rows = _label_rows(r, gap, taken)
        for line in (self.mean_line, self.p95_line):
            if not rows:  # a view too short for both: the lowest place
                rows = [0.0]
            left, right = _vertical_label_box(line, span)[:2]
            low, high = ((v - y0) / (y1 - y0) for v in _curve_between(x, y, left, right))
            row = next((b for b in rows if high < b - margin or low > b + r + margin), rows[0])
            rows.remove(row)
            _set_along(line, min(max(row / (1 - r), 0.0), 1.0) if r < 1 else 0.0)

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
        self._place_labels()


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
        # Over the bars when no place is free of them: readable there too.
        self.stopped_label = pg.TextItem(color=RED, anchor=(1, 0), fill=(255, 255, 255, 200))
        self.stopped_label.setZValue(10)
        self.plot.addItem(self.stopped_label, ignoreBounds=True)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.stopped)
        self.plot.addItem(self.p95_line, ignoreBounds=True)
        self.plot.getPlotItem().getViewBox().sigResized.connect(self._place_stopped_label)
        self._shown: tuple[bytes, bytes, float] | None = None
        self._bars: list[tuple[float, float]] = []
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
        self._bars = list(zip(k.tolist(), share.tolist(), strict=True))
        self.plot.setXRange(0.4, max(float(k[-1]), 1.0) + 0.6, padding=0)
        self.plot.setYRange(0, max(float(share.max()), 1.0) * 1.1, padding=0)
        self._place_stopped_label()

    def _place_stopped_label(self) -> None:
        """The note in the highest place of the view, at its right or left edge, clear of the
        bars and of the p95 label (it was drawn over the bars, under the tallest ones); where
        no place is clear, the one over the least of the bars, never over the p95 label."""
        span = _view_span(self.plot)
        note = self.stopped_label
        if span is None or not note.toPlainText():
            return
        x0, x1, y0, y1, width, height = span
        # On two lines when one would take half of a narrow plot, as narrow as they are.
        note.setTextWidth(-1)
        natural = _text_size(note)[0]
        if natural > 0.45 * width:
            note.setTextWidth(natural * 0.6)
            note.setTextWidth(note.textItem.document().idealWidth())
        w_px, h_px = _text_size(note)
        w, h = w_px * (x1 - x0) / width, h_px * (y1 - y0) / height
        dx, dy = _GAP_PX * (x1 - x0) / width, _GAP_PX * (y1 - y0) / height
        label = _vertical_label_box(self.p95_line, span)

        def overlap(left: float, top: float, box: tuple[float, float, float, float]) -> float:
            b_left, b_right, b_bottom, b_top = box
            across = min(left + w, b_right + dx) - max(left, b_left - dx)
            up = min(top, b_top + dy) - max(top - h, b_bottom - dy)
            return max(across, 0.0) * max(up, 0.0)

        tops = [y1 - dy]
        while tops[-1] - max(dy, h / 2) - h >= y0:
            tops.append(tops[-1] - max(dy, h / 2))
        places = [
            (a, left, top) for top in tops for a, left in ((1.0, x1 - dx - w), (0.0, x0 + dx))
        ]

        def cost(place: tuple[float, float, float]) -> float:
            _, left, top = place
            if overlap(left, top, label) > 0:
                return np.inf
            return sum(overlap(left, top, (k - 0.4, k + 0.4, y0, s)) for k, s in self._bars)

        # min() keeps the first of equals: the highest of the clear places, if any.
        anchor_x, left, top = min(places, key=cost)
        note.setAnchor((anchor_x, 0))
        note.setPos(left + anchor_x * w, top)


class AgentsPanel(PlotPanel):
    """The loop plots; with the app's services, the agent trial on a page beside them."""

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
        self.pages: QTabWidget | None = None
        body: QWidget = plots
        if services is not None:
            # Imported here: the trial pulls in the model client and the trace store, which a
            # report rendering these plots offscreen does not need.
            from ui.agents.trial import TrialSection

            self.trial = TrialSection(services)
            self.trial.inputs_suggested.connect(self.inputs_suggested)
            # A page of its own, as the Experiments workbench's: under the plots and the card
            # a laptop screen left the trial about 60 px, its Run button scrolled out of sight.
            self.pages = QTabWidget()
            self.pages.setObjectName("agentsPages")
            self.pages.addTab(plots, "Loop estimate")
            self.pages.setTabToolTip(0, "Cost, latency and iterations per task from the form")
            self.pages.addTab(scrolling(self.trial), "Agent trial")
            self.pages.setTabToolTip(
                1, "Run the agent on a real task, see each step, and measure its loop"
            )
            body = self.pages
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
