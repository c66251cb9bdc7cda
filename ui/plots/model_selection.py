"""Model Selection plots: the weighted scorecard as stacked bars and the weight-triangle map."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core import analysis
from core.frameworks import model_selection as msel
from core.frameworks.common import duration, probability, usd
from ui.plain_text import html_text
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    HeightBox,
    PlotPanel,
    make_plot,
    pen,
    set_points,
    splitter,
)

#: One colour per candidate, by its row in the input table, in both plots and the legend.
CANDIDATE_COLOURS = [
    "#1a73e8",
    "#e8710a",
    "#188038",
    "#d93025",
    "#9334e6",
    "#12b5cb",
    "#f9ab00",
    "#e52592",
    "#5f6368",
    "#7cb342",
]
# Deeper shades than the candidate colours, so a bar segment never reads as a candidate.
CRITERION_COLOURS = {"quality": "#283593", "latency": "#00796b", "cost": "#a1887f"}
#: Widest a candidate's name may be on the bar chart's axis, in pixels, before it is elided.
MAX_NAME_PX = 260
#: A bar's height in rows; the rest of the row holds the line of measures under it.
BAR_HEIGHT = 0.6
#: Pixels the line of measures under a bar needs.
MEASURE_LINE_PX = 18
_H = math.sqrt(3) / 2
# Corners of the weight triangle: quality on top, latency bottom left, cost bottom right.
#: Pixels between the legend and the top corner's label, with the label's own height.
LEGEND_GAP_PX = 24
_CORNERS = {"quality": (0.5, _H), "latency": (0.0, 0.0), "cost": (1.0, 0.0)}


def candidate_colour(input_index: int) -> str:
    return CANDIDATE_COLOURS[input_index % len(CANDIDATE_COLOURS)]


def to_xy(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Barycentric (quality, latency, cost) rows to 2-D points in the drawn triangle."""
    w = np.atleast_2d(weights)
    return 0.5 * w[:, 0] + w[:, 2], _H * w[:, 0]


def to_weights(x: float, y: float) -> np.ndarray | None:
    """The weights (quality, latency, cost) at a point of the triangle, None outside it."""
    q = y / _H
    c = x - 0.5 * q
    w = np.array([q, 1.0 - q - c, c])
    return w if np.all(w >= -1e-9) else None


def _short(name: str, limit: int = 26) -> str:
    """A name cut in the middle to fit a label inside the plot."""
    if len(name) <= limit:
        return name
    half = (limit - 1) // 2
    return f"{name[:half]}…{name[-half:]}"


