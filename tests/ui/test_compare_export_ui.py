"""Compare two scenarios side by side, and export what the tab shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.frameworks import build_vs_buy
from tests.ui.conftest import wait_idle
from ui.compare import CompareDialog


@pytest.fixture(autouse=True)
def _build_vs_buy_tab(window):
    window.tabs.setCurrentWidget(window.tab_for("build_vs_buy"))


def _inputs(**overrides):
    return build_vs_buy.Inputs(**overrides).model_dump(mode="json")


def test_compare_highlights_differences_and_shows_deltas(qtbot, window, store):
    """A: worked example (breakeven 0.2083 y). B: training $1.2M -> 1.2M / 2.4M = 0.5 y.
    3-year totals: A build 500k + 300k = 800k; B 1.2M + 300k = 1.5M: delta +$700,000."""
    store.create("build_vs_buy", "A baseline", _inputs())
    store.create("build_vs_buy", "B dearer training", _inputs(training_cost=1_200_000))
    window.act_compare.trigger()
    wait_idle(qtbot, window)
    dialog = next(d for d in window.findChildren(CompareDialog) if d.isVisible())
    dialog.pick_a.setCurrentText("A baseline")
    dialog.pick_b.setCurrentText("B dearer training")
    assert dialog.inputs_model.differing() == ["Training cost"]
    figures = {cells[0]: cells for cells, _ in dialog.figures_model.rows}
    assert figures["Build, total over 3 years (nominal)"][1:] == [
        "$800,000",
        "$1,500,000",
        "+$700,000",
    ]
    assert figures["Breakeven"][2] == "0.50 years (6.0 months)"
    assert "Recommendation" not in dialog.figures_model.differing()  # both build
    curves = [c.name() for c in dialog.plot.getPlotItem().listDataItems() if c.name()]
    assert curves == [
        "A: A baseline: buy",
        "A: A baseline: build",
        "B: B dearer training: buy",
        "B: B dearer training: build",
    ]
    dialog.close()


def test_compare_needs_two_scenarios(qtbot, window, store):
    store.create("build_vs_buy", "Only one", _inputs())
    window.act_compare.trigger()
    wait_idle(qtbot, window)
    assert not [d for d in window.findChildren(CompareDialog) if d.isVisible()]
    assert "at least two" in window.statusBar().currentMessage()


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_export_summary_writes_the_decision(qtbot, window, tmp_path: Path, fmt):
    tab = window.tab
    tab.set_field_text("serving_cost_per_year", "3,000,000")  # API not dearer: buy
    tab.notes.setPlainText("Reviewed with <b>finance</b>")
    out = tmp_path / f"summary.{fmt}"
    window.export_summary(str(out))
    wait_idle(qtbot, window)
    qtbot.waitUntil(out.exists)
    data = out.read_bytes()
    if fmt == "pdf":
        assert data.startswith(b"%PDF") and len(data) > 20_000  # text plus three plots
        return
    text = data.decode()
    assert "Buy: building never pays back its training cost" in text
    assert "API cost per token" in text
    if fmt == "html":
        assert "data:image/png;base64," in text
        assert "&lt;b&gt;finance&lt;/b&gt;" in text and "<b>finance</b>" not in text


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_export_plots(qtbot, window, tmp_path: Path, fmt):
    window.export_plots(str(tmp_path), fmt)
    files = sorted(p.name for p in tmp_path.glob(f"*.{fmt}"))
    assert files == [
        f"Untitled - {t}.{fmt}"
        for t in sorted(["Cumulative cost", "Monte Carlo breakeven", "Sensitivity (tornado)"])
    ]
    assert all((tmp_path / f).stat().st_size > 1000 for f in files)
