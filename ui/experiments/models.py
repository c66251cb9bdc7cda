"""Table models of the Experiments tab: datasets, items, runs, samples, outcomes, history.

Each is a read-only `RowsTableModel` over a plain list, so a 10,000-sample run is one list
assignment and the view asks only for the cells it paints.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from core import stats
from core.comparison import ItemOutcome
from core.evaluation import DatasetItem, Sample
from core.frameworks.common import p_value
from core.metrics import METRICS
from core.text import visible
from storage.experiments import DatasetInfo, ExperimentRecord, RunInfo
from ui.plain_text import tooltip
from ui.plots.common import VERDICT_COLOURS
from ui.table_model import Index, RowsTableModel

#: Long texts are cut in cells (the full text is the tooltip).
CELL_CHARS = 140

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ERROR_COLOUR = QColor("#d93025")
_OUTCOME_COLOURS = {
    "won": QColor("#188038"),
    "lost": QColor("#d93025"),
    "error": QColor("#e8710a"),
    "tie": QColor("#5f6368"),
}
VERDICT_LABELS = stats.VERDICT_LABELS


def one_line(text: str | None, limit: int = CELL_CHARS) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def usd_text(value: float | None) -> str:
    """Spend and per-sample costs: four significant figures under a dollar ("unknown": None)."""
    if value is None:
        return "unknown"
    if value == 0:
        return "$0"
    return f"${value:.4g}" if value < 1 else f"${value:,.2f}"


class _Model(RowsTableModel):
    """Display text from the subclass's `cell(row, column)`, full text as tooltip, numbers
    right-aligned."""

    NUMERIC: frozenset[int] = frozenset()

    def full_text(self, row: Any, column: int) -> str | None:
        return None

    def colour(self, row: Any, column: int) -> QColor | None:
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            # Items, outputs and names come from files and models: a bidi override in one
            # would reorder the cell, so invisible controls show by their code point.
            return visible(self.cell(row, column))  # type: ignore[attr-defined]
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(self.full_text(row, column) or "") or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.colour(row, column)
        return None

    def row_at(self, index: QModelIndex) -> Any:
        return self.rows[index.row()] if index.isValid() else None


class DatasetsModel(_Model):
    HEADERS = ("Name", "Version", "Items", "Content hash", "File", "Imported")
    NUMERIC = frozenset({1, 2})

    def cell(self, row: DatasetInfo, column: int) -> str:
        match column:
            case 0:
                return row.name
            case 1:
                return f"v{row.version}"
            case 2:
                return f"{row.item_count:,}"
            case 3:
                return row.content_hash[:12]
            case 4:
                return row.source
            case _:
                return row.created_at.strftime("%Y-%m-%d %H:%M")

    def full_text(self, row: DatasetInfo, column: int) -> str | None:
        return row.content_hash if column == 3 else None


class ItemsModel(_Model):
    HEADERS = ("Id", "Input", "Expected", "Fields")

    def cell(self, row: DatasetItem, column: int) -> str:
        match column:
            case 0:
                return row.id
            case 1:
                return one_line(row.input)
            case 2:
                return one_line(row.expected)
            case _:
                return one_line(", ".join(f"{k}={v}" for k, v in row.fields.items()))

    def full_text(self, row: DatasetItem, column: int) -> str | None:
        return (row.id, row.input, row.expected, None)[column] if column < 3 else None


class RunsModel(_Model):
    HEADERS = ("#", "Name", "Model", "Status", "Samples", "Errors", "Cost", "Cached", "Started")
    NUMERIC = frozenset({0, 4, 5, 6, 7})
    STATUS_TEXT = {
        "running": "Stopped early (resumable)",
        "completed": "Completed",
        "partial": "Some errors (resumable)",
        "cancelled": "Cancelled (resumable)",
        "spend_cap": "Spend cap (resumable)",
        "failed": "Failed",
        "imported": "Imported outputs",
    }

    def __init__(self) -> None:
        super().__init__()
        #: The run in progress is shown as running, not as an interrupted one.
        self.active_run_id: int | None = None
        #: Runs with a batch out (the Batches page keeps this): waiting, not interrupted.
        self.batch_run_ids: set[int] = set()

    def cell(self, row: RunInfo, column: int) -> str:
        match column:
            case 0:
                return str(row.id)
            case 1:
                return row.name
            case 2:
                return row.variant.model
            case 3:
                if row.id == self.active_run_id:
                    return "Running…"
                if row.id in self.batch_run_ids and row.status == "running":
                    return "Waiting for its batch"
                return self.STATUS_TEXT.get(row.status, row.status)
            case 4:
                return f"{row.samples:,}"
            case 5:
                return f"{row.errors:,}"
            case 6:
                return usd_text(row.cost_usd)
            case 7:
                return f"{row.cached:,}"
            case _:
                return row.created_at.strftime("%Y-%m-%d %H:%M")

    def full_text(self, row: RunInfo, column: int) -> str | None:
        if column == 3 and row.stop_reason:
            return row.stop_reason
        if column == 2:
            v = row.variant
            base = f" at {v.api_base}" if v.api_base else ""
            return f"{v.model}{base}, temperature {v.temperature:g}, max {v.max_tokens} tokens"
        return None

    def colour(self, row: RunInfo, column: int) -> QColor | None:
        return _ERROR_COLOUR if column == 5 and row.errors else None


class SamplesModel(_Model):
    HEADERS = ("Item", "Output", "Error", "Latency", "In tokens", "Out tokens", "Cost", "Cache")
    NUMERIC = frozenset({3, 4, 5, 6})

    def cell(self, row: Sample, column: int) -> str:
        match column:
            case 0:
                return row.item_id
            case 1:
                return one_line(row.output)
            case 2:
                return one_line(row.error)
            case 3:
                return f"{row.latency_ms:,.0f} ms"
            case 4:
                return f"{row.input_tokens:,}"
            case 5:
                return f"{row.output_tokens:,}"
            case 6:
                return usd_text(row.cached_cost_usd if row.cached else row.cost_usd)
            case _:
                return "hit" if row.cached else ""

    def full_text(self, row: Sample, column: int) -> str | None:
        if column == 1:
            return row.output
        if column == 2:
            return row.error
        if column == 6 and row.cached:
            return "Answered from the response cache: this run paid nothing for it."
        return None

    def colour(self, row: Sample, column: int) -> QColor | None:
        return _ERROR_COLOUR if column == 2 else None


class OutcomesModel(_Model):
    """Per-item comparison rows: (outcome, item, baseline sample, variant sample)."""

    HEADERS = (
        "Item",
        "Outcome",
        "Input",
        "Expected",
        "Baseline output",
        "Variant output",
        "Baseline score",
        "Variant score",
    )
    NUMERIC = frozenset({6, 7})
    OUTCOME_TEXT = {
        "won": "Variant won",
        "lost": "Variant lost",
        "tie": "Tie",
        "error": "Error",
    }

    def cell(self, row: OutcomeRow, column: int) -> str:
        o = row.outcome
        match column:
            case 0:
                return o.item_id
            case 1:
                return self.OUTCOME_TEXT.get(o.kind, o.kind)
            case 2:
                return one_line(row.item.input if row.item else "")
            case 3:
                return one_line(row.item.expected if row.item else "")
            case 4:
                return one_line(_shown(row.baseline))
            case 5:
                return one_line(_shown(row.variant))
            case 6:
                return f"{o.baseline:.3f}"
            case _:
                return f"{o.variant:.3f}"

    def full_text(self, row: OutcomeRow, column: int) -> str | None:
        return {
            2: row.item.input if row.item else None,
            3: row.item.expected if row.item else None,
            4: _shown(row.baseline),
            5: _shown(row.variant),
        }.get(column)

    def colour(self, row: OutcomeRow, column: int) -> QColor | None:
        return _OUTCOME_COLOURS.get(row.outcome.kind) if column == 1 else None


class OutcomeRow:
    """One row of the per-sample comparison: the item and both runs' samples."""

    __slots__ = ("baseline", "item", "outcome", "variant")

    def __init__(
        self,
        outcome: ItemOutcome,
        item: DatasetItem | None,
        baseline: Sample | None,
        variant: Sample | None,
    ) -> None:
        self.outcome = outcome
        self.item = item
        self.baseline = baseline
        self.variant = variant


