"""Opening database files: new, old, newer, foreign and damaged files are handled safely."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage import SCHEMA_VERSION, ScenarioStore, StorageError
from storage import db as storage_db
from storage.db import APPLICATION_ID, check, connect_existing


def digest(path: Path) -> str:
    """Fingerprint of a file's bytes, to prove a refused file was not modified."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        conn.close()
    return {name for (name,) in rows}


def _make_sqlite_file(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _our_database(path: Path, user_version: int) -> None:
    """A file that looks like ours at the given schema version, in rollback-journal mode."""
    _make_sqlite_file(
        path,
        "CREATE TABLE scenarios (id INTEGER PRIMARY KEY, name TEXT)",
        "INSERT INTO scenarios (name) VALUES ('from the future')",
        f"PRAGMA application_id = {APPLICATION_ID}",
        f"PRAGMA user_version = {user_version}",
    )


def test_new_file_gets_the_current_schema(db_path: Path) -> None:
    ScenarioStore(db_path).close()
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION
    assert _pragma(db_path, "application_id") == APPLICATION_ID
    assert {"scenarios", "scenario_versions", "meta"} <= _tables(db_path)


def test_empty_file_is_initialised(db_path: Path) -> None:
    db_path.touch()
    with ScenarioStore(db_path) as store:
        store.create("build_vs_buy", "Plan", {"x": 1})
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION
    with ScenarioStore(db_path) as store:
        assert [s.name for s in store.list()] == ["Plan"]


def test_schema_zero_database_is_migrated(db_path: Path) -> None:
    # A valid SQLite file with nothing in it yet (user_version 0), as `sqlite3 FILE` makes.
    _make_sqlite_file(db_path, "PRAGMA user_version = 0", "VACUUM")
    assert db_path.stat().st_size > 0
    with ScenarioStore(db_path) as store:
        created = store.create("demo_framework", "Support bot", {"tools": 3})
        assert store.get(created.id or 0).inputs == {"tools": 3}
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION


def test_connection_settings(db_path: Path) -> None:
    check(db_path)
    db = connect_existing(db_path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    finally:
        db.close()
    # WAL is a property of the file, so other programs reading it see it too.
    assert _pragma(db_path, "journal_mode") == "wal"


def test_reopening_keeps_data_and_schema(db_path: Path) -> None:
    with ScenarioStore(db_path) as store:
        store.create("build_vs_buy", "Plan", {"x": 1}, notes="keep me")
    with ScenarioStore(db_path) as store:
        assert store.get_by_name("plan").notes == "keep me"
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION


def test_newer_schema_is_refused_and_left_untouched(db_path: Path) -> None:
    _our_database(db_path, SCHEMA_VERSION + 1)
    before = digest(db_path)
    with pytest.raises(StorageError) as caught:
        ScenarioStore(db_path)
    message = str(caught.value)
    assert "newer version of AI Decision Frameworks" in message
    assert f"(schema {SCHEMA_VERSION + 1})" in message
    assert f"understands up to {SCHEMA_VERSION}" in message
    assert "Update the app or choose another database" in message
    assert str(db_path) in message
    assert digest(db_path) == before
    assert _pragma(db_path, "journal_mode") == "delete", "WAL must not be switched on"
    assert not Path(f"{db_path}-wal").exists()


def test_text_file_is_refused_and_left_untouched(db_path: Path) -> None:
    db_path.write_text("my shopping list\neggs\nmilk\n", encoding="utf-8")
    before = digest(db_path)
    with pytest.raises(StorageError) as caught:
        ScenarioStore(db_path)
    assert "not a valid AI Decision Frameworks database" in str(caught.value)
    assert "left untouched" in str(caught.value)
    assert str(db_path) in str(caught.value)
    assert digest(db_path) == before


def _filled_database(path: Path) -> bytes:
    with ScenarioStore(path) as store:
        for n in range(300):
            store.create("build_vs_buy", f"Plan {n}", {"notes": "x" * 500, "n": n})
    # Fold the WAL back into the main file so the bytes below are the whole database.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return path.read_bytes()


def test_truncated_database_is_refused_and_left_untouched(db_path: Path) -> None:
    data = _filled_database(db_path)
    db_path.write_bytes(data[: len(data) // 2])
    before = digest(db_path)
    with pytest.raises(StorageError) as caught:
        ScenarioStore(db_path)
    assert "damaged" in str(caught.value)
    assert digest(db_path) == before


def test_garbled_database_is_refused_and_left_untouched(db_path: Path) -> None:
    data = bytearray(_filled_database(db_path))
    # Overwrite a stretch of b-tree pages (the header stays valid, so only SQLite can tell).
    data[4096:12288] = bytes((i * 37 + 11) % 256 for i in range(8192))
    db_path.write_bytes(bytes(data))
    before = digest(db_path)
    with pytest.raises(StorageError) as caught:
        ScenarioStore(db_path)
    assert "damaged" in str(caught.value)
    assert digest(db_path) == before


def test_short_garbage_file_is_refused(db_path: Path) -> None:
    db_path.write_bytes(b"\x00\x01")
    with pytest.raises(StorageError, match="does not start with the SQLite file header"):
        ScenarioStore(db_path)
    assert db_path.read_bytes() == b"\x00\x01"


def test_another_programs_database_is_refused_and_left_untouched(db_path: Path) -> None:
    _make_sqlite_file(db_path, "CREATE TABLE scenarios (whatever TEXT)")
    before = digest(db_path)
    with pytest.raises(StorageError, match="made by another program"):
        ScenarioStore(db_path)
    assert digest(db_path) == before


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is a folder"):
        ScenarioStore(tmp_path)


def test_failed_upgrade_keeps_the_old_schema_and_data(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScenarioStore(db_path) as store:
        store.create("build_vs_buy", "Plan", {"x": 1})

    def broken_migration(db: object) -> None:
        conn = db.conn  # type: ignore[attr-defined]
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(storage_db, "MIGRATIONS", [*storage_db.MIGRATIONS, broken_migration])
    monkeypatch.setattr(storage_db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(StorageError, match=f"upgrade the database to schema {SCHEMA_VERSION + 1}"):
        ScenarioStore(db_path)
    monkeypatch.undo()

    assert _pragma(db_path, "user_version") == SCHEMA_VERSION
    assert "half_done" not in _tables(db_path)
    with ScenarioStore(db_path) as store:
        assert store.get_by_name("Plan").inputs == {"x": 1}


def test_each_migration_runs_once(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ScenarioStore(db_path).close()
    calls: list[int] = []

    def migration_2(db: object) -> None:
        calls.append(2)

    monkeypatch.setattr(storage_db, "MIGRATIONS", [*storage_db.MIGRATIONS, migration_2])
    monkeypatch.setattr(storage_db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    ScenarioStore(db_path).close()
    ScenarioStore(db_path).close()
    assert calls == [2]
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION + 1


def test_schema_version_matches_the_migration_list() -> None:
    assert len(storage_db.MIGRATIONS) == SCHEMA_VERSION


def newer_database_with_pending_wal(path: Path, bump_in_wal_only: bool) -> None:
    """A database of schema SCHEMA_VERSION + 1 whose last commits are still in its -wal, as a
    newer app leaves it when it is killed: the files are copied while the writer is open, so
    no checkpoint has moved the WAL into the main file. With `bump_in_wal_only`, the main file
    still says the current schema and only the WAL holds the newer one."""
    source = path.with_name("writer.sqlite3")
    writer = sqlite3.connect(source, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("CREATE TABLE scenarios (id INTEGER PRIMARY KEY, name TEXT)")
        writer.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if bump_in_wal_only:
            writer.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        writer.execute("INSERT INTO scenarios (name) VALUES ('from the future')")
        writer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        path.write_bytes(source.read_bytes())
        Path(f"{path}-wal").write_bytes(Path(f"{source}-wal").read_bytes())
    finally:
        writer.close()
    if bump_in_wal_only:
        assert _header_user_version(path) == SCHEMA_VERSION


def _header_user_version(path: Path) -> int:
    """user_version as the main file's header stores it (offset 60, big-endian)."""
    return int.from_bytes(path.read_bytes()[60:64], "big")


def wal_digests(path: Path) -> tuple[str, str]:
    return digest(path), digest(Path(f"{path}-wal"))


@pytest.mark.parametrize("bump_in_wal_only", [False, True], ids=["main-file", "wal-only"])
def test_a_newer_database_with_a_pending_wal_keeps_its_bytes(
    db_path: Path, bump_in_wal_only: bool
) -> None:
    """The refusal reads the file read-only: before, the read-write check replayed the WAL
    into the main file and deleted it when the connection closed."""
    newer_database_with_pending_wal(db_path, bump_in_wal_only)
    before = wal_digests(db_path)
    assert Path(f"{db_path}-wal").stat().st_size > 0
    with pytest.raises(StorageError, match=f"newer version .*schema {SCHEMA_VERSION + 1}"):
        ScenarioStore(db_path)
    assert wal_digests(db_path) == before


def test_the_cli_leaves_a_newer_database_with_a_pending_wal_as_it_was(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import main

    newer_database_with_pending_wal(db_path, bump_in_wal_only=False)
    before = wal_digests(db_path)
    for args in (["scenarios", "list"], ["eval", "runs"], ["catalog", "--search", "gpt-4o"]):
        assert main.main(["--db", str(db_path), *args]) == 2
        err = capsys.readouterr().err
        assert "newer version of AI Decision Frameworks" in err
        assert "The file was left untouched." in err
        assert wal_digests(db_path) == before


def test_an_up_to_date_database_with_a_pending_wal_opens_with_its_data(db_path: Path) -> None:
    """The read-only check sees the WAL's commits; the read-write open that follows keeps them."""
    with ScenarioStore(db_path) as store:
        store.create("build_vs_buy", "Plan", {"x": 1})
    source = db_path.with_name("writer.sqlite3")
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("UPDATE scenarios SET notes = 'in the wal' WHERE name = 'Plan'")
        source.write_bytes(db_path.read_bytes())
        Path(f"{source}-wal").write_bytes(Path(f"{db_path}-wal").read_bytes())
    finally:
        writer.close()
    with ScenarioStore(source) as store:
        assert store.get_by_name("Plan").notes == "in the wal"


def test_a_path_with_uri_characters_opens(tmp_path: Path) -> None:
    """The read-only check opens the file by URI: ?, #, % and spaces in the path are escaped,
    so the check reads this very file (not one named up to the '?') and finds its data."""
    path = tmp_path / "plans ?x=1 #2 %41.sqlite3"
    with ScenarioStore(path) as store:
        store.create("build_vs_buy", "Plan", {"x": 1})
    with ScenarioStore(path) as store:
        assert store.get_by_name("Plan").inputs == {"x": 1}
    assert sorted(p.name for p in tmp_path.iterdir() if "sqlite3" in p.name)[0] == path.name
    assert not (tmp_path / "plans ").exists()


def test_a_device_is_not_a_database(tmp_path: Path) -> None:
    """A --db symlinked to /dev/zero: refused by its type, not read as a damaged database
    (which would offer to rename it aside)."""
    path = tmp_path / "zero.sqlite3"
    path.symlink_to("/dev/zero")
    with pytest.raises(StorageError) as caught:
        ScenarioStore(path)
    assert str(caught.value) == (
        f"{path} is a device, not a database file. Choose a file name instead."
    )
    assert not caught.value.damaged


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """Opening a FIFO nobody writes to blocks for ever: the CLI runs in a subprocess with a
    timeout, so a regression fails the test instead of hanging it."""
    path = tmp_path / "pipe.sqlite3"
    os.mkfifo(path)
    done = subprocess.run(
        [sys.executable, "main.py", "--db", str(path), "scenarios", "list"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"error: {path} is a pipe, not a database file. Choose a file name instead.\n"
    )


def test_opening_a_store_leaves_pandas_out_and_importable(tmp_path: Path) -> None:
    """sqlite-utils would import pandas (installed with the mlflow extra) on the way to the
    first window; the store opens without it, and pandas still imports afterwards."""
    pytest.importorskip("pandas")
    code = (
        "import sys; from pathlib import Path; from storage import ScenarioStore\n"
        f"store = ScenarioStore(Path({str(tmp_path / 'db.sqlite3')!r})); store.list()\n"
        "assert 'sqlite_utils.db' in sys.modules\n"
        "print('pandas' in sys.modules)\n"
        "import pandas; print(pandas.DataFrame is not None)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path.cwd()
    )
    assert out.stdout.split() == ["False", "True"]
