"""Outside text in item views and their tooltips (issue 14, item 1): a scenario's notes in
the Open dialog, a dataset's items, a run's outputs and names on the Experiments pages, and a
custom model id on the Models tab, each reading `<img src=FIFO>`. Qt sniffs a tooltip (and an
AutoText label) for markup, so every tooltip and label is checked, each tooltip is shown, and
the FIFO watcher proves nothing opened the image."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import QAbstractItemView, QLabel, QToolTip, QWidget

from core.catalog import ModelInfo
from core.evaluation import DatasetItem, Sample, Variant
from storage import CatalogStore, ExperimentStore
from tests.ui.conftest import wait_idle
from tests.ui.test_hostile_text import _payload, _shows_markup
from tests.ui.test_hostile_text import fifo_watch as fifo_watch  # the fixture
from ui.dialogs import OpenScenarioDialog


def _rich(text: object) -> bool:
    return isinstance(text, str) and (
        QtGui.mightBeRichText(text) and "<img" in text and "&lt;img" not in text
    )


def _views_show_markup(qtbot, root: QWidget) -> list[str]:
    """Every cell of every item view under root (tree rows too): its tooltip, shown as hovering
    would show it; returns the views whose tooltip Qt would read as markup with the image."""
    bad: list[str] = []
    views = [root] if isinstance(root, QAbstractItemView) else []
    for view in views + root.findChildren(QAbstractItemView):
        model = view.model()
        parents = [QModelIndex()]
        while model is not None and parents:
            parent = parents.pop()
            for row in range(min(model.rowCount(parent), 50)):
                for col in range(model.columnCount(parent)):
                    index = model.index(row, col, parent)
                    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
                    if _rich(tip):
                        bad.append(f"{view.objectName() or type(view).__name__} tooltip")
                    if isinstance(tip, str) and tip:
                        QToolTip.showText(QPoint(10, 10), tip, view)
                        qtbot.wait(1)
                    if col == 0 and model.rowCount(index) > 0:
                        parents.append(index)
    QToolTip.hideText()
    return bad


def _labels_show_markup(root: QWidget) -> list[str]:
    return [lab.objectName() or type(lab.parent()).__name__ for lab in
            root.findChildren(QLabel) if _shows_markup(lab)]  # fmt: skip


def test_open_dialog_tooltip_shows_hostile_notes_as_text(qtbot, store, fifo_watch) -> None:
    payload = _payload(fifo_watch.fifo)
    store.create("build_vs_buy", "Plan", {"training_cost": 1}, notes=payload)
    dialog = OpenScenarioDialog(store.summaries())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert _views_show_markup(qtbot, dialog) == []
    assert _labels_show_markup(dialog) == []
    assert fifo_watch.opens() == 0


def test_experiments_pages_and_models_tab_show_hostile_text_as_text(
    qtbot, window, store, fifo_watch
) -> None:
    payload = _payload(fifo_watch.fifo)
    items = [DatasetItem(id=f"{payload}{i}", input=payload, expected=payload) for i in range(3)]
    with ExperimentStore(store.path) as exp:
        dataset = exp.add_dataset(payload, items, source=f"{payload}.jsonl")
        for n in range(2):
            run = exp.import_run(
                dataset.id,
                Variant(name=f"{payload}{n}", model=f"{payload}{n}"),
                [Sample(item_id=i.id, output=f"{payload} out", error=payload) for i in items],
                name=f"{payload}{n}",
            )
        assert run
    with CatalogStore(store.path) as catalog:
        catalog.add_custom_model(
            ModelInfo(
                id=payload, provider="custom", input_cost_per_token=0, output_cost_per_token=0
            )
        )

    tab = window.tab_for("experiments")
    window.tabs.setCurrentWidget(tab)
    bench = tab.panel.workbench
    assert bench is not None
    bench.reload()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: len(bench.runs) == 2, timeout=10_000)
    for page in (bench.datasets_page, bench.run_page, bench.compare_page, bench.history_page):
        bench.setCurrentWidget(page)
        qtbot.wait(50)
        wait_idle(qtbot, window)
    bench.setCurrentWidget(bench.compare_page)
    bench.compare_page.compare()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: bench.compare_page.compare_button.isEnabled(), timeout=30_000)
    wait_idle(qtbot, window)
    assert bench.compare_page.outcomes_view.model().rowCount() == 3  # the per-item table
    assert _views_show_markup(qtbot, bench) == []
    assert _labels_show_markup(window) == []
    assert fifo_watch.opens() == 0

    models = window.models_tab
    window.tabs.setCurrentWidget(models)
    models.reload_user_data()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: models.table_model.row_of(payload) is not None, timeout=10_000)
    models.table_model.set_filter("img")
    assert _views_show_markup(qtbot, models) == []
    assert _labels_show_markup(window) == []
    assert fifo_watch.opens() == 0


def test_table_cells_show_invisible_controls_by_their_code_point(qtbot) -> None:
    """A model's output, a dataset item and an agent step holding U+202E (which would draw
    the rest of the cell reversed) or NUL read as ⟨U+202E⟩ / ⟨U+0000⟩ in the cell; the text
    itself is kept as the model wrote it."""
    from core.agent_loop import AgentStep
    from ui.agents.trial_models import TraceModel
    from ui.experiments.models import ItemsModel, SamplesModel

    text = "cost: \u202e$100\x00"
    shown = "cost: ⟨U+202E⟩$100⟨U+0000⟩"
    samples = SamplesModel([Sample(item_id="1", output=text, error=text)])
    items = ItemsModel([DatasetItem(id="1", input=text, expected=text)])
    trace = TraceModel([AgentStep(index=1, kind="answer", text=text)])
    assert samples.data(samples.index(0, 1)) == shown
    assert samples.data(samples.index(0, 2)) == shown
    assert items.data(items.index(0, 1)) == shown
    assert trace.data(trace.index(0, 3)) == shown


def test_history_shows_the_notes_invisible_controls_by_code_point() -> None:
    """Notes keep a bidi override as written; the History table's notes column names it."""
    from datetime import UTC, datetime

    from core.scenario import ScenarioVersion
    from ui.dialogs import VersionTableModel

    version = ScenarioVersion(
        scenario_id=1,
        version=1,
        inputs={},
        notes="pay \u202e001$\nmore",
        saved_at=datetime.now(UTC),
    )
    model = VersionTableModel([version])
    assert model.index(0, 4).data() == "pay ⟨U+202E⟩001$"


@pytest.mark.parametrize(
    ("framework_id", "inputs"),
    [
        ("cost_quality_latency", {"candidate_models": ["<P>", "gpt-4o"]}),
        ("rag_vs_finetuning", {"base_model": "<P>", "finetuned_model": "<P>ft"}),
        ("agents", {"model": "<P>"}),
    ],
)
def test_a_model_id_not_in_the_catalog_named_like_markup_is_text(
    qtbot, window, store, fifo_watch, framework_id, inputs
) -> None:
    """Model ids given as plain strings (not table rows): the candidate list, RAG's models and
    the agents' model, named `<img src=FIFO>`, appear in the result's rationale and the form's
    picker; nothing opens the image."""
    payload = _payload(fifo_watch.fifo)
    hostile = {
        k: [v.replace("<P>", payload) for v in val]
        if isinstance(val, list)
        else val.replace("<P>", payload)
        for k, val in inputs.items()
    }
    scenario = store.create(framework_id, "hostile ids", hostile, notes=payload)
    window.show_scenario(scenario)
    wait_idle(qtbot, window)
    qtbot.wait(20)
    assert _labels_show_markup(window) == []
    assert _views_show_markup(qtbot, window.tab) == []
    assert fifo_watch.opens() == 0
