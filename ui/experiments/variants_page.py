"""The Variants page: more than two runs of one dataset against a chosen baseline.

Tick the runs, pick the baseline and the metric: a table of each variant (its score with its
interval, cost per item, latency, lift against the baseline with raw and Holm-adjusted p, the
verdict, Pareto membership, how often it is best), a quality-cost scatter with latency as the
marker size and the Pareto set filled, and the "best" sentence saying how sure it is. The
comparison is operations.multi_compare's, computed in a worker; nothing is kept in the history.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.frameworks.common import p_value
from core.metrics import METRICS
from core.multi_compare import DIMENSION_TEXT, MultiComparison, VariantFigures
from core.stats import VERDICT_LABELS, format_points
from core.text import visible
from operations.multi_compare import ComparedVariants, compare_many
from storage.experiments import DatasetInfo, RunInfo
from ui.experiments.dialogs import table_view
from ui.experiments.fields import dspin
from ui.experiments.models import usd_text
from ui.experiments.texts import message
from ui.plain_text import plain_label, tooltip
from ui.plots.common import (
    GREEN,
    GREY,
    SUBTITLE_ON_LINE,
    VERDICT_COLOURS,
    HeightBox,
    make_plot,
    set_axes,
    splitter,
)
from ui.plots.cost_quality_latency import LogMoneyAxis, cost_floor, log_costs
from ui.table_model import Index, RowsTableModel

if TYPE_CHECKING:
    from collections.abc import Callable

    from ui.experiments.workbench import Workbench

INK = "#202124"
#: Marker sizes (pixels) from the fastest to the slowest median latency.
SMALLEST_PX, LARGEST_PX = 10.0, 28.0
#: A pointer further than this (pixels) from every point shows the summary again.
HOVER_PX = 16
TITLE = (
    "<span style='font-size:11pt; font-weight:600'>Quality vs cost per item</span>"
    f"{SUBTITLE_ON_LINE}<span style='color:{GREEN}'>●</span> Pareto set "
    f"<span style='color:{GREY}'>●</span> dominated, ■ baseline; "
    "marker size: median latency</span>"
)
COMPARE_TIP = "Compare every ticked run with the baseline on the items all of them answered"
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _mean_text(v: VariantFigures) -> str:
    run = v.run
    if run.mean is None or run.low is None or run.high is None:
        return "no score"
    return f"{run.mean:.3f} ({run.low:.3f} to {run.high:.3f})"


def _lift_text(v: VariantFigures) -> str:
    if v.is_baseline:
        return "baseline"
    if v.lift is None or v.low is None or v.high is None:
        return "none"
    return (
        f"{format_points(100 * v.lift)} ({format_points(100 * v.low)[:-3]} to "
        f"{format_points(100 * v.high)})"
    )


def _ms(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.0f} ms"


def describe(v: VariantFigures) -> str:
    """Every figure of one variant on one line, as the hover shows it."""
    parts = [
        f"{v.name}{' (baseline)' if v.is_baseline else ''}: score {_mean_text(v)}",
        f"{usd_text(v.run.cost_per_sample_usd)} per item",
        f"latency p50 {_ms(v.run.latency_p50_ms)}, p95 {_ms(v.run.latency_p95_ms)}",
    ]
    if not v.is_baseline:
        parts.append(f"lift {_lift_text(v)}")
        if v.verdict is not None:
            parts.append(VERDICT_LABELS[v.verdict])
    parts.append("on the Pareto set" if v.pareto else "dominated")
    parts.append(f"best in {v.best_share:.0%} of resamples")
    return "; ".join(parts)


class VariantsModel(RowsTableModel):
    """One row per variant of a k-way comparison."""

    HEADERS = (
        "Run",
        "Score (95% interval)",
        "Cost per item",
        "Latency p50 / p95",
        "Lift vs baseline",
        "p",
        "Holm p",
        "Verdict",
        "Pareto",
        "Best in resamples",
    )
    NUMERIC = frozenset({2, 3, 5, 6, 9})

    def cell(self, v: VariantFigures, column: int) -> str:
        run = v.run
        match column:
            case 0:
                return v.name
            case 1:
                return _mean_text(v)
            case 2:
                return usd_text(run.cost_per_sample_usd)
            case 3:
                if run.latency_p50_ms is None or run.latency_p95_ms is None:
                    return "unknown"
                return f"{run.latency_p50_ms:,.0f} / {run.latency_p95_ms:,.0f} ms"
            case 4:
                return _lift_text(v)
            case 5:
                return "" if v.p_raw is None else p_value(v.p_raw)
            case 6:
                return "" if v.p_holm is None else p_value(v.p_holm)
            case 7:
                return "baseline" if v.verdict is None else VERDICT_LABELS[v.verdict]
            case 8:
                return "yes" if v.pareto else "no"
            case _:
                return f"{v.best_share:.0%}"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        v: VariantFigures = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(v, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(describe(v))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == 7 and v.verdict is not None:
            return QColor(VERDICT_COLOURS[v.verdict])
        return None


class VariantsPlot(QWidget):
    """Each variant by cost per item (log) and score, latency as the marker's size, the
    Pareto set filled, every point labelled with its run; the hover reads out its figures."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot("Quality vs cost per item", "", "score (0..1)", money_axis=None)
        item = self.plot.getPlotItem()
        item.setTitle(TITLE)
        set_axes(self.plot, bottom=LogMoneyAxis(orientation="bottom"))
        item.setLabel("bottom", "cost per item (USD, log scale)")
        self.points = pg.ScatterPlotItem(pxMode=True)
        self.plot.addItem(self.points)
        self.labels: list[pg.TextItem] = []
        self.readout = plain_label(" ")
        self.readout.setObjectName("variants_readout")
        self.readout.setStyleSheet("color: #3c4043; padding: 2px 6px;")
        self.readout.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(HeightBox(self.readout))
        lay.addWidget(self.plot)
        self.result: MultiComparison | None = None
        #: The plotted variants (those with a score) and where they are, in data units.
        self.shown: list[VariantFigures] = []
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self._idle = " "
        self.plot.scene().sigMouseMoved.connect(self._hovered)

    def show_result(self, result: MultiComparison | None) -> None:
        self.result = result
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        variants = [] if result is None else [v for v in result.variants if v.run.mean is not None]
        self.shown = variants
        if not variants:
            self.points.setData([], [])
            self._x = self._y = np.zeros(0)
            self._idle = " " if result is None else "No variant has a score to plot."
            self.readout.setText(self._idle)
            return
        costs = np.array([v.run.cost_per_sample_usd or 0.0 for v in variants])
        self._x = log_costs(costs, cost_floor(costs))
        self._y = np.array([v.run.mean for v in variants], dtype=float)
        latencies = [v.run.latency_p50_ms for v in variants]
        self.points.setData(
            x=self._x,
            y=self._y,
            size=_sizes(latencies),
            symbol=["s" if v.is_baseline else "o" for v in variants],
            brush=[pg.mkBrush(GREEN if v.pareto else "#bdc1c6") for v in variants],
            pen=[pg.mkPen(INK if v.pareto else GREY, width=1.2) for v in variants],
        )
        best = None if result is None or result.best is None else result.variants[result.best]
        for v, x, y in zip(variants, self._x, self._y, strict=True):
            # TextItem draws plain text: a run's name is never markup.
            label = pg.TextItem(
                v.name + (" (best)" if v is best else ""), color=INK, anchor=(-0.15, 0.5)
            )
            label.setPos(float(x), float(y))
            self.plot.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        kept = [] if result is None else result.pareto_dimensions
        missing = [DIMENSION_TEXT[d] for d in DIMENSION_TEXT if d not in kept]
        self._idle = "Point at a variant for its figures." + (
            f" The Pareto set leaves out {', '.join(missing)}: some run has no figure for it."
            if missing
            else ""
        )
        if not costs.any():
            self._idle += " No run recorded a cost (imported outputs): all sit at the left edge."
        self.readout.setText(self._idle)
        # Room for the labels to the right of the points and for the biggest marker.
        span = float(np.ptp(self._x)) or 1.0
        item = self.plot.getPlotItem()
        item.setXRange(float(self._x.min()) - 0.15 * span, float(self._x.max()) + 0.6 * span)
        low, high = float(self._y.min()), float(self._y.max())
        pad = max(0.05, 0.15 * (high - low))
        item.setYRange(max(0.0, low - pad) - 0.02, min(1.0, high + pad) + 0.02)

    def nearest(self, scene_pos: QPointF) -> int | None:
        """The plotted variant under the pointer (within HOVER_PX), None if none."""
        if not self.shown:
            return None
        vb = self.plot.getPlotItem().vb
        best, best_d = None, float(HOVER_PX)
        for i, (x, y) in enumerate(zip(self._x, self._y, strict=True)):
            at = vb.mapViewToScene(QPointF(float(x), float(y)))
            d = float(np.hypot(at.x() - scene_pos.x(), at.y() - scene_pos.y()))
            if d <= best_d:
                best, best_d = i, d
        return best

    def _hovered(self, scene_pos: QPointF) -> None:
        i = self.nearest(scene_pos)
        self.readout.setText(self._idle if i is None else describe(self.shown[i]))


