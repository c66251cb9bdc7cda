"""The Models tab's columns: titles, widths, tips, which are editable, how each cell sorts,
and the text helpers the cells share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from core.catalog import ModelInfo
from core.frameworks.common import count
from ui.numbers import parse_number

Index = QModelIndex | QPersistentModelIndex

DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
EDIT = int(Qt.ItemDataRole.EditRole.value)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
FONT = int(Qt.ItemDataRole.FontRole.value)
USER = int(Qt.ItemDataRole.UserRole.value)

ALL_PROVIDERS = "All providers"
GREY = QColor("#5f6368")
RED = QColor("#b3261e")


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    tip: str
    numeric: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("Model", 300, "The model id as litellm names it", numeric=False),
    Column("Provider", 110, "litellm's provider; 'custom' for your own models", numeric=False),
    Column("Input $/M", 80, "Dollars per million input tokens"),
    Column("Output $/M", 84, "Dollars per million output tokens"),
    Column("Batch in $/M", 90, "Batch API price per million input tokens"),
    Column("Batch out $/M", 96, "Batch API price per million output tokens"),
    Column("Cached in $/M", 98, "Price per million cached (prompt-cache read) input tokens"),
    Column("Context", 80, "Maximum input tokens"),
    Column("Max output", 84, "Maximum output tokens"),
    Column("Tools", 50, "Supports tool (function) calling", numeric=False),
    Column("Vision", 50, "Accepts images", numeric=False),
    Column("Deprecation", 90, "Date the provider retires the model", numeric=False),
    Column("Quality", 110, "Your quality score, 0..1, and its source; double-click to edit"),
    Column("TTFT ms", 70, "Time to first token in milliseconds; double-click to edit"),
    Column("Tokens/s", 70, "Output tokens per second; double-click to edit"),
)
(
    COL_ID,
    COL_PROVIDER,
    COL_INPUT,
    COL_OUTPUT,
    COL_BATCH_IN,
    COL_BATCH_OUT,
    COL_CACHED,
    COL_CONTEXT,
    COL_MAX_OUTPUT,
    COL_TOOLS,
    COL_VISION,
    COL_DEPRECATION,
    COL_QUALITY,
    COL_TTFT,
    COL_SPEED,
) = range(len(COLUMNS))

PRICE_FIELDS = {
    COL_INPUT: "input_cost_per_token",
    COL_OUTPUT: "output_cost_per_token",
    COL_BATCH_IN: "input_cost_per_token_batch",
    COL_BATCH_OUT: "output_cost_per_token_batch",
    COL_CACHED: "cache_read_input_token_cost",
}
# Prices a catalog model's override can change; the cached price only custom models edit.
OVERRIDABLE = (COL_INPUT, COL_OUTPUT, COL_BATCH_IN, COL_BATCH_OUT)
LATENCY_COLUMNS = {COL_TTFT: "ttft_ms", COL_SPEED: "output_tokens_per_second"}
EDITABLE_COLUMNS = frozenset({*OVERRIDABLE, COL_QUALITY, *LATENCY_COLUMNS})
READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
EDITABLE = READ_ONLY | Qt.ItemFlag.ItemIsEditable
COLUMN_FLAGS = [EDITABLE if c in EDITABLE_COLUMNS else READ_ONLY for c in range(len(COLUMNS))]
ALIGNMENT = [
    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    if column.numeric
    else Qt.AlignmentFlag.AlignCenter
    if i in (COL_TOOLS, COL_VISION)
    else None
    for i, column in enumerate(COLUMNS)
]


def count_text(value: float | None) -> str:
    """A count as core writes every count, or nothing for a figure not known."""
    return "" if value is None else count(value)


def parse_quality(text: str) -> float | None:
    """'0.85', '85%' or '85 %' -> 0.85; None when it is not a number in 0..1."""
    text = text.strip()
    percent = text.endswith("%")
    value = parse_number(text[:-1] if percent else text)
    if value is None:
        return None
    if percent:
        value /= 100
    return value if 0 <= value <= 1 else None


def sort_value(m: ModelInfo, col: int) -> Any:
    """What a cell sorts by (None: empty, sorted last)."""
    if col == COL_ID:
        return m.id.casefold()
    if col == COL_PROVIDER:
        return m.provider.casefold()
    if col in PRICE_FIELDS:
        return getattr(m, PRICE_FIELDS[col])
    if col == COL_CONTEXT:
        return m.max_input_tokens
    if col == COL_MAX_OUTPUT:
        return m.max_output_tokens
    if col == COL_TOOLS:
        return m.supports_function_calling
    if col == COL_VISION:
        return m.supports_vision
    if col == COL_DEPRECATION:
        return m.deprecation_date
    if col == COL_QUALITY:
        return m.quality.score if m.quality else None
    if col in LATENCY_COLUMNS:
        return getattr(m.latency, LATENCY_COLUMNS[col]) if m.latency else None
    return None
