"""Build vs Buy plots: cumulative cost with breakeven, the tornado, the Monte Carlo histogram."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.frameworks import build_vs_buy as bvb
from core.frameworks.common import format_value, money, probability
from ui.plain_text import html_text
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    LIGHT,
    ORANGE,
    RED,
    HeightBox,
    PlotPanel,
    make_plot,
    pen,
    sample_at,
    set_axis_label,
    set_line_label,
    set_points,
    set_title,
    short_money,
    splitter,
    vline,
)

_PALETTE = [(BLUE, ORANGE), ("#174ea6", "#b06000"), ("#7baaf7", "#fcc934")]


class CumulativeCostPlot(QWidget):
    """Cumulative cost of both options over time, breakeven marked, hover readout above."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Cumulative cost", "years", "cumulative cost")
        self.plot.addLegend(offset=(10, 10))
        self.buy = self.plot.plot([], [], pen=pen(BLUE, 2.5), name="Buy (API)")
        self.build = self.plot.plot([], [], pen=pen(ORANGE, 2.5), name="Build (custom model)")
        self.marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(GREEN), pen=pg.mkPen("w"))
        # On a white ground: right of the breakeven the Buy line climbs through the label.
        self.marker_label = pg.TextItem(anchor=(0, 1.2), color=GREEN, fill=(255, 255, 255, 200))
        self.horizon = vline(GREY, dashed=True, label="horizon")
        self.hover_line = vline(LIGHT, dashed=False)
        self.hover_line.setVisible(False)
        for item in (self.marker, self.marker_label, self.horizon, self.hover_line):
            self.plot.addItem(item, ignoreBounds=True)
        self.readout = QLabel(" ")
        self.readout.setObjectName("readout")
        self.readout.setStyleSheet("color: #3c4043; padding: 2px 6px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(HeightBox(self.readout))
        lay.addWidget(self.plot)
        self._years = np.zeros(0)
        self._buy = np.zeros(0)
        self._build = np.zeros(0)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)

    def update_result(self, r: bvb.Result) -> None:
        self._years = np.asarray(r.months) / 12
        self._buy = np.asarray(r.buy_cumulative)
        self._build = np.asarray(r.build_cumulative)
        set_points(self.buy, self._years, self._buy)
        set_points(self.build, self._years, self._build)
        basis = "present value" if r.curve_basis == "present value" else "nominal"
        set_axis_label(self.plot, "left", f"cumulative cost ({basis})")
        self.horizon.setValue(r.horizon_years)
        set_line_label(self.horizon, f"decision horizon {r.horizon_years:g} y")
        be = r.breakeven_years
        if be is not None and be <= self._years[-1]:
            y = float(np.interp(be, self._years, self._build))
            set_points(self.marker, [be], [y])
            self.marker_label.setText(f"breakeven {format_value(be, 'years')}")
            self.marker_label.setPos(QPointF(be, y))
            self.marker_label.setVisible(True)
        else:
            set_points(self.marker, [], [])
            self.marker_label.setVisible(False)
        self.readout.setText(self._describe(len(self._years) - 1))

    def _describe(self, i: int) -> str:
        if not len(self._years):
            return " "
        buy, build = self._buy[i], self._build[i]
        diff = buy - build
        who = "building saves" if diff > 0 else "buying saves"
        return (
            f"Year {self._years[i]:.2f}: buy {money(buy)} · build {money(build)} · "
            f"{who} {money(abs(diff))}"
        )

    def _on_mouse(self, pos: QPointF) -> None:
        vb = self.plot.getPlotItem().vb
        if not len(self._years) or not self.plot.sceneBoundingRect().contains(pos):
            self.hover_line.setVisible(False)
            return
        x = vb.mapSceneToView(pos).x()
        i = sample_at(self._years, x)
        self.hover_line.setValue(self._years[i])
        self.hover_line.setVisible(True)
        self.readout.setText(self._describe(i))


#: Pixels between a tornado bar's money label and the plot's edge.
TORNADO_LABEL_GAP_PX = 8


