"""The Runs page: a variant and its limits, run after a cost estimate, resumed, cancelled; the
stored runs with their samples; logged outputs imported as a run; a run exported as CSV.

Planning, starting and resuming are the operations layer's (operations/runs.py), called in a
worker; this page asks, shows progress and keeps the cancel switch.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.comparison import RunMetrics, summarize_run
from core.evaluation import RunProgress, Sample
from core.metrics import METRICS
from core.runner import RunOutcome
from core.text import name_problem
from core.tool_outputs import FieldPaths
from core.validation import error_lines
from operations.experiments import ImportedOutputs, export_run_csv, import_outputs
from operations.judge import JudgeSpec
from operations.runs import RunPlan, execute_run, plan_resume, plan_run
from storage.experiments import DatasetInfo, RunInfo
from ui.experiments.dialogs import OutputsImportDialog, report_text, table_view
from ui.experiments.models import RunsModel, SamplesModel, usd_text
from ui.experiments.run_settings import RunSettingsForm
from ui.experiments.texts import duration, message, run_summary_text
from ui.experiments.variant_form import VariantForm
from ui.plain_text import literal_html
from ui.plots.common import splitter
from ui.tracking import bench_button, run_source

if TYPE_CHECKING:
    from collections.abc import Callable

    from ui.experiments.workbench import Workbench


class RunPage(QWidget):
    """A variant and the run settings; run with a cost estimate first; the stored runs."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self.running_run_id: int | None = None
        self._cancel: threading.Event | None = None
        #: A run just created (started or imported), selected and scrolled to once listed.
        self._reveal_run_id: int | None = None
        self.variant_form = VariantForm()
        self.settings_form = RunSettingsForm()
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.variant_form, 1)
        top.addWidget(self.settings_form, 0)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(self._build_buttons())
        lay.addWidget(self._build_batch_check())
        lay.addWidget(self._build_progress())
        lay.addWidget(self.status)
        lay.addWidget(self._build_lists(), 1)

    def _button(self, text: str, name: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _build_buttons(self) -> QHBoxLayout:
        self.run_button = self._button(
            "Estimate and run…",
            "run_button",
            "See what the run will cost, then run it (Ctrl+Return)",
            self.start,
        )
        QShortcut(QKeySequence("Ctrl+Return"), self, self.start)
        self.cancel_button = self._button(
            "Cancel",
            "run_cancel_button",
            "Stop the run; every finished sample is kept (Esc)",
            self.cancel,
        )
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel)
        self.resume_button = self._button(
            "Resume",
            "run_resume_button",
            "Run only the items the selected run has no answer for (missing or failed)",
            self.resume_selected,
        )
        self.import_button = self._button(
            "Import outputs…",
            "import_outputs_button",
            "Outputs your system or another tool logged, evaluated like a run without calling "
            "any model: a JSONL of id and output (latency_ms, cost_usd optional), LangSmith "
            "runs, promptfoo results, OpenAI Batch output or an MLflow evaluation table",
            self.choose_outputs,
        )
        self.export_button = self._button(
            "Export CSV…",
            "export_run_button",
            "Write the selected run's samples beside each item's input and expected answer as "
            "CSV (cells a spreadsheet would run as formulas are escaped)",
            self.choose_export,
        )
        self.delete_button = self._button(
            "Delete run", "delete_run_button", "", self.delete_selected
        )
        for b in (self.cancel_button, self.resume_button, self.export_button, self.delete_button):
            b.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.run_button, self.cancel_button, self.resume_button, self.import_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(bench_button(self, run_source(self)))
        buttons.addWidget(self.delete_button)
        return buttons

    def _build_batch_check(self) -> QCheckBox:
        self.batch_check = QCheckBox(
            "Through the Batch API (about half price, results within 24 h)"
        )
        self.batch_check.setObjectName("run_batch_check")
        self.batch_check.toggled.connect(
            lambda batch: self.run_button.setText(
                "Estimate and send batch…" if batch else "Estimate and run…"
            )
        )
        self.batch_check.setToolTip(
            "Run and Resume send the requests as one batch to the provider's Batch API (OpenAI "
            "or an OpenAI-compatible base URL); the Batches tab follows it"
        )
        return self.batch_check

    def _build_progress(self) -> QProgressBar:
        self.progress = QProgressBar()
        self.progress.setObjectName("run_progress")
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m")
        self.progress.setValue(0)
        self.status = QLabel("Choose a dataset and a model, then run.")
        self.status.setObjectName("run_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return self.progress

    def _build_lists(self) -> QWidget:
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
        return splitter(Qt.Orientation.Vertical, self.runs_view, samples_box, stretch=(1, 2))

    # ----- lists ---------------------------------------------------------------------------

    def show_lists(self, datasets: list[DatasetInfo], runs: list[RunInfo]) -> None:
        self.variant_form.show_datasets(datasets)
        selected = self.selected_run()
        self.runs.active_run_id = self.running_run_id
        self.runs.set_rows(runs)
        reveal = self._reveal_run_id
        wanted = reveal if reveal is not None else selected.id if selected is not None else None
        for row, r in enumerate(runs):
            if r.id == wanted:
                self.runs_view.selectRow(row)
                if reveal is not None:
                    self.runs_view.scrollTo(self.runs.index(row, 0))
                    self._reveal_run_id = None
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

    def judge(self, model: str, api_base: str) -> JudgeSpec:
        """The judge for `model`, calling with this page's key and limits."""
        return JudgeSpec(
            model.strip(),
            api_base.strip() or None,
            self.settings_form.settings(),
            self.variant_form.api_key(),
        )

    def start(self) -> None:
        if self.running_run_id is not None or not self.run_button.isEnabled():
            return
        dataset_id = self.variant_form.dataset_id()
        if dataset_id is None:
            self.status.setText("Import a dataset first (Datasets tab).")
            return
        try:
            variant = self.variant_form.variant()
            settings = self.settings_form.settings()
        except ValidationError as exc:
            self.status.setText("Check the variant: " + "; ".join(error_lines(exc)))
            return
        catalog = self.bench.catalog()
        api_key = self.variant_form.api_key()
        if self.batch_check.isChecked():
            self.bench.batches_page.send(
                self.status.setText, variant, settings, api_key, dataset_id=dataset_id
            )
            return

        def plan() -> RunPlan:
            return plan_run(
                self.bench.store(), dataset_id, variant, settings, lambda: catalog, api_key=api_key
            )

        def confirm(planned: RunPlan) -> None:
            if planned.problem:
                self.status.setText(f"Not started: {planned.problem}")
            elif planned.refusal:
                self._refuse(planned)
            elif self._confirm(planned):
                self._run(planned)

        self.bench.submit(plan, confirm)

    def _refuse(self, plan: RunPlan) -> None:
        """The estimate, and why the run cannot start (no API key for the provider)."""
        said = (
            f"Not started: {plan.refusal}. Type a key in API key, or set the variable before "
            "starting the app."
        )
        self.status.setText(said)
        QMessageBox.warning(
            self, "Start the run", literal_html(f"{self._estimate_text(plan)}\n\n{said}")
        )

    def _estimate_text(self, plan: RunPlan) -> str:
        cost, settings = plan.estimate, plan.settings
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
        return (
            f"{cost.requests:,} requests to {plan.variant.model}, about {cost.input_tokens:,} "
            f"input and up to {cost.output_tokens:,} output tokens: {price}.{cap}{cache}"
        )

    def _confirm(self, plan: RunPlan) -> bool:
        text = f"{self._estimate_text(plan)}\n\nRun it?"
        answer = QMessageBox.question(self, "Start the run", literal_html(text))
        return answer == QMessageBox.StandardButton.Yes

    def resume_selected(self) -> None:
        run = self.selected_run()
        if run is None or self.running_run_id is not None:
            return
        settings = self.settings_form.settings()
        catalog = self.bench.catalog()
        api_key = self.variant_form.api_key()
        if self.batch_check.isChecked():
            self.bench.batches_page.send(
                self.status.setText, None, settings, api_key, run_id=run.id
            )
            return

        def plan() -> RunPlan:
            return plan_resume(
                self.bench.store(), run.id, settings, lambda: catalog, api_key=api_key
            )

        def go(planned: RunPlan) -> None:
            if not planned.todo:
                self.status.setText(f"Run #{run.id} already has an answer for every item.")
            elif planned.problem:
                self.status.setText(f"Not resumed: {planned.problem}")
            elif planned.refusal:
                self._refuse(planned)
            else:
                self._run(planned)

        self.bench.submit(plan, go)

    def _run(self, plan: RunPlan) -> None:
        cancel = threading.Event()
        self._cancel = cancel
        self.bench.guard.event = cancel
        api_key = self.variant_form.api_key()
        store = self.bench.store
        self.running_run_id = -1
        self.progress.setRange(0, len(plan.items))
        self.progress.setValue(len(plan.skip))
        self.status.setText("Starting…")
        self._update_buttons()

        def work(report: Callable[[Any], None]) -> tuple[int, RunOutcome]:
            return execute_run(
                store(),
                plan,
                api_key=api_key,
                progress=report,
                cancelled=cancel.is_set,
                on_created=report,
            )

        self.bench.submit(work, self._finished, self._failed, self._progress)

    def _progress(self, value: Any) -> None:
        if isinstance(value, int):
            self.running_run_id = self._reveal_run_id = value
            self.bench.reload()
            return
        p: RunProgress = value
        self.progress.setRange(0, max(p.total, 1))
        self.progress.setValue(p.done)
        cached = f" · {p.cached:,} from cache" if p.cached else ""
        self.status.setText(
            f"{p.done:,} of {p.total:,} done · {p.errors:,} errors · spent "
            f"{usd_text(p.spend_usd)}{cached} · about {duration(p.seconds_left)} left"
        )

    def _finished(self, done: tuple[int, RunOutcome]) -> None:
        rid, outcome = done
        self.running_run_id = None
        self._cancel = None
        self.status.setText(
            f"Run #{rid}: {outcome.stop_reason or outcome.status} ({duration(outcome.elapsed_s)})"
        )
        self._update_buttons()
        self.bench.reload()

    def _failed(self, exc: Exception) -> None:
        self.running_run_id = None
        self._cancel = None
        self.status.setText(f"The run stopped: {message(exc)} Finished samples are kept.")
        self._update_buttons()
        self.bench.reload()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.setText("Cancelling: finished samples are kept…")

    # ----- logged outputs, export and deleting ---------------------------------------------

    def choose_outputs(self) -> None:
        dataset_id = self.variant_form.dataset_id()
        if dataset_id is None:
            self.status.setText("Import the dataset the outputs answer first (Datasets tab).")
            return
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import logged outputs",
            "",
            "Logged outputs (*.jsonl *.ndjson *.json);;All files (*)",
        )
        if path:
            self.import_outputs(path, dataset_id)

    def import_outputs(
        self,
        path: str,
        dataset_id: int,
        name: str | None = None,
        *,
        fmt: str = "auto",
        paths: FieldPaths | None = None,
        select: str | None = None,
    ) -> None:
        """Check every row, then store the outputs as a run (nothing half-imported). Without a
        `name` a dialog asks for it, the format and the field paths."""
        if name is None:
            dialog = OutputsImportDialog(path, self)
            if dialog.exec() != OutputsImportDialog.DialogCode.Accepted or not dialog.name:
                return
            name, fmt, paths, select = dialog.name, dialog.fmt, dialog.paths(), dialog.select()
        label = name.strip()
        if problem := name_problem(label):
            self.status.setText(f"Nothing was imported: {problem}.")
            return

        def work() -> ImportedOutputs:
            return import_outputs(
                self.bench.store(),
                dataset_id,
                Path(path),
                label,
                fmt=fmt,
                paths=paths,
                select=select,
            )

        def done(result: ImportedOutputs) -> None:
            if result.run_id is None:
                self.status.setText("Nothing was imported: the file has problems.")
                problems = list(result.problems) or ["The file holds no outputs."]
                QMessageBox.warning(
                    self,
                    "Import logged outputs",
                    literal_html(report_text("Nothing was imported. Fix these rows:", problems)),
                )
                return
            note = f" {result.missing:,} items have no output." if result.missing else ""
            if result.errors:
                note += f" {result.errors:,} were logged as errors."
            self.status.setText(f"Imported the outputs as run #{result.run_id}.{note}")
            self._reveal_run_id = result.run_id
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

        def done(n: int) -> None:
            self.status.setText(f"Wrote {n:,} samples of run #{run.id} to {path}.")

        self.bench.submit(lambda: export_run_csv(self.bench.store(), run.id, Path(path)), done)

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