class ScoreBarsPlot(QWidget):
    """Each candidate's weighted quality, latency and cost points stacked: the total is the bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Weighted scores", "weighted score (0 to 1)", "", money_axis=None)
        swatches = " ".join(
            f"<span style='color:{colour}'>■</span> {name}"
            for name, colour in CRITERION_COLOURS.items()
        )
        self.plot.getPlotItem().setTitle(
            "<span style='font-size:11pt; font-weight:600'>Weighted scores</span>"
            f"<span style='font-size:9pt'> — {swatches}</span>"
        )
        self.bars = {
            name: pg.BarGraphItem(
                x0=[], width=[], y=[], height=0.6, brush=colour, pen=pg.mkPen(None)
            )
            for name, colour in CRITERION_COLOURS.items()
        }
        for item in self.bars.values():
            self.plot.addItem(item)
        vb = self.plot.getPlotItem().getViewBox()
        vb.setMouseEnabled(y=False)
        #: The total beside each ranked bar; the pool keeps the items of earlier, longer lists.
        self.labels: list[pg.TextItem] = []
        self._label_pool: list[pg.TextItem] = []
        #: Each candidate's measures (accuracy, latency, cost a request) under its bar.
        self.measures: list[pg.TextItem] = []
        self._measure_pool: list[pg.TextItem] = []
        self._measure_texts: list[list[str]] = []
        self._names: list[tuple[float, str]] | None = None
        vb.sigTransformChanged.connect(self._show_measures_if_room)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: msel.Result) -> None:
        rows = r.ranked
        n = len(rows) + len(r.gated_out)
        # Rank 1 on top; gated-out candidates below the ranked ones, with no bar.
        y = np.arange(n - 1, n - 1 - len(rows), -1, dtype=float)
        start = np.zeros(len(rows))
        for name, attr in (
            ("quality", "quality_points"),
            ("latency", "latency_points"),
            ("cost", "cost_points"),
        ):
            width = np.array([getattr(c, attr) for c in rows])
            self.bars[name].setOpts(x0=start.copy(), width=width, y=y, height=BAR_HEIGHT)
            start = start + width
        ticks = [(float(yy), f"{c.rank}. {c.name}") for yy, c in zip(y, rows, strict=True)]
        ticks += [
            (float(len(r.gated_out) - 1 - i), f"{g.name} (gated: {', '.join(g.failed)})")
            for i, g in enumerate(r.gated_out)
        ]
        self._set_names(ticks)
        while len(self._label_pool) < len(rows):
            text = pg.TextItem(color=GREY, anchor=(0, 0.5))
            self.plot.addItem(text)
            self._label_pool.append(text)
        self.labels = self._label_pool[: len(rows)]
        for text, yy, c in zip(self.labels, y, rows, strict=True):
            text.setText(f"{c.total:.3f}")
            text.setPos(c.total, float(yy))
            text.setVisible(True)
        for spare in self._label_pool[len(rows) :]:
            spare.setVisible(False)
        self._set_measures(r, y)
        self.plot.setXRange(0, 1.15, padding=0)
        self.plot.setYRange(-0.6, max(n - 0.4, 0.6), padding=0)
        self._show_measures_if_room()

    def _set_measures(self, r: msel.Result, y: np.ndarray) -> None:
        """Under each bar (beside a gated name) what was measured, each figure in its unit,
        so a bar's cost reads as dollars a request, not as a score."""
        rows: list[tuple[float, float, msel.ScoredCandidate | msel.GatedCandidate]] = [
            (float(yy) - BAR_HEIGHT / 2, 0.0, c) for yy, c in zip(y, r.ranked, strict=True)
        ]
        rows += [(float(len(r.gated_out) - 1 - i), 0.5, g) for i, g in enumerate(r.gated_out)]
        while len(self._measure_pool) < len(rows):
            text = pg.TextItem(color=GREY)
            self.plot.addItem(text, ignoreBounds=True)
            self._measure_pool.append(text)
        self.measures = self._measure_pool[: len(rows)]
        self._measure_texts = []
        for text, (at, anchor_y, c) in zip(self.measures, rows, strict=True):
            cost, speed = f"{usd(c.cost_per_request_usd)} a request", duration(c.avg_latency_ms)
            # Longest first: the widest that fits the plot is shown (the cost at least).
            self._measure_texts.append(
                [
                    f"{cost} · {speed} · {probability(c.accuracy)} accurate",
                    f"{cost} · {speed}",
                    cost,
                ]
            )
            text.setAnchor((0, anchor_y))
            text.setPos(0.0, at)
        for spare in self._measure_pool[len(rows) :]:
            spare.setVisible(False)

    def _show_measures_if_room(self) -> None:
        """The measures show where a row is tall enough for the bar and a line under it, as
        much of them as fits the plot's width."""
        vb = self.plot.getPlotItem().vb
        per_px_x, per_px = vb.viewPixelSize()
        room = per_px > 0 and (1 - BAR_HEIGHT) / per_px >= MEASURE_LINE_PX
        width = vb.width()
        for text, variants in zip(self.measures, self._measure_texts, strict=True):
            text.setVisible(bool(room))
            metrics = QFontMetrics(text.textItem.font())
            fits = [v for v in variants if metrics.horizontalAdvance(v) + 8 <= width]
            shown = fits[0] if fits else variants[-1]
            if text.toPlainText() != shown:
                text.setText(shown)

    def _set_names(self, ticks: list[tuple[float, str]]) -> None:
        """Name the rows; the axis is sized to the longest name (pyqtgraph drops a label that
        does not fit), up to a limit beyond which names are elided. Sized here rather than by
        layout so the names also fit on a first, offscreen paint (report images)."""
        axis = self.plot.getPlotItem().getAxis("left")
        metrics = QFontMetrics(axis.style["tickFont"] or QFont())
        room = MAX_NAME_PX
        ticks = [
            (y, metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, room)) for y, text in ticks
        ]
        if ticks == self._names:
            return  # unchanged: the axis keeps its drawing
        self._names = ticks
        widest = max((metrics.horizontalAdvance(text) for _, text in ticks), default=0)
        axis.setWidth(min(max(widest, 60), room) + 16)
        axis.setTicks([ticks])


