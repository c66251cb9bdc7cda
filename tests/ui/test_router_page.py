"""The Router page: two stored runs measured in a worker, the curve with its bounds, the
threshold table and selector, and "Use in Architecture Patterns" as one undoable change."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from storage.experiments import ExperimentStore
from tests.router_runs import router_runs
from tests.ui.conftest import wait_idle
from ui.experiments.router_page import RouterPage


@pytest.fixture
def page(qtbot, window) -> RouterPage:
    with ExperimentStore(window.store.path) as store:
        router_runs(store)
    tab = window.tab_for("experiments")
    window.tabs.setCurrentWidget(tab)
    bench = tab.panel.workbench
    assert bench is not None
    bench.reload()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: len(bench.runs) == 2, timeout=10_000)
    bench.setCurrentWidget(bench.router_page)
    return bench.router_page


def _measure(qtbot, window, page: RouterPage) -> None:
    page.cheap_combo.setCurrentIndex(page.cheap_combo.findData(1))
    page.strong_combo.setCurrentIndex(page.strong_combo.findData(2))
    page.metric_combo.setCurrentIndex(page.metric_combo.findData("contains"))
    qtbot.mouseClick(page.measure_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: page.measured is not None, timeout=10_000)


def test_the_curve_the_table_and_the_figure_at_a_saving(qtbot, window, page, hover) -> None:
    """tests/router_runs.py on Contains (see tests/operations/test_router_ops.py): six rows,
    escalate all first; at a 25% saving the rule's best row is confidence >= 0.6 (27.5% saved,
    100% kept), which is chosen and marked; the oracle keeps 120.0%, a random split 88.9%
    (tests/cli/test_cli_eval_router.py has the arithmetic)."""
    page.saving_spin.setValue(25)
    _measure(qtbot, window, page)
    model = page.model
    assert model.rowCount() == 6
    assert [model.index(r, 0).data() for r in range(6)] == [
        "escalate all",
        ">= 0.9",
        ">= 0.8",
        ">= 0.6",
        ">= 0.4",
        ">= 0.2",
    ]
    assert [model.index(3, c).data() for c in (1, 2, 4)] == ["50.0%", "100.0%", "27.5%"]
    assert page.threshold_combo.currentText() == ">= 0.6"
    assert page.table.selectionModel().selectedRows()[0].row() == 3
    assert "the oracle keeps 120.0%, a random split 88.9%" in page.at_saving_label.text()
    x, y = page.plot.chosen.getData()
    assert (x[0], y[0]) == (pytest.approx(27.5), pytest.approx(100))
    ox, oy = page.plot.oracle.getData()
    assert oy.max() == pytest.approx(120)
    assert len(page.plot.random.getData()[0]) == 7
    # Choosing another row in the table moves the selector and the marker.
    page.table.selectRow(5)
    assert page.threshold_combo.currentText() == ">= 0.2"
    x, _y = page.plot.chosen.getData()
    assert x[0] == pytest.approx(100 * 9960 / 14400)
    # Against the share on cheap: the same row sits at 5 of 6 items, the saving line goes.
    page.x_axis_combo.setCurrentIndex(page.x_axis_combo.findData("share"))
    x, _y = page.plot.chosen.getData()
    assert x[0] == pytest.approx(100 * 5 / 6)
    assert not page.plot.saving.isVisible()
    assert page.plot.rule.getData()[0][0] == 0  # escalate all: nothing on the cheap model
    page.x_axis_combo.setCurrentIndex(page.x_axis_combo.findData("cost"))
    assert page.plot.saving.isVisible()
    # Hovering the rule's curve names the nearest threshold.
    window.resize(1600, 1100)
    qtbot.wait(50)
    hover(page.plot.plot, 27.5, 100)
    assert page.plot.hover.isVisible()
    assert page.plot.hover.textItem.toPlainText().startswith("keep on cheap >= 0.6: 50.0% on")


def test_a_bad_rule_pattern_is_said_on_the_page(qtbot, window, page) -> None:
    page.rule_combo.setCurrentIndex(page.rule_combo.findData("regex"))
    page.rule_pattern_edit.setText("(a+)+")
    _measure_expecting_failure = page.measure
    page.cheap_combo.setCurrentIndex(page.cheap_combo.findData(1))
    _measure_expecting_failure()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: page.measure_button.isEnabled(), timeout=10_000)
    assert page.summary.text().startswith("Could not measure:")
    assert "repeats a group" in page.summary.text()
    assert page.summary.textFormat() == Qt.TextFormat.PlainText


def test_use_in_architecture_patterns_is_one_undoable_change(qtbot, window, page) -> None:
    """At confidence >= 0.6: 50% escalated, the measured models in place of the example's
    (fallback and strong model big-model); the tab is shown, and one undo restores the example
    inputs."""
    _measure(qtbot, window, page)
    page.select_threshold(3)
    qtbot.mouseClick(page.use_button, Qt.MouseButton.LeftButton)
    tab = window.tab_for("architecture_patterns")
    assert window.tabs.currentWidget() is tab
    inputs = tab.inputs
    assert inputs.escalation_pct == 50 and not inputs.escalate_per_task_type
    assert (inputs.cheap_model, inputs.strong_model) == ("mini-model", "big-model")
    assert inputs.fallback_model == "big-model"
    assert {p.model for p in inputs.model_profiles} >= {"mini-model", "big-model"}
    assert tab.result.pattern("hierarchical").models == ["mini-model", "big-model"]
    assert "Architecture Patterns filled" in page.summary.text()
    assert tab.undo_stack.count() == 1
    tab.undo_stack.undo()
    assert tab.inputs.cheap_model == "gpt-4o-mini"
    assert np.isclose(tab.inputs.escalation_pct, 30)


def test_the_page_fits_a_laptop_screen(qtbot, window, page) -> None:
    """At 1280x800 every control gets at least its minimum size (the page scrolls instead)."""
    _measure(qtbot, window, page)
    window.resize(1280, 800)
    qtbot.wait(50)
    for widget in (page.measure_button, page.use_button, page.cheap_combo, page.table):
        assert widget.width() >= widget.minimumSizeHint().width()
        assert widget.height() >= widget.minimumSizeHint().height()


def test_the_threshold_table_passes_the_model_tester(qtbot, window, page, qtmodeltester) -> None:
    _measure(qtbot, window, page)
    assert page.model.rowCount() == 6
    qtmodeltester.check(page.model)
