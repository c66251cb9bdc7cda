"""`eval run` against a hostile server (issue 14, items 2, 3 and the Ctrl-C part of 10).

Each test runs main.py as a separate process, as a user would, against tests/llm_server.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

ROOT = Path(__file__).resolve().parents[2]


def _dataset(tmp_path: Path, run_cli: Callable[..., Any], n: int) -> None:
    path = tmp_path / "items.jsonl"
    lines = [json.dumps({"id": f"q{i}", "input": f"question {i}"}) for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_cli("eval", "import-dataset", str(path), "--name", "items")
    assert done.returncode == 0, done.stderr


def _run_args(server: LlmTestServer, *extra: str) -> list[str]:
    return [
        "eval", "run", "--dataset", "items", "--model", "m", "--api-base", server.url,
        "--yes", "--no-cache", *extra,
    ]  # fmt: skip


def test_a_run_where_no_item_succeeds_exits_1_and_says_so(
    run_cli: Callable[..., Any], tmp_path: Path, db_path: Path
) -> None:
    """The reported attack: usage.prompt_tokens -1 on every reply. It exited 0 saying
    "completed; All 40 items done" with no sample stored."""
    with LlmTestServer() as server:
        server.set_default(Reply("x", usage={"prompt_tokens": -1, "completion_tokens": 1}))
        _dataset(tmp_path, run_cli, 40)
        done = run_cli(*_run_args(server))
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("run 1: failed; 40 done, 40 errors")
    assert "The server's reply was malformed: usage.prompt_tokens is -1." in done.stdout
    assert "error: run 1 failed: no item has an answer" in done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    with ExperimentStore(db_path) as store:
        run = store.run(1)
    assert (run.status, run.samples, run.errors) == ("failed", 40, 40)


def test_some_items_failing_is_a_partial_run_and_exit_0(
    run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    with LlmTestServer(responder=lambda body: Reply(last_user_text(body).upper())) as server:
        server.fail(Reply(body={"choices": "no"}), matching="question 3")
        _dataset(tmp_path, run_cli, 5)
        done = run_cli(*_run_args(server))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("run 1: partial; 5 done, 1 errors")
    assert "4 of 5 items answered, 1 failed" in done.stdout


def test_timeout_is_a_deadline_against_a_dribbling_server(
    run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    """Headers, then a byte a second (about five minutes a reply): `--timeout 3 --retries 0`
    over 4 items at concurrency 4 ran past 90 s. One batch of 3 s deadlines now: the run ends
    while every reply still dribbles, however slow the machine, and a regression does not."""
    with LlmTestServer() as server:
        server.set_default(Reply("slow", dribble_s=1.0))
        _dataset(tmp_path, run_cli, 4)
        done = run_cli(*_run_args(server, "--timeout", "3", "--retries", "0", "--concurrency", "4"))
        finished = server.dribbles_finished
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("run 1: failed; 4 done, 4 errors")
    assert "The model did not answer within 3 s." in done.stdout
    assert finished == 0


def test_ctrl_c_keeps_finished_samples_and_names_the_run_to_resume(
    tmp_path: Path, db_path: Path, run_cli: Callable[..., Any]
) -> None:
    """Three items answer at once, the rest dribble; Ctrl-C then stops the run: exit 130, the
    three samples kept, the run resumable, and the message names it. The resume finishes it."""

    def answer(body: dict[str, Any]) -> Reply:
        text = last_user_text(body)
        fast = text in {"question 0", "question 1", "question 2"}
        return Reply(text.upper()) if fast else Reply("slow", dribble_s=1.0)

    with LlmTestServer(responder=answer) as server:
        _dataset(tmp_path, run_cli, 6)
        env = {**os.environ, "AIDF_DB": str(db_path), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        proc = subprocess.Popen(
            [sys.executable, "main.py", *_run_args(server, "--concurrency", "1")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while len(server.recorded) < 4:
            assert time.monotonic() < deadline and proc.poll() is None, "the run never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)

        assert proc.returncode == 130, err
        assert "interrupted: resume with `eval run --resume 1`" in err
        assert "3 finished samples of run 1 are kept" in err
        assert "Traceback" not in err
        with ExperimentStore(db_path) as store:
            run = store.run(1)
            assert (run.status, run.samples) == ("cancelled", 3)
            assert store.pending_item_ids(1) == ["q3", "q4", "q5"]

        server.set_responder(lambda body: Reply(last_user_text(body).upper()))
        resumed = run_cli("eval", "run", "--resume", "1", "--yes")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith("run 1: completed; 6 done, 0 errors")
