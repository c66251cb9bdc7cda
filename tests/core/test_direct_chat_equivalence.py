"""The direct path (core/direct_chat.py) against litellm.acompletion, case by case (issue 20).

Each server behaviour is answered twice, through transport="auto" (direct, checked to be
taken: a counter on `direct_chat.post_chat`) and transport="litellm"; the two must give the
same Completion (latency aside), or the same LlmError (kind, status code, attempts, message),
and put the same request body on the wire. At the runner level, retries, 429s, cancel,
resume, the spend cap and the cache are the runner's own tests run on both transports.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import direct_chat
from core.evaluation import DatasetItem, RunSettings, Variant
from core.llm import Completion, LlmClient, LlmError
from core.runner import EvalRunner
from operations.runs import run_into
from storage import ExperimentStore
from tests.core import test_runner as runner_cases
from tests.core.test_hostile_server_replies import MALFORMED
from tests.core.test_runner import server  # noqa: F401  (the runner tests' fixture)
from tests.llm_server import LlmTestServer, Reply, ScriptedToolCall, last_user_text

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-direct-test-do-not-leak-7f31"
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "calculator",
            "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}},
        },
    }
]


def _chat(**message: Any) -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}}],
    }


CONTEXT = "This model's maximum context length is 4096 tokens. However, you asked for 5000."
CASES: dict[str, Reply] = {
    "text": Reply("hello there", input_tokens=120, output_tokens=7),
    "empty text": Reply("", input_tokens=3, output_tokens=0),
    "unicode": Reply("héllo — 你好 🙂", input_tokens=4, output_tokens=5),
    "tool call": Reply(
        tool_calls=(ScriptedToolCall("calculator", {"expression": "2+2"}, id="c1"),)
    ),
    "two tool calls with text": Reply(
        "let me see",
        tool_calls=(
            ScriptedToolCall("calculator", {"expression": "1"}, id="a"),
            ScriptedToolCall("calculator", "{}", id="b"),
        ),
    ),
    "malformed tool arguments": Reply(
        tool_calls=(ScriptedToolCall("calculator", '{"e": 1+', id="c1"),)
    ),
    "tool arguments not an object": Reply(
        tool_calls=(ScriptedToolCall("calculator", "[1, 2]", id="c1"),)
    ),
    "tool call without id": Reply(
        body=_chat(
            content=None,
            tool_calls=[{"type": "function", "function": {"name": "f", "arguments": "{}"}}],
        )
    ),
    "finish length": Reply(body={**_chat(content="cut"), "usage": {"prompt_tokens": 1}}),
    "finish eos": Reply(
        body={
            **_chat(content="x"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "x"},
                    "finish_reason": "eos",
                }
            ],
        }
    ),
    "reasoning tags": Reply("<think>hmm</think>the answer"),
    "no usage": Reply(body=_chat(content="ok")),
    "usage as text digits": Reply("hi", usage={"prompt_tokens": "7", "completion_tokens": 1}),
    "usage float whole": Reply("hi", usage={"prompt_tokens": 7.0, "completion_tokens": 1}),
    "usage fractional": Reply("hi", usage={"prompt_tokens": 1, "completion_tokens": 1.5}),
    "error in a 200": Reply(body={"error": {"message": "upstream broke", "code": 502}}),
    "400": Reply(status=400, error_message="bad thing"),
    "401": Reply(status=401, error_message="Incorrect API key provided"),
    "403": Reply(status=403, error_message="forbidden"),
    "404": Reply(status=404, error_message="The model `m` does not exist"),
    "408": Reply(status=408),
    "409": Reply(status=409),
    "422": Reply(status=422, error_message="unprocessable"),
    "429": Reply(status=429, error_message="Rate limit reached", retry_after_s=0.01),
    "429 without retry-after": Reply(status=429),
    "400 saying rate limit": Reply(status=400, error_message="rate_limit exceeded for tokens"),
    "500": Reply(status=500, error_message="The server had an error processing your request."),
    "502": Reply(status=502),
    "503 with retry-after": Reply(status=503, retry_after_s=0.01),
    "504": Reply(status=504),
    "context window": Reply(status=400, error_message=CONTEXT),
    "context window on a 500": Reply(status=500, error_message=CONTEXT),
    "markup in an error": Reply(status=500, error_message="<b>down</b> Error: x"),
    "request timed out words": Reply(status=500, error_message="Request timed out upstream"),
    "invalid request type words": Reply(status=404, error_message="invalid_request_error: no"),
    "timeout": Reply("late", delay_s=2.0),
    "echoed key": Reply("x", echo_key=True),
    **{f"hostile: {name}": reply for name, (reply, _says) in MALFORMED.items()},
}


@pytest.fixture
def direct_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every direct POST, by base URL: a test that compares litellm with itself fails."""
    calls: list[str] = []
    post = direct_chat.post_chat

    async def counted(api_base: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(api_base)
        return await post(api_base, *args, **kwargs)

    monkeypatch.setattr(direct_chat, "post_chat", counted)
    return calls


def _outcome(client: LlmClient, model: str, **kwargs: Any) -> Completion | LlmError:
    try:
        reply = client.complete(model, MESSAGES, **kwargs)
    except LlmError as exc:
        return exc
    return dataclasses.replace(reply, latency_ms=0.0)


def _same(a: Completion | LlmError, b: Completion | LlmError) -> None:
    """Equal outcomes; a tool-call id litellm invented (a random UUID, for a call the server
    sent without one) only has to be there on both."""
    if isinstance(a, Completion) and isinstance(b, Completion):
        a, b = _invented_ids_blank(a), _invented_ids_blank(b)
    if isinstance(a, LlmError) or isinstance(b, LlmError):
        assert isinstance(a, LlmError) and isinstance(b, LlmError), (a, b)
        assert (a.kind, a.status_code, a.attempts, str(a)) == (
            b.kind,
            b.status_code,
            b.attempts,
            str(b),
        )
    else:
        assert a == b


@pytest.mark.parametrize("prices", [None, (1e-6, 2e-6)], ids=["unpriced", "priced"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_reply_is_read_as_litellm_reads_it(
    llm_server: LlmTestServer,
    direct_calls: list[str],
    case: str,
    prices: tuple[float, float] | None,
) -> None:
    outcomes = []
    for transport in ("auto", "litellm"):
        llm_server.reply(CASES[case])
        client = LlmClient(
            api_base=llm_server.url,
            api_key=KEY,
            prices=prices,
            max_retries=0,
            timeout_s=1.0,
            transport=transport,
        )
        outcomes.append(_outcome(client, "local-model", tools=TOOLS, max_tokens=64))
    assert direct_calls == [llm_server.url], "the first call went direct, the second did not"
    _same(*outcomes)
    first, second = llm_server.recorded[-2:]
    assert first.body == second.body, "the same body on the wire"
    # The same bytes too: compact JSON, non-ASCII as UTF-8, as the OpenAI SDK's httpx sends.
    assert first.headers["content-length"] == second.headers["content-length"]
    assert KEY not in repr(outcomes[0])


def test_retries_wait_and_count_the_same(
    llm_server: LlmTestServer, direct_calls: list[str]
) -> None:
    """Two 429s then a 500 then an answer: 4 attempts on both; a 400 is never retried."""
    outcomes = []
    for transport in ("auto", "litellm"):
        llm_server.reply(Reply(status=429, retry_after_s=0.01))
        llm_server.reply(Reply(status=429))
        llm_server.reply(Reply(status=500))
        llm_server.reply(Reply("finally", input_tokens=9, output_tokens=2))
        llm_server.reply(Reply(status=400, error_message="no"))
        client = LlmClient(
            api_base=llm_server.url, max_retries=5, retry_backoff_s=0.0, transport=transport
        )
        outcomes.append(_outcome(client, "local-model"))
        outcomes.append(_outcome(client, "local-model"))
    assert len(direct_calls) == 5
    _same(outcomes[0], outcomes[2])
    _same(outcomes[1], outcomes[3])
    assert isinstance(outcomes[0], Completion) and outcomes[0].attempts == 4
    assert isinstance(outcomes[1], LlmError) and outcomes[1].attempts == 1


def _invented_ids_blank(reply: Completion) -> Completion:
    calls = [
        dataclasses.replace(c, id="invented") if re.fullmatch(r"[0-9a-f-]{36}", c.id) else c
        for c in reply.tool_calls
    ]
    return dataclasses.replace(reply, tool_calls=calls)


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_is_worded_and_retried_the_same(direct_calls: list[str]) -> None:
    url = f"http://127.0.0.1:{_refused_port()}/v1"
    outcomes = [
        _outcome(LlmClient(api_base=url, max_retries=1, retry_backoff_s=0.0, transport=t), "m")
        for t in ("auto", "litellm")
    ]
    assert len(direct_calls) == 2
    _same(*outcomes)
    assert isinstance(outcomes[0], LlmError) and outcomes[0].kind == "connection"


@pytest.mark.parametrize(
    "base",
    ["not a url", "ftp://127.0.0.1:1/v1", "http://", "http://127.0.0.1:99999/v1", "http://[::1/v1"],
)
def test_a_malformed_base_url_fails_the_same(base: str) -> None:
    """litellm words each malformed URL its own way: such URLs stay with it."""
    outcomes = [
        _outcome(LlmClient(api_base=base, max_retries=0, transport=t), "m")
        for t in ("auto", "litellm")
    ]
    _same(*outcomes)
    assert LlmClient(api_base=base).needs_litellm("m")


def test_credentials_in_the_base_url_are_refused_alike(
    llm_server: LlmTestServer, direct_calls: list[str]
) -> None:
    """The HTTP client refuses a user:password URL beside the key's header; nothing is sent."""
    base = llm_server.url.replace("http://", "http://bob:sk-user-info-1234@")
    outcomes = [
        _outcome(LlmClient(api_base=base, max_retries=1, retry_backoff_s=0, transport=t), "m")
        for t in ("auto", "litellm")
    ]
    assert len(direct_calls) == 2
    _same(*outcomes)
    assert llm_server.served == 0


@pytest.mark.parametrize(
    "api_base",
    ["{url}", "{url}/", "{root}", "{url}?api-key=sk-in-the-url-123&v=2", "{url}/?api-key=k123"],
)
def test_the_same_url_and_body_whatever_the_base_url(
    llm_server: LlmTestServer, direct_calls: list[str], api_base: str
) -> None:
    base = api_base.format(url=llm_server.url, root=llm_server.url.removesuffix("/v1"))
    llm_server.set_default(Reply("ok"))
    outcomes = [
        _outcome(LlmClient(api_base=base, transport=t), "openai/local-model", max_tokens=5)
        for t in ("auto", "litellm")
    ]
    assert direct_calls == [base]
    _same(*outcomes)
    first, second = llm_server.recorded[-2:]
    assert (first.path, first.body) == (second.path, second.body)
    assert first.headers["authorization"] == second.headers["authorization"] == "Bearer no-key"


def test_oversized_replies_are_refused_alike(
    llm_server: LlmTestServer, direct_calls: list[str]
) -> None:
    """Declared over the body cap: refused before reading; undeclared: cut past the cap."""
    for reply in (
        Reply("", content_bytes=2 * 1024 * 1024),
        Reply("", content_bytes=70_000),  # under the body cap, over the reply cap: parsed
    ):
        outcomes = []
        for transport in ("auto", "litellm"):
            llm_server.reply(reply)
            client = LlmClient(api_base=llm_server.url, max_retries=0, transport=transport)
            outcomes.append(_outcome(client, "m", max_tokens=256))
        _same(*outcomes)
        assert isinstance(outcomes[0], LlmError) and outcomes[0].kind == "too_large"
    llm_server.reply(Reply("", content_bytes=50 * 1024 * 1024, undeclared_length=True))
    error = _outcome(LlmClient(api_base=llm_server.url, max_retries=0), "m", max_tokens=256)
    assert isinstance(error, LlmError) and error.kind == "too_large"
    assert str(error).startswith(
        "The reply exceeds the 64 KB allowed for max_tokens 256 (reading stopped after "
    )
    assert len(direct_calls) == 3


@pytest.mark.parametrize(
    ("model", "transport", "direct"),
    [
        ("local-model", "auto", True),
        ("openai/local-model", "auto", True),
        ("local-model", "litellm", False),
        ("gpt-4o-mini", "auto", False),  # litellm prices it
        ("openai/gpt-4o-mini", "auto", False),
        ("meta-llama/Llama-3-8B", "auto", False),  # the prefix may be a provider's
    ],
)
def test_which_calls_go_direct(model: str, transport: str, direct: bool) -> None:
    client = LlmClient(api_base="http://127.0.0.1:9/v1", transport=transport)  # type: ignore[arg-type]
    assert client.needs_litellm(model) is not direct
    assert LlmClient().needs_litellm("local-model"), "no base URL: litellm picks the provider"


def test_a_litellm_callback_or_tls_setting_sends_calls_through_litellm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from core.llm import _litellm

    client = LlmClient(api_base="http://127.0.0.1:9/v1")
    assert not client.needs_litellm("local-model")
    with monkeypatch.context() as listening:
        listening.setattr(_litellm(), "success_callback", [lambda *a, **k: None])
        assert client.needs_litellm("local-model")
    monkeypatch.setenv("SSL_VERIFY", "False")
    assert client.needs_litellm("local-model")


@pytest.fixture(params=["auto", "litellm"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The runner's tests build clients without a transport: pin the one under test."""
    chosen = str(request.param)
    init = LlmClient.__init__

    def pinned(self: LlmClient, *args: Any, **kwargs: Any) -> None:
        kwargs["transport"] = chosen
        init(self, *args, **kwargs)

    monkeypatch.setattr(LlmClient, "__init__", pinned)
    yield chosen


@pytest.mark.parametrize(
    "case",
    [
        runner_cases.test_a_429_is_retried_after_its_retry_after,
        runner_cases.test_a_500_is_retried_and_a_400_is_not,
        runner_cases.test_a_timeout_is_retried_then_reported,
        runner_cases.test_the_requests_per_minute_limit_holds,
        runner_cases.test_cancel_keeps_what_finished_and_resume_runs_only_the_rest,
        runner_cases.test_cancel_does_not_wait_for_a_request_in_flight,
        runner_cases.test_cache_hits_cost_nothing_and_send_nothing,
        runner_cases.test_the_spend_cap_stops_new_requests,
        runner_cases.test_the_key_never_reaches_a_sample,
    ],
    ids=lambda case: case.__name__.removeprefix("test_"),
)
def test_the_runner_behaves_the_same_on_both_transports(
    case: Any,
    transport: str,
    direct_calls: list[str],
    server: LlmTestServer,  # noqa: F811
) -> None:
    """The runner's own tests, each run direct and through litellm."""
    case(server)
    assert bool(direct_calls) is (transport == "auto")


def _stored_run(local: LlmTestServer, tmp_path: Path, transport: str) -> list[Any]:
    """A run over 12 items with a 429, a 500, a poisoned item, a spend cap half-way and a
    resume with the cache on: the stored samples, latency aside."""
    local.set_responder(
        lambda body: Reply(last_user_text(body).upper(), input_tokens=100, output_tokens=10)
    )
    local.fail(Reply(status=429, retry_after_s=0.01), first=1)
    local.fail(Reply(status=500), matching="q3")
    local.fail(Reply("x", usage={"prompt_tokens": -1}), matching="q5")
    items = [DatasetItem(id=f"i{n:02}", input=f"q{n}") for n in range(12)]
    variant = Variant(name="v", model="local-model", api_base=local.url)
    settings = RunSettings(
        concurrency=1,
        retry_backoff_s=0.0,
        max_retries=1,
        spend_cap_usd=0.0008,
        transport=transport,  # type: ignore[arg-type]
    )
    prices = (1e-6, 2e-6)  # 100 x 1e-6 + 10 x 2e-6 = $0.00012 an item
    with ExperimentStore(tmp_path / f"{transport}.sqlite3") as store:
        dataset = store.add_dataset("d", items)
        run_id = store.create_run(dataset.id, variant, None)
        client = LlmClient(api_base=local.url, prices=prices, transport=transport)  # type: ignore[arg-type]
        capped = run_into(store, run_id, EvalRunner(client, settings), variant, items)
        done = {s.item_id for s in store.samples(run_id) if s.error is None}
        again = settings.model_copy(update={"spend_cap_usd": 0.0})
        resumed = run_into(store, run_id, EvalRunner(client, again), variant, items, skip_ids=done)
        samples = [
            s.model_copy(
                update={"latency_ms": 0.0, "error": s.error and s.error.replace(local.url, "URL")}
            )
            for s in store.samples(run_id)
        ]
        status = store.run(run_id).status
    return [capped.status, capped.done, resumed.status, resumed.cached, status, samples]


def test_a_stored_run_with_failures_cap_and_resume_is_the_same(
    tmp_path: Path, direct_calls: list[str]
) -> None:
    results = []
    for transport in ("auto", "litellm"):
        with LlmTestServer() as local:
            results.append(_stored_run(local, tmp_path, transport))
    assert direct_calls, "the direct path was taken"
    assert results[0] == results[1]
    assert results[0][0] == "spend_cap"


def test_eval_run_on_the_direct_path_never_imports_litellm(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"id": f"q{i}", "input": f"q {i}"}) + "\n" for i in range(5))
    )
    env = {
        **os.environ,
        "AIDF_DB": str(tmp_path / "runs.sqlite3"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    probe = (
        "import atexit, sys, runpy; "
        "atexit.register(lambda: print('litellm imported:', 'litellm' in sys.modules, "
        "file=sys.stderr)); "
        "sys.argv = ['main.py', *sys.argv[1:]]; runpy.run_path('main.py', run_name='__main__')"
    )

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    with LlmTestServer() as local:
        local.set_default(Reply("ok"))
        assert cli("eval", "import-dataset", str(items), "--name", "items").returncode == 0
        run = ["eval", "run", "--dataset", "items", "--model", "local-model", "--yes"]
        direct = cli(*run, "--api-base", local.url)
        through = cli(*run, "--api-base", local.url, "--transport", "litellm", "--no-cache")
    assert direct.returncode == 0, direct.stderr[-2000:]
    assert direct.stdout.startswith("run 1: completed; 5 done, 0 errors"), direct.stdout
    assert "litellm imported: False" in direct.stderr, direct.stderr[-2000:]
    assert through.returncode == 0, through.stderr[-2000:]
    assert through.stdout.startswith("run 2: completed; 5 done, 0 errors"), through.stdout
    assert "litellm imported: True" in through.stderr


def test_sessions_are_closed_when_their_calls_end(
    llm_server: LlmTestServer, direct_calls: list[str], recwarn: pytest.WarningsRecorder
) -> None:
    """A synchronous call, a call on the caller's own loop (outside any session scope) and a
    run each close the HTTP session they opened: no "Unclosed client session" once collected."""
    import asyncio
    import gc

    llm_server.set_default(Reply("ok"))
    client = LlmClient(api_base=llm_server.url)
    assert client.complete("m", MESSAGES).content == "ok"
    assert asyncio.run(client.acomplete("m", MESSAGES)).content == "ok"
    variant = Variant(name="v", model="m", api_base=llm_server.url)
    items = [DatasetItem(id=str(i), input="q") for i in range(6)]
    outcome = EvalRunner(client, RunSettings(concurrency=3)).run(
        variant, items, on_sample=lambda sample: None
    )
    gc.collect()
    assert outcome.status == "completed" and len(direct_calls) == 8
    assert not [w for w in recwarn if "nclosed" in str(w.message)]


class _RawReply(http.server.BaseHTTPRequestHandler):
    """Answers every POST with the class's (status, content type, body)."""

    protocol_version = "HTTP/1.1"
    answer: tuple[int, str, bytes] = (200, "application/json", b"")

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, content_type, body = self.answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize(
    "answer",
    [
        (200, "application/json", b"not json"),
        (200, "application/json", b""),
        (200, "text/plain", b"hello"),
        (502, "text/html", b"<html>bad gateway</html>"),
        (404, "application/json", b'{"detail": "Not Found"}'),
        (400, "application/json", b'{"error": "plain string"}'),
        (400, "application/json", b'{"message": "top-level msg"}'),
    ],
    ids=lambda answer: f"{answer[0]} {answer[1]} {answer[2][:12]!r}",
)
def test_bodies_the_scripted_server_cannot_send_are_read_alike(
    answer: tuple[int, str, bytes], direct_calls: list[str]
) -> None:
    """Not JSON, empty, HTML error pages, error bodies of other shapes."""
    handler = type("Raw", (_RawReply,), {"answer": answer})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        outcomes = [
            _outcome(LlmClient(api_base=url, max_retries=0, transport=t), "m")
            for t in ("auto", "litellm")
        ]
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert direct_calls == [url]
    _same(*outcomes)
