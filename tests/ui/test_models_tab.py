"""The Models tab: filters over the whole catalog, inline edits saved to SQLite, custom models."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QMessageBox

from core.catalog import Catalog, ModelInfo, PriceOverride, QualityScore, load_catalog
from storage import CatalogStore, StorageError
from ui.models.columns import COL_CONTEXT, COL_ID, COL_INPUT, COL_QUALITY, COL_SPEED, COL_TTFT
from ui.models.dialogs import CustomModelDialog
from ui.models.tab import ModelsTab
from ui.models.table_model import CatalogTableModel
from ui.tasks import TaskRunner


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return load_catalog(tmp_path_factory.mktemp("catalog-cache"))


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "models.sqlite3"


@pytest.fixture
def catalog_store(db_file: Path) -> Iterator[CatalogStore]:
    with CatalogStore(db_file) as opened:
        yield opened


@pytest.fixture
def tab(qtbot, catalog_store: CatalogStore, public: Catalog) -> Iterator[ModelsTab]:
    runner = TaskRunner()
    widget = ModelsTab(catalog_store, runner, None)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    with qtbot.waitSignal(widget.catalog_edited, timeout=10_000):
        widget.set_catalog(public)
    yield widget
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)


def _idle(qtbot, tab: ModelsTab) -> None:
    qtbot.waitUntil(lambda: tab.runner.pending == 0, timeout=10_000)


def _edit_cell(qtbot, tab: ModelsTab, model_id: str, column: int, text: str) -> None:
    """Type into the cell's editor as a user would: double-click opens it, Enter commits."""
    assert tab.select_model(model_id)
    index = tab.table_model.index(tab.table_model.row_of(model_id) or 0, column)
    tab.table.setCurrentIndex(index)
    tab.table.edit(index)
    # A closed editor lingers until deleted later: the open one is the visible one.
    editors = [e for e in tab.table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1, "the cell opened no editor"
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits on a queued call, as after a real key press; Qt may delete the
    # closed editor at once or later.
    qtbot.waitUntil(lambda: not shiboken6.isValid(editor) or not editor.isVisible(), timeout=2_000)


def _cell(tab: ModelsTab, model_id: str, column: int) -> str:
    row = tab.table_model.row_of(model_id)
    assert row is not None
    return tab.table_model.index(row, column).data()


# The table model


def test_table_model_passes_the_model_tester(qtmodeltester, public: Catalog) -> None:
    models = public.models[:60] + [
        ModelInfo(
            id="our-llama",
            provider="custom",
            custom=True,
            input_cost_per_token=0,
            output_cost_per_token=0,
            quality=QualityScore(score=0.5, source="example"),
        ),
        public.models[0].model_copy(update={"id": "x-over", "price_overridden": True}),
    ]
    model = CatalogTableModel(models, public)
    qtmodeltester.check(model)
    model.set_filter("gpt")
    model.sort(COL_INPUT, Qt.SortOrder.DescendingOrder)
    model.set_filter("", has_quality=True)
    qtmodeltester.check(model)
    assert model.visible_ids() == ["our-llama"]


def test_sorting_puts_empty_cells_last_either_way(public: Catalog) -> None:
    model = CatalogTableModel(public.models, public)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(COL_CONTEXT, order)  # some models have no context size
        values = [model.model_at(r).max_input_tokens for r in range(model.rowCount())]
        present = [v for v in values if v is not None]
        assert values[: len(present)] == present, "no empty cell before a filled one"
        assert present == sorted(present, reverse=order == Qt.SortOrder.DescendingOrder)


# Filters


def test_typing_in_the_filter_narrows_the_rows(
    qtbot, tab: ModelsTab, public: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tab.table_model.rowCount() == len(public)
    timings = []
    for ch in "gpt-4o-mini":
        qtbot.keyClicks(tab.search, ch)
        timings.append(tab.last_filter_ms)
    shown = tab.table_model.visible_ids()
    assert "gpt-4o-mini" in shown
    assert all("gpt-4o-mini" in i.casefold() for i in shown)
    assert len(shown) < len(public) / 10
    assert tab.status.text().startswith(f"{len(shown):,} of {len(public):,} models")

    qtbot.keyClicks(tab.search, " azure")  # every word must match
    assert tab.table_model.visible_ids() and all(
        "azure" in i for i in tab.table_model.visible_ids()
    )
    tab.search.clear()
    assert tab.table_model.rowCount() == len(public)
    with capsys.disabled():
        print(
            f"\n[models tab] filter per keystroke over {len(public)} models: median "
            f"{statistics.median(timings):.1f} ms, max {max(timings):.1f} ms"
        )


def test_provider_and_capability_filters(qtbot, tab: ModelsTab, public: Catalog) -> None:
    tab.provider.setCurrentText("anthropic")
    shown = tab.table_model.visible_ids()
    expected = {m.id for m in public if m.provider == "anthropic"}
    assert shown and set(shown) == expected

    tab.tools.setChecked(True)
    tab.vision.setChecked(True)
    assert set(tab.table_model.visible_ids()) == {
        m.id
        for m in public
        if m.provider == "anthropic" and m.supports_function_calling and m.supports_vision
    }
    tab.provider.setCurrentIndex(0)
    tab.tools.setChecked(False)
    tab.vision.setChecked(False)
    tab.has_quality.setChecked(True)
    assert tab.table_model.rowCount() == 0
    tab.has_quality.setChecked(False)
    assert tab.table_model.rowCount() == len(public)


# Inline edits


def test_an_inline_quality_edit_lands_in_sqlite(
    qtbot, tab: ModelsTab, db_file: Path, public: Catalog
) -> None:
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000) as edited:
        _edit_cell(qtbot, tab, "gpt-4o-mini", COL_QUALITY, "0.77")
    assert edited.args[0].get("gpt-4o-mini").quality.score == 0.77
    with CatalogStore(db_file) as second:
        saved = second.user_data().quality["gpt-4o-mini"]
    assert (saved.score, saved.source, saved.date) == (0.77, "entered", dt.date.today())
    assert _cell(tab, "gpt-4o-mini", COL_QUALITY) == "0.77 (entered)"
    assert tab.catalog is not None and tab.catalog.get("gpt-4o-mini").quality == saved

    # A percentage works too, and an empty cell removes the score.
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
        _edit_cell(qtbot, tab, "gpt-4o-mini", COL_QUALITY, "85%")
    assert tab.store.user_data().quality["gpt-4o-mini"].score == 0.85
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
        _edit_cell(qtbot, tab, "gpt-4o-mini", COL_QUALITY, "")
    assert "gpt-4o-mini" not in tab.store.user_data().quality


def test_a_save_finishing_while_another_cell_is_edited_keeps_that_editor(
    qtbot, tab: ModelsTab
) -> None:
    model = tab.table_model
    assert tab.select_model("gpt-4o")
    open_index = model.index(model.row_of("gpt-4o") or 0, COL_QUALITY)
    tab.table.setCurrentIndex(open_index)
    tab.table.edit(open_index)
    editors = [e for e in tab.table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    # Another change is saved and merged in the background meanwhile.
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
        model.setData(model.index(model.row_of("gpt-4o-mini") or 0, COL_QUALITY), "0.5")
    assert editors[0].isVisible(), "the refresh must not close the open editor"
    qtbot.keyClicks(editors[0], "0.6")
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
        qtbot.keyClick(editors[0], Qt.Key.Key_Return)
    _idle(qtbot, tab)
    saved = tab.store.user_data().quality
    assert (saved["gpt-4o"].score, saved["gpt-4o-mini"].score) == (0.6, 0.5)
    qtbot.waitUntil(lambda: _cell(tab, "gpt-4o", COL_QUALITY) == "0.60 (entered)")
    assert _cell(tab, "gpt-4o-mini", COL_QUALITY) == "0.50 (entered)"


def test_an_invalid_edit_is_refused_with_a_message(qtbot, tab: ModelsTab) -> None:
    with qtbot.assertNotEmitted(tab.catalog_edited, wait=200):
        _edit_cell(qtbot, tab, "gpt-4o-mini", COL_QUALITY, "1.7")
        _edit_cell(qtbot, tab, "gpt-4o-mini", COL_TTFT, "-5")
    assert "not valid here" in tab.message.text()
    assert tab.store.user_data().quality == {}
    assert _cell(tab, "gpt-4o-mini", COL_QUALITY) == ""


def test_latency_needs_both_halves_before_it_is_saved(qtbot, tab: ModelsTab) -> None:
    with qtbot.assertNotEmitted(tab.catalog_edited, wait=100):
        _edit_cell(qtbot, tab, "gpt-4o", COL_TTFT, "420")
    assert "tokens/s" in tab.message.text()
    assert _cell(tab, "gpt-4o", COL_TTFT) == "420"
    assert tab.store.user_data().latency == {}
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
        _edit_cell(qtbot, tab, "gpt-4o", COL_SPEED, "95")
    saved = tab.store.user_data().latency["gpt-4o"]
    assert (saved.ttft_ms, saved.output_tokens_per_second, saved.source) == (420, 95, "entered")


def test_a_price_edit_overrides_and_reset_restores(qtbot, tab: ModelsTab, public: Catalog) -> None:
    original = public.get("gpt-4o-mini").input_cost_per_token
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000) as edited:
        _edit_cell(qtbot, tab, "gpt-4o-mini", COL_INPUT, "0.2")
    merged = edited.args[0].get("gpt-4o-mini")
    assert merged.price_overridden and merged.input_cost_per_token == pytest.approx(2e-7)
    assert tab.store.user_data().overrides["gpt-4o-mini"] == PriceOverride(
        input_cost_per_token=merged.input_cost_per_token
    )
    assert tab.select_model("gpt-4o-mini")
    assert tab.reset_button.isEnabled()
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000) as reset:
        tab.reset_button.click()
    assert reset.args[0].get("gpt-4o-mini").input_cost_per_token == original
    assert tab.store.user_data().overrides == {}


