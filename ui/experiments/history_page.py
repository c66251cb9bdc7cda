"""The History page: every comparison kept, and the chosen metric with its interval across them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.metrics import METRICS
from storage.experiments import ExperimentRecord
from ui.experiments.dialogs import table_view
from ui.experiments.models import ExperimentsModel, all_failed
from ui.plots.common import BLUE, GREY, ORANGE, make_plot, pen, splitter
from ui.tracking import bench_button, comparison_source, history_selection

if TYPE_CHECKING:
    from ui.experiments.workbench import Workbench


class HistoryPage(QWidget):
    """Every comparison kept, and the chosen metric with its interval across them."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self.records: list[ExperimentRecord] = []
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("history_metric_combo")
        self.metric_combo.setToolTip("Which metric the trend shows")
        self.metric_combo.currentIndexChanged.connect(self._replot)
        self.model = ExperimentsModel()
        self.view = table_view(
            self.model,
            "experiments_view",
            stretch=2,
            widths=(40, 130, 0, 100, 80, 80, 270, 70, 110),
        )
        self.view.doubleClicked.connect(self._open)
        self.view.setToolTip("Double-click to open the comparison again")
        plot = self._build_plot()
        lay = QVBoxLayout(self)
        top = _top_row(self.metric_combo)
        top.addWidget(bench_button(self, comparison_source(bench, history_selection(self))))
        lay.addLayout(top)
        # Outside the splitter: a splitter would squeeze the wrapped caption over the plot.
        lay.addWidget(self.caption)
        lay.addWidget(splitter(Qt.Orientation.Vertical, plot, self.view, stretch=(1, 1)), 1)

    def _build_plot(self) -> pg.PlotWidget:
        self.plot = make_plot("Metric across experiments", "experiment", "score", None)
        self.plot.addLegend(offset=(10, 10))
        self.variant_curve = self.plot.plot(
            [], [], pen=pen(BLUE, 2), symbol="o", symbolBrush=BLUE, name="variant"
        )
        self.baseline_curve = self.plot.plot(
            [], [], pen=pen(GREY, 1.5, True), symbol="s", symbolBrush=GREY, name="baseline"
        )
        self.bars = pg.ErrorBarItem(x=np.array([]), y=np.array([]), pen=pen(ORANGE, 1.5), beam=0.2)
        self.plot.addItem(self.bars)
        self.plot.setToolTip(INTERVAL_NOTE)
        self.caption = QLabel(INTERVAL_NOTE)
        self.caption.setObjectName("history_caption")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        return self.plot

    def show_experiments(self, records: list[ExperimentRecord]) -> None:
        self.records = records
        self.model.set_rows(list(reversed(records)))
        kept = self.metric_combo.currentData()
        metrics = list(dict.fromkeys(r.metric for r in records))
        self.metric_combo.blockSignals(True)
        self.metric_combo.clear()
        for metric in metrics:
            spec = METRICS.get(metric)
            self.metric_combo.addItem(spec.label if spec else metric, metric)
        index = self.metric_combo.findData(kept)
        self.metric_combo.setCurrentIndex(index if index >= 0 else len(metrics) - 1)
        self.metric_combo.blockSignals(False)
        self._replot()

    def _replot(self, *_: object) -> None:
        metric = self.metric_combo.currentData()
        chosen = [r for r in self.records if r.metric == metric]
        label, factor = metric_scale(metric)
        x = np.arange(1, len(chosen) + 1, dtype=float)
        mean = _scaled(chosen, "variant", "variant_mean", factor)
        low = _scaled(chosen, "variant", "variant_low", factor)
        high = _scaled(chosen, "variant", "variant_high", factor)
        base = _scaled(chosen, "baseline", "baseline_mean", factor)
        # A run with no score is left out (pyqtgraph's bounds warn on an all-NaN series).
        drawn, base_drawn = np.isfinite(mean), np.isfinite(base)
        self.variant_curve.setData(x[drawn], mean[drawn])
        self.baseline_curve.setData(x[base_drawn], base[base_drawn])
        self.bars.setData(
            x=x[drawn], y=mean[drawn], top=(high - mean)[drawn], bottom=(mean - low)[drawn]
        )
        self.plot.getPlotItem().setLabel("left", label)
        self.plot.setYRange(0, factor, padding=0.05)
        self.plot.getPlotItem().getAxis("bottom").setTicks(
            [[(float(i), f"#{r.id}") for i, r in zip(x, chosen, strict=True)]]
        )
        if len(chosen):
            self.plot.setXRange(0.5, len(chosen) + 0.5, padding=0)

    def _open(self, index: Any) -> None:
        record: ExperimentRecord | None = self.model.row_at(index)
        if record is None:
            return
        self.bench.compare_page.open_record(record)


#: What the plot shows, and which interval its bars are (the lift's is on the Compare page).
INTERVAL_NOTE = (
    "One point per kept comparison, oldest on the left (#: the table's experiment). Blue: the "
    "variant's mean score; grey: the baseline's. The orange bar is the variant's 95% interval "
    "for its mean score (percentile bootstrap over the items), not the interval of the lift: "
    "open a comparison (double-click its row) for that."
)


def metric_scale(metric: str | None) -> tuple[str, float]:
    """The y axis label and the factor from a stored 0..1 score to the metric's own scale: a
    pass/fail metric as the share of items passing in %, BLEU on its 0-100 scale. The label
    is short enough for the axis at a laptop's height; the Metric list names the metric."""
    spec = METRICS.get(metric or "")
    if spec is None:
        return "score (0 to 1)", 1.0
    if spec.pass_fail:
        return "items passing (%)", 100.0
    if spec.id == "bleu":
        return "sentence BLEU (0 to 100)", 100.0
    return "score (0 to 1)", 1.0


def _scaled(records: list[ExperimentRecord], arm: str, name: str, factor: float) -> np.ndarray:
    """One figure of each record on the metric's scale; NaN (not drawn) where it is missing or
    the arm's run failed every item (its stored 0 is no score)."""
    values = [None if all_failed(r, arm) else getattr(r, name) for r in records]
    return np.array([np.nan if v is None else v * factor for v in values], dtype=float)


def _top_row(combo: QComboBox) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(QLabel("Metric"))
    row.addWidget(combo)
    row.addStretch(1)
    return row