class TornadoPlot(QWidget):
    """Each uncertain input at its low and high value: how the saving from building moves."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(
            "Sensitivity (tornado)",
            "saving from building over the horizon",
            "",
            money_axis="bottom",
        )
        self.plot.getPlotItem().setTitle(
            "<span style='font-size:11pt; font-weight:600'>Sensitivity (tornado)</span>"
            "<span style='font-size:9pt'> — <span style='color:#4a86e8'>■</span> input low"
            " <span style='color:#174ea6'>■</span> input high</span>"
        )
        self.low = pg.BarGraphItem(
            x0=[], x1=[], y=[], height=0.6, brush="#8ab4f8", pen=pg.mkPen(None)
        )
        self.high = pg.BarGraphItem(
            x0=[], x1=[], y=[], height=0.6, brush="#174ea6", pen=pg.mkPen(None)
        )
        self.base = pg.InfiniteLine(angle=90, pen=pen(GREY, 1.2))
        self.zero = pg.InfiniteLine(angle=90, pen=pen("#202124", 1, dashed=True))
        for item in (self.low, self.high, self.base, self.zero):
            self.plot.addItem(item)
        self.plot.getPlotItem().getViewBox().setMouseEnabled(y=False)
        # Fixed width: the names must fit even on a first, offscreen paint (report images).
        self.plot.getPlotItem().getAxis("left").setWidth(125)
        #: The money at each end of each bar; the pool keeps the items of longer earlier lists.
        self.labels: list[pg.TextItem] = []
        self._label_pool: list[pg.TextItem] = []
        self._names: list[tuple[float, str]] | None = None
        self._span = (0.0, 1.0)
        self.plot.getPlotItem().getViewBox().sigResized.connect(self._resized)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: bvb.Result) -> None:
        bars = list(reversed(r.tornado))  # biggest swing drawn on top
        y = np.arange(len(bars), dtype=float)
        base = r.savings if r.curve_basis == "nominal" else r.buy_pv - r.build_pv
        lows = np.array([b.savings_low for b in bars])
        highs = np.array([b.savings_high for b in bars])
        self.low.setOpts(x0=np.full(len(bars), base), x1=lows, y=y, height=0.6)
        self.high.setOpts(x0=np.full(len(bars), base), x1=highs, y=y, height=0.6)
        self.base.setValue(base)
        names = [(float(i), b.label) for i, b in enumerate(bars)]
        if names != self._names:  # a new tick list redraws the axis
            self._names = names
            self.plot.getPlotItem().getAxis("left").setTicks([names])
        ends = [(float(i), v) for i, b in enumerate(bars) for v in (b.savings_low, b.savings_high)]
        while len(self._label_pool) < len(ends):
            text = pg.TextItem(color=GREY)
            self.plot.addItem(text)
            self._label_pool.append(text)
        self.labels = self._label_pool[: len(ends)]
        for text, (i, value) in zip(self.labels, ends, strict=True):
            text.setText(short_money(value))  # pyqtgraph skips an unchanged text
            # An anchor or a showing set again places the text anew all the same.
            anchor = (1, 0.5) if value < base else (0, 0.5)
            if tuple(text.anchor) != anchor:
                text.setAnchor(anchor)
            text.setPos(value, i)
            if not text.isVisible():
                text.setVisible(True)
        for spare in self._label_pool[len(ends) :]:
            spare.setVisible(False)
        span = max(float(np.max(np.abs(np.r_[lows, highs] - base))) if bars else 1.0, 1.0)
        self._span = (base, span)
        # One range update for both axes: each is a relayout of the axes and a redraw.
        self._fit_range(y_range=(-0.6, max(len(bars) - 0.4, 0.6)))

    def _resized(self) -> None:
        self._fit_range()

    def _fit_range(self, y_range: tuple[float, float] | None = None) -> None:
        """Room beyond each bar's end for its money label, in pixels: a fixed share of the
        range left "$4.45M" and "$8.95M" outside a narrow plot."""
        base, span = self._span
        width = self.plot.getPlotItem().getViewBox().width()
        label = max((t.boundingRect().width() for t in self.labels), default=0.0)
        # The view shows base ± span·k; each side keeps (k - 1)/(2k) of the width for a label.
        share = 2 * (label + TORNADO_LABEL_GAP_PX) / width if width > 0 else 0.0
        k = min(max(1 / (1 - share), 1.35), 4.0) if share < 0.75 else 4.0
        self.plot.setRange(xRange=(base - span * k, base + span * k), yRange=y_range, padding=0)


class MonteCarloPlot(QWidget):
    """Histogram of the simulated breakeven with P10/P50/P90 and the decision horizon."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(
            "Monte Carlo breakeven", "breakeven (years)", "draws", money_axis=None
        )
        self.bars = pg.BarGraphItem(
            x=[], height=[], width=0.1, brush="#8ab4f8", pen=pg.mkPen("#4285f4")
        )
        self.plot.addItem(self.bars)
        self.lines = {
            "P10": vline(GREY, True, "P10", 0.92),
            "P50": vline("#202124", False, "P50", 0.80),
            "P90": vline(GREY, True, "P90", 0.68),
            "horizon": vline(RED, True, "horizon", 0.92),
        }
        for line in self.lines.values():
            self.plot.addItem(line, ignoreBounds=True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: bvb.Result) -> None:
        mc = r.monte_carlo
        if mc is None:
            self._simulating(r)
            return
        self.plot.hold_minimum(False)
        self.bars.setVisible(True)
        self.plot.getPlotItem().getViewBox().enableAutoRange(y=True)
        edges = np.asarray(mc.histogram_edges_years)
        counts = np.asarray(mc.histogram_counts)
        centres = (edges[:-1] + edges[1:]) / 2
        width = float(edges[1] - edges[0]) if len(edges) > 1 else 0.1
        self.bars.setOpts(x=centres, height=counts, width=width * 0.92)
        for key, value in (
            ("P10", mc.breakeven_p10_years),
            ("P50", mc.breakeven_p50_years),
            ("P90", mc.breakeven_p90_years),
        ):
            line = self.lines[key]
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value)
        self.lines["horizon"].setValue(r.horizon_years)
        never = (
            f"; {mc.never_within_search:,} never within {mc.search_years:g} y"
            if mc.never_within_search
            else ""
        )
        share = probability(mc.p_build_cheaper)
        set_title(
            self.plot,
            f"<span style='font-size:11pt; font-weight:600'>Monte Carlo breakeven</span>"
            f"<span style='font-size:9pt'> — building cheaper in {share} of "
            f"{mc.draws:,} draws{never}</span>",
        )
        lo, hi = float(edges[0]), float(edges[-1])
        horizon_near = r.horizon_years <= hi + (hi - lo)
        self.lines["horizon"].setVisible(horizon_near)
        if horizon_near:
            hi = max(hi, r.horizon_years)
        self.plot.setXRange(lo, hi, padding=0.04)

    def _simulating(self, r: bvb.Result) -> None:
        """A first-stage result: no histogram of other inputs stays on screen meanwhile.

        The count axis and the title's lines stay as they are until the histogram comes: fitted
        to no bars, and a subtitle moved up a line, they laid out and redrew the whole plot
        twice on every edit, most of the time its first stage took to show."""
        # Its title's width too: the whole result's title comes back as wide.
        self.plot.hold_minimum(True)
        self.plot.getPlotItem().getViewBox().enableAutoRange(y=False)
        self.bars.setVisible(False)
        for line in self.lines.values():
            line.setVisible(False)
        set_title(
            self.plot,
            "<span style='font-size:11pt; font-weight:600'>Monte Carlo breakeven</span>"
            f"<span style='font-size:9pt'> — {bvb.SIMULATING}</span>",
            keep_lines=True,
        )


