"""The Router page: a cheap and a strong run of one dataset turned into a measured routing
decision. The rule's cascade at each threshold against the oracle and random bounds (quality
kept against cost saved), a table of the thresholds, and "Use in Architecture Patterns".

Measuring is the operations layer's (operations/router.py), run in a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.frameworks import architecture_patterns
from core.metrics import METRICS
from core.router import AtSaving, CurvePoint, ThresholdRow, at_saving
from core.routing_rules import RULE_HELP, RULE_LABELS, RULES
from operations.router import (
    MeasuredRouter,
    architecture_values,
    describe,
    measure_router,
    threshold_text,
)
from storage.experiments import DatasetInfo, RunInfo
from ui.experiments.dialogs import table_view
from ui.experiments.fields import dspin
from ui.experiments.models import usd_text
from ui.experiments.texts import message
from ui.plain_text import plain_label
from ui.plots.common import BLUE, GREEN, GREY, ORANGE, make_plot, pen, set_points, splitter, vline
from ui.table_model import Index, RowsTableModel

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ui.experiments.workbench import Workbench

PLOT_TITLE = "Quality kept by routing"
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _signed_usd(value: float) -> str:
    return f"-{usd_text(-value)}" if value < 0 else usd_text(value)


class ThresholdsModel(RowsTableModel):
    """One row per threshold of the rule (escalate all first); numbers right-aligned. The
    threshold column is made of numbers and the rule's fixed words, never outside text."""

    HEADERS = (
        "Keep on cheap",
        "On cheap",
        "Quality kept",
        "Interval",
        "Cost saved",
        "Saved / 1,000 requests",
        "Mean latency",
        "p95 latency",
        "Routed as the oracle",
    )

    def __init__(self) -> None:
        super().__init__()
        self.measured: MeasuredRouter | None = None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(self.rows[index.row()], index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return _RIGHT
        return None

    def show(self, measured: MeasuredRouter | None) -> None:
        self.measured = measured
        self.set_rows([] if measured is None else list(measured.curve.rows))

    def cell(self, row: ThresholdRow, column: int) -> str:
        match column:
            case 0:
                return "" if self.measured is None else threshold_text(self.measured, row)
            case 1:
                return _pct(row.share_cheap)
            case 2:
                return _pct(row.quality_kept)
            case 3:
                return "" if row.low is None else f"{_pct(row.low)} to {_pct(row.high)}"
            case 4:
                return _pct(row.saved_share)
            case 5:
                return _signed_usd(row.saved_per_1000_usd)
            case 6:
                return f"{row.latency_mean_ms:,.0f} ms"
            case 7:
                return f"{row.latency_p95_ms:,.0f} ms"
            case _:
                return _pct(row.agreement)


Point = CurvePoint | ThresholdRow
X_AXES = (
    ("cost", "cost saved vs all strong (%)"),
    ("share", "requests kept on the cheap model (%)"),
)


def _usable(points: Sequence[Point]) -> list[Point]:
    return [p for p in points if p.saved_share is not None and p.quality_kept is not None]


class RouterPlot(QWidget):
    """Quality kept (% of the all-strong quality) against cost saved (% of the all-strong
    cost) or against the share kept on the cheap model: the oracle (upper bound), a random
    split (lower bound), the rule's cascade with its chosen threshold marked, and the chosen
    saving. Hovering names the nearest rule point."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(PLOT_TITLE, X_AXES[0][1], "", None)
        self.plot.setObjectName("router_plot")
        self.plot.getPlotItem().setLabel("left", "quality kept (% of all strong)")
        self.plot.getPlotItem().addLegend(offset=(10, -10))
        self.oracle = self.plot.plot([], [], pen=pen(GREEN, 2), name="oracle (upper bound)")
        self.random = self.plot.plot(
            [], [], pen=pen(GREY, 2, dashed=True), name="random split (lower bound)"
        )
        self.rule = self.plot.plot(
            [],
            [],
            pen=pen(BLUE, 2.2),
            symbol="o",
            symbolSize=7,
            symbolBrush=BLUE,
            name="rule (cascade)",
        )
        self.chosen = pg.ScatterPlotItem([], [], size=14, brush=pg.mkBrush(ORANGE))
        self.plot.addItem(self.chosen)
        self.saving = vline(ORANGE, label="chosen saving", label_at=0.1)
        self.plot.addItem(self.saving, ignoreBounds=True)
        self.hover = pg.TextItem(color="#202124", anchor=(0, 1), fill=(255, 255, 255, 220))
        self.plot.addItem(self.hover, ignoreBounds=True)
        self.hover.hide()
        self.plot.scene().sigMouseMoved.connect(self._hovered)
        self.x_axis = X_AXES[0][0]
        self._measured: MeasuredRouter | None = None
        self._chosen: ThresholdRow | None = None
        self._saving = 0.0
        self._points = np.empty((0, 2))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def _xy(self, points: Sequence[Point]) -> tuple[list[float], list[float]]:
        usable = _usable(points)
        by_share = self.x_axis == "share"
        return (
            [100 * (p.share_cheap if by_share else p.saved_share or 0.0) for p in usable],
            [100 * (p.quality_kept or 0.0) for p in usable],
        )

    def set_x_axis(self, axis: str) -> None:
        """Plot against cost saved ("cost") or the share kept on the cheap model ("share")."""
        self.x_axis = axis
        self.plot.getPlotItem().setLabel("bottom", dict(X_AXES)[axis])
        if self._measured is not None and self._chosen is not None:
            self.show_curve(self._measured, self._chosen, self._saving)

    def show_curve(self, measured: MeasuredRouter, chosen: ThresholdRow, saving: float) -> None:
        self._measured, self._saving = measured, saving
        c = measured.curve
        set_points(self.oracle, *self._xy(c.oracle))
        set_points(self.random, *self._xy(c.random))
        rule_x, rule_y = self._xy(c.rows)
        set_points(self.rule, rule_x, rule_y)
        self._points = np.column_stack([rule_x, rule_y]) if rule_x else np.empty((0, 2))
        self.show_saving(saving)
        self.show_chosen(chosen)

    def show_saving(self, saving: float) -> None:
        """The chosen saving's line (a share of the all-strong cost), on the cost axis only."""
        self._saving = saving
        self.saving.setValue(100 * saving)
        self.saving.setVisible(self.x_axis == "cost")

    def show_chosen(self, row: ThresholdRow) -> None:
        self._chosen = row
        x, y = self._xy([row])
        self.chosen.setData(x, y)

    def _hovered(self, pos: QPointF) -> None:
        measured = self._measured
        if measured is None or not len(self._points):
            self.hover.hide()
            return
        if not self.plot.sceneBoundingRect().contains(pos):
            self.hover.hide()
            return
        vb = self.plot.getPlotItem().vb
        point = vb.mapSceneToView(pos)
        (x0, x1), (y0, y1) = vb.viewRange()
        # Nearest on screen: each axis scaled by its visible range.
        scale = np.array([max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)])
        distances = np.hypot(*((self._points - [point.x(), point.y()]) / scale).T)
        i = int(np.argmin(distances))
        row = _usable(measured.curve.rows)[i]
        assert isinstance(row, ThresholdRow)
        self.hover.setText(
            f"keep on cheap {threshold_text(measured, row)}: {_pct(row.share_cheap)} on cheap, "
            f"quality kept {_pct(row.quality_kept)}, {_pct(row.saved_share)} saved"
        )
        self.hover.setPos(*self._points[i])
        self.hover.show()


