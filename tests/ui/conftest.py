"""UI fixtures: a main window over a throwaway database, settings in a temporary file.

Modal dialogs would hang an offscreen test run, so every blocking prompt fails loudly unless
a test scripts its answer with `answer_prompts`.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSettings
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from storage import ScenarioStore


class UnexpectedPrompt(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_unscripted_prompts(monkeypatch):
    def refuse(*args, **kwargs):
        raise UnexpectedPrompt(f"a modal prompt opened in a test: {args[1:3]}")

    for name in ("question", "information", "warning", "critical", "about"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    monkeypatch.setattr(QInputDialog, "getText", refuse)
    monkeypatch.setattr(QInputDialog, "getItem", refuse)


@pytest.fixture
def answer_prompts(monkeypatch):
    """Script the answers: answer_prompts(question=QMessageBox.Yes, text="My plan")."""

    def script(question=None, text=None):
        if question is not None:
            monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: question)
        if text is not None:
            monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (text, True))

    return script


@pytest.fixture
def store(tmp_path: Path):
    s = ScenarioStore(tmp_path / "ui.sqlite3")
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, store, settings):
    from ui.main_window import MainWindow

    w = MainWindow(store, settings=settings)
    w.show()
    qtbot.waitExposed(w)
    wait_idle(qtbot, w)
    yield w
    wait_idle(qtbot, w)
    for tab in w.framework_tabs:
        tab.forget_changes()
    w.close()
    w.deleteLater()


@pytest.fixture
def hover(qtbot):
    """hover(plot, x, y): the pointer moves over a plot to data coordinates (x, y), as a mouse
    does: the plot sees a real mouse-move event in its viewport."""
    import pyqtgraph as pg

    # pyqtgraph drops a move within 10 ms of the last (100 a second); a test's moves come
    # microseconds apart, and each must land.
    limit = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOptions(mouseRateLimit=0)

    def move(plot, x: float, y: float) -> None:
        QApplication.processEvents()  # a resize lays the plot out on the next event-loop turn
        scene = plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
        qtbot.mouseMove(plot.viewport(), plot.mapFromScene(scene))

    yield move
    pg.setConfigOptions(mouseRateLimit=limit)


def wait_idle(qtbot, window) -> None:
    """Wait until every background task of the window has reported back."""
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=10_000)


def show_examples_at(qtbot, window, width: int, height: int) -> None:
    """The example scenarios loaded, the window at `width` x `height`."""
    window.load_examples()
    wait_idle(qtbot, window)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().toTuple() == (width, height), timeout=5_000)


def hold_monte_carlo(monkeypatch) -> threading.Event:
    """Build vs Buy's second stage waits (at most 10 s) until the returned event is set."""
    from core.frameworks import build_vs_buy as bvb

    release = threading.Event()
    real = bvb.complete

    def complete(inputs, first, cancelled=None):
        release.wait(10)
        return real(inputs, first, cancelled)

    monkeypatch.setattr(bvb, "complete", complete)
    return release
