"""The window's actions, menus and toolbar, and the edit and view commands they run."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QStyle, QToolBar, QUndoView

from core import APP_NAME
from core.frameworks import ENTRIES
from ui.framework_tab import SetInputsCommand
from ui.window.exports import ExportCommands
from ui.window.help import HelpCommands
from ui.window.library import LibraryCommands
from ui.window.scenarios import ScenarioCommands


class WindowActions(ScenarioCommands, LibraryCommands, ExportCommands, HelpCommands):
    """Every QAction of the window (with its shortcut), where it appears and the commands it
    runs."""

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
        self._build_scenario_actions()
        self._build_file_actions()
        self._build_edit_and_view_actions()
        self.act_guide = self._action("&About this framework", self.show_guide, "F1")
        self.act_shortcuts = self._action("&Keyboard shortcuts", self.show_shortcuts)
        self.act_data_folder = self._action("Open &database folder", self.open_data_folder)
        self.act_about = self._action(f"&About {APP_NAME}", self.show_about)

    def _build_scenario_actions(self) -> None:
        """New, Open, Save, Save as and the commands on the saved scenario."""
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

    def _build_file_actions(self) -> None:
        """Scenario files, exports, Compare and Quit."""
        sp = QStyle.StandardPixmap
        ks = QKeySequence.StandardKey
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

    def _build_edit_and_view_actions(self) -> None:
        """Undo and Redo (the undo group's, through the pending typing), Reset, tab stepping."""
        sp = QStyle.StandardPixmap
        ks = QKeySequence.StandardKey
        self.act_next_tab = self._action(
            "&Next tab", lambda: self._step_tab(1), "Ctrl+PgDown", "Show the tab to the right"
        )
        self.act_prev_tab = self._action(
            "&Previous tab", lambda: self._step_tab(-1), "Ctrl+PgUp", "Show the tab to the left"
        )
        # Ctrl+Tab and Ctrl+Shift+Tab too, as in a browser, from anywhere in the window: the tab
        # widget answers them itself only while the focus is inside it, and a window starts
        # with the focus on the examples banner's button.
        self.act_next_tab_keys = self._action("Next tab", lambda: self._step_tab(1), "Ctrl+Tab")
        self.act_prev_tab_keys = self._action("Previous tab", lambda: self._step_tab(-1))
        self.act_prev_tab_keys.setShortcuts(
            [QKeySequence("Ctrl+Shift+Tab"), QKeySequence("Ctrl+Shift+Backtab")]
        )
        self.addActions([self.act_next_tab_keys, self.act_prev_tab_keys])
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
        # The toolbar keeps the short names; the Edit menu and the tooltip say what would be
        # undone. "Undo Edit Inference volume per year" widened the toolbar's button by up to
        # 140 px on a tab's first edit, moved the buttons right of it, and laid the whole
        # window out and repainted it again.
        self.act_undo.setIconText("Undo")
        self.act_redo.setIconText("Redo")
        self.act_reset = self._action(
            "Reset inputs to &defaults",
            self.reset_inputs,
            None,
            "Put every input back to its default (undoable)",
        )

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
        from ui.tracking import window_menu

        self.tracking_menu = window_menu(self)
        file_menu.insertMenu(self.act_quit, self.tracking_menu)
        file_menu.insertSeparator(self.act_quit)
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
                functools.partial(self.tabs.setCurrentIndex, i),
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
        self._build_toolbar()

    def _build_toolbar(self) -> None:
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

    def _undo(self) -> None:
        if 0 <= self.tabs.currentIndex() < len(ENTRIES):
            self.tab.commit_pending()
        self.undo_group.undo()

    def _step_tab(self, step: int) -> None:
        """Ctrl+PgDown / Ctrl+PgUp (or Ctrl+Tab / Ctrl+Shift+Tab): the next or previous tab,
        round from the last to the first."""
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % self.tabs.count())

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
