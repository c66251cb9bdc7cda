"""The Experiments workbench: datasets, runs, the baseline-vs-variant comparison and history.

Every database read or write and every model call runs through the app's TaskRunner; the
widgets only show what comes back. The API key typed here stays in this widget's memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import stats
from core.catalog import Catalog
from core.comparison import Comparison, RunMetrics, compare_runs, summarize_run
from core.csv_export import samples_csv
from core.datasets import (
    DatasetError,
    ParsedDataset,
    columns_of,
    guess_mapping,
    parse_dataset,
    parse_logged_outputs,
    read_file,
)
from core.evaluation import DatasetItem, RunProgress, RunSettings, Sample, Variant
from core.frameworks.common import p_value
from core.judge import Grades, grade, judge_variant
from core.llm import LlmClient
from core.measured import latency_profile, quality_score
from core.metrics import METRICS
from core.runner import CostEstimate, EvalRunner, RunOutcome, estimate_cost, prompt_problem
from core.text import name_problem
from core.validation import error_lines
from storage import CatalogStore, StorageError
from storage.experiments import (
    DatasetInfo,
    ExperimentRecord,
    ExperimentStore,
    RunInfo,
    run_into,
)
from ui.experiment_dialogs import DatasetImportDialog, report_text, table_view
from ui.experiment_models import (
    DatasetsModel,
    ExperimentsModel,
    ItemsModel,
    OutcomeRow,
    OutcomesModel,
    RunsModel,
    SamplesModel,
    usd_text,
)
from ui.plain_text import html_text, literal_html
from ui.plots.common import BLUE, GREY, ORANGE, make_plot, pen, scrolling, splitter
from ui.services import AppServices
from ui.tasks import WidgetGuard

EXAMPLE_DATASET = (
    Path(__file__).resolve().parent.parent / "resources" / "datasets" / "capitals-qa.jsonl"
)
_VERDICT_COLOURS = {"ship": "#188038", "do_not_ship": "#d93025", "need_more_data": "#e8710a"}


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _message(exc: Exception) -> str:
    if isinstance(exc, StorageError | DatasetError | ValueError | OSError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class Workbench(QTabWidget):
    """Datasets | Run | Compare | History, sharing one store and one view of the data.

    `inputs_suggested` carries decision-form values from a comparison ("Use in the decision").
    """

    inputs_suggested = Signal(dict)
    data_changed = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("experiments_workbench")
        self.services = services
        self.guard = WidgetGuard()
        self.destroyed.connect(self.guard.cancel)
        self._store: ExperimentStore | None = None
        self._store_lock = threading.Lock()
        self.datasets: list[DatasetInfo] = []
        self.runs: list[RunInfo] = []

        self.datasets_page = DatasetsPage(self)
        self.run_page = RunPage(self)
        self.compare_page = ComparePage(self)
        self.history_page = HistoryPage(self)
        for page, title in (
            (self.datasets_page, "Datasets"),
            (self.run_page, "Runs"),
            (self.compare_page, "Compare"),
            (self.history_page, "History"),
        ):
            self.add_page(page, title)
        self.setTabToolTip(0, "Import, preview and version evaluation datasets")
        self.setTabToolTip(1, "Run a variant over a dataset, or import logged outputs")
        self.setTabToolTip(2, "Baseline vs variant on the same items: lift, significance, verdict")
        self.setTabToolTip(3, "Every comparison kept, with a trend of the metric")
        self.reload()

    def add_page(self, page: QWidget, title: str, index: int = -1) -> None:
        """A page scrolls rather than squeeze its fields on a small screen (the workbench
        shares the tab's height with the result card)."""
        self.insertTab(index, scrolling(page), title)

    def indexOf(self, page: QWidget) -> int:  # noqa: N802 (Qt API)
        """The tab of a page (its scroll area is the tab's widget)."""
        for i in range(self.count()):
            tab = self.widget(i)
            if tab is page or (isinstance(tab, QScrollArea) and tab.widget() is page):
                return i
        return -1

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 (Qt API)
        self.setCurrentIndex(self.indexOf(page))

    # ----- plumbing ----------------------------------------------------------------------

    def store(self) -> ExperimentStore:
        """The store, opened on first use; call from a worker (opening reads the file)."""
        with self._store_lock:
            if self._store is None:
                self._store = ExperimentStore(self.services.db_path)
            return self._store

    def submit(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> None:
        guard = self.guard.guard
        self.services.runner.submit(
            fn, guard(on_done), guard(on_error or self.show_error), guard(on_progress)
        )

    def show_error(self, exc: Exception) -> None:
        QMessageBox.warning(self, "Experiments", literal_html(_message(exc)))

    def reload(self) -> None:
        """Re-read datasets, runs and experiments; every page then shows the new lists."""

        def load() -> tuple[list[DatasetInfo], list[RunInfo], list[ExperimentRecord]]:
            store = self.store()
            return store.datasets(), store.runs(), store.experiments()

        self.submit(load, self._loaded)

    def _loaded(
        self, loaded: tuple[list[DatasetInfo], list[RunInfo], list[ExperimentRecord]]
    ) -> None:
        self.datasets, self.runs, experiments = loaded
        self.datasets_page.show_datasets(self.datasets)
        self.run_page.show_lists(self.datasets, self.runs)
        self.compare_page.show_runs(self.datasets, self.runs)
        self.history_page.show_experiments(experiments)
        self.data_changed.emit()

    def dataset_label(self, dataset_id: int) -> str:
        for d in self.datasets:
            if d.id == dataset_id:
                return f"{d.name} v{d.version}"
        return f"dataset #{dataset_id}"

    def catalog(self) -> Catalog | None:
        return self.services.catalog()


class DatasetsPage(QWidget):
    """The stored datasets (every version) and the items of the selected one."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self.model = DatasetsModel()
        self.view = table_view(
            self.model, "datasets_view", stretch=4, widths=(200, 70, 70, 110, 0, 130)
        )
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.items = ItemsModel()
        self.items_view = table_view(self.items, "items_view", stretch=1, widths=(90, 0, 200))
        self.import_button = QPushButton("Import dataset…")
        self.import_button.setObjectName("import_dataset_button")
        self.import_button.setToolTip(
            "A JSONL or CSV file with an input and an expected answer per item (Ctrl+Shift+I). "
            "Every row is checked before anything is stored."
        )
        self.import_button.clicked.connect(self.choose_file)
        QShortcut(QKeySequence("Ctrl+Shift+I"), self, self.choose_file)
        self.example_button = QPushButton("Add the example dataset")
        self.example_button.setObjectName("example_dataset_button")
        self.example_button.setToolTip(
            "30 short questions about capitals, shipped with the app, to try a run on."
        )
        self.example_button.clicked.connect(self.add_example)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("delete_dataset_button")
        self.delete_button.setToolTip("Delete this dataset version (not while runs use it)")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete_selected)
        self.status = QLabel("Import a dataset to start.")
        self.status.setObjectName("datasets_status")
        self.status.setWordWrap(True)

        buttons = QHBoxLayout()
        for b in (self.import_button, self.example_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addWidget(
            splitter(Qt.Orientation.Vertical, self.view, self.items_view, stretch=(1, 2)), 1
        )

    def show_datasets(self, datasets: list[DatasetInfo]) -> None:
        selected = self.selected()
        self.model.set_rows(datasets)
        if selected is not None:
            for row, d in enumerate(datasets):
                if d.id == selected.id:
                    self.view.selectRow(row)
        if datasets and self.selected() is None:
            self.view.selectRow(0)
        self.delete_button.setEnabled(self.selected() is not None)

    def selected(self) -> DatasetInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def _selected(self, *_: object) -> None:
        dataset = self.selected()
        self.delete_button.setEnabled(dataset is not None)
        if dataset is None:
            self.items.set_rows([])
            return
        self.bench.submit(lambda: self.bench.store().items(dataset.id), self.items.set_rows)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import dataset",
            "",
            "Datasets (*.jsonl *.ndjson *.csv *.tsv);;All files (*)",
        )
        if path:
            self.import_file(path)

    def add_example(self) -> None:
        self.import_file(str(EXAMPLE_DATASET), ask=False)

    def import_file(self, path: str, *, ask: bool = True) -> None:
        """Read and check the file off the GUI thread, then show the mapping dialog."""
        self.status.setText(f"Reading {Path(path).name}…")

        def read() -> tuple[bytes, list[str], ParsedDataset]:
            data = read_file(path)
            columns = columns_of(data, None, file_name=path)
            parsed = parse_dataset(data, None, guess_mapping(columns), file_name=path)
            return data, columns, parsed

        def failed(exc: Exception) -> None:
            self.status.setText(f"Not imported: {_message(exc)}")
            self.bench.show_error(exc)

        def review(read_back: tuple[bytes, list[str], ParsedDataset]) -> None:
            data, columns, parsed = read_back
            if not ask and parsed.ok:
                self._store(Path(path).stem, parsed, Path(path).name)
                return
            dialog = DatasetImportDialog(path, data, columns, parsed, self.bench.submit, self)
            if dialog.exec() == DatasetImportDialog.DialogCode.Accepted and dialog.parsed.ok:
                self._store(dialog.name, dialog.parsed, Path(path).name)
            else:
                self.status.setText("Nothing was imported.")

        self.bench.submit(read, review, failed)

    def _store(self, name: str, parsed: ParsedDataset, source: str) -> None:
        def add() -> DatasetInfo:
            return self.bench.store().add_dataset(
                name, parsed.items, source=source, columns=parsed.columns
            )

        def added(info: DatasetInfo) -> None:
            if info.reused:
                self.status.setText(
                    f"{info.name} v{info.version} already holds exactly this content "
                    f"({info.item_count:,} items): nothing new was stored."
                )
            else:
                self.status.setText(
                    f"Imported {info.name} v{info.version}: {info.item_count:,} items."
                )
            self.bench.reload()

        self.bench.submit(add, added)

    def delete_selected(self) -> None:
        dataset = self.selected()
        if dataset is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete dataset",
            literal_html(
                f"Delete {dataset.name} v{dataset.version} and its {dataset.item_count:,} items?"
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def deleted(_: object) -> None:
            self.status.setText(f"Deleted {dataset.name} v{dataset.version}.")
            self.bench.reload()

        self.bench.submit(lambda: self.bench.store().delete_dataset(dataset.id), deleted)


def _spin(name: str, low: int, high: int, value: int, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    spin.setSuffix(suffix)
    spin.setAccelerated(True)
    return spin


def _dspin(
    name: str, low: float, high: float, value: float, tip: str, decimals: int = 2, step: float = 0.1
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


class RunPage(QWidget):
    """A variant and the run settings; run with a cost estimate first; the stored runs."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self.running_run_id: int | None = None
        self._cancel: threading.Event | None = None

        self.dataset_combo = QComboBox()
        self.dataset_combo.setObjectName("run_dataset_combo")
        self.dataset_combo.setToolTip("The dataset whose every item the variant answers")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("run_name_edit")
        self.name_edit.setPlaceholderText("e.g. baseline, or shorter prompt")
        self.name_edit.setToolTip("A name for this run (the model's name when left empty)")
        self.model_edit = QLineEdit()
        self.model_edit.setObjectName("run_model_edit")
        self.model_edit.setPlaceholderText("e.g. gpt-4o-mini, or the model a local server serves")
        self.model_edit.setToolTip("The model as litellm names it (provider/model)")
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setObjectName("run_base_url_edit")
        self.base_url_edit.setPlaceholderText("optional: http://127.0.0.1:8000/v1")
        self.base_url_edit.setToolTip(
            "Optional base URL of an OpenAI-compatible server. Empty: the provider litellm "
            "picks from the model name."
        )
        self.api_key_edit = QLineEdit()
        self.api_key_edit.setObjectName("run_api_key_edit")
        self.api_key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key_edit.setPlaceholderText("optional: from the environment otherwise")
        self.api_key_edit.setToolTip(
            "API key for this session only: kept in memory, never saved to the database, "
            "settings, logs or exports."
        )
        self.template_edit = QPlainTextEdit("Answer briefly.\n\n{input}")
        self.template_edit.setObjectName("run_template_edit")
        self.template_edit.setMaximumHeight(70)
        self.template_edit.setToolTip(
            "The user message for each item: {input} is the item's input and {name} any other "
            "column of the dataset; {{ and }} are literal braces."
        )
        self.system_edit = QLineEdit()
        self.system_edit.setObjectName("run_system_edit")
        self.system_edit.setPlaceholderText("optional system prompt")
        self.temperature_spin = _dspin(
            "run_temperature_spin", 0, 2, 0, "Sampling temperature (0 for repeatable answers)"
        )
        self.max_tokens_spin = _spin(
            "run_max_tokens_spin", 1, 100_000, 256, "The most output tokens one answer may take"
        )
        self.concurrency_spin = _spin(
            "run_concurrency_spin", 1, 500, 8, "Requests in flight at once"
        )
        self.rpm_spin = _spin(
            "run_rpm_spin", 0, 1_000_000, 0, "Requests per minute at most (0: no limit)"
        )
        self.tpm_spin = _spin(
            "run_tpm_spin", 0, 100_000_000, 0, "Tokens per minute at most (0: no limit)"
        )
        self.timeout_spin = _dspin(
            "run_timeout_spin", 1, 3600, 60, "Seconds one request may take", decimals=0, step=5
        )
        self.retries_spin = _spin(
            "run_retries_spin", 0, 20, 4, "Retries on rate limits, server errors and timeouts"
        )
        self.spend_cap_spin = _dspin(
            "run_spend_cap_spin",
            0,
            100_000,
            5,
            "The run starts no new request once it has spent this much (0: no cap)",
        )
        self.spend_cap_spin.setPrefix("$")
        self.cache_check = QCheckBox("Use the response cache")
        self.cache_check.setObjectName("run_cache_check")
        self.cache_check.setChecked(True)
        self.cache_check.setToolTip(
            "An identical request answered before is taken from the cache: free and instant."
        )

        variant = QFormLayout()
        variant.addRow("Dataset", self.dataset_combo)
        variant.addRow("Run name", self.name_edit)
        variant.addRow("Model", self.model_edit)
        variant.addRow("Base URL", self.base_url_edit)
        variant.addRow("API key", self.api_key_edit)
        variant.addRow("Prompt template", self.template_edit)
        variant.addRow("System prompt", self.system_edit)
        limits = QGridLayout()
        cells: list[tuple[str, QWidget]] = [
            ("Temperature", self.temperature_spin),
            ("Max tokens", self.max_tokens_spin),
            ("Concurrency", self.concurrency_spin),
            ("Requests/min", self.rpm_spin),
            ("Tokens/min", self.tpm_spin),
            ("Timeout (s)", self.timeout_spin),
            ("Retries", self.retries_spin),
            ("Spend cap", self.spend_cap_spin),
        ]
        # Two pairs a row: the limits stay as tall as the variant's fields, and the variant
        # keeps the width its model name and URL need beside them on a laptop screen.
        for i, (label, widget) in enumerate(cells):
            limits.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            limits.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        limits.addWidget(self.cache_check, 4, 0, 1, 4)
        limits.setRowStretch(5, 1)
        limits.setRowStretch(3, 1)

        self.run_button = QPushButton("Estimate and run…")
        self.run_button.setObjectName("run_button")
        self.run_button.setToolTip("See what the run will cost, then run it (Ctrl+Return)")
        self.run_button.clicked.connect(self.start)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("run_cancel_button")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("Stop the run; every finished sample is kept (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setObjectName("run_resume_button")
        self.resume_button.setEnabled(False)
        self.resume_button.setToolTip(
            "Run only the items the selected run has no answer for (missing or failed)"
        )
        self.resume_button.clicked.connect(self.resume_selected)
        self.import_button = QPushButton("Import outputs…")
        self.import_button.setObjectName("import_outputs_button")
        self.import_button.setToolTip(
            "A JSONL of id and output (latency_ms, cost_usd optional) that your system logged: "
            "evaluated like a run, without calling any model"
        )
        self.import_button.clicked.connect(self.choose_outputs)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setObjectName("export_run_button")
        self.export_button.setToolTip(
            "Write the selected run's samples beside each item's input and expected answer as "
            "CSV (cells a spreadsheet would run as formulas are escaped)"
        )
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.choose_export)
        self.delete_button = QPushButton("Delete run")
        self.delete_button.setObjectName("delete_run_button")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        for b in (self.run_button, self.cancel_button, self.resume_button, self.import_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)

        self.progress = QProgressBar()
        self.progress.setObjectName("run_progress")
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m")
        self.progress.setValue(0)
        self.status = QLabel("Choose a dataset and a model, then run.")
        self.status.setObjectName("run_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.runs = RunsModel()
        self.runs_view = table_view(
            self.runs, "runs_view", stretch=1, widths=(40, 0, 160, 170, 80, 70, 80, 70, 130)
        )
        self.runs_view.selectionModel().selectionChanged.connect(self._run_selected)
        self.samples = SamplesModel()
        self.samples_view = table_view(
            self.samples, "samples_view", stretch=1, widths=(90, 0, 220, 80, 80, 80, 80, 60)
        )
        self.summary_metric = QComboBox()
        self.summary_metric.setObjectName("run_summary_metric")
        self.summary_metric.setToolTip("The metric the selected run's summary is scored on")
        for spec in METRICS.values():
            if not spec.needs_judge and not spec.uses_pattern:
                self.summary_metric.addItem(spec.label, spec.id)
        self.summary_metric.currentIndexChanged.connect(self._run_selected)
        self.summary = QLabel("Select a run to see its figures.")
        self.summary.setObjectName("run_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        samples_box = QWidget()
        samples_lay = QVBoxLayout(samples_box)
        samples_lay.setContentsMargins(0, 0, 0, 0)
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.summary_metric)
        samples_lay.addLayout(summary_row)
        samples_lay.addWidget(self.samples_view, 1)

        top = QWidget()
        top_lay = QHBoxLayout(top)
        top_lay.setContentsMargins(0, 0, 0, 0)
        variant_box = QGroupBox("Variant")
        variant_box.setLayout(variant)
        limits_box = QGroupBox("Limits")
        limits_box.setLayout(limits)
        top_lay.addWidget(variant_box, 1)
        top_lay.addWidget(limits_box, 0)
        lay = QVBoxLayout(self)
        lay.addWidget(top)
        lay.addLayout(buttons)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(
            splitter(Qt.Orientation.Vertical, self.runs_view, samples_box, stretch=(1, 2)),
            1,
        )

    # ----- lists ---------------------------------------------------------------------------

    def show_lists(self, datasets: list[DatasetInfo], runs: list[RunInfo]) -> None:
        current = self.dataset_combo.currentData()
        self.dataset_combo.clear()
        for d in datasets:
            self.dataset_combo.addItem(f"{d.name} v{d.version} ({d.item_count:,} items)", d.id)
        index = self.dataset_combo.findData(current)
        self.dataset_combo.setCurrentIndex(max(index, 0))
        selected = self.selected_run()
        self.runs.active_run_id = self.running_run_id
        self.runs.set_rows(runs)
        if selected is not None:
            for row, r in enumerate(runs):
                if r.id == selected.id:
                    self.runs_view.selectRow(row)
        self._update_buttons()

    def selected_run(self) -> RunInfo | None:
        rows = self.runs_view.selectionModel().selectedRows()
        return self.runs.row_at(rows[0]) if rows else None

    def _run_selected(self, *_: object) -> None:
        self._update_buttons()
        run = self.selected_run()
        if run is None:
            self.samples.set_rows([])
            self.summary.setText("Select a run to see its figures.")
            return
        metric = self.summary_metric.currentData()

        def load() -> tuple[list[Sample], RunMetrics]:
            store = self.bench.store()
            samples = store.samples(run.id)
            return samples, summarize_run(store.items(run.dataset_id), samples, metric)

        def show(loaded: tuple[list[Sample], RunMetrics]) -> None:
            samples, figures = loaded
            self.samples.set_rows(samples)
            self.summary.setText(run_summary_text(figures))

        self.bench.submit(load, show)

    def _update_buttons(self) -> None:
        run = self.selected_run()
        idle = self.running_run_id is None
        self.run_button.setEnabled(idle)
        self.cancel_button.setEnabled(not idle)
        self.import_button.setEnabled(idle)
        resumable = run is not None and run.kind == "model" and run.status != "completed"
        self.resume_button.setEnabled(idle and resumable)
        self.delete_button.setEnabled(idle and run is not None)
        self.export_button.setEnabled(run is not None)

    # ----- a run ---------------------------------------------------------------------------

    def variant(self) -> Variant:
        model = self.model_edit.text().strip()
        return Variant(
            name=self.name_edit.text().strip() or model or "run",
            model=model,
            prompt_template=self.template_edit.toPlainText(),
            system_prompt=self.system_edit.text(),
            temperature=self.temperature_spin.value(),
            max_tokens=self.max_tokens_spin.value(),
            api_base=self.base_url_edit.text().strip() or None,
        )

    def settings(self) -> RunSettings:
        return RunSettings(
            concurrency=self.concurrency_spin.value(),
            requests_per_minute=self.rpm_spin.value(),
            tokens_per_minute=self.tpm_spin.value(),
            timeout_s=self.timeout_spin.value(),
            max_retries=self.retries_spin.value(),
            spend_cap_usd=self.spend_cap_spin.value(),
            use_cache=self.cache_check.isChecked(),
        )

    def judge(
        self, model: str, api_base: str
    ) -> Callable[[list[DatasetItem], list[Sample], Any, Callable[[Any], None]], Grades]:
        """A grading function with this page's key and limits (called from a worker)."""
        variant = judge_variant(model.strip(), api_base.strip() or None)
        settings = self.settings()
        prices = self._prices(variant)
        client = self._client(variant, settings, prices)

        def run(
            items: list[DatasetItem],
            samples: list[Sample],
            cache: Any,
            progress: Callable[[Any], None],
        ) -> Grades:
            return grade(
                client,
                settings,
                variant,
                items,
                samples,
                cache=cache if settings.use_cache else None,
                progress=progress,
                prices=prices,
            )

        return run

    def _client(
        self, variant: Variant, settings: RunSettings, prices: tuple[float, float] | None
    ) -> LlmClient:
        return LlmClient(
            api_base=variant.api_base,
            api_key=self.api_key_edit.text().strip() or None,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            retry_backoff_s=settings.retry_backoff_s,
            max_retry_wait_s=settings.max_retry_wait_s,
            prices=prices,
        )

    def _prices(self, variant: Variant) -> tuple[float, float] | None:
        """Catalog prices per token for the model; None for a local server or unknown model."""
        catalog = self.bench.catalog()
        if catalog is None or variant.api_base or variant.model not in catalog:
            return None
        return catalog.get(variant.model).usable_prices

    def start(self) -> None:
        if self.running_run_id is not None or not self.run_button.isEnabled():
            return
        dataset_id = self.dataset_combo.currentData()
        if dataset_id is None:
            self.status.setText("Import a dataset first (Datasets tab).")
            return
        try:
            variant = self.variant()
            settings = self.settings()
        except ValidationError as exc:
            self.status.setText("Check the variant: " + "; ".join(error_lines(exc)))
            return
        prices = self._prices(variant)

        def estimate() -> tuple[list[DatasetItem], CostEstimate, str | None]:
            items = self.bench.store().items(dataset_id)
            return items, estimate_cost(variant, items, prices), prompt_problem(variant, items)

        def confirm(done: tuple[list[DatasetItem], CostEstimate, str | None]) -> None:
            items, cost, problem = done
            if problem:
                self.status.setText(f"Not started: {problem}")
                return
            if self._confirm(variant, settings, cost):
                self._run(None, dataset_id, variant, settings, items, prices, skip=set())

        self.bench.submit(estimate, confirm)

    def _confirm(self, variant: Variant, settings: RunSettings, cost: CostEstimate) -> bool:
        price = (
            f"about {usd_text(cost.usd)} at the catalog's prices"
            if cost.usd is not None
            else "an unknown cost (no price for this model: a local server costs nothing)"
        )
        cap = (
            f" The run stops starting requests at {usd_text(settings.spend_cap_usd)}."
            if settings.spend_cap_usd > 0
            else " No spend cap is set."
        )
        cache = " Answers already in the response cache cost nothing." if settings.use_cache else ""
        text = (
            f"{cost.requests:,} requests to {variant.model}, about {cost.input_tokens:,} input "
            f"and up to {cost.output_tokens:,} output tokens: {price}.{cap}{cache}\n\nRun it?"
        )
        answer = QMessageBox.question(self, "Start the run", literal_html(text))
        return answer == QMessageBox.StandardButton.Yes

    def resume_selected(self) -> None:
        run = self.selected_run()
        if run is None or self.running_run_id is not None:
            return
        settings = self.settings()
        prices = self._prices(run.variant)

        def load() -> tuple[list[DatasetItem], set[str]]:
            store = self.bench.store()
            items = store.items(run.dataset_id)
            pending = set(store.pending_item_ids(run.id))
            return items, {i.id for i in items if i.id not in pending}

        def go(loaded: tuple[list[DatasetItem], set[str]]) -> None:
            items, done = loaded
            if len(done) == len(items):
                self.status.setText(f"Run #{run.id} already has an answer for every item.")
                return
            self._run(run.id, run.dataset_id, run.variant, settings, items, prices, skip=done)

        self.bench.submit(load, go)

    def _run(
        self,
        run_id: int | None,
        dataset_id: int,
        variant: Variant,
        settings: RunSettings,
        items: list[DatasetItem],
        prices: tuple[float, float] | None,
        *,
        skip: set[str],
    ) -> None:
        cancel = threading.Event()
        self._cancel = cancel
        self.bench.guard.event = cancel
        client = self._client(variant, settings, prices)
        store = self.bench.store
        self.running_run_id = -1
        self.progress.setRange(0, len(items))
        self.progress.setValue(len(skip))
        self.status.setText("Starting…")
        self._update_buttons()

        def work(report: Callable[[Any], None]) -> tuple[int, RunOutcome]:
            s = store()
            rid = (
                run_id
                if run_id is not None
                else s.create_run(dataset_id, variant, settings, name=variant.name)
            )
            report(rid)
            outcome = run_into(
                s,
                rid,
                EvalRunner(client, settings),
                variant,
                items,
                skip_ids=skip,
                progress=report,
                cancelled=cancel.is_set,
                prices=prices,
                use_cache=settings.use_cache,
            )
            return rid, outcome

        self.bench.submit(work, self._finished, self._failed, self._progress)

    def _progress(self, value: Any) -> None:
        if isinstance(value, int):
            self.running_run_id = value
            self.bench.reload()
            return
        p: RunProgress = value
        self.progress.setRange(0, max(p.total, 1))
        self.progress.setValue(p.done)
        cached = f" · {p.cached:,} from cache" if p.cached else ""
        self.status.setText(
            f"{p.done:,} of {p.total:,} done · {p.errors:,} errors · spent "
            f"{usd_text(p.spend_usd)}{cached} · about {_duration(p.seconds_left)} left"
        )

    def _finished(self, done: tuple[int, RunOutcome]) -> None:
        rid, outcome = done
        self.running_run_id = None
        self._cancel = None
        self.status.setText(
            f"Run #{rid}: {outcome.stop_reason or outcome.status} ({_duration(outcome.elapsed_s)})"
        )
        self._update_buttons()
        self.bench.reload()

    def _failed(self, exc: Exception) -> None:
        self.running_run_id = None
        self._cancel = None
        self.status.setText(f"The run stopped: {_message(exc)} Finished samples are kept.")
        self._update_buttons()
        self.bench.reload()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.setText("Cancelling: finished samples are kept…")

    # ----- logged outputs and deleting -----------------------------------------------------

    def choose_outputs(self) -> None:
        dataset_id = self.dataset_combo.currentData()
        if dataset_id is None:
            self.status.setText("Import the dataset the outputs answer first (Datasets tab).")
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Import logged outputs", "", "JSON lines (*.jsonl *.ndjson);;All files (*)"
        )
        if path:
            self.import_outputs(path, dataset_id)

    def import_outputs(self, path: str, dataset_id: int, name: str | None = None) -> None:
        """Check every line, then store the outputs as a run (nothing half-imported)."""
        if name is None:
            name, ok = QInputDialog.getText(
                self,
                "Import logged outputs",
                "Name of the system that produced them:",
                text=Path(path).stem,
            )
            if not ok or not name.strip():
                return
        label = name.strip()
        if problem := name_problem(label):
            self.status.setText(f"Nothing was imported: {problem}.")
            return

        def work() -> tuple[int | None, list[str], int]:
            store = self.bench.store()
            items = store.items(dataset_id)
            parsed = parse_logged_outputs(read_file(path), [i.id for i in items], file_name=path)
            if not parsed.ok:
                lines = [str(p) for p in parsed.problems] or ["The file holds no outputs."]
                return None, lines, 0
            variant = Variant(name=label, model=label)
            rid = store.import_run(dataset_id, variant, parsed.samples, name=label)
            return rid, [], len(parsed.missing_ids)

        def done(result: tuple[int | None, list[str], int]) -> None:
            rid, problems, missing = result
            if rid is None:
                self.status.setText("Nothing was imported: the file has problems.")
                QMessageBox.warning(
                    self,
                    "Import logged outputs",
                    literal_html(report_text("Nothing was imported. Fix these lines:", problems)),
                )
                return
            note = f" {missing:,} items have no output." if missing else ""
            self.status.setText(f"Imported the outputs as run #{rid}.{note}")
            self.bench.reload()

        self.bench.submit(work, done)

    def choose_export(self) -> None:
        run = self.selected_run()
        if run is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export run as CSV", f"run-{run.id}-{run.name or 'samples'}.csv", "CSV (*.csv)"
        )
        if path:
            self.export_run(run, path)

    def export_run(self, run: RunInfo, path: str) -> None:
        """Write the run's samples as CSV off the GUI thread (UTF-8 with a BOM for Excel)."""

        def write() -> int:
            store = self.bench.store()
            samples = store.samples(run.id)
            text = samples_csv(store.items(run.dataset_id), samples)
            Path(path).write_text(text, encoding="utf-8-sig", newline="")
            return len(samples)

        def done(n: int) -> None:
            self.status.setText(f"Wrote {n:,} samples of run #{run.id} to {path}.")

        self.bench.submit(write, done)

    def delete_selected(self) -> None:
        run = self.selected_run()
        if run is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete run",
            literal_html(f"Delete run #{run.id} ({run.name}) and its {run.samples:,} samples?"),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.bench.submit(
                lambda: self.bench.store().delete_run(run.id), lambda _: self.bench.reload()
            )


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
        self._rows: list[OutcomeRow] = []
        self._variant_run: RunInfo | None = None
        self._dataset_name = ""
        self._all_runs: list[RunInfo] = []

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
        self.min_lift_spin = _dspin(
            "min_lift_spin",
            0,
            100,
            2,
            "The smallest improvement worth shipping, in percentage points of the metric",
            decimals=1,
            step=0.5,
        )
        self.min_lift_spin.setSuffix(" pp")
        self.alpha_spin = _dspin(
            "alpha_spin",
            0.001,
            0.5,
            0.05,
            "The significance level: ship only when McNemar's exact p is below it, and the "
            "lift's interval has level 1 - alpha (0.05: a 95% interval)",
            decimals=3,
            step=0.01,
        )
        self.threshold_spin = _dspin(
            "threshold_spin",
            0,
            1,
            0.5,
            "A score at or above this counts as a pass (McNemar's test counts passes)",
        )
        self.judge_model_edit = QLineEdit()
        self.judge_model_edit.setObjectName("judge_model_edit")
        self.judge_model_edit.setPlaceholderText("judge model, e.g. gpt-4o")
        self.judge_model_edit.setToolTip(
            "The model that grades each output PASS or FAIL against the expected answer "
            "(LLM judge). It uses the Runs page's API key and limits; its cost is counted apart."
        )
        self.judge_base_edit = QLineEdit()
        self.judge_base_edit.setObjectName("judge_base_edit")
        self.judge_base_edit.setPlaceholderText("optional judge base URL")
        for edit in (self.judge_model_edit, self.judge_base_edit):
            edit.setEnabled(False)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compare_button")
        self.compare_button.setToolTip("Compare the two runs item by item and keep the result")
        self.compare_button.clicked.connect(self.compare)

        controls = QGridLayout()
        controls.addWidget(QLabel("Baseline"), 0, 0)
        controls.addWidget(self.baseline_combo, 0, 1)
        controls.addWidget(QLabel("Variant"), 0, 2)
        controls.addWidget(self.variant_combo, 0, 3)
        controls.addWidget(QLabel("Metric"), 1, 0)
        controls.addWidget(self.metric_combo, 1, 1)
        controls.addWidget(QLabel("Pattern"), 1, 2)
        controls.addWidget(self.pattern_edit, 1, 3)
        controls.addWidget(QLabel("Minimum lift"), 2, 0)
        controls.addWidget(self.min_lift_spin, 2, 1)
        controls.addWidget(QLabel("Pass at"), 2, 2)
        controls.addWidget(self.threshold_spin, 2, 3)
        controls.addWidget(QLabel("Judge"), 3, 0)
        controls.addWidget(self.judge_model_edit, 3, 1)
        controls.addWidget(QLabel("Judge URL"), 3, 2)
        controls.addWidget(self.judge_base_edit, 3, 3)
        controls.addWidget(QLabel("Alpha"), 4, 0)
        controls.addWidget(self.alpha_spin, 4, 1)
        controls.addWidget(self.compare_button, 0, 4, 5, 1)
        controls.setColumnStretch(1, 1)
        controls.setColumnStretch(3, 1)

        self.verdict_label = QLabel("Pick two runs of the same dataset and compare them.")
        self.verdict_label.setObjectName("verdict_label")
        self.verdict_label.setTextFormat(Qt.TextFormat.RichText)  # inserted texts are escaped
        self.verdict_label.setWordWrap(True)
        self.reasons_label = QLabel()
        self.reasons_label.setObjectName("reasons_label")
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.use_button = QPushButton("Use in the decision form")
        self.use_button.setObjectName("use_comparison_button")
        self.use_button.setToolTip(
            "Fill the form's observed counts, minimum lift and costs from this comparison (one "
            "undoable change), so the decision can be saved, compared and exported"
        )
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_in_form)
        self.push_button = QPushButton("Push variant to catalog")
        self.push_button.setObjectName("push_catalog_button")
        self.push_button.setToolTip(
            "Store the variant's measured score and latency profile for its model in the "
            "catalog (source: measured), where Model Selection and the other tabs use them"
        )
        self.push_button.setEnabled(False)
        self.push_button.clicked.connect(self.push_to_catalog)
        self.filter_combo = QComboBox()
        self.filter_combo.setObjectName("outcome_filter")
        for label, kind in self.FILTERS:
            self.filter_combo.addItem(label, kind)
        self.filter_combo.currentIndexChanged.connect(self._apply_filter)
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

        card = QVBoxLayout()
        card.addWidget(self.verdict_label)
        card.addWidget(self.reasons_label)
        actions = QHBoxLayout()
        actions.addWidget(self.use_button)
        actions.addWidget(self.push_button)
        actions.addStretch(1)
        actions.addWidget(QLabel("Show"))
        actions.addWidget(self.filter_combo)
        lay = QVBoxLayout(self)
        lay.addLayout(controls)
        lay.addLayout(card)
        lay.addLayout(actions)
        lay.addWidget(
            splitter(Qt.Orientation.Vertical, self.outcomes_view, self.detail, stretch=(3, 1)), 1
        )

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

    def compare(self) -> None:
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
        self.verdict_label.setText("Comparing…")
        self.compare_button.setEnabled(False)

        def work(report: Callable[[Any], None]) -> tuple[Comparison, list[OutcomeRow], int]:
            store = self.bench.store()
            items = store.items(baseline.dataset_id)
            base_samples = store.samples(baseline.id)
            var_samples = store.samples(variant.id)
            grades = cost = None
            if judge is not None:
                graded = [
                    judge(items, samples, store.cache, lambda p, arm=arm: report((arm, p)))
                    for arm, samples in (("baseline", base_samples), ("variant", var_samples))
                ]
                grades = (graded[0].scores, graded[1].scores)
                cost = graded[0].cost_usd + graded[1].cost_usd
            comparison = compare_runs(
                items,
                base_samples,
                var_samples,
                metric,
                min_lift=min_lift,
                pass_threshold=threshold,
                pattern=pattern,
                grades=grades,
                judge_cost_usd=cost,
                alpha=alpha,
            )
            record_id = store.save_experiment(_record(comparison, baseline, variant, dataset_name))
            rows = _outcome_rows(comparison, items, base_samples, var_samples)
            return comparison, rows, record_id

        def done(result: tuple[Comparison, list[OutcomeRow], int]) -> None:
            self.compare_button.setEnabled(True)
            comparison, rows, _record_id = result
            self._variant_run = variant
            self._dataset_name = dataset_name
            self.show_comparison(comparison, rows)
            self.bench.reload()

        def failed(exc: Exception) -> None:
            self.compare_button.setEnabled(True)
            self.verdict_label.setText(f"Could not compare: {html_text(_message(exc))}")

        def judging(value: tuple[str, RunProgress]) -> None:
            arm, p = value
            self.verdict_label.setText(
                f"The judge is grading the {arm}: {p.done:,} of {p.total:,}, spent "
                f"{usd_text(p.spend_usd)}…"
            )

        self.bench.submit(work, done, failed, judging)

    def open_record(self, record: ExperimentRecord) -> None:
        """Show a kept comparison again, with the items and both runs' samples as stored."""
        comparison = Comparison.model_validate(record.comparison)

        def load() -> list[OutcomeRow]:
            store = self.bench.store()
            return _outcome_rows(
                comparison,
                store.items(record.dataset_id),
                store.samples(record.baseline_run_id),
                store.samples(record.variant_run_id),
            )

        def show(rows: list[OutcomeRow]) -> None:
            self._variant_run = self._run(record.variant_run_id)
            self._dataset_name = self.bench.dataset_label(record.dataset_id)
            self.show_comparison(comparison, rows)
            self.bench.setCurrentWidget(self)

        self.bench.submit(load, show)

    def show_comparison(self, comparison: Comparison, rows: list[OutcomeRow]) -> None:
        self.comparison = comparison
        self._rows = rows
        colour = _VERDICT_COLOURS.get(comparison.verdict, GREY)
        self.verdict_label.setText(
            f"<span style='font-size:14pt; font-weight:600; color:{colour}'>"
            f"{stats.VERDICT_LABELS[comparison.verdict]}</span>"
            f"&nbsp;&nbsp;{html_text(headline(comparison))}"
        )
        self.reasons_label.setText("\n".join(f"• {r}" for r in comparison.reasons))
        self.use_button.setEnabled(True)
        self.push_button.setEnabled(self._variant_run is not None)
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
            f"\nBaseline ({row.outcome.baseline:.3f}):\n{_sample_text(row.baseline)}",
            f"\nVariant ({row.outcome.variant:.3f}):\n{_sample_text(row.variant)}",
        ]
        self.detail.setPlainText("\n".join(parts))

    def use_in_form(self) -> None:
        if self.comparison is not None:
            self.bench.inputs_suggested.emit(form_values(self.comparison))

    def push_to_catalog(self) -> None:
        comparison, run = self.comparison, self._variant_run
        if comparison is None or run is None:
            return
        model = run.variant.model
        metric_label = METRICS[comparison.metric].label
        dataset_name = self._dataset_name
        db_path = self.bench.services.db_path
        catalog = self.bench.catalog()
        known = catalog is not None and model in catalog

        def work() -> str:
            samples = self.bench.store().samples(run.id)
            quality = quality_score(
                comparison.variant.mean or 0.0, dataset_name, metric_label, comparison.n_paired
            )
            latency = latency_profile(samples)
            with CatalogStore(db_path) as store:
                store.set_quality(model, quality)
                if latency is not None:
                    store.set_latency(model, latency)
            told = f"score {quality.score:.3f}"
            if latency is not None:
                told += f", latency {latency.ttft_ms:,.0f} ms to first token"
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


