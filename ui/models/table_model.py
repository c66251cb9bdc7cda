"""The catalog table model with its inline edits: a quality score, a latency profile (both
halves), a price override or a custom model's price, each checked, shown at once and handed
to the tab to save."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal

from core.catalog import PER_MILLION, LatencyProfile, ModelInfo, PriceOverride, QualityScore
from ui.models.columns import (
    COL_QUALITY,
    COL_SPEED,
    COL_TTFT,
    COLUMNS,
    LATENCY_COLUMNS,
    PRICE_FIELDS,
    Index,
    parse_quality,
)
from ui.models.rows import CatalogRows
from ui.models.saving import CatalogEdit
from ui.numbers import parse_number


class CatalogTableModel(CatalogRows):
    """All catalog models, filtered and sorted; the editable cells check what is typed."""

    #: A validated change to save: the tab queues it. The row already shows the new value.
    edit_requested = Signal(object)
    #: A refused edit, worded for the user.
    edit_rejected = Signal(str)
    #: Advice that is not an error (a latency waiting for its second half).
    hint = Signal(str)

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
