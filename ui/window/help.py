"""The Help menu: the framework's guide, the shortcut list, the database folder, About."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from core import APP_NAME, APP_VERSION
from ui.plain_text import html_text
from ui.window.base import WindowBase


class HelpCommands(WindowBase):
    """What the Help menu shows."""

    def show_guide(self) -> None:
        fw = self.tab.framework
        QMessageBox.information(self, fw.TITLE, fw.GUIDE)

    def show_shortcuts(self) -> None:
        """Every shortcut in a table, shown at once (it was behind a message box's "Show
        Details" button)."""
        from ui.shortcuts import FIELD_KEYS, WINDOW_KEYS, ShortcutsDialog, menu_shortcuts

        dialog = ShortcutsDialog(menu_shortcuts(self.menuBar()) + WINDOW_KEYS + FIELD_KEYS, self)
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