class WeightMapPlot(QWidget):
    """The weight triangle coloured by which candidate wins there, current weights starred."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Who wins at which weights", "", "", money_axis=None)
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.showGrid(x=False, y=False)
        item.setAspectLocked(True)
        item.getViewBox().setMouseEnabled(x=False, y=False)
        self.legend = self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.series: list[pg.BarGraphItem] = []
        # Swatches for the legend: the map's tiles are sized in data units, far too small there.
        self.swatches: list[pg.ScatterPlotItem] = []
        corners = np.array([_CORNERS[k] for k in ("latency", "cost", "quality", "latency")])
        self.outline = pg.PlotDataItem(corners[:, 0], corners[:, 1], pen=pen(GREY, 1.2))
        self.flip_line = pg.PlotDataItem([], [], pen=pen("#202124", 1.5, dashed=True))
        self.flip_marker = pg.ScatterPlotItem(
            size=9, symbol="o", brush=pg.mkBrush("w"), pen=pg.mkPen("#202124", width=1.5)
        )
        self.current = pg.ScatterPlotItem(
            size=16, symbol="star", brush=pg.mkBrush("w"), pen=pg.mkPen("#202124", width=1.5)
        )
        self.flip_label = pg.TextItem(color="#202124")
        for extra in (self.outline, self.flip_line, self.flip_marker, self.current):
            item.addItem(extra)
        item.addItem(self.flip_label)
        for name, (x, y) in _CORNERS.items():
            anchor = {"quality": (0.5, 1.1), "latency": (0.3, -0.1), "cost": (0.7, -0.1)}[name]
            label = pg.TextItem(f"{name} = 1", color="#202124", anchor=anchor)
            label.setPos(x, y)
            item.addItem(label)
        self._fit_range()
        item.getViewBox().sigResized.connect(self._fit_range)
        self.readout = QLabel(" ")
        self.readout.setObjectName("readout")
        self.readout.setStyleSheet("color: #3c4043; padding: 2px 6px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(HeightBox(self.readout))
        lay.addWidget(self.plot)
        self.result: msel.Result | None = None
        # What the map and the legend show now: an update that changes neither skips them.
        self._drawn: tuple[object, ...] = ()
        self._legend: list[tuple[str, str]] = []
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)

    def _series(self, i: int) -> tuple[pg.BarGraphItem, pg.ScatterPlotItem]:
        while len(self.series) <= i:
            # One item of one colour per candidate: pyqtgraph draws its thousands of tiles
            # in one call (a scatter of data-sized squares draws them one by one in Python).
            s = pg.BarGraphItem(x=[], y=[], width=1.0, height=1.0, pen=pg.mkPen(None))
            s.setZValue(-10)
            self.plot.addItem(s)
            self.series.append(s)
            self.swatches.append(pg.ScatterPlotItem(symbol="s", size=10, pen=pg.mkPen(None)))
        return self.series[i], self.swatches[i]

    def update_result(self, r: msel.Result) -> None:
        self.result = r
        wm = r.weight_map
        labels = np.asarray(wm.winners, dtype=int)
        colour_of = {c.name: candidate_colour(c.input_index) for c in r.ranked}
        colours = [colour_of[name] for name in wm.names] if labels.size else []
        # An edit that moves only the current weights (or changes no winner) keeps the map.
        drawn = (wm.resolution, tuple(wm.names), tuple(colours), labels.tobytes())
        if drawn != self._drawn:
            self._drawn = drawn
            self._draw_map(wm.resolution, labels, colours)
        present = [i for i in range(len(colours)) if np.any(labels == i)]
        legend = [(wm.names[i], colours[i]) for i in present]
        legend += [("current weights", "")] if r.winner is not None else []
        if legend != self._legend:
            self._legend = legend
            self.legend.clear()
            for i in present:
                self.legend.addItem(self.swatches[i], html_text(wm.names[i]))
            if r.winner is not None:
                self.legend.addItem(self.current, "current weights")
            self._fit_range()
        if r.winner is None:
            set_points(self.current, [], [])
            self.readout.setText("No candidate passes the gates: nothing to map.")
        else:
            cx, cy = to_xy(r.weights.as_array())
            set_points(self.current, cx, cy)
            self.readout.setText(self._describe(r.weights.as_array()))
        if r.flip is not None:
            fx, fy = to_xy(r.flip.weights.as_array())
            cx, cy = to_xy(r.weights.as_array())
            set_points(self.flip_line, [cx[0], fx[0]], [cy[0], fy[0]])
            set_points(self.flip_marker, fx, fy)
            self.flip_label.setText(f"{_short(r.flip.to_model)} ties here")
            # On the far side of the marker from the star, so the two never overlap.
            self.flip_label.setAnchor((-0.08, 0.5) if fx[0] >= cx[0] else (1.08, 0.5))
            self.flip_label.setPos(float(fx[0]), float(fy[0]))
            self.flip_label.setVisible(True)
        else:
            set_points(self.flip_line, [], [])
            set_points(self.flip_marker, [], [])
            self.flip_label.setVisible(False)

    def _fit_range(self) -> None:
        """Room above the triangle's top corner for the legend and "quality = 1": the legend
        sat on that label and the star in a narrow plot. The aspect is locked, so the range
        that keeps `room` pixels above the corner depends on which side of the view binds."""
        view = self.plot.getPlotItem().getViewBox()
        width, height = view.width(), view.height()
        room = self.legend.boundingRect().height() + LEGEND_GAP_PX
        top = _H + 0.1
        if width > 0 and height > room:
            # Width binds: 1.3 units span the width; height binds: the y span fills it.
            top = max(
                top + room * 1.3 / width,
                (height * (_H + 0.1) + 0.12 * room) / (height - room),
            )
        # Both at once: with the aspect locked, a range set alone is kept and the other axis
        # shrinks to match (the corners' labels fell off the sides of a tall view).
        self.plot.setRange(xRange=(-0.15, 1.15), yRange=(-0.12, top), padding=0)

    def _draw_map(self, resolution: int, labels: np.ndarray, colours: list[str]) -> None:
        """Tile the triangle: the points where candidate i wins in colours[i]."""
        x, y = to_xy(analysis.simplex_grid(resolution))
        size = 1.0 / resolution * 1.05
        for i in range(max(len(colours), len(self.series))):
            s, swatch = self._series(i)
            if i >= len(colours):
                s.setOpts(x=[], y=[])
                continue
            mine = labels == i
            brush = pg.mkBrush(colours[i])
            s.setOpts(x=x[mine], y=y[mine], width=size, height=size, brush=brush)
            swatch.setBrush(brush)

    def _describe(self, w: np.ndarray) -> str:
        assert self.result is not None
        winner = msel.winner_at(self.result, w)
        weights = f"quality {w[0]:.2f} · latency {w[1]:.2f} · cost {w[2]:.2f}"
        return f"{weights} → {winner}" if winner else weights

    def _on_mouse(self, pos: QPointF) -> None:
        if self.result is None or self.result.winner is None:
            return
        point = self.plot.getPlotItem().vb.mapSceneToView(pos)
        w = to_weights(point.x(), point.y())
        if w is None:
            return
        self.readout.setText(self._describe(np.clip(w, 0.0, 1.0)))


class ModelSelectionPanel(PlotPanel):
    """The scorecard bars beside the weight map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = ScoreBarsPlot()
        self.weight_map = WeightMapPlot()
        self._arrange(
            [("Weighted scores", self.bars), ("Who wins at which weights", self.weight_map)],
            splitter(Qt.Orientation.Horizontal, self.bars, self.weight_map, stretch=(3, 2)),
        )


