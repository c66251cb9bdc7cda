"""The agent trial loop against the local test server, its safe tools, and measured figures."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from core.agent_loop import (
    AgentStep,
    ToolError,
    TrialConfig,
    TrialOutcome,
    calculate,
    lookup_notes,
    measure,
    run_trial,
    tool_schemas,
)
from core.llm import LlmClient
from tests.llm_server import LlmTestServer, Reply, ScriptedToolCall

PRICES = (1e-6, 2e-6)  # USD per input token, per output token


@pytest.fixture
def client(llm_server: LlmTestServer) -> LlmClient:
    return LlmClient(api_base=llm_server.url, api_key="sk-test", prices=PRICES, max_retries=0)


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text(
        "Project Atlas budget: 12,000 USD per month\n"
        "Atlas launch date: 2025-03-01\n"
        "Café opening hours: 8-18\n"
        "Unrelated line\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config(llm_server: LlmTestServer) -> Callable[..., TrialConfig]:
    """Makes the test trial's config, served by the local test server, with `changes`."""

    def make(**changes: object) -> TrialConfig:
        base = TrialConfig(task="What is 12 times 7?", model="test-model", api_base=llm_server.url)
        return replace(base, **changes)  # type: ignore[arg-type]

    return make


def kinds(outcome: TrialOutcome) -> list[str]:
    return [step.kind for step in outcome.steps]


# The loop


def test_two_step_trial_calculator_then_answer(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    """Call 1: 100 in, 20 out -> 100 x 1e-6 + 20 x 2e-6 = 0.00014 USD (on the thought step).
    Call 2: 150 in, 5 out -> 150 x 1e-6 + 5 x 2e-6 = 0.00016 USD (on the answer step).
    Totals: 250 in, 25 out, 0.00014 + 0.00016 = 0.0003 USD over 2 iterations.
    """
    llm_server.reply_tool_calls(
        ScriptedToolCall("calculator", {"expression": "12 * 7"}, id="call_calc"),
        content="I will multiply.",
        input_tokens=100,
        output_tokens=20,
    )
    llm_server.reply_text("12 times 7 is 84.", input_tokens=150, output_tokens=5)
    seen: list[AgentStep] = []

    outcome = run_trial(config(), client, on_step=seen.append)

    assert outcome.status == "answered"
    assert outcome.answer == "12 times 7 is 84."
    assert kinds(outcome) == ["thought", "tool_call", "tool_result", "answer"]
    assert seen == outcome.steps, "every step reaches on_step as it happens, in order"
    assert [s.index for s in outcome.steps] == [1, 2, 3, 4]
    assert [s.iteration for s in outcome.steps] == [1, 1, 1, 2]
    thought, call, result, answer = outcome.steps
    assert thought.text == "I will multiply."
    assert (call.tool, call.arguments) == ("calculator", {"expression": "12 * 7"})
    assert (result.tool, result.result, result.text) == ("calculator", "84", "84")
    assert (thought.input_tokens, thought.output_tokens) == (100, 20)
    assert thought.cost_usd == pytest.approx(0.00014)
    assert (answer.input_tokens, answer.output_tokens) == (150, 5)
    assert answer.cost_usd == pytest.approx(0.00016)
    assert (call.input_tokens, result.input_tokens, call.cost_usd) == (0, 0, 0.0)
    assert outcome.iterations == 2
    assert (outcome.input_tokens, outcome.output_tokens) == (250, 25)
    assert outcome.cost_usd == pytest.approx(0.0003)
    assert sum(s.cost_usd for s in outcome.steps) == pytest.approx(outcome.cost_usd)
    assert outcome.latency_ms >= sum(s.latency_ms for s in outcome.steps) * 0.99


def test_requests_carry_the_tools_and_openai_tool_messages(
    llm_server: LlmTestServer, client: LlmClient, notes: Path, config: Callable[..., TrialConfig]
) -> None:
    llm_server.reply_tool_calls(
        ScriptedToolCall("calculator", {"expression": "2 ** 10"}, id="call_1"),
        ScriptedToolCall("current_date", {}, id="call_2"),
    )
    llm_server.reply_text("Done.")
    run_trial(config(notes_path=notes, temperature=0.3), client, today=lambda: date(2025, 6, 30))

    first, second = llm_server.requests
    names = [tool["function"]["name"] for tool in first["tools"]]
    assert names == ["calculator", "lookup_notes", "current_date"]
    assert first["tools"] == tool_schemas(config(notes_path=notes))
    calculator = first["tools"][0]
    assert calculator["type"] == "function"
    assert calculator["function"]["parameters"]["required"] == ["expression"]
    assert first["temperature"] == 0.3
    assert [m["role"] for m in first["messages"]] == ["system", "user"]
    assert first["messages"][1]["content"] == "What is 12 times 7?"

    assert [m["role"] for m in second["messages"]] == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
    ]
    assistant = second["messages"][2]
    assert assistant["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "calculator", "arguments": '{"expression": "2 ** 10"}'},
        },
        {
            "id": "call_2",
            "type": "function",
            "function": {"name": "current_date", "arguments": "{}"},
        },
    ]
    assert second["messages"][3] == {"role": "tool", "tool_call_id": "call_1", "content": "1024"}
    assert second["messages"][4] == {
        "role": "tool",
        "tool_call_id": "call_2",
        "content": "2025-06-30",
    }


