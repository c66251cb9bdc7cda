"""What every part of the main window stands on: the tabs (each framework tab built when first
shown), the status bar and message boxes, and the attributes the parts share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QUndoGroup
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from core import APP_NAME
from core.catalog import Catalog
from core.frameworks import ENTRIES
from storage import ScenarioStore
from ui.accessibility import name_inputs
from ui.framework_tab import FrameworkTab
from ui.plain_text import literal_html, plain_labels
from ui.services import AppServices
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from core.scenario import Scenario
    from operations.scenarios import ScenarioContent
    from storage import CatalogStore
    from ui.models.tab import ModelsTab

MODELS_TIP = "Every chat model with its prices, limits and your quality and latency measurements"


class WindowBase(QMainWindow):
    """The shared state and helpers; MainWindow adds its parts (ui/window/*) on top."""

    store: ScenarioStore
    runner: TaskRunner
    settings: QSettings
    _catalog_store: CatalogStore | None
    catalog: Catalog | None
    tabs: QTabWidget
    _models_tab: ModelsTab | None
    undo_group: QUndoGroup
    banner: QWidget
    _built: dict[int, FrameworkTab]
    _last_framework_tab: FrameworkTab | None
    act_save: QAction
    act_save_as: QAction
    act_rename: QAction
    act_duplicate: QAction
    act_delete: QAction
    act_history: QAction
    act_export_scenario: QAction

    if TYPE_CHECKING:
        # Provided by the parts (drafts, scenario commands) that MainWindow combines.
        def _edited(self, tab: FrameworkTab) -> None: ...
        def _dirty_changed(self, tab: FrameworkTab, dirty: bool) -> None: ...
        def save(
            self, tab: FrameworkTab | None = None, after: Callable[[], object] | None = None
        ) -> None: ...
        def show_scenario(self, scenario: Scenario) -> None: ...

    @property
    def catalog_store(self) -> CatalogStore:
        """The catalog's tables in the database (the user's scores and models), opened on first
        use: what uses them (the Models tab, the examples) comes after the first paint, and
        their modules are ~30M instructions of the start-up's."""
        if self._catalog_store is None:
            from storage import CatalogStore

            self._catalog_store = CatalogStore(Path(self.store.path), checked=True)
        return self._catalog_store

    @property
    def framework_tabs(self) -> list[FrameworkTab]:
        """The framework tabs built so far, in tab order."""
        return [self._built[i] for i in sorted(self._built)]

    def _framework_tab(self, index: int) -> FrameworkTab:
        """The tab at `index`, built on first use (it replaces the empty page)."""
        if index in self._built:
            return self._built[index]
        module = ENTRIES[index].load()
        tab = FrameworkTab(
            module,
            catalog=self.catalog,
            services=AppServices(
                self.runner,
                Path(self.store.path),
                catalog=lambda: self.catalog,
                catalog_updated=lambda: self.models_tab.reload_user_data(),
                fill_framework=self._fill_framework,
            ),
        )
        self._built[index] = tab
        plain_labels(tab)  # the panel's statuses and readouts quote outside text
        name_inputs(tab)  # the panels' inputs, named by the labels beside them
        tab.dirty_changed.connect(lambda dirty, t=tab: self._dirty_changed(t, dirty))
        tab.result_changed.connect(lambda _r, t=tab: self._edited(t))
        tab.notes.textChanged.connect(lambda t=tab: self._edited(t))
        self.undo_group.addStack(tab.undo_stack)
        tab.dirty_changed.connect(lambda _d, t=tab: self._update_title(t))
        self._replace_page(index, tab, module.TITLE)
        self.tabs.setTabToolTip(index, module.GUIDE)
        return tab

    @property
    def models_tab(self) -> ModelsTab:
        """The Models tab, built on first use (it replaces the empty page after the frameworks)."""
        if self._models_tab is None:
            return self._build_models_tab()
        return self._models_tab

    def _build_models_tab(self) -> ModelsTab:
        from ui.models.tab import ModelsTab

        tab = ModelsTab(self.catalog_store, self.runner, None)
        self._models_tab = tab
        tab.catalog_edited.connect(self._catalog_changed)
        plain_labels(tab)  # its messages quote files, servers and model names
        name_inputs(tab)
        self._replace_page(len(ENTRIES), tab, "Models")
        self.tabs.setTabToolTip(len(ENTRIES), MODELS_TIP)
        return tab

    def _replace_page(self, index: int, page: QWidget, title: str) -> None:
        """Put `page` in place of the empty page at `index`, the current tab staying current
        and no tab change reported."""
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        empty_page = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, page, title)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        if empty_page is not None:
            empty_page.deleteLater()

    @property
    def tab(self) -> FrameworkTab:
        """The framework tab scenario actions apply to (the last one shown while on Models)."""
        index = self.tabs.currentIndex()
        if 0 <= index < len(ENTRIES):
            return self._framework_tab(index)
        return self._last_framework_tab or self._framework_tab(0)

    def _fill_framework(
        self, framework_id: str, values: Callable[[BaseModel], dict[str, Any]]
    ) -> bool:
        """Another tab's measured values for a framework: one undoable step, then its tab."""
        tab = self.tab_for(framework_id)
        tab.apply_suggestion(values(tab.inputs))
        self.tabs.setCurrentWidget(tab)
        return True

    def tab_for(self, framework_id: str) -> FrameworkTab:
        for i, entry in enumerate(ENTRIES):
            if framework_id == entry.id:
                return self._framework_tab(i)
        raise KeyError(framework_id)

    def _catalog_changed(self, catalog: Catalog) -> None:
        self.catalog = catalog
        for tab in self.framework_tabs:
            tab.set_catalog(catalog)
        self.status(f"Model catalog: {len(catalog):,} models ({catalog.source})")

    def _update_title(self, tab: FrameworkTab) -> None:
        i = self.tabs.indexOf(tab)
        text = tab.framework.TITLE + (" *" if tab.dirty else "")
        if self.tabs.tabText(i) != text:  # a new text relays out the tab bar and its page
            self.tabs.setTabText(i, text)
        if tab is self.tab:
            self.setWindowTitle(f"{tab.display_name}[*] — {tab.framework.TITLE} — {APP_NAME}")
            self.setWindowModified(tab.dirty)
        has_scenario = self.tab.scenario is not None
        for a in (
            self.act_rename,
            self.act_duplicate,
            self.act_delete,
            self.act_history,
            self.act_export_scenario,
        ):
            a.setEnabled(has_scenario)

    def status(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def error(self, title: str, text: str) -> None:
        """Show a problem without blocking the event loop (the window stays usable)."""
        self.status(f"{title}: {text}")
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        # The text quotes names, files and servers: shown as written, never as markup.
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setObjectName("errorBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _storage_failed(self, exc: Exception) -> None:
        self.error("Database problem", str(exc))

    def ask_name(self, title: str, label: str, default: str) -> str | None:
        name, ok = QInputDialog.getText(self, title, label, text=default)
        name = name.strip()
        return name if ok and name else None

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, literal_html(text))
        return answer == QMessageBox.StandardButton.Yes

    def _ask_unsaved(self, tab: FrameworkTab) -> QMessageBox.StandardButton:
        return QMessageBox.question(
            self,
            "Unsaved changes",
            literal_html(
                f"“{tab.display_name}” ({tab.framework.TITLE}) has unsaved changes. Save them?"
            ),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )

    def _usable_inputs(
        self, tab: FrameworkTab, raw: dict[str, Any], title: str, what: str
    ) -> BaseModel | None:
        """`raw` as the tab's Inputs, or None after saying which fields this version refuses."""
        # The scenario operations (and the comparison code they bring) wait for the first
        # command that needs them: about 1% of the start-up's instructions.
        from operations.scenarios import ScenarioError, valid_inputs

        try:
            return valid_inputs(tab.framework, raw)
        except ScenarioError as exc:
            self.error(title, f"{what} has inputs this version cannot use:\n{exc}")
            return None

    @staticmethod
    def _content(tab: FrameworkTab) -> ScenarioContent:
        """What a save of `tab` writes: its inputs, result, notes and evidence now."""
        from operations.scenarios import ScenarioContent

        inputs, result, notes = tab.payload()
        return ScenarioContent(tab.framework.ID, inputs, result, notes, tab.evidence_payload())
