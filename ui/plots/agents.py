"""Agents plots over iterations, and the agent trial: live trace, stored trials, measured values."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.agent_loop import (
    MAX_ITERATIONS_LIMIT,
    AgentStep,
    Measured,
    TrialConfig,
    TrialOutcome,
    run_trial,
)
from core.frameworks import agents
from core.frameworks.common import money
from core.llm import LlmClient
from core.text import visible
from storage import TraceStore
from storage.traces import TrialSummary
from ui.plain_text import html_text, literal_html, tooltip
from ui.plots.common import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    RED,
    PlotPanel,
    keep_label_inside,
    make_plot,
    pen,
    scrolling,
    set_line_label,
    set_points,
    splitter,
    vline,
)
from ui.services import AppServices
from ui.table_model import Index, RowsTableModel
from ui.tasks import WidgetGuard

_PALETTE = [BLUE, ORANGE, GREEN, "#a142f4", "#12b5cb"]
_CELL_CHARS = 160


def _hline(color: str, label: str) -> pg.InfiniteLine:
    opts = {"position": 0.12, "color": color, "fill": (255, 255, 255, 200), "movable": False}
    return keep_label_inside(
        pg.InfiniteLine(
            angle=0, movable=False, pen=pen(color, 1.4, dashed=True), label=label, labelOpts=opts
        )
    )


def _seconds(ms: float) -> str:
    return f"{ms:,.0f} ms" if ms < 1000 else f"{ms / 1000:,.3g} s"


def _task_usd(value: float) -> str:
    return f"${value:.3g}" if 0 < value < 1 else money(value)


#: A result's series in plot units, its budget in plot units, and the budget's label.
_Series = Callable[[agents.Result], tuple[np.ndarray, float, str]]


class _OverIterationsPlot(QWidget):
    """One figure per task over iterations 1..max: the curve, its budget, mean and p95."""

    def __init__(
        self,
        title: str,
        y_label: str,
        series: _Series,
        money_axis: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.series = series
        self.plot = make_plot(title, "iterations per task", y_label, money_axis)
        self.curve = self.plot.plot(
            [], [], pen=pen(BLUE, 2.5), symbol="o", symbolSize=6, symbolBrush=BLUE
        )
        self.p95_point = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(ORANGE), pen=pg.mkPen("w"))
        self.budget = _hline(RED, "budget")
        self.mean_line = vline(GREY, True, "mean", 0.92)
        # Far enough below "mean" that the two labels stay apart in a short plot.
        self.p95_line = vline(ORANGE, True, "p95", 0.62)
        self.plot.addItem(self.p95_point)
        for item in (self.budget, self.mean_line, self.p95_line):
            self.plot.addItem(item, ignoreBounds=True)
        for side in ("bottom", "left"):
            # Cents on a money axis must not turn into "$150 (x0.001)".
            self.plot.getPlotItem().getAxis(side).enableAutoSIPrefix(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: agents.Result) -> None:
        k = np.asarray(r.iterations, dtype=float)
        y, budget, budget_label = self.series(r)
        set_points(self.curve, k, y)
        at = r.p95_iterations - 1
        set_points(self.p95_point, [float(r.p95_iterations)], [float(y[at])])
        self.budget.setValue(budget)
        set_line_label(self.budget, budget_label)
        self.mean_line.setValue(r.mean_iterations)
        set_line_label(self.mean_line, f"mean {r.mean_iterations:.3g}")
        self.p95_line.setValue(float(r.p95_iterations))
        set_line_label(self.p95_line, f"p95 {r.p95_iterations}")
        top = max(float(y.max()) if y.size else 0.0, budget)
        self.plot.setYRange(0, top * 1.08 if top > 0 else 1.0, padding=0)
        self.plot.setXRange(0.5, max(float(k[-1]), 1.0) + 0.5, padding=0.02)


def _cost_series(r: agents.Result) -> tuple[np.ndarray, float, str]:
    budget = r.max_cost_per_task_usd
    return np.asarray(r.cumulative_cost), budget, f"budget {_task_usd(budget)}"


def _latency_series(r: agents.Result) -> tuple[np.ndarray, float, str]:
    budget = r.max_latency_per_task_ms
    seconds = np.asarray(r.cumulative_latency_ms) / 1000
    return seconds, budget / 1000, f"budget {_seconds(budget)}"


COST_TITLE = "Cost per task over iterations"
LATENCY_TITLE = "Latency per task over iterations"
ITERATIONS_TITLE = "Iterations per task"


class CostOverIterationsPlot(_OverIterationsPlot):
    """Cumulative cost of a task stopped after k iterations, against the cost budget."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(COST_TITLE, "cumulative cost per task", _cost_series, "left", parent)


