"""RAG vs Fine-tuning plots: monthly cost against volume with the crossover, and the scores."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.frameworks import rag_vs_finetuning as rvf
from core.frameworks.common import money, short_count
from ui.plain_text import html_text
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    LIGHT,
    ORANGE,
    RED,
    HeightBox,
    PlotAxis,
    PlotPanel,
    make_plot,
    pen,
    sample_at,
    set_axes,
    set_line_label,
    set_points,
    set_title,
    short_money,
    splitter,
    vline,
)

COLOURS = {"rag": BLUE, "fine-tuning": ORANGE, "hybrid": GREEN}
BAR_BRUSHES = {"rag": "#8ab4f8", "fine-tuning": "#fcc07a", "hybrid": "#81c995"}
SHORT_DIMENSIONS = {
    "time_to_production": "Time",
    "latency_impact": "Latency",
    "cost_per_inference": "Cost",
    "knowledge_currency": "Currency",
    "quality_ceiling": "Quality",
    "fit": "Fit",
}
#: Scenario line styles in the comparison plot (the colour says which option).
_STYLES = [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine]
_BAR_WIDTH = 0.26


def _log10(value: float) -> float:
    """log10 for placing items on a log axis; zero (no cost) sits at the bottom, $0.01."""
    return math.log10(max(value, 0.01))


class VolumeAxis(PlotAxis):
    """A log-scale axis of monthly volumes whose labels read 10k, 1M, 100M."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        return [short_count(10.0**v) for v in values]


