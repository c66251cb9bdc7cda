"""The Sequential page: both arms against the local test server in a worker, the live plot of
the running lift in its anytime-valid band, the verdict, the savings, and cancel."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QScrollArea

from core.evaluation import DatasetItem
from storage.experiments import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text
from tests.ui.conftest import wait_idle
from ui.experiments.sequential_page import SequentialPage

ITEMS = [DatasetItem(id=f"q{i}", input=f"q{i}", expected=f"a{i}") for i in range(80)]


def _answer(body: dict[str, Any]) -> Reply:
    """The variant answers every item; the baseline one in four."""
    number = int(last_user_text(body)[1:])
    right = "strong" in body["model"] or number % 4 == 0
    return Reply(f"a{number}" if right else "<b>no idea</b>")


@pytest.fixture
def page(qtbot, window, llm_server: LlmTestServer) -> SequentialPage:
    llm_server.set_responder(_answer)
    with ExperimentStore(window.store.path) as store:
        store.add_dataset("numbers", ITEMS)
    tab = window.tab_for("experiments")
    window.tabs.setCurrentWidget(tab)
    bench = tab.panel.workbench
    assert bench is not None
    bench.reload()
    wait_idle(qtbot, window)
    bench.setCurrentWidget(bench.sequential_page)
    page = bench.sequential_page
    for form, model in ((page.baseline_form, "weak"), (page.variant_form, "strong")):
        form.model_edit.setText(model)
        form.base_url_edit.setText(llm_server.url)
        form.template_edit.setPlainText("{input}")
    page.concurrency_spin.setValue(2)
    return page


def test_a_run_stops_when_settled_and_shows_the_band_the_verdict_and_the_savings(
    qtbot, window, page: SequentialPage, answer_prompts, hover
) -> None:
    answer_prompts(question=QMessageBox.StandardButton.Yes)
    page.min_lift_spin.setValue(10)
    assert page.baseline_form.dataset_combo.currentText() == "numbers v1 (80 items)"
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=30_000)
    wait_idle(qtbot, window)
    outcome = page.outcome
    assert outcome is not None and outcome.look is not None and outcome.stop == "settled"
    look = outcome.look
    assert look.verdict == "ship" and look.n < 80
    # The plot holds every look: the lift inside its band, in percentage points.
    n, lift = page.plot.lift_curve.getData()
    _, low = page.plot.low_curve.getData()
    _, high = page.plot.high_curve.getData()
    assert list(n) == list(range(1, look.n + 1))
    assert (low <= lift).all() and (lift <= high).all()
    assert lift[-1] == pytest.approx(100 * look.lift)
    assert page.plot.plus.value() == pytest.approx(10) and page.plot.minus.isVisible()
    assert page.verdict_label.text().startswith(f"Ship after {look.n} items: better")
    assert page.savings_label.text().startswith("Saved ")
    assert f"(n = {outcome.plan_n:,}" in page.savings_label.text()
    assert page.verdict_label.textFormat() == Qt.TextFormat.PlainText
    # Both arms are ordinary runs on the other pages; the experiment is in the history.
    bench = page.bench
    assert {r.id for r in bench.runs} == {outcome.baseline_run_id, outcome.variant_run_id}
    assert bench.history_page.isEnabled()
    with ExperimentStore(window.store.path) as store:
        record = store.experiments()[-1]
    assert record.id == outcome.record_id
    # Opened on the Compare page, it reads the anytime-valid verdict and why.
    bench.compare_page.open_record(record)
    wait_idle(qtbot, window)
    assert "Ship" in bench.compare_page.verdict_label.text()
    assert "anytime-valid" in bench.compare_page.reasons_label.text()
    bench.setCurrentWidget(page)
    # Usable at 1280x800: the page fits the workbench's width and scrolls down to a plot
    # that keeps its height; hovering names a look.
    window.resize(1280, 800)
    wait_idle(qtbot, window)
    assert page.plot.height() >= 260
    scroll = page.parentWidget().parentWidget()
    assert isinstance(scroll, QScrollArea)
    assert page.minimumSizeHint().width() <= scroll.viewport().width()
    scroll.ensureWidgetVisible(page.plot)
    middle = look.n // 2
    hover(page.plot.plot, middle, lift[middle - 1])
    assert page.plot.hover.isVisible()
    said = re.match(r"after (\d+) items: lift [+-]", page.plot.hover.textItem.toPlainText())
    assert said is not None and abs(int(said[1]) - middle) <= 1  # the nearest pixel's look
    assert "pp, anytime-valid 95% interval" in page.plot.hover.textItem.toPlainText()


def test_cancel_stops_the_run_and_keeps_what_was_read(
    qtbot, window, page: SequentialPage, answer_prompts
) -> None:
    answer_prompts(question=QMessageBox.StandardButton.Yes)
    page.min_lift_spin.setValue(10)
    page.alpha_spin.setValue(0.001)
    page.cancel_button.setEnabled(False)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.path), timeout=30_000)
    assert page.cancel_button.isEnabled() and not page.start_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.outcome is not None, timeout=30_000)
    wait_idle(qtbot, window)
    assert page.outcome is not None and page.outcome.stop == "cancelled"
    assert "Stopped: cancelled." in page.verdict_label.text()
    assert page.start_button.isEnabled() and not page.cancel_button.isEnabled()


def test_a_judged_metric_is_refused_on_the_page(qtbot, window, page: SequentialPage) -> None:
    assert page.metric_combo.findData("llm_judge") == -1
    page.variant_form.model_edit.setText("")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert page.status.text().startswith("Check the arms:")
