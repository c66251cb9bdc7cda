"""Where exports go: save dialogs that open in the user's documents folder (then in the folder
the last export went to), and whose suggested file name follows the chosen format."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

#: The folder the last export was written to (QSettings key).
LAST_FOLDER_KEY = "export/last_folder"


def start_folder(settings: QSettings) -> str:
    """The last export's folder while it exists, else the documents folder (else home)."""
    last = str(settings.value(LAST_FOLDER_KEY, "") or "")
    if last and Path(last).is_dir():
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


def remember_folder(settings: QSettings, path: str) -> None:
    settings.setValue(LAST_FOLDER_KEY, str(Path(path).parent))


class SaveFileDialog(QFileDialog):
    """Save as one of `formats` ((label, '.ext'), the first is suggested); switching the
    format changes the suggested name's extension ('x.html' becomes 'x.pdf').

    Qt's own dialog, not the platform's: a native dialog does not report the format change,
    so the name would keep the first format's extension."""

    def __init__(
        self,
        parent: QWidget | None,
        caption: str,
        settings: QSettings,
        stem: str,
        formats: list[tuple[str, str]],
    ) -> None:
        super().__init__(parent, caption, start_folder(settings))
        self.setObjectName("saveFileDialog")
        self.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.formats = formats
        self._filters = [f"{label} (*{ext})" for label, ext in formats]
        self.setNameFilters(self._filters)
        self.selectNameFilter(self._filters[0])
        self.selectFile(stem + formats[0][1])
        self.filterSelected.connect(self._follow_format)

    def extension(self) -> str:
        """The chosen format's extension."""
        chosen = self.selectedNameFilter()
        index = self._filters.index(chosen) if chosen in self._filters else 0
        return self.formats[index][1]

    def typed_name(self) -> str:
        files = self.selectedFiles()
        return Path(files[0]).name if files else ""

    def _follow_format(self, _name_filter: str) -> None:
        name = self.typed_name()
        suffix = Path(name).suffix.lower()
        if suffix in {ext for _, ext in self.formats}:
            name = name[: -len(suffix)]
        self.selectFile(name + self.extension())

    def chosen_path(self) -> str:
        """The accepted path, with the chosen format's extension when it has none of ours."""
        files = self.selectedFiles()
        if not files:
            return ""
        path = files[0]
        if Path(path).suffix.lower() not in {ext for _, ext in self.formats}:
            path += self.extension()
        return path


def ask_save_path(
    parent: QWidget | None,
    caption: str,
    settings: QSettings,
    stem: str,
    formats: list[tuple[str, str]],
) -> str | None:
    """Ask where to save; None when cancelled. The folder is remembered for the next export."""
    dialog = SaveFileDialog(parent, caption, settings, stem, formats)
    if dialog.exec() != QFileDialog.DialogCode.Accepted:
        return None
    path = dialog.chosen_path()
    if path:
        remember_folder(settings, path)
    return path or None


def ask_folder(parent: QWidget | None, caption: str, settings: QSettings) -> str | None:
    """A folder to export into, starting where the last export went; remembered."""
    folder = QFileDialog.getExistingDirectory(parent, caption, start_folder(settings))
    if not folder:
        return None
    settings.setValue(LAST_FOLDER_KEY, folder)
    return folder
