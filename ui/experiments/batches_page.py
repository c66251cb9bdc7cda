"""The Batches page: runs sent through a provider's Batch API, their status and counts, with
Resume (poll now), Cancel and Refresh; unfinished batches are polled on a timer while the
window is open, each poll in a worker (operations/batches.py), so the GUI never waits.

The Runs page sends a batch through `send`; results land as the run's samples and the
workbench reloads its lists when a poll stored some.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from core.catalog import format_per_million
from core.evaluation import RunSettings, Variant
from core.text import visible
from operations.batches import (
    BatchPlan,
    BatchPoll,
    cancel_batch,
    plan_batch,
    plan_batch_rerun,
    poll_batch,
    resume_batches,
    submit_batch,
)
from storage.batches import BatchJobInfo, BatchStore
from ui.experiments.dialogs import table_view
from ui.experiments.models import one_line, usd_text
from ui.plain_text import literal_html, tooltip
from ui.table_model import Index, RowsTableModel

if TYPE_CHECKING:
    from ui.experiments.workbench import Workbench

#: How often unfinished batches are polled while the window is open: a batch takes minutes
#: to hours, and each poll is a request against the provider's rate limit.
POLL_INTERVAL_MS = 60_000
_WAITING_COLOUR = QColor("#1a73e8")
_ERROR_COLOUR = QColor("#d93025")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class BatchesModel(RowsTableModel):
    """The stored batches, newest first; the provider's ids and notes shown as plain text."""

    HEADERS = (
        "#",
        "Provider id",
        "Run",
        "Status",
        "Requests",
        "Done",
        "Failed",
        "Priced at",
        "Sent",
        "Checked",
        "Note",
    )
    NUMERIC = frozenset({0, 2, 4, 5, 6})
    STATUS_TEXT = {
        "validating": "Validating (waiting)",
        "in_progress": "In progress (waiting)",
        "finalizing": "Finalizing (waiting)",
        "cancelling": "Cancelling (waiting)",
    }

    def cell(self, row: BatchJobInfo, column: int) -> str:
        match column:
            case 0:
                return str(row.id)
            case 1:
                return row.provider_batch_id
            case 2:
                return str(row.run_id)
            case 3:
                status = self.STATUS_TEXT.get(row.status, row.status.capitalize())
                return status if row.imported or row.waiting else f"{status} (to store)"
            case 4:
                return f"{len(row.item_ids):,}"
            case 5:
                return f"{row.completed:,}"
            case 6:
                return f"{row.failed:,}"
            case 7:
                if row.prices is None:
                    return "unknown price"
                return (
                    f"${format_per_million(row.prices.input)} in, "
                    f"${format_per_million(row.prices.output)} out per million tokens"
                )
            case 8:
                return row.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            case 9:
                return row.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            case _:
                return one_line(row.message)

    def full_text(self, row: BatchJobInfo, column: int) -> str | None:
        if column == 7 and row.prices is not None:
            return f"Input and output price per million tokens: {row.prices.basis}"
        if column == 10:
            return row.message or None
        if column == 1 and row.api_base:
            return f"{row.provider_batch_id} at {row.api_base}"
        return None

    def colour(self, row: BatchJobInfo, column: int) -> QColor | None:
        if column == 3 and row.waiting:
            return _WAITING_COLOUR
        if column == 6 and row.failed:
            return _ERROR_COLOUR
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            # Ids and notes come from the provider: invisible controls show by code point.
            return visible(self.cell(row, column))
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(self.full_text(row, column) or "") or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.colour(row, column)
        return None

    def row_at(self, index: Index) -> BatchJobInfo | None:
        return self.rows[index.row()] if index.isValid() else None


