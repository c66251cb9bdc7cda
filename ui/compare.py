"""Compare two scenarios of one framework: inputs that differ, figures with deltas, both curves."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.catalog import Catalog
from core.compare import TableInput
from core.frameworks import Framework
from core.scenario import Scenario
from operations import scenarios as scenario_ops
from operations.scenarios import ScenarioError
from ui.plain_text import html_text
from ui.plots.registry import comparison_plot
from ui.table_model import Index, RowsTableModel

_HIGHLIGHT = QBrush(QColor("#fef7e0"))
#: A column sized to its content starts no wider than this (pixels); the user can widen it.
MAX_START_WIDTH = 360
#: A list-of-rows input's table shows this many rows before it scrolls.
SHOWN_ROWS = 6


class DiffTableModel(RowsTableModel):
    """Rows of (cells, differs); rows that differ are highlighted and bold."""

    def __init__(self, headers: tuple[str, ...]) -> None:
        super().__init__(headers=headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cells, differs = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cells[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and differs:
            return _HIGHLIGHT
        if role == Qt.ItemDataRole.FontRole and differs:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def differing(self) -> list[str]:
        return [cells[0] for cells, differs in self.rows if differs]


def _table(model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().hide()
    # The user widens any column (a long name, a long value); each starts at its content's
    # width, capped so one long value does not push the others out of sight.
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.setAlternatingRowColors(True)
    model.modelReset.connect(lambda: _fit_columns(view))
    return view


def _fit_columns(view: QTableView) -> None:
    view.resizeColumnsToContents()
    for column in range(view.model().columnCount()):
        view.setColumnWidth(column, min(view.columnWidth(column), MAX_START_WIDTH))


def _height_for(view: QTableView, rows: int) -> int:
    """The height that shows the header, `rows` rows and the horizontal scroll bar."""
    return (
        view.horizontalHeader().sizeHint().height()
        + rows * view.verticalHeader().defaultSectionSize()
        + view.horizontalScrollBar().sizeHint().height()
        + 2 * view.frameWidth()
    )


def _rows_text(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}, in the table below"


class CompareDialog(QDialog):
    """Pick two scenarios of the same framework; everything below follows the picks.

    Each side is computed as its tab shows it: from its saved evidence, or with `catalog`
    (today's) for a version saved before evidence was recorded."""

    def __init__(
        self,
        framework: Framework,
        scenarios: list[Scenario],
        first: Scenario | None = None,
        parent: QWidget | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(parent)
        self.framework = framework
        self.catalog = catalog or Catalog()
        self.setWindowTitle(f"Compare scenarios: {framework.TITLE}")
        self.resize(1200, 760)
        self.scenarios = [s for s in scenarios if s.framework_id == framework.ID]
        self.pick_a = QComboBox()
        self.pick_b = QComboBox()
        for combo in (self.pick_a, self.pick_b):
            for s in self.scenarios:
                combo.addItem(s.name, s.id)
        ids = [s.id for s in self.scenarios]
        a_index = ids.index(first.id) if first is not None and first.id in ids else 0
        self.pick_a.setCurrentIndex(a_index)
        self.pick_b.setCurrentIndex(1 if a_index == 0 and len(ids) > 1 else 0)
        self.pick_a.setObjectName("scenarioA")
        self.pick_b.setObjectName("scenarioB")

        self.inputs_model = DiffTableModel(("Input", "A", "B"))
        self.figures_model = DiffTableModel(("Figure", "A", "B", "B − A"))
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)  # every inserted text is escaped
        self.summary.setWordWrap(True)
        self.summary.setObjectName("compareSummary")
        self.plot_host = QVBoxLayout()
        plot_box = QWidget()
        plot_box.setLayout(self.plot_host)
        self.plot: QWidget | None = None

        pickers = QHBoxLayout()
        pickers.addWidget(QLabel("A:"))
        pickers.addWidget(self.pick_a, 1)
        pickers.addWidget(QLabel("B:"))
        pickers.addWidget(self.pick_b, 1)
        body = self._build_body(plot_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(pickers)
        lay.addWidget(self.summary)
        lay.addWidget(body, 1)
        lay.addWidget(buttons)
        self.pick_a.currentIndexChanged.connect(self.refresh)
        self.pick_b.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def _build_body(self, plot_box: QWidget) -> QSplitter:
        """The inputs (with list-of-rows inputs as tables below them) beside the figures,
        above the plot; every split can be dragged."""
        # Inputs that are lists of rows (a task mix) are shown as tables, A beside B.
        self.table_inputs = QWidget()
        self.table_inputs.setObjectName("tableInputs")
        self.table_inputs_layout = QVBoxLayout(self.table_inputs)
        self.table_inputs_layout.setContentsMargins(0, 0, 0, 0)
        # They scroll rather than squeeze each table to a row.
        self.table_inputs_scroll = QScrollArea()
        self.table_inputs_scroll.setWidgetResizable(True)
        self.table_inputs_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.table_inputs_scroll.setWidget(self.table_inputs)
        inputs_side = QSplitter(Qt.Orientation.Vertical)
        inputs_side.addWidget(_table(self.inputs_model))
        inputs_side.addWidget(self.table_inputs_scroll)
        inputs_side.setStretchFactor(1, 2)
        tables = QSplitter(Qt.Orientation.Horizontal)
        tables.addWidget(inputs_side)
        tables.addWidget(_table(self.figures_model))
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(tables)
        body.addWidget(plot_box)
        body.setSizes([360, 360])
        return body

    def _scenario(self, combo: QComboBox) -> Scenario | None:
        i = combo.currentIndex()
        return self.scenarios[i] if 0 <= i < len(self.scenarios) else None

    def refresh(self) -> None:
        a, b = self._scenario(self.pick_a), self._scenario(self.pick_b)
        if a is None or b is None:
            self.summary.setText("Save at least two scenarios of this framework to compare them.")
            return
        try:
            comparison = scenario_ops.compare_scenarios(a, b, self.catalog)
        except ScenarioError as exc:
            self.summary.setText(
                f"A stored scenario no longer fits this version's inputs: {html_text(exc)}"
            )
            return
        va, vb = comparison.a.view, comparison.b.view
        ra, rb = va.result, vb.result
        in_rows = comparison.inputs
        counts = {t.name: (len(t.a), len(t.b)) for t in comparison.tables}
        self.inputs_model.set_rows(
            [
                (
                    [r.title, r.a, r.b]
                    if r.name not in counts
                    else [r.title, *(_rows_text(n) for n in counts[r.name])],
                    r.differs,
                )
                for r in in_rows
            ]
        )
        self._show_table_inputs(comparison.tables)
        self.figures_model.set_rows(
            [([r.label, r.a, r.b, r.delta], r.differs) for r in comparison.figures]
        )
        n_diff = sum(r.differs for r in in_rows)
        basis = "".join(
            f"<br><i>{key}: {html_text(line)}</i>"
            for key, view in (("A", va), ("B", vb))
            for line in view.notes + ([view.drift.text] if view.drift is not None else [])
        )
        self.summary.setText(
            f"<b>A</b> {html_text(a.name)}: {html_text(ra.headline)}<br>"
            f"<b>B</b> {html_text(b.name)}: {html_text(rb.headline)}<br>"
            f"{n_diff} input{'s' if n_diff != 1 else ''} differ (highlighted).{basis}"
        )
        if self.plot is not None:
            self.plot_host.removeWidget(self.plot)
            self.plot.deleteLater()
        make = comparison_plot(self.framework.ID)
        self.plot = make([(f"A: {a.name}", ra), (f"B: {b.name}", rb)])
        if self.plot is not None:
            self.plot_host.addWidget(self.plot)

    def _show_table_inputs(self, tables: list[TableInput]) -> None:
        """Each list-of-rows input as two tables, A beside B; a row that differs from the
        other side's row at the same place is highlighted."""
        while self.table_inputs_layout.count():
            item = self.table_inputs_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for table in tables:
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 4, 0, 0)
            title = QLabel(table.title + (" (differs)" if table.differs else ""))
            title.setTextFormat(Qt.TextFormat.PlainText)
            lay.addWidget(title)
            sides = QHBoxLayout()
            for side, rows, other in (("A", table.a, table.b), ("B", table.b, table.a)):
                model = DiffTableModel(tuple(table.headers))
                view = _table(model)
                model.setParent(view)  # kept as long as its view
                view.setObjectName(f"table_{table.name}_{side.lower()}")
                model.set_rows(
                    [(cells, i >= len(other) or cells != other[i]) for i, cells in enumerate(rows)]
                )
                view.setMinimumHeight(_height_for(view, min(len(rows), SHOWN_ROWS)))
                column = QVBoxLayout()
                column.addWidget(QLabel(f"{side}:"))
                column.addWidget(view)
                sides.addLayout(column)
            lay.addLayout(sides)
            self.table_inputs_layout.addWidget(box)
        self.table_inputs_scroll.setVisible(bool(tables))
