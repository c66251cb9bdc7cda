"""Architecture Patterns plots: monthly cost by task type per pattern, and cost against quality."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.frameworks import architecture_patterns as arch
from core.frameworks.common import money, probability
from ui.plain_text import html_text
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    HeightBox,
    PlotPanel,
    keep_label_inside,
    make_plot,
    pen,
    scene_rects,
    set_line_label,
    set_points,
    short_money,
    slide_line_label,
    splitter,
)

PATTERN_COLOURS = {"monolithic": BLUE, "modular": ORANGE, "hierarchical": GREEN}
#: One colour per task type, by its row in the task mix (deeper shades than the pattern colours).
TASK_COLOURS = [
    "#3949ab",
    "#00897b",
    "#c0ca33",
    "#8e24aa",
    "#6d4c41",
    "#00acc1",
    "#f4511e",
    "#7cb342",
    "#d81b60",
    "#546e7a",
]
OPERATIONS_COLOUR = "#bdc1c6"
INK = "#202124"
BAR_WIDTH = 0.6
#: Empty room right of the last bar, in bar slots, where the side-by-side comparison's
#: legend sits.
LEGEND_ROOM = 1.3
#: Pixels from the view's top edge to the legend's (pyqtgraph's offset of (-10, 10)).
LEGEND_TOP_PX = 10
#: Pixels between the legend's bottom edge and the total over the tallest bar under it,
#: including that total's own text (about 22 px tall, anchored just above its bar).
LEGEND_CLEARANCE_PX = 32
#: Least share of the view's height the bars keep when the legend takes its rows above them.
MIN_BARS_SHARE = 0.4
#: Headroom over the tallest bar for its total when there is no legend to clear.
TOTAL_HEADROOM = 1.18
#: A hover further than this from every point of the scatter shows the pick again.
HOVER_PX = 16
#: Where along the target line its label may sit (share of the view's width), by preference.
TARGET_LABEL_PLACES = (0.9, 0.1, 0.5, 0.3, 0.7, 0.98, 0.02)


def task_colour(index: int) -> str:
    return TASK_COLOURS[index % len(TASK_COLOURS)]


def _readout() -> QLabel:
    label = QLabel(" ")
    label.setObjectName("readout")
    label.setStyleSheet("color: #3c4043; padding: 2px 6px;")
    label.setWordWrap(True)
    return label


def _stacked(widget: QWidget, readout: QLabel, plot: pg.PlotWidget) -> None:
    lay = QVBoxLayout(widget)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(HeightBox(readout))
    lay.addWidget(plot)


def describe_pattern(o: arch.PatternOutcome) -> str:
    """One line on a pattern: total, quality share, mean quality, latency, what to operate."""
    return (
        f"{o.label} · {money(o.monthly_cost_usd)} a month · {probability(o.quality_share)} at "
        f"required quality (mean {o.mean_quality:.3f}) · {o.mean_latency_ms:,.0f} ms mean · "
        f"{o.components} to operate"
    )


class CostByTaskPlot(QWidget):
    """One bar per pattern: each task type's requests cost a month stacked, operations on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Monthly cost by task type", "", "cost a month")
        # Across the top of the view, in as many columns as its width takes, with the bars'
        # range raised so that no bar or total reaches under it (_fit_legend, _y_top).
        self.legend = self.plot.addLegend(
            offset=(-10, LEGEND_TOP_PX),
            labelTextSize="8pt",
            brush=pg.mkBrush(255, 255, 255, 220),
        )
        self.task_bars: list[pg.BarGraphItem] = []
        self.operations = pg.BarGraphItem(
            x=[], y0=[], height=[], width=BAR_WIDTH, brush=OPERATIONS_COLOUR, pen=pg.mkPen("w")
        )
        self.plot.addItem(self.operations)
        self.totals = [pg.TextItem(color=INK, anchor=(0.5, 1.1)) for _ in arch.PATTERNS]
        for label in self.totals:
            self.plot.addItem(label)
        vb = self.plot.getPlotItem().getViewBox()
        vb.setMouseEnabled(x=False)
        self.plot.getPlotItem().getAxis("bottom").setTicks(
            [[(float(i), arch.PATTERN_LABELS[p]) for i, p in enumerate(arch.PATTERNS)]]
        )
        self.readout = _readout()
        _stacked(self, self.readout, self.plot)
        self.result: arch.Result | None = None
        # Per pattern (rows) the segments bottom to top: each task type, then operations.
        self._segments = np.zeros((0, 0))
        self._legend: list[str] | None = None
        self._bars = len(arch.PATTERNS)
        self._top = 0.0  # the tallest bar's total
        vb.sigResized.connect(self._resized)
        self._default_text = " "
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)

    def _bar(self, i: int) -> pg.BarGraphItem:
        while len(self.task_bars) <= i:
            k = len(self.task_bars)
            bar = pg.BarGraphItem(
                x=[], y0=[], height=[], width=BAR_WIDTH, brush=task_colour(k), pen=pg.mkPen("w")
            )
            bar.setZValue(-1)
            self.plot.addItem(bar)
            self.task_bars.append(bar)
        return self.task_bars[i]

    def _fit_legend(self) -> None:
        """The most columns whose legend fits the view's width: at 1920 wide one row over the
        bars, on a laptop's narrower plot (about 350 px) two or three. One column to the right
        of the bars covered the last bar and its total when the plot was narrow, and squeezed
        beside it, the patterns' names under the bars ran together."""
        room = self.plot.getPlotItem().getViewBox().width() - 2 * abs(LEGEND_TOP_PX)
        entries = len(self.legend.items)
        for columns in range(max(entries, 1), 0, -1):
            self.legend.setColumnCount(columns)
            if self.legend.boundingRect().width() <= room:
                break

    def _y_top(self) -> float:
        """The range's top: the tallest bar's total ends below the legend, in pixels."""
        top = self._top if self._top > 0 else 1.0
        height = self.plot.getPlotItem().getViewBox().height()
        taken = LEGEND_TOP_PX + self.legend.boundingRect().height() + LEGEND_CLEARANCE_PX
        bars = 1 - taken / height if height > 0 else 0.0
        return top / bars if bars >= MIN_BARS_SHARE else top * TOTAL_HEADROOM

    def _resized(self) -> None:
        self._fit_legend()
        self._fit_range()

    def _fit_range(self) -> None:
        self.plot.setRange(xRange=(-0.6, self._bars - 0.4), yRange=(0, self._y_top()), padding=0)

    def update_result(self, r: arch.Result) -> None:
        self.result = r
        n = len(r.task_names)
        segments = np.array(
            [
                [t.monthly_cost_usd for t in o.tasks] + [o.operations_cost_per_month_usd]
                for o in r.patterns
            ]
        )
        self._segments = segments
        x = np.arange(len(r.patterns), dtype=float)
        bottoms = np.cumsum(segments, axis=1) - segments
        for i in range(max(n, len(self.task_bars))):
            bar = self._bar(i)
            if i < n:
                bar.setOpts(x=x, y0=bottoms[:, i], height=segments[:, i], width=BAR_WIDTH)
            else:
                bar.setOpts(x=[], y0=[], height=[])
        self.operations.setOpts(x=x, y0=bottoms[:, n], height=segments[:, n], width=BAR_WIDTH)
        if r.task_names != self._legend:  # rebuilding the legend lays out every entry again
            self._legend = list(r.task_names)
            self.legend.clear()
            for bar, name in zip(self.task_bars, r.task_names, strict=False):
                self.legend.addItem(bar, html_text(name))
            self.legend.addItem(self.operations, "operating extra models")
            self._fit_legend()
        totals = segments.sum(axis=1)
        for label, o, xx, total in zip(self.totals, r.patterns, x, totals, strict=True):
            star = " ★" if o.pattern == r.recommendation else ""
            label.setText(f"{short_money(total)}{star}")
            colour = pg.mkColor(INK if o.eligible else GREY)
            if label.color != colour:  # a new colour lays the text out again
                label.setColor(colour)
            label.setPos(float(xx), float(total))
        self._top = float(totals.max()) if totals.size else 0.0
        self._bars = len(r.patterns)
        # Both ranges in one call: the view maps the new range to pixels, and moves every
        # item that follows it, once instead of once per axis.
        self._fit_range()
        pick = r.pattern(r.recommendation)
        self._default_text = f"Recommended ★ {describe_pattern(pick)}"
        self.readout.setText(self._default_text)

    def describe_segment(self, pattern_index: int, segment: int) -> str:
        """The hover text of one bar segment: its cost, share of the bar and who answers."""
        assert self.result is not None
        o = self.result.patterns[pattern_index]
        total = float(self._segments[pattern_index].sum())
        value = float(self._segments[pattern_index, segment])
        part = f" ({probability(value / total)} of {money(total)})" if total > 0 else ""
        if segment == len(o.tasks):
            return f"{o.label} · operations: {money(value)} a month{part} · {o.complexity}"
        t = o.tasks[segment]
        return (
            f"{o.label} · {t.task}: {money(value)} a month{part} · {t.served_by} · "
            f"{probability(t.quality_met)} at required quality · {t.latency_ms:,.0f} ms"
        )

    def _on_mouse(self, pos: QPointF) -> None:
        if self.result is None or not self._segments.size:
            return
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            self.readout.setText(self._default_text)
            return
        at = vb.mapSceneToView(pos)
        i = int(round(at.x()))
        if not (0 <= i < len(self.result.patterns)) or abs(at.x() - i) > BAR_WIDTH / 2:
            self.readout.setText(self._default_text)
            return
        tops = np.cumsum(self._segments[i])
        inside = np.nonzero((at.y() >= 0) & (at.y() <= tops) & (self._segments[i] > 0))[0]
        if inside.size:
            self.readout.setText(self.describe_segment(i, int(inside[0])))
        else:
            self.readout.setText(describe_pattern(self.result.patterns[i]))


