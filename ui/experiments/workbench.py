"""The Experiments workbench: the pages (datasets, runs, comparison, history) sharing one store.

Every database read or write and every model call runs through the app's TaskRunner; the
widgets only show what comes back. The API key typed here stays in this widget's memory.

A page is built (its module imported, its widgets and plots made) the first time it is shown
or another page hands it work: most sessions use two or three of the eight, and all of them
built at once held about 7 MB. The batch poller is not a page: it exists from the start.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QScrollArea, QTabWidget, QWidget

from core.catalog import Catalog
from storage.experiments import DatasetInfo, ExperimentRecord, ExperimentStore, RunInfo
from ui.accessibility import name_inputs
from ui.experiments.batch_poller import BatchPoller
from ui.experiments.texts import message
from ui.memory import release_freed_memory
from ui.plain_text import literal_html, plain_labels
from ui.plots.common import scrolling
from ui.services import AppServices
from ui.tasks import WidgetGuard

if TYPE_CHECKING:
    from storage.batches import BatchJobInfo
    from ui.experiments.batches_page import BatchesPage
    from ui.experiments.compare_page import ComparePage
    from ui.experiments.datasets_page import DatasetsPage
    from ui.experiments.history_page import HistoryPage
    from ui.experiments.router_page import RouterPage
    from ui.experiments.run_page import RunPage
    from ui.experiments.sequential_page import SequentialPage
    from ui.experiments.variants_page import VariantsPage


@dataclass(frozen=True)
class PageSpec:
    """A page's tab: `name` is the workbench's attribute, `kind` the class in `module`."""

    name: str
    module: str
    kind: str
    title: str
    tip: str


#: In the order of the work: data, runs, then the ways to read them, then the record.
PAGES = (
    PageSpec(
        "datasets_page",
        "ui.experiments.datasets_page",
        "DatasetsPage",
        "Datasets",
        "Import, preview and version evaluation datasets",
    ),
    PageSpec(
        "run_page",
        "ui.experiments.run_page",
        "RunPage",
        "Runs",
        "Run a variant over a dataset, or import logged outputs",
    ),
    PageSpec(
        "batches_page",
        "ui.experiments.batches_page",
        "BatchesPage",
        "Batches",
        "Runs sent through a provider's Batch API: status, counts, resume, cancel",
    ),
    PageSpec(
        "compare_page",
        "ui.experiments.compare_page",
        "ComparePage",
        "Compare",
        "Baseline vs variant on the same items: lift, significance, verdict",
    ),
    PageSpec(
        "variants_page",
        "ui.experiments.variants_page",
        "VariantsPage",
        "Variants",
        "Two or more runs against a baseline: Holm-adjusted verdicts, Pareto set, best",
    ),
    PageSpec(
        "sequential_page",
        "ui.experiments.sequential_page",
        "SequentialPage",
        "Sequential",
        "Baseline and variant item by item, stopped as soon as the verdict is settled",
    ),
    PageSpec(
        "router_page",
        "ui.experiments.router_page",
        "RouterPage",
        "Router",
        "A cheap and a strong run: quality kept and money saved by a routing rule",
    ),
    PageSpec(
        "history_page",
        "ui.experiments.history_page",
        "HistoryPage",
        "History",
        "Every comparison kept, with a trend of the metric",
    ),
)


class Workbench(QTabWidget):
    """Datasets | Run | Compare | History, sharing one store and one view of the data.

    `inputs_suggested` carries decision-form values from a comparison ("Use in the decision").
    Each page attribute (`run_page`, `compare_page`, ...) builds its page on first use.
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
        self.experiments: list[ExperimentRecord] = []
        self.batch_poller = BatchPoller(self)
        self.batch_poller.listed.connect(self._mark_batch_runs)
        self._pages: dict[str, QWidget] = {}
        #: Each page's tab, empty until the page is built: its placeholder is replaced then.
        self._areas: dict[str, QScrollArea] = {}
        for spec in PAGES:
            placeholder = QWidget()
            placeholder.setObjectName(spec.name)
            area = scrolling(placeholder)
            area.installEventFilter(self)
            self._areas[spec.name] = area
            self.setTabToolTip(self.addTab(area, spec.title), spec.tip)
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

    # ----- the pages, each built on first use ----------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        # A tab's area shows (its tab chosen by click, key, shortcut or a call): build its page.
        if event.type() == QEvent.Type.Show:
            for name, area in self._areas.items():
                if area is watched:
                    self.page(name)
        return super().eventFilter(watched, event)

    def page(self, name: str) -> QWidget:
        """The page `name` (a PAGES name), built now if it was not yet, with the lists."""
        built = self._pages.get(name)
        if built is not None:
            return built
        spec = next(spec for spec in PAGES if spec.name == name)
        page: QWidget = getattr(importlib.import_module(spec.module), spec.kind)(self)
        self._pages[name] = page
        plain_labels(page)  # as the window does for a tab: its statuses quote outside text
        name_inputs(page)
        self._areas[name].removeEventFilter(self)
        self._areas[name].setWidget(page)
        self._show_lists(name, page)
        # Building it freed the temporaries of its import and first layout: give them back.
        QTimer.singleShot(0, release_freed_memory)
        return page

    def built(self, name: str) -> bool:
        """Whether the page `name` has been built."""
        return name in self._pages

    @property
    def datasets_page(self) -> DatasetsPage:
        return cast("DatasetsPage", self.page("datasets_page"))

    @property
    def run_page(self) -> RunPage:
        return cast("RunPage", self.page("run_page"))

    @property
    def batches_page(self) -> BatchesPage:
        return cast("BatchesPage", self.page("batches_page"))

    @property
    def compare_page(self) -> ComparePage:
        return cast("ComparePage", self.page("compare_page"))

    @property
    def variants_page(self) -> VariantsPage:
        return cast("VariantsPage", self.page("variants_page"))

    @property
    def sequential_page(self) -> SequentialPage:
        return cast("SequentialPage", self.page("sequential_page"))

    @property
    def router_page(self) -> RouterPage:
        return cast("RouterPage", self.page("router_page"))

    @property
    def history_page(self) -> HistoryPage:
        return cast("HistoryPage", self.page("history_page"))

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
        self.datasets, self.runs, self.experiments = loaded
        for name, page in self._pages.items():
            self._show_lists(name, page)
        self.data_changed.emit()

    def _show_lists(self, name: str, page: Any) -> None:
        """The lists as last read, on one built page (the poller feeds the Batches page)."""
        datasets, runs = self.datasets, self.runs
        match name:
            case "datasets_page":
                page.show_datasets(datasets)
            case "run_page":
                self._mark_batch_runs(self.batch_poller.jobs)
                page.show_lists(datasets, runs)
            case "compare_page" | "router_page" | "variants_page":
                page.show_runs(datasets, runs)
            case "sequential_page":
                page.show_lists(datasets)
            case "history_page":
                page.show_experiments(self.experiments)

    def _mark_batch_runs(self, jobs: list[BatchJobInfo]) -> None:
        """The Runs page shows a run with a batch out as waiting, not as interrupted."""
        run_page = cast("RunPage | None", self._pages.get("run_page"))
        if run_page is None:
            return
        runs = run_page.runs
        runs.batch_run_ids = {job.run_id for job in jobs if job.unfinished}
        if runs.rowCount():
            runs.dataChanged.emit(runs.index(0, 3), runs.index(runs.rowCount() - 1, 3))

    def api_key(self) -> str | None:
        """The key typed on the Runs page this session (never stored); None before that page
        was built, as nothing could be typed there."""
        run_page = cast("RunPage | None", self._pages.get("run_page"))
        return run_page.variant_form.api_key() if run_page is not None else None

    def dataset_label(self, dataset_id: int) -> str:
        for d in self.datasets:
            if d.id == dataset_id:
                return f"{d.name} v{d.version}"
        return f"dataset #{dataset_id}"

    def catalog(self) -> Catalog | None:
        return self.services.catalog()
