"""The review of a provider benchmark shows each row's latency and its price beside the chosen
model's catalog price, on the value's tooltip; the file's price is never stored."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox

from core.catalog import Catalog, ModelInfo
from storage import CatalogStore
from ui.models.score_import import COL_ID, COL_NAME, COL_VALUE, ScoreImportDialog
from ui.models.tab import ModelsTab
from ui.tasks import TaskRunner

PROVIDER = Path(__file__).parent.parent / "data" / "scores" / "provider_benchmarks.csv"
PUBLIC = Catalog(
    [
        ModelInfo(
            id="gpt-4o-mini",
            provider="openai",
            input_cost_per_token=1.5e-7,
            output_cost_per_token=6e-7,
        ),
        ModelInfo(
            id="gpt-4o", provider="openai", input_cost_per_token=2.5e-6, output_cost_per_token=1e-5
        ),
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


def _row(dialog: ScoreImportDialog, name: str) -> int:
    return next(
        i for i in range(dialog.rows.rowCount()) if dialog.rows.item(i, COL_NAME).text() == name
    )


def test_the_price_in_the_file_is_beside_the_catalogs(qtbot, tab: ModelsTab) -> None:
    tab.import_score_table(PROVIDER)
    qtbot.waitUntil(lambda: tab.runner.pending == 0, timeout=10_000)
    dialog = tab.score_dialog
    assert dialog is not None
    mini = _row(dialog, "GPT-4o mini")
    tip = unescape(dialog.rows.item(mini, COL_VALUE).toolTip())  # escaped: plain text
    assert "Latency in the file: 390 ms to first token, 99.1 tokens/s" in tip
    assert (
        "Price in the file $0.26 per million tokens (not stored; the catalog's: $0.15 in / "
        "$0.60 out per million tokens)" in tip
    )
    # Matching a row by hand names that model's catalog price.
    gpt4o = _row(dialog, "GPT-4o (May '24)")
    assert "(not stored)." in dialog.rows.item(gpt4o, COL_VALUE).toolTip()
    combo = dialog.rows.cellWidget(gpt4o, COL_ID)
    assert isinstance(combo, QComboBox)
    combo.setCurrentText("gpt-4o")
    assert "the catalog's: $2.50 in / $10.00 out per million tokens" in unescape(
        dialog.rows.item(gpt4o, COL_VALUE).toolTip()
    )
    dialog.reject()
