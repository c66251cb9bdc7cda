"""The Datasets page: import a dataset file (checked, with a column mapping), the example
dataset, a preview of the items, delete a version."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import resources
from core.datasets import (
    DatasetFormat,
    ParsedDataset,
    columns_of,
    detect_format,
    guess_format_mapping,
    parse_dataset,
    read_file,
)
from storage.experiments import DatasetInfo
from ui.experiments.dialogs import DatasetImportDialog, table_view
from ui.experiments.models import DatasetsModel, ItemsModel
from ui.experiments.texts import message
from ui.plain_text import literal_html
from ui.plots.common import splitter

if TYPE_CHECKING:
    from ui.experiments.workbench import Workbench


class DatasetsPage(QWidget):
    """The stored datasets (every version) and the items of the selected one."""

    def __init__(self, bench: Workbench) -> None:
        super().__init__()
        self.bench = bench
        self.model = DatasetsModel()
        self.view = table_view(
            self.model, "datasets_view", stretch=4, widths=(200, 70, 70, 110, 0, 130)
        )
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.items = ItemsModel()
        self.items_view = table_view(self.items, "items_view", stretch=1, widths=(90, 0, 200))
        self.status = QLabel("Import a dataset to start.")
        self.status.setObjectName("datasets_status")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(self._build_buttons())
        lay.addWidget(self.status)
        lay.addWidget(
            splitter(Qt.Orientation.Vertical, self.view, self.items_view, stretch=(1, 2)), 1
        )

    def _build_buttons(self) -> QHBoxLayout:
        self.import_button = QPushButton("Import dataset…")
        self.import_button.setObjectName("import_dataset_button")
        self.import_button.setToolTip(
            "A JSONL or CSV file with an input and an expected answer per item (Ctrl+Shift+I), "
            "LangSmith examples (JSONL) or a promptfoo test CSV included. Every row is checked "
            "before anything is stored."
        )
        self.import_button.clicked.connect(self.choose_file)
        QShortcut(QKeySequence("Ctrl+Shift+I"), self, self.choose_file)
        self.example_button = QPushButton("Add the example dataset")
        self.example_button.setObjectName("example_dataset_button")
        self.example_button.setToolTip(
            "30 short questions about capitals, shipped with the app, to try a run on."
        )
        self.example_button.clicked.connect(self.add_example)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("delete_dataset_button")
        self.delete_button.setToolTip("Delete this dataset version (not while runs use it)")
        self.delete_button.setEnabled(False)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        for b in (self.import_button, self.example_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        return buttons

    def show_datasets(self, datasets: list[DatasetInfo]) -> None:
        selected = self.selected()
        self.model.set_rows(datasets)
        if selected is not None:
            for row, d in enumerate(datasets):
                if d.id == selected.id:
                    self.view.selectRow(row)
        if datasets and self.selected() is None:
            self.view.selectRow(0)
        self.delete_button.setEnabled(self.selected() is not None)

    def selected(self) -> DatasetInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0]) if rows else None

    def _selected(self, *_: object) -> None:
        dataset = self.selected()
        self.delete_button.setEnabled(dataset is not None)
        if dataset is None:
            self.items.set_rows([])
            return
        self.bench.submit(lambda: self.bench.store().items(dataset.id), self.items.set_rows)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import dataset",
            "",
            "Datasets (*.jsonl *.ndjson *.csv *.tsv);;All files (*)",
        )
        if path:
            self.import_file(path)

    def add_example(self) -> None:
        self.import_file(str(resources.demo_dataset()), ask=False)

    def import_file(self, path: str, *, ask: bool = True) -> None:
        """Read and check the file off the GUI thread, then show the mapping dialog."""
        self.status.setText(f"Reading {Path(path).name}…")

        def read() -> tuple[bytes, list[str], ParsedDataset, DatasetFormat]:
            data = read_file(path)
            fmt = detect_format(data, path)
            columns = columns_of(data, fmt, file_name=path)
            mapping = guess_format_mapping(columns, fmt)
            parsed = parse_dataset(data, fmt, mapping, file_name=path)
            return data, columns, parsed, fmt

        def failed(exc: Exception) -> None:
            self.status.setText(f"Not imported: {message(exc)}")
            self.bench.show_error(exc)

        def review(read_back: tuple[bytes, list[str], ParsedDataset, DatasetFormat]) -> None:
            data, columns, parsed, fmt = read_back
            if not ask and parsed.ok:
                self._store(Path(path).stem, parsed, Path(path).name)
                return
            dialog = DatasetImportDialog(
                path, data, columns, parsed, self.bench.submit, self, fmt=fmt
            )
            if dialog.exec() == DatasetImportDialog.DialogCode.Accepted and dialog.parsed.ok:
                self._store(dialog.name, dialog.parsed, Path(path).name)
            else:
                self.status.setText("Nothing was imported.")

        self.bench.submit(read, review, failed)

    def _store(self, name: str, parsed: ParsedDataset, source: str) -> None:
        def add() -> DatasetInfo:
            return self.bench.store().add_dataset(
                name, parsed.items, source=source, columns=parsed.columns
            )

        def added(info: DatasetInfo) -> None:
            if info.reused:
                self.status.setText(
                    f"{info.name} v{info.version} already holds exactly this content "
                    f"({info.item_count:,} items): nothing new was stored."
                )
            else:
                self.status.setText(
                    f"Imported {info.name} v{info.version}: {info.item_count:,} items."
                )
            self.bench.reload()

        self.bench.submit(add, added)

    def delete_selected(self) -> None:
        dataset = self.selected()
        if dataset is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete dataset",
            literal_html(
                f"Delete {dataset.name} v{dataset.version} and its {dataset.item_count:,} items?"
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def deleted(_: object) -> None:
            self.status.setText(f"Deleted {dataset.name} v{dataset.version}.")
            self.bench.reload()

        self.bench.submit(lambda: self.bench.store().delete_dataset(dataset.id), deleted)
