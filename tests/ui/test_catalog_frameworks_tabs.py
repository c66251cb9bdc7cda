"""The catalog-based tabs (Cost-Quality-Latency, Model Selection) driven as a user would."""

from __future__ import annotations

import pytest

from tests.ui.conftest import wait_idle


@pytest.fixture
def scored(qtbot, window):
    """The window with the shipped example scores loaded, as a first run offers."""
    window.models_tab.load_example_scores()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.catalog is not None and bool(window.catalog.with_quality()))
    return window


def test_cql_without_scores_says_what_to_do(qtbot, window):
    wait_idle(qtbot, window)
    tab = window.tab_for("cost_quality_latency")
    window.tabs.setCurrentWidget(tab)
    assert tab.result.recommendation == "none"
    assert "quality score" in " ".join(tab.result.rationale)


def test_cql_picks_from_the_scored_catalog_and_moves_to_batch(qtbot, scored):
    """gpt-4o-mini at 1,500 in / 400 out costs 1,500 x 1.5e-7 + 400 x 6e-7 = $0.000465."""
    window = scored
    tab = window.tab_for("cost_quality_latency")
    window.tabs.setCurrentWidget(tab)
    assert tab.result.recommendation != "none"
    mini = [o for o in tab.result.options if o.model == "gpt-4o-mini" and o.mode == "real-time"]
    if mini:
        assert mini[0].cost_per_request == pytest.approx(0.000465)
    realtime_pick = tab.result.recommendation
    assert realtime_pick.endswith("(real-time)")
    tab.set_field_text("max_latency_ms", "86,400,000")  # a day: batch becomes possible
    assert tab.result.recommendation.endswith("(batch)")
    window.act_undo.trigger()
    assert tab.result.recommendation == realtime_pick


def test_cql_candidate_picker_limits_the_candidates(qtbot, scored):
    window = scored
    tab = window.tab_for("cost_quality_latency")
    window.tabs.setCurrentWidget(tab)
    editor = tab.form.widget("candidate_models")
    dialog = editor.open_picker()
    qtbot.keyClicks(dialog.search, "gpt-4o-mini")
    dialog.set_checked("gpt-4o-mini", True)
    dialog.accept()
    assert tab.inputs.candidate_models == ["gpt-4o-mini"]
    assert tab.result.recommendation.startswith("gpt-4o-mini")


def test_model_selection_flips_when_quality_weighs_more(qtbot, window):
    """Defaults: gpt-4o-mini wins; quality's share past 0.737 makes gpt-4o win (the rationale
    states the threshold). Weights are normalised: quality 0.9 against 0.3 + 0.2 is a share of
    0.9 / 1.4 = 0.643, not enough; quality 2 is 2 / 2.5 = 0.8, past it."""
    tab = window.tab_for("model_selection")
    window.tabs.setCurrentWidget(tab)
    assert tab.card.badge.text() == "gpt-4o-mini"
    assert "raising the quality weight from 0.50 to 0.74" in tab.card.rationale.text()
    tab.set_field_text("weight_quality", "0.9")
    assert tab.card.badge.text() == "gpt-4o-mini"
    tab.set_field_text("weight_quality", "2")
    assert tab.card.badge.text() == "gpt-4o"


def test_model_selection_table_edit_changes_the_ranking(qtbot, window):
    tab = window.tab_for("model_selection")
    window.tabs.setCurrentWidget(tab)
    table = tab.form.widget("candidates").model
    row = next(i for i, r in enumerate(table.rows) if r["name"] == "gpt-4o")
    latency_column = table.names.index("avg_latency_ms")
    table.setData(table.index(row, latency_column), "900")  # now the fastest as well
    assert tab.inputs.candidates[row].avg_latency_ms == 900
    assert tab.card.badge.text() == "gpt-4o"
    window.act_undo.trigger()
    assert tab.card.badge.text() == "gpt-4o-mini"


def test_the_result_card_shows_every_rationale_line_when_there_is_room(qtbot, scored):
    """Four rationale lines at 1,400 x 900: the card is as tall as its texts need at its
    width (the splitter alone gave it its width-blind size hint and hid the last line)."""
    window = scored
    window.resize(1400, 900)
    tab = window.tab_for("cost_quality_latency")
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: len(tab.result.rationale) >= 4)
    qtbot.wait(50)
    card = tab.card
    assert card.height() >= card.heightForWidth(card.width())
    assert tab.panel.height() >= tab.panel.minimumSizeHint().height()
