"""Starting the GUI: the Qt application, the database, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core import APP_NAME, APP_VERSION
from storage import ScenarioStore, StorageError
from storage.paths import DATABASE_FILE_FILTER

ORGANISATION = "AI Decision Frameworks"
SETTINGS_APP = "aidf"


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName(ORGANISATION)
        QCoreApplication.setApplicationName(SETTINGS_APP)
        QCoreApplication.setApplicationVersion(APP_VERSION)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationDisplayName(APP_NAME)
        app.setStyle("Fusion")
    return app  # type: ignore[return-value]


def open_store(path: Path) -> ScenarioStore | None:
    """Open the database; on a problem say why and offer another file (the bad one is kept)."""
    while True:
        try:
            store = ScenarioStore(path)
            store.count()  # opens, checks and migrates now, not on the first click
            return store
        except StorageError as exc:
            answer = QMessageBox.critical(
                None,
                f"{APP_NAME}: cannot open the database",
                f"{exc}\n\nThe file was not changed. Choose another database file?",
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
            )
            if answer != QMessageBox.StandardButton.Open:
                return None
            chosen, _ = QFileDialog.getSaveFileName(
                None,
                "Choose or create a database",
                str(path.with_name(f"{path.stem}-new{path.suffix}")),
                DATABASE_FILE_FILTER,
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if not chosen:
                return None
            path = Path(chosen)


def run(db_path: Path) -> int:
    """Open the main window on `db_path` and run until it closes."""
    app = make_app()
    from ui.main_window import MainWindow

    store = open_store(db_path)
    if store is None:
        return 1
    window = MainWindow(store)
    window.show()
    code = app.exec()
    store.close()
    return code
