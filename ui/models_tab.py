"""The Models tab: the whole catalog in a filterable, sortable table, with the user's own data.

The table model filters and sorts a plain list itself (precomputed search keys, one list
comprehension per keystroke): over ~3,400 models that takes about a millisecond, where a
QSortFilterProxyModel calling back into Python for every row and comparison takes tens.
Edits are validated in the table model, shown at once, and written to SQLite in order by
one background task at a time; the merged catalog then goes out by `catalog_edited`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.catalog import (
    PER_MILLION,
    Catalog,
    ImportReport,
    LatencyProfile,
    ModelInfo,
    PriceOverride,
    QualityScore,
    format_per_million,
    matches,
    search_key,
    search_words,
)
from storage import CatalogStore, StorageError
from ui.numbers import parse_number
from ui.plain_text import literal_html, plain_label, tooltip
from ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_EDIT = int(Qt.ItemDataRole.EditRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_USER = int(Qt.ItemDataRole.UserRole.value)

ALL_PROVIDERS = "All providers"
_GREY = QColor("#5f6368")
_RED = QColor("#b3261e")


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
_EDITABLE_COLUMNS = frozenset({*OVERRIDABLE, COL_QUALITY, *LATENCY_COLUMNS})
_READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE = _READ_ONLY | Qt.ItemFlag.ItemIsEditable
_COLUMN_FLAGS = [_EDITABLE if c in _EDITABLE_COLUMNS else _READ_ONLY for c in range(len(COLUMNS))]
_ALIGNMENT = [
    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    if column.numeric
    else Qt.AlignmentFlag.AlignCenter
    if i in (COL_TOOLS, COL_VISION)
    else None
    for i, column in enumerate(COLUMNS)
]


def _count(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if value >= 10 else f"{value:.3g}"


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


@dataclass(frozen=True)
class CatalogEdit:
    """One user change, described for messages, and the store call that saves it."""

    description: str
    save: Callable[[CatalogStore], Any]
    #: Only re-reads the saved data (nothing to undo if it fails).
    refresh_only: bool = False


class CatalogTableModel(QAbstractTableModel):
    """All catalog models; shows the ones passing the filter, in the chosen order."""

    #: A validated change to save: the tab queues it. The row already shows the new value.
    edit_requested = Signal(object)
    #: A refused edit, worded for the user.
    edit_rejected = Signal(str)
    #: Advice that is not an error (a latency waiting for its second half).
    hint = Signal(str)

    def __init__(self, models: Sequence[ModelInfo] = (), base: Catalog | None = None) -> None:
        super().__init__()
        self._all: list[ModelInfo] = []
        self._keys: list[str] = []
        self._order: list[int] = []
        self._rows: list[int] = []
        self._base = base
        self._words: list[str] = []
        self._provider: str | None = None
        self._tools = self._vision = self._quality = False
        self._sort_column = COL_ID
        self._sort_order = Qt.SortOrder.AscendingOrder
        # Half-entered latency profiles: TTFT typed, speed not yet (or the reverse).
        self._drafts: dict[str, dict[int, float]] = {}
        # Display strings and styles per model (index into _all), filled as rows are painted.
        self._cache: dict[int, tuple[tuple[str, ...], dict[tuple[int, int], Any] | None]] = {}
        self.set_models(models, base)

    # ----- contents -----------------------------------------------------------------------

    def set_models(self, models: Sequence[ModelInfo], base: Catalog | None = None) -> None:
        """Replace every model; the filter and sort order stay."""
        self.beginResetModel()
        self._all = sorted(models, key=lambda m: m.id.casefold())
        self._cache = {}
        self._keys = [search_key(m) for m in self._all]
        self._base = base
        ids = {m.id for m in self._all}
        self._drafts = {k: v for k, v in self._drafts.items() if k in ids}
        self._resort()
        self._refilter()
        self.endResetModel()

    def set_filter(
        self,
        text: str = "",
        provider: str | None = None,
        *,
        tools: bool = False,
        vision: bool = False,
        has_quality: bool = False,
    ) -> None:
        """Show models whose id or provider contains every word of `text`, and that pass
        the provider and capability filters."""
        self.beginResetModel()
        self._words = search_words(text)
        self._provider = provider
        self._tools, self._vision, self._quality = tools, vision, has_quality
        self._refilter()
        self.endResetModel()

    def total(self) -> int:
        return len(self._all)

    def model_at(self, row: int) -> ModelInfo:
        return self._all[self._rows[row]]

    def row_of(self, model_id: str) -> int | None:
        for row, i in enumerate(self._rows):
            if self._all[i].id == model_id:
                return row
        return None

    def visible_ids(self) -> list[str]:
        return [self._all[i].id for i in self._rows]

    def _refilter(self) -> None:
        words, provider = self._words, self._provider
        rows = self._order
        all_, keys = self._all, self._keys
        if words:
            rows = [i for i in rows if matches(words, keys[i])]
        if provider is not None:
            rows = [i for i in rows if all_[i].provider == provider]
        if self._tools:
            rows = [i for i in rows if all_[i].supports_function_calling]
        if self._vision:
            rows = [i for i in rows if all_[i].supports_vision]
        if self._quality:
            rows = [i for i in rows if all_[i].quality is not None]
        self._rows = list(rows)

    # ----- sorting ------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        held = [(self._rows[ix.row()], ix.column()) for ix in old]
        self._sort_column, self._sort_order = column, order
        self._resort()
        self._refilter()
        position = {i: row for row, i in enumerate(self._rows)}
        new = [self.index(position[i], col) if i in position else QModelIndex() for i, col in held]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _resort(self) -> None:
        """Order every model by the sort column; empty cells go last in either direction."""
        column, reverse = self._sort_column, self._sort_order == Qt.SortOrder.DescendingOrder
        values = [_sort_value(m, column) for m in self._all]
        present = [i for i, v in enumerate(values) if v is not None]
        missing = [i for i, v in enumerate(values) if v is None]
        # Stable: ties keep id order (the list is sorted by id).
        present.sort(key=values.__getitem__, reverse=reverse)
        self._order = present + missing

    # ----- Qt model API -------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tip
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        col = index.column()
        if col == COL_CACHED and self.model_at(index.row()).custom:
            return _EDITABLE
        return _COLUMN_FLAGS[col]

    def _editable(self, model: ModelInfo, column: int) -> bool:
        return column in _EDITABLE_COLUMNS or (column == COL_CACHED and model.custom)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # Painting asks for seven roles per visible cell: the common ones come from a
        # per-row cache, so a repaint costs little more than Qt's own drawing.
        if not index.isValid():
            return None
        if role == _DISPLAY:
            return self._cached(index.row())[0][index.column()]
        if role == _ALIGN:
            return _ALIGNMENT[index.column()]
        if role in (_FOREGROUND, _FONT):
            styles = self._cached(index.row())[1]
            return styles.get((role, index.column())) if styles else None
        if role == _EDIT:
            return self._edit_text(self.model_at(index.row()), index.column())
        if role == _TOOLTIP:
            return tooltip(self._tooltip(self.model_at(index.row()), index.column()) or "") or None
        if role == _USER:
            return self.model_at(index.row())
        return None

    def _cached(self, row: int) -> tuple[tuple[str, ...], dict[tuple[int, int], Any] | None]:
        i = self._rows[row]
        cell = self._cache.get(i)
        if cell is None:
            m = self._all[i]
            styles: dict[tuple[int, int], Any] = {}
            for col in range(len(COLUMNS)):
                colour = self._colour(m, col)
                if colour is not None:
                    styles[(_FOREGROUND, col)] = colour
                font = self._font(m, col)
                if font is not None:
                    styles[(_FONT, col)] = font
            cell = (tuple(self._display(m, c) for c in range(len(COLUMNS))), styles or None)
            self._cache[i] = cell
        return cell

    def _display(self, m: ModelInfo, col: int) -> str:
        if col == COL_ID:
            return m.id
        if col == COL_PROVIDER:
            return m.provider
        if col in PRICE_FIELDS:
            return format_per_million(getattr(m, PRICE_FIELDS[col]))
        if col == COL_CONTEXT:
            return _count(m.max_input_tokens)
        if col == COL_MAX_OUTPUT:
            return _count(m.max_output_tokens)
        if col == COL_TOOLS:
            return "yes" if m.supports_function_calling else ""
        if col == COL_VISION:
            return "yes" if m.supports_vision else ""
        if col == COL_DEPRECATION:
            return m.deprecation_date.isoformat() if m.deprecation_date else ""
        if col == COL_QUALITY:
            return f"{m.quality.score:.2f} ({m.quality.source})" if m.quality else ""
        if col in LATENCY_COLUMNS:
            if m.latency is not None:
                return _count(getattr(m.latency, LATENCY_COLUMNS[col]))
            draft = self._drafts.get(m.id, {}).get(col)
            return _count(draft)
        return ""

    def _edit_text(self, m: ModelInfo, col: int) -> str:
        # Plain text, so the delegate opens a line edit: empty text clears, "85%" works.
        if col == COL_QUALITY:
            return f"{m.quality.score:g}" if m.quality else ""
        if col in LATENCY_COLUMNS:
            value = (
                getattr(m.latency, LATENCY_COLUMNS[col])
                if m.latency
                else self._drafts.get(m.id, {}).get(col)
            )
            return "" if value is None else f"{value:g}"
        if col in PRICE_FIELDS:
            value = getattr(m, PRICE_FIELDS[col])
            return "" if value is None else f"{value * PER_MILLION:.10g}"
        return self._display(m, col)

    def _tooltip(self, m: ModelInfo, col: int) -> str | None:
        if col == COL_ID:
            if m.custom:
                return f"{m.id}\nYour custom model"
            if m.price_overridden:
                return f"{m.id}\nPrices overridden by you"
            return m.id
        if col in PRICE_FIELDS and m.price_overridden and self._base is not None:
            if m.id in self._base:
                original = getattr(self._base.get(m.id), PRICE_FIELDS[col])
                if original != getattr(m, PRICE_FIELDS[col]):
                    return (
                        f"Your price. The catalog's: {format_per_million(original) or 'none'} $/M"
                    )
            return None
        if col == COL_QUALITY and m.quality is not None:
            q = m.quality
            bench = f", {q.benchmark}" if q.benchmark else ""
            tip = f"Quality {q.score:g}{bench}\nSource: {q.source}, {q.date.isoformat()}"
            if q.source == "example":
                tip += "\nAn example figure shipped with the app: replace it with your own."
            return tip
        if col in LATENCY_COLUMNS:
            if m.latency is not None:
                return f"Source: {m.latency.source}, {m.latency.date.isoformat()}"
            if m.id in self._drafts:
                return "Not saved yet: a latency profile needs both TTFT and tokens/s."
            return None
        if col == COL_DEPRECATION and m.deprecation_date is not None:
            past = m.deprecation_date <= dt.date.today()
            return "Retired" if past else "Scheduled for retirement"
        return None

    def _colour(self, m: ModelInfo, col: int) -> QColor | None:
        if col == COL_DEPRECATION and m.deprecation_date and m.deprecation_date <= dt.date.today():
            return _RED
        if col == COL_QUALITY and m.quality and m.quality.source == "example":
            return _GREY
        if col in LATENCY_COLUMNS and (
            (m.latency is None and m.id in self._drafts)
            or (m.latency is not None and m.latency.source == "example")
        ):
            return _GREY
        return None

    def _font(self, m: ModelInfo, col: int) -> QFont | None:
        if (col == COL_ID and m.custom) or (col in LATENCY_COLUMNS and m.id in self._drafts):
            font = QFont()
            font.setItalic(True)
            return font
        if col in OVERRIDABLE and m.price_overridden and self._differs_from_base(m, col):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _differs_from_base(self, m: ModelInfo, col: int) -> bool:
        if self._base is None or m.id not in self._base:
            return True
        field = PRICE_FIELDS[col]
        return bool(getattr(self._base.get(m.id), field) != getattr(m, field))

    # ----- editing ------------------------------------------------------------------------

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, col = index.row(), index.column()
        m = self.model_at(row)
        if not self._editable(m, col):
            return False
        text = "" if value is None else str(value).strip()
        if col == COL_QUALITY:
            outcome = self._edit_quality(m, text)
        elif col in LATENCY_COLUMNS:
            outcome = self._edit_latency(m, col, text)
        else:
            outcome = self._edit_price(m, col, text)
        if outcome is None:
            return False
        updated, edit = outcome
        self._all[self._rows[row]] = updated
        self._cache.pop(self._rows[row], None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if edit is not None:
            self.edit_requested.emit(edit)
        return True

    def _reject(self, message: str) -> None:
        self.edit_rejected.emit(message)

    def _edit_quality(self, m: ModelInfo, text: str) -> tuple[ModelInfo, CatalogEdit | None] | None:
        model_id = m.id
        if not text:
            if m.quality is None:
                return None
            return m.model_copy(update={"quality": None}), CatalogEdit(
                f"clear the quality score of {model_id}",
                lambda store: store.clear_quality(model_id),
            )
        score = parse_quality(text)
        if score is None:
            self._reject(
                f"'{text}' is not a quality score: enter a number from 0 to 1, such as 0.85 "
                "or 85%. Leave it empty to remove the score."
            )
            return None
        quality = QualityScore(score=score, source="entered", date=dt.date.today())
        return m.model_copy(update={"quality": quality}), CatalogEdit(
            f"save the quality score of {model_id}",
            lambda store: store.set_quality(model_id, quality),
        )

    def _edit_latency(
        self, m: ModelInfo, col: int, text: str
    ) -> tuple[ModelInfo, CatalogEdit | None] | None:
        model_id = m.id
        if not text:
            if m.latency is None:
                return (m, None) if self._drafts.pop(model_id, None) is not None else None
            return m.model_copy(update={"latency": None}), CatalogEdit(
                f"clear the latency of {model_id}",
                lambda store: store.clear_latency(model_id),
            )
        value = parse_number(text)
        try:
            if value is None:
                raise ValueError(text)
            # The profile's own bounds decide, checked with a harmless other half.
            if col == COL_TTFT:
                LatencyProfile(ttft_ms=value, output_tokens_per_second=1)
            else:
                LatencyProfile(ttft_ms=0, output_tokens_per_second=value)
        except ValueError:
            if col == COL_TTFT:
                advice = "enter the time to first token in milliseconds, from 0 to 600,000"
            else:
                advice = "enter the output speed in tokens per second, above 0"
            self._reject(f"'{text}' is not valid here: {advice}.")
            return None
        assert value is not None
        halves = dict(self._drafts.get(model_id, {}))
        if m.latency is not None:
            halves = {COL_TTFT: m.latency.ttft_ms, COL_SPEED: m.latency.output_tokens_per_second}
        halves[col] = value
        if len(halves) < 2:
            self._drafts[model_id] = halves
            other = "tokens/s" if col == COL_TTFT else "TTFT ms"
            self.hint.emit(f"Enter {other} for {model_id} too: a latency profile needs both.")
            return m, None
        self._drafts.pop(model_id, None)
        profile = LatencyProfile(
            ttft_ms=halves[COL_TTFT],
            output_tokens_per_second=halves[COL_SPEED],
            source="entered",
            date=dt.date.today(),
        )
        return m.model_copy(update={"latency": profile}), CatalogEdit(
            f"save the latency of {model_id}",
            lambda store: store.set_latency(model_id, profile),
        )

    def _edit_price(
        self, m: ModelInfo, col: int, text: str
    ) -> tuple[ModelInfo, CatalogEdit | None] | None:
        model_id, field = m.id, PRICE_FIELDS[col]
        value = parse_number(text) if text else None
        if value is None or value < 0:
            if not text:
                self._reject(
                    "A price cannot be empty. Use Reset price override to return to the "
                    "catalog's prices."
                    if not m.custom
                    else "A price cannot be empty: enter 0 for a free model."
                )
            else:
                self._reject(f"'{text}' is not a price: enter dollars per million tokens.")
            return None
        per_token = value / PER_MILLION
        if m.custom:
            updated = m.model_copy(update={field: per_token})
            stored = updated.model_copy(update={"quality": None, "latency": None})
            return updated, CatalogEdit(
                f"save the prices of {model_id}",
                lambda store: store.update_custom_model(stored),
            )
        override = PriceOverride(**{field: per_token})
        updated = m.model_copy(update={field: per_token, "price_overridden": True})
        return updated, CatalogEdit(
            f"save the prices of {model_id}",
            lambda store: store.set_override(model_id, override, merge=True),
        )


def _sort_value(m: ModelInfo, col: int) -> Any:
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


class CustomModelDialog(QDialog):
    """Id, prices per million tokens, limits and capabilities of a self-hosted or fine-tuned
    model. OK checks every field and names the first problem instead of closing."""

    def __init__(
        self,
        taken_ids: set[str],
        model: ModelInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit custom model" if model else "Add custom model")
        self._taken = taken_ids
        self._editing = model
        self._result: ModelInfo | None = None
        self.model_id = QLineEdit()
        self.model_id.setPlaceholderText("e.g. my-org/llama-3.1-8b-finetune")
        self.prices: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Model id", self.model_id)
        for field, label, hint in (
            ("input_cost_per_token", "Input $/M tokens", "required, e.g. 0.20"),
            ("output_cost_per_token", "Output $/M tokens", "required, e.g. 0.60"),
            ("input_cost_per_token_batch", "Batch input $/M", "none"),
            ("output_cost_per_token_batch", "Batch output $/M", "none"),
            ("cache_read_input_token_cost", "Cached input $/M", "none"),
        ):
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            self.prices[field] = edit
            form.addRow(label, edit)
        self.context = QLineEdit()
        self.context.setPlaceholderText("e.g. 128k")
        self.max_output = QLineEdit()
        self.max_output.setPlaceholderText("e.g. 8k")
        form.addRow("Context (tokens)", self.context)
        form.addRow("Max output (tokens)", self.max_output)
        self.tools = QCheckBox("Supports tool calling")
        self.vision = QCheckBox("Accepts images")
        form.addRow("", self.tools)
        form.addRow("", self.vision)
        self.error = plain_label()  # quotes the validation error, with the id typed
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        if model is not None:
            self._fill(model)

    def _fill(self, model: ModelInfo) -> None:
        self.model_id.setText(model.id)
        self.model_id.setReadOnly(True)
        for field, edit in self.prices.items():
            value = getattr(model, field)
            edit.setText("" if value is None else f"{value * PER_MILLION:.10g}")
        self.context.setText("" if model.max_input_tokens is None else str(model.max_input_tokens))
        self.max_output.setText(
            "" if model.max_output_tokens is None else str(model.max_output_tokens)
        )
        self.tools.setChecked(model.supports_function_calling)
        self.vision.setChecked(model.supports_vision)

    def result_model(self) -> ModelInfo | None:
        """The model the user entered, once OK accepted it."""
        return self._result

    def accept(self) -> None:
        try:
            self._result = self._read()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        super().accept()

    def _read(self) -> ModelInfo:
        model_id = self.model_id.text().strip()
        if not model_id:
            raise ValueError("Give the model an id.")
        if self._editing is None and model_id in self._taken:
            raise ValueError(f"'{model_id}' is already in the catalog: choose another id.")
        values: dict[str, Any] = {}
        for field, edit in self.prices.items():
            text = edit.text().strip()
            if not text:
                if field in ("input_cost_per_token", "output_cost_per_token"):
                    raise ValueError("Enter the input and output prices (0 for a free model).")
                continue
            value = parse_number(text)
            if value is None or value < 0:
                raise ValueError(f"'{text}' is not a price: enter dollars per million tokens.")
            values[field] = value / PER_MILLION
        for name, edit, label in (
            ("max_input_tokens", self.context, "context"),
            ("max_output_tokens", self.max_output, "max output"),
        ):
            text = edit.text().strip()
            if not text:
                continue
            count = parse_number(text)
            if count is None or count < 1 or count != int(count):
                raise ValueError(f"'{text}' is not a token count for the {label}.")
            values[name] = int(count)
        base = self._editing
        return ModelInfo(
            id=model_id,
            provider="custom",
            custom=True,
            supports_function_calling=self.tools.isChecked(),
            supports_vision=self.vision.isChecked(),
            quality=base.quality if base else None,
            latency=base.latency if base else None,
            **values,
        )


class ImportReportDialog(QDialog):
    """What an import did, row by row; non-blocking so the table stays usable behind it."""

    def __init__(self, title: str, lines: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(620, 360)
        self.text = QPlainTextEdit("\n".join(lines))
        self.text.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)


class ModelsTab(QWidget):
    """The catalog table with filters and the user's custom models, scores and latencies.

    Give it the store, the task runner and the catalog (None while it loads; call
    `set_catalog` when it arrives). `catalog_edited` carries the merged Catalog whenever the
    user's data changed it; `catalog` is the current merged one.
    """

    catalog_edited = Signal(object)

    def __init__(
        self,
        store: CatalogStore,
        runner: TaskRunner,
        catalog: Catalog | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self._base: Catalog | None = None
        self._catalog: Catalog | None = None
        self._queue: deque[tuple[CatalogEdit, Callable[[Any], None] | None]] = deque()
        self._busy = False
        self._generation = 0
        self._after_show: list[Callable[[], None]] = []
        # A refresh that arrived while a cell was being edited: resetting the table then
        # would close the editor and lose what the user is typing.
        self._deferred: Catalog | None = None
        self.report_dialog: ImportReportDialog | None = None
        #: Milliseconds the last filter change took in the table model (the view repaints
        #: after it), for the bench.
        self.last_filter_ms = 0.0

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search models and providers…  e.g. 'gpt mini' or 'bedrock'")
        self.search.setClearButtonEnabled(True)
        self.provider = QComboBox()
        self.provider.setObjectName("provider")
        self.provider.setMinimumContentsLength(14)
        self.provider.addItem(ALL_PROVIDERS)
        self.tools = QCheckBox("Tools")
        self.tools.setToolTip("Only models that support tool (function) calling")
        self.vision = QCheckBox("Vision")
        self.vision.setToolTip("Only models that accept images")
        self.has_quality = QCheckBox("Has quality score")
        self.has_quality.setToolTip("Only models you have scored: the frameworks' default choice")

        self.table_model = CatalogTableModel()
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        vertical = self.table.verticalHeader()
        vertical.hide()
        # Fixed sizes: nothing measures 3,400 rows when the filter changes.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, column in enumerate(COLUMNS):
            self.table.setColumnWidth(i, column.width)
        header.setSortIndicator(COL_ID, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)

        self.add_button = QPushButton("Add custom model…")
        self.edit_button = QPushButton("Edit custom model…")
        self.remove_button = QPushButton("Remove custom model")
        self.import_button = QPushButton("Import quality CSV…")
        self.import_button.setToolTip(
            "A CSV file with the header model,score and optionally benchmark; scores 0..1"
        )
        self.reset_button = QPushButton("Reset price override")
        self.reset_button.setToolTip("Go back to the catalog's prices for the selected model")
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setStyleSheet("color: #5f6368;")
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.provider)
        filters.addWidget(self.tools)
        filters.addWidget(self.vision)
        filters.addWidget(self.has_quality)
        buttons = QHBoxLayout()
        for button in (
            self.add_button,
            self.edit_button,
            self.remove_button,
            self.import_button,
            self.reset_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        lay.addLayout(buttons)

        self.search.textChanged.connect(self._apply_filter)
        self.provider.currentIndexChanged.connect(self._apply_filter)
        for box in (self.tools, self.vision, self.has_quality):
            box.toggled.connect(self._apply_filter)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table_model.modelReset.connect(self._update_buttons)
        self.table_model.dataChanged.connect(self._update_buttons)
        self.table_model.edit_requested.connect(self._queue_edit)
        self.table.itemDelegate().closeEditor.connect(self._editor_closed)
        self.table_model.edit_rejected.connect(lambda text: self._show_message(text, error=True))
        self.table_model.hint.connect(lambda text: self._show_message(text, error=False))
        self.add_button.clicked.connect(self.add_custom_model)
        self.edit_button.clicked.connect(self.edit_custom_model)
        self.remove_button.clicked.connect(self.remove_custom_model)
        self.import_button.clicked.connect(self._choose_quality_csv)
        self.reset_button.clicked.connect(self.reset_price_override)

        self.set_catalog(catalog)

    # ----- public API ---------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog | None:
        """The catalog with the user's data merged, as the table shows it."""
        return self._catalog

    def set_catalog(self, catalog: Catalog | None) -> None:
        """Show `catalog`. A merged one (from CatalogStore.apply) is shown as it is; a bare
        public one is shown at once and merged with the user's data in the background,
        after which `catalog_edited` announces the merged catalog."""
        self._generation += 1
        if catalog is None:
            self._base = self._catalog = None
            self._show(None)
            return
        self._base = catalog.base or catalog
        self._present(catalog)
        if catalog.base is None:
            self._reload()

    def set_load_error(self, message: str) -> None:
        """Say why there is no catalog (e.g. litellm missing); the table stays empty."""
        self._show_message(f"The model catalog could not be loaded: {message}", error=True)
        self.status.setText("No catalog")

    def select_model(self, model_id: str) -> bool:
        """Select and scroll to a model if the filter shows it."""
        row = self.table_model.row_of(model_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.table_model.index(row, 0))
        return True

    def selected_model(self) -> ModelInfo | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.table_model.model_at(index.row())

    def add_custom_model(self) -> None:
        if self._catalog is None:
            return
        dialog = CustomModelDialog({m.id for m in self._catalog}, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        model = dialog.result_model()
        if model is None:
            return
        self._queue_edit(
            CatalogEdit(f"add the custom model {model.id}", lambda s: s.add_custom_model(model)),
            lambda _r: self.select_model(model.id),
        )

    def edit_custom_model(self) -> None:
        current = self.selected_model()
        if self._catalog is None or current is None or not current.custom:
            return
        dialog = CustomModelDialog(set(), current, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        model = dialog.result_model()
        if model is None:
            return
        self._queue_edit(
            CatalogEdit(
                f"update the custom model {model.id}", lambda s: s.update_custom_model(model)
            )
        )

    def remove_custom_model(self) -> None:
        current = self.selected_model()
        if current is None or not current.custom:
            return
        answer = QMessageBox.question(
            self,
            "Remove custom model",
            literal_html(
                f"Remove the custom model '{current.id}' with its quality score and latency? "
                "This cannot be undone."
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        model_id = current.id
        self._queue_edit(
            CatalogEdit(
                f"remove the custom model {model_id}", lambda s: s.remove_custom_model(model_id)
            )
        )

    def reset_price_override(self) -> None:
        current = self.selected_model()
        if current is None or not current.price_overridden:
            return
        model_id = current.id
        self._queue_edit(
            CatalogEdit(f"reset the prices of {model_id}", lambda s: s.clear_override(model_id))
        )

    def import_quality_csv(self, path: Path) -> None:
        """Import scores in the background, then show the per-row report."""
        if self._catalog is None:
            return
        known = {m.id for m in self._catalog}
        path = Path(path)

        def show(report: Any) -> None:
            if isinstance(report, ImportReport):
                self._show_report(f"Import of {path.name}", report.lines())
                self._show_message(report.summary(), error=False)

        self._queue_edit(
            CatalogEdit(
                f"import quality scores from {path.name}",
                lambda s: s.import_quality_csv(path, known),
            ),
            show,
        )

    def load_example_scores(self) -> None:
        """Add the shipped example quality scores and latencies where the user has none."""
        if self._catalog is None:
            return
        known = {m.id for m in self._catalog}

        def show(report: Any) -> None:
            if isinstance(report, ImportReport):
                self._show_message(
                    f"Added example scores to {report.imported} models. They are marked "
                    "'example': replace them with your own measurements.",
                    error=False,
                )

        self._queue_edit(
            CatalogEdit("load the example scores", lambda s: s.load_examples(known)), show
        )

    # ----- showing ------------------------------------------------------------------------

    def _present(self, catalog: Catalog) -> None:
        """Show a new catalog now, or when the cell being edited closes."""
        self._catalog = catalog
        if self.table.state() == QAbstractItemView.State.EditingState:
            self._deferred = catalog
            return
        self._deferred = None
        self._show(catalog)

    def _editor_closed(self, *_: Any) -> None:
        if self._deferred is not None:
            # After the delegate has committed the closing editor's value.
            QTimer.singleShot(0, self._show_deferred)

    def _show_deferred(self) -> None:
        catalog, self._deferred = self._deferred, None
        if catalog is not None and self.table.state() != QAbstractItemView.State.EditingState:
            self._show(catalog)
        elif catalog is not None:
            self._deferred = catalog

    def _show(self, catalog: Catalog | None) -> None:
        """Display a catalog, keeping the filter, sort order, selection and scroll position."""
        self._catalog = catalog
        selected = self.selected_model()
        scroll = self.table.verticalScrollBar().value()
        models = catalog.models if catalog is not None else []
        self._fill_providers(models)
        self.table_model.set_models(models, self._base)
        self._push_filter()
        if selected is not None:
            self.select_model(selected.id)
        self.table.verticalScrollBar().setValue(scroll)
        loaded = catalog is not None
        self.search.setEnabled(loaded)
        self.import_button.setEnabled(loaded)
        self.add_button.setEnabled(loaded)
        self._update_buttons()
        self._update_status()

    def _fill_providers(self, models: list[ModelInfo]) -> None:
        current = self.provider.currentText()
        providers = sorted({m.provider for m in models}, key=str.casefold)
        self.provider.blockSignals(True)
        self.provider.clear()
        self.provider.addItem(ALL_PROVIDERS)
        self.provider.addItems(providers)
        index = self.provider.findText(current)
        self.provider.setCurrentIndex(max(index, 0))
        self.provider.blockSignals(False)

    def _apply_filter(self, *_: Any) -> None:
        started = time.perf_counter()
        selected = self.selected_model()
        self._push_filter()
        if selected is not None:
            self.select_model(selected.id)
        self._update_status()
        self.last_filter_ms = (time.perf_counter() - started) * 1000

    def _push_filter(self) -> None:
        provider = self.provider.currentText()
        self.table_model.set_filter(
            self.search.text(),
            None if provider in ("", ALL_PROVIDERS) else provider,
            tools=self.tools.isChecked(),
            vision=self.vision.isChecked(),
            has_quality=self.has_quality.isChecked(),
        )

    def _update_status(self) -> None:
        catalog = self._catalog
        if catalog is None:
            self.status.setText("Loading the model catalog…")
            return
        shown, total = self.table_model.rowCount(), self.table_model.total()
        prices = catalog.source
        if catalog.price_date is not None:
            prices += f", {catalog.price_date.isoformat()}"
        self.status.setText(f"{shown:,} of {total:,} models · prices: {prices}")

    def _update_buttons(self, *_: Any) -> None:
        current = self.selected_model()
        custom = current is not None and current.custom
        self.edit_button.setEnabled(custom)
        self.remove_button.setEnabled(custom)
        self.reset_button.setEnabled(current is not None and current.price_overridden)

    def _show_message(self, text: str, *, error: bool) -> None:
        self.message.setStyleSheet("color: #b3261e;" if error else "color: #5f6368;")
        self.message.setText(text)

    def _show_report(self, title: str, lines: list[str]) -> None:
        if self.report_dialog is not None:
            self.report_dialog.close()
            self.report_dialog.deleteLater()
        self.report_dialog = ImportReportDialog(title, lines, self)
        self.report_dialog.open()

    def _choose_quality_csv(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import quality scores", "", "CSV files (*.csv *.txt);;All files (*)"
        )
        if name:
            self.import_quality_csv(Path(name))

    # ----- saving, one change at a time ----------------------------------------------------

    def _queue_edit(
        self, edit: CatalogEdit, on_result: Callable[[Any], None] | None = None
    ) -> None:
        """Save changes strictly in the order made; each is its own transaction."""
        self._queue.append((edit, on_result))
        if not self._busy:
            self._run_next()

    def reload_user_data(self) -> None:
        """Re-read the user's catalog data (another tab wrote some) and announce the result."""
        self._reload()

    def _reload(self) -> None:
        self._queue_edit(CatalogEdit("read your catalog data", lambda _s: None, refresh_only=True))

    def _run_next(self) -> None:
        edit, on_result = self._queue.popleft()
        base, store, generation = self._base, self.store, self._generation
        if base is None:
            self._queue.clear()
            return
        self._busy = True

        def work() -> tuple[Any, Catalog]:
            result = edit.save(store)
            return result, store.apply(base)

        self.runner.submit(
            work,
            lambda out: self._saved(out, on_result, generation),
            lambda exc: self._failed(edit, exc, generation),
        )

    def _saved(
        self,
        out: tuple[Any, Catalog],
        on_result: Callable[[Any], None] | None,
        generation: int,
    ) -> None:
        self._busy = False
        result, merged = out
        if on_result is not None:
            self._after_show.append(lambda: on_result(result))
        if self._queue:
            # More changes wait: show the final state once, after the last one.
            self._run_next()
            return
        if generation != self._generation:
            # A new catalog arrived meanwhile: merge the saved change into that one.
            self._reload()
            return
        self._present(merged)
        self.catalog_edited.emit(merged)
        callbacks, self._after_show = self._after_show, []
        for callback in callbacks:
            callback()

    def _failed(self, edit: CatalogEdit, exc: Exception, generation: int) -> None:
        self._busy = False
        text = str(exc) if isinstance(exc, StorageError) else f"Could not {edit.description}: {exc}"
        if edit.description.startswith("import"):
            self._show_report("Import failed", [text])
        self._show_message(text, error=True)
        if self._queue:
            self._run_next()
        elif generation != self._generation:
            return
        elif not edit.refresh_only:
            # The table may show the refused change: read back what is really saved.
            self._reload()
        elif self._base is not None and self._catalog is self._base:
            # The user's data cannot be read (the message says why; no retry loop), but the
            # public prices are good: the frameworks get those.
            self.catalog_edited.emit(self._base)
