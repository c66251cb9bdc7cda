"""A saved scenario is a record: a catalog change reports drift on the card, never changes the
shown saved result; "Recompute with today's catalog" is one undoable step; Compare computes as
the tab does."""

from __future__ import annotations

import datetime as dt

import pytest

from core.catalog import QualityScore
from core.frameworks import get
from tests.ui.conftest import wait_idle
from ui.compare import CompareDialog

CQL = get("cost_quality_latency")
#: Nothing reaches quality 0.88 while gpt-4o scores 0.82 and gpt-4o-mini 0.85; at 0.91 gpt-4o
#: does, and batch is its cheaper mode at the same quality.
INPUTS = CQL.Inputs(
    candidate_models=["gpt-4o", "gpt-4o-mini"],
    min_quality=0.88,
    batch_acceptable=True,
    max_latency_ms=86_400_000,
    max_cost_per_request_usd=1,
)
TODAY = dt.date(2026, 12, 3)


def _score(window, qtbot, model: str, value: float, source: str = "entered") -> None:
    """A catalog edit as another part of the app makes it (the Models tab re-reads and
    announces the merged catalog)."""
    window.catalog_store.set_quality(
        model,
        QualityScore(score=value, source=source, date=TODAY),  # type: ignore[arg-type]
    )
    with qtbot.waitSignal(window.models_tab.catalog_edited, timeout=10_000):
        window.models_tab.reload_user_data()
    wait_idle(qtbot, window)


@pytest.fixture
def saved_tab(qtbot, window, answer_prompts):
    """The CQL tab with INPUTS saved as "Pick" while gpt-4o scored 0.82."""
    qtbot.waitUntil(lambda: window.catalog is not None, timeout=10_000)
    _score(window, qtbot, "gpt-4o", 0.82)
    _score(window, qtbot, "gpt-4o-mini", 0.85)
    tab = window.tab_for(CQL.ID)
    window.tabs.setCurrentWidget(tab)
    tab.load(None, INPUTS)
    assert tab.result.recommendation == "none"
    answer_prompts(text="Pick")
    window.save_as(tab)
    wait_idle(qtbot, window)
    assert tab.scenario is not None and not tab.dirty
    assert tab.scenario.evidence is not None
    return tab


def test_catalog_change_reports_drift_and_keeps_the_saved_result(qtbot, window, saved_tab):
    tab = saved_tab
    assert tab.card.drift_box.isHidden()
    _score(window, qtbot, "gpt-4o", 0.91, source="imported")
    assert tab.result.recommendation == "none"  # never changed silently
    assert not tab.dirty
    assert not tab.card.drift_box.isHidden()
    assert tab.card.drift_text.text() == (
        "Today's catalog differs: gpt-4o quality 0.82 → 0.91 (imported, 2026-12-03): "
        "the recommendation becomes gpt-4o (batch) (saved: No pick)."
    )

    tab.card.recompute.click()
    assert tab.result.recommendation == "gpt-4o (batch)"
    assert tab.dirty  # one undoable step, not saved
    assert tab.card.drift_box.isHidden()
    assert window.act_undo.text().endswith("Recompute with today's catalog")
    window.act_undo.trigger()
    assert tab.result.recommendation == "none"
    assert not tab.dirty
    assert not tab.card.drift_box.isHidden()
    window.act_redo.trigger()
    assert tab.result.recommendation == "gpt-4o (batch)"


def test_reopening_shows_the_saved_result_with_its_drift(qtbot, window, saved_tab, store):
    _score(window, qtbot, "gpt-4o", 0.91, source="imported")
    saved = store.get_by_name("Pick")
    saved_tab.load(None)  # the tab moves on to something else
    window.show_scenario(saved)
    assert saved_tab.result.recommendation == "none"
    assert "gpt-4o quality 0.82 → 0.91" in saved_tab.card.drift_text.text()
    # Saving again records today's evidence only if the user recomputed: here it is the old.
    saved_tab.card.recompute.click()
    window.save(saved_tab)
    wait_idle(qtbot, window)
    latest = store.get_by_name("Pick")
    assert latest.result is not None and latest.result["recommendation"] == "gpt-4o (batch)"
    assert saved_tab.card.drift_box.isHidden()