def _outcome_rows(
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


def run_summary_text(m: RunMetrics) -> str:
    """One line of a run's figures: the metric with its interval, latency, cost, errors."""
    label = METRICS[m.metric].label
    if m.mean is None:
        score = f"{label}: nothing scored yet"
    else:
        score = f"{label} {m.mean:.3f} (95% CI {_score(m.low)} to {_score(m.high)})"
    if m.corpus_bleu is not None:
        score += f", corpus BLEU {m.corpus_bleu:.1f}"
    latency = (
        f"latency p50 {m.latency_p50_ms:,.0f} ms, p95 {m.latency_p95_ms:,.0f} ms"
        if m.latency_p50_ms is not None and m.latency_p95_ms is not None
        else "no timed answers"
    )
    per = usd_text(m.cost_per_sample_usd) if m.cost_per_sample_usd is not None else "n/a"
    missing = f" · {m.missing:,} items not answered yet" if m.missing else ""
    return (
        f"{score} on {m.n_scored:,} items · {latency} · {usd_text(m.total_cost_usd)} paid, {per} "
        f"per sample · {m.errors:,} errors ({m.error_rate:.1%}) · {m.cached:,} from cache{missing}"
    )


def _sample_text(sample: Sample | None) -> str:
    if sample is None:
        return "(no sample)"
    return f"Error: {sample.error}" if sample.error else sample.output


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def headline(comparison: Comparison) -> str:
    """One line: the lift in points with its (1 - alpha) interval, the test and both means."""
    c = comparison
    lift = (
        "no paired items"
        if c.lift is None or c.low is None or c.high is None
        else f"lift {stats.format_lift(100 * c.lift, 100 * c.low, 100 * c.high, c.alpha)} on "
        f"{c.n_paired:,} paired items"
    )
    return (
        f"{lift} · McNemar p = {p_value(c.mcnemar_p)} at alpha {c.alpha:g} · baseline "
        f"{_score(c.baseline.mean)}, variant {_score(c.variant.mean)}"
    )


def form_values(comparison: Comparison) -> dict[str, Any]:
    """The decision form's inputs that a comparison measured: the pass/fail counts at the
    comparison's threshold over the paired items, the minimum lift and each arm's cost and
    median latency per sample (only those it measured)."""
    t = comparison.pass_threshold
    paired = [o for o in comparison.outcomes if o.kind != "error"]
    both_pass = sum(1 for o in paired if o.baseline >= t and o.variant >= t)
    both_fail = sum(1 for o in paired if o.baseline < t and o.variant < t)
    values: dict[str, Any] = {
        "both_pass": both_pass,
        "baseline_only": comparison.b,
        "variant_only": comparison.c,
        "both_fail": both_fail,
        "min_lift_pct": round(comparison.min_lift * 100, 4),
        # The form then reads the counts at the alpha the comparison was decided at.
        "alpha": comparison.alpha,
    }
    measured = {
        "baseline_cost_per_sample_usd": comparison.baseline.cost_per_sample_usd,
        "variant_cost_per_sample_usd": comparison.variant.cost_per_sample_usd,
        "baseline_latency_ms": comparison.baseline.latency_p50_ms,
        "variant_latency_ms": comparison.variant.latency_p50_ms,
    }
    known = {k: v for k, v in measured.items() if v is not None}
    if known:
        values["compare_cost_latency"] = True
        values.update(known)
    return values


def _record(
    comparison: Comparison, baseline: RunInfo, variant: RunInfo, dataset_name: str
) -> ExperimentRecord:
    return ExperimentRecord.from_comparison(
        comparison,
        name=f"{variant.name} vs {baseline.name} on {dataset_name}",
        dataset_id=baseline.dataset_id,
        baseline_run_id=baseline.id,
        variant_run_id=variant.id,
    )


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