def _shown(sample: Sample | None) -> str:
    if sample is None:
        return "(no sample)"
    return f"Error: {sample.error}" if sample.error else sample.output


class ExperimentsModel(_Model):
    HEADERS = (
        "#",
        "When",
        "Name",
        "Metric",
        "Baseline",
        "Variant",
        "Lift (interval)",
        "p",
        "Verdict",
    )
    NUMERIC = frozenset({0, 4, 5, 7})

    def cell(self, row: ExperimentRecord, column: int) -> str:
        match column:
            case 0:
                return str(row.id)
            case 1:
                # A stored record always has its time; one not saved yet has none to show.
                return row.created_at.strftime("%Y-%m-%d %H:%M") if row.created_at else ""
            case 2:
                return row.name
            case 3:
                spec = METRICS.get(row.metric)
                return spec.label if spec else row.metric
            case 4:
                return _arm_score(row, "baseline", row.baseline_mean)
            case 5:
                return _arm_score(row, "variant", row.variant_mean)
            case 6:
                if all_failed(row, "baseline") or all_failed(row, "variant"):
                    return "no score"
                if row.low is None or row.high is None:
                    return "no paired items"
                # Kept before alpha was asked for: read at 0.05.
                alpha = float(row.comparison.get("alpha", 0.05))
                return stats.format_lift(100 * row.lift, 100 * row.low, 100 * row.high, alpha)
            case 7:
                return p_value(row.p_value) if row.p_value is not None else "n/a"
            case _:
                return VERDICT_LABELS.get(row.verdict, row.verdict)

    def colour(self, row: ExperimentRecord, column: int) -> QColor | None:
        if column != 8:
            return None
        colour = VERDICT_COLOURS.get(row.verdict)
        return QColor(colour) if colour is not None else None


def all_failed(row: ExperimentRecord, arm: str) -> bool:
    """Whether every item of the arm's run failed, as the stored comparison counted them (the
    record keeps 0 for its mean)."""
    stored = row.comparison.get(arm)
    if not isinstance(stored, dict):
        return False
    n, errors = stored.get("n_scored"), stored.get("errors")
    return isinstance(n, int) and n > 0 and errors == n


def _arm_score(row: ExperimentRecord, arm: str, mean: float) -> str:
    return "no score: all failed" if all_failed(row, arm) else f"{mean:.3f}"
