"""Cycles holding Qt objects are freed on the GUI thread, never by a worker's collection."""

import gc
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QObject

from ui.garbage import GuiThreadCollector, collect_due, install

ROOT = Path(__file__).resolve().parents[2]


class _Held(QObject):
    """A QObject whose wrapper sits in a reference cycle, as a closed dialog's may."""

    freed_on: list[str] = []

    def __init__(self) -> None:
        super().__init__()
        self.me = self  # the cycle

    def __del__(self) -> None:
        _Held.freed_on.append(threading.current_thread().name)


def _allocate_in_worker() -> None:
    def churn() -> None:
        # Enough container allocations to cross every generation's threshold many times over.
        kept = []
        for _ in range(200):
            kept.append([[i] for i in range(1_000)])

    worker = threading.Thread(target=churn, name="worker")
    worker.start()
    worker.join()


@pytest.fixture
def no_freeze_to_come():
    """An import of litellm that an earlier test left running on a thread ends by freezing
    every object alive (core/compat/litellm.py): a cycle made before that moment would never be
    collected. Wait for it to end first (it holds the lock until then)."""
    from core.llm import _litellm_lock

    with _litellm_lock:
        pass


def test_a_worker_allocating_never_frees_a_qt_cycle_and_the_gui_thread_does(
    qtbot, no_freeze_to_come
):
    gc.enable()  # as a fresh process starts; the suite itself runs with collection off
    collector = GuiThreadCollector()
    try:
        assert not gc.isenabled()
        _Held.freed_on.clear()
        _Held()
        _allocate_in_worker()
        assert _Held.freed_on == []  # the worker crossed the thresholds and collected nothing
        # Counts are net allocations: the worker's lists are gone again, so the GUI thread
        # allocates past the threshold itself before its timer finds a collection due.
        kept = [[i] for i in range(2 * gc.get_threshold()[0])]
        qtbot.waitUntil(lambda: _Held.freed_on != [], timeout=5_000)
        assert len(kept) > gc.get_threshold()[0]
        assert _Held.freed_on == [threading.main_thread().name]
    finally:
        collector.stop()
        gc.disable()


def test_stop_restores_automatic_collection_only_if_it_was_on(qtbot):
    gc.enable()
    collector = GuiThreadCollector()
    collector.stop()
    assert gc.isenabled()
    gc.disable()
    collector = GuiThreadCollector()
    collector.stop()
    assert not gc.isenabled()


def test_collect_due_follows_pythons_thresholds(no_freeze_to_come):
    gc.collect()
    assert collect_due() == 0  # nothing allocated since: no generation is due
    for _ in range(3):
        _Held()
    kept = [[i] for i in range(gc.get_threshold()[0] + 10)]  # alive: counts are net allocations
    assert collect_due() >= 3  # each _Held and its instance dict
    assert len(kept) > gc.get_threshold()[0]


def test_install_is_once_per_application(qapp):
    first = install(qapp)
    assert install(qapp) is first


def test_the_timer_waits_for_begin_and_never_starts_after_stop(qtbot):
    """The first tick after a window's build would walk every object its imports made, inside
    the first paint: the window's collector starts only when `begin` is called (after that
    paint), and not at all once stopped (the application's end)."""
    was_enabled = gc.isenabled()
    collector = GuiThreadCollector(start=False)
    stopped = GuiThreadCollector(start=False)
    try:
        assert not collector._timer.isActive()
        collector.begin()
        assert collector._timer.isActive()
        stopped.stop()
        stopped.begin()
        assert not stopped._timer.isActive()
    finally:
        collector.stop()
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_install_leaves_the_timer_to_begin(qapp):
    from ui.garbage import begin

    collector = install(qapp)
    begin(qapp)
    assert collector._timer.isActive()
    begin(None)  # an application without a collector: nothing to start


def test_a_window_awaited_calls_off_the_fallback_and_begins_itself(qtbot):
    """The window starts the collector after its first paint; the fallback that would start
    it after a few seconds (when no window says when) must not run a full collection first."""
    collector = GuiThreadCollector(start=False)
    try:
        collector.begin_after(10)
        collector.await_window()
        qtbot.wait(50)
        assert not collector._timer.isActive()  # the fallback did not begin it
        collector.begin()
        assert collector._timer.isActive()
    finally:
        collector.stop()
        gc.disable()


def test_a_paused_start_is_handed_over_and_restored_at_the_end(qtbot):
    """The start turns automatic collection off before its imports (ui.pause_collection); the
    window's collector takes over and, at the end, turns it back on as the start found it."""
    from ui import handed_over, pause_collection

    gc.enable()  # as a fresh process starts
    try:
        pause_collection()
        pause_collection()  # twice: what the start found is still what is restored
        assert not gc.isenabled()
        collector = GuiThreadCollector(start=False)
        assert not gc.isenabled()
        collector.stop()
        assert gc.isenabled()
        gc.disable()
        assert handed_over() is False  # handed over once: later collectors see gc as it is
    finally:
        gc.disable()


GUI_START = """
import gc, sys, types
# The window's module, replaced: what matters is the collector's state when it is imported.
fake = types.ModuleType("ui.app")
def run(path):
    print("PAUSED:" + str(not gc.isenabled()))
    print("QT:" + str("PySide6" in sys.modules))
    return 0
fake.run = run
import ui
sys.modules["ui.app"] = fake
import main
sys.exit(main.main([]))
"""


def test_the_window_start_pauses_collection_before_the_guis_imports(tmp_path):
    """`main` with no command pauses automatic collection before anything of the GUI is
    imported (bench/startup_bench.py measures the start the same way)."""
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AIDF_DB": str(tmp_path / "start.sqlite3"),
    }
    out = subprocess.run(
        [sys.executable, "-c", GUI_START],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["PAUSED:True", "QT:False"]