class CostQualityPlot(QWidget):
    """The three patterns by total cost a month and share of requests at required quality."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(
            "Cost vs quality",
            "cost a month (requests + operations)",
            "requests at required quality (%)",
            money_axis="bottom",
        )
        self.points = {
            p: pg.ScatterPlotItem(
                size=14, brush=pg.mkBrush(PATTERN_COLOURS[p]), pen=pg.mkPen("w", width=1.5)
            )
            for p in arch.PATTERNS
        }
        self.pick = pg.ScatterPlotItem(
            size=26, symbol="star", brush=pg.mkBrush(255, 255, 255, 0), pen=pg.mkPen(INK, width=1.5)
        )
        # A light fill keeps a name legible where the target line runs through it.
        self.labels = {
            p: pg.TextItem(color=PATTERN_COLOURS[p], fill=(255, 255, 255, 200))
            for p in arch.PATTERNS
        }
        self.target = pg.InfiniteLine(
            angle=0,
            pen=pen(GREY, 1.2, dashed=True),
            label="target",
            labelOpts={"position": 0.9, "color": GREY, "fill": (255, 255, 255, 200)},
        )
        for it in (*self.points.values(), self.pick):
            self.plot.addItem(it)
        keep_label_inside(self.target)
        for it in (*self.labels.values(), self.target):
            self.plot.addItem(it, ignoreBounds=True)
        self.readout = _readout()
        _stacked(self, self.readout, self.plot)
        self.result: arch.Result | None = None
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._default_text = " "
        #: How many times the target's label was placed (update_result places it once).
        self._placements = 0
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        # Where the labels fall depends on the plot's size in pixels: placed again whenever
        # the view's mapping to pixels changes (a resize, a new range).
        self.plot.getPlotItem().vb.sigTransformChanged.connect(self._place_target_label)

    def update_result(self, r: arch.Result) -> None:
        self.result = r
        self._x = np.array([o.monthly_cost_usd for o in r.patterns])
        self._y = np.array([o.quality_share * 100 for o in r.patterns])
        # Labels alternate above and below the points in order of cost, so two patterns of
        # similar cost and quality do not print their names over each other.
        rank = np.argsort(np.argsort(self._x, kind="stable"), kind="stable")
        for o, x, y, k in zip(r.patterns, self._x, self._y, rank, strict=True):
            set_points(self.points[o.pattern], [x], [y])
            label = self.labels[o.pattern]
            label.setText(o.label)
            label.setAnchor((0.5, 1.3) if k % 2 == 0 else (0.5, -0.3))
            label.setPos(float(x), float(y))
        i = [o.pattern for o in r.patterns].index(r.recommendation)
        set_points(self.pick, [self._x[i]], [self._y[i]])
        target = r.target_quality_share * 100
        self.target.setValue(target)
        set_line_label(self.target, f"target {probability(r.target_quality_share)}")
        right = float(self._x.max()) if self._x.size else 0.0
        low = min(float(self._y.min()), target)
        placed = self._placements
        # Both ranges in one call, which maps them to pixels once; a new mapping places the
        # target's label (sigTransformChanged) after everything above has moved.
        self.plot.setRange(
            xRange=(0, right * 1.3 if right > 0 else 1.0), yRange=(max(low - 8, -4), 108), padding=0
        )
        if self._placements == placed:  # the same mapping: the points moved under the label
            self._place_target_label()
        self._default_text = f"Recommended ★ {describe_pattern(r.pattern(r.recommendation))}"
        self.readout.setText(self._default_text)

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
            self.readout.setText(describe_pattern(self.result.patterns[i]))
        else:
            self.readout.setText(self._default_text)

    def _place_target_label(self) -> None:
        """Slide the target line's label along the line to where it covers no pattern's
        point or name (a pattern just under the target printed its name over "target")."""
        if self.result is None:
            return
        self._placements += 1
        # Text items follow a new view mapping lazily (when painted): brought up to date first.
        for name_label in self.labels.values():
            name_label.updateTransform(force=True)
        taken = [lb.sceneBoundingRect() for lb in self.labels.values() if lb.isVisible()]
        taken += [it.sceneBoundingRect() for it in (*self.points.values(), self.pick)]
        slide_line_label(self.target, TARGET_LABEL_PLACES, scene_rects(taken))


class ArchitecturePatternsPanel(PlotPanel):
    """The stacked cost bars beside the cost-quality scatter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = CostByTaskPlot()
        self.scatter = CostQualityPlot()
        self._arrange(
            [("Monthly cost by task type", self.bars), ("Cost vs quality", self.scatter)],
            splitter(Qt.Orientation.Horizontal, self.bars, self.scatter, stretch=(3, 2)),
        )