# Custom models


def _fill_dialog(dialog: CustomModelDialog, model_id: str, input_price: str) -> None:
    dialog.model_id.setText(model_id)
    dialog.prices["input_cost_per_token"].setText(input_price)
    dialog.prices["output_cost_per_token"].setText("0.6")
    dialog.context.setText("32k")
    dialog.tools.setChecked(True)


def test_custom_model_dialog_validates_each_field(qtbot) -> None:
    dialog = CustomModelDialog({"gpt-4o"})
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.error.text() == "Give the model an id." and dialog.result_model() is None
    _fill_dialog(dialog, "gpt-4o", "0.2")
    dialog.accept()
    assert "already in the catalog" in dialog.error.text()
    _fill_dialog(dialog, "ours", "cheap")
    dialog.accept()
    assert "'cheap' is not a price" in dialog.error.text()
    _fill_dialog(dialog, "ours", "0.2")
    dialog.max_output.setText("1.5")
    dialog.accept()
    assert "not a token count" in dialog.error.text()
    dialog.max_output.clear()
    dialog.accept()
    model = dialog.result_model()
    assert model is not None and dialog.result() == QDialog.DialogCode.Accepted
    assert model.input_cost_per_token == pytest.approx(2e-7)
    assert model.output_cost_per_token == pytest.approx(6e-7)
    assert (model.max_input_tokens, model.supports_function_calling) == (32_000, True)
    assert model.custom and model.provider == "custom"


