"""The Models tab's import of a benchmark table (a HELM group file, a leaderboard CSV): the
source's name, the table and column (HELM) or the columns (CSV), the scale, then a review of
each row's match: the name in the file, its value and 0..1 score, and the catalog id chosen
from ranked suggestions (editable; "(skip)" leaves the row out). Remembered matches come
prefilled. Reading and matching are operations.catalog's; everything shown is plain text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.catalog import Catalog
from core.score_files import ELO_RULE, SCALES, Scale, price_text, value_text
from operations.catalog import TableImport, TableOptions, rematch
from storage import StorageError
from ui.plain_text import plain_label, tooltip
from ui.tasks import TaskRunner

SKIP = "(skip)"
GUESS = "(guess from the values)"
COL_NAME, COL_VALUE, COL_SCORE, COL_ID, COL_HOW = range(5)
HOW_TEXT = {
    "remembered": "matched before",
    "exact": "same name",
    "given": "your choice",
    "none": "not matched",
}

Reader = Callable[[TableOptions], TableImport]


class ScoreImportDialog(QDialog):
    """Choose what to read, review the matches, import. `read(options)` reads the file and
    matches its names (StorageError says why it cannot); `plan()` is the reviewed import."""

    def __init__(
        self,
        read: Reader,
        known_ids: Collection[str],
        source: str,
        runner: TaskRunner,
        parent: QWidget | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import benchmark scores")
        self.resize(900, 560)
        self._read = read
        self._runner = runner
        self._reading = 0  # the latest read's number: an older read's result is dropped
        self._known = set(known_ids)
        # For a provider benchmark's price beside the catalog's (shown, never stored).
        self._catalog = catalog
        self._plan: TableImport | None = None
        self.source = QLineEdit(source)
        self.source.setToolTip("Where the scores come from; kept with each score")
        self.table_choice = QComboBox()
        self.model_column = QComboBox()
        self.score_column = QComboBox()
        self.scale = QComboBox()
        self.scale.addItems([GUESS, *SCALES])
        self.scale.setToolTip("unit: 0..1 as is; percent: 0-100, divided by 100; elo: " + ELO_RULE)
        self.rule = plain_label()
        self.rule.setWordWrap(True)
        self.problem = plain_label()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        self.summary = plain_label()
        self.summary.setWordWrap(True)
        self.rows = QTableWidget(0, 5)
        self.rows.setHorizontalHeaderLabels(
            ["Name in the file", "Value", "Score (0..1)", "Catalog id", "Match"]
        )
        self.rows.horizontalHeader().setSectionResizeMode(COL_ID, QHeaderView.ResizeMode.Stretch)
        self.rows.setColumnWidth(COL_NAME, 260)
        self.rows.verticalHeader().setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Source", self.source)
        form.addRow("Table", self.table_choice)
        form.addRow("Model column", self.model_column)
        form.addRow("Score column", self.score_column)
        form.addRow("Scale", self.scale)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.rule)
        lay.addWidget(self.problem)
        lay.addWidget(self.rows, 1)
        lay.addWidget(self.summary)
        lay.addWidget(self.buttons)
        self._filling = False
        self.source.textChanged.connect(self._update_ok)
        self.reload(TableOptions())
        for combo in (self.table_choice, self.model_column, self.score_column, self.scale):
            combo.currentIndexChanged.connect(self._options_changed)

    # Reading

    def options(self) -> TableOptions:
        """The choices as they stand (None where the file's default applies)."""
        scale = self.scale.currentText()
        return TableOptions(
            table=self.table_choice.currentText() or None,
            model_column=self.model_column.currentText() or None,
            score_column=self.score_column.currentText() or None,
            scale=None if scale == GUESS else cast(Scale, scale),
        )

    def _options_changed(self, *_: object) -> None:
        if not self._filling:
            options = self.options()
            if self.sender() is self.table_choice:
                # Another table has other columns: its default column.
                options = dataclasses.replace(options, score_column=None)
            self.reload(options)

    def reload(self, options: TableOptions) -> None:
        """Read the file with `options` and match its names in the background, then show its
        rows; a file that cannot be read so says why and leaves nothing to import."""
        self._reading += 1
        number = self._reading
        self._plan = None
        self.summary.setText("Reading the file and matching its model names…")
        self._update_ok()
        read = self._read
        self._runner.submit(
            lambda: read(options),
            lambda plan: self._read_done(number, plan),
            lambda exc: self._read_failed(number, exc),
        )

    def _read_done(self, number: int, plan: TableImport) -> None:
        if number != self._reading:
            return
        self._plan = plan
        self.problem.setText("")
        self._fill_choices(plan)
        self._fill_rows(plan)

    def _read_failed(self, number: int, exc: Exception) -> None:
        if number != self._reading:
            return
        text = str(exc) if isinstance(exc, StorageError) else f"Could not read the file: {exc}"
        self.problem.setText(text)
        self.rows.setRowCount(0)
        self.summary.setText("")
        self._update_ok()

    def _fill_choices(self, plan: TableImport) -> None:
        self._filling = True
        try:
            read = plan.read
            helm = read.format == "helm"
            self.table_choice.setEnabled(helm)
            self.model_column.setEnabled(not helm)
            _set_items(self.table_choice, [t.title for t in read.tables], _table_of(plan))
            if helm:
                table = next(t for t in read.tables if t.title == _table_of(plan))
                scores = [c for c in table.columns if c not in table.lower_is_better]
                _set_items(self.model_column, [], "")
                left_out = ", ".join(table.lower_is_better)
                # Column names come from the file: never read as markup.
                self.score_column.setToolTip(
                    tooltip(f"Not offered, lower is better (a time or a cost): {left_out}")
                    if left_out
                    else ""
                )
            else:
                scores = read.columns
                _set_items(self.model_column, read.columns, read.model_column)
            _set_items(self.score_column, scores, read.score_column)
            self.scale.setCurrentText(read.scale)
            self.rule.setText(f"Scores: {plan.describe()}")
        finally:
            self._filling = False

    def _fill_rows(self, plan: TableImport) -> None:
        self.rows.setRowCount(len(plan.rows))
        for i, r in enumerate(plan.rows):
            self.rows.setItem(i, COL_NAME, QTableWidgetItem(r.row.name))
            self.rows.setItem(
                i, COL_VALUE, QTableWidgetItem(value_text(r.row.value, plan.read.scale))
            )
            self._show_extras(i, r.model_id)
            self.rows.setItem(i, COL_SCORE, QTableWidgetItem(f"{r.row.score:.3f}"))
            self.rows.setItem(i, COL_HOW, QTableWidgetItem(HOW_TEXT.get(r.how, r.how)))
            combo = QComboBox()
            combo.setEditable(True)
            ranked = [s.model_id for s in r.match.suggestions]
            if r.model_id is not None and r.model_id not in ranked:
                ranked.insert(0, r.model_id)
            combo.addItems([SKIP, *ranked])
            for s in r.match.suggestions:
                combo.setItemData(
                    combo.findText(s.model_id),
                    f"likeness {s.likeness:.2f}",
                    Qt.ItemDataRole.ToolTipRole,
                )
            combo.setCurrentText(r.model_id or SKIP)
            combo.currentTextChanged.connect(lambda _t, row=i: self._choice_changed(row))
            self.rows.setCellWidget(i, COL_ID, combo)
        self._update_summary()

    # Review

    def chosen(self) -> dict[str, str | None]:
        """Each name's id as the review stands (None: skipped)."""
        out: dict[str, str | None] = {}
        if self._plan is None:
            return out
        for i, r in enumerate(self._plan.rows):
            combo = self.rows.cellWidget(i, COL_ID)
            assert isinstance(combo, QComboBox)
            text = combo.currentText().strip()
            out[r.row.name] = None if text in ("", SKIP) else text
        return out

    def _choice_changed(self, row: int) -> None:
        how = self.rows.item(row, COL_HOW)
        if how is not None:
            how.setText(HOW_TEXT["given"])
        self._show_extras(
            row, self.chosen().get(self._plan.rows[row].row.name) if self._plan else None
        )
        self._update_summary()

    def _show_extras(self, index: int, model_id: str | None) -> None:
        """A provider benchmark's latency and price, on its value's tooltip: the price beside
        the chosen model's in the catalog (the file's is never stored)."""
        item = self.rows.item(index, COL_VALUE)
        if item is None or self._plan is None:
            return
        row = self._plan.rows[index].row
        said = []
        if row.ttft_ms is not None and row.output_tokens_per_second is not None:
            said.append(
                f"Latency in the file: {row.ttft_ms:.0f} ms to first token, "
                f"{row.output_tokens_per_second:g} tokens/s (stored unless you entered or "
                "measured one)"
            )
        catalog = self._catalog
        model = catalog.get(model_id) if catalog and model_id and model_id in catalog else None
        if price := price_text(row, model):
            said.append(price[0].upper() + price[1:])
        item.setToolTip(tooltip(". ".join(said) + ".") if said else "")

    def _unknown(self) -> list[str]:
        return sorted({mid for mid in self.chosen().values() if mid and mid not in self._known})

    def _update_summary(self) -> None:
        if self._plan is None:
            return
        chosen = self.chosen()
        matched = sum(1 for v in chosen.values() if v)
        skipped = len(self._plan.read.problems)
        text = f"{matched} of {len(chosen)} rows matched to a catalog model"
        if skipped:
            text += f"; {skipped} rows unreadable ({self._plan.read.problems[0].reason}, …)"
        if unknown := self._unknown():
            text += f". Not in the catalog: {', '.join(unknown[:3])}"
        self.summary.setText(text)
        self._update_ok()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        usable = self._plan is not None and bool(self.source.text().strip())
        ok.setEnabled(usable and not self._unknown() and any(self.chosen().values()))

    def plan(self) -> TableImport | None:
        """The import as reviewed: the source's name and each row's chosen id."""
        if self._plan is None:
            return None
        plan = rematch(self._plan, self._changed())
        return dataclasses.replace(plan, source=" ".join(self.source.text().split()))

    def _changed(self) -> dict[str, str | None]:
        assert self._plan is not None
        before = {r.row.name: r.model_id for r in self._plan.rows}
        return {name: mid for name, mid in self.chosen().items() if before.get(name) != mid}

    def _accept(self) -> None:
        if self._unknown():
            self.problem.setText("Not in the catalog: " + ", ".join(self._unknown()))
            return
        if not self.source.text().strip():
            self.problem.setText("Name the source of the scores.")
            return
        self.accept()


def _table_of(plan: TableImport) -> str:
    return plan.read.table


def _set_items(combo: QComboBox, items: list[str], current: str) -> None:
    combo.clear()
    combo.addItems(items)
    if current:
        combo.setCurrentText(current)
