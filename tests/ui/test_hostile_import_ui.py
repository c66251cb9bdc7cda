"""The window's import paths with hostile files (issue 14, items 7 and 8): a scenario file or
dataset that is /dev/zero behind a symlink, a FIFO, or holds a 4,301-digit integer gives a clear
message and stores nothing. A regression reading /dev/zero would fill memory; the message is
checked word for word, so a hang or a crash fails the test by timeout or by its text."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from core.frameworks import experiments
from storage.experiments import ExperimentStore
from tests.ui.conftest import wait_idle
from ui.experiments.plots import ExperimentsPanel
from ui.services import AppServices
from ui.tasks import TaskRunner

HUGE = "1" + "0" * 4300
SCENARIO = {
    "format": "aidf-scenario",
    "format_version": 1,
    "app_version": "0.1.0",
    "scenario": {"name": "Big", "framework_id": "build_vs_buy", "inputs": {"seed": 0}},
}


def _hostile(kind: str, folder: Path, name: str) -> tuple[Path, str]:
    """The file, and the reason the import gives for it."""
    path = folder / name
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
        return path, "is a device, not a regular file"
    if kind == "fifo":
        os.mkfifo(path)
        return path, "is a pipe, not a regular file"
    if name.endswith(".json"):
        path.write_text(json.dumps(SCENARIO).replace('"seed": 0', f'"seed": {HUGE}'))
    else:
        path.write_text(f'{{"input": "a", "expected": "b", "n": {HUGE}}}\n')
    return path, "a number in the file has more than 4,300 digits"


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "big-integer"])
def test_import_scenario_file_refuses_it_and_stores_nothing(
    kind: str, qtbot, window, store, tmp_path: Path
) -> None:
    path, reason = _hostile(kind, tmp_path, "scenario.json")
    window.import_scenario_file(str(path))
    wait_idle(qtbot, window)
    box = window.findChild(QMessageBox, "errorBox")
    assert box is not None
    assert box.text() == f"Could not import {path}: {reason.replace('is a', 'it is a')}."
    assert store.count() == 0


@pytest.fixture
def services(tmp_path: Path):
    path = tmp_path / "experiments.sqlite3"
    ExperimentStore(path).close()
    runner = TaskRunner()
    yield AppServices(runner, path)
    assert runner.pending == 0


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "big-integer"])
def test_import_dataset_refuses_it_and_stores_nothing(
    kind: str, qtbot, services: AppServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: shown.append(text))
    panel = ExperimentsPanel(services=services)
    qtbot.addWidget(panel)
    panel.update_result(experiments.compute(experiments.Inputs()))
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.workbench is not None
    page = panel.workbench.datasets_page
    path, reason = _hostile(kind, tmp_path, "data.jsonl")
    page.import_file(str(path), ask=False)
    qtbot.waitUntil(lambda: services.runner.pending == 0, timeout=10_000)
    assert page.status.text().startswith("Not imported: ")
    assert reason in page.status.text()
    assert len(shown) == 1
    # The box may wrap the text in escaped HTML (plain text shown as text): compare the text.
    text = html.unescape(re.sub(r"<[^>]*>", "", shown[0]))
    assert text.startswith("'data.jsonl'")
    assert reason in text
    with ExperimentStore(services.db_path) as store:
        assert store.datasets() == []
