"""Saving the Models tab's changes: each is its own transaction, written strictly in the
order made by one background task at a time; the merged catalog then goes out by
`catalog_edited`. A failed change is reported and the saved state read back."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from core.catalog import Catalog
from storage import CatalogStore, StorageError
from ui.tasks import TaskRunner


@dataclass(frozen=True)
class CatalogEdit:
    """One user change, described for messages, and the store call that saves it."""

    description: str
    save: Callable[[CatalogStore], Any]
    #: Only re-reads the saved data (nothing to undo if it fails).
    refresh_only: bool = False


class SavingQueue(QWidget):
    """The queue of changes to save and what follows a save (ModelsTab builds on it)."""

    #: The merged Catalog, whenever the user's data changed it.
    catalog_edited = Signal(object)

    store: CatalogStore
    runner: TaskRunner
    _base: Catalog | None
    _catalog: Catalog | None
    _queue: deque[tuple[CatalogEdit, Callable[[Any], object] | None]]
    _busy: bool
    _generation: int
    _after_show: list[Callable[[], object]]

    if TYPE_CHECKING:
        # Provided by ModelsTab: how a saved catalog and the messages are shown.
        def _present(self, catalog: Catalog) -> None: ...
        def _show_message(self, text: str, *, error: bool) -> None: ...
        def _show_report(self, title: str, lines: list[str]) -> None: ...

    def _queue_edit(
        self, edit: CatalogEdit, on_result: Callable[[Any], object] | None = None
    ) -> None:
        """Save changes strictly in the order made; each is its own transaction."""
        self._queue.append((edit, on_result))
        if not self._busy:
            self._run_next()

    def reload_user_data(self) -> None:
        """Re-read the user's catalog data (another tab wrote some) and announce the result."""
        self._reload()

    def _reload(self) -> None:
        self._queue_edit(CatalogEdit("read your catalog data", lambda _s: None, refresh_only=True))

    def _run_next(self) -> None:
        edit, on_result = self._queue.popleft()
        base, store, generation = self._base, self.store, self._generation
        if base is None:
            self._queue.clear()
            return
        self._busy = True

        def work() -> tuple[Any, Catalog]:
            result = edit.save(store)
            return result, store.apply(base)

        self.runner.submit(
            work,
            lambda out: self._saved(out, on_result, generation),
            lambda exc: self._failed(edit, exc, generation),
        )

    def _saved(
        self,
        out: tuple[Any, Catalog],
        on_result: Callable[[Any], object] | None,
        generation: int,
    ) -> None:
        self._busy = False
        result, merged = out
        if on_result is not None:
            self._after_show.append(lambda: on_result(result))
        if self._queue:
            # More changes wait: show the final state once, after the last one.
            self._run_next()
            return
        if generation != self._generation:
            # A new catalog arrived meanwhile: merge the saved change into that one.
            self._reload()
            return
        self._present(merged)
        self.catalog_edited.emit(merged)
        callbacks, self._after_show = self._after_show, []
        for callback in callbacks:
            callback()

    def _failed(self, edit: CatalogEdit, exc: Exception, generation: int) -> None:
        self._busy = False
        text = str(exc) if isinstance(exc, StorageError) else f"Could not {edit.description}: {exc}"
        if edit.description.startswith("import"):
            self._show_report("Import failed", [text])
        self._show_message(text, error=True)
        if self._queue:
            self._run_next()
        elif generation != self._generation:
            return
        elif not edit.refresh_only:
            # The table may show the refused change: read back what is really saved.
            self._reload()
        elif self._base is not None and self._catalog is self._base:
            # The user's data cannot be read (the message says why; no retry loop), but the
            # public prices are good: the frameworks get those.
            self.catalog_edited.emit(self._base)
