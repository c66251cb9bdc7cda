"""The Agents panel: loop plots from the result, and the agent trial against the local server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox

from core.agent_loop import AgentStep, TrialConfig, TrialOutcome
from core.frameworks import agents
from storage import TraceStore
from storage.traces import TrialSummary
from tests.llm_server import Reply, ScriptedToolCall
from ui.agents.trial_models import TraceModel, TrialsModel
from ui.plain_text import tooltip
from ui.plots.agents import AgentsPanel, comparison_plot
from ui.services import AppServices
from ui.tasks import TaskRunner

#: The first trial in a run imports litellm in the worker (a few seconds).
RUN_TIMEOUT_MS = 60_000


@pytest.fixture
def defaults() -> agents.Result:
    return agents.compute(agents.Inputs())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "trials.sqlite3"
    TraceStore(path).close()  # create and migrate the file, as the app's start-up does
    return path


@pytest.fixture
def services(db_path: Path):
    runner = TaskRunner()
    yield AppServices(runner, db_path)
    assert runner.pending == 0


@pytest.fixture
def panel(qtbot, services, defaults):
    p = AgentsPanel(services=services)
    qtbot.addWidget(p)
    p.resize(1300, 900)
    p.update_result(defaults)
    p.show()
    qtbot.waitExposed(p)
    wait_idle(qtbot, services)
    yield p
    wait_idle(qtbot, services)


def wait_idle(qtbot, services: AppServices, timeout: int = RUN_TIMEOUT_MS) -> None:
    qtbot.waitUntil(lambda: services.runner.pending == 0, timeout=timeout)


def start_trial(qtbot, panel: AgentsPanel, server, task: str = "What is 6 times 7?") -> None:
    trial = panel.trial
    assert trial is not None
    trial.task_edit.setPlainText(task)
    trial.model_edit.setText("test-model")
    trial.base_url_edit.setText(server.url)
    qtbot.mouseClick(trial.run_button, Qt.MouseButton.LeftButton)


def kinds(panel: AgentsPanel) -> list[str]:
    assert panel.trial is not None
    return [step.kind for step in panel.trial.trace.rows]


def cell(model, row: int, column: int):
    return model.index(row, column).data()


# --- Plots --------------------------------------------------------------------------------------


def test_plots_show_the_result_series_and_markers(qtbot, defaults):
    """Defaults: p95 8 iterations at $0.123 and 23.1 s; budgets $0.15 and 30 s; mean 3.96."""
    panel = AgentsPanel()
    qtbot.addWidget(panel)
    panel.update_result(defaults)
    assert panel.trial is None  # no services: no trial section (reports, plain panels)
    assert [title for title, _ in panel.plots()] == [
        "Cost per task over iterations",
        "Latency per task over iterations",
        "Iterations per task",
    ]
    assert all(isinstance(plot, pg.PlotWidget) for _, plot in panel.plots())
    np.testing.assert_array_equal(panel.cost.curve.xData, np.arange(1, 11))
    np.testing.assert_allclose(panel.cost.curve.yData, defaults.cumulative_cost)
    np.testing.assert_allclose(
        panel.latency.curve.yData, np.asarray(defaults.cumulative_latency_ms) / 1000
    )
    assert panel.cost.budget.value() == pytest.approx(0.15)
    assert panel.latency.budget.value() == pytest.approx(30)
    assert panel.cost.budget.label.format == "budget $0.15"
    assert panel.cost.p95_line.value() == 8
    assert panel.cost.p95_point.data["y"][0] == pytest.approx(0.123)
    assert panel.cost.mean_line.value() == pytest.approx(defaults.mean_iterations)
    heights = panel.iterations.bars.opts["height"]
    np.testing.assert_allclose(heights, np.asarray(defaults.probability) * 100)
    assert panel.iterations.stopped.opts["height"][0] == pytest.approx(1.416, abs=1e-3)
    assert panel.iterations.stopped_label.toPlainText() == "red: 1.4% stopped at 10"


def test_a_new_result_updates_the_same_items(qtbot, defaults):
    panel = AgentsPanel()
    qtbot.addWidget(panel)
    panel.update_result(defaults)
    curve, budget = panel.cost.curve, panel.cost.budget
    other = agents.compute(agents.Inputs(max_iterations=20, max_cost_per_task_usd=0.5))
    panel.update_result(other)
    assert panel.cost.curve is curve and panel.cost.budget is budget
    assert len(curve.xData) == 20
    assert budget.value() == pytest.approx(0.5)
    assert panel.iterations.stopped_label.toPlainText() == ""  # 0.0% of tasks pass 20


def test_comparison_plot_has_a_curve_per_scenario(qtbot, defaults):
    tight = agents.compute(agents.Inputs(max_cost_per_task_usd=0.05))
    plot = comparison_plot([("Loose", defaults), ("Tight", tight)])
    qtbot.addWidget(plot)
    curves = [i for i in plot.getPlotItem().items if isinstance(i, pg.PlotDataItem)]
    assert len(curves) == 2
    names = [item.name() for item in curves]
    assert names == ["Loose: Agent", "Tight: Fixed workflow"]


def test_table_models_pass_the_model_tester(qtmodeltester):
    trace = TraceModel()
    trace.append(AgentStep(index=1, kind="thought", text="Let me compute.", iteration=1))
    trace.append(
        AgentStep(
            index=2,
            kind="tool_call",
            text="calculator(expression='6*7')",
            tool="calculator",
            arguments={"expression": "6*7"},
            input_tokens=50,
            output_tokens=5,
            cost_usd=0.000175,
            latency_ms=812,
            iteration=1,
        )
    )
    trace.append(AgentStep(index=3, kind="error", text="Error: boom", iteration=2))
    qtmodeltester.check(trace)
    assert cell(trace, 1, 3) == "calculator"
    assert cell(trace, 1, 4) == '{"expression": "6*7"}'
    assert cell(trace, 1, 6) == "50 / 5"
    assert cell(trace, 1, 7) == "$0.000175"
    assert cell(trace, 1, 8) == "812 ms"
    assert trace.index(2, 2).data(Qt.ItemDataRole.ForegroundRole).name() == "#d93025"
    trials = TrialsModel(
        [
            TrialSummary(
                id=1,
                created_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
                task="What is 6 times 7?",
                model="test-model",
                status="max_iterations",
                iterations=10,
                input_tokens=100,
                output_tokens=50,
                cost_usd=0.01,
                latency_ms=900,
                stop_reason="Stopped after 10 model calls.",
            )
        ]
    )
    qtmodeltester.check(trials)
    assert cell(trials, 0, 3) == "max iterations"
    # Tooltips are rich text that shows the stop reason literally (it may quote a server).
    assert trials.index(0, 3).data(Qt.ItemDataRole.ToolTipRole) == tooltip(
        "Stopped after 10 model calls."
    )


# --- The trial -----------------------------------------------------------------------------------


def test_the_trial_model_starts_as_the_forms_model_until_typed_over(panel):
    trial = panel.trial
    assert trial.model_edit.text() == "gpt-4o"
    panel.update_result(agents.compute(agents.Inputs(model="gpt-4o-mini")))
    assert trial.model_edit.text() == "gpt-4o-mini"
    trial.model_edit.setText("mine")
    trial.model_edit.textEdited.emit("mine")
    panel.update_result(agents.compute(agents.Inputs(model="gpt-4o")))
    assert trial.model_edit.text() == "mine"


def test_the_api_key_field_hides_the_key_and_says_it_is_never_saved(panel):
    key = panel.trial.api_key_edit
    assert key.echoMode() == key.EchoMode.Password
    assert "never saved" in key.toolTip()
    assert "environment variable" in key.toolTip()


def test_a_trial_runs_live_is_traced_in_order_and_stored(qtbot, panel, services, llm_server):
    """One calculator call, then the answer. Priced at the loop estimate's $2.50/$10 per million
    (a base URL is set): (50 + 80) x 2.5e-6 + (5 + 3) x 1e-5 = 0.000325 + 0.00008 = $0.000405."""
    llm_server.reply_tool_calls(
        ("calculator", {"expression": "6*7"}), input_tokens=50, output_tokens=5
    )
    llm_server.reply_text("6 times 7 is 42.", input_tokens=80, output_tokens=3)
    trial = panel.trial
    arrivals: list[tuple[str, bool]] = []
    trial.trace.rowsInserted.connect(
        lambda _parent, first, _last: arrivals.append((trial.trace.rows[first].kind, trial.running))
    )
    trial.api_key_edit.setText("sk-test-secret-4242")
    start_trial(qtbot, panel, llm_server)
    assert trial.running and not trial.run_button.isEnabled() and trial.cancel_button.isEnabled()
    wait_idle(qtbot, services)

    # Every step arrived while the trial was still running, in the order it happened.
    assert arrivals == [("tool_call", True), ("tool_result", True), ("answer", True)]
    assert [s.index for s in trial.trace.rows] == [1, 2, 3]
    assert cell(trial.trace, 1, 5) == "42"
    assert cell(trial.trace, 2, 3) == "6 times 7 is 42."
    assert not trial.running and trial.run_button.isEnabled()
    status = trial.status.text()
    assert status.startswith("Answered in 2 iteration(s) · 130 in / 8 out tokens · $0.000405")
    assert status.endswith("stored as trial #1.")

    # The model really received the tool's result, through litellm's HTTP path, with the key.
    assert llm_server.requests[1]["messages"][-1]["role"] == "tool"
    assert llm_server.requests[1]["messages"][-1]["content"] == "42"
    assert llm_server.recorded[0].headers["authorization"] == "Bearer sk-test-secret-4242"

    with TraceStore(services.db_path) as store:
        (stored,) = store.list_trials()
        assert stored.status == "answered"
        assert stored.cost_usd == pytest.approx(0.000405)
        assert [s.kind for s in store.get_steps(stored.id)] == kinds(panel)
    assert trial.trials.rowCount() == 1
    assert cell(trial.trials, 0, 3) == "answered"
    # The key never reaches the database file.
    for file in services.db_path.parent.glob("trials.sqlite3*"):
        assert b"sk-test-secret-4242" not in file.read_bytes()


def test_use_measured_values_emits_what_the_trials_measured(qtbot, panel, services, llm_server):
    """One trial of 2 calls: input 50 then 80, output 5 then 3. Mean and p95 iterations 2;
    base input 50; output (5 + 3) / 2 = 4 per call; growth per call 80 - 50 = 30, of which 4
    is the model's own output, so 26 of context growth."""
    llm_server.reply_tool_calls(
        ("calculator", {"expression": "6*7"}), input_tokens=50, output_tokens=5
    )
    llm_server.reply_text("42", input_tokens=80, output_tokens=3)
    start_trial(qtbot, panel, llm_server)
    wait_idle(qtbot, services)
    with qtbot.waitSignal(panel.inputs_suggested, timeout=10_000) as signal:
        qtbot.mouseClick(panel.trial.measured_button, Qt.MouseButton.LeftButton)
    values = signal.args[0]
    tool_ms = values.pop("tool_latency_ms")
    assert values == {
        "expected_iterations": 2,
        "p95_iterations": 2,
        "input_tokens_per_step": 50,
        "output_tokens_per_step": 4,
        "context_growth_tokens_per_step": 26,
    }
    with TraceStore(services.db_path) as store:
        (stored,) = store.list_trials()
        (tool_step,) = [s for s in store.get_steps(stored.id) if s.kind == "tool_result"]
    # The calculator's own run time, as its trace step recorded it, not a model call's.
    assert tool_ms == round(tool_step.latency_ms)
    assert "from 1 of the answered trials of test-model" in panel.trial.status.text()


