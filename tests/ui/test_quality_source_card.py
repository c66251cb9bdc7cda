"""The card says which quality source the result used: the Models tab's choice of source, in
words with its date and how many models, as the export's first page does."""

from __future__ import annotations

import datetime as dt

from core.frameworks import get
from core.score_files import SourcedScore
from tests.ui.conftest import wait_idle

CQL = get("cost_quality_latency")
DAY = dt.date(2026, 12, 3)


def _scores(source: str, benchmark: str, scores: dict[str, float]) -> list[SourcedScore]:
    return [SourcedScore(m, source, s, s, "unit", benchmark, DAY) for m, s in scores.items()]


def test_the_card_names_the_source_in_use(qtbot, window):
    qtbot.waitUntil(lambda: window.catalog is not None, timeout=10_000)
    store = window.catalog_store
    store.save_sourced(_scores("HELM Lite", "Mean win rate", {"gpt-4o": 0.9, "gpt-4o-mini": 0.7}))
    store.save_sourced(_scores("Arena", "Elo", {"gpt-4o": 0.8, "gpt-4o-mini": 0.6}))
    store.set_quality_source("HELM Lite")
    with qtbot.waitSignal(window.models_tab.catalog_edited, timeout=10_000):
        window.models_tab.reload_user_data()
    wait_idle(qtbot, window)
    tab = window.tab_for(CQL.ID)
    window.tabs.setCurrentWidget(tab)
    tab.load(None, CQL.Inputs(candidate_models=["gpt-4o", "gpt-4o-mini"]))
    wait_idle(qtbot, window)
    label = tab.card.quality_source
    assert not label.isHidden()
    assert label.text() == ("Quality: HELM Lite: Mean win rate (imported 2026-12-03) for 2 models")

    store.set_quality_source("Arena")
    with qtbot.waitSignal(window.models_tab.catalog_edited, timeout=10_000):
        window.models_tab.reload_user_data()
    wait_idle(qtbot, window)
    # The open, unsaved result follows the catalog: its card names the new source.
    assert label.text() == "Quality: Arena: Elo (imported 2026-12-03) for 2 models"


def test_a_result_without_quality_scores_shows_no_source(qtbot, window):
    qtbot.waitUntil(lambda: window.catalog is not None, timeout=10_000)
    tab = window.tab_for(get("build_vs_buy").ID)
    window.tabs.setCurrentWidget(tab)
    wait_idle(qtbot, window)
    assert tab.card.quality_source.isHidden()


def test_a_saved_result_keeps_the_source_it_was_saved_with(qtbot, window, answer_prompts):
    qtbot.waitUntil(lambda: window.catalog is not None, timeout=10_000)
    store = window.catalog_store
    store.save_sourced(_scores("HELM Lite", "Mean win rate", {"gpt-4o": 0.9, "gpt-4o-mini": 0.7}))
    store.save_sourced(_scores("Arena", "Elo", {"gpt-4o": 0.6, "gpt-4o-mini": 0.8}))
    store.set_quality_source("HELM Lite")
    with qtbot.waitSignal(window.models_tab.catalog_edited, timeout=10_000):
        window.models_tab.reload_user_data()
    wait_idle(qtbot, window)
    tab = window.tab_for(CQL.ID)
    window.tabs.setCurrentWidget(tab)
    tab.load(None, CQL.Inputs(candidate_models=["gpt-4o", "gpt-4o-mini"]))
    answer_prompts(text="Pick")
    window.save_as(tab)
    wait_idle(qtbot, window)
    store.set_quality_source("Arena")
    with qtbot.waitSignal(window.models_tab.catalog_edited, timeout=10_000):
        window.models_tab.reload_user_data()
    wait_idle(qtbot, window)
    # The record says what it was decided on; the drift notice says today's catalog differs.
    assert tab.card.quality_source.text() == (
        "Quality: HELM Lite: Mean win rate (imported 2026-12-03) for 2 models"
    )
    assert not tab.card.drift_box.isHidden()
