"""The main window: a tab per framework and the Models tab, put together from its parts.

Each part is a class in ui/window/ with one responsibility (actions and menus, drafts, scenario
commands, saved-scenario commands, files and exports, the examples offer, help, window state);
MainWindow combines them and builds the tabs. The storage work of a command is an operation
(operations/), run on the window's worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QHelpEvent, QPaintEvent, QResizeEvent, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QStackedWidget,
    QStyle,
    QStyleOptionTabWidgetFrame,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import APP_NAME
from core.catalog import Catalog
from core.catalog import load_catalog as default_load_catalog
from core.frameworks import ENTRIES
from storage import ScenarioStore
from ui import garbage
from ui.plain_text import plain_labels
from ui.tasks import TaskRunner
from ui.window.actions import WindowActions
from ui.window.base import MODELS_TIP
from ui.window.examples import ExamplesOffer
from ui.window.state import WindowState

if TYPE_CHECKING:
    from storage import CatalogStore

#: A window that has not painted by then starts its start-up work anyway.
UNSHOWN_START_MS = 250


class PageTabs(QTabWidget):
    """A QTabWidget whose pages are in place before they first show.

    QTabWidget places its pages only while it is visible: on its first show they came out at
    the size the shown page would like (Qt adjusts a widget never resized to its hint), which
    laid the whole tab out there, its plot included, and again at the size the tab widget
    then gave them."""

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if not self.isVisible():
            self._place_pages()

    def _place_pages(self) -> None:
        """Where QTabWidget will put its pages once shown (its own setUpLayout, at its show,
        sets them there again, and has the last word)."""
        stack = self.findChild(
            QStackedWidget,
            "qt_tabwidget_stackedwidget",
            Qt.FindChildOption.FindDirectChildrenOnly,
        )
        if stack is None:
            return
        option = QStyleOptionTabWidgetFrame()
        self.initStyleOption(option)
        element = QStyle.SubElement.SE_TabWidgetTabContents
        stack.setGeometry(self.style().subElementRect(element, option, self))


class MainWindow(WindowActions, ExamplesOffer, WindowState):
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
        self._catalog_store = catalog_store  # None: opened on first use (catalog_store)
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(1100, 720)

        self.undo_group = QUndoGroup(self)
        self.tabs = PageTabs()
        self.tabs.setDocumentMode(True)
        self.catalog = None
        # A framework tab (form, plots, first compute) is built when first shown: start-up
        # pays for one tab, not all of them. Until then its page is an empty widget.
        self._built = {}
        # The framework modules too are imported per tab; a tab's guide becomes its tooltip
        # when the tab is built, or when the pointer rests on the tab first (see eventFilter).
        for entry in ENTRIES:
            self.tabs.addTab(QWidget(), entry.title)
        self.tabs.tabBar().installEventFilter(self)
        self._last_framework_tab = None
        # The Models tab too (its modules are about 3% of the start-up's instructions) is
        # built when first used: shown, or given the catalog once it has loaded.
        self._models_tab = None
        self.tabs.addTab(QWidget(), "Models")
        self.tabs.setTabToolTip(len(ENTRIES), MODELS_TIP)
        self.tabs.currentChanged.connect(self._on_tab_changed)

        self.banner = self._make_examples_banner()
        self._init_drafts()
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
        # Banners, the database path: none is markup.
        plain_labels(self)
        self.export_progress = None

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
            lambda catalog: self.models_tab.set_catalog(catalog),
            lambda e: self.models_tab.set_load_error(str(e)),
            held=True,
        )
        # The garbage collector's timer too (ui/garbage): its first pass walks all start-up
        # made. Through the pool, so it waits for the same moment as the work above.
        self.runner.submit(_nothing, lambda _: garbage.begin(QApplication.instance()), held=True)
        garbage.await_window(QApplication.instance())
        self._painted = False
        QTimer.singleShot(UNSHOWN_START_MS, self.runner.start_held)

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
            if self._models_tab is None:
                self._build_models_tab()  # it is the page shown
            self.undo_group.setActiveStack(None)  # type: ignore[arg-type]  # Qt: no stack
            self.setWindowTitle(f"Models — {APP_NAME}")
            self.setWindowModified(False)


def _nothing() -> None:
    """A pool task with no work: its completion, on the GUI thread, is the moment wanted."""
