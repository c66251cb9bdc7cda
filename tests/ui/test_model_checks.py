"""Qt's model checks (pytest-qt's qtmodeltester) on the table models no other test checks, with
the data they show in the app: the Experiments tab's models filled from a real store, and the
search proxies of the Open Scenario and model picker dialogs while a filter is typed. The last
test lists every item model class under ui/, so a new one cannot skip these checks unnoticed."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt

import ui
from core.comparison import ItemOutcome
from core.evaluation import DatasetItem, RunSettings, Sample, Variant
from storage import ExperimentStore
from storage.scenarios import ScenarioSummary

ITEMS = [
    DatasetItem(id="q1", input="What is 2 + 2?", expected="4", fields={"topic": "sums"}),
    DatasetItem(id="q2", input="Name a prime\nover ten." + " long" * 60, expected="11"),
    DatasetItem(id="q3", input="Ünïcode ✓ and a bidi \u202e override", expected=""),
]
SAMPLES = [
    Sample(
        item_id="q1",
        output="4",
        latency_ms=180.0,
        input_tokens=12,
        output_tokens=1,
        cost_usd=2.4e-5,
    ),
    Sample(item_id="q2", error="HTTP 500: the server is down", latency_ms=3000.0, attempts=3),
    Sample(item_id="q3", output="cached answer", cached=True, cached_cost_usd=1e-5),
]


@pytest.fixture
def experiments(tmp_path: Path):
    with ExperimentStore(tmp_path / "experiments.sqlite3") as store:
        dataset = store.add_dataset("maths", ITEMS, source="maths.csv")
        settings = RunSettings(concurrency=2)
        done = store.create_run(dataset.id, Variant(name="base", model="gpt-4o-mini"), settings)
        store.add_samples(done, SAMPLES)
        store.finish_run(done, "partial", "1 item failed after 3 attempts")
        local = Variant(name="local", model="llama3", api_base="http://127.0.0.1:1/v1")
        store.create_run(dataset.id, local, settings, name="still running")
        yield store, dataset.id, done


def test_experiments_tab_models(qtmodeltester, experiments):
    from ui.experiments.models import DatasetsModel, ItemsModel, RunsModel, SamplesModel

    store, dataset_id, run_id = experiments
    datasets = DatasetsModel(store.datasets())
    qtmodeltester.check(datasets)
    assert datasets.index(0, 2).data() == "3"

    items = ItemsModel(store.items(dataset_id))
    qtmodeltester.check(items)
    assert items.index(0, 3).data() == "topic=sums"

    runs = RunsModel()
    runs.set_rows(store.runs(dataset_id))
    runs.active_run_id = max(r.id for r in store.runs(dataset_id))
    qtmodeltester.check(runs)
    assert {runs.index(r, 3).data() for r in range(2)} == {"Running…", "Some errors (resumable)"}

    samples = SamplesModel(store.samples(run_id))
    qtmodeltester.check(samples)
    errors = [samples.index(r, 2) for r in range(3) if samples.index(r, 2).data()]
    assert len(errors) == 1
    assert "HTTP 500: the server is down" in errors[0].data(Qt.ItemDataRole.ToolTipRole)


def test_outcomes_model(qtmodeltester, experiments):
    from ui.experiments.models import OutcomeRow, OutcomesModel

    store, dataset_id, run_id = experiments
    items = {i.id: i for i in store.items(dataset_id)}
    samples = {s.item_id: s for s in store.samples(run_id)}
    rows = [
        OutcomeRow(
            ItemOutcome(item_id="q1", baseline=0.0, variant=1.0, kind="won"),
            items["q1"],
            samples["q1"],
            samples["q1"],
        ),
        OutcomeRow(
            ItemOutcome(item_id="q2", baseline=1.0, variant=0.0, kind="error"),
            items["q2"],
            samples["q2"],
            None,
        ),
        OutcomeRow(
            ItemOutcome(item_id="gone", baseline=0.5, variant=0.5, kind="tie"), None, None, None
        ),
    ]
    model = OutcomesModel(rows)
    qtmodeltester.check(model)
    assert model.index(1, 5).data() == "(no sample)"
    assert model.index(2, 1).data() == "Tie"


def _scenario(id_: int, name: str, framework_id: str) -> ScenarioSummary:
    return ScenarioSummary(
        id=id_,
        name=name,
        framework_id=framework_id,
        notes="team of four",
        version=id_,
        updated_at=datetime(2026, 11, id_, 9, 30, tzinfo=UTC),
        headline=f"{name}: the pick",
        recommendation="build",
    )


def test_open_scenario_search_proxy(qtbot, qtmodeltester):
    from ui.dialogs import OpenScenarioDialog

    dialog = OpenScenarioDialog(
        [
            _scenario(1, "Support bot", "build_vs_buy"),
            _scenario(2, "Search RAG", "rag_vs_finetuning"),
            _scenario(3, "Triage", "model_selection"),
        ]
    )
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.proxy)
    qtbot.keyClicks(dialog.search, "rag")
    assert dialog.proxy.rowCount() == 1
    qtmodeltester.check(dialog.proxy)


def test_model_picker_proxy(qtbot, qtmodeltester):
    from ui.list_editors import ModelPickerDialog

    dialog = ModelPickerDialog(["gpt-4o", "gpt-4o-mini", "claude-3-5-haiku"], ["gpt-4o"])
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.items)
    qtbot.keyClicks(dialog.search, "MINI")
    assert dialog.proxy.rowCount() == 1
    qtmodeltester.check(dialog.proxy)


#: Every item model class of ours and the test that puts it through qtmodeltester. Bases that
#: are only used through a subclass are checked through those.
CHECKED = {
    "RowsTableModel": "base of the row models below",
    "_Model": "base of the Experiments tab's models",
    "ScenarioTableModel": "test_table_models.py",
    "VersionTableModel": "test_table_models.py",
    "DiffTableModel": "test_table_models.py",
    "RecordsModel": "test_table_models.py",
    "CatalogRows": "base of CatalogTableModel",
    "CatalogTableModel": "test_models_tab.py",
    "TraceModel": "test_agents_panel.py",
    "TrialsModel": "test_agents_panel.py",
    "ExperimentsModel": "test_experiment_verdict_text.py",
    "DatasetsModel": "test_experiments_tab_models",
    "ItemsModel": "test_experiments_tab_models",
    "RunsModel": "test_experiments_tab_models",
    "SamplesModel": "test_experiments_tab_models",
    "OutcomesModel": "test_outcomes_model",
    "VariantsModel": "test_variants_page.py",
    "ThresholdsModel": "test_router_page.py",
    "BatchesModel": "test_batches_page.py",
}


def test_every_item_model_is_checked():
    ours = set()
    for info in pkgutil.walk_packages(ui.__path__, "ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, QAbstractItemModel) and cls.__module__.startswith("ui."):
                ours.add(cls.__name__)
    assert ours - set(CHECKED) == set(), "add a qtmodeltester check for the new model"
