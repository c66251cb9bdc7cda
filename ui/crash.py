"""Unexpected errors in the window: logged with their traceback, told to the user, survived.

An exception that escapes a slot or a thread is a bug. Qt would print it to a terminal the user
does not see; here it goes to the log file, and a dialog (one at a time, in the GUI thread) says
what happened and where the file is, while the window keeps running. A hard crash (a
segmentation fault in a native library) leaves its stacks in a file beside the log.
"""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import IO

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from core import APP_NAME
from operations.diagnostics import CRASH_FILE_NAME, log_file, redact_text

log = logging.getLogger(__name__)
#: A dialog quotes the error in at most this many characters; the log has all of it.
SUMMARY_CHARS = 300


class CrashReporter(QObject):
    """Replaces sys.excepthook and threading.excepthook while installed."""

    # Emitted from any thread; the queued connection shows the dialog in the GUI thread, from
    # the event loop, never inside the paint or slot that raised.
    reported = Signal(str)

    def __init__(self, log_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self._showing = False
        self._previous = (sys.excepthook, threading.excepthook)
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):  # Ctrl+C in the terminal that started the app
            self._previous[0](kind, value, tb)
            return
        log.error("unexpected error", exc_info=(kind, value, tb))
        self.reported.emit(summary(kind, value))

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:  # a thread that asked to end, as the default hook has it
            return
        name = args.thread.name if args.thread is not None else "a thread"
        exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
        log.error("unexpected error in %s", name, exc_info=exc_info)  # type: ignore[arg-type]
        self.reported.emit(summary(args.exc_type, args.exc_value))

    def _show(self, text: str) -> None:
        # A bug that raises on every repaint would otherwise stack dialogs without end: while
        # one is open, the others are only logged.
        if self._showing:
            return
        self._showing = True
        try:
            show_crash_dialog(text, self.log_path)
        finally:
            self._showing = False


def summary(kind: type[BaseException], value: BaseException | None) -> str:
    """The error on one line, credentials hidden, at most SUMMARY_CHARS characters."""
    said = f"{kind.__name__}: {value}" if value is not None and str(value) else kind.__name__
    text = " ".join(redact_text(said).split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def show_crash_dialog(text: str, log_path: Path | None) -> None:
    where = (
        f"The details are in the log file:\n{log_path}\n\nPlease attach it when you report "
        "the problem."
        if log_path is not None
        else "No log file could be written; start the app from a terminal to see the details."
    )
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        f"{APP_NAME}: unexpected error",
        f"Something went wrong: {text}\n\nThe app is still running; save your work if a "
        f"tab looks wrong.\n\n{where}",
        parent=QApplication.activeWindow(),
    )
    box.setTextFormat(Qt.TextFormat.PlainText)  # the error quotes outside text
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


def install_crash_handlers(parent: QObject | None = None) -> CrashReporter:
    """Log and report every uncaught exception, and write a hard crash's stacks beside the log."""
    path = log_file()
    if path is not None:
        _enable_faulthandler(path.with_name(CRASH_FILE_NAME))
    reporter = CrashReporter(path, parent)
    reporter.install()
    return reporter


_crash_file: IO[str] | None = None


def _enable_faulthandler(path: Path) -> None:
    global _crash_file
    try:
        # Kept open for the process's life: faulthandler writes to the descriptor when the
        # interpreter can no longer open anything.
        _crash_file = path.open("a", encoding="utf-8")
    except OSError as exc:
        log.warning("no crash file %s: %s", path, exc.strerror or exc)
        return
    faulthandler.enable(_crash_file, all_threads=True)
