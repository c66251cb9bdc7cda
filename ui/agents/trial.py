"""The agent trial section: runs a trial off the GUI thread, shows its trace live, lists and
opens the stored trials, and proposes measured values for the loop estimate."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.agent_loop import AgentStep, Measured, TrialConfig, TrialOutcome
from core.frameworks import agents
from core.frameworks.common import duration
from core.llm import LlmClient
from operations import agent_trials
from storage.traces import TrialSummary
from ui.agents import trial_form
from ui.agents.trial_models import TraceModel, TrialsModel, table_view
from ui.plain_text import literal_html
from ui.plots.common import splitter
from ui.services import AppServices
from ui.tasks import WidgetGuard


def _totals(steps: list[AgentStep]) -> tuple[int, int, int, float]:
    """Iterations, input and output tokens and cost so far (a call's figures sit on one step)."""
    iterations = max((s.iteration for s in steps), default=0)
    return (
        iterations,
        sum(s.input_tokens for s in steps),
        sum(s.output_tokens for s in steps),
        sum(s.cost_usd for s in steps),
    )


def _outcome_text(outcome: TrialOutcome, trial_id: int) -> str:
    head = {
        "answered": f"Answered in {outcome.iterations} iteration(s)",
        "max_iterations": "Stopped at the maximum iterations",
        "cost_cap": "Stopped at the cost cap",
        "cancelled": "Cancelled",
        "error": "Failed",
    }[outcome.status]
    detail = "" if outcome.status == "answered" else f" ({outcome.stop_reason})"
    return (
        f"{head}{detail} · {outcome.input_tokens:,} in / {outcome.output_tokens:,} out tokens · "
        f"${outcome.cost_usd:.4g} · {duration(outcome.latency_ms)} · stored as trial #{trial_id}."
    )


def _button(text: str, name: str, tip: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


class TrialSection(QGroupBox):
    """Runs an agent trial off the GUI thread, shows its trace live and stores it.

    The API key stays in this widget's memory for the session: it is never written to the
    database, settings or logs (the trial's config has no key field).
    """

    inputs_suggested = Signal(dict)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__("Agent trial", parent)
        self.services = services
        self.result: agents.Result | None = None
        self.running = False
        self._cancel: threading.Event | None = None
        # A closing window must not wait for a long trial: destroying the panel cancels it.
        self._active = WidgetGuard()
        self.destroyed.connect(self._active.cancel)
        self._model_edited = False
        self._priced = ""
        # Set while the list selects the trial just run: its trace and outcome are on screen.
        self._selecting_new = False

        lay = QVBoxLayout(self)
        lay.addLayout(self._build_fields())
        lay.addLayout(self._build_buttons())
        lay.addWidget(self._build_status())
        lay.addWidget(self._build_tables(), 1)
        self.reload_trials()

    def _build_fields(self) -> QGridLayout:
        self.task_edit = trial_form.task_edit()
        self.model_edit = trial_form.model_edit()
        self.model_edit.textEdited.connect(self._on_model_edited)
        self.base_url_edit = trial_form.base_url_edit()
        self.api_key_edit = trial_form.api_key_edit()
        self.notes_edit = trial_form.notes_edit()
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose a notes file")
        browse.clicked.connect(self._browse_notes)
        return trial_form.fields_grid(
            self.task_edit,
            self.model_edit,
            self.base_url_edit,
            self.api_key_edit,
            self.notes_edit,
            browse,
        )

    def _build_buttons(self) -> QHBoxLayout:
        self.max_iterations_spin = trial_form.max_iterations_spin()
        self.cost_cap_spin = trial_form.cost_cap_spin()
        self.run_button = _button(
            "Run trial",
            "run_button",
            "Run the task as a tool-calling loop; every step shows below.",
            self.run,
        )
        self.cancel_button = _button(
            "Cancel",
            "cancel_button",
            "Stop the trial now: a model call in flight is abandoned.",
            self.cancel,
        )
        self.cancel_button.setEnabled(False)
        self.measured_button = _button(
            "Use measured values",
            "measured_button",
            "Fill the loop inputs (iterations, tokens per step, context growth, tool latency) "
            "with what the stored answered trials of this model measured, as one undoable "
            "change.",
            self.use_measured,
        )
        self.delete_button = QPushButton("Delete trial")
        self.delete_button.setObjectName("delete_button")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(trial_form.buddy("Max iterations", self.max_iterations_spin))
        buttons.addWidget(self.max_iterations_spin)
        buttons.addWidget(trial_form.buddy("Cost cap", self.cost_cap_spin))
        buttons.addWidget(self.cost_cap_spin)
        buttons.addSpacing(12)
        for b in (self.run_button, self.cancel_button, self.measured_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        return buttons

    def _build_status(self) -> QLabel:
        self.status = QLabel("Type a task and run it to see each step.")
        self.status.setObjectName("status_label")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # it quotes the server's errors
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setStyleSheet("color: #3c4043; padding: 2px;")
        return self.status

    def _build_tables(self) -> QWidget:
        self.trace = TraceModel()
        self.trace_view = table_view(
            self.trace, "trace_view", (44, 64, 80, 220, 160, 200, 100, 70, 80)
        )
        self.trials = TrialsModel()
        self.trials_view = table_view(self.trials, "trials_view", (36, 110, 110, 90, 70, 80))
        self.trials_view.selectionModel().selectionChanged.connect(self._on_trial_selected)
        trials_box = QWidget()
        trials_lay = QVBoxLayout(trials_box)
        trials_lay.setContentsMargins(0, 0, 0, 0)
        trials_lay.addWidget(QLabel("Stored trials"))
        trials_lay.addWidget(self.trials_view)
        return splitter(Qt.Orientation.Horizontal, self.trace_view, trials_box, stretch=(3, 2))

    def _submit(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        on_progress: Callable[[Any], None] | None = None,
    ) -> None:
        guard = self._active.guard
        self.services.runner.submit(fn, guard(on_done), guard(on_error), guard(on_progress))

    # ----- the form's result -------------------------------------------------------------

    def set_result(self, result: agents.Result) -> None:
        """The loop estimate changed: its model is the trial's default until the user types."""
        self.result = result
        if not self._model_edited and not self.running:
            self.model_edit.setText(result.model)

    def _on_model_edited(self, _text: str) -> None:
        self._model_edited = True

    def _browse_notes(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Notes file", "", "Text files (*.txt *.md);;All files (*)"
        )
        if path:
            self.notes_edit.setText(path)

    # ----- running -----------------------------------------------------------------------

    def _config(self) -> TrialConfig:
        notes = self.notes_edit.text().strip()
        return TrialConfig(
            task=self.task_edit.toPlainText(),
            model=self.model_edit.text().strip(),
            api_base=self.base_url_edit.text().strip() or None,
            max_iterations=self.max_iterations_spin.value(),
            cost_cap_usd=self.cost_cap_spin.value(),
            notes_path=Path(notes) if notes else None,
        )

    def run(self) -> None:
        if self.running:
            return
        try:
            config = self._config()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        prices, priced = agent_trials.trial_prices(config, self.result)
        client = LlmClient(
            api_base=config.api_base, api_key=self.api_key_edit.text() or None, prices=prices
        )
        cancel = threading.Event()
        self._cancel = cancel
        self._active.event = cancel
        self.trace.set_rows([])
        self.trials_view.clearSelection()
        self._set_running(True)
        self._priced = priced
        self.status.setText(f"Running {config.model}… ({priced})")
        db_path = self.services.db_path

        def work(report: Callable[[AgentStep], None]) -> tuple[int, TrialOutcome]:
            return agent_trials.run_and_store(config, client, db_path, report, cancel.is_set)

        self._submit(work, self._finished, self._failed, on_progress=self._step)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.setText("Cancelling: the call in flight is abandoned…")

    def _step(self, step: AgentStep) -> None:
        self.trace.append(step)
        self.trace_view.scrollToBottom()
        iterations, tokens_in, tokens_out, cost = _totals(self.trace.rows)
        self.status.setText(
            f"Running: iteration {iterations} · {len(self.trace.rows)} steps · "
            f"{tokens_in:,} in / {tokens_out:,} out tokens · ${cost:.4g} ({self._priced})"
        )

    def _finished(self, done: tuple[int, TrialOutcome]) -> None:
        trial_id, outcome = done
        self._set_running(False)
        self.status.setText(_outcome_text(outcome, trial_id))
        self.reload_trials(select=trial_id)

    def _failed(self, exc: Exception) -> None:
        self._set_running(False)
        self.status.setText(f"The trial could not finish: {exc}")
        self.reload_trials()

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.trials_view.setEnabled(not running)
        self.delete_button.setEnabled(not running and self._selected_trial() is not None)
        if not running:
            self._cancel = None

    # ----- stored trials -----------------------------------------------------------------

    def reload_trials(self, select: int | None = None) -> None:
        """List the stored trials; `select` is the id of a trial just run, selected and
        scrolled into view so its row is found at once."""
        db_path = self.services.db_path
        self._submit(
            lambda: agent_trials.list_trials(db_path),
            lambda rows: self._show_trials(rows, select),
            self._storage_failed,
        )

    def _show_trials(self, rows: list[TrialSummary], select: int | None = None) -> None:
        self.trials.set_rows(rows)
        self.delete_button.setEnabled(False)
        row = next((i for i, trial in enumerate(rows) if trial.id == select), None)
        if row is None or self.running:
            return
        self._selecting_new = True
        try:
            self.trials_view.selectRow(row)
        finally:
            self._selecting_new = False
        self.trials_view.scrollTo(self.trials.index(row, 0))

    def _storage_failed(self, exc: Exception) -> None:
        self.status.setText(f"Stored trials unavailable: {exc}")

    def _selected_trial(self) -> TrialSummary | None:
        rows = self.trials_view.selectionModel().selectedRows()
        if not rows:
            return None
        trial: TrialSummary = self.trials.rows[rows[0].row()]
        return trial

    def _on_trial_selected(self, *_: Any) -> None:
        trial = self._selected_trial()
        self.delete_button.setEnabled(trial is not None and not self.running)
        if trial is None or self.running or self._selecting_new:
            return
        db_path = self.services.db_path

        def show(steps: list[AgentStep]) -> None:
            if self.running:
                return
            self.trace.set_rows(steps)
            self.status.setText(
                f"Trial #{trial.id} ({trial.model}): {trial.status.replace('_', ' ')} after "
                f"{trial.iterations} iteration(s) · {trial.input_tokens:,} in / "
                f"{trial.output_tokens:,} out tokens · ${trial.cost_usd:.4g} · "
                f"{duration(trial.latency_ms)}."
            )

        trial_id = trial.id
        self._submit(
            lambda: agent_trials.trial_steps(db_path, trial_id), show, self._storage_failed
        )

    def delete_selected(self) -> None:
        trial = self._selected_trial()
        if trial is None or self.running:
            return
        db_path = self.services.db_path
        trial_id = trial.id
        answer = QMessageBox.question(
            self,
            "Delete trial",
            literal_html(
                f"Delete trial #{trial_id} ({trial.model}) and its {trial.iterations} step(s) of "
                "trace? This cannot be undone."
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def deleted(_: Any) -> None:
            self.trace.set_rows([])
            self.status.setText(f"Trial #{trial_id} deleted.")
            self.reload_trials()

        self._submit(
            lambda: agent_trials.delete_trial(db_path, trial_id), deleted, self._storage_failed
        )

    # ----- measured values ---------------------------------------------------------------

    def use_measured(self) -> None:
        """Measure the stored answered trials of the trial's model (all models when it has
        none) and propose them as loop inputs."""
        db_path = self.services.db_path
        model = self.model_edit.text().strip() or None

        def apply(done: tuple[Measured | None, str]) -> None:
            measured, which = done
            if measured is None:
                self.status.setText("No answered trial is stored yet: run one first.")
                return
            values = agents.suggested_inputs(measured)
            self.status.setText(
                f"Loop inputs filled from {measured.trials} of {which}: mean "
                f"{measured.mean_iterations:.3g} and p95 {measured.p95_iterations:.3g} "
                f"iterations, {values['input_tokens_per_step']:,.0f} base input and "
                f"{values['output_tokens_per_step']:,.0f} output tokens per step."
            )
            self.inputs_suggested.emit(values)

        self._submit(
            lambda: agent_trials.measure_trials(db_path, model), apply, self._storage_failed
        )
