"""The Agents plots' annotations stay inside their views and apart: from one another, and the
stopped-share note from the bars ('budget 30 s' ran into 'mean 3.96', 'stopped at 10' was
drawn over the bars)."""

from __future__ import annotations

import itertools

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF

from core.frameworks import agents
from tests.ui.conftest import wait_idle
from ui.plots.agents import AgentsPanel, _label_rows

SIZES = [(1280, 800), (1366, 768), (1440, 900), (1920, 1080), (2560, 1440)]


def _texts(plot: pg.PlotWidget) -> list[tuple[str, QRectF]]:
    return [
        (item.toPlainText(), item.sceneBoundingRect())
        for item in plot.scene().items()
        if isinstance(item, pg.TextItem) and item.isVisible() and item.toPlainText()
    ]


def problems(panel: AgentsPanel, where: str) -> list[str]:
    found = []
    for title, plot in panel.plots():
        view = plot.getPlotItem().getViewBox()
        texts = _texts(plot)
        found += [
            f"{where} › {title}: {name!r} outside the view"
            for name, rect in texts
            if not view.sceneBoundingRect().contains(rect)
        ]
        found += [
            f"{where} › {title}: {a!r} over {b!r}"
            for (a, ra), (b, rb) in itertools.combinations(texts, 2)
            if ra.intersects(rb)
        ]
    bars = panel.iterations.bars.opts
    note = panel.iterations.stopped_label
    if note.toPlainText():
        for k, share in zip(bars["x"], bars["height"], strict=True):
            bar = view_rect(panel.iterations.plot, QRectF(k - 0.4, 0, 0.8, share))
            if bar.intersects(note.sceneBoundingRect()):
                found.append(f"{where}: the stopped note over the bar at {k:g}")
    return found


def view_rect(plot: pg.PlotWidget, rect: QRectF) -> QRectF:
    return plot.getPlotItem().getViewBox().mapViewToScene(rect).boundingRect()


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_examples_labels_stay_apart_in_the_window(qtbot, window, width, height):
    window.load_examples()
    wait_idle(qtbot, window)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().toTuple() == (width, height), timeout=5_000)
    index = next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == "Agents")
    window.tabs.setCurrentIndex(index)
    wait_idle(qtbot, window)
    qtbot.wait(10)
    panel = window.tabs.currentWidget().panel
    assert panel.iterations.stopped_label.toPlainText()  # the note is there to be checked
    assert problems(panel, f"{width}x{height}") == []


CASES = {
    "defaults": agents.Inputs(),
    # The latency budget at the top of its view, under which 'mean' was drawn.
    "budget at the top": agents.Inputs(max_latency_per_task_ms=60_000),
    # Most tasks run to the cap: the tall bars are at the right.
    "near the cap": agents.Inputs(expected_iterations=8, p95_iterations=12, max_iterations=10),
    # A budget far below the curve: its label sits on the line in the lower half.
    "tight budgets": agents.Inputs(max_cost_per_task_usd=0.01, max_latency_per_task_ms=2_000),
    "few iterations": agents.Inputs(expected_iterations=1.5, p95_iterations=2, max_iterations=4),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize(("width", "height"), [(860, 230), (1500, 420)], ids=["short", "tall"])
def test_labels_stay_apart_for_other_results(qtbot, case, width, height):
    panel = AgentsPanel()
    qtbot.addWidget(panel)
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    panel.update_result(agents.compute(CASES[case]))
    qtbot.wait(10)
    assert problems(panel, case) == []


def test_rows_under_the_budget_label_are_found_when_the_sums_round_up() -> None:
    """A 330 px latency plot with its budget just above the middle (time to first token 225
    ms, p95 7 iterations, 360 output tokens a step, in a 1000 x 400 panel): the row moved
    under the budget's label still met it by a rounding error, and the placement looped
    for ever. Each row is clear of the budget's label and the rows go down."""
    r, gap = 0.06658595641646489, 0.009079903147699759
    taken = (0.5003074676198163, 0.5668934240362812)
    rows = _label_rows(r, gap, taken)
    assert rows == sorted(rows, reverse=True) and len(rows) == 11  # 5 above it, 6 under
    for bottom in rows:
        assert bottom > 0
        assert bottom >= taken[1] + gap or bottom + r <= taken[0] - gap + 1e-12