def comparison_plot(named: list[tuple[str, msel.Result]]) -> pg.PlotWidget:
    """Each scenario's total score per candidate, side by side (gated-out candidates: no bar)."""
    plot = make_plot("Total scores, side by side", "", "weighted score (0 to 1)", money_axis=None)
    plot.addLegend(offset=(10, 10))
    names: list[str] = []
    for _, r in named:
        for name in [c.name for c in r.ranked] + [g.name for g in r.gated_out]:
            if name not in names:
                names.append(name)
    slot = {name: i for i, name in enumerate(names)}
    width = 0.8 / max(len(named), 1)
    palette = [BLUE, ORANGE, GREEN, "#9334e6"]
    for k, (scenario, r) in enumerate(named):
        xs = [slot[c.name] - 0.4 + width * (k + 0.5) for c in r.ranked]
        bars = pg.BarGraphItem(
            x=xs,
            height=[c.total for c in r.ranked],
            width=width * 0.9,
            brush=palette[k % len(palette)],
            pen=pg.mkPen(None),
        )
        plot.addItem(bars)
        plot.getPlotItem().legend.addItem(bars, html_text(f"{scenario}: {r.recommendation}"))
    plot.getPlotItem().getAxis("bottom").setTicks([[(float(i), n) for i, n in enumerate(names)]])
    plot.setYRange(0, 1.05, padding=0)
    plot.setXRange(-0.6, max(len(names) - 0.4, 0.6), padding=0)
    return plot
