"""Scenario commands: new, save, save as (a name in use offers a new version or another
name), open. The storage work is operations.scenarios, run on the window's worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.frameworks import ENTRIES
from core.scenario import Scenario
from ui.framework_tab import FrameworkTab
from ui.window.base import WindowBase

if TYPE_CHECKING:
    from storage.scenarios import ScenarioSummary


class ScenarioCommands(WindowBase):
    """File › New, Open, Save and Save as."""

    def new_scenario(self) -> None:
        tab = self.tab
        if tab.dirty and not self._resolve_unsaved(tab, then=self.new_scenario):
            return
        tab.load(None)
        self._update_title(tab)
        self.status(f"New {tab.framework.TITLE} scenario from the defaults")

    def _resolve_unsaved(self, tab: FrameworkTab, then: Callable[[], object]) -> bool:
        """True to go on now; False when cancelled, or when a save runs first and calls `then`."""
        answer = self._ask_unsaved(tab)
        if answer == QMessageBox.StandardButton.Discard:
            tab.forget_changes()
            return True
        if answer == QMessageBox.StandardButton.Save:
            self.save(tab, after=then)
        return False

    def save(
        self, tab: FrameworkTab | None = None, after: Callable[[], object] | None = None
    ) -> None:
        tab = tab or self.tab
        if tab.scenario is None or tab.scenario.id is None:
            self.save_as(tab, after=after)
            return
        content = self._content(tab)
        sid = tab.scenario.id
        from operations import scenarios as scenario_ops  # imported at the first command

        def saved(s: Scenario) -> None:
            tab.mark_saved(s)
            self._update_title(tab)
            self.status(f"Saved “{s.name}” (version {s.version})")
            if after:
                after()

        self.runner.submit(
            lambda: scenario_ops.save(self.store, sid, content), saved, self._save_failed
        )

    def save_as(
        self,
        tab: FrameworkTab | None = None,
        after: Callable[[], object] | None = None,
        suggested: str | None = None,
    ) -> None:
        tab = tab or self.tab
        default = suggested or (
            f"{tab.scenario.name} (copy)" if tab.scenario else f"{tab.framework.TITLE} scenario"
        )
        name = self.ask_name("Save scenario as", "Scenario name:", default)
        if name is None:
            return
        content = self._content(tab)
        from operations import scenarios as scenario_ops

        def saved(s: Scenario) -> None:
            tab.mark_saved(s)
            self._update_title(tab)
            self.status(f"Saved “{s.name}”" + (f" (version {s.version})" if s.version > 1 else ""))
            if after:
                after()

        def created(outcome: scenario_ops.SaveAs) -> None:
            if outcome.saved is not None:
                saved(outcome.saved)
            elif outcome.taken is not None:
                self._name_taken(tab, outcome.taken, saved)

        self.runner.submit(
            lambda: scenario_ops.save_as(self.store, name, content), created, self._save_failed
        )

    def _name_taken(
        self, tab: FrameworkTab, taken: Scenario, saved: Callable[[Scenario], None]
    ) -> None:
        """Save-as under a name in use: a new version of that scenario (same framework), or
        another name; never a silent overwrite and never only an error."""
        choice = self._ask_taken_name(taken, same_framework=taken.framework_id == tab.framework.ID)
        if choice == "version" and taken.id is not None:
            content = self._content(tab)
            from operations import scenarios as scenario_ops

            self.runner.submit(
                lambda: scenario_ops.save_as_version(self.store, taken, content),
                saved,
                self._save_failed,
            )
        elif choice == "rename":
            self.save_as(tab, suggested=f"{taken.name} (2)")

    def _ask_taken_name(self, taken: Scenario, same_framework: bool) -> str | None:
        """'version', 'rename' or None (cancel)."""
        title = next((e.title for e in ENTRIES if e.id == taken.framework_id), "another")
        text = f"A scenario named “{taken.name}” already exists ({title}, version {taken.version})."
        if not same_framework:
            text += " It decides another question, so this scenario needs another name."
        box = QMessageBox(QMessageBox.Icon.Question, "Name already used", text, parent=self)
        box.setObjectName("nameTakenBox")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the name was typed or imported
        version = (
            box.addButton(
                f"Save as version {taken.version + 1} of it", QMessageBox.ButtonRole.AcceptRole
            )
            if same_framework
            else None
        )
        rename = box.addButton("Choose another name", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(rename)
        box.exec()
        clicked = box.clickedButton()
        return "version" if clicked is version else "rename" if clicked is rename else None

    def _save_failed(self, exc: Exception) -> None:
        self.error(
            "Could not save",
            f"{exc}\n\nYour edits are still in the window. File › Save a copy to a file… "
            "(Ctrl+Alt+S) writes them to a scenario file elsewhere.",
        )

    def open_scenario(self) -> None:
        self.runner.submit(self.store.summaries, self._show_open_dialog, self._storage_failed)

    def _show_open_dialog(self, scenarios: list[ScenarioSummary]) -> None:
        from ui.dialogs import OpenScenarioDialog  # imported when first needed

        dialog = OpenScenarioDialog(scenarios, self)
        dialog.setObjectName("openDialog")
        dialog.accepted.connect(lambda: self._open_chosen(dialog.selected()))
        dialog.open()

    def _open_chosen(self, chosen: ScenarioSummary | None) -> None:
        if chosen is not None:
            sid = chosen.id
            self.runner.submit(
                lambda: self.store.get(sid), self.show_scenario, self._storage_failed
            )

    def show_scenario(self, scenario: Scenario) -> None:
        """Put a stored scenario into its framework's tab (asking first if that tab is dirty)."""
        try:
            tab = self.tab_for(scenario.framework_id)
        except KeyError:
            self.error("Cannot open", f"This app has no framework '{scenario.framework_id}'.")
            return
        self.tabs.setCurrentWidget(tab)
        if tab.dirty and not self._resolve_unsaved(tab, then=lambda: self.show_scenario(scenario)):
            return
        inputs = self._usable_inputs(tab, scenario.inputs, "Cannot open", f"“{scenario.name}”")
        if inputs is None:
            return
        tab.load(scenario, inputs)
        self._update_title(tab)
        self.status(f"Opened “{scenario.name}” (version {scenario.version})")