class BuildVsBuyPanel(PlotPanel):
    """The three Build vs Buy plots: cost curves on top, tornado and Monte Carlo below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cumulative = CumulativeCostPlot()
        self.tornado = TornadoPlot()
        self.monte_carlo = MonteCarloPlot()
        bottom = splitter(Qt.Orientation.Horizontal, self.tornado, self.monte_carlo)
        self._arrange(
            [
                ("Cumulative cost", self.cumulative),
                ("Sensitivity (tornado)", self.tornado),
                ("Monte Carlo breakeven", self.monte_carlo),
            ],
            splitter(Qt.Orientation.Vertical, self.cumulative, bottom, stretch=(3, 2)),
        )

    def update_completed(self, result: object) -> None:
        # The completion adds the Monte Carlo alone: the other plots show its first stage.
        self._update_parts([("Monte Carlo breakeven", self.monte_carlo)], result)


def comparison_plot(named: list[tuple[str, bvb.Result]]) -> pg.PlotWidget:
    """Both scenarios' cost curves on one plot (solid = buy, dashed = build)."""
    plot = make_plot("Cumulative cost, side by side", "years", "cumulative cost")
    plot.addLegend(offset=(10, 10))
    for i, (name, r) in enumerate(named):
        buy_colour, build_colour = _PALETTE[i % len(_PALETTE)]
        years = np.asarray(r.months) / 12
        plot.plot(years, r.buy_cumulative, pen=pen(buy_colour, 2.2), name=html_text(f"{name}: buy"))
        plot.plot(
            years,
            r.build_cumulative,
            pen=pen(build_colour, 2.2, dashed=True),
            name=html_text(f"{name}: build"),
        )
        if r.breakeven_years is not None and r.breakeven_years <= years[-1]:
            y = float(np.interp(r.breakeven_years, years, r.build_cumulative))
            plot.addItem(
                pg.ScatterPlotItem(
                    [r.breakeven_years], [y], size=10, brush=pg.mkBrush(build_colour)
                )
            )
    return plot
