"""Size limits against a hostile server (issue 14, item 5).

50 MB replies (max_tokens 256) to 40 items made a 4.2 GB database and 3.5 GB of memory; one
reply with 30,000 tool calls made 120,001 trace steps and an 83 MB next request. The reply is
capped relative to max_tokens (16 bytes a token plus 60 KiB, at most 8 MiB) and the HTTP
client stops reading past it; tool calls are capped per reply (64) and per trial (256), and the
request the agent loop sends at 1 MiB. The memory-heavy attack runs in a subprocess under
RLIMIT_AS, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from core.agent_loop import MAX_REQUEST_BYTES, MAX_TOOL_CALLS_PER_TRIAL, TrialConfig, run_trial
from core.evaluation import DatasetItem, RunSettings, Variant
from core.llm import LlmClient, describe_bytes, reply_cap_bytes
from core.runner import EvalRunner
from storage import ExperimentStore, TraceStore
from tests.llm_server import LlmTestServer, Reply, ScriptedToolCall, last_user_text

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
# The CLI process peaks near 0.5 GB of address space here with or without the attack; without
# the limits, eight 50 MB replies in flight needed several times that.
ADDRESS_SPACE_LIMIT = 1536 * MB


def test_the_reply_cap_and_how_it_reads() -> None:
    """16 x 256 + 61,440 = 65,536 bytes = 64 KB; 16 x 1,000,000 + 61,440 is over the 8 MiB
    cap; no max_tokens allows 1 MiB."""
    assert reply_cap_bytes(256) == 65_536
    assert reply_cap_bytes(1_000_000) == 8 * MB
    assert reply_cap_bytes(None) == MB
    assert describe_bytes(65_536) == "64 KB"
    assert describe_bytes(50 * MB) == "50 MB"
    assert describe_bytes(1_258_291) == "1.2 MB"
    assert describe_bytes(512) == "512 bytes"


def test_a_reply_over_the_cap_is_that_items_error(llm_server: LlmTestServer) -> None:
    """max_tokens 16 allows 16 x 16 + 61,440 = 61,696 bytes: a 61,696-byte answer is kept, one
    byte more is refused, through the exact check on the parsed reply."""
    cap = reply_cap_bytes(16)
    llm_server.set_responder(
        lambda body: Reply("", content_bytes=cap + ("over" in last_user_text(body)))
    )
    items = [DatasetItem(id="fits", input="fits"), DatasetItem(id="over", input="over")]
    landed = []
    outcome = EvalRunner(
        LlmClient(api_base=llm_server.url), RunSettings(max_retries=2, use_cache=False)
    ).run(
        Variant(name="v", model="m", api_base=llm_server.url, max_tokens=16),
        items,
        on_sample=landed.append,
    )
    by_id = {s.item_id: s for s in landed}
    assert len(by_id["fits"].output) == cap
    assert by_id["over"].error == "The reply of 60 KB exceeds the 60 KB allowed for max_tokens 16."
    assert (outcome.status, llm_server.served) == ("partial", 2)


def test_50_mb_replies_to_40_items_store_errors_not_gigabytes(tmp_path: Path) -> None:
    db_path = tmp_path / "runs.sqlite3"
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"id": f"q{i}", "input": f"q {i}"}) + "\n" for i in range(40))
    )
    env = {**os.environ, "AIDF_DB": str(db_path), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "main.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=limited,
        )

    with LlmTestServer() as server:
        server.set_default(Reply("", content_bytes=50 * MB))
        assert cli("eval", "import-dataset", str(items), "--name", "items").returncode == 0
        done = cli(
            "eval", "run", "--dataset", "items", "--model", "m", "--api-base", server.url,
            "--yes", "--max-tokens", "256", "--concurrency", "8", "--retries", "0",
        )  # fmt: skip
        # Without the HTTP client's cap every byte of the 2,000 MB would be sent and read; with
        # it each reply is dropped after its headers, leaving what the socket buffers took.
        sent = server.padding_sent
    assert sent < 40 * 50 * MB / 4, f"{sent / MB:.0f} MB of padding was read"
    assert "MemoryError" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout.startswith("run 1: failed; 40 done, 40 errors")
    assert "The reply of 50 MB exceeds the 64 KB allowed for max_tokens 256." in done.stdout
    with ExperimentStore(db_path) as store:
        samples = store.samples(1)
    assert len(samples) == 40 and all(s.output == "" for s in samples)
    assert db_path.stat().st_size < 5 * MB


def test_a_body_of_undeclared_length_is_cut_at_the_cap(llm_server: LlmTestServer) -> None:
    """No Content-Length, 50 MB until the connection closes: reading stops past the body cap
    (3 x 64 KB + 64 KB = 256 KB for max_tokens 256), so the server cannot send it all."""
    llm_server.set_default(Reply("", content_bytes=50 * MB, undeclared_length=True))
    landed = []
    EvalRunner(LlmClient(api_base=llm_server.url), RunSettings(max_retries=0)).run(
        Variant(name="v", model="m", api_base=llm_server.url, max_tokens=256),
        [DatasetItem(id="1", input="x")],
        on_sample=landed.append,
    )
    (sample,) = landed
    assert sample.error is not None
    # Reading stops at the first network chunk past 256 KB; how far past depends on chunking.
    head = "The reply exceeds the 64 KB allowed for max_tokens 256 (reading stopped after "
    assert sample.error.startswith(head), sample.error
    assert sample.error.endswith(" KB)."), sample.error
    assert 256 <= int(sample.error.removeprefix(head).removesuffix(" KB).")) < 1024
    deadline = time.monotonic() + 30
    while llm_server.served < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert llm_server.padding_sent < 25 * MB


def _trial(server: LlmTestServer) -> tuple[TrialConfig, LlmClient]:
    config = TrialConfig(
        task="Add things up.", model="local-model", api_base=server.url, max_iterations=100
    )
    return config, LlmClient(api_base=server.url, max_retries=0)


def test_a_reply_with_30000_tool_calls_ends_the_trial_with_one_error_step(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    calls = tuple(ScriptedToolCall("calculator", "{}", id=f"c{i}") for i in range(30_000))
    llm_server.reply(Reply(tool_calls=calls))
    config, client = _trial(llm_server)
    outcome = run_trial(config, client)
    assert outcome.status == "error"
    assert [s.kind for s in outcome.steps] == ["error"]
    assert outcome.steps[0].text == (
        "The reply asks for 30,000 tool calls; at most 64 are accepted in one reply."
    )
    assert llm_server.served == 1
    with TraceStore(tmp_path / "traces.sqlite3") as store:
        assert len(store.get_steps(store.save_trial(config, outcome))) == 1


def test_a_trial_stops_past_its_tool_call_budget(llm_server: LlmTestServer) -> None:
    """60 calls a reply: the fifth reply brings the trial to 300 > 256 calls, so it stops
    before running them; 4 x 60 = 240 calls ran (a tool_call and a tool_result step each)."""
    calls = tuple(ScriptedToolCall("calculator", {"expression": "1+1"}) for _ in range(60))
    llm_server.set_default(Reply(tool_calls=calls))
    outcome = run_trial(*_trial(llm_server))
    assert outcome.status == "error"
    assert outcome.stop_reason == (
        f"The model asked for 300 tool calls in this trial; at most {MAX_TOOL_CALLS_PER_TRIAL} "
        "are run; stopped."
    )
    assert sum(s.kind == "tool_call" for s in outcome.steps) == 240
    # Requests as they arrived: `served` counts a reply only after its last byte, which a fast
    # client can read before the server's thread gets there.
    assert len(llm_server.recorded) == 5


def test_a_trial_does_not_send_a_request_over_its_size_limit(llm_server: LlmTestServer) -> None:
    """Each reply asks for one tool call with a 600,000-character expression (the calculator
    refuses it, briefly); the assistant turns it echoes make the third request about 1.2 MB,
    over the 1 MiB limit, so it is not sent."""
    arguments = json.dumps({"expression": "1" * 600_000})
    llm_server.set_default(Reply(tool_calls=(ScriptedToolCall("calculator", arguments),)))
    outcome = run_trial(*_trial(llm_server))
    assert outcome.status == "error"
    assert outcome.stop_reason.startswith("The next request would be 1.1 MB, over the 1 MB")
    assert outcome.steps[-1].kind == "error"
    assert llm_server.served == 2
    assert all(len(json.dumps(r)) < MAX_REQUEST_BYTES for r in llm_server.requests)
