"""The main window: a tab per framework, menus, toolbar, scenarios, compare and export."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from pydantic import BaseModel, ValidationError
from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QHelpEvent,
    QKeySequence,
    QPaintEvent,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QStyle,
    QTabWidget,
    QToolBar,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME, APP_VERSION
from core.catalog import Catalog
from core.catalog import load_catalog as default_load_catalog
from core.frameworks import ENTRIES, Framework, ids
from core.scenario import Scenario, dump_scenario_file
from core.validation import error_lines
from storage import CatalogStore, Draft, DraftStore, ScenarioStore, StorageError
from ui.accessibility import name_inputs
from ui.framework_tab import FrameworkTab, SetInputsCommand
from ui.models_tab import ModelsTab
from ui.plain_text import html_text, literal_html, plain_labels
from ui.plots.common import png_bytes
from ui.services import AppServices
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from storage.scenarios import ScenarioSummary

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "resources" / "examples"
AUTOSAVE_MS = 3000
#: A window that has not painted by then starts its start-up work anyway.
UNSHOWN_START_MS = 250
#: The decision summary's formats, the suggested one first.
SUMMARY_FORMATS = [("HTML with plots", ".html"), ("PDF", ".pdf"), ("Markdown", ".md")]
SCENARIO_FORMATS = [("Scenario files", ".json")]
#: A PDF export that takes longer than this shows its progress and a Cancel button.
EXPORT_PROGRESS_DELAY_MS = 500


class MainWindow(QMainWindow):
    """Collaborators come in through the constructor: the store, the task runner, settings."""

    busy_changed = Signal(bool)

    def __init__(
        self,
        store: ScenarioStore,
        runner: TaskRunner | None = None,
        settings: QSettings | None = None,
        catalog_store: CatalogStore | None = None,
        load_catalog: Callable[[], Catalog] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.runner = runner or TaskRunner(self)
        self.settings = settings or QSettings()
        self.catalog_store = catalog_store or CatalogStore(Path(store.path), checked=True)
        self._closing_after_save = False
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(1100, 720)

        self.undo_group = QUndoGroup(self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.catalog: Catalog | None = None
        # A framework tab (form, plots, first compute) is built when first shown: start-up
        # pays for one tab, not all of them. Until then its page is an empty widget.
        self._built: dict[int, FrameworkTab] = {}
        # The framework modules too are imported per tab; a tab's guide becomes its tooltip
        # when the tab is built, or when the pointer rests on the tab first (see eventFilter).
        for entry in ENTRIES:
            self.tabs.addTab(QWidget(), entry.title)
        self.tabs.tabBar().installEventFilter(self)
        self._last_framework_tab: FrameworkTab | None = None
        self.models_tab = ModelsTab(self.catalog_store, self.runner, None)
        self.models_tab.catalog_edited.connect(self._catalog_changed)
        self.tabs.addTab(self.models_tab, "Models")
        self.tabs.setTabToolTip(
            self.tabs.count() - 1,
            "Every chat model with its prices, limits and your quality and latency measurements",
        )
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.banner = self._make_examples_banner()
        self._drafts: DraftStore | None = None
        self._drafts_lock = threading.Lock()
        self._recovered: list[Draft] = []
        #: The latest draft write asked for, per framework: a write that lost the race to a
        #: later one (a keep after the save that made it moot) is skipped.
        self._draft_writes: dict[str, int] = {}
        self.recovery_banner, self.recovery_text = self._make_recovery_banner()
        #: Unsaved edits are kept as a draft this long after the last change.
        self.autosave_ms = AUTOSAVE_MS
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.timeout.connect(self.autosave_now)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.recovery_banner)
        lay.addWidget(self.banner)
        lay.addWidget(self.tabs)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_menus_and_toolbar()
        self.db_label = QLabel(f"Database: {store.path}")
        self.db_label.setStyleSheet("color: #5f6368; padding-right: 6px;")
        self.statusBar().addPermanentWidget(self.db_label)
        # Banners, the Models tab's messages, the database path: none is markup.
        plain_labels(self)
        name_inputs(self.models_tab)
        #: The running PDF export's progress dialog (None when none runs).
        self.export_progress: QProgressDialog | None = None

        self._restore_window_state()
        self._on_tab_changed(self.tabs.currentIndex())
        # Start-up work runs in the background once the window has painted for the first
        # time (or after a moment, for a window not shown): the catalog of thousands of
        # models, the examples offer and the drafts (the first query imports sqlite-utils).
        self.runner.submit(
            self.store.count, self._maybe_offer_examples, self._storage_failed, held=True
        )
        self.runner.submit(
            lambda: self.draft_store().drafts(), self._offer_drafts, self._storage_failed, held=True
        )
        self.runner.submit(
            load_catalog or default_load_catalog,
            self.models_tab.set_catalog,
            lambda e: self.models_tab.set_load_error(str(e)),
            held=True,
        )
        self._painted = False
        QTimer.singleShot(UNSHOWN_START_MS, self.runner.start_held)

    # ----- construction -------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
        icon: QStyle.StandardPixmap | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(
                shortcut if not isinstance(shortcut, str) else QKeySequence(shortcut)
            )
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        ks = QKeySequence.StandardKey
        self.act_new = self._action(
            "&New scenario",
            self.new_scenario,
            ks.New,
            "Start a new scenario from the defaults",
            sp.SP_FileIcon,
        )
        self.act_open = self._action(
            "&Open scenario…",
            self.open_scenario,
            ks.Open,
            "Open a saved scenario of any framework",
            sp.SP_DialogOpenButton,
        )
        self.act_save = self._action(
            "&Save",
            self.save,
            ks.Save,
            "Save the scenario (every save is kept as a version)",
            sp.SP_DialogSaveButton,
        )
        self.act_save_as = self._action(
            "Save &as…", self.save_as, ks.SaveAs, "Save under a new name"
        )
        self.act_rename = self._action("&Rename…", self.rename, "F2", "Rename the scenario")
        self.act_duplicate = self._action(
            "D&uplicate…", self.duplicate, "Ctrl+D", "Save a copy of the scenario under a new name"
        )
        self.act_delete = self._action(
            "&Delete…", self.delete, None, "Delete the scenario and all its versions"
        )
        self.act_history = self._action(
            "Version &history…",
            self.show_history,
            "Ctrl+H",
            "See and restore earlier saved versions",
        )
        self.act_import = self._action(
            "&Import scenario file…",
            self.import_scenario_file,
            "Ctrl+I",
            "Add a scenario from a .json scenario file",
        )
        self.act_export_scenario = self._action(
            "E&xport scenario file…",
            self.export_scenario_file,
            None,
            "Write the saved scenario to a .json file",
        )
        self.act_save_copy = self._action(
            "Save a &copy to a file…",
            self.save_copy_to_file,
            "Ctrl+Alt+S",
            "Write what the tab shows now, unsaved edits included, to a .json scenario file "
            "(for when the database cannot be written)",
        )
        self.act_export = self._action(
            "&Export decision summary…",
            self.export_summary,
            "Ctrl+E",
            "Markdown, HTML or PDF summary of the decision",
            sp.SP_DialogApplyButton,
        )
        self.act_export_plots = self._action(
            "Export &plots…",
            self.export_plots,
            "Ctrl+Shift+E",
            "Save every plot of this tab as PNG or SVG",
        )
        self.act_compare = self._action(
            "&Compare scenarios…",
            self.compare,
            "Ctrl+K",
            "Two scenarios of this framework side by side",
            sp.SP_FileDialogDetailedView,
        )
        self.act_quit = self._action("&Quit", self.close, ks.Quit)
        self.act_next_tab = self._action(
            "&Next tab", lambda: self._step_tab(1), "Ctrl+PgDown", "Show the tab to the right"
        )
        self.act_prev_tab = self._action(
            "&Previous tab", lambda: self._step_tab(-1), "Ctrl+PgUp", "Show the tab to the left"
        )
        self.act_undo = self.undo_group.createUndoAction(self, "&Undo")
        # Typing not yet committed (it waits for a pause) is committed first, so Undo takes
        # back exactly that typing rather than the step before it.
        self.act_undo.triggered.disconnect()
        self.act_undo.triggered.connect(self._undo)
        self.act_undo.setShortcut(ks.Undo)
        self.act_undo.setIcon(self.style().standardIcon(sp.SP_ArrowBack))
        self.act_redo = self.undo_group.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence(ks.Redo), QKeySequence("Ctrl+Y")])
        self.act_redo.setIcon(self.style().standardIcon(sp.SP_ArrowForward))
        self.act_reset = self._action(
            "Reset inputs to &defaults",
            self.reset_inputs,
            None,
            "Put every input back to its default (undoable)",
        )
        self.act_guide = self._action("&About this framework", self.show_guide, "F1")
        self.act_shortcuts = self._action("&Keyboard shortcuts", self.show_shortcuts)
        self.act_data_folder = self._action("Open &database folder", self.open_data_folder)
        self.act_about = self._action(f"&About {APP_NAME}", self.show_about)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        for a in (
            self.act_new,
            self.act_open,
            None,
            self.act_save,
            self.act_save_as,
            self.act_rename,
            self.act_duplicate,
            self.act_delete,
            self.act_history,
            None,
            self.act_import,
            self.act_export_scenario,
            self.act_save_copy,
            None,
            self.act_export,
            self.act_export_plots,
            None,
            self.act_quit,
        ):
            file_menu.addSeparator() if a is None else file_menu.addAction(a)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.act_undo)
        edit_menu.addAction(self.act_redo)
        edit_menu.addSeparator()
        edit_menu.addAction(self.act_reset)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.act_compare)
        view_menu.addSeparator()
        view_menu.addAction(self.act_next_tab)
        view_menu.addAction(self.act_prev_tab)
        # Every tab, the Models tab too, has its Ctrl+number (Ctrl+1 .. Ctrl+8).
        titles = [entry.title for entry in ENTRIES] + [self.tabs.tabText(len(ENTRIES))]
        for i, title in enumerate(titles):
            act = self._action(
                title,
                lambda i=i: self.tabs.setCurrentIndex(i),
                f"Ctrl+{i + 1}" if i < 9 else None,
            )
            view_menu.addAction(act)
        self.undo_view = QUndoView(self.undo_group)
        self.undo_dock = QDockWidget("Edit history", self)
        self.undo_dock.setObjectName("editHistoryDock")
        self.undo_dock.setWidget(self.undo_view)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.undo_dock)
        self.undo_dock.hide()
        view_menu.addSeparator()
        view_menu.addAction(self.undo_dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        for a in (self.act_guide, self.act_shortcuts, self.act_data_folder, self.act_about):
            help_menu.addAction(a)

        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.setMovable(False)
        for a in (
            self.act_new,
            self.act_open,
            self.act_save,
            None,
            self.act_undo,
            self.act_redo,
            None,
            self.act_compare,
            self.act_export,
        ):
            tb.addSeparator() if a is None else tb.addAction(a)
        self.addToolBar(tb)

    def _make_examples_banner(self) -> QWidget:
        text = QLabel(
            "New here? Load a few example scenarios to see how the frameworks decide "
            "(you can delete them later)."
        )
        load = QPushButton("Load examples")
        load.setObjectName("loadExamples")
        load.clicked.connect(self.load_examples)
        dismiss = QPushButton("Dismiss")
        dismiss.clicked.connect(self._dismiss_examples)
        return _banner("examplesBanner", "#e8f0fe", text, load, dismiss)

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
        return _banner("recoveryBanner", "#fef7e0", text, restore, discard), text

    # ----- drafts: unsaved edits survive a crash -----------------------------------------

    def draft_store(self) -> DraftStore:
        """The drafts table, opened on first use (call from a worker: it opens the file)."""
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
            self._write_draft(draft.framework_id, lambda store, d=draft: store.put(d))

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
            sid = draft.scenario_id
            self.runner.submit(
                lambda sid=sid: self.store.get(sid),
                lambda s, d=draft: self._restore_draft(d, s),
                lambda _e, d=draft: self._restore_draft(d, None),
            )

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

    # ----- small helpers ------------------------------------------------------------------

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
            module,  # type: ignore[arg-type]
            catalog=self.catalog,
            services=AppServices(
                self.runner,
                Path(self.store.path),
                catalog=lambda: self.catalog,
                catalog_updated=self.models_tab.reload_user_data,
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
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        empty_page = self.tabs.widget(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, tab, module.TITLE)
        self.tabs.setTabToolTip(index, module.GUIDE)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        empty_page.deleteLater()
        return tab

    @property
    def tab(self) -> FrameworkTab:
        """The framework tab scenario actions apply to (the last one shown while on Models)."""
        index = self.tabs.currentIndex()
        if 0 <= index < len(ENTRIES):
            return self._framework_tab(index)
        return self._last_framework_tab or self._framework_tab(0)

    def _catalog_changed(self, catalog: Catalog) -> None:
        self.catalog = catalog
        for tab in self.framework_tabs:
            tab.set_catalog(catalog)
        self.status(f"Model catalog: {len(catalog):,} models ({catalog.source})")

    def tab_for(self, framework_id: str) -> FrameworkTab:
        for i, entry in enumerate(ENTRIES):
            if framework_id == entry.id:
                return self._framework_tab(i)
        raise KeyError(framework_id)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Posted: it runs once this paint is on screen.
            QTimer.singleShot(0, self.runner.start_held)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        """A framework tab not built yet gets its guide as tooltip when the pointer rests on
        it: importing its module waits until someone asks."""
        if event.type() == QEvent.Type.ToolTip and watched is self.tabs.tabBar():
            assert isinstance(event, QHelpEvent)
            index = self.tabs.tabBar().tabAt(event.pos())
            if 0 <= index < len(ENTRIES) and not self.tabs.tabToolTip(index):
                self.tabs.setTabToolTip(index, ENTRIES[index].load().GUIDE)
        return super().eventFilter(watched, event)

    def _on_tab_changed(self, index: int) -> None:
        # The Models tab saves each edit at once: Ctrl+S there must not offer to save the
        # framework tab shown before it.
        for action in (self.act_save, self.act_save_as):
            action.setEnabled(0 <= index < len(ENTRIES))
        if 0 <= index < len(ENTRIES):
            tab = self._framework_tab(index)
            self._last_framework_tab = tab
            self.undo_group.setActiveStack(tab.undo_stack)
            self._update_title(tab)
        else:  # the Models tab: its edits are saved at once, there is nothing to undo here
            self.undo_group.setActiveStack(None)
            self.setWindowTitle(f"Models — {APP_NAME}")
            self.setWindowModified(False)

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

    # ----- scenario actions ---------------------------------------------------------------

    def new_scenario(self) -> None:
        tab = self.tab
        if tab.dirty and not self._resolve_unsaved(tab, then=self.new_scenario):
            return
        tab.load(None)
        self._update_title(tab)
        self.status(f"New {tab.framework.TITLE} scenario from the defaults")

    def _resolve_unsaved(self, tab: FrameworkTab, then: Callable[[], None]) -> bool:
        """True to go on now; False when cancelled, or when a save runs first and calls `then`."""
        answer = self._ask_unsaved(tab)
        if answer == QMessageBox.StandardButton.Discard:
            tab.forget_changes()
            return True
        if answer == QMessageBox.StandardButton.Save:
            self.save(tab, after=then)
        return False

    def save(
        self, tab: FrameworkTab | None = None, after: Callable[[], None] | None = None
    ) -> None:
        tab = tab or self.tab
        if tab.scenario is None or tab.scenario.id is None:
            self.save_as(tab, after=after)
            return
        inputs, result, notes = tab.payload()
        evidence = tab.evidence_payload()
        sid = tab.scenario.id

        def saved(s: Scenario) -> None:
            tab.mark_saved(s)
            self._update_title(tab)
            self.status(f"Saved “{s.name}” (version {s.version})")
            if after:
                after()

        self.runner.submit(
            lambda: self.store.save(sid, inputs, result, notes, evidence=evidence),
            saved,
            self._save_failed,
        )

    def save_as(
        self,
        tab: FrameworkTab | None = None,
        after: Callable[[], None] | None = None,
        suggested: str | None = None,
    ) -> None:
        tab = tab or self.tab
        default = suggested or (
            f"{tab.scenario.name} (copy)" if tab.scenario else f"{tab.framework.TITLE} scenario"
        )
        name = self.ask_name("Save scenario as", "Scenario name:", default)
        if name is None:
            return
        inputs, result, notes = tab.payload()
        evidence = tab.evidence_payload()
        fid = tab.framework.ID

        def saved(s: Scenario) -> None:
            tab.mark_saved(s)
            self._update_title(tab)
            self.status(f"Saved “{s.name}”" + (f" (version {s.version})" if s.version > 1 else ""))
            if after:
                after()

        def create() -> tuple[Scenario | None, Scenario | None]:
            """(the new scenario, None), or (None, the scenario that has the name already)."""
            try:
                taken = self.store.get_by_name(name)
            except StorageError:  # no such name (a real database problem fails create too)
                return self.store.create(fid, name, inputs, result, notes, evidence=evidence), None
            return None, taken

        def created(outcome: tuple[Scenario | None, Scenario | None]) -> None:
            made, taken = outcome
            if made is not None:
                saved(made)
            elif taken is not None:
                self._name_taken(tab, taken, saved)

        self.runner.submit(create, created, self._save_failed)

    def _name_taken(
        self, tab: FrameworkTab, taken: Scenario, saved: Callable[[Scenario], None]
    ) -> None:
        """Save-as under a name in use: a new version of that scenario (same framework), or
        another name; never a silent overwrite and never only an error."""
        choice = self._ask_taken_name(taken, same_framework=taken.framework_id == tab.framework.ID)
        if choice == "version" and taken.id is not None:
            sid = taken.id
            inputs, result, notes = tab.payload()
            evidence = tab.evidence_payload()
            self.runner.submit(
                lambda: self.store.save(sid, inputs, result, notes, evidence=evidence),
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

    def _usable_inputs(
        self, tab: FrameworkTab, raw: dict[str, Any], title: str, what: str
    ) -> BaseModel | None:
        """`raw` as the tab's Inputs, or None after saying which fields this version refuses."""
        try:
            return tab.framework.Inputs.model_validate(raw)
        except ValidationError as exc:
            self.error(
                title,
                f"{what} has inputs this version cannot use:\n"
                + "\n".join(error_lines(exc, tab.framework.Inputs)),
            )
            return None

    def rename(self) -> None:
        tab = self.tab
        if tab.scenario is None:
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
        if tab.scenario is None:
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
        if tab.scenario is None:
            return
        s = tab.scenario
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
            lambda: self.store.delete(s.id),
            deleted,
            lambda e: self.error("Could not delete", str(e)),
        )

    def show_history(self) -> None:
        tab = self.tab
        if tab.scenario is None:
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
            sid = tab.scenario.id
            self.runner.submit(
                lambda: self.store.restore(sid, chosen.version),
                lambda s: self._restored(tab, s, chosen.version),
                lambda e: self.error("Could not restore", str(e)),
            )

        dialog.accepted.connect(restore)
        dialog.open()

    def _restored(self, tab: FrameworkTab, scenario: Scenario, old_version: int) -> None:
        tab.load(scenario, tab.framework.Inputs.model_validate(scenario.inputs))
        self._update_title(tab)
        self.status(f"Restored version {old_version} as version {scenario.version}")

    def reset_inputs(self) -> None:
        tab = self.tab
        defaults = tab.framework.Inputs()
        if defaults == tab.inputs:
            return
        tab.undo_stack.push(
            SetInputsCommand(
                tab, None, tab.inputs, defaults, applied=False, text="Reset inputs to defaults"
            )
        )

    # ----- files --------------------------------------------------------------------------

    def import_scenario_file(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import scenario", "", "Scenario files (*.json);;All files (*)"
            )
            if not path:
                return
        known = ids()
        self.runner.submit(
            lambda: self.store.import_file(Path(path), known),
            self._imported,
            lambda e: self.error("Could not import", str(e)),
        )

    def _imported(self, scenario: Scenario) -> None:
        self.status(f"Imported “{scenario.name}”")
        self.show_scenario(scenario)

    def export_scenario_file(self, path: str | None = None) -> None:
        tab = self.tab
        if tab.scenario is None:
            return
        if path is None:
            from ui.file_dialogs import ask_save_path

            path = ask_save_path(
                self, "Export scenario", self.settings, tab.scenario.name, SCENARIO_FORMATS
            )
            if not path:
                return
        sid = tab.scenario.id
        self.runner.submit(
            lambda: self.store.export_file(sid, Path(path)),
            lambda _: self.status(f"Exported the saved scenario to {path}"),
            lambda e: self.error("Could not export", str(e)),
        )

    def save_copy_to_file(self, path: str | None = None) -> None:
        """The tab's current inputs, result and notes as a scenario file, written without the
        database: the way out when saving fails (a read-only file, a full disk)."""
        tab = self.tab
        if path is None:
            from ui.file_dialogs import ask_save_path

            path = ask_save_path(
                self, "Save a copy to a file", self.settings, tab.display_name, SCENARIO_FORMATS
            )
            if not path:
                return
        inputs, result, notes = tab.payload()
        scenario = Scenario(
            name=tab.display_name,
            framework_id=tab.framework.ID,
            inputs=inputs,
            result=result,
            evidence=tab.evidence_payload(),
            notes=notes,
        )
        target = Path(path)

        def write() -> None:
            target.write_text(dump_scenario_file(scenario), encoding="utf-8")

        self.runner.submit(
            write,
            lambda _: self.status(
                f"Wrote a copy of “{scenario.name}” to {path}; File › Import scenario file "
                "brings it back"
            ),
            lambda e: self.error("Could not write the copy", _os_message(e, path)),
        )

    def _save_failed(self, exc: Exception) -> None:
        self.error(
            "Could not save",
            f"{exc}\n\nYour edits are still in the window. File › Save a copy to a file… "
            "(Ctrl+Alt+S) writes them to a scenario file elsewhere.",
        )

    def export_summary(self, path: str | None = None, fmt: str | None = None) -> None:
        """Write the decision summary of what the tab shows now (plots as they are drawn)."""
        tab = self.tab
        if path is None:
            from ui.file_dialogs import ask_save_path

            path = ask_save_path(
                self,
                "Export decision summary",
                self.settings,
                f"{tab.display_name} - decision summary",
                SUMMARY_FORMATS,
            )
            if not path:
                return
        fmt = fmt or Path(path).suffix.lower().lstrip(".")
        if fmt == "htm":
            fmt = "html"
        from core.report import SummaryMeta  # markdown-it is not needed until an export
        from ui.export import ExportCancelled, write_summary

        meta = SummaryMeta(
            scenario_name=tab.display_name,
            notes=tab.notes.toPlainText(),
            date=date.today(),
            app_version=APP_VERSION,
            status="Proposed" if tab.dirty or tab.scenario is None else "Accepted",
            price_date=tab.evidence.price_date,
            evidence=tab.evidence,
            evidence_recorded=not tab.no_evidence,
            drift=tab.drift.text if tab.drift is not None else None,
        )
        images = [(title, png_bytes(plot)) for title, plot in tab.panel.plots()]  # type: ignore[attr-defined]

        framework, inputs, result = tab.framework, tab.inputs, tab.result
        target = Path(path)
        # A PDF of long notes takes seconds (about 1.5 s a MB): it shows its pages and can stop.
        stop = threading.Event()
        dialog: QProgressDialog | None = None
        if fmt == "pdf":
            dialog = QProgressDialog("Writing the PDF…", "Cancel", 0, 0, self)
            dialog.setObjectName("exportProgress")
            dialog.setWindowTitle("Export decision summary")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(EXPORT_PROGRESS_DELAY_MS)
            dialog.setAutoReset(False)
            dialog.canceled.connect(stop.set)
        self.export_progress = dialog

        def work(report: Callable[[tuple[int, int]], None]) -> None:
            write_summary(
                target,
                fmt,
                framework,
                inputs,
                result,
                meta,
                images,
                cancelled=stop.is_set,
                progress=lambda done, pages: report((done, pages)),
            )

        def pages(value: tuple[int, int]) -> None:
            # A page's progress may arrive after the window, and the dialog with it, was closed.
            if dialog is not None and shiboken6.isValid(dialog) and not stop.is_set():
                dialog.setMaximum(value[1])
                dialog.setLabelText(f"Writing the PDF: page {value[0]:,} of {value[1]:,}")
                # Last: a modal dialog's setValue processes events, the export's end among them.
                dialog.setValue(value[0])

        def finished() -> None:
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.canceled.disconnect(stop.set)
                dialog.close()
                dialog.deleteLater()
            self.export_progress = None

        def done(_: object) -> None:
            finished()
            self.status(f"Decision summary written to {target}")

        def failed(exc: Exception) -> None:
            finished()
            if isinstance(exc, ExportCancelled):
                self.status(f"Export cancelled: {target} was not written")
            else:
                self.error("Could not export", str(exc))

        self.runner.submit(work, done, failed, pages)

    def export_plots(self, folder: str | None = None, fmt: str = "png") -> None:
        tab = self.tab
        if folder is None:
            from ui.file_dialogs import ask_folder

            folder = ask_folder(self, "Export plots to folder", self.settings)
            if not folder:
                return
            choice, ok = QInputDialog.getItem(
                self, "Plot format", "Format:", ["PNG", "SVG"], 0, False
            )
            if not ok:
                return
            fmt = choice.lower()
        from ui.export import export_plot

        written = []
        try:
            for title, plot in tab.panel.plots():  # type: ignore[attr-defined]
                out = Path(folder) / f"{tab.display_name} - {title}.{fmt}"
                export_plot(plot, out)
                written.append(out)
        except (OSError, ValueError) as exc:
            self.error("Could not export plots", str(exc))
            return
        self.status(f"Wrote {len(written)} plot(s) to {folder}")

    # ----- compare, examples, help ----------------------------------------------------------

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

    def _maybe_offer_examples(self, count: int) -> None:
        dismissed = self.settings.value("examples/dismissed", False, type=bool)
        self.banner.setVisible(count == 0 and not dismissed and EXAMPLES_DIR.is_dir())

    def _dismiss_examples(self) -> None:
        self.settings.setValue("examples/dismissed", True)
        self.banner.hide()

    def load_examples(self) -> None:
        files = sorted(EXAMPLES_DIR.glob("*.json"))
        known = ids()

        def load() -> list[Scenario]:
            return [self.store.import_file(f, known) for f in files]

        def loaded(scenarios: list[Scenario]) -> None:
            self._dismiss_examples()
            if not self.catalog_store.has_scores():
                # Illustrative quality and latency figures, so the catalog-based frameworks
                # have candidates on a first run (marked "example" in the Models tab).
                self.models_tab.load_example_scores()
            self.status(f"Loaded {len(scenarios)} example scenarios; open them with Ctrl+O")
            if scenarios and not self.tab_for(scenarios[0].framework_id).dirty:
                self.show_scenario(scenarios[0])

        self.runner.submit(load, loaded, lambda e: self.error("Could not load examples", str(e)))

    def show_guide(self) -> None:
        fw = self.tab.framework
        QMessageBox.information(self, fw.TITLE, fw.GUIDE)

    def _undo(self) -> None:
        if 0 <= self.tabs.currentIndex() < len(ENTRIES):
            self.tab.commit_pending()
        self.undo_group.undo()

    def _step_tab(self, step: int) -> None:
        """Ctrl+PgDown / Ctrl+PgUp: the next or previous tab, round from the last to the first."""
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

    def show_shortcuts(self) -> None:
        """Every shortcut in a table, shown at once (it was behind a message box's "Show
        Details" button)."""
        from ui.shortcuts import FIELD_KEYS, ShortcutsDialog, menu_shortcuts

        dialog = ShortcutsDialog(menu_shortcuts(self.menuBar()) + FIELD_KEYS, self)
        dialog.setObjectName("shortcutsDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.store.path).parent)))

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME}</b> {APP_VERSION}<br>Decide AI system design questions with numbers."
            f"<br><br>Database: {html_text(self.store.path)}",
        )

    # ----- window state and closing ---------------------------------------------------------

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
        if 0 <= last < self.tabs.count():
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


def _banner(name: str, background: str, text: QLabel, *buttons: QPushButton) -> QWidget:
    """A strip above the tabs: a message and its buttons, hidden until there is news."""
    banner = QWidget()
    banner.setObjectName(name)
    banner.setStyleSheet(f"#{name} {{ background: {background}; }}")
    lay = QHBoxLayout(banner)
    lay.setContentsMargins(10, 6, 10, 6)
    lay.addWidget(text, 1)
    for button in buttons:
        lay.addWidget(button)
    banner.hide()
    return banner


def _os_message(exc: Exception, path: str) -> str:
    if isinstance(exc, OSError):
        return f"{path}: {exc.strerror or exc}"
    return str(exc)
