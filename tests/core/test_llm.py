"""LlmClient against the local OpenAI-compatible test server, through litellm's real HTTP path."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest

import core.llm
from core.compat.litellm import LitellmEventLoop
from core.llm import LlmClient, LlmError, parse_tool_arguments
from tests.llm_server import LlmTestServer, Reply, ScriptedToolCall

KEY = "sk-test-do-not-leak-4f1c9a"
USER = [{"role": "user", "content": "hello"}]


def client_for(server: LlmTestServer, **kwargs: object) -> LlmClient:
    kwargs.setdefault("retry_backoff_s", 0.0)
    return LlmClient(api_base=server.url, api_key=KEY, **kwargs)  # type: ignore[arg-type]


def test_text_reply_tokens_and_cost_from_given_prices(llm_server: LlmTestServer) -> None:
    """1,200 input tokens at $2e-6 + 300 output at $8e-6 = 0.0024 + 0.0024 = $0.0048."""
    llm_server.reply_text("Hi there", input_tokens=1200, output_tokens=300)
    completion = client_for(llm_server, prices=(2e-6, 8e-6)).complete("my-local-model", USER)

    assert completion.content == "Hi there"
    assert completion.tool_calls == []
    assert (completion.input_tokens, completion.output_tokens) == (1200, 300)
    assert completion.cost_usd == pytest.approx(0.0048)
    assert completion.latency_ms > 0
    assert completion.finish_reason == "stop"
    body = llm_server.requests[0]
    assert body["model"] == "my-local-model", "the openai/ prefix is litellm's, not the server's"
    assert body["messages"] == USER
    assert body["temperature"] == 0.0
    assert "tools" not in body, "no tools: the key is left out, not sent empty"
    assert llm_server.recorded[0].headers["authorization"] == f"Bearer {KEY}"


def test_tools_and_temperature_are_sent(llm_server: LlmTestServer) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    llm_server.reply_text("ok")
    client_for(llm_server).complete("m", USER, tools, temperature=0.7)
    body = llm_server.requests[0]
    assert body["tools"] == tools
    assert body["temperature"] == 0.7


def test_tool_calls_are_parsed(llm_server: LlmTestServer) -> None:
    llm_server.reply_tool_calls(
        ScriptedToolCall("calculator", {"expression": "2+2"}, id="call_a"),
        ScriptedToolCall("current_date", "", id="call_b"),
        content="Two tools.",
    )
    completion = client_for(llm_server).complete("m", USER)
    assert completion.content == "Two tools."
    assert completion.finish_reason == "tool_calls"
    first, second = completion.tool_calls
    assert (first.id, first.name, first.arguments, first.error) == (
        "call_a",
        "calculator",
        {"expression": "2+2"},
        None,
    )
    assert first.raw_arguments == '{"expression": "2+2"}'
    assert (second.id, second.name, second.arguments, second.error) == (
        "call_b",
        "current_date",
        {},
        None,
    ), "an empty arguments string means no arguments"


def test_malformed_tool_arguments_give_an_error_not_an_exception(
    llm_server: LlmTestServer,
) -> None:
    llm_server.reply_malformed_tool_call("calculator", '{"expression": "1+')
    (call,) = client_for(llm_server).complete("m", USER).tool_calls
    assert call.name == "calculator"
    assert call.arguments is None
    assert call.raw_arguments == '{"expression": "1+'
    assert call.error is not None and "not valid JSON" in call.error


@pytest.mark.parametrize(
    ("raw", "arguments", "error_part"),
    [
        ('{"a": 1}', {"a": 1}, None),
        ("  ", {}, None),
        (None, {}, None),
        ("[1, 2]", None, "must be a JSON object, not list"),
        ('"text"', None, "must be a JSON object, not str"),
        ("{'a': 1}", None, "not valid JSON"),
    ],
)
def test_parse_tool_arguments(
    raw: str | None, arguments: dict[str, int] | None, error_part: str | None
) -> None:
    parsed, error = parse_tool_arguments(raw)
    assert parsed == arguments
    if error_part is None:
        assert error is None
    else:
        assert error is not None and error_part in error


def test_cost_is_zero_for_a_model_litellm_does_not_price(llm_server: LlmTestServer) -> None:
    llm_server.reply_text("x", input_tokens=1000, output_tokens=1000)
    assert client_for(llm_server).complete("unpriced-local-model-xyz", USER).cost_usd == 0.0


def test_cost_comes_from_litellm_for_a_model_it_knows(llm_server: LlmTestServer) -> None:
    """gpt-4o at litellm's bundled prices: 1,000 x input price + 100 x output price."""
    import litellm

    prices = litellm.model_cost["gpt-4o"]
    expected = 1000 * prices["input_cost_per_token"] + 100 * prices["output_cost_per_token"]
    assert expected > 0
    llm_server.reply_text("x", input_tokens=1000, output_tokens=100)
    assert client_for(llm_server).complete("gpt-4o", USER).cost_usd == pytest.approx(expected)


