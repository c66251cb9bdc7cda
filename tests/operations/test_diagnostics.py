"""Logging set-up: where the file goes, what each verbosity lets through, and no secret in it."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from operations.diagnostics import (
    DEBUG,
    LOG_BACKUPS,
    LOG_FILE_NAME,
    MAX_LOG_BYTES,
    QUIET,
    TERMINAL,
    VERBOSE,
    configure_logging,
    log_dir,
    log_file,
    stop_logging,
)

KEY = "sk-proj-PLANTED0123456789"
log = logging.getLogger("tests.diagnostics")


@pytest.fixture(autouse=True)
def _no_handlers_left() -> Iterator[None]:
    yield
    stop_logging()


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if hasattr(h, "_aidf_handler")]


def test_the_file_is_in_the_folder_the_environment_names(tmp_path: Path) -> None:
    # The autouse fixture in tests/conftest.py points AIDF_LOG_DIR into tmp_path.
    assert log_dir() == tmp_path / "logs"
    path = configure_logging()
    assert path == tmp_path / "logs" / LOG_FILE_NAME
    assert log_file() == path
    log.warning("written")
    assert "WARNING tests.diagnostics [MainThread]: written" in path.read_text()


def test_without_the_variable_the_platforms_user_log_folder(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("AIDF_LOG_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert log_dir().parts[-2:] == ("ai-decision-frameworks", "log")
    assert tmp_path / "state" in log_dir().parents


def test_the_file_rotates_at_1_mb_keeping_3(tmp_path: Path) -> None:
    configure_logging()
    (handler,) = [h for h in _ours() if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert (handler.maxBytes, handler.backupCount) == (MAX_LOG_BYTES, LOG_BACKUPS)
    assert MAX_LOG_BYTES == 1_000_000 and LOG_BACKUPS == 3


def test_a_command_that_logs_nothing_writes_no_file(tmp_path: Path) -> None:
    path = configure_logging()
    log.debug("below every level")
    stop_logging()
    assert not path.exists()


@pytest.mark.parametrize(
    ("verbosity", "file_level", "terminal_level"),
    [
        (QUIET, logging.INFO, logging.WARNING),
        (VERBOSE, logging.INFO, logging.INFO),
        (DEBUG, logging.DEBUG, logging.DEBUG),
    ],
)
def test_levels_by_verbosity(verbosity: int, file_level: int, terminal_level: int) -> None:
    configure_logging(verbosity)
    levels = {isinstance(h, logging.FileHandler): h.level for h in _ours()}
    assert levels == {True: file_level, False: terminal_level}
    assert logging.getLogger().getEffectiveLevel() <= file_level


def test_configuring_again_replaces_the_handlers_and_stopping_restores_the_level() -> None:
    root = logging.getLogger()
    before = root.level
    configure_logging(DEBUG)
    configure_logging()
    assert len(_ours()) == 2
    stop_logging()
    assert _ours() == [] and root.level == before and log_file() is None


def test_the_terminal_gets_one_line_and_no_traceback(capsys) -> None:
    configure_logging()
    try:
        raise RuntimeError("inner detail")
    except RuntimeError:
        log.warning("it failed", exc_info=True)
    log.error("for the file only", extra={TERMINAL: False})
    err = capsys.readouterr().err
    assert err == "warning: tests.diagnostics: it failed\n"
    text = log_file().read_text()  # type: ignore[union-attr]
    assert "RuntimeError: inner detail" in text and "for the file only" in text


def test_the_terminal_follows_a_replaced_stderr(capsys) -> None:
    """The handler writes to sys.stderr as it is at the time (pytest swaps it per test)."""
    configure_logging()
    saved = sys.stderr
    try:
        sys.stderr = sys.stdout
        log.warning("to stdout now")
    finally:
        sys.stderr = saved
    assert "to stdout now" in capsys.readouterr().out


def test_an_unusable_folder_leaves_the_file_out(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    configure_logging(log_dir_path=blocker / "logs")
    assert log_file() is None
    assert "no log file" in capsys.readouterr().err
    log.warning("still shown")
    assert "still shown" in capsys.readouterr().err


def test_no_secret_reaches_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key in the message, its arguments, a URL, a header or a traceback is hidden; so is a
    key that has no known shape but sits in the environment."""
    env_key = "plain-looking-secret-42"
    monkeypatch.setenv("SOMEPROVIDER_API_KEY", env_key)
    path = configure_logging(DEBUG)
    log.info("calling with %s", KEY)
    log.info("base http://user:%s@127.0.0.1:9/v1?api-key=%s&v=1", "hunter2pass", "qsecret99")
    log.info("headers {'Authorization': 'Bearer tok_ABCDEFGH12345'}")
    log.info("env key %s", env_key)
    try:
        raise ValueError(f"provider said: bad key {KEY}")
    except ValueError:
        log.exception("failed")
    log.info("stack", stack_info=True, extra={"unused": KEY})
    stop_logging()
    text = path.read_text()
    for secret in (KEY, "hunter2pass", "qsecret99", "tok_ABCDEFGH12345", env_key):
        assert secret not in text, secret
    assert "[hidden key]" in text and "ValueError: provider said" in text
    assert "127.0.0.1:9/v1" in text, "the server is still named"
