"""The catalog table's rows: every model, filtered and sorted by the table model itself, and
what each cell shows (text, tooltip, colour, font), cached per row for painting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from core.catalog import (
    PER_MILLION,
    Catalog,
    ModelInfo,
    format_per_million,
    matches,
    search_key,
    search_words,
)
from core.score_files import SourcedScore
from ui.models.columns import (
    ALIGN,
    ALIGNMENT,
    COL_CACHED,
    COL_CONTEXT,
    COL_DEPRECATION,
    COL_ID,
    COL_MAX_OUTPUT,
    COL_PROVIDER,
    COL_QUALITY,
    COL_TOOLS,
    COL_VISION,
    COLUMN_FLAGS,
    COLUMNS,
    DISPLAY,
    EDIT,
    EDITABLE,
    EDITABLE_COLUMNS,
    FONT,
    FOREGROUND,
    GREY,
    LATENCY_COLUMNS,
    OVERRIDABLE,
    PRICE_FIELDS,
    RED,
    TOOLTIP,
    USER,
    Index,
    count_text,
    sort_value,
)
from ui.plain_text import tooltip


class CatalogRows(QAbstractTableModel):
    """All catalog models; shows the ones passing the filter, in the chosen order (read only:
    CatalogTableModel adds the edits)."""

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
        # Every source's score of each model, shown side by side in the quality tooltip.
        self._sources: dict[str, list[SourcedScore]] = {}
        self.set_models(models, base)

    def set_sources(self, sources: dict[str, list[SourcedScore]]) -> None:
        """The scores of every source, by model id (CatalogStore.sourced_scores)."""
        self._sources = sources

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
        values = [sort_value(m, column) for m in self._all]
        present = [i for i, v in enumerate(values) if v is not None]
        missing = [i for i, v in enumerate(values) if v is None]
        # Stable: ties keep id order (the list is sorted by id).
        present.sort(key=values.__getitem__, reverse=reverse)
        self._order = present + missing

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
            return EDITABLE
        return COLUMN_FLAGS[col]

    def _editable(self, model: ModelInfo, column: int) -> bool:
        return column in EDITABLE_COLUMNS or (column == COL_CACHED and model.custom)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        # Painting asks for seven roles per visible cell: the common ones come from a
        # per-row cache, so a repaint costs little more than Qt's own drawing.
        if not index.isValid():
            return None
        if role == DISPLAY:
            return self._cached(index.row())[0][index.column()]
        if role == ALIGN:
            return ALIGNMENT[index.column()]
        if role in (FOREGROUND, FONT):
            styles = self._cached(index.row())[1]
            return styles.get((role, index.column())) if styles else None
        if role == EDIT:
            return self._edit_text(self.model_at(index.row()), index.column())
        if role == TOOLTIP:
            return tooltip(self._tooltip(self.model_at(index.row()), index.column()) or "") or None
        if role == USER:
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
                    styles[(FOREGROUND, col)] = colour
                font = self._font(m, col)
                if font is not None:
                    styles[(FONT, col)] = font
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
            return count_text(m.max_input_tokens)
        if col == COL_MAX_OUTPUT:
            return count_text(m.max_output_tokens)
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
                return count_text(getattr(m.latency, LATENCY_COLUMNS[col]))
            draft = self._drafts.get(m.id, {}).get(col)
            return count_text(draft)
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
            if sourced := self._sources.get(m.id):
                tip += "\nScores by source:" + "".join(
                    f"\n  {s.label()}: {s.value_text()} → {s.score:.3g}, {s.date.isoformat()}"
                    + (" (in use)" if q.source == "imported" and q.benchmark == s.label() else "")
                    for s in sourced
                )
            return tip
        if col in LATENCY_COLUMNS:
            if m.latency is not None:
                tip = f"Source: {m.latency.source}, {m.latency.date.isoformat()}"
                # Here, not at the top: core.probe brings asyncio and the litellm layer,
                # which the first paint of the window does not need.
                from core.probe import probe_details

                details = probe_details(m.latency)
                return f"{tip}\n{details}" if details else tip
            if m.id in self._drafts:
                return "Not saved yet: a latency profile needs both TTFT and tokens/s."
            return None
        if col == COL_DEPRECATION and m.deprecation_date is not None:
            past = m.deprecation_date <= dt.date.today()
            return "Retired" if past else "Scheduled for retirement"
        return None

    def _colour(self, m: ModelInfo, col: int) -> QColor | None:
        if col == COL_DEPRECATION and m.deprecation_date and m.deprecation_date <= dt.date.today():
            return RED
        if col == COL_QUALITY and m.quality and m.quality.source == "example":
            return GREY
        if col in LATENCY_COLUMNS and (
            (m.latency is None and m.id in self._drafts)
            or (m.latency is not None and m.latency.source == "example")
        ):
            return GREY
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