def on_litellm_loop(make: Callable[[], Any]) -> Any:
    with asyncio.Runner(loop_factory=LitellmEventLoop) as runner:
        return runner.run(make())


def test_litellms_request_preparation_runs_on_the_loops_own_thread(
    llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """litellm.acompletion hands its synchronous `completion` to the loop's executor; on a
    LitellmEventLoop it runs in place (no thread hop), and the reply is the same."""
    import litellm.main

    real = litellm.main.completion
    prepared_on: list[int] = []

    @functools.wraps(real)
    def completion(*args: Any, **kwargs: Any) -> Any:
        prepared_on.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(litellm.main, "completion", completion)
    llm_server.reply_text("in place", input_tokens=7, output_tokens=3)
    client = client_for(llm_server, transport="litellm")

    async def call() -> tuple[int, Any]:
        return threading.get_ident(), await client.acomplete("m", USER)

    loop_thread, reply = on_litellm_loop(call)
    assert prepared_on == [loop_thread]
    assert (reply.content, reply.input_tokens, reply.output_tokens) == ("in place", 7, 3)


def test_litellm_event_loop_keeps_other_executor_work_on_threads() -> None:
    """Only litellm's own functions run in place: anything else handed to the executor (a DNS
    look-up, which can block for seconds) still runs on a thread, and an error raised in place
    reaches the caller as it would from a thread."""

    def prepare() -> int:
        return threading.get_ident()

    def refuse() -> None:
        raise ValueError("refused while preparing")

    # As litellm.acompletion hands them over: partial(Context.run, partial(litellm function)).
    prepare.__module__ = refuse.__module__ = "litellm.main"

    async def main() -> tuple[int, int, int]:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        in_place = await loop.run_in_executor(
            None, functools.partial(context.run, functools.partial(prepare))
        )
        elsewhere = await loop.run_in_executor(None, threading.get_ident)
        with pytest.raises(ValueError, match="refused while preparing"):
            await loop.run_in_executor(None, functools.partial(context.run, refuse))
        return threading.get_ident(), in_place, elsewhere

    loop_thread, in_place, elsewhere = on_litellm_loop(main)
    assert in_place == loop_thread
    assert elsewhere != loop_thread


def test_model_prefix_is_added_only_for_bare_models_with_a_base_url() -> None:
    with_base = LlmClient(api_base="http://127.0.0.1:1/v1")
    assert with_base.litellm_model("llama3") == "openai/llama3"
    assert with_base.litellm_model("openai/gpt-4o") == "openai/gpt-4o"
    assert with_base.litellm_model("anthropic/claude-3-5-haiku") == "anthropic/claude-3-5-haiku"
    # An organisation prefix is not a provider: the whole id goes to the OpenAI-style server.
    assert with_base.litellm_model("meta-llama/Llama-3-8B") == "openai/meta-llama/Llama-3-8B"
    assert LlmClient().litellm_model("gpt-4o") == "gpt-4o"


def test_rate_limit_is_retried_after_the_servers_retry_after(
    llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    sleep = core.llm._asleep_polling

    async def recorded(seconds: float, cancelled: Callable[[], bool] | None) -> None:
        waits.append(seconds)
        await sleep(seconds, cancelled)

    monkeypatch.setattr(core.llm, "_asleep_polling", recorded)
    llm_server.reply_error(429, "slow down", retry_after_s=0.3)
    llm_server.reply_text("finally")
    completion = client_for(llm_server).complete("m", USER)
    assert completion.content == "finally"
    assert completion.attempts == 2
    assert len(llm_server.requests) == 2
    assert waits == [0.3], "Retry-After was honoured"
    assert completion.latency_ms >= 300, "latency is what the user waited, retries included"


def test_server_error_after_the_retries_is_a_readable_llm_error(
    llm_server: LlmTestServer,
) -> None:
    llm_server.reply_error(500, "the GPU caught fire")
    llm_server.reply_error(500, "the GPU caught fire")
    with pytest.raises(LlmError) as caught:
        client_for(llm_server, max_retries=1).complete("m", USER)
    error = caught.value
    assert (error.kind, error.status_code, error.attempts) == ("server", 500, 2)
    assert str(error) == (
        f"The server at {llm_server.url} failed (after 2 attempts) (HTTP 500: the GPU caught fire)."
    )
    assert len(llm_server.requests) == 2, "no hidden SDK retries on top of ours"


def test_authentication_failure_is_not_retried(llm_server: LlmTestServer) -> None:
    llm_server.reply_error(401, "Incorrect API key provided")
    with pytest.raises(LlmError) as caught:
        client_for(llm_server).complete("m", USER)
    assert caught.value.kind == "auth"
    assert "refused the API key" in str(caught.value)
    assert "Incorrect API key provided" in str(caught.value)
    assert len(llm_server.requests) == 1


def test_timeout(llm_server: LlmTestServer) -> None:
    llm_server.reply(Reply(content="too late", delay_s=2.0))
    with pytest.raises(LlmError) as caught:
        client_for(llm_server, timeout_s=0.2, max_retries=0).complete("m", USER)
    assert caught.value.kind == "timeout"
    assert str(caught.value) == "The model did not answer within 0.2 s."


def test_nothing_listening_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = LlmClient(api_base=f"http://127.0.0.1:{port}/v1", max_retries=0)
    with pytest.raises(LlmError) as caught:
        client.complete("m", USER)
    assert caught.value.kind == "connection"
    assert f"Could not connect to the server at http://127.0.0.1:{port}/v1" in str(caught.value)


def test_cancel_interrupts_a_long_retry_wait(llm_server: LlmTestServer) -> None:
    """Cancel, pressed on the third look during a 20 s Retry-After wait, ends the call on that
    look: the wait checks for it as it goes, not once at its end (then the retry would go out)."""
    llm_server.reply_error(429, "slow down", retry_after_s=20)
    llm_server.reply_text("the retry went out")
    looks_while_waiting = 0

    def cancelled() -> bool:
        nonlocal looks_while_waiting
        looks_while_waiting += len(llm_server.requests) == 1
        return looks_while_waiting == 3

    with pytest.raises(LlmError) as caught:
        client_for(llm_server).complete("m", USER, cancelled=cancelled)
    assert caught.value.kind == "cancelled"
    assert looks_while_waiting == 3
    assert len(llm_server.requests) == 1, "the retry never went out"


def test_the_key_never_appears_in_repr_or_errors(llm_server: LlmTestServer) -> None:
    client = client_for(llm_server, max_retries=0)
    assert KEY not in repr(client)
    assert KEY not in str(vars(client))
    assert "api_key=set" in repr(client)
    # A provider that echoes the key back in its error text.
    llm_server.reply_error(401, f"Invalid key {KEY} for this project")
    with pytest.raises(LlmError) as caught:
        client.complete("m", USER)
    assert KEY not in str(caught.value)
    assert "[hidden key]" in str(caught.value)
    assert llm_server.recorded[0].headers["authorization"] == f"Bearer {KEY}"


def test_a_base_url_never_receives_the_environments_key(
    llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-meant-for-openai-only")
    llm_server.reply_text("ok")
    LlmClient(api_base=llm_server.url).complete("m", USER)
    sent = llm_server.recorded[0].headers["authorization"]
    assert "sk-env-key" not in sent
    assert sent == "Bearer no-key"


def test_an_unscripted_request_fails_loudly(llm_server: LlmTestServer) -> None:
    with pytest.raises(LlmError, match="no scripted reply left"):
        client_for(llm_server, max_retries=0).complete("m", USER)


def test_a_base_url_without_v1_is_served_too(llm_server: LlmTestServer) -> None:
    llm_server.reply_text("plain path")
    client = LlmClient(api_base=f"http://127.0.0.1:{llm_server.port}")
    assert client.complete("m", USER).content == "plain path"
    assert llm_server.recorded[0].path == "/chat/completions"
    assert llm_server.pending == 0


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        LlmClient(timeout_s=0)
    with pytest.raises(ValueError, match="prices"):
        LlmClient(prices=(-1.0, 0.0))
    with pytest.raises(LlmError, match="No model given"):
        LlmClient().complete("  ", USER)
