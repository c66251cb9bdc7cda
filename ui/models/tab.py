"""The Models tab: the whole catalog in a filterable, sortable table, with the user's own data.

The table model filters and sorts a plain list itself (precomputed search keys, one list
comprehension per keystroke): over ~3,400 models that takes about a millisecond, where a
QSortFilterProxyModel calling back into Python for every row and comparison takes tens.
Edits are validated in the table model (ui/models/table_model.py), shown at once, and saved
in order (ui/models/saving.py); the buttons' commands are in ui/models/commands.py.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.catalog import Catalog, ModelInfo
from storage import CatalogStore
from ui.models.columns import ALL_PROVIDERS, COL_ID, COLUMNS
from ui.models.commands import CatalogCommands
from ui.models.dialogs import ImportReportDialog
from ui.models.probe import ProbeCommands
from ui.models.saving import CatalogEdit
from ui.models.table_model import CatalogTableModel
from ui.plain_text import plain_label
from ui.tasks import TaskRunner


class ModelsTab(ProbeCommands, CatalogCommands):
    """The catalog table with filters and the user's custom models, scores and latencies.

    Give it the store, the task runner and the catalog (None while it loads; call
    `set_catalog` when it arrives). `catalog_edited` carries the merged Catalog whenever the
    user's data changed it; `catalog` is the current merged one.
    """

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
        self._queue: deque[tuple[CatalogEdit, Callable[[Any], object] | None]] = deque()
        self._busy = False
        self._generation = 0
        self._after_show: list[Callable[[], object]] = []
        # A refresh that arrived while a cell was being edited: resetting the table then
        # would close the editor and lose what the user is typing.
        self._deferred: Catalog | None = None
        self.report_dialog: ImportReportDialog | None = None
        #: Milliseconds the last filter change took in the table model (the view repaints
        #: after it), for the bench.
        self.last_filter_ms = 0.0
        self._build_filters()
        self._build_table()
        self._build_buttons()
        self._lay_out()
        self._connect()
        self.set_catalog(catalog)

    def _build_filters(self) -> None:
        """The search box, the provider list and the capability checkboxes."""
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

    def _build_table(self) -> None:
        """The table: fixed row heights (nothing measures 3,400 rows), sortable."""
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

    def _build_buttons(self) -> None:
        """The buttons under the table, the row count and the message line."""
        self.add_button = QPushButton("Add custom model…")
        self.edit_button = QPushButton("Edit custom model…")
        self.remove_button = QPushButton("Remove custom model")
        self.import_button = QPushButton("Import quality CSV…")
        self.import_button.setToolTip(
            "A CSV file with the header model,score and optionally benchmark; scores 0..1"
        )
        self.table_button = QPushButton("Import benchmark table…")
        self.table_button.setToolTip(
            "A HELM group file (groups/<group>.json) or a leaderboard CSV (Open LLM Leaderboard, "
            "arena Elo, provider benchmarks): choose the column, review each model's match"
        )
        self.quality_source = QComboBox()
        self.quality_source.setToolTip(
            "Whose quality scores the frameworks use: one source's wherever it has a score "
            "(other models keep theirs), or each model's latest score"
        )
        self.reset_button = QPushButton("Reset price override")
        self.reset_button.setToolTip("Go back to the catalog's prices for the selected model")
        self.probe_button = QPushButton("Measure latency…")
        self.probe_button.setToolTip(
            "Time to first token and output speed of the selected model, from a few streamed "
            "requests (asks first, with the estimated cost); saved as its latency profile"
        )
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setStyleSheet("color: #5f6368;")
        # Messages quote servers (a probe's failure) and files: never markup.
        self.message = plain_label()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)

    def _lay_out(self) -> None:
        """Filters above the table, the message and the buttons below it."""
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.provider)
        filters.addWidget(self.tools)
        filters.addWidget(self.vision)
        filters.addWidget(self.has_quality)
        # Two rows, as one no longer fits at 1280 px: the selected model's actions with the
        # row count, then the quality scores' imports and the source in use.
        buttons = QHBoxLayout()
        for button in (
            self.add_button,
            self.edit_button,
            self.remove_button,
            self.reset_button,
            self.probe_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        scores = QHBoxLayout()
        scores.addWidget(self.import_button)
        scores.addWidget(self.table_button)
        scores.addWidget(QLabel("Quality in use:"))
        scores.addWidget(self.quality_source)
        scores.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        lay.addLayout(scores)

    def _connect(self) -> None:
        """Filters refilter, selections update the buttons, edits and buttons save."""
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
        self.table_button.clicked.connect(self._choose_score_table)
        self.quality_source.activated.connect(self._quality_source_chosen)
        self.reset_button.clicked.connect(self.reset_price_override)
        self.probe_button.clicked.connect(self.measure_latency)

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

    def _present(self, catalog: Catalog) -> None:
        """Show a new catalog now, or when the cell being edited closes."""
        self._catalog = catalog
        if self.table.state() == QAbstractItemView.State.EditingState:
            self._deferred = catalog
            return
        self._deferred = None
        self._show(catalog)
        self._fill_quality_sources()

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
        self.table_button.setEnabled(loaded)
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
        self.probe_button.setEnabled(current is not None and not self.probing)

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

    def _choose_score_table(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Import benchmark scores",
            "",
            "Benchmark tables (*.json *.csv *.tsv *.txt);;All files (*)",
        )
        if name:
            self.import_score_table(Path(name))

    def _fill_quality_sources(self) -> None:
        """Read the sources with how many models each scores and the one in use, in the
        background, after each save."""
        store = self.store
        self.runner.submit(
            lambda: (store.score_sources(), store.quality_source(), store.sourced_scores()),
            self._show_quality_sources,
            # The message line already says when the user's data cannot be read.
            lambda _exc: None,
        )

    def _show_quality_sources(self, found: tuple[dict[str, int], str | None, Any]) -> None:
        sources, chosen, by_model = found
        self.table_model.set_sources(by_model)
        self.quality_source.blockSignals(True)
        self.quality_source.clear()
        self.quality_source.addItem("each model's latest score", None)
        for name, count in sources.items():
            self.quality_source.addItem(f"{name} ({count} models)", name)
        self.quality_source.setCurrentIndex(max(0, self.quality_source.findData(chosen)))
        self.quality_source.setEnabled(bool(sources))
        self.quality_source.blockSignals(False)

    def _quality_source_chosen(self, index: int) -> None:
        self.choose_quality_source(self.quality_source.itemData(index))
