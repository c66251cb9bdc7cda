"""The Open dialog's columns fit their content: every example's name whole, one line a row,
the recommendation in the rest of the width (whole in its tooltip)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle

import resources
from operations.scenarios import import_examples
from storage import ScenarioStore
from ui.dialogs import OpenScenarioDialog
from ui.plain_text import tooltip


def _dialog(qtbot, store: ScenarioStore) -> OpenScenarioDialog:
    dialog = OpenScenarioDialog(store.summaries())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _text_width(dialog: OpenScenarioDialog, text: str) -> int:
    table = dialog.table
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table)
    return table.fontMetrics().horizontalAdvance(text) + 2 * margin


def test_every_example_name_fits_and_rows_stay_one_line(qtbot, store: ScenarioStore):
    import_examples(store, resources.example_scenarios())
    dialog = _dialog(qtbot, store)
    assert dialog.width() <= 1280 and dialog.height() <= 800
    table, names = dialog.table, dialog.visible_names()
    assert names
    for name in names:
        assert table.columnWidth(0) >= _text_width(dialog, name), name
    assert table.columnWidth(4) >= 200  # the recommendation keeps a readable width
    assert not table.horizontalScrollBar().isVisible()
    rows = {table.rowHeight(r) for r in range(dialog.proxy.rowCount())}
    assert rows == {table.verticalHeader().defaultSectionSize()}
    full = dialog.proxy.index(0, 4).data()
    assert tooltip(full) == dialog.proxy.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)


def test_a_very_long_name_takes_at_most_half_and_can_be_widened(qtbot, store: ScenarioStore):
    store.create("build_vs_buy", "A plan " * 28, {"training_cost": 1})
    dialog = _dialog(qtbot, store)
    table = dialog.table
    half = table.viewport().width() // 2
    assert table.columnWidth(0) == half
    table.horizontalHeader().resizeSection(0, half + 50)
    assert table.columnWidth(0) == half + 50


def test_history_rows_stay_one_line_without_sideways_scrolling(qtbot, store: ScenarioStore):
    from core.frameworks import build_vs_buy
    from ui.dialogs import HistoryDialog

    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs, None).model_dump(mode="json")
    first = store.create("build_vs_buy", "Plan", inputs.model_dump(mode="json"), result, "")
    note = "The vendor quoted more for the training run after the second review. " * 4
    for cost in (900_000, 1_100_000):
        changed = inputs.model_copy(update={"training_cost": cost}).model_dump(mode="json")
        store.save(first.id or 0, changed, result, note)
    dialog = HistoryDialog("Plan", store.versions(first.id or 0), framework_id="build_vs_buy")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    assert not table.horizontalScrollBar().isVisible()
    assert {table.rowHeight(r) for r in range(3)} == {table.verticalHeader().defaultSectionSize()}
    third = table.viewport().width() // 3
    assert 0 < table.columnWidth(2) <= third and 0 < table.columnWidth(3) <= third
    newest = dialog.model.index(0, 4)
    assert newest.data(Qt.ItemDataRole.ToolTipRole) == tooltip(note)
    assert dialog.model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole) == tooltip(result["headline"])
