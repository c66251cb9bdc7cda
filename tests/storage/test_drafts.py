"""The drafts table: one draft per framework, replaced on each keep, forgotten on discard."""

from __future__ import annotations

from pathlib import Path

from storage import Draft, DraftStore, ScenarioStore


def test_one_draft_per_framework_replaced_and_discarded(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    with DraftStore(path) as drafts:
        drafts.put(Draft("build_vs_buy", {"training_cost": 1.0}, notes="first"))
        drafts.put(Draft("build_vs_buy", {"training_cost": 2.0}, notes="second"))
        drafts.put(Draft("agents", {"max_iterations": 3}))
        kept = {d.framework_id: d for d in drafts.drafts()}
        assert set(kept) == {"build_vs_buy", "agents"}
        assert kept["build_vs_buy"].inputs == {"training_cost": 2.0}
        assert kept["build_vs_buy"].notes == "second"
        drafts.discard("agents")
        assert [d.framework_id for d in drafts.drafts()] == ["build_vs_buy"]
        drafts.discard()
        assert drafts.drafts() == []


def test_a_draft_of_a_deleted_scenario_survives_without_its_link(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    with ScenarioStore(path) as scenarios, DraftStore(path) as drafts:
        saved = scenarios.create("build_vs_buy", "Plan", {}, None)
        drafts.put(Draft("build_vs_buy", {"training_cost": 3.0}, scenario_id=saved.id))
        assert drafts.drafts()[0].scenario_id == saved.id
        scenarios.delete(saved.id)
        (draft,) = drafts.drafts()
        assert draft.scenario_id is None
        assert draft.inputs == {"training_cost": 3.0}
        # A draft naming a scenario that is already gone is kept unlinked, not refused.
        drafts.put(Draft("agents", {}, scenario_id=999))
        assert {d.framework_id: d.scenario_id for d in drafts.drafts()}["agents"] is None
