"""The Compare page: baseline vs variant on the items both answered (the judge grades first for a
judged metric), the verdict with its reasons, every item's outcome; the comparison is kept in
the history, can fill the decision form and push the variant's measurements to the catalog.

Comparing and recording is the operations layer's (operations/experiments.py), run in a worker.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import stats
from core.comparison import Comparison
from core.evaluation import DatasetItem, RunProgress, Sample
from core.frameworks.experiments import suggested_inputs
from core.metrics import METRICS
from operations.deepeval_metrics import arm_means, is_deepeval_metric
from operations.experiments import ComparedRuns, compare_and_record, push_to_catalog
from storage.experiments import DatasetInfo, ExperimentRecord, RunInfo
from ui.experiments.dialogs import table_view
from ui.experiments.fields import dspin
from ui.experiments.models import OutcomeRow, OutcomesModel, usd_text
from ui.experiments.texts import headline, message, sample_text
from ui.plain_text import html_text
from ui.plots.common import GREY, VERDICT_COLOURS, splitter
from ui.tracking import bench_button, comparison_source

if TYPE_CHECKING:
    from collections.abc import Callable

    from ui.experiments.workbench import Workbench


class ComparePage(QWidget):
    """Baseline vs variant on the items both answered: the verdict, its reasons, every item."""

    FILTERS = (
        ("All items", None),
        ("Variant won", "won"),
        ("Variant lost", "lost"),
        ("Ties", "tie"),
        ("Errors", "error"),
    )

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self.comparison: Comparison | None = None
        #: The shown comparison's id in the history (what "Log to…" sends).
        self.record_id: int | None = None
        self._rows: list[OutcomeRow] = []
        self._variant_run: RunInfo | None = None
        self._dataset_name = ""
        self._all_runs: list[RunInfo] = []
        # Set while a DeepEval grading runs: the Compare button cancels it.
        self._cancel: threading.Event | None = None
        lay = QVBoxLayout(self)
        lay.addLayout(self._build_controls())
        lay.addLayout(self._build_card())
        lay.addLayout(self._build_actions())
        lay.addWidget(self._build_outcomes(), 1)

    def _build_run_fields(self) -> None:
        self.baseline_combo = QComboBox()
        self.baseline_combo.setObjectName("baseline_combo")
        self.baseline_combo.setToolTip("The run you have now")
        self.variant_combo = QComboBox()
        self.variant_combo.setObjectName("variant_combo")
        self.variant_combo.setToolTip("The change you consider (same dataset as the baseline)")
        self.baseline_combo.currentIndexChanged.connect(self._baseline_changed)
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("metric_combo")
        for spec in METRICS.values():
            self.metric_combo.addItem(spec.label, spec.id)
            self.metric_combo.setItemData(
                self.metric_combo.count() - 1, spec.description, Qt.ItemDataRole.ToolTipRole
            )
        self.metric_combo.currentIndexChanged.connect(self._metric_changed)
        self.pattern_edit = QLineEdit()
        self.pattern_edit.setObjectName("pattern_edit")
        self.pattern_edit.setPlaceholderText("regular expression the output must match")
        self.pattern_edit.setEnabled(False)

    def _build_decision_fields(self) -> None:
        self.min_lift_spin = dspin(
            "min_lift_spin",
            0,
            100,
            2,
            "The smallest improvement worth shipping, in percentage points of the metric",
            decimals=1,
            step=0.5,
        )
        self.min_lift_spin.setSuffix(" pp")
        self.alpha_spin = dspin(
            "alpha_spin",
            0.001,
            0.5,
            0.05,
            "The significance level: ship only when McNemar's exact p is below it, and the "
            "lift's interval has level 1 - alpha (0.05: a 95% interval)",
            decimals=3,
            step=0.01,
        )
        self.threshold_spin = dspin(
            "threshold_spin",
            0,
            1,
            0.5,
            "A score at or above this counts as a pass (McNemar's test counts passes)",
        )

    def _build_judge_fields(self) -> None:
        self.judge_model_edit = QLineEdit()
        self.judge_model_edit.setObjectName("judge_model_edit")
        self.judge_model_edit.setPlaceholderText("judge model, e.g. gpt-4o")
        self.judge_model_edit.setToolTip(
            "The model that grades each output: PASS or FAIL against the expected answer (LLM "
            "judge), or DeepEval's prompts (the DeepEval metrics). It uses the Runs page's API "
            "key and limits; its cost is counted apart."
        )
        self.judge_base_edit = QLineEdit()
        self.judge_base_edit.setObjectName("judge_base_edit")
        self.judge_base_edit.setPlaceholderText("optional judge base URL")
        self.criterion_edit = QLineEdit()
        self.criterion_edit.setObjectName("criterion_edit")
        self.criterion_edit.setPlaceholderText("G-Eval criterion: what a good answer does")
        self.criterion_edit.setToolTip(
            "The criterion DeepEval's G-Eval has the judge score each output against (0 to 10)"
        )
        for edit in (self.judge_model_edit, self.judge_base_edit, self.criterion_edit):
            edit.setEnabled(False)

    def _build_controls(self) -> QGridLayout:
        self._build_run_fields()
        self._build_decision_fields()
        self._build_judge_fields()
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compare_button")
        self.compare_button.setToolTip("Compare the two runs item by item and keep the result")
        self.compare_button.clicked.connect(self.compare)
        controls = QGridLayout()
        cells: list[tuple[str, QWidget]] = [
            ("Baseline", self.baseline_combo),
            ("Variant", self.variant_combo),
            ("Metric", self.metric_combo),
            ("Pattern", self.pattern_edit),
            ("Minimum lift", self.min_lift_spin),
            ("Pass at", self.threshold_spin),
            ("Judge", self.judge_model_edit),
            ("Judge URL", self.judge_base_edit),
            ("Alpha", self.alpha_spin),
            ("Criterion", self.criterion_edit),
        ]
        for i, (label, widget) in enumerate(cells):
            controls.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            controls.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        controls.addWidget(self.compare_button, 0, 4, 5, 1)
        controls.setColumnStretch(1, 1)
        controls.setColumnStretch(3, 1)
        return controls

    def _build_card(self) -> QVBoxLayout:
        self.verdict_label = QLabel("Pick two runs of the same dataset and compare them.")
        self.verdict_label.setObjectName("verdict_label")
        self.verdict_label.setTextFormat(Qt.TextFormat.RichText)  # inserted texts are escaped
        self.verdict_label.setWordWrap(True)
        self.reasons_label = QLabel()
        self.reasons_label.setObjectName("reasons_label")
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card = QVBoxLayout()
        card.addWidget(self.verdict_label)
        card.addWidget(self.reasons_label)
        return card

    def _build_actions(self) -> QHBoxLayout:
        self.use_button = QPushButton("Use in the decision form")
        self.use_button.setObjectName("use_comparison_button")
        self.use_button.setToolTip(
            "Fill the form's observed counts, minimum lift and costs from this comparison (one "
            "undoable change), so the decision can be saved, compared and exported"
        )
        self.use_button.clicked.connect(self.use_in_form)
        self.push_button = QPushButton("Push variant to catalog")
        self.push_button.setObjectName("push_catalog_button")
        self.push_button.setToolTip(
            "Store the variant's measured score and latency profile for its model in the "
            "catalog (source: measured), where Model Selection and the other tabs use them"
        )
        self.push_button.clicked.connect(self.push_to_catalog)
        for b in (self.use_button, self.push_button):
            b.setEnabled(False)
        self.filter_combo = QComboBox()
        self.filter_combo.setObjectName("outcome_filter")
        for label, kind in self.FILTERS:
            self.filter_combo.addItem(label, kind)
        self.filter_combo.currentIndexChanged.connect(self._apply_filter)
        actions = QHBoxLayout()
        actions.addWidget(self.use_button)
        actions.addWidget(self.push_button)
        actions.addWidget(bench_button(self, comparison_source(self.bench, lambda: self.record_id)))
        actions.addStretch(1)
        actions.addWidget(QLabel("Show"))
        actions.addWidget(self.filter_combo)
        return actions

    def _build_outcomes(self) -> QWidget:
        self.outcomes = OutcomesModel()
        self.outcomes_view = table_view(
            self.outcomes, "outcomes_view", stretch=2, widths=(70, 90, 0, 120, 150, 150, 95, 95)
        )
        self.outcomes_view.selectionModel().selectionChanged.connect(self._outcome_selected)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("outcome_detail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(
            "Select an item to read the expected answer and both outputs."
        )
        return splitter(Qt.Orientation.Vertical, self.outcomes_view, self.detail, stretch=(3, 1))

    def show_runs(self, datasets: list[DatasetInfo], runs: list[RunInfo]) -> None:
        self._all_runs = runs
        kept = self.baseline_combo.currentData()
        self.baseline_combo.blockSignals(True)
        self.baseline_combo.clear()
        for r in runs:
            self.baseline_combo.addItem(self._label(r), r.id)
        index = self.baseline_combo.findData(kept)
        # The oldest run is the usual baseline; the list is newest first.
        self.baseline_combo.setCurrentIndex(index if index >= 0 else len(runs) - 1)
        self.baseline_combo.blockSignals(False)
        self._baseline_changed()

    def _label(self, r: RunInfo) -> str:
        return f"#{r.id} {r.name} · {self.bench.dataset_label(r.dataset_id)} · {r.samples:,}"

    def _run(self, run_id: int | None) -> RunInfo | None:
        return next((r for r in self._all_runs if r.id == run_id), None)

    def _baseline_changed(self, *_: object) -> None:
        baseline = self._run(self.baseline_combo.currentData())
        kept = self.variant_combo.currentData()
        self.variant_combo.clear()
        if baseline is None:
            return
        for r in self._all_runs:
            if r.dataset_id == baseline.dataset_id and r.id != baseline.id:
                self.variant_combo.addItem(self._label(r), r.id)
        index = self.variant_combo.findData(kept)
        self.variant_combo.setCurrentIndex(max(index, 0))

    def _metric_changed(self, *_: object) -> None:
        metric = METRICS[self.metric_combo.currentData()]
        self.pattern_edit.setEnabled(metric.uses_pattern)
        for edit in (self.judge_model_edit, self.judge_base_edit):
            edit.setEnabled(metric.needs_judge)
        self.criterion_edit.setEnabled(metric.id == "deepeval_geval")

    def compare(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.compare_button.setEnabled(False)
            self.verdict_label.setText("Cancelling the grading…")
            return
        baseline = self._run(self.baseline_combo.currentData())
        variant = self._run(self.variant_combo.currentData())
        if baseline is None or variant is None:
            self.verdict_label.setText("Pick a baseline and a variant run of the same dataset.")
            return
        metric = self.metric_combo.currentData()
        pattern = self.pattern_edit.text() if metric == "regex" else None
        min_lift = self.min_lift_spin.value() / 100
        threshold = self.threshold_spin.value()
        alpha = self.alpha_spin.value()
        dataset_name = self.bench.dataset_label(baseline.dataset_id)
        judge = None
        if METRICS[metric].needs_judge:
            if not self.judge_model_edit.text().strip():
                self.verdict_label.setText("Name the judge model that grades the outputs.")
                return
            judge = self.bench.run_page.judge(
                self.judge_model_edit.text(), self.judge_base_edit.text()
            )
        criterion = self.criterion_edit.text().strip() or None
        self.verdict_label.setText("Comparing…")
        cancel = threading.Event() if is_deepeval_metric(metric) else None
        self._cancel = cancel
        if cancel is None:
            self.compare_button.setEnabled(False)
        else:
            self.compare_button.setText("Cancel")
            self.compare_button.setToolTip("Stop the judge's grading; nothing is recorded")
        catalog = self.bench.catalog()

        def work(report: Callable[[Any], None]) -> tuple[ComparedRuns, list[OutcomeRow]]:
            done = compare_and_record(
                self.bench.store(),
                baseline.id,
                variant.id,
                metric,
                min_lift=min_lift,
                pass_threshold=threshold,
                pattern=pattern,
                alpha=alpha,
                judge=judge,
                catalog=lambda: catalog,
                dataset_label=dataset_name,
                judge_progress=lambda arm, p: report((arm, p)),
                criterion=criterion,
                cancelled=None if cancel is None else cancel.is_set,
            )
            rows = outcome_rows(
                done.comparison, done.items, done.baseline_samples, done.variant_samples
            )
            return done, rows

        def done(result: tuple[ComparedRuns, list[OutcomeRow]]) -> None:
            self._compared()
            compared, rows = result
            self.record_id = compared.record_id
            self._variant_run = variant
            self._dataset_name = dataset_name
            self.show_comparison(compared.comparison, rows)
            self.bench.reload()

        def failed(exc: Exception) -> None:
            self._compared()
            self.verdict_label.setText(f"Could not compare: {html_text(message(exc))}")

        def judging(value: tuple[str, RunProgress]) -> None:
            arm, p = value
            self.verdict_label.setText(
                f"The judge is grading the {arm}: {p.done:,} of {p.total:,}, spent "
                f"{usd_text(p.spend_usd)}…"
            )

        self.bench.submit(work, done, failed, judging)

    def _compared(self) -> None:
        self._cancel = None
        self.compare_button.setText("Compare")
        self.compare_button.setToolTip("Compare the two runs item by item and keep the result")
        self.compare_button.setEnabled(True)

    def open_record(self, record: ExperimentRecord) -> None:
        """Show a kept comparison again, with the items and both runs' samples as stored."""
        comparison = Comparison.model_validate(record.comparison)

        def load() -> list[OutcomeRow]:
            store = self.bench.store()
            return outcome_rows(
                comparison,
                store.items(record.dataset_id),
                store.samples(record.baseline_run_id),
                store.samples(record.variant_run_id),
            )

        def show(rows: list[OutcomeRow]) -> None:
            self.record_id = record.id
            self._variant_run = self._run(record.variant_run_id)
            self._dataset_name = self.bench.dataset_label(record.dataset_id)
            self.show_comparison(comparison, rows)
            self.bench.setCurrentWidget(self)

        self.bench.submit(load, show)

    def show_comparison(self, comparison: Comparison, rows: list[OutcomeRow]) -> None:
        self.comparison = comparison
        self._rows = rows
        colour = VERDICT_COLOURS.get(comparison.verdict, GREY)
        self.verdict_label.setText(
            f"<span style='font-size:14pt; font-weight:600; color:{colour}'>"
            f"{stats.VERDICT_LABELS[comparison.verdict]}</span>"
            f"&nbsp;&nbsp;{html_text(headline(comparison))}"
        )
        lines = [*arm_means(comparison), *comparison.reasons]
        self.reasons_label.setText("\n".join(f"• {r}" for r in lines))
        self.use_button.setEnabled(True)
        self.push_button.setEnabled(
            self._variant_run is not None and comparison.variant.mean is not None
        )
        self._apply_filter()

    def _apply_filter(self, *_: object) -> None:
        kind = self.filter_combo.currentData()
        rows = self._rows if kind is None else [r for r in self._rows if r.outcome.kind == kind]
        self.outcomes.set_rows(rows)
        self.detail.clear()

    def _outcome_selected(self, *_: object) -> None:
        rows = self.outcomes_view.selectionModel().selectedRows()
        row: OutcomeRow | None = self.outcomes.row_at(rows[0]) if rows else None
        if row is None:
            self.detail.clear()
            return
        parts = [
            f"Item {row.outcome.item_id}: {OutcomesModel.OUTCOME_TEXT[row.outcome.kind]}",
            f"\nInput:\n{row.item.input if row.item else ''}",
            f"\nExpected:\n{row.item.expected if row.item else ''}",
            f"\nBaseline ({row.outcome.baseline:.3f}):\n{sample_text(row.baseline)}",
            f"\nVariant ({row.outcome.variant:.3f}):\n{sample_text(row.variant)}",
        ]
        self.detail.setPlainText("\n".join(parts))

    def use_in_form(self) -> None:
        if self.comparison is not None:
            self.bench.inputs_suggested.emit(suggested_inputs(self.comparison))

    def push_to_catalog(self) -> None:
        comparison, run = self.comparison, self._variant_run
        if comparison is None or run is None:
            return
        model = run.variant.model
        dataset_name = self._dataset_name
        db_path = self.bench.services.db_path
        catalog = self.bench.catalog()
        known = catalog is not None and model in catalog

        def work() -> str:
            measured = push_to_catalog(self.bench.store(), db_path, comparison, run, dataset_name)
            told = f"score {measured.quality.score:.3f}"
            if measured.latency is not None:
                told += f", latency {measured.latency.ttft_ms:,.0f} ms to first token"
            return told

        def done(told: str) -> None:
            note = (
                ""
                if known
                else " The model is not in the catalog yet: add it as a custom model in the "
                "Models tab to use it in the other frameworks."
            )
            self.verdict_label.setText(
                self.verdict_label.text()
                + html_text(f"\nPushed to the catalog for {model}: {told}.{note}").replace(
                    "\n", "<br>"
                )
            )
            self.bench.services.catalog_updated()

        self.bench.submit(work, done)


def outcome_rows(
    comparison: Comparison,
    items: list[DatasetItem],
    baseline: list[Sample],
    variant: list[Sample],
) -> list[OutcomeRow]:
    by_item = {i.id: i for i in items}
    by_base = {s.item_id: s for s in baseline}
    by_var = {s.item_id: s for s in variant}
    return [
        OutcomeRow(o, by_item.get(o.item_id), by_base.get(o.item_id), by_var.get(o.item_id))
        for o in comparison.outcomes
    ]
