"""An exception that escapes a slot or a thread is logged with its traceback and told to the user
in a plain-text dialog naming the log file; the app keeps running."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

import ui.crash
from operations.diagnostics import CRASH_FILE_NAME, configure_logging, stop_logging
from ui.crash import CrashReporter, install_crash_handlers, show_crash_dialog

KEY = "sk-test-CRASH-0123456789"


@pytest.fixture
def log_path() -> Iterator[Path]:
    yield configure_logging()
    stop_logging()


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Path | None]]:
    shown: list[tuple[str, Path | None]] = []
    monkeypatch.setattr(
        ui.crash, "show_crash_dialog", lambda text, path: shown.append((text, path))
    )
    return shown


@pytest.fixture
def reporter(qtbot, log_path: Path) -> Iterator[CrashReporter]:
    crashes = CrashReporter(log_path)
    crashes.install()
    yield crashes
    crashes.uninstall()


def test_an_exception_in_a_slot_is_logged_and_shown_and_the_app_goes_on(
    qtbot, reporter, dialogs, log_path
) -> None:
    button = QPushButton("Go")
    qtbot.addWidget(button)
    clicks: list[int] = []

    def slot() -> None:
        clicks.append(1)
        raise RuntimeError(f"the slot broke with {KEY}")

    button.clicked.connect(slot)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialogs) == 1)
    text, path = dialogs[0]
    assert text == "RuntimeError: the slot broke with [hidden key]" and path == log_path
    log = log_path.read_text()
    assert "ERROR ui.crash [MainThread]: unexpected error" in log
    assert "Traceback" in log and "in slot" in log and KEY not in log
    # Still running: the next click is handled (and reported) as the first was.
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialogs) == 2)
    assert len(clicks) == 2


def test_an_exception_in_a_thread_is_shown_from_the_gui_thread(
    qtbot, reporter, dialogs, log_path, monkeypatch
) -> None:
    threads: list[bool] = []
    monkeypatch.setattr(
        ui.crash,
        "show_crash_dialog",
        lambda text, path: (dialogs.append((text, path)), threads.append(_on_gui_thread())),
    )

    def work() -> None:
        raise OSError("disk on fire")

    worker = threading.Thread(target=work, name="worker-7")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(dialogs) == 1)
    assert dialogs[0][0] == "OSError: disk on fire" and threads == [True]
    assert "unexpected error in worker-7" in log_path.read_text()


def _on_gui_thread() -> bool:
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication

    return QThread.currentThread() is QApplication.instance().thread()


def test_one_dialog_at_a_time(qtbot, reporter, monkeypatch) -> None:
    """A bug that raises on every repaint reports while its dialog is open: only logged."""
    shown: list[str] = []

    def dialog(text: str, path: Path | None) -> None:
        shown.append(text)
        reporter._show("again, while open")

    monkeypatch.setattr(ui.crash, "show_crash_dialog", dialog)
    reporter.reported.emit("first")
    qtbot.waitUntil(lambda: shown != [])
    reporter.reported.emit("later")
    qtbot.waitUntil(lambda: len(shown) == 2)
    assert shown == ["first", "later"]


def test_ctrl_c_goes_to_the_previous_hook(qtbot, log_path, dialogs, monkeypatch) -> None:
    seen: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, tb: seen.append(kind))
    crashes = CrashReporter(log_path)
    crashes.install()
    try:
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        crashes.uninstall()
    assert seen == [KeyboardInterrupt] and dialogs == []


def test_install_swaps_both_hooks_back_and_forth_and_enables_faulthandler_beside_the_log(
    qtbot, log_path, monkeypatch
) -> None:
    enabled: list[str] = []
    monkeypatch.setattr(
        ui.crash.faulthandler, "enable", lambda f, all_threads: enabled.append(f.name)
    )
    before = (sys.excepthook, threading.excepthook)
    crashes = install_crash_handlers()
    try:
        assert sys.excepthook == crashes.excepthook
        assert threading.excepthook == crashes.thread_excepthook
    finally:
        crashes.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
    assert enabled == [str(log_path.with_name(CRASH_FILE_NAME))]


def test_the_dialog_is_plain_text_and_names_the_log_file(qtbot, monkeypatch, tmp_path) -> None:
    boxes: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: boxes.append(box) or 0)
    path = tmp_path / "logs" / "aidf.log"
    show_crash_dialog("ValueError: <b>not bold</b>", path)
    (box,) = boxes
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "<b>not bold</b>" in box.text() and str(path) in box.text()
    assert "still running" in box.text()


def test_a_background_tasks_traceback_reaches_the_log(qtbot, caplog) -> None:
    """The user gets the error in words through on_error; the traceback goes to the log at
    WARNING, where the file handler keeps it (DEBUG, before, reached no handler)."""
    from ui.tasks import TaskRunner

    runner = TaskRunner()
    errors: list[Exception] = []

    def work() -> None:
        raise LookupError("no such row")

    runner.submit(work, on_error=errors.append)
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert [str(e) for e in errors] == ["no such row"]
    (record,) = [r for r in caplog.records if r.name == "ui.tasks"]
    assert record.levelno == logging.WARNING and record.exc_info is not None
    assert record.exc_info[0] is LookupError


def test_the_app_installs_the_handlers_before_anything_can_fail(qtbot, monkeypatch, tmp_path):
    import ui.app

    installed: list[object] = []
    monkeypatch.setattr(ui.app, "install_crash_handlers", lambda parent: installed.append(parent))
    monkeypatch.setattr(ui.app, "open_store", lambda path: None)  # the user closed the prompt
    assert ui.app.run(tmp_path / "db.sqlite3") == 1
    assert installed == [QApplication.instance()]
