"""Starting the GUI: the Qt application, the database, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core import APP_NAME, APP_VERSION
from storage import ScenarioStore, StorageError
from storage.db import set_aside
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
    """Open the database; on a problem say why and offer another file (the bad one is kept).

    A damaged file can also be kept aside (renamed beside itself, bytes untouched) so a new
    database starts at the same place; the message then says where the old file went.
    """
    while True:
        try:
            return ScenarioStore(path)  # opens, checks and upgrades the file now
        except StorageError as exc:
            choice = _ask_after_failure(exc)
            if choice == "aside":
                try:
                    kept = set_aside(path)
                except StorageError as aside_error:
                    QMessageBox.critical(
                        None, f"{APP_NAME}: cannot keep it aside", str(aside_error)
                    )
                    continue
                QMessageBox.information(
                    None,
                    f"{APP_NAME}: damaged database kept aside",
                    f"The damaged database was kept, unchanged, as:\n{kept}\n\n"
                    f"A new, empty database is created at {path}.",
                )
                continue
            if choice != "other":
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


def _ask_after_failure(exc: StorageError) -> str:
    """ "aside", "other" or "close": what the user wants after the database failed to open."""
    box = QMessageBox(QMessageBox.Icon.Critical, f"{APP_NAME}: cannot open the database", "")
    aside = None
    if exc.damaged and exc.path is not None:
        box.setText(
            f"{exc}\n\nThe file was not changed. Keep it aside (renamed to "
            f"{exc.path.name}.corrupt-<date>, next to it) and start a new database, or "
            "choose another database file?"
        )
        aside = box.addButton("Keep Aside and Start New", QMessageBox.ButtonRole.AcceptRole)
    else:
        box.setText(f"{exc}\n\nThe file was not changed. Choose another database file?")
    other = box.addButton(QMessageBox.StandardButton.Open)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    clicked = box.clickedButton()
    if aside is not None and clicked is aside:
        return "aside"
    return "other" if clicked is other else "close"


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
