"""Using one store from several threads, and several stores (or programs) on one file."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.scenario import Scenario
from storage import ScenarioStore, StorageError
from storage import db as storage_db


def test_create_in_a_worker_thread_then_read_in_main(store: ScenarioStore) -> None:
    created: list[Scenario] = []
    worker = threading.Thread(
        target=lambda: created.append(store.create("agents", "From worker", {"n": 1}))
    )
    worker.start()
    worker.join()
    assert created, "the worker thread could use the store"
    assert store.get(created[0].id or 0).inputs == {"n": 1}
    assert [s.name for s in store.list()] == ["From worker"]


def test_concurrent_saves_all_land_in_order(store: ScenarioStore) -> None:
    sid = store.create("agents", "Busy", {"n": 0}).id or 0

    def save(n: int) -> int:
        return store.save(sid, {"n": n}, None).version

    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = list(pool.map(save, range(1, 41)))

    assert sorted(versions) == list(range(2, 42)), "no save lost, no number used twice"
    history = store.versions(sid)
    assert [v.version for v in history] == list(range(41, 0, -1))
    assert sorted(v.inputs["n"] for v in history) == list(range(41))


def test_concurrent_creates_with_the_same_name_make_one(store: ScenarioStore) -> None:
    def create() -> str:
        try:
            store.create("agents", "Race", {})
        except StorageError as exc:
            return str(exc)
        return "created"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda _: create(), range(6)))
    assert outcomes.count("created") == 1
    assert all("already exists" in o for o in outcomes if o != "created")
    assert store.count() == 1


def test_second_store_on_the_same_file_sees_saves(db_path: Path) -> None:
    with ScenarioStore(db_path) as first, ScenarioStore(db_path) as second:
        sid = first.create("build_vs_buy", "Shared", {"v": 1}).id or 0
        assert second.get(sid).inputs == {"v": 1}
        second.save(sid, {"v": 2}, None)
        assert first.get(sid).version == 2
        assert first.list()[0].inputs == {"v": 2}
        with pytest.raises(StorageError, match="already exists"):
            second.create("agents", "shared", {})


def test_close_then_use_again(db_path: Path) -> None:
    store = ScenarioStore(db_path)
    sid = store.create("agents", "Bot", {}).id or 0
    worker = threading.Thread(target=store.count)
    worker.start()
    worker.join()
    store.close()
    assert store.get(sid).name == "Bot", "a closed store reopens on the next call"
    store.close()


def test_busy_database_is_reported_and_nothing_is_saved(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keep the test quick: another program's lock is waited on for 5 s in real use.
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 100)
    with ScenarioStore(db_path) as store:
        sid = store.create("agents", "Bot", {"v": 1}).id or 0
        other_program = sqlite3.connect(db_path, isolation_level=None)
        other_program.execute("BEGIN IMMEDIATE")
        try:
            saved = threading.Event()
            errors: list[str] = []

            def save_from_worker() -> None:
                try:
                    store.save(sid, {"v": 2}, None)
                    saved.set()
                except StorageError as exc:
                    errors.append(str(exc))

            # A worker thread opens its own connection, after BUSY_TIMEOUT_MS was lowered.
            worker = threading.Thread(target=save_from_worker)
            worker.start()
            worker.join()
            assert not saved.is_set()
            assert errors and "is busy" in errors[0] and "try again" in errors[0]
            assert str(db_path) in errors[0]
        finally:
            other_program.execute("ROLLBACK")
            other_program.close()
        assert store.get(sid).version == 1
        assert store.save(sid, {"v": 2}, None).version == 2, "works once the lock is gone"
