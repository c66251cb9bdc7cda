"""Cost-Quality-Latency plot: every option by cost (log) and quality, coloured by latency."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from core.frameworks import cost_quality_latency as cql
from core.frameworks.common import duration, usd
from ui.plain_text import html_text
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    HeightBox,
    PlotAxis,
    PlotPanel,
    keep_label_inside,
    make_plot,
    pen,
    scene_rects,
    set_axes,
    set_line_label,
    set_points,
    slide_line_label,
)

#: Latency buckets: upper edge in ms, legend name, colour (green = fast ... purple = batch).
BUCKETS: list[tuple[float, str, str]] = [
    (1_000, "under 1 s", "#188038"),
    (3_000, "1-3 s", "#7cb342"),
    (10_000, "3-10 s", "#f9ab00"),
    (60_000, "10-60 s", "#e8710a"),
    (3_600_000, "1-60 min", "#d93025"),
    (math.inf, "1 h and more (batch)", "#8430ce"),
]
_EDGES = np.array([edge for edge, _, _ in BUCKETS[:-1]])
#: The latency colour key sits in the title, where it never covers a point.
TITLE = (
    "<span style='font-size:11pt; font-weight:600'>Cost vs quality</span>"
    "<span style='font-size:9pt'> — latency: "
    + " ".join(f"<span style='color:{colour}'>●</span> {name}" for _, name, colour in BUCKETS)
    + "</span>"
)
PICK = "#fbbc04"
INK = "#202124"
#: A hover further than this from every point shows the pick again.
HOVER_PX = 14
_COMPARE = [BLUE, ORANGE, GREEN]


def bucket_of(latency_ms: Sequence[float] | np.ndarray) -> np.ndarray:
    """Index into BUCKETS for each latency (a latency on an edge goes to the slower bucket)."""
    return np.searchsorted(_EDGES, np.asarray(latency_ms, dtype=float), side="right")


def log_costs(costs: np.ndarray | list[float], floor: float) -> np.ndarray:
    """log10 of dollars, free options drawn at `floor` (the log axis has no zero)."""
    return np.log10(np.maximum(np.asarray(costs, dtype=float), floor))


def cost_floor(*cost_lists: list[float] | np.ndarray) -> float:
    """A tenth of the cheapest non-zero cost: where free options sit on the log axis."""
    positive = [float(np.min(c[c > 0])) for c in map(np.asarray, cost_lists) if np.any(c > 0)]
    return min(positive) / 10 if positive else 1e-7


def _faded(colour: str) -> QColor:
    c = pg.mkColor(colour)
    c.setAlpha(80)
    return c


class LogMoneyAxis(PlotAxis):
    """An axis over log10(dollars): ticks at each decade (and 2x, 5x when zoomed in), in $."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph override)
        lo, hi = sorted((minVal, maxVal))
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return []
        decades = np.arange(math.floor(lo), math.ceil(hi) + 1)
        major = [float(d) for d in decades if lo <= d <= hi]
        steps = (2, 5) if hi - lo > 1.2 else (2, 3, 5, 7)
        minor = [
            float(d + math.log10(s))
            for d in decades
            for s in steps
            if lo <= d + math.log10(s) <= hi
        ]
        return [(1.0, major), (0.3, minor)] if hi - lo < 5 else [(1.0, major)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        return [usd(float(10**v)) for v in values]


_OVER_POINTS = 1  # z of what is drawn over the scatter groups (they sit at 0)
#: Pixels between a point's centre and its rank number.
RANK_GAP_PX = 7
#: A point's marker (with its ring) in pixels, as the labels keep clear of it.
POINT_PX = 10
#: Points nearer a limit line than this (pixels) may be under its label.
NEAR_LINE_PX = 30
#: The legend's offsets from the view's corners (pyqtgraph: negative is from the right or the
#: bottom), by preference: bottom right, bottom left, top right, top left.
LEGEND_CORNERS = ((-10, -10), (10, -10), (-10, 10), (10, 10))
#: Where the limit lines' labels may sit along them (share of the view), by preference.
FLOOR_LABEL_PLACES = (0.08, 0.3, 0.5, 0.7, 0.92, 0.02, 0.98)
CAP_LABEL_PLACES = (0.96, 0.85, 0.7, 0.5, 0.3, 0.1)


class _Shown:
    """What a swatch's click hides and shows again (a legend sample toggles its item)."""

    #: What pyqtgraph's sample reads of its item to draw the hidden item's eye.
    opts: ClassVar[dict[str, object]] = {"antialias": True}

    def __init__(self) -> None:
        self.shown = True

    def isVisible(self) -> bool:  # noqa: N802 (as pyqtgraph's items)
        return self.shown

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (as pyqtgraph's items)
        self.shown = visible


class Swatch(ItemSample):
    """A legend sample that stands for no item of the plot: a symbol, drawn as pyqtgraph draws
    a scatter's sample, a box across a line as it draws a bar's, or nothing. pyqtgraph draws a
    sample from an item's options, and each scatter or bar made only to lend its look cost
    about 0.7M instructions at start-up. A click crosses it out as it does any sample
    (pyqtgraph's eye), and hides nothing else."""

    def __init__(
        self,
        symbol: str | None = None,
        size: float = 0.0,
        pen: QPen | None = None,
        brush: QBrush | None = None,
        box: bool = False,
    ) -> None:
        super().__init__(_Shown())
        self.symbol, self.symbol_size, self.box = symbol, size, box
        self.pen, self.brush = pen or QPen(Qt.PenStyle.NoPen), brush or QBrush()

    def paint(self, p: QPainter, *args: object) -> None:
        if not self.item.isVisible():
            super().paint(p, *args)  # the eye
            return
        if self.symbol is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)  # a scatter's, not a bar's
            p.translate(10, 10)
            drawSymbol(p, self.symbol, self.symbol_size, self.pen, self.brush)
        elif self.box:
            p.setPen(self.pen)
            p.drawLine(0, 11, 20, 11)
            p.setBrush(self.brush)
            p.drawRect(QRectF(2, 2, 18, 18))


class PointMarks:
    """The rings of the Pareto front's points, the pick's star and the pick's name."""

    def __init__(self, plot: pg.PlotWidget, under: QGraphicsItem) -> None:
        self.rings = pg.ScatterPlotItem(
            size=9, brush=pg.mkBrush(255, 255, 255, 0), pen=pg.mkPen(INK, width=1.4)
        )
        self.pick = pg.ScatterPlotItem(
            size=22, symbol="star", brush=pg.mkBrush(PICK), pen=pg.mkPen(INK, width=1.2)
        )
        self.pick_label = pg.TextItem(anchor=(0, 1.3), color=INK)
        plot.addItem(self.rings)
        plot.addItem(self.pick)
        plot.addItem(self.pick_label, ignoreBounds=True)
        # Over the limits region, the front line and the points; under `under` (the limit
        # lines, their labels and the rank numbers, all made before them at the same height).
        for it in (self.rings, self.pick, self.pick_label):
            it.setZValue(_OVER_POINTS)
            it.stackBefore(under)


class CostQualityPlot(QWidget):
    """Cost per request against quality with limits, feasible region, front, pick and hover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(
            "Cost vs quality",
            "cost per request (log scale)",
            "quality (0..1)",
            money_axis=None,
            bottom=LogMoneyAxis(orientation="bottom"),
        )
        item = self.plot.getPlotItem()
        # Every update sets both ranges: an auto-range would only be undone.
        item.vb.disableAutoRange()
        item.setTitle(TITLE)
        # Curves, not PlotDataItems (which wrap a curve and a scatter): neither the points nor
        # these follow the log, FFT or alpha options of the plot's menu, which would tear the
        # drawing apart; each PlotDataItem cost about 3M instructions more at start-up.
        self.region = pg.PlotCurveItem(
            [], [], pen=None, fillLevel=0.0, brush=pg.mkBrush(24, 128, 56, 28)
        )
        self.frontier = pg.PlotCurveItem([], [], pen=pen(INK, 1.6))
        # One item per (latency bucket, feasible) so each draws with a single brush: per-point
        # brushes cost pyqtgraph many times more at thousands of points. Each is made when it
        # first has points (adding an item to a plot has a cost too; start-up shows none).
        # bench/edit_bench.py has the figures.
        self.groups: dict[tuple[int, bool], pg.ScatterPlotItem] = {}
        # The front's rings, the pick's star and its name likewise, with the first points.
        self._marks: PointMarks | None = None
        self.cap = pg.InfiniteLine(
            angle=90,
            pen=pen(GREY, 1.2, dashed=True),
            label="max cost",
            labelOpts={"position": 0.96, "color": GREY, "fill": (255, 255, 255, 200)},
        )
        self.floor = pg.InfiniteLine(
            angle=0,
            pen=pen(GREY, 1.2, dashed=True),
            label="min quality",
            labelOpts={"position": 0.08, "color": GREY, "fill": (255, 255, 255, 200)},
        )
        for it in (self.region, self.frontier):
            self.plot.addItem(it)
        keep_label_inside(self.cap)
        keep_label_inside(self.floor)
        for it in (self.cap, self.floor):
            self.plot.addItem(it, ignoreBounds=True)
            # Drawn over the limits region and the front line, under everything else.
            it.setZValue(_OVER_POINTS)
        self.legend = self._make_legend(item)

        self.readout = QLabel(" ")
        self.readout.setObjectName("readout")
        self.readout.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(HeightBox(self.readout))
        # In place first: Qt polishes a widget with a style sheet again on each new parent.
        self.readout.setStyleSheet("color: #3c4043; padding: 2px 6px;")
        lay.addWidget(self.plot)

        #: The options table's rank beside each point it lists (the pick has its name).
        self.rank_labels: list[pg.TextItem] = []
        self._rank_pool: list[pg.TextItem] = []
        self.result: cql.Result | None = None
        self._floor = 1e-7
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._default_text = " "
        self._placing_held = False
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        # Where labels fall depends on the view's mapping to pixels: placed again on change.
        self.plot.getPlotItem().vb.sigTransformChanged.connect(self._place_labels)

    def marks(self) -> PointMarks:
        """The front's rings, the pick's star and its name, made on first use."""
        if self._marks is None:
            self._marks = PointMarks(self.plot, under=self.cap)
        return self._marks

    @property
    def rings(self) -> pg.ScatterPlotItem:
        return self.marks().rings

    @property
    def pick(self) -> pg.ScatterPlotItem:
        return self.marks().pick

    @property
    def pick_label(self) -> pg.TextItem:
        return self.marks().pick_label

    def _make_legend(self, item: pg.PlotItem) -> pg.LegendItem:
        """The plot's legend (PlotItem.addLegend's), filled before it joins the plot: in it,
        each entry laid out and anchored the legend again."""
        legend = pg.LegendItem(
            offset=(-10, -10),
            labelTextSize="8pt",
            brush=pg.mkBrush(255, 255, 255, 220),
            pen=pg.mkPen("#dadce0"),
            verSpacing=-4,
        )
        ring = Swatch("o", 9, pg.mkPen(INK), pg.mkBrush(255, 255, 255))
        legend.addItem(ring, "on the Pareto front (ringed)")
        legend.addItem(self.frontier, "best quality per cost, within the latency budget")
        # Samples of their own: the region's faint fill and the big star read badly at legend size.
        foreground = pg.mkPen(pg.getConfigOption("foreground"))
        region = Swatch(pen=foreground, brush=pg.mkBrush(24, 128, 56, 70), box=True)
        legend.addItem(region, "within the cost and quality limits")
        star = Swatch("star", 14, pg.mkPen(INK), pg.mkBrush(PICK))
        legend.addItem(star, "pick")
        # The numbers beside the points need their key on a printed page, where no hover is.
        legend.addItem(Swatch(), "7: rank in the options table")
        item.legend = legend
        legend.setParentItem(item.vb)
        return legend

    def update_result(self, r: cql.Result) -> None:
        self.result = r
        s = r.scatter
        floor = cost_floor(s.cost_per_request, [r.max_cost_per_request_usd])
        self._floor = floor
        x = log_costs(s.cost_per_request, floor)
        y = np.asarray(s.quality, dtype=float)
        self._x, self._y = x, y
        # Made before the first latency group, as they were with the plot: the plot's items
        # keep their order (a CSV export from the plot's menu lists them in it).
        marks = self.marks() if x.size else self._marks
        buckets = bucket_of(s.latency_ms)
        feasible = np.asarray(s.feasible, dtype=bool)
        for b, (_, _, colour) in enumerate(BUCKETS):
            for ok in (False, True):
                inside = (buckets == b) & (feasible == ok)
                group = self.groups.get((b, ok))
                if group is None:
                    if not inside.any():
                        continue
                    brush = pg.mkBrush(colour if ok else _faded(colour))
                    group = pg.ScatterPlotItem(size=8, brush=brush, pen=pg.mkPen(None))
                    self.plot.addItem(group)
                    self.groups[(b, ok)] = group
                set_points(group, x[inside], y[inside])
        if marks is not None:
            front = np.asarray(s.pareto, dtype=bool)
            set_points(marks.rings, x[front], y[front])

        cap_x = math.log10(max(r.max_cost_per_request_usd, floor))
        lo_x = min(float(x.min()) if x.size else cap_x, cap_x) - 0.4
        hi_x = max(float(x.max()) if x.size else cap_x, cap_x) + 0.4
        lo_y = min(float(y.min()) if y.size else r.min_quality, r.min_quality) - 0.05
        hi_y = max(float(y.max()) if y.size else 1.0, 1.0) + 0.03
        self.cap.setValue(cap_x)
        set_line_label(self.cap, f"max {usd(r.max_cost_per_request_usd)}")
        self.floor.setValue(r.min_quality)
        set_line_label(self.floor, f"min quality {r.min_quality:.3g}")
        set_points(self.region, [lo_x, cap_x], [hi_y, hi_y])
        self.region.setFillLevel(r.min_quality)

        fx = log_costs(r.frontier_cost, floor)
        fy = np.asarray(r.frontier_quality, dtype=float)
        if fx.size:
            step_x = np.repeat(fx, 2)[1:]
            step_x = np.append(step_x, hi_x)
            step_y = np.repeat(fy, 2)
            set_points(self.frontier, step_x, step_y)
        else:
            set_points(self.frontier, [], [])

        self._label_ranks(r, floor)
        if r.pick is not None:
            marks = self.marks()
            px = math.log10(max(r.pick.cost_per_request, floor))
            set_points(marks.pick, [px], [r.pick.quality])
            marks.pick_label.setText(f"pick: {r.pick.label}")
            marks.pick_label.setPos(QPointF(px, r.pick.quality))
            marks.pick_label.setVisible(True)
            self._default_text = "Pick: " + self._describe_row(r.pick)
        else:
            if marks is not None:
                set_points(marks.pick, [], [])
                marks.pick_label.setVisible(False)
            self._default_text = r.headline
        self._default_text += (
            f" — {r.n_options:,} options, {r.n_feasible:,} feasible, {r.n_pareto:,} on the "
            "Pareto front"
        )
        # Both ranges at once, and the labels placed once on the mapping they make: set one
        # after the other, each range (and the auto-range of the other, on a new plot) mapped
        # the view anew and placed every label again.
        self._placing_held = True
        try:
            self.plot.setRange(xRange=(lo_x, hi_x), yRange=(lo_y, hi_y), padding=0)
        finally:
            self._placing_held = False
        self.readout.setText(self._default_text)
        self._place_labels()

    def _place_labels(self) -> None:
        """Set each rank number clear of its point, and slide the limit lines' labels to
        where they cover no point or label ("min quality 0.8" printed over point 11)."""
        if self.result is None or self._placing_held:
            return
        vb = self.plot.getPlotItem().vb
        px, py = vb.viewPixelSize()
        if not (px > 0 and py > 0):
            return
        self._place_legend()
        pick_label = [] if self._marks is None else [self._marks.pick_label]
        for text in (*self.rank_labels, *pick_label):
            width = text.textItem.boundingRect().width()
            if text in self.rank_labels and width > 0:
                text.setAnchor((-RANK_GAP_PX / width, 0.5))
            text.updateTransform(force=True)
        # The pick's name reads to the right of its star unless that runs out of the view.
        for label in pick_label:
            label.setAnchor((0, 1.3))
            label.updateTransform(force=True)
            if label.sceneBoundingRect().right() > vb.sceneBoundingRect().right():
                label.setAnchor((1, 1.3))
                label.updateTransform(force=True)
        texts = (*self.rank_labels, *pick_label, self.legend)
        labels = scene_rects(t.sceneBoundingRect() for t in texts)
        floor_y, cap_x = self.floor.value(), self.cap.value()
        near_floor = np.abs(self._y - floor_y) / py < NEAR_LINE_PX
        near_cap = np.abs(self._x - cap_x) / px < 4 * NEAR_LINE_PX
        slide_line_label(
            self.floor, FLOOR_LABEL_PLACES, np.vstack([labels, self._spots(near_floor)])
        )
        slide_line_label(self.cap, CAP_LABEL_PLACES, np.vstack([labels, self._spots(near_cap)]))

    def _place_legend(self) -> None:
        """Put the legend in the corner of the view where it covers the fewest points (the
        bottom right unless points are there)."""
        spots = self._spots(np.ones(self._x.shape, dtype=bool))
        centre_x, centre_y = (spots[:, 0] + spots[:, 2]) / 2, (spots[:, 1] + spots[:, 3]) / 2

        def covered(offset: tuple[int, int]) -> int:
            # Anchored, the legend follows the view's resizes: set only to move it (each
            # setting anchors it anew).
            if self.legend.opts["offset"] != offset:
                self.legend.setOffset(offset)
            box = self.legend.sceneBoundingRect()
            inside = (
                (centre_x >= box.left())
                & (centre_x <= box.right())
                & (centre_y >= box.top())
                & (centre_y <= box.bottom())
            )
            return int(np.count_nonzero(inside))

        best, least = LEGEND_CORNERS[0], len(centre_x) + 1
        for corner in LEGEND_CORNERS:
            count = covered(corner)
            if count < least:
                best, least = corner, count
            if count == 0:
                return
        covered(best)

    def _spots(self, which: np.ndarray) -> np.ndarray:
        """The scene rectangles (left, top, right, bottom) of the chosen points, each as big
        as its marker; the view maps data to the scene by a scale and a shift."""
        vb = self.plot.getPlotItem().vb
        origin, unit = vb.mapViewToScene(QPointF(0, 0)), vb.mapViewToScene(QPointF(1, 1))
        x = origin.x() + self._x[which] * (unit.x() - origin.x())
        y = origin.y() + self._y[which] * (unit.y() - origin.y())
        half = POINT_PX / 2
        return np.column_stack([x - half, y - half, x + half, y + half])

    def _label_ranks(self, r: cql.Result, floor: float) -> None:
        """Number each point the options table lists with its rank there, so a printed plot
        names its points through the table; options at one spot share a label ("7, 9")."""
        at: dict[tuple[float, float], list[int]] = {}
        for o in r.options:
            if r.pick is not None and o.rank == r.pick.rank:
                continue  # the pick's label names it
            spot = (math.log10(max(o.cost_per_request, floor)), o.quality)
            at.setdefault(spot, []).append(o.rank)
        while len(self._rank_pool) < len(at):
            text = pg.TextItem(color=GREY, anchor=(0, 0.5), fill=(255, 255, 255, 170))
            text.setZValue(_OVER_POINTS)
            self.plot.addItem(text, ignoreBounds=True)
            self._rank_pool.append(text)
        self.rank_labels = self._rank_pool[: len(at)]
        for text, ((x, y), ranks) in zip(self.rank_labels, at.items(), strict=True):
            text.setText(", ".join(str(rank) for rank in sorted(ranks)))
            text.setPos(QPointF(x, y))
            text.setVisible(True)
        for spare in self._rank_pool[len(at) :]:
            spare.setVisible(False)

    @staticmethod
    def _describe_row(o: cql.OptionRow) -> str:
        verdict = (
            "feasible" if o.feasible else "misses " + ", ".join(m.constraint for m in o.misses)
        )
        front = " · Pareto" if o.pareto else ""
        split = ""
        if o.cached_price is not None and o.input_cost is not None:
            split = (
                f" ({usd(o.input_cost)} uncached input + {usd(o.cached_input_cost or 0.0)} "
                f"cached input + {usd(o.output_cost or 0.0)} output)"
            )
        return (
            f"{o.label} · {usd(o.cost_per_request)} a request{split} · "
            f"{duration(o.latency_ms)} · quality {o.quality:.3g} · {verdict}{front}"
        )

    def describe_point(self, i: int) -> str:
        """The hover text of scatter point i: model, mode, cost, latency, quality, verdict."""
        assert self.result is not None
        s = self.result.scatter
        mode = "batch" if s.batch[i] else "real-time"
        verdict = "feasible" if s.feasible[i] else "not feasible"
        if s.fits and not s.fits[i]:
            verdict = "not feasible: the request exceeds its context or output limit"
        front = " · Pareto" if s.pareto[i] else ""
        return (
            f"{s.models[s.model_index[i]]} ({mode}) · {usd(s.cost_per_request[i])} a request · "
            f"{duration(s.latency_ms[i])} · quality {s.quality[i]:.3g} · {verdict}{front}"
        )

    def _on_mouse(self, pos: QPointF) -> None:
        if self.result is None or not self._x.size:
            return
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            self.readout.setText(self._default_text)
            return
        at = vb.mapSceneToView(pos)
        px, py = vb.viewPixelSize()
        if not (px > 0 and py > 0):
            return
        d2 = ((self._x - at.x()) / px) ** 2 + ((self._y - at.y()) / py) ** 2
        i = int(np.argmin(d2))
        if d2[i] <= HOVER_PX**2:
            self.readout.setText(self.describe_point(i))
        else:
            self.readout.setText(self._default_text)


class CostQualityLatencyPanel(PlotPanel):
    """The Cost-Quality-Latency tab's plot: one scatter with its hover readout."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scatter = CostQualityPlot()
        self._arrange([("Cost vs quality", self.scatter)], self.scatter)