def comparison_plot(named: list[tuple[str, arch.Result]]) -> pg.PlotWidget:
    """Each scenario's total cost a month per pattern, side by side; the pick is starred."""
    plot = make_plot("Cost a month per pattern, side by side", "", "cost a month")
    plot.addLegend(offset=(-10, 10), brush=pg.mkBrush(255, 255, 255, 220))
    width = 0.8 / max(len(named), 1)
    palette = [BLUE, ORANGE, GREEN, "#9334e6"]
    for k, (scenario, r) in enumerate(named):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(r.patterns))]
        heights = [o.monthly_cost_usd for o in r.patterns]
        bars = pg.BarGraphItem(
            x=xs,
            height=heights,
            width=width * 0.9,
            brush=palette[k % len(palette)],
            pen=pg.mkPen(None),
        )
        plot.addItem(bars)
        pick = [o.pattern for o in r.patterns].index(r.recommendation)
        star = pg.TextItem("★", color=INK, anchor=(0.5, 1.0))
        star.setPos(xs[pick], heights[pick])
        plot.addItem(star)
        label = arch.PATTERN_LABELS[r.recommendation]
        plot.getPlotItem().legend.addItem(bars, html_text(f"{scenario}: {label.lower()}"))
    plot.getPlotItem().getAxis("bottom").setTicks(
        [[(float(i), arch.PATTERN_LABELS[p]) for i, p in enumerate(arch.PATTERNS)]]
    )
    top = max((o.monthly_cost_usd for _, r in named for o in r.patterns), default=0.0)
    plot.setXRange(-0.6, len(arch.PATTERNS) - 0.4 + LEGEND_ROOM, padding=0)
    plot.setYRange(0, top * 1.12 if top > 0 else 1.0, padding=0)
    return plot
