"""Python's cyclic garbage collection, on the GUI thread only.

Python collects reference cycles in whichever thread happens to allocate when a generation's
threshold is crossed. In this app that is often a worker thread (a catalog load builds
hundreds of thousands of objects, a run parses every reply), and a cycle that holds a Qt
object's wrapper (a closed dialog, a slot closure that refers back to its widget) is then freed
off the GUI thread. Qt forbids that: destroying a QObject on another thread races the GUI
thread's event dispatch, and the test suite deadlocked on it (the GUI thread inside an event
filter waiting for the interpreter, the worker inside a collection started from a catalog
parse, each waiting on the other). So automatic collection is off while the window lives, and
the GUI thread runs the same generational schedule itself on a timer, with Python's own
thresholds, as pyqtgraph's GarbageCollector does for the same reason. Objects without cycles
are still freed at once by reference counting; only cycles wait for the next tick.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from ui import handed_over

#: How often the GUI thread looks at the allocation counts. Python's default gen-0 threshold
#: (700 net allocations) is crossed many times a second while work runs; collecting at most
#: every quarter second keeps the pauses in the event loop (a gen-0 pass is well under a
#: millisecond) rare and memory held by cycles bounded by what a quarter second allocates.
INTERVAL_MS = 250
#: Without a window to say when its start-up is over, the timer starts this long after install.
BEGIN_FALLBACK_MS = 5_000


def collect_due() -> int:
    """Collect the generations whose thresholds are crossed, oldest-first as Python would;
    returns how many unreachable objects were found. Call it on the GUI thread."""
    threshold = gc.get_threshold()
    count = gc.get_count()
    found = 0
    if count[0] > threshold[0]:
        generation = 0
        if count[1] > threshold[1]:
            generation = 2 if count[2] > threshold[2] else 1
        found = gc.collect(generation)
    return found


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects due generations from the GUI thread's
    event loop; `stop()` (or the application's end) turns automatic collection back on."""

    def __init__(
        self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS, *, start: bool = True
    ) -> None:
        super().__init__(parent)
        # As it was before the start paused it (ui.pause_collection), or as it is now.
        self._was_enabled = handed_over()
        self._stopped = False
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(collect_due)
        #: `begin` later, unless a window says it will call it (begin_after, await_window).
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self.begin)
        if start:
            self._timer.start()

    def begin_after(self, ms: int) -> None:
        """`begin` in `ms` milliseconds, unless it was called or a window awaited by then."""
        self._fallback.start(ms)

    def await_window(self) -> None:
        """A window calls `begin` once its first paint is on screen (or soon after it was
        built): the fallback is not needed. On a slow machine (or under valgrind, about 50
        times slower) the fallback's five seconds ran out while the window was still being
        built, and its full collection (~35M instructions) fell inside the first paint."""
        self._fallback.stop()

    def begin(self) -> None:
        """Start the timer (once; not after `stop`), after one full collection of what
        start-up left.

        Building the window crosses every generation's threshold, so the first tick walks
        every object the imports made (about 20 ms), which on the timer alone fell inside the
        first paint; the window calls this once that paint is on screen instead."""
        self._fallback.stop()
        if self._stopped or self._timer.isActive():
            return
        gc.collect()
        self._timer.start()

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """Collect cycles on `app`'s thread from now on (idempotent per application)."""
    existing = app.findChild(GuiThreadCollector)
    if isinstance(existing, GuiThreadCollector):
        return existing
    collector = GuiThreadCollector(app, start=False)
    app.aboutToQuit.connect(collector.stop)  # type: ignore[attr-defined]
    collector.begin_after(BEGIN_FALLBACK_MS)
    return collector


def await_window(app: QObject | None) -> None:
    """A window will start collecting on `app`'s collector itself (`begin`, after its first
    paint): the collector's fallback start is called off; nothing when there is none."""
    collector = None if app is None else app.findChild(GuiThreadCollector)
    if isinstance(collector, GuiThreadCollector):
        collector.await_window()


def begin(app: QObject | None) -> None:
    """Start collecting on `app`'s collector now (the window calls it after its first paint);
    nothing when there is none (a test's application)."""
    collector = None if app is None else app.findChild(GuiThreadCollector)
    if isinstance(collector, GuiThreadCollector):
        collector.begin()
