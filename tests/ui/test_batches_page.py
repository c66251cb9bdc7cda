"""The Runs page's Batch API option and the Batches page, against the local server: both costs
asked before sending, the batch listed and polled in a worker, results stored as the run's
samples, cancel, and pending batches picked up by a new window on the same database."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QMessageBox

from core.batch import BatchPrices
from core.catalog import Catalog, ModelInfo
from core.evaluation import DatasetItem, RunSettings, Variant
from operations.batches import plan_batch, submit_batch
from storage.batches import BatchStore
from tests.llm_batches import BatchBehaviour
from tests.llm_server import LlmTestServer, Reply, last_user_text
from ui.experiments.batches_page import BatchesModel, BatchesPage
from ui.experiments.workbench import Workbench
from ui.services import AppServices
from ui.tasks import TaskRunner

ITEMS = [DatasetItem(id=f"q{i}", input=f"question {i}", expected=f"QUESTION {i}") for i in range(4)]
PRICES = BatchPrices(1e-6, 4e-6, "the catalog's batch price")
#: The first batch call in a process imports litellm in the worker (seconds).
TIMEOUT_MS = 90_000


@pytest.fixture
def server():
    with LlmTestServer(responder=lambda body: Reply(last_user_text(body).upper())) as s:
        yield s


@pytest.fixture
def services(tmp_path: Path):
    path = tmp_path / "batches.sqlite3"
    with BatchStore(path) as store:
        store.add_dataset("qa", ITEMS)
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


def _answer(monkeypatch, answer=QMessageBox.StandardButton.Yes) -> list[str]:
    asked: list[str] = []

    def question(_parent, _title, text, *a, **k):
        document = QTextDocument()
        document.setHtml(text)
        asked.append(document.toPlainText())
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def _cells(page: BatchesPage, row: int = 0) -> list[str]:
    return [page.model.index(row, c).data() for c in range(page.model.columnCount())]


def test_a_run_sent_as_a_batch_is_polled_and_stored(qtbot, services, server, monkeypatch) -> None:
    server.batches.behaviour = BatchBehaviour(polls=2)
    bench = _bench(qtbot, services)
    assert bench.tabText(bench.indexOf(bench.batches_page)) == "Batches"
    assert bench.indexOf(bench.batches_page) == bench.indexOf(bench.run_page) + 1
    run_page, page = bench.run_page, bench.batches_page
    run_page.variant_form.model_edit.setText("test-model")
    run_page.variant_form.base_url_edit.setText(server.url)
    run_page.batch_check.setChecked(True)
    assert run_page.run_button.text() == "Estimate and send batch…"
    asked = _answer(monkeypatch)
    qtbot.mouseClick(run_page.run_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, services)
    assert asked[0].startswith("4 requests to test-model")
    assert "Real time: unknown cost" in asked[0]
    assert "Through the Batch API: unknown cost; results within 24 h." in asked[0]
    assert "batch 1 sent (batch_2), 4 requests" in run_page.status.text()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert _cells(page)[:5] == ["1", "batch_2", "1", "Validating (waiting)", "4"]
    assert run_page.runs.index(0, 3).data() == "Waiting for its batch"
    assert page.timer.isActive()

    page.view.selectRow(0)
    qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, services)
    assert "Still waiting: #1 in_progress" in page.status.text()
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, services)
    assert "Results stored" in page.status.text()
    qtbot.waitUntil(lambda: _cells(page)[3] == "Completed", timeout=TIMEOUT_MS)
    assert _cells(page)[5:7] == ["4", "0"]
    assert not page.timer.isActive()
    (run,) = bench.runs
    assert (run.status, run.samples, run.errors) == ("completed", 4, 0)


def test_cancel_from_the_page_keeps_what_was_answered(qtbot, services, server, monkeypatch) -> None:
    server.batches.behaviour = BatchBehaviour(polls=50, answered_before_cancel=1)
    with BatchStore(services.db_path) as store:
        variant = Variant(name="v", model="test-model", api_base=server.url)
        plan = plan_batch(store, store.datasets()[0].id, variant, RunSettings(), lambda: None)
        submit_batch(store, plan)
    bench = _bench(qtbot, services)
    page = bench.batches_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=TIMEOUT_MS)
    page.view.selectRow(0)
    assert page.cancel_button.isEnabled()
    asked = _answer(monkeypatch)
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, services)
    assert asked and "batch 1 (batch_2)" in asked[0]
    assert "Batch 1: cancelling" in page.status.text()
    page.view.selectRow(0)
    qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, services)
    qtbot.waitUntil(lambda: _cells(page)[3] == "Cancelled", timeout=TIMEOUT_MS)
    (run,) = bench.runs
    assert (run.status, run.samples, run.errors) == ("partial", 4, 3)


def test_a_new_window_checks_pending_batches_at_once_then_on_its_timer(
    qtbot, services, server
) -> None:
    server.batches.behaviour = BatchBehaviour(polls=3)
    with BatchStore(services.db_path) as store:
        variant = Variant(name="v", model="test-model", api_base=server.url)
        plan = plan_batch(store, store.datasets()[0].id, variant, RunSettings(), lambda: None)
        submit_batch(store, plan)
    bench = _bench(qtbot, services)
    page = bench.batches_page
    # Opening the window checked the batch once (its first poll: in progress).
    qtbot.waitUntil(
        lambda: "Still waiting: #1 in_progress" in page.status.text(), timeout=TIMEOUT_MS
    )
    assert page.timer.isActive()
    page.timer.setInterval(20)
    qtbot.waitUntil(
        lambda: bool(bench.runs) and bench.runs[0].status == "completed", timeout=TIMEOUT_MS
    )
    _idle(qtbot, services)
    assert _cells(page)[3] == "Completed"
    assert not page.timer.isActive()


def test_the_estimate_shows_real_time_and_batch_cost(qtbot, services, monkeypatch) -> None:
    """Four items "question N" (10 chars) -> 3 tokens each = 12 input tokens; 4 x 256 = 1,024
    output tokens. Real time at $2/$8 per million: 12 x 2e-6 + 1,024 x 8e-6 = $0.008216; the
    catalog has no batch price, so half: $0.004108."""
    priced = Catalog(
        [
            ModelInfo(
                id="gpt-priced",
                provider="openai",
                input_cost_per_token=2e-6,
                output_cost_per_token=8e-6,
            )
        ]
    )
    bench = _bench(qtbot, services._replace(catalog=lambda: priced))
    run_page = bench.run_page
    run_page.variant_form.model_edit.setText("gpt-priced")
    run_page.variant_form.template_edit.setPlainText("{input}")
    run_page.variant_form.api_key_edit.setText("sk-typed-for-this-session")
    run_page.batch_check.setChecked(True)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No)
    qtbot.mouseClick(run_page.run_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, services)
    assert "Real time: about $0.008216 at the catalog's prices." in asked[0]
    assert (
        "Through the Batch API: about $0.004108 (50% of the real-time price (the catalog has "
        "no batch price for this model)); results within 24 h." in asked[0]
    )
    assert bench.runs == []


def test_a_model_no_batch_api_serves_is_refused(qtbot, services, monkeypatch) -> None:
    bench = _bench(qtbot, services)
    run_page = bench.run_page
    run_page.variant_form.model_edit.setText("anthropic/claude-3-5-haiku-20241022")
    run_page.variant_form.api_key_edit.setText("k")
    run_page.batch_check.setChecked(True)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warned.append(text))
    qtbot.mouseClick(run_page.run_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, services)
    assert run_page.status.text().startswith("Not sent:")
    assert "not an OpenAI model" in run_page.status.text() and warned


def test_the_batches_model_passes_the_model_tester(qtmodeltester, services, server) -> None:
    """Provider ids and notes are outside text: shown with invisible controls made visible."""
    with BatchStore(services.db_path) as store:
        variant = Variant(name="v", model="test-model", api_base=server.url)
        plan = plan_batch(store, store.datasets()[0].id, variant, RunSettings(), lambda: None)
        job = submit_batch(store, plan)
    model = BatchesModel()
    hostile = dataclasses.replace(job, message="<b>bold</b>\u202eevil", prices=PRICES)
    model.set_rows([job, hostile])
    qtmodeltester.check(model)
    assert model.index(1, 7).data() == "$1.00 in, $4.00 out per million tokens"
    assert "\u202e" not in model.index(1, 10).data()
    assert model.index(1, 10).data().startswith("<b>bold</b>")


@pytest.mark.parametrize(
    ("behaviour", "failing", "status"),
    [
        (BatchBehaviour(), "question 2", "Completed"),
        (BatchBehaviour(expire_after_lines=3), "", "Expired"),
    ],
    ids=["some-requests-fail", "expired"],
)
def test_failed_and_expired_requests_show_as_errors_to_resume(
    qtbot, services, server, behaviour, failing, status
) -> None:
    server.batches.behaviour = behaviour
    if failing:
        server.fail(Reply(status=500, error_message="overloaded"), matching=failing)
    with BatchStore(services.db_path) as store:
        variant = Variant(name="v", model="test-model", api_base=server.url)
        plan = plan_batch(store, store.datasets()[0].id, variant, RunSettings(), lambda: None)
        submit_batch(store, plan)
    bench = _bench(qtbot, services)
    page = bench.batches_page
    qtbot.waitUntil(
        lambda: page.model.rowCount() == 1 and _cells(page)[3] == status, timeout=TIMEOUT_MS
    )
    _idle(qtbot, services)
    assert _cells(page)[5:7] == ["3", "1"]
    runs = bench.run_page.runs
    assert runs.index(0, 3).data() == "Some errors (resumable)"
    assert runs.index(0, 5).data() == "1"
    assert "Resume the run" in (bench.runs[0].stop_reason)