class LatencyOverIterationsPlot(_OverIterationsPlot):
    """Cumulative latency of a task stopped after k iterations, against the latency budget."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            LATENCY_TITLE, "cumulative latency per task (s)", _latency_series, None, parent
        )


class IterationsPlot(QWidget):
    """How many iterations tasks take: the capped lognormal, with the share stopped at the cap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = make_plot(ITERATIONS_TITLE, "iterations", "share of tasks (%)", None)
        self.bars = pg.BarGraphItem(
            x=[], height=[], width=0.8, brush="#8ab4f8", pen=pg.mkPen("#4285f4")
        )
        self.stopped = pg.BarGraphItem(x=[], height=[], width=0.8, brush="#f28b82", pen=None)
        self.p95_line = vline(ORANGE, True, "p95", 0.9)
        self.stopped_label = pg.TextItem(color=RED, anchor=(1, 0))
        self.plot.addItem(self.stopped_label, ignoreBounds=True)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.stopped)
        self.plot.addItem(self.p95_line, ignoreBounds=True)
        self.plot.getPlotItem().getAxis("bottom").enableAutoSIPrefix(False)
        self._shown: tuple[bytes, bytes, float] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def update_result(self, r: agents.Result) -> None:
        k = np.asarray(r.iterations, dtype=float)
        share = np.asarray(r.probability) * 100
        shown = (k.tobytes(), share.tobytes(), r.stopped_share)
        if shown != self._shown:  # a cost or latency edit leaves the distribution as it is
            self._shown = shown
            self.bars.setOpts(x=k, height=share, width=0.8)
            # The part of the last bar that would have needed more iterations: stopped
            # unanswered.
            self.stopped.setOpts(x=k[-1:], height=[r.stopped_share * 100], width=0.8)
        self.p95_line.setValue(float(r.p95_iterations))
        set_line_label(self.p95_line, f"p95 {r.p95_iterations}")
        # Inside the view, not in the title: a long title widens the plot beyond its pane.
        self.stopped_label.setText(
            f"red: {r.stopped_share:.1%} stopped at {r.max_iterations}"
            if r.stopped_share >= 0.0005
            else ""
        )
        self.stopped_label.setPos(float(k[-1]) + 0.5, max(float(share.max()), 1.0) * 0.75)
        self.plot.setXRange(0.4, max(float(k[-1]), 1.0) + 0.6, padding=0)
        self.plot.setYRange(0, max(float(share.max()), 1.0) * 1.1, padding=0)


# --- The trace and the stored trials -------------------------------------------------------------


def _one_line(text: str | None) -> str:
    # A model's text with a bidi override would reorder the cell: controls show as code points.
    flat = " ".join(visible(text or "").split())
    return flat if len(flat) <= _CELL_CHARS else flat[: _CELL_CHARS - 1] + "…"


def _arguments_text(arguments: dict[str, Any] | None) -> str:
    return "" if arguments is None else json.dumps(arguments, ensure_ascii=False)


_KIND_COLOURS = {"error": QColor(RED), "answer": QColor(GREEN)}


class TraceModel(RowsTableModel):
    """The steps of one trial, in order; rows are appended as steps arrive."""

    HEADERS = (
        "Step",
        "Iteration",
        "Kind",
        "Text / tool",
        "Arguments",
        "Result",
        "Tokens in / out",
        "Cost",
        "Latency",
    )

    def append(self, step: AgentStep) -> None:
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append(step)
        self.endInsertRows()

    def cell(self, step: AgentStep, column: int) -> str:
        """The full text of a cell (the view shows one line of it; the tooltip all of it)."""
        if column == 0:
            return str(step.index)
        if column == 1:
            return str(step.iteration) if step.iteration else ""
        if column == 2:
            return step.kind.replace("_", " ")
        if column == 3:
            if step.tool and step.kind != "answer":
                return step.tool  # a tool's error reads in the Result column
            return step.text
        if column == 4:
            return _arguments_text(step.arguments)
        if column == 5:
            return step.result or ""
        if column == 6:
            return (
                f"{step.input_tokens:,} / {step.output_tokens:,}"
                if step.input_tokens or step.output_tokens
                else ""
            )
        if column == 7:
            return f"${step.cost_usd:.4g}" if step.cost_usd else ""
        return f"{step.latency_ms:,.0f} ms" if step.latency_ms else ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        step: AgentStep = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _one_line(self.cell(step, index.column()))
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self.cell(step, index.column())
            return tooltip(text) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            return _KIND_COLOURS.get(step.kind)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 1, 6, 7, 8):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class TrialsModel(RowsTableModel):
    """Stored trials (storage.traces.TrialSummary), most recent first."""

    HEADERS = ("#", "When", "Model", "Status", "Iterations", "Cost", "Task")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        t = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(t.id),
                t.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                visible(t.model),
                t.status.replace("_", " "),
                str(t.iterations),
                f"${t.cost_usd:.4g}",
                _one_line(t.task),
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 6:
            return tooltip(t.task)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3 and t.stop_reason:
            return tooltip(t.stop_reason)
        return None


