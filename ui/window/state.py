"""The window's geometry, dock layout and last tab across sessions, and closing: unsaved tabs
are asked about, drafts are dropped once nothing is left to recover."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMessageBox

from storage import StorageError
from ui.window.drafts import DraftKeeper


class WindowState(DraftKeeper):
    """Restore and save the window's state; close (asking about unsaved tabs)."""

    def _restore_window_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        last = self.settings.value("window/last_tab", 0, type=int)
        if isinstance(last, int) and 0 <= last < self.tabs.count():
            self.tabs.setCurrentIndex(last)

    def _save_window_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/last_tab", self.tabs.currentIndex())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        for tab in self.framework_tabs:
            if not tab.dirty:
                continue
            self.tabs.setCurrentWidget(tab)
            answer = self._ask_unsaved(tab)
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Save:
                event.ignore()
                self.save(tab, after=self.close)
                return
            tab.forget_changes()
        self._autosave.stop()
        if not self._recovered:
            # Every tab is saved or discarded now: nothing is left to offer at the next start.
            # (Drafts still awaiting an answer on the banner are kept for next time.)
            for fid in self._draft_writes:
                self._draft_writes[fid] += 1  # a keep still queued must not write after this
            with contextlib.suppress(StorageError):
                store = self.draft_store()
                with self._drafts_lock:
                    store.discard()
        self._save_window_state()
        event.accept()