class RouterPage(QWidget):
    """Pick a cheap and a strong run of one dataset, a metric and a rule; read the curve."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.setObjectName("router_page")
        self.bench = bench
        self.measured: MeasuredRouter | None = None
        self._all_runs: list[RunInfo] = []
        lay = QVBoxLayout(self)
        lay.addLayout(self._build_controls())
        self.summary = plain_label("Pick the cheap and the strong model's runs and measure.")
        self.summary.setObjectName("router_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.summary)
        lay.addLayout(self._build_actions())
        self.plot = RouterPlot()
        self.model = ThresholdsModel()
        self.table = table_view(
            self.model, "router_table", widths=(110, 70, 95, 140, 85, 170, 95, 90)
        )
        self.table.selectionModel().selectionChanged.connect(self._row_selected)
        # The table's nine columns need the page's width: it goes under the plot.
        self.table.setMinimumHeight(160)
        lay.addWidget(splitter(Qt.Orientation.Vertical, self.plot, self.table, stretch=(3, 2)), 1)

    # ----- building ----------------------------------------------------------------------

    def _build_controls(self) -> QGridLayout:
        self.cheap_combo = QComboBox()
        self.cheap_combo.setObjectName("router_cheap_combo")
        self.cheap_combo.setToolTip("The cheap model's run: it answers first, every time")
        self.cheap_combo.currentIndexChanged.connect(self._cheap_changed)
        self.strong_combo = QComboBox()
        self.strong_combo.setObjectName("router_strong_combo")
        self.strong_combo.setToolTip("The strong model's run on the same dataset")
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("router_metric_combo")
        for spec in METRICS.values():
            self.metric_combo.addItem(spec.label, spec.id)
            self.metric_combo.setItemData(
                self.metric_combo.count() - 1, spec.description, Qt.ItemDataRole.ToolTipRole
            )
        self.metric_combo.currentIndexChanged.connect(self._fields_changed)
        self.metric_pattern_edit = QLineEdit()
        self.metric_pattern_edit.setObjectName("router_metric_pattern")
        self.metric_pattern_edit.setPlaceholderText("regular expression of the Regex metric")
        self.rule_combo = QComboBox()
        self.rule_combo.setObjectName("router_rule_combo")
        for rule in RULES:
            self.rule_combo.addItem(RULE_LABELS[rule], rule)
            self.rule_combo.setItemData(
                self.rule_combo.count() - 1, RULE_HELP[rule], Qt.ItemDataRole.ToolTipRole
            )
        self.rule_combo.currentIndexChanged.connect(self._fields_changed)
        self.rule_pattern_edit = QLineEdit()
        self.rule_pattern_edit.setObjectName("router_rule_pattern")
        self.rule_pattern_edit.setPlaceholderText("a reply this matches stays on the cheap model")
        self.saving_spin = dspin(
            "router_saving_spin",
            -100,
            100,
            50,
            "The cost saving (percent of the all-strong cost) at which to read the quality "
            "kept: the figure RouteLLM reports",
            decimals=0,
            step=5,
        )
        self.saving_spin.setSuffix(" %")
        self.saving_spin.valueChanged.connect(self._saving_changed)
        self.measure_button = QPushButton("Measure")
        self.measure_button.setObjectName("router_measure_button")
        self.measure_button.setToolTip(
            "Score both runs item by item and build the rule's curve and the bounds"
        )
        self.measure_button.clicked.connect(self.measure)
        controls = QGridLayout()
        cells: list[tuple[str, QWidget]] = [
            ("Cheap run", self.cheap_combo),
            ("Strong run", self.strong_combo),
            ("Metric", self.metric_combo),
            ("Metric pattern", self.metric_pattern_edit),
            ("Rule", self.rule_combo),
            ("Rule pattern", self.rule_pattern_edit),
        ]
        for i, (label, widget) in enumerate(cells):
            controls.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            controls.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        controls.addWidget(QLabel("Read at saving"), 0, 4)
        controls.addWidget(self.saving_spin, 0, 5)
        controls.addWidget(self.measure_button, 1, 4, 2, 2)
        controls.setColumnStretch(1, 1)
        controls.setColumnStretch(3, 1)
        self._fields_changed()
        return controls

    def _build_actions(self) -> QHBoxLayout:
        self.threshold_combo = QComboBox()
        self.threshold_combo.setObjectName("router_threshold_combo")
        self.threshold_combo.setToolTip("The threshold the marker, the table and the button use")
        self.threshold_combo.currentIndexChanged.connect(self._threshold_changed)
        self.use_button = QPushButton("Use in Architecture Patterns")
        self.use_button.setObjectName("router_use_button")
        self.use_button.setToolTip(
            "Put the two runs' models in place of the cheap and strong models of every "
            "pattern, with their measured quality, and the escalation share at this threshold "
            "(one undoable change), and show that tab"
        )
        self.use_button.clicked.connect(self.use_in_architecture)
        self.use_button.setEnabled(False)
        self.at_saving_label = plain_label()
        self.at_saving_label.setObjectName("router_at_saving")
        self.at_saving_label.setWordWrap(True)
        self.x_axis_combo = QComboBox()
        self.x_axis_combo.setObjectName("router_x_axis_combo")
        self.x_axis_combo.addItem("Against cost saved", "cost")
        self.x_axis_combo.addItem("Against share on cheap", "share")
        self.x_axis_combo.setToolTip("What the plot's horizontal axis shows")
        self.x_axis_combo.currentIndexChanged.connect(
            lambda: self.plot.set_x_axis(self.x_axis_combo.currentData())
        )
        actions = QHBoxLayout()
        actions.addWidget(self.x_axis_combo)
        actions.addWidget(QLabel("Threshold"))
        actions.addWidget(self.threshold_combo)
        actions.addWidget(self.use_button)
        actions.addWidget(self.at_saving_label, 1)
        return actions

    # ----- lists -------------------------------------------------------------------------

    def show_runs(self, _datasets: list[DatasetInfo], runs: list[RunInfo]) -> None:
        self._all_runs = runs
        kept = self.cheap_combo.currentData()
        self.cheap_combo.blockSignals(True)
        self.cheap_combo.clear()
        for r in runs:
            self.cheap_combo.addItem(self._label(r), r.id)
        index = self.cheap_combo.findData(kept)
        self.cheap_combo.setCurrentIndex(index if index >= 0 else 0)
        self.cheap_combo.blockSignals(False)
        self._cheap_changed()

    def _label(self, r: RunInfo) -> str:
        return f"#{r.id} {r.name} ({r.variant.model}) · {self.bench.dataset_label(r.dataset_id)}"

    def _run(self, run_id: int | None) -> RunInfo | None:
        return next((r for r in self._all_runs if r.id == run_id), None)

    def _cheap_changed(self, *_: object) -> None:
        cheap = self._run(self.cheap_combo.currentData())
        kept = self.strong_combo.currentData()
        self.strong_combo.clear()
        if cheap is None:
            return
        for r in self._all_runs:
            if r.dataset_id == cheap.dataset_id and r.id != cheap.id:
                self.strong_combo.addItem(self._label(r), r.id)
        index = self.strong_combo.findData(kept)
        self.strong_combo.setCurrentIndex(max(index, 0))

    def _fields_changed(self, *_: object) -> None:
        self.metric_pattern_edit.setEnabled(METRICS[self.metric_combo.currentData()].uses_pattern)
        self.rule_pattern_edit.setEnabled(self.rule_combo.currentData() == "regex")

    # ----- measuring ---------------------------------------------------------------------

    def measure(self) -> None:
        cheap = self._run(self.cheap_combo.currentData())
        strong = self._run(self.strong_combo.currentData())
        if cheap is None or strong is None:
            self.summary.setText("Pick a cheap and a strong run of the same dataset.")
            return
        metric = self.metric_combo.currentData()
        rule = self.rule_combo.currentData()
        pattern = self.metric_pattern_edit.text() if METRICS[metric].uses_pattern else None
        rule_pattern = self.rule_pattern_edit.text() if rule == "regex" else None
        self.summary.setText("Measuring…")
        self.measure_button.setEnabled(False)

        def work() -> MeasuredRouter:
            return measure_router(
                self.bench.store(),
                cheap.id,
                strong.id,
                metric,
                rule,
                pattern=pattern,
                rule_pattern=rule_pattern,
            )

        def failed(exc: Exception) -> None:
            self.measure_button.setEnabled(True)
            self.summary.setText(f"Could not measure: {message(exc)}")

        self.bench.submit(work, self.show_measured, failed)

    def show_measured(self, measured: MeasuredRouter) -> None:
        self.measure_button.setEnabled(True)
        self.measured = measured
        c = measured.curve
        n = c.n_items
        level = f"{100 * (1 - c.alpha):g}%"
        self.summary.setText(
            f"{describe(measured)}\nAll strong: quality {c.strong_mean:.3f}, "
            f"{usd_text(c.strong_cost_usd)} ({usd_text(c.strong_cost_usd / n * 1000)} per "
            f"1,000 requests), mean latency {c.strong_latency_mean_ms:,.0f} ms. All cheap: "
            f"quality {c.cheap_mean:.3f}, {usd_text(c.cheap_cost_usd)}, mean latency "
            f"{c.cheap_latency_mean_ms:,.0f} ms.\nThe rule's cascade calls the cheap model on "
            "every request; a reply the rule rejects escalates to the strong model, which is "
            "paid on top and waited for. The oracle and the random split are pure routers "
            f"(one model per request). Intervals: {level} paired bootstrap over items."
        )
        self.model.show(measured)
        self.threshold_combo.blockSignals(True)
        self.threshold_combo.clear()
        for row in c.rows:
            self.threshold_combo.addItem(threshold_text(measured, row))
        self.threshold_combo.blockSignals(False)
        figures = self._at_saving()
        best = figures.row if figures is not None and figures.row is not None else c.rows[-1]
        chosen = c.rows.index(best)
        self.plot.show_curve(measured, best, self.saving_spin.value() / 100)
        self.use_button.setEnabled(True)
        self.select_threshold(chosen)

    def _at_saving(self) -> AtSaving | None:
        if self.measured is None:
            return None
        figures = at_saving(self.measured.curve, self.saving_spin.value() / 100)
        rule = (
            "no threshold of the rule saves that much"
            if figures.row is None
            else f"the rule keeps {_pct(figures.rule)} (keep on cheap "
            f"{threshold_text(self.measured, figures.row)})"
        )
        self.at_saving_label.setText(
            f"At {self.saving_spin.value():g}% saved: the oracle keeps {_pct(figures.oracle)}, "
            f"a random split {_pct(figures.random)}, {rule}."
        )
        return figures

    def _saving_changed(self, *_: object) -> None:
        if self.measured is not None:
            self._at_saving()
            self.plot.show_saving(self.saving_spin.value() / 100)

    # ----- the threshold -----------------------------------------------------------------

    def select_threshold(self, index: int) -> None:
        """Choose a threshold (a row of the table): the combo, the table and the marker."""
        self.threshold_combo.setCurrentIndex(index)

    def _threshold_changed(self, index: int) -> None:
        if self.measured is None or not 0 <= index < len(self.measured.curve.rows):
            return
        row = self.measured.curve.rows[index]
        self.plot.show_chosen(row)
        selected = self.table.selectionModel().selectedRows()
        if not selected or selected[0].row() != index:
            self.table.selectRow(index)

    def _row_selected(self, *_: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and rows[0].row() != self.threshold_combo.currentIndex():
            self.threshold_combo.setCurrentIndex(rows[0].row())

    def chosen_row(self) -> ThresholdRow | None:
        if self.measured is None:
            return None
        index = self.threshold_combo.currentIndex()
        rows = self.measured.curve.rows
        return rows[index] if 0 <= index < len(rows) else None

    # ----- Architecture Patterns ---------------------------------------------------------

    def use_in_architecture(self) -> None:
        """Fill Architecture Patterns from the chosen threshold as one undoable change and show
        its tab; what each field got is said here."""
        measured, row = self.measured, self.chosen_row()
        if measured is None or row is None:
            return
        catalog = self.bench.catalog()
        notes: list[str] = []

        def values(current: BaseModel) -> dict[str, Any]:
            assert isinstance(current, architecture_patterns.Inputs)
            done = architecture_values(measured, row, current, catalog)
            notes.extend(done.notes)
            return done.values

        try:
            shown = self.bench.services.fill_framework(architecture_patterns.ID, values)
        except ValueError as exc:
            self.summary.setText(f"Could not use it: {message(exc)}")
            return
        if not shown:
            self.summary.setText("Architecture Patterns is not open in this window.")
            return
        self.summary.setText(
            "Architecture Patterns filled (Edit > Undo takes it back):\n"
            + "\n".join(f"• {n}" for n in notes)
        )
