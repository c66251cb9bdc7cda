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
from ui.experiments.models import ExperimentsModel
from ui.plots.common import BLUE, GREY, ORANGE, make_plot, pen, splitter

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
        top = QHBoxLayout()
        top.addWidget(QLabel("Metric"))
        top.addWidget(self.metric_combo)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(splitter(Qt.Orientation.Vertical, self.plot, self.view, stretch=(1, 1)), 1)

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
        x = np.arange(1, len(chosen) + 1, dtype=float)
        mean = np.array([r.variant_mean for r in chosen], dtype=float)
        low = np.array([r.variant_low for r in chosen], dtype=float)
        high = np.array([r.variant_high for r in chosen], dtype=float)
        self.variant_curve.setData(x, mean)
        self.baseline_curve.setData(x, np.array([r.baseline_mean for r in chosen], dtype=float))
        self.bars.setData(x=x, y=mean, top=high - mean, bottom=mean - low)
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