def test_a_version_without_evidence_says_so(qtbot, window, store):
    qtbot.waitUntil(lambda: window.catalog is not None, timeout=10_000)
    legacy = store.create(CQL.ID, "Legacy", INPUTS.model_dump(mode="json"), None)
    window.show_scenario(legacy)
    tab = window.tab_for(CQL.ID)
    assert "saved before evidence was recorded" in tab.card.basis_note.text()
    assert not tab.card.basis_note.isHidden()


def test_example_scores_are_named_on_the_card(qtbot, window):
    window.models_tab.load_example_scores()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.catalog is not None and bool(window.catalog.with_quality()))
    tab = window.tab_for(CQL.ID)
    assert "rests on illustrative example scores" in tab.card.basis_note.text()


def test_compare_shows_what_the_tab_shows(qtbot, window, saved_tab, answer_prompts):
    """Compare computed CQL without the catalog and said "No candidate models to compare"
    beside a tab with a pick."""
    tab = saved_tab
    tab.set_field_text("min_quality", "0.8")
    shown = tab.result.recommendation
    assert shown != "none"
    answer_prompts(text="Looser")
    window.save_as(tab)
    wait_idle(qtbot, window)
    window.act_compare.trigger()
    wait_idle(qtbot, window)
    dialog = next(d for d in window.findChildren(CompareDialog) if d.isVisible())
    dialog.pick_a.setCurrentText("Pick")
    dialog.pick_b.setCurrentText("Looser")
    recommendation = next(c for c, _ in dialog.figures_model.rows if c[0] == "Recommendation")
    assert recommendation[1:3] == ["No pick", shown]
    assert "No candidate models" not in dialog.summary.text()
    dialog.close()


def test_history_says_what_changed_between_versions(qtbot, window, saved_tab):
    from ui.dialogs import HistoryDialog

    tab = saved_tab
    _score(window, qtbot, "gpt-4o", 0.91, source="imported")
    tab.card.recompute.click()
    tab.set_field_text("min_quality", "0.9")
    window.save(tab)
    wait_idle(qtbot, window)
    window.act_history.trigger()
    wait_idle(qtbot, window)
    dialog = next(d for d in window.findChildren(HistoryDialog) if d.isVisible())
    latest, first = dialog.model.rows
    assert dialog.model.change_text(first) == "first version"
    changes = dialog.model.changes[latest.version]
    # "Min quality: 0.88 of 1 → 0.9 of 1" (the unit's wording is core.compare's).
    assert changes[0].startswith("Min quality: 0.88") and "→ 0.9" in changes[0]
    assert "Evidence: gpt-4o quality 0.82 → 0.91 (imported, 2026-12-03)" in changes
    assert "Recommendation: No pick → gpt-4o (batch)" in changes
    assert dialog.details.toPlainText() == f"Version {latest.version}: " + "\n".join(changes)
    dialog.reject()


def test_exported_summary_states_the_evidence_and_the_drift(qtbot, window, saved_tab, tmp_path):
    _score(window, qtbot, "gpt-4o", 0.91, source="imported")
    out = tmp_path / "pick.md"
    window.export_summary(str(out), "md")
    wait_idle(qtbot, window)
    md = out.read_text(encoding="utf-8")
    evidence_part = md.split("## Evidence")[1]
    assert "| gpt-4o | openai |" in evidence_part
    assert "0.82 (entered, 2026-12-03)" in evidence_part
    assert "gpt-4o quality 0.82 → 0.91 (imported, 2026-12-03)" in evidence_part


def test_damaged_evidence_in_the_database_is_said_on_the_card(qtbot, window, store):
    qtbot.waitUntil(lambda: window.catalog is not None, timeout=10_000)
    s = store.create(
        CQL.ID, "Tampered", INPUTS.model_dump(mode="json"), None, evidence={"models": [{}]}
    )
    window.show_scenario(store.get(s.id or 0))
    tab = window.tab_for(CQL.ID)
    assert "evidence cannot be read" in tab.card.basis_note.text()
    assert tab.no_evidence