class BatchesPage(QWidget):
    """The stored batches; Resume, Cancel, Refresh; a timer polls the unfinished ones."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self._store: BatchStore | None = None
        self._store_lock = threading.Lock()
        self._polling = False
        #: Whether the stored batches were listed once: the first list is what an earlier
        #: session left, checked at once (a batch may have ended while the window was closed).
        self._listed = False
        self.jobs: list[BatchJobInfo] = []
        self.model = BatchesModel()
        self.view = table_view(
            self.model,
            "batches_view",
            stretch=10,
            widths=(40, 120, 45, 140, 70, 55, 55, 200, 115, 115, 0),
        )
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.status = QLabel(
            "Runs sent through a Batch API appear here (Runs tab: tick 'Through the Batch "
            "API'). Unfinished ones are checked every minute while the window is open."
        )
        self.status.setObjectName("batches_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.addLayout(self._build_buttons())
        lay.addWidget(self.status)
        lay.addWidget(self.view, 1)
        self.timer = QTimer(self)
        self.timer.setObjectName("batches_timer")
        self.timer.setInterval(POLL_INTERVAL_MS)
        self.timer.timeout.connect(self._poll_unfinished)
        bench.data_changed.connect(self.refresh_list)
        self._update_buttons()

    def _build_buttons(self) -> QHBoxLayout:
        self.resume_button = self._button(
            "Resume",
            "batch_resume_button",
            "Check the selected batch now; once it has ended its results are stored as the "
            "run's samples",
            self.resume_selected,
        )
        self.cancel_button = self._button(
            "Cancel batch",
            "batch_cancel_button",
            "Ask the provider to stop the selected batch; what it answered is stored",
            self.cancel_selected,
        )
        self.refresh_button = self._button(
            "Refresh",
            "batch_refresh_button",
            "Check every unfinished batch now",
            self._poll_unfinished,
        )
        row = QHBoxLayout()
        for button in (self.resume_button, self.cancel_button, self.refresh_button):
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _button(self, text: str, name: str, tip: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # ----- plumbing ------------------------------------------------------------------------

    def store(self) -> BatchStore:
        """The store, opened on first use; call from a worker."""
        with self._store_lock:
            if self._store is None:
                self._store = BatchStore(self.bench.services.db_path, checked=True)
            return self._store

    def _api_key(self) -> str | None:
        """The key typed on the Runs page this session (never stored)."""
        return self.bench.run_page.variant_form.api_key()

    def selected(self) -> BatchJobInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def _update_buttons(self, *_: object) -> None:
        job = self.selected()
        self.resume_button.setEnabled(job is not None and job.unfinished)
        self.cancel_button.setEnabled(job is not None and job.waiting)

    # ----- the list ------------------------------------------------------------------------

    def refresh_list(self) -> None:
        """Re-read the stored batches (no provider call)."""
        self.bench.submit(lambda: self.store().batch_jobs(), self.show_jobs)

    def show_jobs(self, jobs: list[BatchJobInfo]) -> None:
        selected = self.selected()
        self.jobs = jobs
        self.model.set_rows(jobs)
        for row, job in enumerate(jobs):
            if selected is not None and job.id == selected.id:
                self.view.selectRow(row)
        self._update_buttons()
        runs = self.bench.run_page.runs
        runs.batch_run_ids = {job.run_id for job in jobs if job.unfinished}
        if runs.rowCount():
            runs.dataChanged.emit(runs.index(0, 3), runs.index(runs.rowCount() - 1, 3))
        first, self._listed = not self._listed, True
        if any(job.unfinished for job in jobs):
            if not self.timer.isActive():
                self.timer.start()
            if first:
                self._poll_unfinished()
        else:
            self.timer.stop()

    # ----- provider calls, each in a worker ------------------------------------------------

    def _poll_unfinished(self) -> None:
        if self._polling:
            return
        self._polling = True
        api_key = self._api_key()
        self.bench.submit(
            lambda: resume_batches(self.store(), api_key=api_key), self._polled, self._failed
        )

    def resume_selected(self) -> None:
        job = self.selected()
        if job is None or self._polling:
            return
        self._polling = True
        api_key = self._api_key()
        self.status.setText(f"Checking batch {job.id}…")
        self.bench.submit(
            lambda: [poll_batch(self.store(), job.id, api_key=api_key)], self._polled, self._failed
        )

    def _polled(self, polls: list[BatchPoll]) -> None:
        self._polling = False
        stored = [p for p in polls if p.results is not None]
        errors = [p for p in polls if p.error]
        if errors:
            self.status.setText(
                f"Batch {errors[0].job.id} could not be checked: {errors[0].error} It is "
                "checked again later."
            )
        elif stored:
            said = "; ".join(f"batch {p.job.id}: {p.job.message}" for p in stored)
            self.status.setText(f"Results stored as the runs' samples ({said}).")
        elif polls:
            waiting = ", ".join(f"#{p.job.id} {p.job.status}" for p in polls)
            self.status.setText(f"Still waiting: {waiting}.")
        if stored:
            self.bench.reload()
        else:
            self.refresh_list()

    def _failed(self, exc: Exception) -> None:
        self._polling = False
        self.status.setText(f"The batch could not be checked: {exc}")
        self.refresh_list()

    def cancel_selected(self) -> None:
        job = self.selected()
        if job is None or not job.waiting:
            return
        answer = QMessageBox.question(
            self,
            "Cancel the batch",
            literal_html(
                f"Ask the provider to stop batch {job.id} ({job.provider_batch_id})? What it "
                "has answered is stored as the run's samples; the rest are errors a resume of "
                "the run re-runs."
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        api_key = self._api_key()

        def done(info: BatchJobInfo) -> None:
            self.status.setText(
                f"Batch {info.id}: {info.status}. What it answered is stored at the next check."
            )
            self.refresh_list()

        self.bench.submit(lambda: cancel_batch(self.store(), job.id, api_key=api_key), done)

    # ----- sending (from the Runs page) ----------------------------------------------------

    def send(
        self,
        say: Callable[[str], None],
        variant: Variant | None,
        settings: RunSettings,
        api_key: str | None,
        *,
        dataset_id: int | None = None,
        run_id: int | None = None,
    ) -> None:
        """Plan a batch (a new run of `variant` over the dataset, or `run_id`'s unanswered
        items), ask with both costs, send it; `say` reports on the Runs page."""
        catalog = self.bench.catalog()

        def plan() -> BatchPlan:
            if run_id is not None:
                return plan_batch_rerun(
                    self.store(), run_id, settings, lambda: catalog, api_key=api_key
                )
            assert dataset_id is not None and variant is not None
            return plan_batch(
                self.store(), dataset_id, variant, settings, lambda: catalog, api_key=api_key
            )

        def confirm(planned: BatchPlan) -> None:
            text = estimate_text(planned)
            if planned.refusal:
                say(f"Not sent: {planned.refusal}.")
                QMessageBox.warning(
                    self, "Send the batch", literal_html(f"{text}\n\nNot sent: {planned.refusal}.")
                )
                return
            answer = QMessageBox.question(
                self, "Send the batch", literal_html(f"{text}\n\nSend the batch?")
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            say("Sending the batch…")
            self.bench.submit(
                lambda: submit_batch(self.store(), planned, api_key=api_key),
                sent,
                lambda exc: say(f"The batch was not sent: {exc}"),
            )

        def sent(job: BatchJobInfo) -> None:
            say(
                f"Run #{job.run_id}: batch {job.id} sent ({job.provider_batch_id}), "
                f"{len(job.item_ids):,} requests. Results within 24 h: the Batches tab checks "
                "it while the window is open."
            )
            self.bench.reload()

        self.bench.submit(plan, confirm)


def estimate_text(plan: BatchPlan) -> str:
    """The run's size and its cost in real time and through the Batch API, side by side."""
    cost, estimate = plan.run.estimate, plan.estimate
    realtime = (
        f"about {usd_text(cost.usd)} at the catalog's prices"
        if cost.usd is not None
        else "unknown cost (no price for this model: a local server costs nothing)"
    )
    if estimate.batch_usd is not None and estimate.prices is not None:
        batch = f"about {usd_text(estimate.batch_usd)} ({estimate.prices.basis})"
    else:
        batch = "unknown cost"
    return (
        f"{cost.requests:,} requests to {plan.run.variant.model}, about {cost.input_tokens:,} "
        f"input and up to {cost.output_tokens:,} output tokens.\n"
        f"Real time: {realtime}.\n"
        f"Through the Batch API: {batch}; results within 24 h."
    )
