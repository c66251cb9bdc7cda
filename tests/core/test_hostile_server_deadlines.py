"""A server that sends its headers and then one byte a second (issue 14, item 3).

httpx's timeout restarts with every byte, so before this such a server kept a call alive for as
long as it liked and the agent trial ignored Cancel until the reply ended. Each test asserts
that the call ended while the server was still dribbling (no dribbled reply reached its last
byte): no clock is read, so a slow machine does not fail them, while a regression, which waits
for the whole dribble, always does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from core.agent_loop import TrialConfig, run_trial
from core.evaluation import DatasetItem, RunSettings, Variant
from core.llm import LlmClient, LlmError
from core.runner import EvalRunner
from storage import TraceStore
from tests.llm_server import LlmTestServer, Reply

# About 300 bytes at one a second: five minutes for a client that waits for the whole body.
DRIBBLE = Reply("a slow answer", dribble_s=1.0)


def _wait_for_request(server: LlmTestServer, count: int = 1) -> None:
    deadline = time.monotonic() + 30
    while len(server.recorded) < count:
        assert time.monotonic() < deadline, "the request never reached the server"
        time.sleep(0.02)


def test_the_timeout_is_a_deadline_for_the_whole_request(llm_server: LlmTestServer) -> None:
    llm_server.set_default(DRIBBLE)
    client = LlmClient(api_base=llm_server.url, timeout_s=1.0, max_retries=0)
    try:
        asyncio.run(client.acomplete("m", [{"role": "user", "content": "q"}]))
    except LlmError as exc:
        error = exc
    assert error.kind == "timeout"
    assert str(error) == "The model did not answer within 1 s."
    assert llm_server.dribbles_finished == 0


def test_the_sync_call_keeps_the_same_deadline(llm_server: LlmTestServer) -> None:
    llm_server.set_default(DRIBBLE)
    client = LlmClient(api_base=llm_server.url, timeout_s=1.0, max_retries=1)
    try:
        client.complete("m", [{"role": "user", "content": "q"}])
    except LlmError as exc:
        error = exc
    assert (error.kind, error.attempts) == ("timeout", 2)
    assert llm_server.dribbles_finished == 0
    assert llm_server.served <= 2


def test_cancel_abandons_a_trials_call_in_flight(llm_server: LlmTestServer, tmp_path: Path) -> None:
    """The trial's client has a 60 s timeout; Cancel, pressed while the reply dribbles, ends
    the trial at once, and the cancelled trial is stored."""
    llm_server.set_default(DRIBBLE)
    config = TrialConfig(task="Say hi.", model="local-model", api_base=llm_server.url)
    cancel = threading.Event()
    result = {}

    def work() -> None:
        client = LlmClient(api_base=llm_server.url, timeout_s=60, max_retries=0)
        result["outcome"] = run_trial(config, client, cancelled=cancel.is_set)

    thread = threading.Thread(target=work)
    thread.start()
    _wait_for_request(llm_server)
    cancel.set()
    thread.join(timeout=60)  # a guard against a hang, far shorter than the dribble

    assert not thread.is_alive()
    outcome = result["outcome"]
    assert (outcome.status, outcome.stop_reason) == ("cancelled", "Cancelled by the user.")
    assert llm_server.dribbles_finished == 0
    with TraceStore(tmp_path / "traces.sqlite3") as store:
        assert store.get_trial(store.save_trial(config, outcome)).status == "cancelled"


def test_cancel_abandons_a_runs_calls_in_flight(llm_server: LlmTestServer) -> None:
    llm_server.set_default(DRIBBLE)
    items = [DatasetItem(id=f"q{i}", input=f"q {i}") for i in range(6)]
    runner = EvalRunner(
        LlmClient(api_base=llm_server.url),
        RunSettings(concurrency=3, timeout_s=600, max_retries=0, use_cache=False),
    )
    cancel = threading.Event()
    result = {}

    def work() -> None:
        variant = Variant(name="v", model="local-model", api_base=llm_server.url)
        result["outcome"] = runner.run(
            variant, items, on_sample=lambda s: None, cancelled=cancel.is_set
        )

    thread = threading.Thread(target=work)
    thread.start()
    _wait_for_request(llm_server, 3)
    cancel.set()
    thread.join(timeout=60)  # a guard against a hang, far shorter than the dribble

    assert not thread.is_alive()
    assert result["outcome"].status == "cancelled"
    assert result["outcome"].done == 0
    assert llm_server.dribbles_finished == 0
