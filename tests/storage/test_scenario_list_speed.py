"""Listing stays quick with ten thousand scenarios and a hundred thousand saved versions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import ScenarioStore
from storage.jsoncolumn import encode

SCENARIOS = 10_000
VERSIONS_EACH = 10


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "aidf.sqlite3"
    ScenarioStore(path).close()
    # Bulk rows straight into the schema: a hundred thousand store.save calls would take minutes.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO scenarios (id, name, framework_id, notes, created_at, updated_at, "
        "current_version, recommendation) VALUES (?, ?, ?, ?, ?, ?, ?, 'build')",
        (
            (
                n,
                f"Scenario {n}",
                "agents" if n % 2 else "build_vs_buy",
                f"note {n}",
                "2025-01-01T00:00:00.000000+00:00",
                f"2025-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000+00:00",
                VERSIONS_EACH,
            )
            for n in range(1, SCENARIOS + 1)
        ),
    )
    # Versions interleaved as real saves would be, not stored scenario by scenario.
    conn.executemany(
        "INSERT INTO scenario_versions (scenario_id, version, inputs_json, result_json, notes, "
        "saved_at) VALUES (?, ?, ?, ?, '', '2025-01-01T00:00:00.000000+00:00')",
        (
            (
                n,
                v,
                encode({"volume_tokens": n * 1000, "growth_pct": v, "label": f"v{v}"}),
                encode({"recommendation": "build", "breakeven_years": v / 10}),
            )
            for v in range(1, VERSIONS_EACH + 1)
            for n in range(1, SCENARIOS + 1)
        ),
    )
    conn.execute("COMMIT")
    conn.close()
    return path


def test_list_shows_every_scenario_at_its_latest_version(big_db: Path) -> None:
    with ScenarioStore(big_db) as store:
        listed = store.list()
        assert len(listed) == SCENARIOS == store.count()
        assert listed[0].name == f"Scenario {SCENARIOS}", "newest change first"
        assert all(s.version == VERSIONS_EACH for s in listed)
        assert listed[0].inputs["label"] == f"v{VERSIONS_EACH}"
        assert len(store.list(framework_id="agents")) == SCENARIOS // 2
        assert [s.name for s in store.list("scenario 1234")] == ["Scenario 1234"]


def test_summaries_show_every_scenario_at_its_latest_version(big_db: Path) -> None:
    """Scenario n was changed n seconds after midnight, so 10,000 then 9,999 come first;
    each has ten versions, every one recommending "build"."""
    with ScenarioStore(big_db) as store:
        summaries = store.summaries()
        assert len(summaries) == SCENARIOS
        assert [s.name for s in summaries[:2]] == [f"Scenario {SCENARIOS}", "Scenario 9999"]
        assert all(s.version == VERSIONS_EACH for s in summaries)
        assert {s.recommendation for s in summaries} == {"build"}
        assert len(store.summaries(framework_id="agents")) == SCENARIOS // 2


def test_listing_costs_a_fixed_number_of_queries_however_many_scenarios(big_db: Path) -> None:
    """One query per scenario would add ten thousand round trips: the list and the summaries
    each take the same few statements for ten thousand scenarios as for a search that finds
    one (speed itself is measured by `make bench`, not here)."""
    with ScenarioStore(big_db) as store:
        statements: list[str] = []
        store._db().conn.set_trace_callback(statements.append)

        def count(action: Callable[[], object]) -> int:
            statements.clear()
            action()
            return len(statements)

        whole, one = count(store.list), count(lambda: store.list("scenario 1234"))
        summaries, one_summary = count(store.summaries), count(lambda: store.summaries("1234"))
        store._db().conn.set_trace_callback(None)
    assert whole == one <= 3
    assert summaries == one_summary <= 3