def comparison_plot(named: list[tuple[str, cql.Result]]) -> pg.PlotWidget:
    """Each scenario's Pareto options (ringed), cost-quality staircase and pick, overlaid."""
    plot = make_plot(
        "Cost vs quality, side by side",
        "cost per request (log scale)",
        "quality (0..1)",
        money_axis=None,
    )
    item = plot.getPlotItem()
    set_axes(plot, bottom=LogMoneyAxis(orientation="bottom"))
    item.setLabel("bottom", "cost per request (log scale)")
    plot.addLegend(offset=(-10, -10), labelTextSize="8pt")
    floor = cost_floor(
        *(r.scatter.cost_per_request for _, r in named),
        [r.max_cost_per_request_usd for _, r in named],
    )
    xs: list[float] = []
    ys: list[float] = []
    for i, (name, r) in enumerate(named):
        colour = _COMPARE[i % len(_COMPARE)]
        s = r.scatter
        front = np.asarray(s.pareto, dtype=bool)
        x = log_costs(s.cost_per_request, floor)[front]
        y = np.asarray(s.quality, dtype=float)[front]
        plot.addItem(
            pg.ScatterPlotItem(
                x=x,
                y=y,
                size=9,
                brush=pg.mkBrush(255, 255, 255, 0),
                pen=pg.mkPen(colour, width=1.6),
                name=html_text(f"{name}: Pareto front"),
            )
        )
        fx = log_costs(r.frontier_cost, floor)
        if fx.size:
            step_x = np.append(np.repeat(fx, 2)[1:], fx[-1] + 0.3)
            plot.plot(
                step_x,
                np.repeat(np.asarray(r.frontier_quality), 2),
                pen=pen(colour, 1.8),
                name=html_text(f"{name}: best quality per cost"),
            )
        cap_x = math.log10(max(r.max_cost_per_request_usd, floor))
        xs += [*x.tolist(), cap_x]
        ys += [*y.tolist(), r.min_quality]
        cap = pg.InfiniteLine(cap_x, 90, pen=pen(colour, 1, True))
        plot.addItem(cap, ignoreBounds=True)
        plot.addItem(pg.InfiniteLine(r.min_quality, 0, pen=pen(colour, 1, True)), ignoreBounds=True)
        if r.pick is not None:
            plot.addItem(
                pg.ScatterPlotItem(
                    [math.log10(max(r.pick.cost_per_request, floor))],
                    [r.pick.quality],
                    size=20,
                    symbol="star",
                    brush=pg.mkBrush(colour),
                    pen=pg.mkPen(INK),
                    name=html_text(f"{name}: pick {r.pick.label}"),
                )
            )
    if xs:
        plot.setXRange(min(xs) - 0.4, max(xs) + 0.4, padding=0)
        plot.setYRange(min(ys) - 0.05, max(max(ys), 1.0) + 0.03, padding=0)
    return plot
