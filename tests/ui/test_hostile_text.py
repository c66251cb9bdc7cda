"""Names and texts from a scenario file or a server are shown as text, never as markup.

The attack: a model, task or scenario named `<img src="/dev/zero">` made Qt read the file to
draw the image (4.3 GB until it aborted). Here the image source is a FIFO with no writer: a
watcher process opens its write end whenever something opens it for reading, and logs that,
so the test proves no label, legend or dialog ever tried to load it (without hanging).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import QLabel, QMessageBox

import resources
from core import frameworks
from core.scenario import ScenarioFileError, parse_scenario_file
from storage import StorageError
from tests.ui.conftest import wait_idle
from ui.compare import CompareDialog
from ui.plain_text import html_text, literal_html, tooltip

_WATCHER = """
import os, sys, time
fifo, log = sys.argv[1], sys.argv[2]
while True:
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # no reader yet
        time.sleep(0.002)
        continue
    with open(log, "a") as out:
        out.write("opened\\n")
    os.close(fd)  # the reader sees end of file and carries on
    time.sleep(0.001)
"""


class FifoWatch:
    def __init__(self, fifo: Path, log: Path) -> None:
        self.fifo, self.log = fifo, log

    def opens(self) -> int:
        return self.log.read_text().count("opened") if self.log.exists() else 0


@pytest.fixture
def fifo_watch(tmp_path: Path) -> Iterator[FifoWatch]:
    # A short path: the payload must fit a task name (80 characters).
    short = Path(tempfile.mkdtemp(prefix="aidf", dir="/tmp"))
    fifo, log = short / "i.png", tmp_path / "opened.log"
    os.mkfifo(fifo)
    log.write_text("")
    watcher = subprocess.Popen([sys.executable, "-c", _WATCHER, str(fifo), str(log)])
    try:
        yield FifoWatch(fifo, log)
    finally:
        watcher.kill()
        watcher.wait()
        shutil.rmtree(short)


def _payload(fifo: Path) -> str:
    return f'<img src="{fifo}"><b>bold</b><a href="javascript:1">x</a>'


_NAME_FIELDS = {"name", "model", "monolith_model", "fallback_model", "cheap_model", "strong_model"}


def _hostile(value: object, payload: str, fields: set[str] = _NAME_FIELDS) -> object:
    """An example's inputs with every free-text name replaced by the payload (numbered: a
    framework's names are unique)."""
    count = itertools.count()

    def swap(value: object) -> object:
        if isinstance(value, dict):
            return {
                k: f"{payload}{next(count)}" if k in fields and isinstance(v, str) else swap(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    return swap(value)


def _shows_markup(label: QLabel) -> bool:
    text = label.text()
    fmt = label.textFormat()
    rich = fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and QtGui.mightBeRichText(text)
    )
    return rich and "<img" in text


@pytest.mark.qt_log_ignore("QFile::at")  # Qt failing to seek in the FIFO it opened
def test_the_watcher_sees_a_label_that_loads_the_image(qtbot, fifo_watch) -> None:
    """Control: the attack as it was (a label left to guess) opens the file."""
    label = QLabel()
    qtbot.addWidget(label)
    label.setText(_payload(fifo_watch.fifo))
    label.show()
    qtbot.waitExposed(label)
    qtbot.waitUntil(lambda: fifo_watch.opens() > 0, timeout=5000)


def test_hostile_names_show_literally_in_every_tab(qtbot, window, store, fifo_watch) -> None:
    payload = _payload(fifo_watch.fifo)
    for path in resources.example_scenarios():
        body = json.loads(path.read_text())["scenario"]
        inputs = _hostile(body["inputs"], payload)
        framework = frameworks.get(body["framework_id"])
        try:
            framework.Inputs.model_validate(inputs)
        except ValidationError:  # model names must match the profiles: rename tasks only
            inputs = _hostile(body["inputs"], payload, {"name"})
        scenario = store.create(
            body["framework_id"], f"{payload} {path.stem}", inputs, notes=payload
        )
        window.show_scenario(scenario)
        wait_idle(qtbot, window)
        assert window.tab.scenario is not None and window.tab.scenario.id == scenario.id
        qtbot.wait(10)
        bad = [
            lab.objectName() or type(lab.parent()).__name__
            for lab in window.findChildren(QLabel)
            if _shows_markup(lab)
        ]
        assert bad == [], path.name
        assert fifo_watch.opens() == 0, f"{path.name} opened the image file"
    assert payload in window.statusBar().currentMessage()
    assert payload in window.windowTitle()


def test_a_model_named_like_markup_is_the_badge_text_and_legend_is_escaped(
    qtbot, window, store, fifo_watch
) -> None:
    from core.frameworks import model_selection

    payload = _payload(fifo_watch.fifo)
    inputs = model_selection.Inputs().model_dump(mode="json")
    for c in inputs["candidates"]:
        c["accuracy"] = 0.5
    inputs["candidates"][0].update(name=payload, accuracy=0.99)
    window.show_scenario(store.create(model_selection.ID, "hostile", inputs))
    wait_idle(qtbot, window)
    card = window.tab.card
    assert card.badge.text() == payload
    assert card.badge.textFormat() == Qt.TextFormat.PlainText
    legend = window.tab.panel.weight_map.legend
    texts = [label.text for _, label in legend.items]
    assert html_text(payload) in texts
    assert fifo_watch.opens() == 0


@pytest.mark.parametrize("framework_id", ["model_selection", "architecture_patterns"])
def test_compare_shows_hostile_scenario_names_literally(
    qtbot, window, store, fifo_watch, framework_id
) -> None:
    payload = _payload(fifo_watch.fifo)
    tab = window.tab_for(framework_id)
    window.tabs.setCurrentWidget(tab)
    inputs = _hostile(tab.framework.Inputs().model_dump(mode="json"), payload, {"name"})
    store.create(framework_id, f"{payload} A", inputs)
    store.create(framework_id, f"{payload} B", inputs)
    window.act_compare.trigger()
    wait_idle(qtbot, window)
    dialog = next(d for d in window.findChildren(CompareDialog) if d.isVisible())
    qtbot.wait(10)
    assert [lab.objectName() for lab in dialog.findChildren(QLabel) if _shows_markup(lab)] == []
    assert html_text(f"{payload} A") in dialog.summary.text()
    assert fifo_watch.opens() == 0
    dialog.close()


def test_agent_trial_status_shows_a_servers_error_text_literally(qtbot, window, fifo_watch):
    tab = window.tab_for("agents")
    window.tabs.setCurrentWidget(tab)
    trial = tab.panel.trial
    error = f"HTTP 500: {_payload(fifo_watch.fifo)}"
    trial._failed(RuntimeError(error))
    qtbot.wait(10)
    assert trial.status.text() == f"The trial could not finish: {error}"
    assert trial.status.textFormat() == Qt.TextFormat.PlainText
    assert fifo_watch.opens() == 0


def test_error_box_shows_its_text_literally(qtbot, window, fifo_watch) -> None:
    text = _payload(fifo_watch.fifo)
    window.error("Could not export", text)
    box = next(b for b in window.findChildren(QMessageBox) if b.objectName() == "errorBox")
    qtbot.wait(10)
    assert box.text() == text and box.textFormat() == Qt.TextFormat.PlainText
    assert fifo_watch.opens() == 0
    box.close()


def test_tooltips_and_prompts_escape_and_always_read_as_rich_text() -> None:
    """A wrapped text is always rich (so its escapes resolve) and shows the original."""
    from PySide6.QtGui import QTextDocument

    for text in ["<b>bold</b>", "a & b", "plain", 'x\n<img src="/dev/zero">']:
        wrapped = tooltip(text)
        assert QtGui.mightBeRichText(wrapped)
        doc = QTextDocument()
        doc.setHtml(wrapped)
        assert doc.toPlainText() == text
    assert literal_html("") == ""


def test_names_with_invisible_controls_are_refused_at_save_and_import(store) -> None:
    """Bidi overrides and NUL in a name would reorder or hide what every list shows."""
    for name in ["invoice\u202etxt.exe", "a\x00b", "x\u2066y\u2069", "left\u200fright"]:
        with pytest.raises(StorageError, match="invisible control characters"):
            store.create("build_vs_buy", name, {})
    ok = store.create("build_vs_buy", "मनुष्य\u200dनाम", {})  # a joiner shapes the script
    with pytest.raises(StorageError, match="U\\+202E"):
        store.rename(ok.id, "b\u202ead")
    payload = {
        "format": "aidf-scenario",
        "format_version": 1,
        "scenario": {"name": "evil\u202e", "framework_id": "build_vs_buy", "inputs": {}},
    }
    with pytest.raises(ScenarioFileError, match="invisible control characters"):
        parse_scenario_file(json.dumps(payload), {"build_vs_buy"})


def test_notes_name_the_invisible_controls_they_keep(qtbot, window) -> None:
    """Notes are kept as written (a note is no name); the tab says what the editor cannot show."""
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    tab.notes.setPlainText("invoice\u202etxt.exe and a\x00b")
    qtbot.waitUntil(tab.notes_hidden.isVisible, timeout=5000)
    assert "U+202E, U+0000" in tab.notes_hidden.text()
    assert tab.notes.toPlainText() == "invoice\u202etxt.exe and a\x00b"
    tab.notes.setPlainText("plain again")
    qtbot.waitUntil(lambda: not tab.notes_hidden.isVisible(), timeout=5000)
    tab.forget_changes()


def test_a_servers_error_with_markup_stays_text_in_the_trial(
    qtbot, tmp_path: Path, llm_server, fifo_watch: FifoWatch
) -> None:
    """The real path: the local server answers HTTP 500 with an image tag as its error text."""
    from core.frameworks import agents
    from storage import TraceStore
    from tests.llm_server import Reply
    from ui.plots.agents import AgentsPanel
    from ui.services import AppServices
    from ui.tasks import TaskRunner

    payload = _payload(fifo_watch.fifo)
    db_path = tmp_path / "trials.sqlite3"
    TraceStore(db_path).close()
    services = AppServices(TaskRunner(), db_path)
    panel = AgentsPanel(services=services)
    qtbot.addWidget(panel)
    panel.update_result(agents.compute(agents.Inputs()))
    panel.show()
    qtbot.waitExposed(panel)
    llm_server.set_default(Reply(status=500, error_message=payload, retry_after_s=0))
    trial = panel.trial
    assert trial is not None
    trial.task_edit.setPlainText("What is 6 times 7?")
    trial.model_edit.setText("test-model")
    trial.base_url_edit.setText(llm_server.url)
    qtbot.mouseClick(trial.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.runner.pending == 0, timeout=60_000)
    qtbot.wait(10)
    assert payload in trial.status.text()
    assert trial.status.textFormat() == Qt.TextFormat.PlainText
    step_tip = trial.trace.index(0, 3).data(Qt.ItemDataRole.ToolTipRole)
    assert html_text(payload) in step_tip and "<img" not in step_tip
    assert fifo_watch.opens() == 0
