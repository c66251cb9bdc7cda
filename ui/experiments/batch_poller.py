"""Unfinished Batch API runs, polled on a timer while the window is open.

The workbench holds one poller from its start, so batches an earlier session left are checked
(at once, then every minute) whether or not the Batches page was ever shown; the page, built
the first time it is shown, lists what the poller read and says what it said. Each read and
each provider call runs in a worker (operations/batches.py), so the GUI never waits.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from operations.batches import BatchPoll, cancel_batch, poll_batch, resume_batches
from storage.batches import BatchJobInfo, BatchStore

if TYPE_CHECKING:
    from ui.experiments.workbench import Workbench

#: How often unfinished batches are polled while the window is open: a batch takes minutes
#: to hours, and each poll is a request against the provider's rate limit.
POLL_INTERVAL_MS = 60_000


class BatchPoller(QObject):
    """The stored batches, re-read whenever the workbench's lists change; the unfinished ones
    polled on `timer`. `listed` carries each new list, `said` each status line."""

    listed = Signal(list)
    said = Signal(str)

    def __init__(self, bench: Workbench) -> None:
        super().__init__(bench)
        self.bench = bench
        self._store: BatchStore | None = None
        self._store_lock = threading.Lock()
        self.polling = False
        #: Whether the stored batches were listed once: the first list is what an earlier
        #: session left, checked at once (a batch may have ended while the window was closed).
        self._listed = False
        self.jobs: list[BatchJobInfo] = []
        #: The last status line, for a page built after it was said.
        self.last_said = ""
        self.timer = QTimer(self)
        self.timer.setObjectName("batches_timer")
        self.timer.setInterval(POLL_INTERVAL_MS)
        self.timer.timeout.connect(self.poll_unfinished)
        bench.data_changed.connect(self.refresh_list)

    def store(self) -> BatchStore:
        """The store, opened on first use; call from a worker."""
        with self._store_lock:
            if self._store is None:
                self._store = BatchStore(self.bench.services.db_path, checked=True)
            return self._store

    def _say(self, text: str) -> None:
        self.last_said = text
        self.said.emit(text)

    # ----- the list ------------------------------------------------------------------------

    def refresh_list(self) -> None:
        """Re-read the stored batches (no provider call)."""
        self.bench.submit(lambda: self.store().batch_jobs(), self._show_jobs)

    def _show_jobs(self, jobs: list[BatchJobInfo]) -> None:
        self.jobs = jobs
        self.listed.emit(jobs)
        first, self._listed = not self._listed, True
        if any(job.unfinished for job in jobs):
            if not self.timer.isActive():
                self.timer.start()
            if first:
                self.poll_unfinished()
        else:
            self.timer.stop()

    # ----- provider calls, each in a worker ------------------------------------------------

    def poll_unfinished(self) -> None:
        """Check every unfinished batch now (unless a check is under way)."""
        if self.polling:
            return
        self.polling = True
        api_key = self.bench.api_key()
        self.bench.submit(
            lambda: resume_batches(self.store(), api_key=api_key), self._polled, self._failed
        )

    def poll(self, job: BatchJobInfo) -> None:
        """Check one batch now; once it has ended its results are stored as the run's samples."""
        if self.polling:
            return
        self.polling = True
        api_key = self.bench.api_key()
        self._say(f"Checking batch {job.id}…")
        self.bench.submit(
            lambda: [poll_batch(self.store(), job.id, api_key=api_key)], self._polled, self._failed
        )

    def _polled(self, polls: list[BatchPoll]) -> None:
        self.polling = False
        stored = [p for p in polls if p.results is not None]
        errors = [p for p in polls if p.error]
        if errors:
            self._say(
                f"Batch {errors[0].job.id} could not be checked: {errors[0].error} It is "
                "checked again later."
            )
        elif stored:
            said = "; ".join(f"batch {p.job.id}: {p.job.message}" for p in stored)
            self._say(f"Results stored as the runs' samples ({said}).")
        elif polls:
            waiting = ", ".join(f"#{p.job.id} {p.job.status}" for p in polls)
            self._say(f"Still waiting: {waiting}.")
        if stored:
            self.bench.reload()
        else:
            self.refresh_list()

    def _failed(self, exc: Exception) -> None:
        self.polling = False
        self._say(f"The batch could not be checked: {exc}")
        self.refresh_list()

    def cancel(self, job: BatchJobInfo) -> None:
        """Ask the provider to stop `job` (the caller has asked the user)."""
        api_key = self.bench.api_key()

        def done(info: BatchJobInfo) -> None:
            self._say(
                f"Batch {info.id}: {info.status}. What it answered is stored at the next check."
            )
            self.refresh_list()

        self.bench.submit(lambda: cancel_batch(self.store(), job.id, api_key=api_key), done)
