"""Log to MLflow… from the Experiments pages and the File menu: the record reaches a real MLflow
server (tests/mlflow_server.py) through the worker threads, the menu names a tracker that is
not installed with its install command, and the settings dialog keeps the tracking URI."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QMessageBox

import ui.tracking
from core.evaluation import DatasetItem, Sample, Variant
from storage.experiments import ExperimentStore
from tests.ui.conftest import wait_idle
from ui.experiments.workbench import Workbench
from ui.services import AppServices
from ui.tasks import TaskRunner
from ui.tracking import SETTING_KEYS, TrackingDialog

mlflow = pytest.importorskip("mlflow")
Yes = QMessageBox.StandardButton.Yes


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the message boxes said (information and warning), in order; questions say Yes."""
    said: list[str] = []

    def tell(_parent: Any, _title: str, text: str, *_a: Any, **_k: Any) -> None:
        document = QTextDocument()
        document.setHtml(text)
        said.append(document.toPlainText())

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: Yes)
    for name in ("information", "warning"):
        monkeypatch.setattr(QMessageBox, name, tell)
    return said


@pytest.fixture
def bench(qtbot: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    path = tmp_path / "experiments.sqlite3"
    items = [
        DatasetItem(id=f"q{i}", input=f"q {i}", expected="a", fields={"t": request.node.name})
        for i in range(3)
    ]
    with ExperimentStore(path) as store:
        dataset = store.add_dataset("ui set", items)
        store.import_run(
            dataset.id,
            Variant(name="imported", model="m"),
            [Sample(item_id=f"q{i}", output="a") for i in range(3)],
            name="imported",
        )
    runner = TaskRunner()
    services = AppServices(runner, path)
    workbench = Workbench(services)
    qtbot.addWidget(workbench)
    qtbot.waitUntil(lambda: runner.pending == 0 and bool(workbench.runs), timeout=10_000)
    yield workbench
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=60_000)


def _menu(page: Any) -> Any:
    return page.findChild(ui.tracking.TrackingMenu, "tracking_menu")


def test_the_runs_page_logs_the_selected_run_to_mlflow(
    qtbot: Any, bench: Any, told: list[str], mlflow_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    page = bench.run_page
    menu = _menu(page)
    menu.tool_actions["mlflow"].trigger()
    assert told == ["Select something to log first."]
    page.runs_view.selectRow(0)
    run = page.selected_run()
    menu.tool_actions["mlflow"].trigger()
    qtbot.waitUntil(lambda: len(told) == 2, timeout=60_000)
    assert f"Logged run {run.id} (imported) to MLflow as run " in told[1]
    mlflow_run_id = told[1].split(" as run ", 1)[1].split(".", 1)[0]
    logged = mlflow.tracking.MlflowClient(mlflow_server).get_run(mlflow_run_id)
    assert logged.data.tags["run_id"] == str(run.id)
    assert logged.data.metrics["exact_match_mean"] == 1.0


def test_a_missing_tracker_is_named_with_its_install_command(
    qtbot: Any, bench: Any, told: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The menu says how to install an extra it cannot find; and should the import still
    fail when logging, the message says it too."""
    menu = _menu(bench.history_page)
    monkeypatch.setattr(ui.tracking, "installed", lambda tool: tool != "mlflow")
    menu.refresh()
    action = menu.tool_actions["mlflow"]
    assert "pip install 'ai-decision-frameworks[mlflow]'" in action.text()
    assert not action.isEnabled() and menu.tool_actions["wandb"].isEnabled()

    real_import = builtins.__import__

    def no_mlflow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "mlflow" or name.startswith("mlflow."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mlflow)
    page = bench.run_page
    page.runs_view.selectRow(0)
    _menu(page).log_to("mlflow")
    qtbot.waitUntil(lambda: bool(told), timeout=30_000)
    assert "pip install 'ai-decision-frameworks[mlflow]'" in told[0]


def test_the_file_menu_logs_the_saved_decision(
    qtbot: Any,
    window: Any,
    told: list[str],
    answer_prompts: Any,
    mlflow_server: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    window.tracking_menu.log_to("mlflow")
    assert told == ["Select something to log first."]
    answer_prompts(text="Decided plan")
    window.act_save.trigger()
    wait_idle(qtbot, window)
    window.tracking_menu.log_to("mlflow")
    qtbot.waitUntil(lambda: len(told) == 2, timeout=60_000)
    assert "Logged the decision 'Decided plan' (its latest saved version) to MLflow" in told[1]
    mlflow_run_id = told[1].split(" as run ", 1)[1].split(".", 1)[0]
    tags = mlflow.tracking.MlflowClient(mlflow_server).get_run(mlflow_run_id).data.tags
    assert (tags["scenario"], tags["framework"]) == ("Decided plan", "build_vs_buy")


def test_the_settings_dialog_keeps_the_tracking_uri(qtbot: Any, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    dialog = TrackingDialog(settings, tmp_path / "aidf.sqlite3")
    qtbot.addWidget(dialog)
    assert dialog.mlflow_edit.placeholderText() == f"sqlite:///{tmp_path / 'mlflow.db'}"
    dialog.mlflow_edit.setText("  http://mlflow.team:5000  ")
    dialog.accept()
    assert settings.value(SETTING_KEYS["mlflow"]) == "http://mlflow.team:5000"
    assert ui.tracking.saved_target(settings, "wandb") == ""
