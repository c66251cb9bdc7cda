"""The scenario list the Open dialog and `scenarios list` show: same rows as `list`, no payload."""

from __future__ import annotations

import sqlite3

import pytest

from storage import ScenarioStore, StorageError


def test_summaries_match_the_full_list_row_for_row(store: ScenarioStore) -> None:
    a = store.create(
        "build_vs_buy",
        "Plan A",
        {"training_cost": 1},
        {"recommendation": "build", "headline": "Build: it pays back in 6 months"},
        notes="Q3",
    )
    store.create("agents", "Bot", {}, {"recommendation": "agent"})
    store.create("agents", "Draft", {})
    store.save(a.id or 0, {"training_cost": 2}, {"recommendation": "buy", "headline": "Buy"})
    full = store.list()
    summaries = store.summaries()
    assert [
        (s.id, s.name, s.framework_id, s.notes, s.version, s.updated_at) for s in summaries
    ] == [(s.id, s.name, s.framework_id, s.notes, s.version, s.updated_at) for s in full]
    assert [s.name for s in summaries] == ["Plan A", "Draft", "Bot"], "newest change first"
    plan, draft, bot = summaries
    assert (plan.version, plan.headline, plan.recommendation) == (2, "Buy", "buy")
    assert (draft.headline, draft.recommendation, draft.label) == (None, None, "")
    assert (bot.headline, bot.recommendation, bot.label) == (None, "agent", "agent")
    assert plan.label == "Buy", "the headline wins over the recommendation"


def test_summaries_search_and_filter_like_the_list(store: ScenarioStore) -> None:
    store.create("agents", "Support bot", {}, notes="Tier-1 tickets")
    store.create("build_vs_buy", "Über model", {}, notes="GPU cluster 100%")
    store.create("build_vs_buy", "Summariser", {})
    for search, framework in [
        ("BOT", None),
        ("über", None),
        ("100%", None),
        ("su", None),
        ("", "build_vs_buy"),
        ("model", "agents"),
        ("_", None),
    ]:
        expected = [s.name for s in store.list(search, framework)]
        assert [s.name for s in store.summaries(search, framework)] == expected, search
    assert [s.name for s in store.summaries("tickets")] == ["Support bot"]


def test_a_result_from_a_newer_app_is_listed_but_refused_when_opened(
    store: ScenarioStore,
) -> None:
    """The list shows what was saved beside the name; opening reads the result and says it
    needs a newer app. One such scenario does not take the whole list down."""
    s = store.create("agents", "Future", {}, {"recommendation": "agent"})
    store.create("agents", "Today", {}, {"recommendation": "no_agent"})
    conn = sqlite3.connect(store.path)
    conn.execute(
        "UPDATE scenario_versions SET result_json = ? WHERE scenario_id = ?",
        ['{"_schema": 2, "value": {"recommendation": "agent"}}', s.id],
    )
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="storage format 2"):
        store.get(s.id or 0)
    assert [(x.name, x.label) for x in store.summaries()] == [
        ("Today", "no_agent"),
        ("Future", "agent"),
    ]


def test_long_results_give_their_headline_however_they_are_laid_out(
    store: ScenarioStore,
) -> None:
    """A 400-character headline, keys after 1,000 characters of series, no headline at all:
    the list shows each as saved."""
    long_headline = "Build: " + "x" * 393
    store.create("agents", "Long", {}, {"recommendation": "build", "headline": long_headline})
    store.create(
        "agents", "Late", {}, {"series": list(range(300)), "recommendation": "buy", "headline": "B"}
    )
    store.create("agents", "Bare", {}, {"series": list(range(300)), "recommendation": "agent"})
    by_name = {s.name: s for s in store.summaries()}
    assert len(long_headline) == 400
    assert (by_name["Long"].headline, by_name["Long"].recommendation) == (long_headline, "build")
    assert (by_name["Late"].headline, by_name["Late"].recommendation) == ("B", "buy")
    assert (by_name["Bare"].headline, by_name["Bare"].label) == (None, "agent")


def test_a_damaged_result_is_reported_when_opened_and_listed_as_saved(
    store: ScenarioStore,
) -> None:
    s = store.create("agents", "Broken", {}, {"recommendation": "agent", "headline": "A"})
    conn = sqlite3.connect(store.path)
    conn.execute(
        "UPDATE scenario_versions SET result_json = ? WHERE scenario_id = ?",
        ['{"_schema": 1, "value": {"recommendation": "ag', s.id],
    )
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="damaged"):
        store.get(s.id or 0)
    assert [(x.name, x.headline) for x in store.summaries()] == [("Broken", "A")]


def test_an_older_database_gets_its_verdicts_copied_beside_the_names(tmp_path, monkeypatch):
    """Migration 6 fills the new columns from each scenario's current result: the headline of
    the latest version, none where there is no result or it cannot be read."""
    from storage import db as storage_db
    from storage.jsoncolumn import encode

    path = tmp_path / "old.sqlite3"
    monkeypatch.setattr(storage_db, "MIGRATIONS", storage_db.MIGRATIONS[:5])
    monkeypatch.setattr(storage_db, "SCHEMA_VERSION", 5)
    ScenarioStore(path).close()
    monkeypatch.undo()
    raw = sqlite3.connect(path, isolation_level=None)
    stamp = "2025-01-01T00:00:00.000000+00:00"
    rows = [  # id, name, current version, results by version
        (1, "Two saves", 2, [{"headline": "Old", "recommendation": "buy"}, {"headline": "New"}]),
        (2, "No result", 1, [None]),
        (3, "Damaged", 1, ["{broken"]),
    ]
    for sid, name, current, results in rows:
        raw.execute(
            "INSERT INTO scenarios (id, name, framework_id, notes, created_at, updated_at, "
            "current_version) VALUES (?, ?, 'agents', '', ?, ?, ?)",
            [sid, name, stamp, stamp, current],
        )
        for version, result in enumerate(results, start=1):
            text = result if isinstance(result, str) or result is None else encode(result)
            raw.execute(
                "INSERT INTO scenario_versions (scenario_id, version, inputs_json, result_json, "
                "notes, saved_at) VALUES (?, ?, ?, ?, '', ?)",
                [sid, version, encode({}), text, stamp],
            )
    raw.close()
    with ScenarioStore(path) as store:
        listed = {x.name: (x.headline, x.recommendation) for x in store.summaries()}
    assert listed == {
        "Two saves": ("New", None),
        "No result": (None, None),
        "Damaged": (None, None),
    }
