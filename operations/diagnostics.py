"""Logging for both faces: one rotating file in the user's log folder, secrets never in it.

The command line and the window call `configure_logging` once at start; a traceback that
reaches a handler lands in the file, and the user is told the file's path. Every record passes
`RedactSecrets` first, so an API key in a message, an argument or a traceback is hidden before
any handler writes it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path
from typing import TextIO

#: Overrides the log folder (tests, or a user who wants the file elsewhere).
LOG_DIR_ENV = "AIDF_LOG_DIR"
APP_DIR_NAME = "ai-decision-frameworks"
LOG_FILE_NAME = "aidf.log"
#: Where faulthandler writes the stacks of a hard crash (a segfault takes no logging with it).
CRASH_FILE_NAME = "crash.log"
MAX_LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
#: `configure_logging`'s verbosity: none, -v, --debug.
QUIET, VERBOSE, DEBUG = 0, 1, 2

# Libraries that log request bodies and headers at DEBUG: kept at WARNING, so --debug shows our
# own records and not every byte sent to a provider.
_CHATTY_LIBRARIES = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "httpcore", "openai")
# Key shapes worth hiding wherever they appear, on top of core.llm.redact's rules (URL
# credentials, credential-named parameters, the environment's keys): provider keys (sk-...,
# sk-ant-...) and bearer tokens in a quoted header.
_KEY_LIKE = re.compile(r"\bsk-[A-Za-z0-9_-]{8,}|(?<=Bearer )[A-Za-z0-9._~+/=-]{8,}")
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"
#: `extra={TERMINAL: False}` keeps a record to the file (the caller tells the user itself).
TERMINAL = "aidf_terminal"
_OURS = "_aidf_handler"  # marks the handlers configure_logging installed


class RedactSecrets(logging.Filter):
    """Rewrites a record's message, traceback and stack with every credential hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def redact_text(text: str) -> str:
    """`text` with credentials hidden: core.llm's one redaction rule plus key-shaped words."""
    # Imported here, at the first record: start-up does not pay for core.llm's imports.
    from core.llm import HIDDEN, redact

    return _KEY_LIKE.sub(HIDDEN, redact(text))


def log_dir() -> Path:
    """$AIDF_LOG_DIR, else the platform's user log folder for the app."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_DIR_NAME, appauthor=False))


def configure_logging(
    verbosity: int = QUIET, log_dir_path: Path | None = None, *, stderr: bool = True
) -> Path:
    """Send records to the rotating log file (INFO, DEBUG at `DEBUG` verbosity) and, with
    `stderr`, to the terminal (WARNING, INFO at -v, DEBUG at --debug). Returns the file's path.

    Calling it again replaces the handlers it installed before (the tests run many commands in
    one process). A folder that cannot be created leaves the file out; the terminal still
    gets the records.
    """
    stop_logging()
    folder = log_dir_path or log_dir()
    path = folder / LOG_FILE_NAME
    root = logging.getLogger()
    handlers: list[logging.Handler] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # delay: a command that logs nothing does not create or touch the file.
        handlers.append(
            logging.handlers.RotatingFileHandler(
                path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True
            )
        )
        handlers[-1].setLevel(logging.DEBUG if verbosity >= DEBUG else logging.INFO)
    except OSError as exc:
        print(f"warning: no log file: {folder}: {exc.strerror or exc}", file=sys.stderr)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(_FORMAT))
    if stderr:
        terminal = _StderrHandler()
        terminal.setLevel((logging.WARNING, logging.INFO, logging.DEBUG)[min(verbosity, DEBUG)])
        terminal.addFilter(lambda record: getattr(record, TERMINAL, True))
        terminal.setFormatter(_TerminalFormatter(tracebacks=verbosity >= DEBUG))
        handlers.append(terminal)
    for handler in handlers:
        handler.addFilter(RedactSecrets())
        setattr(handler, _OURS, root.level)
        root.addHandler(handler)
    # Lowered to what the handlers want, never raised: a level set before (a test's DEBUG) stays.
    root.setLevel(min([root.level, *(h.level for h in handlers)]))
    for name in _CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path


def stop_logging() -> None:
    """Remove and close the handlers `configure_logging` installed; the root level returns to
    what it was before."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if hasattr(handler, _OURS):
            root.removeHandler(handler)
            root.setLevel(getattr(handler, _OURS))
            handler.close()


def log_file() -> Path | None:
    """The file the configured logging writes to, or None when none is configured."""
    for handler in logging.getLogger().handlers:
        if hasattr(handler, _OURS) and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is when a record comes, as logging's last resort does, so
    a redirected or captured stderr gets the record and a closed one is never written to."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class _TerminalFormatter(logging.Formatter):
    """One line per record on the terminal ("warning: core.catalog: ..."); the traceback only
    with --debug, since the log file has it anyway."""

    def __init__(self, tracebacks: bool) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname.lower()}: {record.name}: {record.getMessage()}"
        if self.tracebacks and record.exc_text:
            line += "\n" + record.exc_text
        return line
