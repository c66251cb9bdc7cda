"""The workbench builds a page the first time it is shown or handed work, and the Batch API
poller runs from the start: a fresh workbench keeps its tabs, titles and order, opens a kept
comparison on the Compare page from the History page, and checks pending batches whose page
was never opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from core.evaluation import RunSettings, Variant
from operations.batches import plan_batch, submit_batch
from operations.experiments import compare_and_record
from storage.batches import BatchStore
from tests.llm_batches import BatchBehaviour
from tests.llm_server import LlmTestServer, Reply, last_user_text
from tests.router_runs import router_runs
from ui.accessibility import inputs_of
from ui.experiments.workbench import PAGES, Workbench
from ui.services import AppServices
from ui.tasks import TaskRunner

#: A poll in a new process imports litellm in the worker (seconds).
TIMEOUT_MS = 90_000
TITLES = ["Datasets", "Runs", "Batches", "Compare", "Variants", "Sequential", "Router", "History"]


@pytest.fixture
def services(tmp_path: Path):
    path = tmp_path / "lazy.sqlite3"
    with BatchStore(path) as store:
        baseline, variant = router_runs(store)
        compare_and_record(store, baseline, variant, "exact_match")
    runner = TaskRunner()
    yield AppServices(runner, path)
    assert runner.pending == 0


def _idle(qtbot, services: AppServices) -> None:
    qtbot.waitUntil(lambda: services.runner.pending == 0, timeout=TIMEOUT_MS)


def _bench(qtbot, services: AppServices) -> Workbench:
    bench = Workbench(services)
    qtbot.addWidget(bench)
    bench.resize(1280, 800)
    bench.show()
    qtbot.waitExposed(bench)
    _idle(qtbot, services)
    return bench


def _built(bench: Workbench) -> list[str]:
    return [spec.name for spec in PAGES if bench.built(spec.name)]


def test_only_the_page_shown_is_built_and_each_other_one_when_first_shown(qtbot, services):
    bench = _bench(qtbot, services)
    assert [bench.tabText(i) for i in range(bench.count())] == TITLES
    assert [bench.tabToolTip(i) for i in range(bench.count())] == [s.tip for s in PAGES]
    assert _built(bench) == ["datasets_page"]
    bench.setCurrentIndex(TITLES.index("Router"))
    assert _built(bench) == ["datasets_page", "router_page"]
    router = bench.router_page
    assert bench.currentIndex() == bench.indexOf(router) == TITLES.index("Router")
    # Built late, it shows the lists read before it existed, and its labels and inputs are
    # treated as the window treats a tab's: plain text, named inputs.
    assert router.cheap_combo.count() == 2
    assert all(
        label.textFormat() != Qt.TextFormat.AutoText for label in router.findChildren(QLabel)
    )
    assert all(widget.accessibleName() for widget in inputs_of(router))
    # A reload reaches the built pages only.
    bench.reload()
    _idle(qtbot, services)
    assert _built(bench) == ["datasets_page", "router_page"]


def test_the_history_page_opens_a_comparison_on_a_compare_page_never_shown(qtbot, services):
    bench = _bench(qtbot, services)
    bench.setCurrentWidget(bench.history_page)
    history = bench.history_page
    assert not bench.built("compare_page")
    assert history.model.rowCount() == 1
    history.view.doubleClicked.emit(history.model.index(0, 0))
    _idle(qtbot, services)
    assert bench.built("compare_page")
    compare = bench.compare_page
    assert bench.currentIndex() == bench.indexOf(compare) == TITLES.index("Compare")
    assert compare.record_id == history.model.rows[0].id
    assert compare.verdict_label.text() != ""


@pytest.fixture
def server():
    with LlmTestServer(responder=lambda body: Reply(last_user_text(body).upper())) as s:
        yield s


def test_pending_batches_are_polled_without_the_batches_page(qtbot, services, server):
    server.batches.behaviour = BatchBehaviour(polls=3)
    with BatchStore(services.db_path) as store:
        variant = Variant(name="v", model="test-model", api_base=server.url)
        plan = plan_batch(store, store.datasets()[0].id, variant, RunSettings(), lambda: None)
        submit_batch(store, plan)
    bench = _bench(qtbot, services)
    poller = bench.batch_poller
    # The window checked the batch at once (its first poll: in progress), page unopened.
    qtbot.waitUntil(lambda: "Still waiting: #1 in_progress" in poller.last_said, timeout=TIMEOUT_MS)
    assert poller.timer.isActive()
    assert not bench.built("batches_page") and not bench.built("run_page")
    # The Runs page, built now, shows the run as waiting for its batch, not interrupted.
    _idle(qtbot, services)
    runs = bench.run_page.runs
    waiting = [runs.index(row, 3).data() for row in range(runs.rowCount())]
    assert "Waiting for its batch" in waiting
    poller.timer.setInterval(20)
    qtbot.waitUntil(
        lambda: any(r.status == "completed" and r.samples for r in bench.runs), timeout=TIMEOUT_MS
    )
    _idle(qtbot, services)
    assert not bench.built("batches_page")
    assert not poller.timer.isActive()
    # Opened at last, the page lists what the poller read and says what it last said.
    page = bench.batches_page
    assert page.model.rowCount() == 1
    assert page.model.index(0, 3).data() == "Completed"
    assert page.status.text() == poller.last_said
    assert page.status.text().startswith("Results stored")