class LogMoneyAxis(PlotAxis):
    """A log-scale axis of dollars whose labels read $100, $10k, $1M."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        return [short_money(10.0**v) for v in values]


def _log_volume_plot(title: str) -> pg.PlotWidget:
    """Cost against volume on log-log axes: on linear dollars the low-volume end of every
    curve, where the fixed costs decide, would be flattened onto the axis."""
    plot = make_plot(title, "", "", money_axis=None)
    item = plot.getPlotItem()
    bottom, left = VolumeAxis(orientation="bottom"), LogMoneyAxis(orientation="left")
    set_axes(plot, bottom=bottom, left=left)
    for axis in (bottom, left):
        axis.enableAutoSIPrefix(False)
    item.setLabel("bottom", "requests a month (log scale)")
    item.setLabel("left", "cost a month (log scale)")
    item.setLogMode(x=True, y=True)
    # Lines and labels are placed in log10 coordinates; switching log mode off from the
    # context menu would strand them, so the switches are not offered.
    item.ctrl.logXCheck.setEnabled(False)
    item.ctrl.logYCheck.setEnabled(False)
    return plot


class MonthlyCostPlot(QWidget):
    """Each option's monthly cost against monthly volume, the crossover and the entered volume."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _log_volume_plot("Monthly cost against volume")
        self.plot.addLegend(offset=(10, 10))
        self.curves = {
            o: self.plot.plot([], [], pen=pen(COLOURS[o], 2.5), name=rvf.OPTION_LABELS[o])
            for o in rvf.OPTIONS
        }
        # A PlotDataItem, not a bare scatter, so log mode places it like the curves.
        self.crossover = self.plot.plot(
            [], [], pen=None, symbol="o", symbolSize=11, symbolBrush=RED, symbolPen="w"
        )
        self.crossover_label = pg.TextItem(anchor=(0, -0.2), color=RED)
        self.volume_line = vline(GREY, dashed=True, label="your volume", label_at=0.9)
        self.hover_line = vline(LIGHT, dashed=False)
        self.hover_line.setVisible(False)
        for item in (self.crossover_label, self.volume_line, self.hover_line):
            self.plot.addItem(item, ignoreBounds=True)
        self.readout = QLabel(" ")
        self.readout.setObjectName("readout")
        self.readout.setStyleSheet("color: #3c4043; padding: 2px 6px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(HeightBox(self.readout))
        lay.addWidget(self.plot)
        self._volumes = np.zeros(0)
        self._costs: dict[str, np.ndarray] = {}
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)

    def update_result(self, r: rvf.Result) -> None:
        self._volumes = np.asarray(r.volumes)
        self._costs = {
            "rag": np.asarray(r.rag_monthly),
            "fine-tuning": np.asarray(r.fine_tuning_monthly),
            "hybrid": np.asarray(r.hybrid_monthly),
        }
        for o, curve in self.curves.items():
            set_points(curve, self._volumes, self._costs[o])
        x = r.crossover_requests_per_month
        y = r.crossover_monthly_cost
        if x is not None and y is not None and self._volumes[0] <= x <= self._volumes[-1] and x > 0:
            shown = True
            set_points(self.crossover, [x], [y])
            self.crossover_label.setText(f"fine-tuning cheaper above {short_count(x)}/month")
            self.crossover_label.setPos(QPointF(math.log10(x), _log10(y)))
        else:
            set_points(self.crossover, [], [])
            shown = False
        self.crossover_label.setVisible(shown)
        volume = r.requests_per_month
        self.volume_line.setVisible(volume > 0)
        if volume > 0:
            self.volume_line.setValue(math.log10(volume))
            set_line_label(self.volume_line, f"your volume {short_count(volume)}")
        self.readout.setText(self._describe(self._index_of(volume) if volume > 0 else 0))

    def _index_of(self, volume: float) -> int:
        i = int(np.searchsorted(self._volumes, volume))
        return int(np.clip(i, 0, len(self._volumes) - 1))

    def _describe(self, i: int) -> str:
        if not len(self._volumes):
            return " "
        costs = {o: float(c[i]) for o, c in self._costs.items()}
        cheapest = min(rvf.OPTIONS, key=lambda o: costs[o])
        parts = " · ".join(f"{rvf.OPTION_NAMES[o]} {money(costs[o])}" for o in rvf.OPTIONS)
        return (
            f"{self._volumes[i]:,.0f} requests a month: {parts} a month · cheapest: "
            f"{rvf.OPTION_NAMES[cheapest]}"
        )

    def _on_mouse(self, pos: QPointF) -> None:
        vb = self.plot.getPlotItem().vb
        if not len(self._volumes) or not self.plot.sceneBoundingRect().contains(pos):
            self.hover_line.setVisible(False)
            return
        log_x = vb.mapSceneToView(pos).x()
        i = sample_at(np.log10(self._volumes), log_x)
        self.hover_line.setValue(math.log10(self._volumes[i]))
        self.hover_line.setVisible(True)
        self.readout.setText(self._describe(i))


