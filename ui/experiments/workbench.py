"""The Experiments workbench: the pages (datasets, runs, comparison, history) sharing one store.

Every database read or write and every model call runs through the app's TaskRunner; the
widgets only show what comes back. The API key typed here stays in this widget's memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QScrollArea, QTabWidget, QWidget

from core.catalog import Catalog
from storage.experiments import DatasetInfo, ExperimentRecord, ExperimentStore, RunInfo
from ui.experiments.batches_page import BatchesPage
from ui.experiments.compare_page import ComparePage
from ui.experiments.datasets_page import DatasetsPage
from ui.experiments.history_page import HistoryPage
from ui.experiments.router_page import RouterPage
from ui.experiments.run_page import RunPage
from ui.experiments.sequential_page import SequentialPage
from ui.experiments.texts import message
from ui.experiments.variants_page import VariantsPage
from ui.plain_text import literal_html
from ui.plots.common import scrolling
from ui.services import AppServices
from ui.tasks import WidgetGuard


class Workbench(QTabWidget):
    """Datasets | Run | Compare | History, sharing one store and one view of the data.

    `inputs_suggested` carries decision-form values from a comparison ("Use in the decision").
    """

    inputs_suggested = Signal(dict)
    data_changed = Signal()

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("experiments_workbench")
        self.services = services
        self.guard = WidgetGuard()
        self.destroyed.connect(self.guard.cancel)
        self._store: ExperimentStore | None = None
        self._store_lock = threading.Lock()
        self.datasets: list[DatasetInfo] = []
        self.runs: list[RunInfo] = []

        self.datasets_page = DatasetsPage(self)
        self.run_page = RunPage(self)
        self.batches_page = BatchesPage(self)
        self.compare_page = ComparePage(self)
        self.variants_page = VariantsPage(self)
        self.sequential_page = SequentialPage(self)
        self.router_page = RouterPage(self)
        self.history_page = HistoryPage(self)
        # In the order of the work: data, runs, then the ways to read them, then the record.
        for page, title, tip in (
            (self.datasets_page, "Datasets", "Import, preview and version evaluation datasets"),
            (self.run_page, "Runs", "Run a variant over a dataset, or import logged outputs"),
            (
                self.batches_page,
                "Batches",
                "Runs sent through a provider's Batch API: status, counts, resume, cancel",
            ),
            (
                self.compare_page,
                "Compare",
                "Baseline vs variant on the same items: lift, significance, verdict",
            ),
            (
                self.variants_page,
                "Variants",
                "Two or more runs against a baseline: Holm-adjusted verdicts, Pareto set, best",
            ),
            (
                self.sequential_page,
                "Sequential",
                "Baseline and variant item by item, stopped as soon as the verdict is settled",
            ),
            (
                self.router_page,
                "Router",
                "A cheap and a strong run: quality kept and money saved by a routing rule",
            ),
            (self.history_page, "History", "Every comparison kept, with a trend of the metric"),
        ):
            self.add_page(page, title)
            self.setTabToolTip(self.indexOf(page), tip)
        self.reload()

    def add_page(self, page: QWidget, title: str, index: int = -1) -> None:
        """A page scrolls rather than squeeze its fields on a small screen (the workbench
        shares the tab's height with the result card)."""
        self.insertTab(index, scrolling(page), title)

    def indexOf(self, page: QWidget) -> int:  # noqa: N802 (Qt API)
        """The tab of a page (its scroll area is the tab's widget)."""
        for i in range(self.count()):
            tab = self.widget(i)
            if tab is page or (isinstance(tab, QScrollArea) and tab.widget() is page):
                return i
        return -1

    def setCurrentWidget(self, page: QWidget) -> None:  # noqa: N802 (Qt API)
        self.setCurrentIndex(self.indexOf(page))

    # ----- plumbing ----------------------------------------------------------------------

    def store(self) -> ExperimentStore:
        """The store, opened on first use; call from a worker (opening reads the file)."""
        with self._store_lock:
            if self._store is None:
                self._store = ExperimentStore(self.services.db_path)
            return self._store

    def submit(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> None:
        guard = self.guard.guard
        self.services.runner.submit(
            fn, guard(on_done), guard(on_error or self.show_error), guard(on_progress)
        )

    def show_error(self, exc: Exception) -> None:
        QMessageBox.warning(self, "Experiments", literal_html(message(exc)))

    def reload(self) -> None:
        """Re-read datasets, runs and experiments; every page then shows the new lists."""

        def load() -> tuple[list[DatasetInfo], list[RunInfo], list[ExperimentRecord]]:
            store = self.store()
            return store.datasets(), store.runs(), store.experiments()

        self.submit(load, self._loaded)

    def _loaded(
        self, loaded: tuple[list[DatasetInfo], list[RunInfo], list[ExperimentRecord]]
    ) -> None:
        self.datasets, self.runs, experiments = loaded
        self.datasets_page.show_datasets(self.datasets)
        self.run_page.show_lists(self.datasets, self.runs)
        self.compare_page.show_runs(self.datasets, self.runs)
        self.router_page.show_runs(self.datasets, self.runs)
        self.variants_page.show_runs(self.datasets, self.runs)
        self.sequential_page.show_lists(self.datasets)
        self.history_page.show_experiments(experiments)
        self.data_changed.emit()

    def dataset_label(self, dataset_id: int) -> str:
        for d in self.datasets:
            if d.id == dataset_id:
                return f"{d.name} v{d.version}"
        return f"dataset #{dataset_id}"

    def catalog(self) -> Catalog | None:
        return self.services.catalog()
