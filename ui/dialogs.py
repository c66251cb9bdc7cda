"""Scenario dialogs: the searchable Open list and the version history."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.frameworks import get as get_framework
from core.history import history_changes
from core.scenario import ScenarioVersion
from core.text import visible
from storage.scenarios import ScenarioSummary
from ui.plain_text import tooltip
from ui.table_model import Index, RowsTableModel


def _recommendation(result: dict[str, Any] | None) -> str:
    if not result:
        return ""
    return str(result.get("headline") or result.get("recommendation") or "")


def _framework_title(framework_id: str) -> str:
    try:
        return get_framework(framework_id).TITLE
    except KeyError:
        return framework_id


def fit_column(table: QTableView, column: int, parts: int) -> None:
    """`column` as wide as its widest text (or its header), up to 1/`parts` of the table."""
    widest = max(table.sizeHintForColumn(column), table.horizontalHeader().sectionSizeHint(column))
    table.setColumnWidth(column, min(widest, table.viewport().width() // parts))


class ScenarioTableModel(RowsTableModel):
    """Scenarios as rows: name, framework, version, last saved, recommendation."""

    HEADERS = ("Name", "Framework", "Version", "Saved", "Recommendation")
    SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        s = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                s.name,
                _framework_title(s.framework_id),
                s.version,
                s.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                s.label,
            )[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            # Qt sniffs a tooltip for markup: notes reading <img src="/dev/zero"> loaded it.
            # The recommendation's cell is cut at the column's end: its tooltip says it all.
            return tooltip((s.label if col == 4 else "") or s.notes or s.name)
        if role == self.SEARCH_ROLE:
            return f"{s.name}\n{s.notes}\n{_framework_title(s.framework_id)}"
        if role == Qt.ItemDataRole.UserRole:
            return s
        return None


class OpenScenarioDialog(QDialog):
    """All saved scenarios across frameworks, filtered as you type; Enter or double-click opens."""

    def __init__(self, scenarios: list[ScenarioSummary], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open scenario")
        # Wide enough for the examples' names and a readable recommendation, inside 1280x800.
        self.resize(1040, 520)
        self.model = ScenarioTableModel(scenarios)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(ScenarioTableModel.SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search names, notes and frameworks…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        # One line a row: a long recommendation is cut at the end, not wrapped into a tall row.
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The name fits its text when shown (see showEvent); the user may widen it.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self._name_fitted = False
        self.table.doubleClicked.connect(lambda _i: self.accept())
        self.empty = QLabel("No saved scenarios yet. Save one with Ctrl+S.")
        self.empty.setVisible(not scenarios)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        lay = QVBoxLayout(self)
        lay.addWidget(self.search)
        lay.addWidget(self.table)
        lay.addWidget(self.empty)
        lay.addWidget(buttons)
        self.search.returnPressed.connect(self.accept)
        self.proxy.modelReset.connect(self._select_first)
        self.proxy.layoutChanged.connect(self._select_first)
        self.proxy.rowsRemoved.connect(self._select_first)
        self.proxy.rowsInserted.connect(self._select_first)
        self._select_first()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._name_fitted:
            self._name_fitted = True
            self.fit_name_column()

    def fit_name_column(self) -> None:
        """The name column as wide as its longest name, up to half the table, so a name that
        fits is never cut and the recommendation keeps the rest of the width."""
        fit_column(self.table, 0, 2)

    def _select_first(self, *_: Any) -> None:
        if self.proxy.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self.open_button.setEnabled(self.proxy.rowCount() > 0)

    def visible_names(self) -> list[str]:
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())]

    def selected(self) -> ScenarioSummary | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            if self.proxy.rowCount() == 0:
                return None
            return self.proxy.index(0, 0).data(Qt.ItemDataRole.UserRole)
        return rows[0].data(Qt.ItemDataRole.UserRole)


class VersionTableModel(RowsTableModel):
    """A scenario's saved versions, newest first, each with what changed since the one
    before it (`changes`: version -> lines)."""

    HEADERS = ("Version", "Saved", "Recommendation", "Changes from the previous version", "Notes")

    def __init__(
        self, rows: list[ScenarioVersion], changes: dict[int, list[str]] | None = None
    ) -> None:
        super().__init__(rows)
        self.changes = changes or {}

    def change_text(self, v: ScenarioVersion) -> str:
        lines = self.changes.get(v.version)
        if lines is None:
            return ""
        if v.version == min(self.changes):
            return "first version"
        return "; ".join(lines) if lines else "saved again, nothing changed"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        v = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                v.version,
                v.saved_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                _recommendation(v.result),
                self.change_text(v),
                visible(v.notes.splitlines()[0]) if v.notes else "",  # notes keep controls
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in (2, 4):
            # A cell cut at its column's end says it all in its tooltip, as literal text.
            text = _recommendation(v.result) if index.column() == 2 else visible(v.notes)
            return tooltip(text) if text else None
        if role == Qt.ItemDataRole.UserRole:
            return v
        return None


class HistoryDialog(QDialog):
    """Every saved version of one scenario; restoring one saves it again as the newest."""

    def __init__(
        self,
        name: str,
        versions: list[ScenarioVersion],
        parent: QWidget | None = None,
        framework_id: str | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(f"Version history: {name}")
        self.resize(960, 520)
        changes: dict[int, list[str]] = {}
        if framework_id is not None:
            try:
                changes = history_changes(get_framework(framework_id), versions)
            except KeyError:  # a framework this version of the app does not have
                changes = {}
        self.model = VersionTableModel(versions, changes)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        # One line a row, no sideways scrolling: the recommendation and the changes each fit
        # their text up to a third of the table (see showEvent), the notes take the rest, cut
        # at its end (the changes are whole below the table).
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self._fitted = False
        self.table.doubleClicked.connect(lambda _i: self.accept())
        # Every change of the selected version, one per line (the table cell shows them
        # joined, cut at its width).
        self.details = QPlainTextEdit()
        self.details.setObjectName("versionChanges")
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(150)
        self.table.selectionModel().selectionChanged.connect(self._show_details)
        if versions:
            self.table.selectRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton(
            "Restore this version", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setToolTip(
            "Saves the chosen version again as the newest one; nothing is overwritten."
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        info = QLabel("Every save is kept. Restoring copies an old version to a new one.")
        info.setStyleSheet("color: #5f6368;")
        lay = QVBoxLayout(self)
        lay.addWidget(info)
        lay.addWidget(self.table)
        lay.addWidget(self.details)
        lay.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._fitted:
            self._fitted = True
            fit_column(self.table, 2, 3)
            fit_column(self.table, 3, 3)

    def _show_details(self, *_: Any) -> None:
        v = self.selected()
        if v is None:
            self.details.setPlainText("")
            return
        lines = self.model.changes.get(v.version)
        text = self.model.change_text(v) if not lines else "\n".join(lines)
        self.details.setPlainText(f"Version {v.version}: {text}" if text else "")

    def selected(self) -> ScenarioVersion | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None
