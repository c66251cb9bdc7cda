"""The Models tab's benchmark-table import: the HELM table and column chosen, each row's match
reviewed (fixed, skipped), the import saved as a source, remembered matches prefilled, and the
source in use chosen on the tab."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox

from core.catalog import Catalog, ModelInfo
from storage import CatalogStore
from ui.models.columns import COL_QUALITY
from ui.models.score_import import COL_HOW, COL_ID, COL_NAME, SKIP, ScoreImportDialog
from ui.models.tab import ModelsTab
from ui.tasks import TaskRunner

DATA = Path(__file__).parent.parent / "data" / "scores"
HELM = DATA / "helm_lite_core_scenarios.json"
ARENA = DATA / "arena_leaderboard.csv"
LLAMA = "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo"
IDS = [
    "gpt-4o",
    "gpt-4o-2024-05-13",
    "gpt-4o-mini",
    "gpt-4o-mini-2024-07-18",
    "claude-3-5-sonnet-20240620",
    LLAMA,
]
PUBLIC = Catalog(
    [
        ModelInfo(id=i, provider="p", input_cost_per_token=1e-6, output_cost_per_token=2e-6)
        for i in IDS
    ],
    source="test map",
)


@pytest.fixture
def tab(qtbot, tmp_path: Path) -> Iterator[ModelsTab]:
    store = CatalogStore(tmp_path / "models.sqlite3")
    runner = TaskRunner()
    widget = ModelsTab(store, runner, None)
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.waitSignal(widget.catalog_edited, timeout=10_000):
        widget.set_catalog(PUBLIC)
    yield widget
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    store.close()


def _open(qtbot, tab: ModelsTab, path: Path) -> ScoreImportDialog:
    """The review dialog once the file is read and matched (in the background)."""
    tab.import_score_table(path)
    qtbot.waitUntil(lambda: tab.runner.pending == 0, timeout=10_000)
    assert tab.score_dialog is not None
    return tab.score_dialog


def _combo(dialog: ScoreImportDialog, row: int) -> QComboBox:
    combo = dialog.rows.cellWidget(row, COL_ID)
    assert isinstance(combo, QComboBox)
    return combo


def _row_of(dialog: ScoreImportDialog, name: str) -> int:
    for i in range(dialog.rows.rowCount()):
        if dialog.rows.item(i, COL_NAME).text() == name:
            return i
    raise AssertionError(name)


def _cell(tab: ModelsTab, model_id: str, column: int) -> str:
    row = tab.table_model.row_of(model_id)
    assert row is not None
    return tab.table_model.index(row, column).data()


def test_review_fix_skip_and_import_a_helm_table(qtbot, tab: ModelsTab) -> None:
    dialog = _open(qtbot, tab, HELM)
    assert dialog.isVisible()
    assert dialog.table_choice.currentText() == "Accuracy"
    assert dialog.score_column.currentText() == "Mean win rate"
    assert (
        dialog.rule.text()
        == "Scores: helm_lite_core_scenarios: Accuracy: Mean win rate (read as 0..1)"
    )
    # Labels never read outside text as markup.
    assert all(
        label.textFormat() == Qt.TextFormat.PlainText
        for label in (dialog.rule, dialog.problem, dialog.summary)
    )
    llama = _row_of(dialog, "Llama 3.1 Instruct Turbo (70B)")
    assert _combo(dialog, llama).currentText() == SKIP
    assert dialog.rows.item(llama, COL_HOW).text() == "not matched"
    assert _combo(dialog, llama).itemText(1) == LLAMA  # the best suggestion first
    assert dialog.summary.text().startswith("3 of 4 rows matched to a catalog model; 1 rows")

    _combo(dialog, llama).setCurrentText(LLAMA)
    assert dialog.rows.item(llama, COL_HOW).text() == "your choice"
    _combo(dialog, _row_of(dialog, "GPT-4o mini (2024-07-18)")).setCurrentText(SKIP)
    _combo(dialog, _row_of(dialog, "GPT-4o (2024-05-13)")).setCurrentText("no-such-model")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled() and "Not in the catalog: no-such-model" in dialog.summary.text()
    _combo(dialog, _row_of(dialog, "GPT-4o (2024-05-13)")).setCurrentText("gpt-4o-2024-05-13")
    dialog.source.setText("HELM Lite")
    assert ok.isEnabled()
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
        ok.click()
    qtbot.waitUntil(lambda: tab.runner.pending == 0, timeout=10_000)

    scores = tab.store.sourced_scores()
    assert sorted(scores) == ["claude-3-5-sonnet-20240620", "gpt-4o-2024-05-13", LLAMA]
    assert tab.store.remembered_names() == {"Llama 3.1 Instruct Turbo (70B)": LLAMA}
    assert _cell(tab, LLAMA, COL_QUALITY).startswith("0.81 (imported")
    assert tab.report_dialog is not None
    report = tab.report_dialog.text.toPlainText()
    assert report.startswith("HELM Lite: Accuracy: Mean win rate (read as 0..1)")
    assert "Jurassic-2 Grande (17B): no number in 'Mean win rate'" in report

    # The next import of the file finds the remembered match.
    again = _open(qtbot, tab, HELM)
    assert again is not dialog
    row = _row_of(again, "Llama 3.1 Instruct Turbo (70B)")
    assert _combo(again, row).currentText() == LLAMA
    assert again.rows.item(row, COL_HOW).text() == "matched before"
    again.reject()


def test_another_table_and_a_lower_is_better_column(qtbot, tab: ModelsTab) -> None:
    dialog = _open(qtbot, tab, HELM)
    dialog.table_choice.setCurrentText("Efficiency")
    qtbot.waitUntil(lambda: tab.runner.pending == 0, timeout=10_000)
    assert dialog.score_column.currentText() == "Mean win rate"
    # The inference-time column is lower-is-better: not offered as a quality score.
    columns = [dialog.score_column.itemText(i) for i in range(dialog.score_column.count())]
    assert columns == ["Mean win rate"]
    tip = dialog.score_column.toolTip()
    assert "Not offered, lower is better (a time or a cost): " in tip
    assert "NarrativeQA - Observed inference time (s)" in tip
    assert dialog.rows.rowCount() == 2
    dialog.reject()


def test_the_source_in_use_is_chosen_on_the_tab(qtbot, tab: ModelsTab) -> None:
    for path, source in ((HELM, "HELM Lite"), (ARENA, "LMArena")):
        dialog = _open(qtbot, tab, path)
        dialog.source.setText(source)
        with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: tab.runner.pending == 0, timeout=10_000)
    combo = tab.quality_source
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items == ["each model's latest score", "HELM Lite (3 models)", "LMArena (3 models)"]
    assert _cell(tab, "gpt-4o-2024-05-13", COL_QUALITY) == "0.84 (imported)"
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
        combo.setCurrentIndex(1)
        combo.activated.emit(1)
    qtbot.waitUntil(lambda: tab.runner.pending == 0, timeout=10_000)
    assert tab.store.quality_source() == "HELM Lite"
    assert _cell(tab, "gpt-4o-2024-05-13", COL_QUALITY) == "0.94 (imported)"
    assert tab.quality_source.currentText() == "HELM Lite (3 models)"
    # Both sources side by side in the quality cell's tooltip, the one in use marked.
    row = tab.table_model.row_of("gpt-4o-2024-05-13")
    assert row is not None
    tip = tab.table_model.index(row, COL_QUALITY).data(Qt.ItemDataRole.ToolTipRole)
    assert "Scores by source:" in tip
    assert "HELM Lite: Accuracy: Mean win rate: 0.938 (0..1) → 0.938" in tip
    assert "LMArena: Arena Score: 1285 Elo → 0.838" in tip
    assert re.search(r"Mean win rate: 0\.938 \(0\.\.1\) → 0\.938, [\d-]{10} \(in use\)", tip)
    assert tip.count("(in use)") == 1


def test_a_file_that_is_not_a_table_says_why(qtbot, tab: ModelsTab, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("name,value\nx,1\n", encoding="utf-8")
    dialog = _open(qtbot, tab, path)
    assert "no score column found" in dialog.problem.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.reject()
