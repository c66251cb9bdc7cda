"""Starting the GUI: the Qt application, the database, the main window."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

import resources
import ui.pyside_compat  # noqa: F401  (before the app's own modules: see its docstring)
from core import APP_NAME, APP_VERSION
from core.files import read_bytes
from storage import ScenarioStore, StorageError
from storage.db import set_aside
from storage.paths import DATABASE_FILE_FILTER
from ui import garbage, memory
from ui.crash import install_crash_handlers
from ui.plain_text import literal_html

ORGANISATION = "AI Decision Frameworks"
SETTINGS_APP = "aidf"
#: The window's geometry, its last tab and a few flags take a few KB.
MAX_SETTINGS_BYTES = 1_000_000


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):  # none yet (a QCoreApplication would be a bug)
        QCoreApplication.setOrganizationName(ORGANISATION)
        QCoreApplication.setApplicationName(SETTINGS_APP)
        QCoreApplication.setApplicationVersion(APP_VERSION)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationDisplayName(APP_NAME)
        # Wayland and the task bar match the window to the installed desktop entry (its icon
        # and name) by this id: packaging/ai-decision-frameworks.desktop.
        QGuiApplication.setDesktopFileName(resources.DESKTOP_ID)
        app.setWindowIcon(QIcon(str(resources.app_icon_png())))
        app.setStyle("Fusion")
        # Cycles holding Qt objects must be freed on this thread, never a worker's (ui/garbage).
        garbage.install(app)
        memory.return_large_blocks()  # a freed window grab or image leaves the heap (ui/memory)
    return app


def open_settings() -> tuple[QSettings, str]:
    """The user's settings, and "" or why the settings file was not read.

    Qt reads the whole settings file in QSettings' constructor, and blocks there on a FIFO:
    where the file is an INI file (Linux and other Unix desktops) it is checked first, a
    regular file of at most MAX_SETTINGS_BYTES, and opened by its path, which also skips
    Qt's organisation-wide and system-wide fallback files. A refused file is left as it is;
    this session's settings live in a scratch file and are forgotten at exit.
    """
    if sys.platform in ("darwin", "win32"):  # a property list or the registry, not our file
        return QSettings(), ""
    config = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    path = Path(config) / ORGANISATION / f"{SETTINGS_APP}.conf"
    try:
        read_bytes(path, MAX_SETTINGS_BYTES)
    except FileNotFoundError:
        pass
    except OSError as exc:
        scratch = tempfile.TemporaryDirectory(prefix="aidf-settings-")
        settings = QSettings(str(Path(scratch.name) / path.name), QSettings.Format.IniFormat)
        settings.scratch = scratch  # type: ignore[attr-defined]  # removed with the settings
        return settings, (
            f"The settings file {path} was not read: {exc.strerror or exc}. The app starts "
            "with default settings for this session and leaves the file as it is."
        )
    return QSettings(str(path), QSettings.Format.IniFormat), ""


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
                        None, f"{APP_NAME}: cannot keep it aside", literal_html(str(aside_error))
                    )
                    continue
                QMessageBox.information(
                    None,
                    f"{APP_NAME}: damaged database kept aside",
                    literal_html(
                        f"The damaged database was kept, unchanged, as:\n{kept}\n\n"
                        f"A new, empty database is created at {path}."
                    ),
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
    box.setTextFormat(Qt.TextFormat.PlainText)  # it quotes a path and the database's error
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
    crashes = install_crash_handlers(app)
    from ui.main_window import MainWindow

    store = open_store(db_path)
    if store is None:
        return 1
    settings, problem = open_settings()
    window = MainWindow(store, settings=settings)
    window.show()
    if problem:
        window.error("Settings not read", problem)
    code = app.exec()
    store.close()
    crashes.uninstall()
    return code