def test_without_a_notes_file_the_notes_tool_is_not_offered(
    config: Callable[..., TrialConfig],
) -> None:
    names = [tool["function"]["name"] for tool in tool_schemas(config())]
    assert names == ["calculator", "current_date"]


def test_max_iterations_stops_the_loop(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    llm_server.set_default(Reply(tool_calls=(ScriptedToolCall("calculator", {"expression": "1"}),)))
    outcome = run_trial(config(max_iterations=3), client)
    assert outcome.status == "max_iterations"
    assert outcome.iterations == 3
    assert len(llm_server.requests) == 3
    assert outcome.answer == ""
    assert kinds(outcome) == ["tool_call", "tool_result"] * 3
    assert "3 model calls" in outcome.stop_reason


def test_cost_cap_stops_the_loop(
    llm_server: LlmTestServer, config: Callable[..., TrialConfig]
) -> None:
    """$0.01 per input token x 10 tokens = $0.10 per call. After calls 1 and 2 the cost is
    $0.10 and $0.20, under the $0.25 cap; after call 3 it is $0.30 >= $0.25: stop there."""
    client = LlmClient(api_base=llm_server.url, prices=(0.01, 0.0), max_retries=0)
    llm_server.set_default(
        Reply(tool_calls=(ScriptedToolCall("calculator", {"expression": "1"}),), input_tokens=10)
    )
    outcome = run_trial(config(cost_cap_usd=0.25, max_iterations=10), client)
    assert outcome.status == "cost_cap"
    assert outcome.iterations == 3
    assert outcome.cost_usd == pytest.approx(0.30)
    assert len(llm_server.requests) == 3
    assert "$0.3000" in outcome.stop_reason and "$0.2500" in outcome.stop_reason


def test_cancel_between_steps(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    llm_server.set_default(Reply(tool_calls=(ScriptedToolCall("calculator", {"expression": "1"}),)))
    stop = False

    def watch(step: AgentStep) -> None:
        nonlocal stop
        stop = stop or step.kind == "tool_result"

    outcome = run_trial(config(), client, on_step=watch, cancelled=lambda: stop)
    assert outcome.status == "cancelled"
    assert outcome.iterations == 1
    assert len(llm_server.requests) == 1
    assert kinds(outcome) == ["tool_call", "tool_result"]


def test_cancel_before_a_tool_runs(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    llm_server.set_default(Reply(tool_calls=(ScriptedToolCall("calculator", {"expression": "1"}),)))
    stop = False

    def watch(step: AgentStep) -> None:
        nonlocal stop
        stop = step.kind == "tool_call"

    outcome = run_trial(config(), client, on_step=watch, cancelled=lambda: stop)
    assert outcome.status == "cancelled"
    assert kinds(outcome) == ["tool_call"]


def test_cancelled_before_the_first_call_makes_no_request(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    outcome = run_trial(config(), client, cancelled=lambda: True)
    assert (outcome.status, outcome.iterations, outcome.steps) == ("cancelled", 0, [])
    assert llm_server.requests == []


def test_unknown_tool_goes_back_to_the_model_as_an_error(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    llm_server.reply_tool_calls(ScriptedToolCall("web_search", {"q": "news"}, id="call_x"))
    llm_server.reply_text("I cannot search the web.")
    outcome = run_trial(config(), client)
    assert outcome.status == "answered"
    assert kinds(outcome) == ["tool_call", "error", "answer"]
    error = outcome.steps[1]
    assert error.tool == "web_search"
    assert error.text == (
        "Error: unknown tool 'web_search'. The tools are: calculator, current_date."
    )
    tool_message = llm_server.requests[1]["messages"][-1]
    assert tool_message == {"role": "tool", "tool_call_id": "call_x", "content": error.text}


def test_malformed_arguments_go_back_to_the_model_as_an_error(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    llm_server.reply_malformed_tool_call("calculator", '{"expression": "1+')
    llm_server.reply_text("Sorry.")
    outcome = run_trial(config(), client)
    assert outcome.status == "answered"
    assert kinds(outcome) == ["tool_call", "error", "answer"]
    call, error, _ = outcome.steps
    assert call.arguments is None
    assert call.text == 'calculator({"expression": "1+)'
    assert error.text.startswith("Error: The tool arguments are not valid JSON")
    assert '{"expression": "1+' in error.text, "the model sees what it sent"
    sent = llm_server.requests[1]["messages"]
    assert sent[2]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert sent[3]["content"] == error.text


def test_tool_failure_goes_back_to_the_model_as_an_error(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    llm_server.reply_tool_calls(("calculator", {"expression": "1/0"}))
    llm_server.reply_tool_calls(("calculator", {"wrong": "1"}))
    llm_server.reply_text("Cannot divide by zero.")
    outcome = run_trial(config(), client)
    assert outcome.status == "answered"
    assert kinds(outcome) == ["tool_call", "error", "tool_call", "error", "answer"]
    assert outcome.steps[1].text == "Error: Division by zero."
    assert outcome.steps[1].result == "Error: Division by zero."
    assert outcome.steps[3].text == "Error: Unexpected argument(s): wrong."
    assert llm_server.requests[1]["messages"][-1]["content"] == "Error: Division by zero."


def test_http_500_ends_the_trial_with_a_readable_error(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    llm_server.reply_tool_calls(("calculator", {"expression": "2+2"}), input_tokens=40)
    llm_server.reply_error(500, "model overloaded")
    outcome = run_trial(config(), client)
    assert outcome.status == "error"
    assert outcome.answer == ""
    assert kinds(outcome) == ["tool_call", "tool_result", "error"]
    assert outcome.steps[-1].text == (
        f"The server at {llm_server.url} failed (HTTP 500: model overloaded)."
    )
    assert outcome.steps[-1].iteration == 2
    assert outcome.iterations == 2
    assert outcome.input_tokens == 40
    assert "model overloaded" in outcome.stop_reason


def test_empty_reply_is_an_empty_answer(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    llm_server.reply(Reply(content=None))
    outcome = run_trial(config(), client)
    assert (outcome.status, outcome.answer, kinds(outcome)) == ("answered", "", ["answer"])


def test_notes_lookup_through_the_loop(
    llm_server: LlmTestServer, client: LlmClient, notes: Path, config: Callable[..., TrialConfig]
) -> None:
    llm_server.reply_tool_calls(("lookup_notes", {"query": "ATLAS budget"}))
    llm_server.reply_text("12,000 USD per month.")
    outcome = run_trial(config(notes_path=notes), client)
    assert outcome.steps[1].result == "1: Project Atlas budget: 12,000 USD per month"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task": "  "}, "Type a task"),
        ({"model": ""}, "Choose a model"),
        ({"model": "gpt-4o\u202e"}, r"invisible control characters \(U\+202E\)"),
        ({"max_iterations": 0}, "between 1 and 100"),
        ({"cost_cap_usd": 0.0}, "positive"),
        ({"cost_cap_usd": float("nan")}, "positive"),
        ({"temperature": 3.0}, "between 0 and 2"),
    ],
)
def test_invalid_config_is_refused(
    changes: dict[str, object], message: str, config: Callable[..., TrialConfig]
) -> None:
    with pytest.raises(ValueError, match=message):
        config(**changes)


def test_a_client_for_another_server_is_refused(
    llm_server: LlmTestServer, client: LlmClient, config: Callable[..., TrialConfig]
) -> None:
    """The stored trace names config.api_base, so it must be the server the client calls."""
    with pytest.raises(ValueError, match="base URL"):
        run_trial(config(api_base=None), client)
    assert llm_server.requests == []


def test_config_has_no_api_key_field() -> None:
    fields = set(TrialConfig.__dataclass_fields__)
    assert not {name for name in fields if "key" in name or "secret" in name}


# Calculator


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("12 * 7", "84"),
        ("(1200 * 0.15) / 12", "15"),
        ("0.1 + 0.2", "0.3"),
        ("7 // 2", "3"),
        ("-7 % 3", "2"),
        ("2 ** 10", "1024"),
        ("2 ** -2", "0.25"),
        ("-(3 - 5) * +2", "4"),
        ("1_000 * 3", "3000"),
        ("1e3 / 4", "250"),
        ("2 ** 3000 // 2 ** 2999", "2"),
    ],
)
def test_calculator_arithmetic(expression: str, expected: str) -> None:
    assert calculate(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('echo hi')", "Function calls are not allowed"),
        ("abs(-1)", "Function calls are not allowed"),
        ("x + 1", "Names such as 'x' are not allowed"),
        ("(1).real", "Attribute access is not allowed"),
        ("(1).__class__.__bases__", "Attribute access is not allowed"),
        ("[1, 2][0]", "not allowed"),
        ("'a' * 3", "Only numbers are allowed"),
        ("True + 1", "Only numbers are allowed"),
        ("1j * 1j", "Only numbers are allowed"),
        ("lambda: 1", "not allowed"),
        ("9 ** 9 ** 9", "too large"),
        ("10 ** 100000", "exponent is too large"),
        ("2 ** 4001", "too large"),
        ("(2 ** 3000) * (2 ** 3000)", "too large"),
        ("1e308 * 10", "too large"),
        ("2.5 ** 10000", "too large"),
        ("(-8) ** 0.5", "not a real number"),
        ("1 / 0", "Division by zero"),
        ("5 % 0", "Division by zero"),
        ("2 ^ 3", "Use ** for powers"),
        ("1 +", "Not an arithmetic expression"),
        ("", "empty"),
        ("1+" * 300 + "1", "too long"),
        ("1\x00", "Not an arithmetic expression"),
    ],
)
def test_calculator_refuses_unsafe_or_unbounded_input(expression: str, message: str) -> None:
    with pytest.raises(ToolError, match=re.escape(message)):
        calculate(expression)


def test_calculator_handles_the_deepest_nesting_its_length_cap_allows() -> None:
    assert calculate("-" * 499 + "1") == "-1"
    assert calculate("(" * 199 + "2" + ")" * 199) == "2"


# Notes


def test_notes_search_ignores_case_and_needs_every_word(notes: Path) -> None:
    assert lookup_notes(notes, "atlas") == (
        "1: Project Atlas budget: 12,000 USD per month\n2: Atlas launch date: 2025-03-01"
    )
    assert lookup_notes(notes, "LAUNCH atlas") == "2: Atlas launch date: 2025-03-01"
    assert lookup_notes(notes, "CAFÉ") == "3: Café opening hours: 8-18"
    assert lookup_notes(notes, "zebra") == "No line of the notes matches 'zebra'."


def test_notes_results_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    path.write_text("".join(f"match line {i}\n" for i in range(1, 51)), encoding="utf-8")
    lines = lookup_notes(path, "match").splitlines()
    assert len(lines) == 21
    assert lines[0] == "1: match line 1"
    assert lines[19] == "20: match line 20"
    assert lines[20] == "(30 more matching lines not shown)"


def test_notes_problems_are_tool_errors(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="No notes file"):
        lookup_notes(None, "x")
    with pytest.raises(ToolError, match="does not exist"):
        lookup_notes(tmp_path / "missing.txt", "x")
    binary = tmp_path / "latin1.txt"
    binary.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(ToolError, match="not UTF-8"):
        lookup_notes(binary, "caf")
    with pytest.raises(ToolError, match="query is empty"):
        lookup_notes(binary, "   ")


# Measured figures


def _outcome(
    status: str, per_call: list[tuple[int, int]], cost: float, tools: int = 0
) -> TrialOutcome:
    """An outcome with one step per model call carrying (input, output) tokens."""
    steps = [
        AgentStep(
            index=i + 1,
            kind="thought",
            text="",
            input_tokens=inp,
            output_tokens=out,
            iteration=i + 1,
        )
        for i, (inp, out) in enumerate(per_call)
    ]
    steps += [
        AgentStep(
            index=len(steps) + j + 1,
            kind="tool_result",
            text="",
            tool="calculator",
            latency_ms=2.0 * (j + 1),
            iteration=1,
        )
        for j in range(tools)
    ]
    return TrialOutcome(
        status=status,  # type: ignore[arg-type]
        answer="",
        steps=steps,
        iterations=len(per_call),
        input_tokens=sum(i for i, _ in per_call),
        output_tokens=sum(o for _, o in per_call),
        cost_usd=cost,
        latency_ms=100.0 * len(per_call),
    )


def test_measure_by_hand() -> None:
    """Answered trials: A calls (100,10) (150,20) (200,30); B (120,5); C (100,10) (140,10).
    The error trial D is ignored.
    Iterations 3, 1, 2: mean 2; p95 over sorted [1, 2, 3]: rank 0.95 x 2 = 1.9 ->
    2 + 0.9 x (3 - 2) = 2.9.
    Input tokens 450 + 120 + 240 = 810 over 6 calls = 135 per call; output 60 + 5 + 20 = 85 / 6.
    Cost (0.03 + 0.01 + 0.02) / 3 = 0.02. Latency (300 + 100 + 200) / 3 = 200 ms.
    First call input (100 + 120 + 100) / 3 = 106.67; growth per call over A and C:
    A (200 - 100) / 2 = 50, C (140 - 100) / 1 = 40 -> 45. Tool latencies 2, 4 and 2 -> 8 / 3.
    """
    trials = [
        _outcome("answered", [(100, 10), (150, 20), (200, 30)], 0.03, tools=2),
        _outcome("answered", [(120, 5)], 0.01),
        _outcome("answered", [(100, 10), (140, 10)], 0.02, tools=1),
        _outcome("error", [(9999, 9999)], 5.0, tools=3),
    ]
    m = measure(trials, "test-model")
    assert m is not None
    assert (m.model, m.trials) == ("test-model", 3)
    assert m.mean_iterations == pytest.approx(2.0)
    assert m.p95_iterations == pytest.approx(2.9)
    assert m.mean_input_tokens_per_step == pytest.approx(135.0)
    assert m.mean_output_tokens_per_step == pytest.approx(85 / 6)
    assert m.mean_cost_per_trial_usd == pytest.approx(0.02)
    assert m.mean_latency_per_trial_ms == pytest.approx(200.0)
    assert m.first_step_input_tokens == pytest.approx(320 / 3)
    assert m.context_growth_tokens_per_step == pytest.approx(45.0)
    assert m.mean_tool_latency_ms == pytest.approx(8 / 3)


def test_measure_without_answered_trials_is_none() -> None:
    assert measure([]) is None
    assert measure([_outcome("max_iterations", [(1, 1)], 0.0)]) is None
    single = measure([_outcome("answered", [(10, 1)], 0.0)])
    assert single is not None
    assert single.p95_iterations == 1.0
    assert single.context_growth_tokens_per_step is None
    assert single.mean_tool_latency_ms is None


def test_step_and_outcome_are_json_friendly() -> None:
    """The Agents tab and the store serialise steps; every field must be plain JSON."""
    step = AgentStep(
        index=1,
        kind="tool_call",
        text="calculator(expression='1')",
        tool="calculator",
        arguments={"expression": "1"},
    )
    assert json.loads(json.dumps(step.__dict__)) == step.__dict__
