"""Creating, saving, versioning, renaming, copying, deleting and finding scenarios."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import ScenarioStore, StorageError


def test_create_returns_version_one(store: ScenarioStore) -> None:
    created = store.create(
        "build_vs_buy", "Q3 plan", {"training_cost": 500_000}, {"recommendation": "build"}, "draft"
    )
    assert created.id is not None
    assert created.version == 1
    assert created.inputs == {"training_cost": 500_000}
    assert created.result == {"recommendation": "build"}
    assert created.notes == "draft"
    assert created.framework_id == "build_vs_buy"
    assert created.created_at == created.updated_at
    assert created.updated_at.tzinfo is not None
    assert store.get(created.id) == created
    assert store.count() == 1


def test_every_save_is_kept_and_restore_appends(store: ScenarioStore) -> None:
    first = store.create("build_vs_buy", "Plan", {"volume": 1}, {"answer": "buy"}, "v1 notes")
    sid = first.id or 0
    second = store.save(sid, {"volume": 2}, {"answer": "build"})
    third = store.save(sid, {"volume": 3}, None, notes="changed my mind")
    assert (second.version, third.version) == (2, 3)
    assert second.notes == "v1 notes", "notes=None keeps the current notes"
    assert third.result is None
    assert second.updated_at > first.updated_at
    assert third.created_at == first.created_at

    history = store.versions(sid)
    assert [v.version for v in history] == [3, 2, 1]
    assert [v.inputs["volume"] for v in history] == [3, 2, 1]
    assert [v.notes for v in history] == ["changed my mind", "v1 notes", "v1 notes"]

    restored = store.restore(sid, 1)
    assert restored.version == 4
    assert restored.inputs == {"volume": 1}
    assert restored.result == {"answer": "buy"}
    assert restored.notes == "v1 notes"
    history = store.versions(sid)
    assert [v.version for v in history] == [4, 3, 2, 1], "history is never rewritten"
    assert history[1].inputs == {"volume": 3}
    assert store.get(sid) == restored


def test_restore_of_a_missing_version_says_which_exist(store: ScenarioStore) -> None:
    sid = store.create("agents", "Bot", {}).id or 0
    store.save(sid, {"a": 1}, None)
    with pytest.raises(
        StorageError, match="Scenario 'Bot' has no version 7; its versions are 1 to 2"
    ):
        store.restore(sid, 7)
    assert store.get(sid).version == 2


def test_names_are_unique_ignoring_case(store: ScenarioStore) -> None:
    store.create("agents", "Support bot", {})
    with pytest.raises(StorageError, match="A scenario named 'SUPPORT BOT' already exists"):
        store.create("build_vs_buy", "SUPPORT BOT", {})
    assert store.count() == 1


def test_names_are_trimmed_and_checked(store: ScenarioStore) -> None:
    assert store.create("agents", "  Bot  ", {}).name == "Bot"
    with pytest.raises(StorageError, match="needs a name"):
        store.create("agents", "   ", {})
    with pytest.raises(StorageError, match="at most 200 characters"):
        store.create("agents", "x" * 201, {})
    assert store.count() == 1


def test_get_by_name_ignores_case(store: ScenarioStore) -> None:
    created = store.create("agents", "Support Bot", {"k": 1})
    assert store.get_by_name("support bot") == created
    with pytest.raises(StorageError, match="No scenario named 'Nope'"):
        store.get_by_name("Nope")


def test_unknown_id_is_reported(store: ScenarioStore) -> None:
    with pytest.raises(StorageError, match="No scenario with id 42"):
        store.get(42)
    with pytest.raises(StorageError, match="No scenario with id 42"):
        store.save(42, {}, None)
    with pytest.raises(StorageError, match="No scenario with id 42"):
        store.versions(42)


def test_rename(store: ScenarioStore) -> None:
    plan = store.create("agents", "Plan", {"x": 1})
    other = store.create("agents", "Other", {})
    renamed = store.rename(plan.id or 0, "Final plan")
    assert renamed.name == "Final plan"
    assert renamed.version == 1, "renaming is not a new version"
    assert renamed.inputs == {"x": 1}
    assert store.get_by_name("final plan").id == plan.id
    assert store.rename(plan.id or 0, "FINAL PLAN").name == "FINAL PLAN", "case change allowed"
    with pytest.raises(StorageError, match="A scenario named 'Other' already exists"):
        store.rename(plan.id or 0, "Other")
    assert store.get(other.id or 0).name == "Other"
    assert store.get(plan.id or 0).name == "FINAL PLAN"


def test_duplicate_copies_the_latest_version(store: ScenarioStore) -> None:
    original = store.create("build_vs_buy", "Plan", {"v": 1}, {"r": 1}, "notes")
    store.save(original.id or 0, {"v": 2}, {"r": 2})
    copy = store.duplicate(original.id or 0, "Plan copy")
    assert copy.id != original.id
    assert (copy.version, copy.inputs, copy.result, copy.notes) == (1, {"v": 2}, {"r": 2}, "notes")
    assert copy.framework_id == "build_vs_buy"
    assert [v.version for v in store.versions(copy.id or 0)] == [1]
    store.save(copy.id or 0, {"v": 3}, None)
    assert store.get(original.id or 0).inputs == {"v": 2}, "the copy is independent"
    with pytest.raises(StorageError, match="already exists"):
        store.duplicate(original.id or 0, "plan")


def test_delete_removes_scenario_and_history(store: ScenarioStore) -> None:
    keep = store.create("agents", "Keep", {})
    gone = store.create("agents", "Gone", {})
    store.save(gone.id or 0, {"a": 1}, None)
    store.delete(gone.id or 0)
    assert [s.name for s in store.list()] == ["Keep"]
    with pytest.raises(StorageError, match="No scenario with id"):
        store.versions(gone.id or 0)
    with pytest.raises(StorageError, match="No scenario with id"):
        store.delete(gone.id or 0)
    # The freed name can be used again, and the new scenario starts a fresh history.
    again = store.create("agents", "Gone", {"fresh": True})
    assert again.id not in (gone.id, keep.id)
    assert [v.version for v in store.versions(again.id or 0)] == [1]


def test_list_is_newest_change_first(store: ScenarioStore) -> None:
    a = store.create("agents", "A", {})
    store.create("agents", "B", {})
    store.create("agents", "C", {})
    assert [s.name for s in store.list()] == ["C", "B", "A"]
    store.save(a.id or 0, {"edited": True}, None)
    listed = store.list()
    assert [s.name for s in listed] == ["A", "C", "B"]
    assert listed[0].inputs == {"edited": True} and listed[0].version == 2


def test_search_matches_name_or_notes_ignoring_case(store: ScenarioStore) -> None:
    store.create("agents", "Support bot", {}, notes="Tier-1 tickets")
    store.create("build_vs_buy", "Über model", {}, notes="GPU cluster 100%")
    store.create("build_vs_buy", "Summariser", {}, notes="")
    assert [s.name for s in store.list("BOT")] == ["Support bot"]
    assert [s.name for s in store.list("tickets")] == ["Support bot"]
    assert [s.name for s in store.list("über")] == ["Über model"], "non-ASCII case folding"
    assert [s.name for s in store.list("100%")] == ["Über model"], "% is literal, not a wildcard"
    assert [s.name for s in store.list("_")] == []
    assert {s.name for s in store.list("SU")} == {"Support bot", "Summariser"}
    assert len(store.list("  ")) == 3


def test_filter_by_framework(store: ScenarioStore) -> None:
    store.create("agents", "Bot", {}, notes="model")
    store.create("build_vs_buy", "Model build", {})
    assert [s.name for s in store.list(framework_id="agents")] == ["Bot"]
    assert [s.name for s in store.list("model", framework_id="build_vs_buy")] == ["Model build"]
    assert store.list(framework_id="experiments") == []


def test_values_that_are_not_json_are_refused(store: ScenarioStore) -> None:
    with pytest.raises(StorageError, match="cannot be stored as JSON"):
        store.create("agents", "Bad", {"when": datetime.now(UTC)})
    assert store.count() == 0


def test_malformed_text_is_refused_without_a_partial_save(store: ScenarioStore) -> None:
    sid = store.create("agents", "Bot", {"a": 1}).id or 0
    with pytest.raises(StorageError, match="cannot be stored"):
        store.save(sid, {"a": 2}, None, notes="broken \ud800 text")
    assert store.get(sid).version == 1
    assert [v.version for v in store.versions(sid)] == [1]


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(st.characters(exclude_categories=("Cs",)))
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Names refuse controls and invisible format characters (core.text.name_problem).
_names = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cf")), min_size=1, max_size=200
).filter(lambda s: s.strip() == s and s != "")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=_names,
    inputs=st.dictionaries(st.text(max_size=10), _json_values, max_size=5),
    result=st.none() | st.dictionaries(st.text(max_size=10), _json_values, max_size=5),
)
def test_whatever_is_saved_comes_back_unchanged(
    store: ScenarioStore, name: str, inputs: dict[str, object], result: dict[str, object] | None
) -> None:
    created = store.create("agents", name, inputs, result)
    try:
        loaded = store.get(created.id or 0)
        assert (loaded.name, loaded.inputs, loaded.result) == (name, inputs, result)
        assert store.get_by_name(name).id == created.id
    finally:
        store.delete(created.id or 0)