def test_use_measured_values_without_trials_says_so(qtbot, panel, services):
    with qtbot.assertNotEmitted(panel.inputs_suggested):
        qtbot.mouseClick(panel.trial.measured_button, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, services)
    assert panel.trial.status.text() == "No answered trial is stored yet: run one first."


def test_measured_values_become_one_undoable_change_in_the_tab(qtbot, services, db_path):
    from ui.framework_tab import FrameworkTab

    tab = FrameworkTab(agents, services=services)
    qtbot.addWidget(tab)
    wait_idle(qtbot, services)
    assert isinstance(tab.panel, AgentsPanel)
    tab.panel.inputs_suggested.emit({"expected_iterations": 2.5, "p95_iterations": 5.0})
    assert tab.inputs.expected_iterations == 2.5
    assert tab.inputs.p95_iterations == 5
    assert tab.undo_stack.count() == 1
    assert tab.undo_stack.undoText() == "Use measured values"
    tab.undo_stack.undo()
    assert tab.inputs == agents.Inputs()


def test_cancel_stops_a_long_run(qtbot, panel, services, llm_server):
    """Every reply asks for another calculator call after 0.2 s; up to 100 iterations."""
    llm_server.set_default(
        Reply(tool_calls=(ScriptedToolCall("calculator", {"expression": "1+1"}),), delay_s=0.2)
    )
    panel.trial.max_iterations_spin.setValue(100)
    start_trial(qtbot, panel, llm_server, task="Add one and one forever.")
    qtbot.waitUntil(lambda: len(panel.trial.trace.rows) >= 2, timeout=RUN_TIMEOUT_MS)
    qtbot.mouseClick(panel.trial.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.trial.status.text().startswith("Cancelling")
    wait_idle(qtbot, services)
    assert panel.trial.status.text().startswith("Cancelled")
    assert len(llm_server.requests) < 10
    with TraceStore(services.db_path) as store:
        (stored,) = store.list_trials()
    assert stored.status == "cancelled"
    assert stored.iterations < 10


def test_a_server_error_shows_in_the_trace_and_is_stored(qtbot, panel, services, llm_server):
    """HTTP 500 on every attempt (Retry-After 0, so the client's two retries do not wait)."""
    llm_server.set_default(Reply(status=500, error_message="the GPU caught fire", retry_after_s=0))
    start_trial(qtbot, panel, llm_server)
    wait_idle(qtbot, services)
    assert kinds(panel) == ["error"]
    text = cell(panel.trial.trace, 0, 3)
    assert "HTTP 500" in text and "the GPU caught fire" in text
    assert panel.trial.status.text().startswith("Failed (The model call failed:")
    assert len(llm_server.requests) == 3
    with TraceStore(services.db_path) as store:
        (stored,) = store.list_trials()
    assert stored.status == "error"


def test_unknown_tools_and_malformed_arguments_are_errors_in_the_trace(
    qtbot, panel, services, llm_server
):
    llm_server.reply_tool_calls(("delete_everything", {"path": "/"}))
    llm_server.reply_malformed_tool_call("calculator", '{"expression": "1+')
    llm_server.reply_tool_calls(("calculator", {"expression": "1/0"}))
    llm_server.reply_text("I could not do it.")
    start_trial(qtbot, panel, llm_server)
    wait_idle(qtbot, services)
    assert kinds(panel) == [
        "tool_call",
        "error",
        "tool_call",
        "error",
        "tool_call",
        "error",
        "answer",
    ]
    trace = panel.trial.trace
    assert "unknown tool 'delete_everything'" in cell(trace, 1, 5)
    assert "not valid JSON" in cell(trace, 3, 5)
    assert cell(trace, 5, 5) == "Error: Division by zero."
    assert trace.index(1, 0).data(Qt.ItemDataRole.ForegroundRole).name() == "#d93025"
    assert panel.trial.status.text().startswith("Answered in 4 iteration(s)")


def test_a_stored_trial_shows_its_steps_and_can_be_deleted(
    qtbot, panel, services, llm_server, answer_prompts
):
    llm_server.reply_tool_calls(("calculator", {"expression": "6*7"}))
    llm_server.reply_text("42")
    start_trial(qtbot, panel, llm_server)
    wait_idle(qtbot, services)
    trial = panel.trial
    trial.trace.set_rows([])
    trial.trials_view.clearSelection()  # the trial just run is selected: pick it afresh
    trial.trials_view.selectionModel().select(
        trial.trials.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    wait_idle(qtbot, services)
    assert kinds(panel) == ["tool_call", "tool_result", "answer"]
    assert trial.status.text().startswith("Trial #1 (test-model): answered after 2 iteration(s)")
    assert trial.delete_button.isEnabled()
    answer_prompts(question=QMessageBox.StandardButton.No)
    qtbot.mouseClick(trial.delete_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert trial.trials.rowCount() == 1  # asked first; "No" keeps it
    answer_prompts(question=QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(trial.delete_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, services)
    assert trial.trials.rowCount() == 0
    assert trial.trace.rowCount() == 0
    with TraceStore(services.db_path) as store:
        assert store.count() == 0


def test_a_trial_just_run_is_selected_and_scrolled_into_view(qtbot, panel, services, llm_server):
    """With a long list scrolled to its oldest trials, the trial just run (listed first) is
    selected and on screen, its outcome still in the status line (issue 16)."""
    with TraceStore(services.db_path) as store:
        for n in range(40):
            outcome = TrialOutcome("answered", "42", [], 1, 10, 1, 0.001, 100.0)
            store.save_trial(TrialConfig(task=f"old task {n}", model="old-model"), outcome)
    trial = panel.trial
    trial.reload_trials()
    wait_idle(qtbot, services)
    trial.trials_view.scrollToBottom()
    llm_server.reply_text("42")
    start_trial(qtbot, panel, llm_server)
    wait_idle(qtbot, services)

    (selected,) = trial.trials_view.selectionModel().selectedRows()
    assert trial.trials.rows[selected.row()].id == 41
    shown = trial.trials_view.viewport().rect()
    assert shown.contains(trial.trials_view.visualRect(selected))
    assert trial.status.text().endswith("stored as trial #41.")
    assert trial.delete_button.isEnabled()


def test_a_trial_without_a_task_is_refused_at_the_form(qtbot, panel, services):
    panel.trial.task_edit.setPlainText("   ")
    qtbot.mouseClick(panel.trial.run_button, Qt.MouseButton.LeftButton)
    assert services.runner.pending == 0
    assert panel.trial.status.text() == "Type a task for the agent."
    assert not panel.trial.running


def test_closing_the_panel_cancels_its_running_trial(qtbot, services, defaults, llm_server):
    """A window closing mid-trial must not wait for the rest of a 100-iteration run."""
    llm_server.set_default(
        Reply(tool_calls=(ScriptedToolCall("calculator", {"expression": "1+1"}),), delay_s=0.2)
    )
    panel = AgentsPanel(services=services)
    panel.update_result(defaults)
    wait_idle(qtbot, services)
    panel.trial.max_iterations_spin.setValue(100)
    start_trial(qtbot, panel, llm_server, task="Add one and one forever.")
    qtbot.waitUntil(lambda: len(panel.trial.trace.rows) >= 2, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(panel.destroyed):
        panel.deleteLater()
    wait_idle(qtbot, services)
    assert len(llm_server.requests) < 10
    with TraceStore(services.db_path) as store:
        (stored,) = store.list_trials()
    assert stored.status == "cancelled"
