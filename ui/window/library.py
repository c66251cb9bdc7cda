"""Commands on a saved scenario: rename, duplicate, delete, its version history (restore an
earlier version) and comparing it with another of its framework."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from core.catalog import Catalog
from core.frameworks import Framework
from core.scenario import Scenario
from ui.framework_tab import FrameworkTab
from ui.window.base import WindowBase


class LibraryCommands(WindowBase):
    """File › Rename, Duplicate, Delete, Version history; View › Compare."""

    def rename(self) -> None:
        tab = self.tab
        if tab.scenario is None or tab.scenario.id is None:
            return
        name = self.ask_name("Rename scenario", "New name:", tab.scenario.name)
        if name is None or name == tab.scenario.name:
            return
        sid = tab.scenario.id

        def renamed(s: Scenario) -> None:
            tab.scenario = s
            self._update_title(tab)
            self.status(f"Renamed to “{s.name}”")

        self.runner.submit(
            lambda: self.store.rename(sid, name),
            renamed,
            lambda e: self.error("Could not rename", str(e)),
        )

    def duplicate(self) -> None:
        tab = self.tab
        if tab.scenario is None or tab.scenario.id is None:
            return
        name = self.ask_name(
            "Duplicate scenario", "Name of the copy:", f"{tab.scenario.name} (copy)"
        )
        if name is None:
            return
        sid = tab.scenario.id
        self.runner.submit(
            lambda: self.store.duplicate(sid, name),
            lambda s: self.status(f"Saved a copy as “{s.name}” (open it with Ctrl+O)"),
            lambda e: self.error("Could not duplicate", str(e)),
        )

    def delete(self) -> None:
        tab = self.tab
        if tab.scenario is None or tab.scenario.id is None:
            return
        s, sid = tab.scenario, tab.scenario.id
        if not self.confirm(
            "Delete scenario",
            f"Delete “{s.name}” and all {s.version} saved version(s)? This cannot be undone.",
        ):
            return

        def deleted(_: Any) -> None:
            tab.scenario = None
            tab.undo_stack.resetClean()
            self._update_title(tab)
            self.status(f"Deleted “{s.name}”; its inputs are still here, unsaved")

        self.runner.submit(
            lambda: self.store.delete(sid),
            deleted,
            lambda e: self.error("Could not delete", str(e)),
        )

    def show_history(self) -> None:
        tab = self.tab
        if tab.scenario is None or tab.scenario.id is None:
            return
        sid, name = tab.scenario.id, tab.scenario.name
        self.runner.submit(
            lambda: self.store.versions(sid),
            lambda versions: self._show_history_dialog(tab, name, versions),
            self._storage_failed,
        )

    def _show_history_dialog(self, tab: FrameworkTab, name: str, versions: list[Any]) -> None:
        from ui.dialogs import HistoryDialog

        dialog = HistoryDialog(name, versions, self, framework_id=tab.framework.ID)
        dialog.setObjectName("historyDialog")

        def restore() -> None:
            chosen = dialog.selected()
            if chosen is None or tab.scenario is None:
                return
            sid = tab.scenario.id or 0
            from operations import scenarios as scenario_ops  # imported at the first command

            self.runner.submit(
                lambda: scenario_ops.restore_version(self.store, sid, chosen.version),
                lambda s: self._restored(tab, s, chosen.version),
                lambda e: self.error("Could not restore", str(e)),
            )

        dialog.accepted.connect(restore)
        dialog.open()

    def _restored(self, tab: FrameworkTab, scenario: Scenario, old_version: int) -> None:
        tab.load(scenario, tab.framework.Inputs.model_validate(scenario.inputs))
        self._update_title(tab)
        self.status(f"Restored version {old_version} as version {scenario.version}")

    def compare(self) -> None:
        tab = self.tab
        fid = tab.framework.ID
        self.runner.submit(
            lambda: self.store.list(framework_id=fid),
            lambda rows: self._show_compare(tab.framework, rows, tab.scenario, tab.catalog),
            self._storage_failed,
        )

    def _show_compare(
        self,
        framework: Framework,
        rows: list[Scenario],
        current: Scenario | None,
        catalog: Catalog,
    ) -> None:
        if len(rows) < 2:
            self.error(
                "Nothing to compare",
                f"Save at least two {framework.TITLE} scenarios to compare them.",
            )
            return
        from ui.compare import CompareDialog  # every framework's comparison plot: not at start-up

        dialog = CompareDialog(framework, rows, current, self, catalog=catalog)
        dialog.setObjectName("compareDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
