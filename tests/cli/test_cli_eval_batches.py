"""`eval run --batch` and `eval batches` against the local server's Batch API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from storage.batches import BatchStore
from tests.llm_batches import BatchBehaviour
from tests.llm_server import LlmTestServer, Reply, last_user_text

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "datasets" / "capitals-qa.jsonl"
ITEMS = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line]


def _answer(body: dict) -> Reply:
    text = last_user_text(body)
    item = next(item for item in ITEMS if item["input"] in text)
    return Reply(item["expected"], input_tokens=12, output_tokens=2)


@pytest.fixture
def server():
    with LlmTestServer(responder=_answer) as s:
        yield s


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _send(capsys, server: LlmTestServer, *extra: str) -> tuple[int, str, str]:
    _eval(capsys, "import-dataset", str(EXAMPLE))
    return _eval(
        capsys,
        "run",
        "--dataset",
        "capitals-qa",
        "--model",
        "m",
        "--api-base",
        server.url,
        "--yes",
        "--batch",
        "--poll-interval",
        "0.01",
        *extra,
    )


def test_run_batch_sends_waits_and_stores_the_results(capsys, server, db_path: Path) -> None:
    server.batches.behaviour = BatchBehaviour(polls=3)
    code, out, err = _send(capsys, server)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "run 1: batch 1 sent (batch_2), 30 requests"
    assert lines[1].startswith("run 1: completed; 30 answered, 0 errors, $0 at batch prices")
    assert "30 requests to m" in err
    assert "Real time and batch: unknown cost" in err
    assert err.count("batch 1: in_progress") == 2 and "batch 1: completed, 30 of 30" in err
    with BatchStore(db_path) as store:
        assert [s.output for s in store.samples(1)] == [item["expected"] for item in ITEMS]


def test_no_wait_then_list_resume_and_cancel(capsys, server, db_path: Path) -> None:
    server.batches.behaviour = BatchBehaviour(polls=2)
    code, out, err = _send(capsys, server, "--no-wait")
    assert code == 0 and out == "run 1: batch 1 sent (batch_2), 30 requests\n"
    assert "eval batches resume 1" in err

    code, out, _ = _eval(capsys, "batches")
    header, row = out.splitlines()
    assert header.split()[:5] == ["BATCH", "PROVIDER", "ID", "RUN", "MODEL"]
    assert row.split()[:6] == ["1", "batch_2", "1", "m", "validating", "30"]

    code, out, _ = _eval(capsys, "batches", "resume", "--no-wait")
    assert code == 0 and out == "batch 1 (batch_2): in_progress, 0 of 30 done\n"
    code, out, _ = _eval(capsys, "batches", "resume", "batch_2", "--poll-interval", "0.01")
    assert code == 0 and out.startswith("run 1: completed; 30 answered")
    code, out, _ = _eval(capsys, "batches", "resume")
    assert out == "No unfinished batches.\n"

    # A second batch, cancelled before it ran anything: the run ends cancelled.
    server.batches.behaviour = BatchBehaviour(polls=5)
    _send(capsys, server, "--no-wait")
    code, out, _ = _eval(capsys, "batches", "cancel", "2")
    assert code == 0 and out.startswith("batch 2 (batch_5): cancelling")
    code, out, _ = _eval(capsys, "batches", "resume", "2", "--no-wait")
    assert "cancelled; run 2 cancelled: The batch was cancelled: 0 of 30" in out
    code, _, err = _eval(capsys, "batches", "cancel", "2")
    assert code == 2 and "already ended (cancelled)" in err


def test_partial_failure_then_resume_as_a_new_batch(capsys, server, db_path: Path) -> None:
    server.fail(Reply(status=500, error_message="overloaded"), first=2)
    code, out, err = _send(capsys, server)
    assert code == 0, err
    assert "run 1: partial; 28 answered, 2 errors" in out
    server._state.failures.clear()
    code, out, err = _eval(
        capsys, "run", "--resume", "1", "--batch", "--yes", "--poll-interval", "0.01"
    )
    assert code == 0, err
    assert out.splitlines()[0] == "run 1: batch 2 sent (batch_6), 2 requests"
    assert "run 1: completed; 30 answered, 0 errors" in out


def test_an_expired_batch_is_partial(capsys, server) -> None:
    server.batches.behaviour = BatchBehaviour(expire_after_lines=10)
    code, out, _ = _send(capsys, server)
    assert code == 0 and "run 1: partial; 10 answered, 20 errors" in out
    assert "expired" in out


def test_refusals_exit_2(capsys, server) -> None:
    code, _, err = _send(capsys, server, "--poll-interval", "0")
    assert code == 2 and "--poll-interval must be more than 0" in err
    code, _, err = _eval(
        capsys,
        "run",
        "--dataset",
        "capitals-qa",
        "--model",
        "anthropic/claude-x",
        "--batch",
        "--yes",
    )
    assert code == 2 and "not an OpenAI model" in err
    code, _, err = _eval(capsys, "batches", "cancel", "9")
    assert code == 2 and "no batch '9'" in err
    code, out, _ = _eval(capsys, "batches")
    assert out == "No batches.\n"