def test_add_and_remove_a_custom_model(
    qtbot, tab: ModelsTab, monkeypatch: pytest.MonkeyPatch, answer_prompts
) -> None:
    def scripted_exec(dialog: CustomModelDialog) -> int:
        _fill_dialog(dialog, "acme/llama-ft", "0.1")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(CustomModelDialog, "exec", scripted_exec)
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000) as added:
        tab.add_button.click()
    assert added.args[0].get("acme/llama-ft").custom
    _idle(qtbot, tab)
    assert _cell(tab, "acme/llama-ft", 1) == "custom"
    assert [m.id for m in tab.store.user_data().custom_models] == ["acme/llama-ft"]
    tab.provider.setCurrentText("custom")
    assert tab.table_model.visible_ids() == ["acme/llama-ft"]

    def edit_exec(dialog: CustomModelDialog) -> int:
        assert dialog.model_id.isReadOnly() and dialog.model_id.text() == "acme/llama-ft"
        assert dialog.context.text() == "32000"
        dialog.prices["output_cost_per_token"].setText("0.9")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(CustomModelDialog, "exec", edit_exec)
    assert tab.select_model("acme/llama-ft")
    assert tab.edit_button.isEnabled()
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000) as edited:
        tab.edit_button.click()
    assert edited.args[0].get("acme/llama-ft").output_cost_per_token == pytest.approx(9e-7)
    _idle(qtbot, tab)

    assert tab.select_model("acme/llama-ft")
    assert tab.remove_button.isEnabled()
    answer_prompts(question=QMessageBox.StandardButton.No)
    with qtbot.assertNotEmitted(tab.catalog_edited, wait=100):
        tab.remove_button.click()
    assert tab.store.user_data().custom_models

    answer_prompts(question=QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000) as removed:
        tab.remove_button.click()
    assert "acme/llama-ft" not in removed.args[0]
    assert tab.store.user_data().custom_models == []
    assert tab.table_model.row_of("acme/llama-ft") is None


