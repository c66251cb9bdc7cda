"""The Batches page: runs sent through a provider's Batch API, their status and counts, with
Resume (poll now), Cancel and Refresh. The workbench's poller (batch_poller.py) checks the
unfinished ones on its timer, page shown or not; this page lists what it read.

The Runs page sends a batch through `send`; results land as the run's samples and the
workbench reloads its lists when a poll stored some.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from core.catalog import format_per_million
from core.evaluation import RunSettings, Variant
from core.text import visible
from operations.batches import BatchPlan, plan_batch, plan_batch_rerun, submit_batch
from storage.batches import BatchJobInfo
from ui.experiments.dialogs import table_view
from ui.experiments.models import one_line, usd_text
from ui.plain_text import literal_html, tooltip
from ui.table_model import Index, RowsTableModel

if TYPE_CHECKING:
    from ui.experiments.workbench import Workbench

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
    """The stored batches, as the workbench's poller read them; Resume, Cancel, Refresh."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self.poller = bench.batch_poller
        #: The poller's timer: it polls the unfinished batches, this page shown or not.
        self.timer = self.poller.timer
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
        if self.poller.last_said:
            self.status.setText(self.poller.last_said)
        self.status.setObjectName("batches_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.addLayout(self._build_buttons())
        lay.addWidget(self.status)
        lay.addWidget(self.view, 1)
        self.poller.listed.connect(self.show_jobs)
        self.poller.said.connect(self.status.setText)
        self.show_jobs(self.poller.jobs)

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
            self.poller.poll_unfinished,
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

    def selected(self) -> BatchJobInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def _update_buttons(self, *_: object) -> None:
        job = self.selected()
        self.resume_button.setEnabled(job is not None and job.unfinished)
        self.cancel_button.setEnabled(job is not None and job.waiting)

    # ----- the list ------------------------------------------------------------------------

    def show_jobs(self, jobs: list[BatchJobInfo]) -> None:
        selected = self.selected()
        self.jobs = jobs
        self.model.set_rows(jobs)
        for row, job in enumerate(jobs):
            if selected is not None and job.id == selected.id:
                self.view.selectRow(row)
        self._update_buttons()

    # ----- provider calls, through the poller ----------------------------------------------

    def resume_selected(self) -> None:
        job = self.selected()
        if job is not None and not self.poller.polling:
            self.poller.poll(job)

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
        if answer == QMessageBox.StandardButton.Yes:
            self.poller.cancel(job)

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
                    self.poller.store(), run_id, settings, lambda: catalog, api_key=api_key
                )
            assert dataset_id is not None and variant is not None
            return plan_batch(
                self.poller.store(), dataset_id, variant, settings, lambda: catalog, api_key=api_key
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
                lambda: submit_batch(self.poller.store(), planned, api_key=api_key),
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
