"""Dialogs of the Experiments tab: a dataset import with column mapping, preview and report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.datasets import ColumnMapping, DatasetFormat, ParsedDataset, parse_dataset
from core.tool_outputs import FORMAT_LABELS, OUTPUTS_FORMATS, FieldPaths
from ui.experiments.models import ItemsModel
from ui.plain_text import make_plain

_NONE = "(none)"
_TOOL_DATASETS = {
    "langsmith": "LangSmith examples (inputs/outputs spread into inputs.NAME, outputs.NAME)",
    "promptfoo": "promptfoo test CSV (vars; __expected equality assertions as expected answers)",
}
_ROW_NUMBER = "(row number)"
#: Rows shown in the preview; the whole file is validated.
PREVIEW_ROWS = 200
#: Problems listed in the report; the count says how many there are in all.
REPORT_LINES = 500

Submit = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], None]


def table_view(
    model: Any, name: str, *, stretch: int | None = None, widths: tuple[int, ...] = ()
) -> QTableView:
    """A read-only, row-selecting table for one of the Experiments tab's models.

    `stretch` is the column that takes the spare width (the last one when None); `widths`
    are the other columns' starting widths in pixels (0 leaves one as it is).
    """
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        if width:
            header.resizeSection(column, width)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


class DatasetImportDialog(QDialog):
    """Map the file's columns, see the items and every row problem, then import or not.

    Parsing runs through `submit` (off the GUI thread); the Import button is enabled only when
    the whole file parsed without a single problem, so nothing is ever half-imported.
    """

    def __init__(
        self,
        file_name: str,
        data: bytes,
        columns: list[str],
        first: ParsedDataset,
        submit: Submit,
        parent: QWidget | None = None,
        fmt: DatasetFormat | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import dataset: {Path(file_name).name}")
        self.resize(900, 620)
        self._file_name = file_name
        self._data = data
        self._submit = submit
        self._generation = 0
        self._fmt = fmt
        # A tool's file names its fields (promptfoo vars, LangSmith inputs.*): those stay the
        # item's fields whatever is mapped; its bookkeeping columns are left out.
        pool = first.mapping.metadata
        self._field_pool = None if pool is None else (first.mapping.input, *pool)
        self.parsed: ParsedDataset = first

        self.name_edit = QLineEdit(Path(file_name).stem)
        self.name_edit.setObjectName("dataset_name_edit")
        self.name_edit.setToolTip(
            "The dataset's name. Importing changed content under the same name adds a new "
            "version; the same content again reuses the stored version."
        )
        self.name_edit.textChanged.connect(self._update_state)
        guessed = first.mapping
        self.input_combo = self._combo("input_combo", columns, guessed.input, None)
        self.input_combo.setToolTip("The column sent to the model ({input} in the template).")
        self.expected_combo = self._combo("expected_combo", columns, guessed.expected, _NONE)
        self.expected_combo.setToolTip(
            "The reference answer the metrics compare with; (none) for a dataset without one."
        )
        self.id_combo = self._combo("id_combo", columns, guessed.id, _ROW_NUMBER)
        self.id_combo.setToolTip(
            "A unique id per item, so runs pair up item by item; (row number) numbers them."
        )
        for combo in (self.input_combo, self.expected_combo, self.id_combo):
            combo.currentIndexChanged.connect(self._reparse)
        self.metadata_label = QLabel()
        self.metadata_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        if fmt in _TOOL_DATASETS:
            read_as = QLabel(_TOOL_DATASETS[fmt])
            read_as.setObjectName("dataset_format_label")
            form.addRow("Read as", read_as)
        form.addRow("Input column", self.input_combo)
        form.addRow("Expected column", self.expected_combo)
        form.addRow("Id column", self.id_combo)
        form.addRow("Other columns", self.metadata_label)

        self.summary = QLabel()
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        make_plain(self.summary, self.metadata_label)  # column names and errors from the file
        self.items_model = ItemsModel()
        self.preview = table_view(
            self.items_model, "import_preview", stretch=1, widths=(90, 0, 160)
        )
        self.report = QPlainTextEdit()
        self.report.setObjectName("import_report")
        self.report.setReadOnly(True)
        self.report.setMaximumHeight(140)
        self.report.setPlaceholderText("No problems found.")

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.import_button.setObjectName("import_button")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.summary)
        lay.addWidget(QLabel(f"Preview (first {PREVIEW_ROWS} items)"))
        lay.addWidget(self.preview, 1)
        lay.addWidget(QLabel("Problems"))
        lay.addWidget(self.report)
        lay.addWidget(self.buttons)
        self._show(first)

    @staticmethod
    def _combo(name: str, columns: list[str], chosen: str | None, empty: str | None) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        if empty is not None:
            combo.addItem(empty, None)
        for column in columns:
            combo.addItem(column, column)
        if chosen is not None and chosen not in columns:
            # A mapping to a column the file lacks is shown, so the report's "missing" is clear.
            combo.addItem(f"{chosen} (not in the file)", chosen)
        index = combo.findData(chosen)
        combo.setCurrentIndex(max(index, 0))
        return combo

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    def mapping(self) -> ColumnMapping:
        chosen = (
            self.input_combo.currentData() or "input",
            self.expected_combo.currentData(),
            self.id_combo.currentData(),
        )
        fields = (
            None
            if self._field_pool is None
            else tuple(c for c in self._field_pool if c not in chosen)
        )
        return ColumnMapping(input=chosen[0], expected=chosen[1], id=chosen[2], metadata=fields)

    def _reparse(self, *_: object) -> None:
        self._generation += 1
        generation = self._generation
        mapping = self.mapping()
        self.summary.setText("Checking every row…")
        self.import_button.setEnabled(False)
        data, file_name, fmt = self._data, self._file_name, self._fmt

        def parse() -> ParsedDataset:
            return parse_dataset(data, fmt, mapping, file_name=file_name)

        def done(parsed: ParsedDataset) -> None:
            if generation == self._generation:
                self._show(parsed)

        def failed(exc: Exception) -> None:
            if generation == self._generation:
                self.summary.setText(str(exc))

        self._submit(parse, done, failed)

    def _show(self, parsed: ParsedDataset) -> None:
        self.parsed = parsed
        others = parsed.mapping.metadata_columns(parsed.columns)
        self.metadata_label.setText(
            ", ".join(others) + " (usable in the prompt template as {name})" if others else "none"
        )
        self.items_model.set_rows(parsed.items[:PREVIEW_ROWS])
        n = len(parsed.problems)
        lines = [str(p) for p in parsed.problems[:REPORT_LINES]]
        if n > REPORT_LINES:
            lines.append(f"… and {n - REPORT_LINES:,} more.")
        self.report.setPlainText("\n".join(lines))
        if parsed.ok:
            self.summary.setText(
                f"{len(parsed.items):,} items ready to import (content hash "
                f"{parsed.content_hash[:12]})."
            )
            self.summary.setStyleSheet("color: #188038;")
        elif not parsed.items and not parsed.problems:
            self.summary.setText("The file holds no items.")
            self.summary.setStyleSheet("color: #d93025;")
        else:
            rows = "row has a problem" if n == 1 else "rows have problems"
            self.summary.setText(
                f"{n:,} {rows}: nothing is imported until the file or the mapping is fixed."
            )
            self.summary.setStyleSheet("color: #d93025;")
        self._update_state()

    def _update_state(self, *_: object) -> None:
        self.import_button.setEnabled(self.parsed.ok and bool(self.name))


class OutputsImportDialog(QDialog):
    """Name the system, choose the tool that wrote the file and, when its fields are not the
    format's own, the dotted paths to them (inputs.question, response.body.choices.0...)."""

    def __init__(self, file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import logged outputs: {Path(file_name).name}")
        self.name_edit = QLineEdit(Path(file_name).stem)
        self.name_edit.setObjectName("outputs_name_edit")
        self.name_edit.setToolTip("The system that produced the outputs: the run's name.")
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("outputs_format_combo")
        for fmt in OUTPUTS_FORMATS:
            self.format_combo.addItem(FORMAT_LABELS[fmt], fmt)
        self.format_combo.setToolTip(
            "The tool that wrote the file. Detect reads it from the content and says so when "
            "the file could be more than one."
        )
        self.path_edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        form.addRow("Name", self.name_edit)
        form.addRow("Format", self.format_combo)
        hints = {
            "id": "e.g. reference_example_id or custom_id: matched to the items' ids",
            "input": "e.g. inputs.question: matched to the items' input text",
            "output": "e.g. outputs.output or response.body.choices.0.message.content",
        }
        for role, hint in hints.items():
            edit = QLineEdit()
            edit.setObjectName(f"outputs_{role}_path")
            edit.setPlaceholderText("the format's own")
            edit.setToolTip(f"Dotted path to the {role} (a number indexes a list); {hint}.")
            self.path_edits[role] = edit
            form.addRow(f"{role.capitalize()} field", edit)
        self.select_edit = QLineEdit()
        self.select_edit.setObjectName("outputs_select_edit")
        self.select_edit.setPlaceholderText("only for a promptfoo file of several providers")
        self.select_edit.setToolTip(
            "The provider (or 'PROVIDER | PROMPT') whose outputs to import."
        )
        form.addRow("promptfoo provider", self.select_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    @property
    def fmt(self) -> str:
        return str(self.format_combo.currentData())

    def paths(self) -> FieldPaths:
        given = {role: edit.text().strip() or None for role, edit in self.path_edits.items()}
        return FieldPaths(**given)

    def select(self) -> str | None:
        return self.select_edit.text().strip() or None


def report_text(title: str, lines: list[str], limit: int = 40) -> str:
    """A short report for a message box: the first `limit` lines and how many more."""
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append(f"… and {len(lines) - limit:,} more.")
    return title + ("\n\n" + "\n".join(shown) if shown else "")