def _sizes(latencies: list[float | None]) -> list[float]:
    """Marker sizes by median latency, smallest to largest across the variants; a variant
    without a latency gets the middle size."""
    known = [v for v in latencies if v is not None]
    middle = (SMALLEST_PX + LARGEST_PX) / 2
    if not known or max(known) == min(known):
        return [middle] * len(latencies)
    lo, hi = min(known), max(known)
    return [
        middle if v is None else SMALLEST_PX + (LARGEST_PX - SMALLEST_PX) * (v - lo) / (hi - lo)
        for v in latencies
    ]


class VariantsPage(QWidget):
    """Tick two or more runs of a dataset, pick the baseline and metric, compare them all."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.setObjectName("variants_page")
        self.bench = bench
        self._datasets: list[DatasetInfo] = []
        self._runs: list[RunInfo] = []
        self.result: MultiComparison | None = None
        # Set while a comparison runs: the button then cancels it.
        self._cancel: threading.Event | None = None
        lay = QVBoxLayout(self)
        lay.addLayout(self._build_controls())
        self.summary = plain_label("Tick two or more runs of one dataset and compare them.")
        self.summary.setObjectName("variants_summary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: 600;")
        # Read-only text, never markup; it scrolls rather than be cut when the page is short.
        self.reasons = QPlainTextEdit()
        self.reasons.setObjectName("variants_reasons")
        self.reasons.setReadOnly(True)
        self.reasons.setMinimumHeight(80)
        self.reasons.setPlaceholderText("The reasons behind each verdict and the best appear here.")
        lay.addWidget(self.summary)
        self.model = VariantsModel()
        self.table = table_view(
            self.model,
            "variants_view",
            stretch=None,
            widths=(130, 150, 85, 120, 170, 60, 60, 105, 55),
        )
        self.table.setMinimumHeight(130)
        self.scatter = VariantsPlot()
        self.scatter.setMinimumHeight(320)
        # Stacked: the table keeps the page's width for its ten columns; the page scrolls on
        # a small screen rather than squeeze the plot.
        lay.addWidget(
            splitter(
                Qt.Orientation.Vertical, self.table, self.reasons, self.scatter, stretch=(2, 1, 4)
            ),
            1,
        )

    def _build_controls(self) -> QGridLayout:
        self.dataset_combo = QComboBox()
        self.dataset_combo.setObjectName("variants_dataset_combo")
        self.dataset_combo.setToolTip("The dataset whose runs are compared")
        self.dataset_combo.currentIndexChanged.connect(self._dataset_changed)
        self.run_model = QStandardItemModel(self)
        self.run_list = QListView()
        self.run_list.setModel(self.run_model)
        self.run_list.setObjectName("variants_run_list")
        self.run_list.setToolTip("Tick the runs to compare (two or more)")
        self.run_list.setMaximumHeight(96)
        self.run_list.setMinimumHeight(60)
        self.run_model.itemChanged.connect(self._ticks_changed)
        self.baseline_combo = QComboBox()
        self.baseline_combo.setObjectName("variants_baseline_combo")
        self.baseline_combo.setToolTip("The run every other ticked run is compared with")
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("variants_metric_combo")
        for spec in METRICS.values():
            # A judge grades two runs at a time, on the Compare page.
            if not spec.needs_judge:
                self.metric_combo.addItem(spec.label, spec.id)
                self.metric_combo.setItemData(
                    self.metric_combo.count() - 1,
                    spec.description,
                    Qt.ItemDataRole.ToolTipRole,
                )
        self.metric_combo.currentIndexChanged.connect(self._metric_changed)
        self.pattern_edit = QLineEdit()
        self.pattern_edit.setObjectName("variants_pattern_edit")
        self.pattern_edit.setPlaceholderText("regular expression the output must match")
        self.pattern_edit.setEnabled(False)
        self.min_lift_spin = dspin(
            "variants_min_lift_spin",
            0,
            100,
            2,
            "The smallest improvement worth shipping, in percentage points of the metric",
            decimals=1,
            step=0.5,
        )
        self.min_lift_spin.setSuffix(" pp")
        self.threshold_spin = dspin(
            "variants_threshold_spin",
            0,
            1,
            0.5,
            "A score at or above this counts as a pass (McNemar's test counts passes)",
        )
        self.alpha_spin = dspin(
            "variants_alpha_spin",
            0.001,
            0.5,
            0.05,
            "The family-wise significance level: Holm's adjustment keeps the chance of any "
            "false 'significant' among the comparisons with the baseline at alpha",
            decimals=3,
            step=0.01,
        )
        self.compare_button = QPushButton("Compare all")
        self.compare_button.setObjectName("variants_compare_button")
        self.compare_button.setToolTip(COMPARE_TIP)
        self.compare_button.clicked.connect(self.compare)
        grid = QGridLayout()
        grid.addWidget(QLabel("Dataset"), 0, 0)
        grid.addWidget(self.dataset_combo, 0, 1)
        grid.addWidget(QLabel("Runs"), 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.run_list, 1, 1, 3, 1)
        cells: list[tuple[str, QWidget]] = [
            ("Baseline", self.baseline_combo),
            ("Metric", self.metric_combo),
            ("Pattern", self.pattern_edit),
            ("Minimum lift", self.min_lift_spin),
            ("Pass at", self.threshold_spin),
            ("Alpha", self.alpha_spin),
        ]
        for i, (label, widget) in enumerate(cells):
            grid.addWidget(QLabel(label), i // 2, 2 + (i % 2) * 2)
            grid.addWidget(widget, i // 2, 3 + (i % 2) * 2)
        grid.addWidget(self.compare_button, 3, 5)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(5, 1)
        return grid

    # ----- lists -------------------------------------------------------------------------

    def show_runs(self, datasets: list[DatasetInfo], runs: list[RunInfo]) -> None:
        """The datasets that have two runs or more; the chosen one is kept when still there."""
        self._runs = runs
        counts: dict[int, int] = {}
        for r in runs:
            counts[r.dataset_id] = counts.get(r.dataset_id, 0) + 1
        self._datasets = [d for d in datasets if counts.get(d.id, 0) >= 2]
        kept = self.dataset_combo.currentData()
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.clear()
        for d in self._datasets:
            self.dataset_combo.addItem(f"{d.name} v{d.version} · {counts[d.id]} runs", d.id)
        index = self.dataset_combo.findData(kept)
        self.dataset_combo.setCurrentIndex(max(index, 0) if self._datasets else -1)
        self.dataset_combo.blockSignals(False)
        self._dataset_changed()

    def _dataset_changed(self, *_: object) -> None:
        dataset_id = self.dataset_combo.currentData()
        ticked = set(self.ticked_ids()) if self.run_model.rowCount() else None
        self.run_model.blockSignals(True)
        self.run_model.clear()
        # Oldest first: the usual baseline on top, the newest variants below.
        for r in sorted((r for r in self._runs if r.dataset_id == dataset_id), key=lambda r: r.id):
            # A name with a bidi override would reorder the line: controls show by their code.
            entry = QStandardItem(visible(f"#{r.id} {r.name} · {r.variant.model} · {r.samples:,}"))
            entry.setData(r.id, Qt.ItemDataRole.UserRole)
            entry.setEditable(False)
            entry.setCheckable(True)
            on = ticked is None or not ticked or r.id in ticked
            entry.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.run_model.appendRow(entry)
        self.run_model.blockSignals(False)
        # The view missed the rows added while the model's signals were blocked.
        self.run_list.reset()
        self._ticks_changed()

    def ticked_ids(self) -> list[int]:
        return [
            int(self.run_model.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.run_model.rowCount())
            if self.run_model.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _ticks_changed(self, *_: object) -> None:
        kept = self.baseline_combo.currentData()
        self.baseline_combo.clear()
        for i in range(self.run_model.rowCount()):
            entry = self.run_model.item(i)
            if entry.checkState() == Qt.CheckState.Checked:
                self.baseline_combo.addItem(entry.text(), entry.data(Qt.ItemDataRole.UserRole))
        index = self.baseline_combo.findData(kept)
        self.baseline_combo.setCurrentIndex(max(index, 0))
        # While a comparison runs the button is its Cancel.
        self.compare_button.setEnabled(self._cancel is not None or len(self.ticked_ids()) >= 2)

    def _metric_changed(self, *_: object) -> None:
        self.pattern_edit.setEnabled(METRICS[self.metric_combo.currentData()].uses_pattern)

    # ----- comparing ---------------------------------------------------------------------

    def compare(self) -> None:
        """Compare the ticked runs in a worker; while it works the button cancels it."""
        if self._cancel is not None:
            self._cancel.set()
            self.compare_button.setEnabled(False)
            self.summary.setText("Cancelling…")
            return
        run_ids = self.ticked_ids()
        if len(run_ids) < 2:
            self.summary.setText("Tick at least two runs of the dataset.")
            return
        metric = self.metric_combo.currentData()
        pattern = self.pattern_edit.text() if METRICS[metric].uses_pattern else None
        baseline = self.baseline_combo.currentData()
        min_lift = self.min_lift_spin.value() / 100
        threshold = self.threshold_spin.value()
        alpha = self.alpha_spin.value()
        cancel = self._cancel = threading.Event()
        self.compare_button.setText("Cancel")
        self.compare_button.setToolTip("Stop comparing; nothing is shown")
        self.summary.setText(f"Comparing {len(run_ids)} runs…")

        def work(report: Callable[[Any], None]) -> ComparedVariants:
            return compare_many(
                self.bench.store(),
                run_ids,
                metric,
                baseline_run_id=baseline,
                min_lift=min_lift,
                pass_threshold=threshold,
                pattern=pattern,
                alpha=alpha,
                progress=lambda done, total: report((done, total)),
                cancelled=cancel.is_set,
            )

        def failed(exc: Exception) -> None:
            self._finished()
            self.summary.setText(
                "Cancelled: nothing was compared."
                if cancel.is_set()
                else f"Could not compare: {message(exc)}"
            )

        def stepped(value: tuple[int, int]) -> None:
            done, total = value
            if not cancel.is_set():
                self.summary.setText(f"Comparing {len(run_ids)} runs: step {done + 1} of {total}…")

        self.bench.submit(work, self.show_result, failed, stepped)

    def _finished(self) -> None:
        self._cancel = None
        self.compare_button.setText("Compare all")
        self.compare_button.setToolTip(COMPARE_TIP)
        self.compare_button.setEnabled(len(self.ticked_ids()) >= 2)

    def show_result(self, done: ComparedVariants) -> None:
        self._finished()
        result = done.comparison
        self.result = result
        self.model.set_rows(list(result.variants))
        self.summary.setText(result.reasons[-1])
        self.reasons.setPlainText("\n".join(f"• {r}" for r in result.reasons[:-1]))
        self.scatter.show_result(result)