def test_catalog_models_cannot_be_removed(tab: ModelsTab) -> None:
    assert tab.select_model("gpt-4o")
    assert not tab.remove_button.isEnabled()
    assert not tab.edit_button.isEnabled()


# Import and loading


def test_csv_import_shows_the_per_row_report(qtbot, tab: ModelsTab, tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text("model,score\ngpt-4o,0.9\ngpt-4o-typo,0.5\ngpt-4o-mini,lots\n")
    with qtbot.waitSignal(tab.catalog_edited, timeout=10_000):
        tab.import_quality_csv(path)
    _idle(qtbot, tab)
    assert tab.report_dialog is not None
    text = tab.report_dialog.text.toPlainText()
    assert text.startswith("Imported 1 quality score; skipped 2 rows (1 unknown model id).")
    assert "row 3: gpt-4o-typo: unknown model id" in text
    assert "row 4: gpt-4o-mini: score 'lots' is not a number" in text
    assert _cell(tab, "gpt-4o", COL_QUALITY) == "0.90 (imported)"


def test_a_binary_file_is_reported_and_imports_nothing(
    qtbot, tab: ModelsTab, tmp_path: Path
) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    tab.import_quality_csv(path)
    _idle(qtbot, tab)
    assert tab.report_dialog is not None
    assert tab.report_dialog.windowTitle() == "Import failed"
    assert "not a UTF-8 text file" in tab.message.text()
    assert tab.store.user_data().quality == {}


def test_without_a_catalog_the_tab_says_it_is_loading(qtbot, catalog_store) -> None:
    widget = ModelsTab(catalog_store, TaskRunner(), None)
    qtbot.addWidget(widget)
    assert widget.table_model.rowCount() == 0
    assert widget.status.text() == "Loading the model catalog…"
    assert not widget.add_button.isEnabled() and not widget.import_button.isEnabled()
    widget.set_load_error("litellm is not installed")
    assert "litellm is not installed" in widget.message.text()


def test_a_merged_catalog_is_shown_as_given_and_examples_load(
    qtbot, catalog_store: CatalogStore, public: Catalog
) -> None:
    catalog_store.set_quality("gpt-4o", QualityScore(score=0.42))
    merged = catalog_store.apply(public)
    widget = ModelsTab(catalog_store, TaskRunner(), merged)
    qtbot.addWidget(widget)
    assert widget.catalog is merged
    assert widget.table_model.rowCount() == len(public)
    widget.has_quality.setChecked(True)
    assert widget.table_model.visible_ids() == ["gpt-4o"]

    with qtbot.waitSignal(widget.catalog_edited, timeout=10_000) as loaded:
        widget.load_example_scores()
    assert loaded.args[0].get("gpt-4o").quality.score == 0.42, "the user's score is kept"
    assert loaded.args[0].get("gpt-4o-mini").quality.source == "example"
    assert "gpt-4o-mini" in widget.table_model.visible_ids()
    qtbot.waitUntil(lambda: widget.runner.pending == 0, timeout=10_000)


def test_unreadable_user_data_leaves_the_public_prices_usable(
    qtbot, catalog_store: CatalogStore, public: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def broken(_catalog: Catalog) -> Catalog:
        calls.append(1)
        raise StorageError("Could not read your catalog data: the disk is full.")

    monkeypatch.setattr(catalog_store, "apply", broken)
    widget = ModelsTab(catalog_store, TaskRunner(), None)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.catalog_edited, timeout=10_000) as announced:
        widget.set_catalog(public)
    assert announced.args[0] is public
    qtbot.waitUntil(lambda: widget.runner.pending == 0, timeout=10_000)
    qtbot.wait(50)
    assert calls == [1], "a failed read is reported once, not retried in a loop"
    assert widget.runner.pending == 0
    assert "disk is full" in widget.message.text()
    assert widget.table_model.rowCount() == len(public)


def test_column_ids_are_in_step_with_the_headers() -> None:
    model = CatalogTableModel()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[COL_ID] == "Model"
    assert headers[COL_QUALITY] == "Quality"
    assert headers[COL_INPUT] == "Input $/M"
