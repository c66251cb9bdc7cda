"""Fixtures for storage tests: a fresh database path and an open store on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import ScenarioStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "aidf.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[ScenarioStore]:
    with ScenarioStore(db_path) as opened:
        yield opened


def old_database(path: Path, schema: int, scenarios: list[tuple[str, str, list[Any]]]) -> None:
    """A file as the app at `schema` left it: (name, framework id, inputs of each version)
    scenarios written the way that app wrote them, versions numbered from 1."""
    import sqlite3

    from storage import db as storage_db
    from storage.jsoncolumn import encode

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage_db, "MIGRATIONS", storage_db.MIGRATIONS[:schema])
        patch.setattr(storage_db, "SCHEMA_VERSION", schema)
        ScenarioStore(path).close()
    raw = sqlite3.connect(path, isolation_level=None)
    stamp = "2025-01-01T00:00:00.000000+00:00"
    for sid, (name, framework_id, versions) in enumerate(scenarios, start=1):
        raw.execute(
            "INSERT INTO scenarios (id, name, framework_id, notes, created_at, updated_at, "
            "current_version) VALUES (?, ?, ?, '', ?, ?, ?)",
            [sid, name, framework_id, stamp, stamp, len(versions)],
        )
        for version, inputs in enumerate(versions, start=1):
            raw.execute(
                "INSERT INTO scenario_versions (scenario_id, version, inputs_json, result_json, "
                "notes, saved_at) VALUES (?, ?, ?, NULL, '', ?)",
                [sid, version, encode(inputs), stamp],
            )
    raw.close()
