"""The Models tab's "Measure latency…": the confirming dialog with its estimate, the probe on a
worker with progress and Cancel, and the measured profile saved and shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton

from core.catalog import Catalog, load_catalog
from core.frameworks.common import count
from storage import CatalogStore
from tests.llm_server import LlmTestServer, Reply
from ui.models.columns import COL_TTFT
from ui.models.probe import ProbeDialog
from ui.models.tab import ModelsTab
from ui.tasks import TaskRunner

MODEL = "gpt-4o-mini"


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return load_catalog(tmp_path_factory.mktemp("catalog-cache"))


@pytest.fixture
def tab(qtbot, tmp_path: Path, public: Catalog) -> Iterator[ModelsTab]:
    with CatalogStore(tmp_path / "models.sqlite3") as store:
        runner = TaskRunner()
        widget = ModelsTab(store, runner, None)
        qtbot.addWidget(widget)
        widget.resize(1200, 700)
        widget.show()
        with qtbot.waitSignal(widget.catalog_edited, timeout=10_000):
            widget.set_catalog(public)
        assert widget.select_model(MODEL)
        yield widget
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=30_000)


def _answer_dialog(
    monkeypatch: pytest.MonkeyPatch,
    server: LlmTestServer,
    shown: list[str],
    answer: QDialog.DialogCode = QDialog.DialogCode.Accepted,
) -> None:
    """The dialog, filled in as a user would, then Measure (or Cancel)."""

    def answered(dialog: ProbeDialog) -> QDialog.DialogCode:
        dialog.api_base.setText(server.url)
        dialog.requests.setValue(3)
        dialog.input_tokens.setValue(50)
        dialog.output_tokens.setValue(8)
        shown.append(dialog.estimate.text())
        return answer

    monkeypatch.setattr(ProbeDialog, "exec", answered)


def test_measure_latency_asks_with_the_estimate_then_saves_and_shows_the_profile(
    qtbot, tab: ModelsTab, llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_server.set_default(Reply(first_token_s=0.02, tokens_per_s=400))
    shown: list[str] = []
    _answer_dialog(monkeypatch, llm_server, shown)
    assert tab.probe_button.isEnabled()

    with qtbot.waitSignal(tab.catalog_edited, timeout=30_000):
        tab.probe_button.click()
        assert tab.probe_progress is not None and tab.probe_progress.isVisible()
        assert not tab.probe_button.isEnabled()  # one probe at a time

    assert "3 streamed requests of about 50 input and 8 output tokens" in shown[0]
    assert "estimated cost $" in shown[0]
    assert tab.catalog is not None
    profile = tab.catalog.get(MODEL).latency
    assert profile is not None and profile.source == "measured" and profile.requests == 3
    qtbot.waitUntil(lambda: tab.message.text().startswith(f"Measured {MODEL}: first token"))
    assert tab.probe_progress is None and tab.probe_button.isEnabled()
    row = tab.table_model.row_of(MODEL)
    assert row is not None
    cell = tab.table_model.index(row, COL_TTFT)
    assert cell.data() == count(profile.ttft_ms)  # the one count formatter: 28.4, 412
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "Source: measured, " in tip
    assert "p95: first token " in tip
    assert "Measured with 3 streamed requests of about 10 input and 8 output tokens" in tip
    assert tab.report_dialog is not None  # each request, in a report


def test_declining_the_dialog_sends_nothing(
    tab: ModelsTab, llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answer_dialog(monkeypatch, llm_server, [], QDialog.DialogCode.Rejected)
    tab.probe_button.click()
    assert tab.probe_progress is None
    assert llm_server.requests == []


def test_cancel_abandons_a_stalled_stream_and_saves_nothing(
    qtbot, tab: ModelsTab, llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_server.reply(Reply("warm"))
    llm_server.set_default(Reply(stall_after=1))
    _answer_dialog(monkeypatch, llm_server, [])
    tab.probe_button.click()
    qtbot.waitUntil(lambda: len(llm_server.recorded) >= 2, timeout=30_000)
    progress = tab.probe_progress
    assert progress is not None

    button = progress.findChild(QPushButton)
    assert button is not None and button.text() == "Cancel"
    button.click()

    qtbot.waitUntil(lambda: not tab.probing, timeout=30_000)
    assert tab.message.text() == "Cancelled after 0 of 3 requests. Nothing was saved."
    assert tab.catalog is not None and tab.catalog.get(MODEL).latency is None
    assert len(llm_server.recorded) == 2  # the warm-up and the stalled one, nothing after


def test_a_servers_error_shows_as_text_never_markup(
    qtbot, tab: ModelsTab, llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_server.set_default(Reply(status=404, error_message="<b>no such model</b>"))
    _answer_dialog(monkeypatch, llm_server, [])
    tab.probe_button.click()
    qtbot.waitUntil(lambda: tab.report_dialog is not None, timeout=30_000)

    assert tab.message.text() == f"Nothing was measured for {MODEL}: see the report."
    assert tab.message.textFormat() == Qt.TextFormat.PlainText
    assert tab.report_dialog is not None
    assert "<b>no such model</b>" in tab.report_dialog.text.toPlainText()
    assert tab.catalog is not None and tab.catalog.get(MODEL).latency is None
