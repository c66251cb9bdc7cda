"""Unsaved edits survive a crash: each dirty tab is kept as a draft a moment after the last
change, and the next start offers to restore the drafts into their tabs."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from core.frameworks import ENTRIES, ids
from core.scenario import Scenario
from ui.framework_tab import FrameworkTab, SetInputsCommand
from ui.window.banners import banner
from ui.window.base import WindowBase

if TYPE_CHECKING:
    from storage import Draft, DraftStore

#: Unsaved edits are kept as a draft this long after the last change.
AUTOSAVE_MS = 3000


class DraftKeeper(WindowBase):
    """The drafts table, the autosave timer and the recovery banner."""

    _drafts: DraftStore | None
    _drafts_lock: threading.Lock
    _recovered: list[Draft]
    #: The latest draft write asked for, per framework: a write that lost the race to a later
    #: one (a keep after the save that made it moot) is skipped.
    _draft_writes: dict[str, int]
    autosave_ms: int
    _autosave: QTimer
    recovery_banner: QWidget
    recovery_text: QLabel

    def _init_drafts(self) -> None:
        self._drafts = None
        self._drafts_lock = threading.Lock()
        self._recovered = []
        self._draft_writes = {}
        self.recovery_banner, self.recovery_text = self._make_recovery_banner()
        self.autosave_ms = AUTOSAVE_MS
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.timeout.connect(self.autosave_now)

    def _make_recovery_banner(self) -> tuple[QWidget, QLabel]:
        text = QLabel()
        text.setObjectName("recoveryText")
        text.setWordWrap(True)
        restore = QPushButton("Restore")
        restore.setObjectName("restoreDrafts")
        restore.setToolTip("Put the unsaved edits back into their tabs (each one undoable)")
        restore.clicked.connect(self.restore_drafts)
        discard = QPushButton("Discard")
        discard.setObjectName("discardDrafts")
        discard.setToolTip("Forget the unsaved edits of the last session")
        discard.clicked.connect(self.discard_drafts)
        return banner("recoveryBanner", "#fef7e0", text, restore, discard), text

    def draft_store(self) -> DraftStore:
        """The drafts table, opened on first use (call from a worker: it opens the file)."""
        # Imported here: the first query runs after the window's first paint.
        from storage import DraftStore

        with self._drafts_lock:
            if self._drafts is None:
                self._drafts = DraftStore(Path(self.store.path), checked=True)
            return self._drafts

    def _edited(self, tab: FrameworkTab) -> None:
        if tab.dirty:
            self._autosave.start(self.autosave_ms)

    def _dirty_changed(self, tab: FrameworkTab, dirty: bool) -> None:
        if dirty:
            self._autosave.start(self.autosave_ms)
            return
        fid = tab.framework.ID
        if fid in self._draft_writes:  # only a tab that kept a draft has one to forget
            self._write_draft(fid, lambda store: store.discard(fid))

    def _write_draft(self, fid: str, write: Callable[[DraftStore], None]) -> None:
        """Run `write` off the GUI thread unless a later write for `fid` has been asked for."""
        seq = self._draft_writes.get(fid, 0) + 1
        self._draft_writes[fid] = seq

        def work() -> None:
            store = self.draft_store()
            with self._drafts_lock:
                if self._draft_writes.get(fid) == seq:
                    write(store)

        self.runner.submit(work, None, self._storage_failed)

    def autosave_now(self) -> None:
        """Keep a draft of every tab with unsaved edits (off the GUI thread)."""
        from storage import Draft, DraftStore

        drafts = []
        for tab in self.framework_tabs:
            if not tab.dirty:
                continue
            inputs, _result, notes = tab.payload()
            scenario = tab.scenario
            drafts.append(
                Draft(
                    framework_id=tab.framework.ID,
                    inputs=inputs,
                    notes=notes,
                    scenario_id=scenario.id if scenario else None,
                    scenario_name=scenario.name if scenario else "",
                )
            )
        for draft in drafts:
            self._write_draft(draft.framework_id, functools.partial(DraftStore.put, draft=draft))

    def _offer_drafts(self, drafts: list[Draft]) -> None:
        usable = [d for d in drafts if d.framework_id in ids()]
        self._recovered = usable
        if not usable:
            return
        titles = {e.id: e.title for e in ENTRIES}
        names = ", ".join(
            f"{titles[d.framework_id]}: “{d.scenario_name or 'Untitled'}”" for d in usable
        )
        self.recovery_text.setText(
            f"The last session ended with unsaved edits, kept as drafts ({names}). Restore "
            "them into their tabs?"
        )
        self.recovery_banner.show()

    def restore_drafts(self) -> None:
        """Each draft back in its tab, as one undoable change on top of what it edits."""
        self.recovery_banner.hide()
        drafts, self._recovered = self._recovered, []
        for draft in drafts:
            if draft.scenario_id is None:
                self._restore_draft(draft, None)
                continue
            self.runner.submit(
                functools.partial(self.store.get, draft.scenario_id),
                functools.partial(self._restore_draft, draft),
                functools.partial(self._draft_unopened, draft),
            )

    def _draft_unopened(self, draft: Draft, _exc: Exception) -> None:
        """The draft's scenario cannot be read (deleted meanwhile): the draft goes in alone."""
        self._restore_draft(draft, None)

    def _restore_draft(self, draft: Draft, scenario: Scenario | None) -> None:
        tab = self.tab_for(draft.framework_id)
        if tab.dirty:
            self.status(f"Not restored into {tab.framework.TITLE}: it has edits of its own.")
            return
        inputs = self._usable_inputs(
            tab, draft.inputs, "Cannot restore", f"The draft of {tab.framework.TITLE}"
        )
        if inputs is None:
            return
        tab.load(scenario)
        if inputs != tab.inputs:
            tab.undo_stack.push(
                SetInputsCommand(
                    tab, None, tab.inputs, inputs, applied=False, text="Restore unsaved edits"
                )
            )
        if draft.notes != tab.notes.toPlainText():
            tab.notes.setPlainText(draft.notes)
        self.tabs.setCurrentWidget(tab)
        self._update_title(tab)
        self.status(f"Restored the unsaved edits of “{tab.display_name}”")

    def discard_drafts(self) -> None:
        self.recovery_banner.hide()
        self._recovered = []
        self.runner.submit(lambda: self.draft_store().discard(), None, self._storage_failed)
