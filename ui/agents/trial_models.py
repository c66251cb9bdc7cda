"""The agent trial's tables: the steps of one trial and the stored trials."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from core.agent_loop import AgentStep
from core.text import visible
from ui.plain_text import tooltip
from ui.plots.common import GREEN, RED
from ui.table_model import Index, RowsTableModel

_CELL_CHARS = 160


def one_line(text: str | None) -> str:
    """A cell's text on one line, cut at a readable length."""
    # A model's text with a bidi override would reorder the cell: controls show as code points.
    flat = " ".join(visible(text or "").split())
    return flat if len(flat) <= _CELL_CHARS else flat[: _CELL_CHARS - 1] + "…"


def _arguments_text(arguments: dict[str, Any] | None) -> str:
    return "" if arguments is None else json.dumps(arguments, ensure_ascii=False)


_KIND_COLOURS = {"error": QColor(RED), "answer": QColor(GREEN)}


class TraceModel(RowsTableModel):
    """The steps of one trial, in order; rows are appended as steps arrive."""

    HEADERS = (
        "Step",
        "Iteration",
        "Kind",
        "Text / tool",
        "Arguments",
        "Result",
        "Tokens in / out",
        "Cost",
        "Latency",
    )

    def append(self, step: AgentStep) -> None:
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append(step)
        self.endInsertRows()

    def cell(self, step: AgentStep, column: int) -> str:
        """The full text of a cell (the view shows one line of it; the tooltip all of it)."""
        if column == 0:
            return str(step.index)
        if column == 1:
            return str(step.iteration) if step.iteration else ""
        if column == 2:
            return step.kind.replace("_", " ")
        if column == 3:
            if step.tool and step.kind != "answer":
                return step.tool  # a tool's error reads in the Result column
            return step.text
        if column == 4:
            return _arguments_text(step.arguments)
        if column == 5:
            return step.result or ""
        if column == 6:
            return (
                f"{step.input_tokens:,} / {step.output_tokens:,}"
                if step.input_tokens or step.output_tokens
                else ""
            )
        if column == 7:
            return f"${step.cost_usd:.4g}" if step.cost_usd else ""
        return f"{step.latency_ms:,.0f} ms" if step.latency_ms else ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        step: AgentStep = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return one_line(self.cell(step, index.column()))
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self.cell(step, index.column())
            return tooltip(text) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            return _KIND_COLOURS.get(step.kind)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 1, 6, 7, 8):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class TrialsModel(RowsTableModel):
    """Stored trials (storage.traces.TrialSummary), most recent first."""

    HEADERS = ("#", "When", "Model", "Status", "Iterations", "Cost", "Task")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        t = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(t.id),
                t.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                visible(t.model),
                t.status.replace("_", " "),
                str(t.iterations),
                f"${t.cost_usd:.4g}",
                one_line(t.task),
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 6:
            return tooltip(t.task)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 3 and t.stop_reason:
            return tooltip(t.stop_reason)
        return None


def table_view(model: RowsTableModel, name: str, widths: tuple[int, ...]) -> QTableView:
    """A read-only, one-row-at-a-time view of `model` with its columns' starting widths."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    view.setWordWrap(False)
    return view
