"""Start-up on a newer app's database with a pending -wal: the window's open path says why it
cannot open it and leaves the main file's and the WAL's bytes as they were (issue 14, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import SCHEMA_VERSION, StorageError
from tests.storage.test_db_open import newer_database_with_pending_wal, wal_digests
from ui import app


@pytest.mark.parametrize("choice", ["close", "other"])
def test_a_newer_database_is_refused_at_start_up_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, choice: str
) -> None:
    path = tmp_path / "plans.sqlite3"
    newer_database_with_pending_wal(path, bump_in_wal_only=False)
    before = wal_digests(path)
    asked: list[StorageError] = []

    def ask(exc: StorageError) -> str:
        asked.append(exc)
        return choice

    monkeypatch.setattr(app, "_ask_after_failure", ask)
    # "Choose another database file?" answered, then the file dialog cancelled.
    monkeypatch.setattr(app.QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert app.open_store(path) is None
    assert len(asked) == 1
    assert not asked[0].damaged
    assert f"(schema {SCHEMA_VERSION + 1})" in str(asked[0])
    assert wal_digests(path) == before
