"""Agent trials in SQLite: round trips, listing, deleting, measured figures, and no API keys."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.agent_loop import AgentStep, TrialConfig, TrialOutcome, run_trial
from core.llm import LlmClient
from storage import SCHEMA_VERSION, ScenarioStore, StorageError, TraceStore
from tests.llm_server import LlmTestServer, ScriptedToolCall
from tests.storage.conftest import old_database

PLANTED_KEY = "sk-PLANTED-aidf-7d3e0b91c5a24f68"


@pytest.fixture
def traces(db_path: Path) -> Iterator[TraceStore]:
    with TraceStore(db_path) as opened:
        yield opened


def _run_two_step_trial(server: LlmTestServer) -> tuple[TrialConfig, TrialOutcome]:
    """Calculator then answer, priced at $1e-6 / $2e-6 per token: 250 in, 25 out, $0.0003."""
    server.reply_tool_calls(
        ScriptedToolCall("calculator", {"expression": "6 * 7"}, id="call_1"),
        content="Multiplying.",
        input_tokens=100,
        output_tokens=20,
    )
    server.reply_text("42", input_tokens=150, output_tokens=5)
    client = LlmClient(api_base=server.url, api_key=PLANTED_KEY, prices=(1e-6, 2e-6))
    config = TrialConfig(task="What is 6 times 7?", model="local-model", api_base=server.url)
    return config, run_trial(config, client)


def test_trial_round_trips(traces: TraceStore, llm_server: LlmTestServer) -> None:
    config, outcome = _run_two_step_trial(llm_server)
    trial_id = traces.save_trial(config, outcome)

    assert traces.get_steps(trial_id) == outcome.steps
    assert traces.get_outcome(trial_id) == outcome
    (summary,) = traces.list_trials()
    assert summary == traces.get_trial(trial_id)
    assert summary.id == trial_id
    assert (summary.task, summary.model, summary.status) == (
        "What is 6 times 7?",
        "local-model",
        "answered",
    )
    assert (summary.iterations, summary.input_tokens, summary.output_tokens) == (2, 250, 25)
    assert summary.cost_usd == pytest.approx(0.0003)
    assert summary.latency_ms == outcome.latency_ms
    assert (summary.answer, summary.api_base) == ("42", llm_server.url)
    assert summary.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - summary.created_at).total_seconds()) < 60


def test_steps_with_unparsed_arguments_and_unicode_round_trip(traces: TraceStore) -> None:
    steps = [
        AgentStep(1, "tool_call", 'calculator({"expression": "1+)', tool="calculator"),
        AgentStep(2, "error", "Error: not valid JSON", tool="calculator", result="Error: …"),
        AgentStep(3, "answer", "Résultat : 42 ✓", input_tokens=3, cost_usd=1e-9, iteration=2),
    ]
    outcome = TrialOutcome("answered", "Résultat : 42 ✓", steps, 2, 3, 0, 1e-9, 12.5, "done")
    trial_id = traces.save_trial(TrialConfig(task="t", model="m"), outcome)
    assert traces.get_outcome(trial_id) == outcome


def test_list_is_newest_first_and_limited(traces: TraceStore) -> None:
    ids = [
        traces.save_trial(
            TrialConfig(task=f"task {n}", model="m"),
            TrialOutcome("answered", "a", [], 1, 1, 1, 0.0, 1.0),
        )
        for n in range(5)
    ]
    assert [t.id for t in traces.list_trials()] == ids[::-1]
    assert [t.task for t in traces.list_trials(limit=2)] == ["task 4", "task 3"]
    assert traces.count() == 5


def test_delete_removes_the_steps_too(
    traces: TraceStore, llm_server: LlmTestServer, db_path: Path
) -> None:
    config, outcome = _run_two_step_trial(llm_server)
    kept = traces.save_trial(config, outcome)
    step_count = len(outcome.steps)
    gone = traces.save_trial(config, outcome)
    traces.delete_trial(gone)

    assert [t.id for t in traces.list_trials()] == [kept]
    with sqlite3.connect(db_path) as raw:
        counts = dict(
            raw.execute("SELECT trial_id, COUNT(*) FROM agent_steps GROUP BY trial_id").fetchall()
        )
    assert counts == {kept: step_count}
    with pytest.raises(StorageError, match=f"no agent trial {gone}"):
        traces.get_steps(gone)
    with pytest.raises(StorageError, match=f"no agent trial {gone}"):
        traces.delete_trial(gone)


def _answered(per_call_inputs: list[int], output: int, cost: float) -> TrialOutcome:
    steps = [
        AgentStep(i + 1, "thought", "", input_tokens=tokens, output_tokens=output, iteration=i + 1)
        for i, tokens in enumerate(per_call_inputs)
    ]
    return TrialOutcome(
        "answered",
        "x",
        steps,
        len(per_call_inputs),
        sum(per_call_inputs),
        output * len(per_call_inputs),
        cost,
        50.0,
    )


def test_measured_by_hand(traces: TraceStore) -> None:
    """Model "a", answered: calls with inputs [100, 200] and [100, 150, 200, 250] (10 output
    tokens per call), costs $0.02 and $0.04; plus an "a" trial that hit max_iterations and a
    "b" trial, both left out of measured("a").
    Iterations 2 and 4: mean 3; p95 rank 0.95 x 1 = 0.95 -> 2 + 0.95 x 2 = 3.9.
    Input (300 + 700) / 6 calls = 166.67; output 60 / 6 = 10; cost (0.02 + 0.04) / 2 = 0.03.
    First call input 100; growth (200 - 100) / 1 = 100 and (250 - 100) / 3 = 50 -> 75.
    Over both models: the "b" trial (1 call, input 1000, $1) joins: 3 trials, iterations
    2, 4, 1 -> mean 7 / 3; cost (0.02 + 0.04 + 1) / 3.
    """
    a = TrialConfig(task="t", model="a")
    traces.save_trial(a, _answered([100, 200], 10, 0.02))
    traces.save_trial(a, _answered([100, 150, 200, 250], 10, 0.04))
    stopped = _answered([9000] * 10, 10, 9.0)
    stopped.status = "max_iterations"
    traces.save_trial(a, stopped)
    traces.save_trial(TrialConfig(task="t", model="b"), _answered([1000], 10, 1.0))

    m = traces.measured("a")
    assert m is not None
    assert (m.model, m.trials) == ("a", 2)
    assert m.mean_iterations == pytest.approx(3.0)
    assert m.p95_iterations == pytest.approx(3.9)
    assert m.mean_input_tokens_per_step == pytest.approx(1000 / 6)
    assert m.mean_output_tokens_per_step == pytest.approx(10.0)
    assert m.mean_cost_per_trial_usd == pytest.approx(0.03)
    assert m.first_step_input_tokens == pytest.approx(100.0)
    assert m.context_growth_tokens_per_step == pytest.approx(75.0)

    everything = traces.measured()
    assert everything is not None
    assert (everything.model, everything.trials) == (None, 3)
    assert everything.mean_iterations == pytest.approx(7 / 3)
    assert everything.mean_cost_per_trial_usd == pytest.approx(1.06 / 3)
    assert traces.measured("never-run") is None


def test_measured_from_a_real_trial(traces: TraceStore, llm_server: LlmTestServer) -> None:
    """The two-step trial: calls of 100 and 150 input tokens -> first 100, growth 50 per call;
    250 / 2 = 125 input and 25 / 2 = 12.5 output tokens per call; one trial of $0.0003."""
    config, outcome = _run_two_step_trial(llm_server)
    traces.save_trial(config, outcome)
    m = traces.measured("local-model")
    assert m is not None
    assert (m.trials, m.mean_iterations, m.p95_iterations) == (1, 2.0, 2.0)
    assert (m.first_step_input_tokens, m.context_growth_tokens_per_step) == (100.0, 50.0)
    assert (m.mean_input_tokens_per_step, m.mean_output_tokens_per_step) == (125.0, 12.5)
    assert m.mean_cost_per_trial_usd == pytest.approx(0.0003)
    assert m.mean_tool_latency_ms is not None and m.mean_tool_latency_ms >= 0


def test_the_api_key_never_reaches_the_database_file(
    db_path: Path, llm_server: LlmTestServer
) -> None:
    config, outcome = _run_two_step_trial(llm_server)
    # A provider that echoes the key in its error text, for the error path too.
    llm_server.reply_error(401, f"bad key {PLANTED_KEY}")
    client = LlmClient(api_base=llm_server.url, api_key=PLANTED_KEY, max_retries=0)
    failed_config = TrialConfig(task="again", model="local-model", api_base=llm_server.url)
    failed = run_trial(failed_config, client)
    assert failed.status == "error"
    for request in llm_server.recorded:
        assert request.headers["authorization"] == f"Bearer {PLANTED_KEY}", "the key was used"

    with TraceStore(db_path) as traces:
        traces.save_trial(config, outcome)
        traces.save_trial(failed_config, failed)
        assert len(traces.list_trials()) == 2
    files = [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
    assert db_path in files
    for path in files:
        assert PLANTED_KEY.encode() not in path.read_bytes(), path.name


def test_credentials_in_a_base_url_are_not_stored(traces: TraceStore) -> None:
    url = "https://user:s3cret@gateway.example.com/v1?api_key=abc123"
    trial_id = traces.save_trial(
        TrialConfig(task="t", model="m", api_base=url),
        TrialOutcome("cancelled", "", [], 0, 0, 0, 0.0, 0.0),
    )
    assert traces.get_trial(trial_id).api_base == "https://gateway.example.com/v1"


def test_a_schema_2_database_is_upgraded_and_keeps_its_scenarios(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_database(db_path, 2, [("Old plan", "agents", [{"x": 1}])])
    assert SCHEMA_VERSION >= 3
    with TraceStore(db_path) as traces:
        trial_id = traces.save_trial(
            TrialConfig(task="t", model="m"), TrialOutcome("answered", "a", [], 1, 1, 1, 0.0, 1.0)
        )
        assert traces.get_trial(trial_id).answer == "a"
    with ScenarioStore(db_path) as scenarios:
        assert scenarios.get_by_name("Old plan").inputs == {"x": 1}
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
