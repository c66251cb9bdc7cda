"""The lean call path (core.compat.litellm.lean_call) against litellm used as it comes.

Each call skips litellm's logging and, when we price the reply ourselves, litellm's pricing of
it. These tests show that nothing we read changes: the same replies, token counts and costs as
a plain `litellm.acompletion`, and the runner's retries, rate limits, cancel, resume, cache and
spend cap behave the same with the skips and without them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

import core.compat.litellm as compat
from core.llm import LlmClient, _litellm
from tests.core import test_runner as runner_cases
from tests.core.test_compat import public_paths  # noqa: F401  (litellm outside WRITTEN_FOR)
from tests.core.test_runner import server  # noqa: F401  (the runner tests' fixture)
from tests.llm_server import LlmTestServer, Reply, last_user_text

KEY = "sk-lean-test-do-not-leak-41c9"
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}]


@contextlib.contextmanager
def _litellm_as_it_comes(*, priced_by_caller: bool) -> Iterator[None]:
    yield


@pytest.fixture(autouse=True)
def through_litellm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every client here calls through litellm: these tests are about litellm's own path (the
    direct one has tests/core/test_direct_chat_equivalence.py)."""
    init = LlmClient.__init__

    def pinned(self: LlmClient, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **{**kwargs, "transport": "litellm"})

    monkeypatch.setattr(LlmClient, "__init__", pinned)


@pytest.fixture(params=["lean", "as it comes"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "as it comes":
        monkeypatch.setattr(compat, "lean_call", _litellm_as_it_comes)
    return str(request.param)


@pytest.fixture
def replies(llm_server: LlmTestServer) -> LlmTestServer:
    llm_server.set_responder(
        lambda body: Reply(
            content=f"echo: {last_user_text(body)}", input_tokens=120, output_tokens=7
        )
    )
    return llm_server


def _plain(client: LlmClient, model: str, url: str) -> Any:
    """The same request through litellm.acompletion with nothing of ours around it."""
    litellm = _litellm()
    return asyncio.run(
        litellm.acompletion(
            model=client.litellm_model(model),
            messages=MESSAGES,
            api_base=url,
            api_key=KEY,
            temperature=0.0,
            max_tokens=50,
            max_retries=0,
        )
    )


def _plain_cost(response: Any, prices: tuple[float, float] | None) -> float:
    if prices is not None:
        return (
            response.usage.prompt_tokens * prices[0]
            + response.usage.completion_tokens * (prices[1])
        )
    try:
        return float(_litellm().completion_cost(completion_response=response))
    except Exception:  # litellm has no price for the model: the client counts it free
        return 0.0


@pytest.mark.parametrize(
    ("model", "prices"),
    [
        ("local-model", None),  # a local server's model litellm has no price for: free
        ("gpt-4o-mini", None),  # a model litellm prices: litellm's price is the cost
        ("local-model", (1e-6, 2e-6)),  # catalog prices: 120 x 1e-6 + 7 x 2e-6 = $0.000134
    ],
)
def test_replies_tokens_and_costs_are_plain_litellms(
    replies: LlmTestServer, model: str, prices: tuple[float, float] | None
) -> None:
    client = LlmClient(api_base=replies.url, api_key=KEY, prices=prices)
    ours = client.complete(model, MESSAGES, max_tokens=50)
    plain = _plain(client, model, replies.url)
    assert ours.content == plain.choices[0].message.content == "echo: hello"
    assert (ours.input_tokens, ours.output_tokens) == (
        plain.usage.prompt_tokens,
        plain.usage.completion_tokens,
    )
    assert ours.finish_reason == plain.choices[0].finish_reason
    assert ours.cost_usd == pytest.approx(_plain_cost(plain, prices), rel=1e-12, abs=1e-15)
    if prices is not None:
        assert ours.cost_usd == pytest.approx(0.000134)
    if model == "gpt-4o-mini":
        assert ours.cost_usd > 0, "litellm's own price, not a skipped one"
    sent = replies.requests
    assert sent[0] == sent[1], "the same request on the wire"


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> tuple[list[bool], list[Any]]:
    """For each call: whether litellm was told not to log it, and the price it stamped."""
    import litellm.utils

    internal: list[bool] = []
    dispatch = litellm.utils.dispatch_success_logging

    def spy(**kwargs: Any) -> None:
        internal.append(kwargs["is_litellm_internal_call"])
        dispatch(**kwargs)

    monkeypatch.setattr(litellm.utils, "dispatch_success_logging", spy)
    stamped: list[Any] = []
    completion = LlmClient._completion

    def read(self: LlmClient, response: Any, *args: Any, **kwargs: Any) -> Any:
        stamped.append(response._hidden_params.get("response_cost"))
        return completion(self, response, *args, **kwargs)

    monkeypatch.setattr(LlmClient, "_completion", read)
    return internal, stamped


def test_the_lean_path_skips_litellms_logging_and_pricing(
    replies: LlmTestServer, seen: tuple[list[bool], list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without this the equivalence above would hold trivially."""
    internal, stamped = seen
    client = LlmClient(api_base=replies.url, api_key=KEY, prices=(1e-6, 2e-6))
    client.complete("local-model", MESSAGES, max_tokens=50)
    priced_by_litellm = LlmClient(api_base=replies.url, api_key=KEY)
    priced_by_litellm.complete("gpt-4o-mini", MESSAGES, max_tokens=50)
    assert internal == [True, True], "no logging task for either call"
    assert stamped[0] is None, "our catalog prices the first: litellm did not"
    assert stamped[1] is not None and stamped[1] > 0, "litellm priced the second"

    with monkeypatch.context() as listening:
        listening.setattr(_litellm(), "success_callback", [lambda *a, **k: None])
        client.complete("local-model", MESSAGES, max_tokens=50)
    assert internal[-1] is False, "a registered callback still hears every call"
    assert stamped[-1] is not None, "and sees litellm's price"


def test_outside_the_range_litellm_logs_and_prices_every_call(
    public_paths: None,  # noqa: F811
    replies: LlmTestServer,
    seen: tuple[list[bool], list[Any]],
) -> None:
    internal, stamped = seen
    reply = LlmClient(api_base=replies.url, api_key=KEY, prices=(1e-6, 2e-6)).complete(
        "local-model", MESSAGES, max_tokens=50
    )
    assert internal == [False] and stamped[0] is not None
    assert reply.cost_usd == pytest.approx(0.000134), "the cost is still ours"


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
def test_the_runner_behaves_the_same_on_both_paths(
    case: Any,
    path: str,
    server: LlmTestServer,  # noqa: F811
) -> None:
    """The runner's own tests, each run lean and with litellm as it comes."""
    case(server)
