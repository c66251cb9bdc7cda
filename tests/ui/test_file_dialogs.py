"""Export dialogs open in the documents folder, then where the last export went, and the
suggested name's extension follows the chosen format (Qt's own dialog, driven by its widgets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QFileDialog, QLineEdit

from tests.ui.conftest import wait_idle
from ui import file_dialogs
from ui.file_dialogs import LAST_FOLDER_KEY, SaveFileDialog, start_folder

FORMATS = [("HTML with plots", ".html"), ("PDF", ".pdf"), ("Markdown", ".md")]


@pytest.fixture
def documents(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "Documents"
    folder.mkdir()
    real = QStandardPaths.writableLocation

    def location(kind):
        if kind == QStandardPaths.StandardLocation.DocumentsLocation:
            return str(folder)
        return real(kind)

    monkeypatch.setattr(QStandardPaths, "writableLocation", location)
    return folder


def _choose_format(dialog: SaveFileDialog, label: str) -> None:
    """Pick a format in the dialog's file type box with the arrow keys, as a user can (Qt
    then emits filterSelected)."""
    combo = dialog.findChild(QComboBox, "fileTypeCombo")
    target = next(i for i in range(combo.count()) if combo.itemText(i).startswith(label))
    while combo.currentIndex() != target:
        key = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        QTest.keyClick(combo, key)


def test_the_first_export_opens_in_documents_then_in_the_last_folder(settings, documents, tmp_path):
    assert start_folder(settings) == str(documents)
    elsewhere = tmp_path / "reports"
    elsewhere.mkdir()
    file_dialogs.remember_folder(settings, str(elsewhere / "plan.pdf"))
    assert settings.value(LAST_FOLDER_KEY) == str(elsewhere)
    assert start_folder(settings) == str(elsewhere)
    elsewhere.rmdir()  # a folder since removed: back to documents
    assert start_folder(settings) == str(documents)


def test_the_suggested_name_follows_the_chosen_format(qtbot, settings, documents):
    dialog = SaveFileDialog(None, "Export decision summary", settings, "Plan - summary", FORMATS)
    qtbot.addWidget(dialog)
    assert Path(dialog.directory().absolutePath()) == documents
    name = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name.text() == "Plan - summary.html"
    _choose_format(dialog, "PDF")
    assert name.text() == "Plan - summary.pdf" and dialog.extension() == ".pdf"
    name.setText("mine.pdf")  # a name the user typed keeps its stem
    _choose_format(dialog, "Markdown")
    assert name.text() == "mine.md"
    name.setText("report")  # no extension: the chosen format's is added
    assert dialog.chosen_path() == str(documents / "report.md")


def test_an_export_through_the_window_remembers_its_folder(
    qtbot, window, settings, documents, monkeypatch
):
    opened = []

    def accept_as_markdown(dialog: SaveFileDialog) -> int:
        opened.append(dialog.directory().absolutePath())
        _choose_format(dialog, "Markdown")
        return QFileDialog.DialogCode.Accepted

    monkeypatch.setattr(SaveFileDialog, "exec", accept_as_markdown)
    window.export_summary()
    wait_idle(qtbot, window)
    written = documents / f"{window.tab.display_name} - decision summary.md"
    assert opened == [str(documents)]
    assert written.is_file() and written.read_text(encoding="utf-8").startswith("#")
    assert settings.value(LAST_FOLDER_KEY) == str(documents)