class ScoresPlot(QWidget):
    """Grouped bars: each option's 0-10 score per dimension, and the weighted total."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Scores by dimension", "", "score (0-10)", money_axis=None)
        # The colour key is in the subtitle: a legend in the view covered the tallest bars.
        self._key = " ".join(
            f"<span style='color:{COLOURS[o]}'>■</span> {rvf.OPTION_LABELS[o]}" for o in rvf.OPTIONS
        )
        groups = len(rvf.DIMENSIONS) + 1  # the dimensions and the weighted total
        self.bars = {}
        for i, o in enumerate(rvf.OPTIONS):
            bar = pg.BarGraphItem(
                x=np.arange(groups) + (i - 1) * _BAR_WIDTH,
                height=np.zeros(groups),
                width=_BAR_WIDTH,
                brush=BAR_BRUSHES[o],
                pen=pg.mkPen(COLOURS[o], width=1),
            )
            self.plot.addItem(bar)
            self.bars[o] = bar
        # The total is not a dimension: a line sets it apart.
        self.separator = pg.InfiniteLine(
            pos=groups - 1.5, angle=90, pen=pen(LIGHT, 1.2, dashed=True)
        )
        self.plot.addItem(self.separator)
        item = self.plot.getPlotItem()
        item.getViewBox().setMouseEnabled(x=False, y=False)
        self.plot.setYRange(0, 11, padding=0)
        self.plot.setXRange(-0.6, groups - 0.4, padding=0)
        self.readout = QLabel(" ")
        self.readout.setObjectName("readout")
        self.readout.setWordWrap(True)
        self.readout.setStyleSheet("color: #3c4043; padding: 2px 6px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.plot, 1)
        lay.addWidget(HeightBox(self.readout))
        self._result: rvf.Result | None = None
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)

    def update_result(self, r: rvf.Result) -> None:
        self._result = r
        for o, bar in self.bars.items():
            heights = [d.score_of(o).score for d in r.dimensions] + [r.option(o).total_score]
            bar.setOpts(height=np.asarray(heights))
        ticks = [
            (float(i), f"{SHORT_DIMENSIONS[d.dimension]} {d.weight:.0%}")
            for i, d in enumerate(r.dimensions)
        ]
        ticks.append((float(len(r.dimensions)), "Total"))
        self.plot.getPlotItem().getAxis("bottom").setTicks([ticks])
        set_title(
            self.plot,
            "<span style='font-size:11pt; font-weight:600'>Scores by dimension</span>"
            f"<span style='font-size:9pt'> — {self._key} · recommended: "
            f"{rvf.OPTION_LABELS[r.recommendation]}</span>",
        )
        self.readout.setText(self.describe(len(r.dimensions)))

    def describe(self, group: int) -> str:
        """The scores of one group of bars and why (the last group is the weighted total)."""
        r = self._result
        if r is None:
            return " "
        if group >= len(r.dimensions):
            parts = ", ".join(f"{o.label} {o.total_score:.2f}" for o in r.options)
            return f"Weighted total (0-10): {parts}. Hover a dimension to see why."
        d = r.dimensions[group]
        reasons = " ".join(
            f"{rvf.OPTION_LABELS[s.option]} {s.score:.1f}: {s.reason}." for s in d.scores
        )
        return f"{d.label} ({d.weight:.0%} of the weight). {reasons}"

    def _on_mouse(self, pos: QPointF) -> None:
        if self._result is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        x = self.plot.getPlotItem().vb.mapSceneToView(pos).x()
        group = int(np.clip(round(x), 0, len(self._result.dimensions)))
        self.readout.setText(self.describe(group))


class RagVsFinetuningPanel(PlotPanel):
    """The two RAG vs Fine-tuning plots: cost against volume on top, the scores below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cost = MonthlyCostPlot()
        self.scores = ScoresPlot()
        self._arrange(
            [("Monthly cost against volume", self.cost), ("Scores by dimension", self.scores)],
            splitter(Qt.Orientation.Vertical, self.cost, self.scores, stretch=(3, 2)),
        )


def comparison_plot(named: list[tuple[str, rvf.Result]]) -> pg.PlotWidget:
    """Every scenario's three cost curves on one plot: colour = option, line style = scenario."""
    plot = _log_volume_plot("Monthly cost against volume, side by side")
    plot.addLegend(offset=(10, 10))
    for i, (name, r) in enumerate(named):
        style = _STYLES[i % len(_STYLES)]
        series = {
            "rag": r.rag_monthly,
            "fine-tuning": r.fine_tuning_monthly,
            "hybrid": r.hybrid_monthly,
        }
        for o in rvf.OPTIONS:
            line = pg.mkPen(color=COLOURS[o], width=2.2, style=style)
            label = html_text(f"{name}: {rvf.OPTION_NAMES[o]}")
            plot.plot(r.volumes, series[o], pen=line, name=label)
        x, y = r.crossover_requests_per_month, r.crossover_monthly_cost
        if x is not None and y is not None and x > 0 and r.volumes[0] <= x <= r.volumes[-1]:
            plot.plot([x], [y], pen=None, symbol="o", symbolSize=10, symbolBrush=RED)
    return plot
