"""The version guards around dependencies' internals: inside the range they were written for
the private paths are used; outside it a warning is logged and the public path is taken."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from typing import Any

import pytest

from core import compat
from core.compat import litellm as compat_litellm
from core.compat.litellm import LitellmEventLoop
from core.llm import LlmClient, reply_cap_bytes
from tests.llm_server import LlmTestServer, Reply

USER = [{"role": "user", "content": "hello"}]


def test_versions_parse_and_compare_by_number() -> None:
    assert compat.parse_version("1.110.2") == (1, 110, 2)
    assert compat.parse_version("0.14.0rc1") == (0, 14, 0)
    assert compat.parse_version("2.0.0+local") == (2, 0, 0)
    assert compat.parse_version("1.9") < compat.parse_version("1.10")


@pytest.mark.parametrize(
    ("version", "inside"),
    [
        ("1.110.2", True),
        ("1.119.9", True),
        ("1.109.0", False),
        ("1.120.0", False),
        ("2.0.0", False),
        (None, False),
    ],
)
def test_within_warns_once_outside_the_range(
    version: str | None, inside: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="core.compat")
    compat._warned.discard(("dep", version))
    for _ in range(2):
        assert compat.within("dep", version, ((1, 110), (1, 120)), "the public path") is inside
    warnings = [r.getMessage() for r in caplog.records if r.name == "core.compat"]
    if inside:
        assert warnings == []
    else:
        (message,) = warnings
        assert message.startswith(f"dep {version or '(not installed)'} is outside the versions")
        assert "1.110-1.120 (excluded)" in message
        assert message.endswith("the public path")


def test_the_installed_litellm_is_one_the_internals_were_written_for() -> None:
    """When this fails, litellm was upgraded: check the three private uses in
    core/compat/litellm.py against the new version, then widen WRITTEN_FOR."""
    assert compat_litellm.uses_private_paths()


@pytest.fixture
def public_paths(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The client as it runs with a litellm outside the range (restored afterwards)."""
    from core.llm import _litellm

    _litellm()
    monkeypatch.setattr(compat_litellm, "_private", compat_litellm._private)
    caplog.set_level(logging.WARNING, logger="core.compat")
    compat._warned.discard(("litellm", "9.0.0"))
    compat_litellm.prepare("9.0.0")
    assert compat_litellm._private is False
    assert "litellm 9.0.0 is outside the versions" in caplog.text


def test_outside_the_range_the_hook_is_not_installed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from litellm.llms.openai.common_utils import BaseOpenAILLM

    def plain(*args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setattr(compat_litellm, "_private", compat_litellm._private)
    monkeypatch.setattr(BaseOpenAILLM, "_get_async_http_client", staticmethod(plain))
    compat_litellm.prepare("9.0.0")
    assert BaseOpenAILLM._get_async_http_client is plain
    compat_litellm.prepare("1.110.2")
    assert getattr(BaseOpenAILLM._get_async_http_client, "_aidf_capped", False)


# litellm's pricing builds pydantic schemas on first use, which warn about its own TypedDicts.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_outside_the_range_replies_are_priced_through_the_public_function(
    public_paths: None, llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gpt-4o at litellm's bundled prices: 1,000 x input price + 100 x output price, now from
    litellm.completion_cost instead of the figure litellm stamped on the reply."""
    import litellm

    prices = litellm.model_cost["gpt-4o"]
    expected = 1000 * prices["input_cost_per_token"] + 100 * prices["output_cost_per_token"]
    real = litellm.completion_cost
    calls: list[object] = []

    def completion_cost(*args: Any, **kwargs: Any) -> float:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(litellm, "completion_cost", completion_cost)
    llm_server.reply_text("x", input_tokens=1000, output_tokens=100)
    reply = LlmClient(api_base=llm_server.url).complete("gpt-4o", USER)
    assert reply.cost_usd == pytest.approx(expected)
    assert len(calls) == 1


def test_outside_the_range_request_preparation_goes_to_the_executor(
    public_paths: None, llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import litellm.main

    real = litellm.main.completion
    prepared_on: list[int] = []

    @functools.wraps(real)
    def completion(*args: Any, **kwargs: Any) -> Any:
        prepared_on.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(litellm.main, "completion", completion)
    llm_server.reply_text("via a thread", input_tokens=7, output_tokens=3)
    client = LlmClient(api_base=llm_server.url)

    async def call() -> tuple[int, Any]:
        return threading.get_ident(), await client.acomplete("m", USER)

    with asyncio.Runner(loop_factory=LitellmEventLoop) as runner:
        loop_thread, reply = runner.run(call())
    assert len(prepared_on) == 1 and prepared_on[0] != loop_thread
    assert reply.content == "via a thread"


def test_outside_the_range_an_oversized_reply_is_still_refused(
    public_paths: None, llm_server: LlmTestServer
) -> None:
    """max_tokens 16 allows 61,696 bytes; one more is refused by the check on the parsed reply."""
    from core.llm import LlmError

    llm_server.set_default(Reply("", content_bytes=reply_cap_bytes(16) + 1))
    with pytest.raises(LlmError) as refused:
        LlmClient(api_base=llm_server.url, max_retries=0).complete("m", USER, max_tokens=16)
    assert refused.value.kind == "too_large"
