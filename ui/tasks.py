"""Background work on QThreadPool: the worker never touches widgets, results come back by signal."""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QObject,
    QRunnable,
    QThreadPool,
    Signal,
    Slot,
)

log = logging.getLogger(__name__)
#: Finished tasks' emitters kept alive (see `TaskRunner.submit`).
RETIRED_EMITTERS = 64


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals

    @Slot()
    def run(self) -> None:
        try:
            value = self.fn()
        except Exception as exc:  # reported to the GUI thread, never swallowed
            # The traceback goes to the log file; the user sees the error in words.
            log.warning("background task failed", exc_info=True)
            self._report(self.signals.failed, exc)
        else:
            self._report(self.signals.done, value)

    @staticmethod
    def _report(signal: Any, value: Any) -> None:
        try:
            signal.emit(value)
        except RuntimeError:
            # The application is being torn down and took the emitter with it: nobody is
            # left to tell.
            log.debug("background task finished after its receiver was deleted")


class TaskRunner(QObject):
    """Runs callables off the GUI thread and calls back on the GUI thread.

    `pending` counts tasks in flight so tests (and the close handler) can wait for quiet.
    """

    idle = Signal()

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self.pending = 0
        self._alive: set[_Signals] = set()
        self._retired: collections.deque[_Signals] = collections.deque(maxlen=RETIRED_EMITTERS)
        self._held: collections.deque[_Job] = collections.deque()

    def start_held(self) -> None:
        """Start the tasks submitted with `held=True`, in the order they came."""
        while self._held:
            self.pool.start(self._held.popleft())

    def submit(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        *,
        held: bool = False,
    ) -> None:
        """Run `fn` on the pool. With `on_progress`, `fn` is called with one argument, a
        `report(value)` function it may call from the worker; each value reaches
        `on_progress` on the GUI thread, in order, before `on_done`.

        `held` keeps it until `start_held()`: a window's start-up work waits for its first
        paint instead of competing with it for the interpreter. It counts as pending at once."""
        signals = _Signals()
        self._alive.add(signals)  # keep the emitter alive until it has reported
        self.pending += 1

        def finish() -> None:
            self._alive.discard(signals)
            # The worker drops its own reference to the emitter a moment after its last
            # emit; had the GUI thread let go first, the emitter (a QObject of the GUI
            # thread) would be destroyed in the worker. Keeping the last few finished ones
            # means the final reference always goes here, long after the worker let go.
            self._retired.append(signals)
            self.pending -= 1
            # A task may report after its window (and this runner with it) was deleted.
            if self.pending == 0 and shiboken6.isValid(self):
                self.idle.emit()

        def done(value: Any) -> None:
            try:
                if on_done:
                    on_done(value)
            finally:
                finish()

        def failed(exc: Exception) -> None:
            try:
                if on_error:
                    on_error(exc)
                else:
                    log.error("background task failed: %s", exc)
            finally:
                finish()

        signals.done.connect(done)
        signals.failed.connect(failed)
        if on_progress is not None:
            signals.progress.connect(on_progress)
            job_fn = lambda: fn(signals.progress.emit)  # noqa: E731
        else:
            job_fn = fn
        job = _Job(job_fn, signals)
        if held:
            self._held.append(job)
        else:
            self.pool.start(job)


class WidgetGuard:
    """A widget's running task's cancel flag and whether the widget still exists: both outlive
    the widget. Connect `cancel` to the widget's `destroyed`; wrap callbacks with `guard`."""

    def __init__(self) -> None:
        self.event: threading.Event | None = None
        self.alive = True

    def cancel(self, *_: object) -> None:
        self.alive = False
        if self.event is not None:
            self.event.set()

    def guard(self, fn: Callable[..., None] | None) -> Callable[..., None] | None:
        """`fn`, skipped once the widget is gone (a task may report after it was closed)."""
        if fn is None:
            return None
        callback = fn

        def guarded(*args: Any) -> None:
            if self.alive:
                callback(*args)

        return guarded
