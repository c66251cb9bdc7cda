"""Editors for list inputs: a table for lists of records, a picker for lists of model ids."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.frameworks.common import choice_label, format_number, per_million
from ui.numbers import parse_number
from ui.plain_text import tooltip

Index = QModelIndex | QPersistentModelIndex


def _literal_choices(annotation: Any) -> list[Any] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return None


class RecordsModel(QAbstractTableModel):
    """Rows of a list-of-records input, one column per record field, edited in place.

    Cells hold what the user typed when it is not a number, so pydantic can name the problem.
    """

    edited = Signal()

    def __init__(self, record: type[BaseModel]) -> None:
        super().__init__()
        self.record = record
        self.names = list(record.model_fields)
        self.hints = typing.get_type_hints(record)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = [dict(r) for r in rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.names)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None
        info = self.record.model_fields[self.names[section]]
        if role == Qt.ItemDataRole.DisplayRole:
            return info.title or self.names[section].replace("_", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            return info.description
        return None

    def _kind(self, column: int) -> Any:
        return self.hints.get(self.names[column])

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._kind(index.column()) is bool:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name = self.names[index.column()]
        value = self.rows[index.row()].get(name)
        kind = self._kind(index.column())
        if kind is bool:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if isinstance(value, int | float) and not isinstance(value, bool):
                if role == Qt.ItemDataRole.DisplayRole:
                    return self._with_unit(name, index.row(), value)
                return format_number(value)
            if role == Qt.ItemDataRole.DisplayRole and value is not None and _literal_choices(kind):
                return choice_label(value)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and kind in (int, float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _with_unit(self, name: str, row: int, value: float) -> str:
        """A number whose unit another column of its row chooses (a candidate's cost, per
        request or per token) shown with that unit; a price per token also per million."""
        extra = self.record.model_fields[name].json_schema_extra
        unit_field = extra.get("unit_field") if isinstance(extra, dict) else None
        unit = self.rows[row].get(unit_field) if isinstance(unit_field, str) else None
        if not isinstance(unit, str):
            return format_number(value)
        if unit == "per_token":
            return f"{format_number(value)} per token ({per_million(value)} per 1M)"
        return f"{format_number(value)} {choice_label(unit)}"

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid():
            return False
        name = self.names[index.column()]
        kind = self._kind(index.column())
        if role == Qt.ItemDataRole.CheckStateRole and kind is bool:
            new: Any = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role == Qt.ItemDataRole.EditRole:
            new = value
            if kind in (int, float):
                number = parse_number(str(value))
                if number is not None:
                    new = int(number) if kind is int and number.is_integer() else number
        else:
            return False
        if self.rows[index.row()].get(name) == new:
            return False
        self.rows[index.row()][name] = new
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True

    def default_row(self) -> dict[str, Any]:
        row = {}
        for name, info in self.record.model_fields.items():
            default = info.get_default(call_default_factory=True)
            if default is None or default is Ellipsis or str(default) == "PydanticUndefined":
                kind = self.hints.get(name)
                default = 0 if kind in (int, float) else False if kind is bool else ""
                choices = _literal_choices(kind)
                if choices:
                    default = choices[0]
            row[name] = default
        return row

    def insert(self, rows: list[dict[str, Any]]) -> None:
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self.rows.extend(dict(r) for r in rows)
        self.endInsertRows()
        self.edited.emit()

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.rows[row]
        self.endRemoveRows()
        self.edited.emit()


class _ChoiceDelegate(QStyledItemDelegate):
    """A combo box for Literal columns, so only allowed values can be picked."""

    def __init__(self, choices: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.choices = choices

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        combo = QComboBox(parent)
        for c in self.choices:
            combo.addItem(choice_label(c), c)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.EditRole)), 0))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class RecordsEditor(QWidget):
    """A table with Add / Remove (and optionally Add from catalog…) for a list of records."""

    changed = Signal()

    def __init__(
        self,
        record: type[BaseModel],
        from_catalog: Callable[[], list[dict[str, Any]] | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = RecordsModel(record)
        self.model.edited.connect(self.changed)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setMinimumHeight(130)
        for column, name in enumerate(self.model.names):
            choices = _literal_choices(self.model.hints.get(name))
            if choices:
                self.table.setItemDelegateForColumn(column, _ChoiceDelegate(choices, self.table))
        add = QPushButton("Add row")
        add.setObjectName("addRow")
        add.clicked.connect(lambda: self.model.insert([self.model.default_row()]))
        remove = QPushButton("Remove row")
        remove.setObjectName("removeRow")
        remove.clicked.connect(self._remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        if from_catalog is not None:
            fill = QPushButton("Add from catalog…")
            fill.setObjectName("addFromCatalog")
            fill.setToolTip("Add rows filled from the model catalog's prices and measurements")

            def add_from_catalog() -> None:
                rows = from_catalog()
                if rows:
                    self.model.insert(rows)

            fill.clicked.connect(add_from_catalog)
            buttons.addWidget(fill)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table)
        lay.addLayout(buttons)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        if not rows and self.model.rows:
            rows = [len(self.model.rows) - 1]
        for row in rows:
            self.model.remove(row)

    def value(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.model.rows]

    def set_value(self, rows: list[Any]) -> None:
        self.model.set_rows(
            [r.model_dump() if isinstance(r, BaseModel) else dict(r) for r in rows or []]
        )
        self.table.resizeColumnsToContents()


class ModelPickerDialog(QDialog):
    """Tick models in a searchable list of every catalog id."""

    def __init__(self, ids: list[str], chosen: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose models")
        self.resize(460, 560)
        self.items = QStandardItemModel(self)
        chosen_set = set(chosen)
        for model_id in sorted(set(ids) | chosen_set):
            item = QStandardItem(model_id)
            item.setCheckable(True)
            item.setEditable(False)
            item.setCheckState(
                Qt.CheckState.Checked if model_id in chosen_set else Qt.CheckState.Unchecked
            )
            self.items.appendRow(item)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.items)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search model ids…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setUniformItemSizes(True)
        hint = QLabel("Leave everything unticked to use every model with a quality score.")
        hint.setStyleSheet("color: #5f6368;")
        clear = QPushButton("Untick all")
        clear.clicked.connect(self._untick_all)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.search)
        lay.addWidget(self.view)
        lay.addWidget(hint)
        row = QHBoxLayout()
        row.addWidget(clear)
        row.addWidget(buttons, 1)
        lay.addLayout(row)

    def _untick_all(self) -> None:
        for r in range(self.items.rowCount()):
            self.items.item(r).setCheckState(Qt.CheckState.Unchecked)

    def set_checked(self, model_id: str, checked: bool) -> None:
        for r in range(self.items.rowCount()):
            item = self.items.item(r)
            if item.text() == model_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        return [
            self.items.item(r).text()
            for r in range(self.items.rowCount())
            if self.items.item(r).checkState() == Qt.CheckState.Checked
        ]


class ModelListEditor(QWidget):
    """A summary of the chosen model ids and a button that opens the picker."""

    changed = Signal()

    def __init__(
        self, ids: Callable[[], list[str]], empty_text: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._ids = ids
        self._value: list[str] = []
        self.empty_text = empty_text
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.button = QPushButton("Choose…")
        self.button.setObjectName("chooseModels")
        self.button.clicked.connect(self.open_picker)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary, 1)
        lay.addWidget(self.button)
        self._show()

    def _show(self) -> None:
        if not self._value:
            self.summary.setText(self.empty_text)
        elif len(self._value) <= 3:
            self.summary.setText(", ".join(self._value))
        else:
            self.summary.setText(f"{len(self._value)} models: {', '.join(self._value[:3])}, …")
        self.summary.setToolTip(tooltip("\n".join(self._value)))

    def open_picker(self) -> ModelPickerDialog:
        dialog = ModelPickerDialog(self._ids(), self._value, self)
        dialog.setObjectName("modelPicker")
        dialog.accepted.connect(lambda: self._accept(dialog.chosen()))
        dialog.open()
        return dialog

    def _accept(self, chosen: list[str]) -> None:
        if chosen != self._value:
            self._value = chosen
            self._show()
            self.changed.emit()

    def value(self) -> list[str]:
        return list(self._value)

    def set_value(self, value: list[str]) -> None:
        self._value = list(value or [])
        self._show()


class ModelChoiceCombo(QComboBox):
    """One catalog model id, or "" for none; the ids are read when the list is opened, so a
    catalog that finishes loading after the form was built still shows up."""

    changed = Signal()

    def __init__(
        self, ids: Callable[[], list[str]], empty_text: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._ids = ids
        self.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.empty_text = empty_text
        self.setEditable(True)  # type to filter ~3,400 ids through the completer
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.lineEdit()
        assert line is not None, "an editable combo box has a line edit"
        line.setPlaceholderText(empty_text)
        self._fill([])

    def _fill(self, ids: list[str]) -> None:
        current = self.value() if self.count() else ""
        self.blockSignals(True)
        self.clear()
        self.addItem(self.empty_text, "")
        for model_id in sorted(set(ids) | ({current} - {""})):
            self.addItem(model_id, model_id)
        self.setCurrentIndex(max(self.findData(current), 0))
        self.blockSignals(False)

    def showPopup(self) -> None:  # noqa: N802 (Qt override)
        ids = self._ids()
        if len(ids) + 1 != self.count():
            self._fill(ids)
        super().showPopup()

    def value(self) -> str:
        text = self.currentText().strip()
        return "" if text in ("", self.empty_text) else text

    def set_value(self, value: str) -> None:
        if value and self.findData(value) < 0:
            self.addItem(value, value)
        self.setCurrentIndex(max(self.findData(value or ""), 0))
