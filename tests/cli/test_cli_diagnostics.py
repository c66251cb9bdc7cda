"""Diagnosability of the command line: --version, -v/--debug, the exit code that tells bad input
(2) from a bug (70, with the traceback in the log file), and no key in that file."""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

import cli.compute
import main
from core import APP_VERSION
from operations.scenarios import ScenarioError
from storage import StorageError
from tests.llm_server import LlmTestServer, Reply, last_user_text

KEY = "sk-test-DIAGNOSE-5b7e1d"
URL_SECRET = "hunter2-in-the-url"


@pytest.fixture
def log_path() -> Path:
    return Path(os.environ["AIDF_LOG_DIR"]) / "aidf.log"


def _with_handler(monkeypatch: pytest.MonkeyPatch, handler: Callable[..., int]) -> None:
    """`aidf frameworks` runs `handler` instead (the parser is built anew on every call)."""
    monkeypatch.setattr(cli.compute, "_cmd_frameworks", handler)


def _raises(exc: BaseException) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        raise exc

    return handler


def test_version(capsys, run_cli) -> None:
    assert main.main(["--version"]) == 0
    assert capsys.readouterr().out == f"AI Decision Frameworks {APP_VERSION}\n"
    done = run_cli("--version")
    assert (done.returncode, done.stdout) == (0, "AI Decision Frameworks 0.1.0\n")


def test_help_names_the_exit_codes_and_the_log_file(capsys, log_path) -> None:
    assert main.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "70 internal error (a bug)" in out and f"  {log_path}\n" in out


@pytest.mark.parametrize(
    "args",
    [
        ["-v", "frameworks"],
        ["frameworks", "-v"],
        ["--verbose", "frameworks"],
        ["--debug", "frameworks"],
        ["frameworks", "--debug"],
        ["-vv", "scenarios", "list", "--debug"],
    ],
)
def test_verbosity_flags_go_before_or_after_the_command(args, capsys) -> None:
    assert main.main(args) == 0, capsys.readouterr().err


def test_verbose_shows_info_on_the_terminal(monkeypatch, capsys, log_path) -> None:
    def chatty(args: argparse.Namespace) -> int:
        logging.getLogger("cli.test").info("step one")
        logging.getLogger("cli.test").debug("tiny detail")
        return 0

    _with_handler(monkeypatch, chatty)
    assert main.main(["frameworks"]) == 0
    assert capsys.readouterr().err == ""
    assert main.main(["-v", "frameworks"]) == 0
    assert capsys.readouterr().err == "info: cli.test: step one\n"
    assert main.main(["--debug", "frameworks"]) == 0
    assert capsys.readouterr().err == "info: cli.test: step one\ndebug: cli.test: tiny detail\n"
    text = log_path.read_text()
    assert text.count("step one") == 3 and text.count("tiny detail") == 1


class _Positive(BaseModel):
    n: int


def _validation_error() -> ValidationError:
    try:
        _Positive.model_validate({"n": "many"})
    except ValidationError as exc:
        return exc
    raise AssertionError("validated")


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (StorageError("the database file is damaged"), "error: the database file is damaged"),
        (FileNotFoundError(2, "No such file or directory", "in.json"), "error: in.json: No such"),
        (PermissionError(13, "Permission denied", "/x/out.pdf"), "error: /x/out.pdf: Permission"),
        (ScenarioError("first: bad", "second: bad"), "error: first: bad\nerror: second: bad"),
        (_validation_error(), "error: n: "),
    ],
    ids=["storage", "missing-file", "permission", "scenario", "validation"],
)
def test_bad_input_a_handler_lets_through_exits_2(
    exc, message, monkeypatch, capsys, log_path
) -> None:
    _with_handler(monkeypatch, _raises(exc))
    assert main.main(["frameworks"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and "internal error" not in err, err
    assert "Traceback" not in err and "Traceback" not in log_path.read_text()


def test_a_bug_exits_70_with_one_line_and_the_traceback_in_the_log(
    monkeypatch, capsys, log_path
) -> None:
    _with_handler(monkeypatch, _raises(RuntimeError("the impossible happened")))
    assert main.main(["frameworks"]) == 70
    err = capsys.readouterr().err
    assert err == (
        f"internal error: RuntimeError: the impossible happened; details in {log_path}\n"
    )
    text = log_path.read_text()
    assert "ERROR cli.parser [MainThread]: internal error in: aidf frameworks" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: the impossible happened" in text


def test_a_value_error_from_our_code_is_a_bug_not_bad_input(monkeypatch, capsys) -> None:
    """Bad input is what the handlers turn into CliError or one of the known error types; a
    bare ValueError escaping means a check is missing, and that is worth a traceback."""
    _with_handler(monkeypatch, _raises(ValueError("math domain error")))
    assert main.main(["frameworks"]) == 70
    assert capsys.readouterr().err.startswith("internal error: ValueError: math domain error;")


def test_interrupted_exits_130(monkeypatch, capsys) -> None:
    _with_handler(monkeypatch, _raises(KeyboardInterrupt()))
    assert main.main(["frameworks"]) == 130


def test_a_cli_error_still_exits_2(capsys) -> None:
    assert main.main(["schema", "no_such_framework"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown framework 'no_such_framework'")


def _answer(body: dict) -> Reply:
    return Reply(last_user_text(body).upper(), input_tokens=3, output_tokens=1)


def test_a_key_used_by_a_run_never_reaches_the_log(monkeypatch, capsys, tmp_path, log_path) -> None:
    """A run with the key in the environment, a server that echoes it in an error, --debug,
    and then a bug whose message quotes the key and a URL's password: the log holds the
    traceback and the server's address, never the secrets."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    data = tmp_path / "d.jsonl"
    rows = [{"id": str(i), "input": f"q{i}", "expected": f"Q{i}"} for i in range(3)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with LlmTestServer(responder=_answer) as server:
        server.fail(Reply(status=500, error_message=f"upstream refused {KEY}"), matching="q1")
        assert main.main(["eval", "import-dataset", str(data), "--name", "d"]) == 0
        run = ["eval", "run", "--dataset", "d", "--model", "m", "--api-base", server.url]
        assert main.main(["--debug", *run, "--retries", "0", "--yes"]) == 0
    url = f"http://user:{URL_SECRET}@127.0.0.1:9/v1"
    _with_handler(monkeypatch, _raises(RuntimeError(f"sent {KEY} to {url}")))
    assert main.main(["--debug", "frameworks"]) == 70
    err = capsys.readouterr().err
    text = log_path.read_text()
    assert "Traceback" in text and "127.0.0.1:9/v1" in text
    for where in (text, err):
        assert KEY not in where and URL_SECRET not in where
    leaked = [p for p in log_path.parent.rglob("*") if KEY.encode() in p.read_bytes()]
    assert leaked == []