def _table(model: RowsTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setWordWrap(False)
    return view


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
        f"${outcome.cost_usd:.4g} · {_seconds(outcome.latency_ms)} · stored as trial #{trial_id}."
    )


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

        self.task_edit = QPlainTextEdit()
        self.task_edit.setObjectName("task_edit")
        self.task_edit.setPlaceholderText(
            "A task for the agent, e.g. What is 17% of 2,340, and what is today's date?"
        )
        self.task_edit.setMaximumHeight(54)
        self.task_edit.setToolTip(
            "What the agent should do. It can use a calculator, today's date and, with a notes "
            "file, a lookup in your notes."
        )
        self.model_edit = QLineEdit()
        self.model_edit.setObjectName("model_edit")
        self.model_edit.setPlaceholderText(
            "e.g. gpt-4o-mini, or the model name a local server serves"
        )
        self.model_edit.setToolTip(
            "The model to run, as litellm names it (provider/model). Starts as the form's model."
        )
        self.model_edit.textEdited.connect(self._on_model_edited)
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setObjectName("base_url_edit")
        self.base_url_edit.setPlaceholderText("optional: http://127.0.0.1:8000/v1")
        self.base_url_edit.setToolTip(
            "Optional base URL of an OpenAI-compatible server (a local model server, a "
            "gateway). Empty: the provider litellm picks from the model name."
        )
        self.api_key_edit = QLineEdit()
        self.api_key_edit.setObjectName("api_key_edit")
        self.api_key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key_edit.setPlaceholderText("optional: from the environment otherwise")
        self.api_key_edit.setToolTip(
            "API key for this session only: kept in memory, never saved to the database, "
            "settings, logs or exports. Empty: litellm reads the provider's environment "
            "variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)."
        )
        self.notes_edit = QLineEdit()
        self.notes_edit.setObjectName("notes_edit")
        self.notes_edit.setPlaceholderText("optional: a text file the agent may search")
        self.notes_edit.setToolTip(
            "A local text file the agent's lookup_notes tool searches (read-only). Empty: the "
            "tool is not offered."
        )
        browse = QToolButton(text="…")
        browse.setToolTip("Choose a notes file")
        browse.clicked.connect(self._browse_notes)
        notes_row = QHBoxLayout()
        notes_row.setContentsMargins(0, 0, 0, 0)
        notes_row.addWidget(self.notes_edit)
        notes_row.addWidget(browse)
        self.max_iterations_spin = QSpinBox()
        self.max_iterations_spin.setObjectName("max_iterations_spin")
        self.max_iterations_spin.setRange(1, MAX_ITERATIONS_LIMIT)
        self.max_iterations_spin.setValue(10)
        self.max_iterations_spin.setToolTip("The trial stops after this many model calls.")
        self.cost_cap_spin = QDoubleSpinBox()
        self.cost_cap_spin.setObjectName("cost_cap_spin")
        self.cost_cap_spin.setRange(0.01, 100.0)
        self.cost_cap_spin.setDecimals(2)
        self.cost_cap_spin.setSingleStep(0.1)
        self.cost_cap_spin.setPrefix("$")
        self.cost_cap_spin.setValue(0.50)
        self.cost_cap_spin.setToolTip(
            "The trial makes no further model call once its cost reaches this many dollars."
        )
        self.run_button = QPushButton("Run trial")
        self.run_button.setObjectName("run_button")
        self.run_button.setToolTip("Run the task as a tool-calling loop; every step shows below.")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("Stop the trial now: a model call in flight is abandoned.")
        self.cancel_button.clicked.connect(self.cancel)
        self.measured_button = QPushButton("Use measured values")
        self.measured_button.setObjectName("measured_button")
        self.measured_button.setToolTip(
            "Fill the loop inputs (iterations, tokens per step, context growth, tool latency) "
            "with what the stored answered trials of this model measured, as one undoable change."
        )
        self.measured_button.clicked.connect(self.use_measured)
        self.delete_button = QPushButton("Delete trial")
        self.delete_button.setObjectName("delete_button")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete_selected)
        # A compact grid: the trial shares the panel's height with the plots.
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Task"), 0, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.task_edit, 0, 1, 1, 3)
        grid.addWidget(QLabel("Model"), 1, 0)
        grid.addWidget(self.model_edit, 1, 1)
        grid.addWidget(QLabel("Base URL"), 1, 2)
        grid.addWidget(self.base_url_edit, 1, 3)
        grid.addWidget(QLabel("API key"), 2, 0)
        grid.addWidget(self.api_key_edit, 2, 1)
        grid.addWidget(QLabel("Notes file"), 2, 2)
        grid.addLayout(notes_row, 2, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Max iterations"))
        buttons.addWidget(self.max_iterations_spin)
        buttons.addWidget(QLabel("Cost cap"))
        buttons.addWidget(self.cost_cap_spin)
        buttons.addSpacing(12)
        for b in (self.run_button, self.cancel_button, self.measured_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)

        self.status = QLabel("Type a task and run it to see each step.")
        self.status.setObjectName("status_label")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # it quotes the server's errors
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setStyleSheet("color: #3c4043; padding: 2px;")

        self.trace = TraceModel()
        self.trace_view = _table(self.trace, "trace_view")
        header = self.trace_view.horizontalHeader()
        for column, width in enumerate((44, 64, 80, 220, 160, 200, 100, 70, 80)):
            header.resizeSection(column, width)
        self.trials = TrialsModel()
        self.trials_view = _table(self.trials, "trials_view")
        header = self.trials_view.horizontalHeader()
        for column, width in enumerate((36, 110, 110, 90, 70, 80)):
            header.resizeSection(column, width)
        self.trials_view.selectionModel().selectionChanged.connect(self._on_trial_selected)
        trials_box = QWidget()
        trials_lay = QVBoxLayout(trials_box)
        trials_lay.setContentsMargins(0, 0, 0, 0)
        trials_lay.addWidget(QLabel("Stored trials"))
        trials_lay.addWidget(self.trials_view)

        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addWidget(
            splitter(Qt.Orientation.Horizontal, self.trace_view, trials_box, stretch=(3, 2)), 1
        )
        self.reload_trials()

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

    def _prices(self, config: TrialConfig) -> tuple[tuple[float, float] | None, str]:
        """Per-token prices for the client, and how the status line names them.

        The loop estimate's prices cost the trial when it runs the estimate's model, or any
        model behind a base URL (litellm has no price for a local server); otherwise litellm's
        price map does.
        """
        r = self.result
        if r is not None and (config.model == r.model or config.api_base):
            per_million = (
                f"{money(r.input_cost_per_token * 1e6)}/{money(r.output_cost_per_token * 1e6)}"
            )
            return (
                (r.input_cost_per_token, r.output_cost_per_token),
                f"costed at the loop estimate's prices ({per_million} per million tokens)",
            )
        return None, "costed at litellm's prices"

    def run(self) -> None:
        if self.running:
            return
        try:
            config = self._config()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        prices, priced = self._prices(config)
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
            outcome = run_trial(config, client, on_step=report, cancelled=cancel.is_set)
            with TraceStore(db_path) as store:
                return store.save_trial(config, outcome), outcome

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
        self.reload_trials()

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

    def reload_trials(self) -> None:
        db_path = self.services.db_path

        def load() -> list[TrialSummary]:
            with TraceStore(db_path) as store:
                return store.list_trials()

        self._submit(load, self._show_trials, self._storage_failed)

    def _show_trials(self, rows: list[TrialSummary]) -> None:
        self.trials.set_rows(rows)
        self.delete_button.setEnabled(False)

    def _storage_failed(self, exc: Exception) -> None:
        self.status.setText(f"Stored trials unavailable: {exc}")

    def _selected_trial(self) -> TrialSummary | None:
        rows = self.trials_view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.trials.rows[rows[0].row()]

    def _on_trial_selected(self, *_: Any) -> None:
        trial = self._selected_trial()
        self.delete_button.setEnabled(trial is not None and not self.running)
        if trial is None or self.running:
            return
        db_path = self.services.db_path
        trial_id = trial.id

        def load() -> list[AgentStep]:
            with TraceStore(db_path) as store:
                return store.get_steps(trial_id)

        def show(steps: list[AgentStep]) -> None:
            if self.running:
                return
            self.trace.set_rows(steps)
            self.status.setText(
                f"Trial #{trial.id} ({trial.model}): {trial.status.replace('_', ' ')} after "
                f"{trial.iterations} iteration(s) · {trial.input_tokens:,} in / "
                f"{trial.output_tokens:,} out tokens · ${trial.cost_usd:.4g} · "
                f"{_seconds(trial.latency_ms)}."
            )

        self._submit(load, show, self._storage_failed)

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

        def delete() -> None:
            with TraceStore(db_path) as store:
                store.delete_trial(trial_id)

        def deleted(_: Any) -> None:
            self.trace.set_rows([])
            self.status.setText(f"Trial #{trial_id} deleted.")
            self.reload_trials()

        self._submit(delete, deleted, self._storage_failed)

    # ----- measured values ---------------------------------------------------------------

    def use_measured(self) -> None:
        """Measure the stored answered trials of the trial's model (all models when it has
        none) and propose them as loop inputs."""
        db_path = self.services.db_path
        model = self.model_edit.text().strip() or None

        def measure() -> tuple[Measured | None, str]:
            with TraceStore(db_path) as store:
                found = store.measured(model) if model else None
                if found is not None:
                    return found, f"the answered trials of {model}"
                return store.measured(), "the answered trials of every model"

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

        self._submit(measure, apply, self._storage_failed)


class AgentsPanel(PlotPanel):
    """The loop plots; with the app's services, the agent trial below them."""

    #: Loop-economics input name -> measured value ("Use measured values"; the tab applies
    #: them as one undoable change).
    inputs_suggested = Signal(dict)

    def __init__(
        self, parent: QWidget | None = None, *, services: AppServices | None = None
    ) -> None:
        super().__init__(parent)
        self.cost = CostOverIterationsPlot()
        self.latency = LatencyOverIterationsPlot()
        self.iterations = IterationsPlot()
        plots = splitter(
            Qt.Orientation.Horizontal, self.cost, self.latency, self.iterations, stretch=(3, 3, 2)
        )
        self.trial: TrialSection | None = None
        body: QWidget = plots
        if services is not None:
            self.trial = TrialSection(services)
            self.trial.inputs_suggested.connect(self.inputs_suggested)
            # The trial's fields scroll rather than squeeze under the plots on a laptop.
            body = splitter(Qt.Orientation.Vertical, plots, scrolling(self.trial), stretch=(2, 3))
        self._arrange(
            [
                (COST_TITLE, self.cost),
                (LATENCY_TITLE, self.latency),
                (ITERATIONS_TITLE, self.iterations),
            ],
            body,
        )

    def update_result(self, result: object) -> None:
        super().update_result(result)
        if self.trial is not None:
            self.trial.set_result(result)  # type: ignore[arg-type]


def comparison_plot(named: list[tuple[str, agents.Result]]) -> pg.PlotWidget:
    """Each scenario's cost per task over iterations, its cost budget dashed and p95 marked."""
    plot = make_plot("Cost per task over iterations, side by side", "iterations per task", "")
    plot.getPlotItem().setLabel("left", "cumulative cost per task")
    plot.addLegend(offset=(10, 10))
    top = 0.0
    for i, (name, r) in enumerate(named):
        colour = _PALETTE[i % len(_PALETTE)]
        k = np.asarray(r.iterations, dtype=float)
        cost = np.asarray(r.cumulative_cost)
        plot.plot(
            k,
            cost,
            pen=pen(colour, 2.2),
            name=html_text(f"{name}: {agents.VERDICT_LABELS[r.recommendation]}"),
        )
        budget = pg.InfiniteLine(
            pos=r.max_cost_per_task_usd, angle=0, movable=False, pen=pen(colour, 1.2, True)
        )
        plot.addItem(budget, ignoreBounds=True)
        plot.addItem(
            pg.ScatterPlotItem(
                [float(r.p95_iterations)],
                [float(cost[r.p95_iterations - 1])],
                size=10,
                brush=pg.mkBrush(colour),
            )
        )
        top = max(top, float(cost.max()), r.max_cost_per_task_usd)
    plot.setYRange(0, top * 1.08 if top > 0 else 1.0, padding=0)
    return plot
