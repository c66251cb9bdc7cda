"""SQLite failures reach the user as advice, never as raw sqlite3 messages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import ScenarioStore
from storage.errors import StorageError, storage_error_from_sqlite

PATH = Path("/home/ann/plans.sqlite3")


@pytest.mark.parametrize(
    ("raw", "advice"),
    [
        ("database is locked", "is busy"),
        ("attempt to write a readonly database", "Save to another file with File > Save As…"),
        ("database or disk is full", "Free some space"),
        ("disk I/O error", "Check that the drive is still connected"),
        ("unable to open database file", "Check that its folder exists"),
        ("database disk image is malformed", "damaged"),
        ("file is not a database", "left untouched"),
    ],
)
def test_known_failures_become_advice(raw: str, advice: str) -> None:
    error = storage_error_from_sqlite(sqlite3.OperationalError(raw), PATH, "save the scenario")
    assert isinstance(error, StorageError)
    assert advice in str(error)
    assert str(PATH) in str(error)
    assert error.path == PATH


def test_failures_say_what_was_being_done() -> None:
    error = storage_error_from_sqlite(
        sqlite3.OperationalError("database or disk is full"), PATH, "save the scenario"
    )
    assert str(error).startswith("Could not save the scenario: the disk holding")


def test_unexpected_failures_keep_the_detail_with_context() -> None:
    error = storage_error_from_sqlite(
        sqlite3.OperationalError("no such table: scenarios"), PATH, "list the scenarios"
    )
    assert str(error) == (
        f"Could not list the scenarios: unexpected database error in {PATH} "
        "(no such table: scenarios)."
    )


def test_sqlites_own_read_only_error_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "aidf.sqlite3"
    with ScenarioStore(path) as store:
        sid = store.create("agents", "Bot", {}).id or 0
    # A read-only URI connection stands in for a read-only file (file modes mean
    # nothing to root, which is how tests may run).
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            conn.execute("UPDATE scenarios SET notes = 'x' WHERE id = ?", [sid])
    finally:
        conn.close()
    error = storage_error_from_sqlite(caught.value, path, "save the scenario")
    assert "is read-only" in str(error) and "File > Save As…" in str(error)
