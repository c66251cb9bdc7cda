"""The Experiments workbench's Variants page: tick three runs of a dataset, compare them all
against a baseline; the table (through Qt's model tester) shows each variant with its
interval, lift, raw and Holm p and verdict, the scatter labels every run and fills the Pareto
set, its hover reads a point's figures, and the best sentence says how sure it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core.evaluation import DatasetItem, Sample, Variant
from core.multi_compare import VariantRun, compare_variants
from storage.experiments import ExperimentStore
from ui.experiments.variants_page import VariantsModel, VariantsPage, VariantsPlot, describe
from ui.experiments.workbench import Workbench
from ui.services import AppServices
from ui.tasks import TaskRunner

ITEMS = [DatasetItem(id=str(i), input=f"q{i}", expected="yes") for i in range(40)]
#: name: (items right out of the first 40, cost per item in USD, latency in ms)
RUNS = {
    "base": (20, 0.001, 300.0),
    "cheap": (22, 0.0002, 200.0),
    "strong": (38, 0.01, 900.0),
}


def _samples(name: str) -> list[Sample]:
    right, cost, latency = RUNS[name]
    return [
        Sample(
            item_id=item.id,
            output="yes" if i < right else "no",
            cost_usd=cost,
            latency_ms=latency,
        )
        for i, item in enumerate(ITEMS)
    ]


@pytest.fixture
def services(tmp_path: Path):
    path = tmp_path / "variants.sqlite3"
    with ExperimentStore(path) as store:
        dataset = store.add_dataset("yes", ITEMS)
        lonely = store.add_dataset("one run", ITEMS[:3])
        for name in RUNS:
            store.import_run(dataset.id, Variant(name=name, model=name), _samples(name), name=name)
        store.import_run(lonely.id, Variant(name="x", model="x"), _samples("base")[:3], name="x")
    runner = TaskRunner()
    yield AppServices(runner, path)
    assert runner.pending == 0


def _idle(qtbot, services: AppServices) -> None:
    qtbot.waitUntil(lambda: services.runner.pending == 0, timeout=30_000)


@pytest.fixture
def page(qtbot, services) -> VariantsPage:
    bench = Workbench(services)
    qtbot.addWidget(bench)
    bench.resize(1280, 700)
    bench.show()
    qtbot.waitExposed(bench)
    _idle(qtbot, services)
    bench.setCurrentWidget(bench.variants_page)
    return bench.variants_page


def test_the_page_follows_compare_and_lists_datasets_with_two_runs(page) -> None:
    bench = page.bench
    assert bench.tabText(bench.indexOf(page)) == "Variants"
    assert bench.indexOf(page) > bench.indexOf(bench.compare_page)
    assert page.dataset_combo.count() == 1  # "one run" has a single run: nothing to compare
    assert page.run_model.rowCount() == 3 and len(page.ticked_ids()) == 3
    assert page.baseline_combo.currentText().startswith("#1 base")
    # Judged metrics grade two runs at a time, on the Compare page.
    metrics = [page.metric_combo.itemData(i) for i in range(page.metric_combo.count())]
    assert "exact_match" in metrics and "llm_judge" not in metrics


def test_compare_three_runs(qtbot, page, services, hover) -> None:
    qtbot.mouseClick(page.compare_button, Qt.MouseButton.LeftButton)
    assert page.compare_button.text() == "Cancel"  # the worker compares; the button cancels
    _idle(qtbot, services)
    assert page.compare_button.text() == "Compare all" and page.compare_button.isEnabled()
    qtbot.waitUntil(lambda: page.result is not None, timeout=30_000)
    expected = compare_variants(
        ITEMS,
        [VariantRun(f"#{i} {name}", _samples(name)) for i, name in enumerate(RUNS, start=1)],
        "exact_match",
        min_lift=0.02,
    )
    assert page.result == expected
    model = page.model
    assert model.rowCount() == 3
    cells = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(3)]
    assert cells[0][:2] == ["#1 base", "0.500 (0.350 to 0.650)"]
    assert cells[0][4] == "baseline" and cells[0][7] == "baseline"
    strong = cells[2]
    assert strong[2] == "$0.01" and strong[3] == "900 / 900 ms"
    assert strong[4].startswith("+45.0 pp (")
    assert strong[5:] == ["7.6e-06", "1.5e-05", "Ship", "yes", "100%"]
    assert page.summary.text().startswith("Best: '#3 strong' (0.950), and surely so")
    assert page.summary.textFormat() == Qt.TextFormat.PlainText
    assert "Holm's step-down adjustment" in page.reasons.toPlainText()

    plot = page.scatter
    labels = sorted(label.toPlainText() for label in plot.labels)
    assert labels == ["#1 base", "#2 cheap", "#3 strong (best)"]
    brushes = [b.color().name() for b in plot.points.data["brush"]]
    assert [v.pareto for v in plot.shown] == [False, True, True]
    assert brushes[1] == brushes[2] != brushes[0]
    sizes = list(plot.points.data["size"])
    assert sizes[1] < sizes[0] < sizes[2]  # the marker grows with the median latency
    hover(plot.plot, float(plot._x[2]), float(plot._y[2]))
    assert plot.readout.text() == describe(plot.shown[2])
    assert "$0.01 per item" in plot.readout.text() and "p50 900 ms" in plot.readout.text()


def test_fewer_than_two_ticked_runs_cannot_be_compared(page) -> None:
    for i in range(1, 3):
        page.run_model.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert not page.compare_button.isEnabled()
    assert page.baseline_combo.count() == 1


def test_a_refusal_is_shown_on_the_page(qtbot, page, services) -> None:
    page.metric_combo.setCurrentIndex(page.metric_combo.findData("regex"))
    page.pattern_edit.setText("(")
    qtbot.mouseClick(page.compare_button, Qt.MouseButton.LeftButton)
    _idle(qtbot, services)
    qtbot.waitUntil(lambda: page.compare_button.isEnabled(), timeout=30_000)
    assert page.summary.text().startswith("Could not compare: ")
    assert page.result is None


def test_the_table_model_passes_the_model_tester(qtmodeltester) -> None:
    model = VariantsModel()
    qtmodeltester.check(model)
    runs = [VariantRun(n, _samples(n)) for n in RUNS]
    model.set_rows(list(compare_variants(ITEMS, runs, "exact_match", n_boot=200).variants))
    qtmodeltester.check(model)


def test_free_untimed_runs_are_plotted_and_said_so(qtbot) -> None:
    """Imported outputs carry no cost and no latency: the points sit at the cost axis's left
    edge, the readout says why, and the Pareto set is taken on quality alone with cost."""
    plot = VariantsPlot()
    qtbot.addWidget(plot)
    free = {n: [s.model_copy(update={"cost_usd": 0.0, "latency_ms": 0.0}) for s in _samples(n)]
            for n in RUNS}  # fmt: skip
    result = compare_variants(ITEMS, [VariantRun(n, free[n]) for n in RUNS], "exact_match")
    plot.show_result(result)
    assert len(plot.labels) == 3
    assert "leaves out median latency (ms, lower is better)" in plot.readout.text()
    assert "No run recorded a cost" in plot.readout.text()
    plot.show_result(None)
    assert plot.labels == [] and plot.readout.text() == " "


def test_cancel_stops_the_comparison(qtbot, page, services) -> None:
    page.compare()
    page.compare()  # the button, now Cancel
    assert page.summary.text() == "Cancelling…" and not page.compare_button.isEnabled()
    _idle(qtbot, services)
    # The worker either saw the cancel (nothing shown) or had already finished.
    assert page.compare_button.text() == "Compare all" and page.compare_button.isEnabled()
    if page.result is None:
        assert page.summary.text() == "Cancelled: nothing was compared."
