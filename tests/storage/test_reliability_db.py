"""Database faults: a process killed mid-save, two processes writing at once, a damaged file
kept aside, and a read-only or full database, each leaving the committed data intact."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from core.evaluation import DatasetItem, Sample, Variant
from storage import ExperimentStore, ScenarioStore, StorageError
from storage.db import set_aside

ROOT = Path(__file__).resolve().parents[2]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def quick_check(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        conn.close()


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# Killed in the middle of saving

SAVER = """
import sys
from pathlib import Path
from storage import ScenarioStore
store = ScenarioStore(Path(sys.argv[1]))
sid = store.get_by_name("Plan").id
# 200 KB of inputs per version, so a save spends real time writing pages when the kill lands.
padding = "x" * 200_000
n = max(v.version for v in store.versions(sid))
while True:
    store.save(sid, {"n": n + 1, "padding": padding}, None)
    n += 1
    print(n, flush=True)
"""


@pytest.mark.parametrize("kill_after", [1, 7, 23])
def test_a_process_killed_while_saving_leaves_every_committed_version(
    db_path: Path, kill_after: int
) -> None:
    """The saver prints a version number only after its save returned (committed). Killed with
    SIGKILL once `kill_after` lines were read, the file must open and hold versions 1..k with
    k the last number it printed or one more (a commit that landed before its print)."""
    with ScenarioStore(db_path) as store:
        store.create("build_vs_buy", "Plan", {"n": 1})
    proc = _python(SAVER, str(db_path))
    assert proc.stdout is not None
    printed = [int(proc.stdout.readline()) for _ in range(kill_after)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # Saves it reported between our last read and the kill are still in the pipe.
    printed += [int(line) for line in proc.stdout.read().split()]

    assert quick_check(db_path) == "ok"
    with ScenarioStore(db_path) as store:
        versions = sorted(store.versions(store.get_by_name("Plan").id), key=lambda v: v.version)
    numbers = [v.version for v in versions]
    assert numbers == list(range(1, len(numbers) + 1)), "no gap, no half-written version"
    assert len(numbers) in (printed[-1], printed[-1] + 1)
    assert all(v.inputs["n"] == v.version for v in versions)
    assert all(len(v.inputs.get("padding", "x" * 200_000)) == 200_000 for v in versions)


# Two processes on one database

WRITER = """
import sys
from pathlib import Path
from core.evaluation import Sample
from storage import ExperimentStore, ScenarioStore
path, who, run_id, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
scenarios, experiments = ScenarioStore(path), ExperimentStore(path)
print("ready", flush=True)
sys.stdin.readline()  # both start writing at the same moment
sid = scenarios.create("build_vs_buy", f"Plan {who}", {"n": 0}).id
for i in range(count):
    scenarios.save(sid, {"n": i + 1}, None)
    experiments.add_samples(run_id, [Sample(item_id=f"q{i}", output=f"{who} {i}")])
print("done", flush=True)
"""


def test_two_processes_writing_at_once_lose_nothing(db_path: Path) -> None:
    """Each process makes 150 scenario saves and 150 sample writes into its own run, all at
    the same time: 2 x 151 versions and 2 x 150 samples, every one readable, file intact."""
    count = 150
    items = [DatasetItem(id=f"q{i}", input=f"question {i}") for i in range(count)]
    with ExperimentStore(db_path) as store:
        dataset = store.add_dataset("shared", items)
        runs = {
            who: store.create_run(dataset.id, Variant(name=who, model=who), None) for who in "AB"
        }
    procs = {who: _python(WRITER, str(db_path), who, str(runs[who]), str(count)) for who in "AB"}
    for proc in procs.values():
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for who, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert (proc.returncode, out, err) == (0, "done\n", ""), who

    assert quick_check(db_path) == "ok"
    with ScenarioStore(db_path) as scenarios, ExperimentStore(db_path) as experiments:
        for who in "AB":
            versions = scenarios.versions(scenarios.get_by_name(f"Plan {who}").id)
            assert sorted(v.inputs["n"] for v in versions) == list(range(count + 1))
            samples = experiments.samples(runs[who])
            assert sorted(s.output for s in samples) == sorted(f"{who} {i}" for i in range(count))


# A damaged file is kept aside, never overwritten


def _damaged(path: Path) -> bytes:
    with ScenarioStore(path) as store:
        for n in range(200):
            store.create("build_vs_buy", f"Plan {n}", {"notes": "x" * 500})
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    data = bytearray(path.read_bytes())
    data[4096:12288] = bytes((i * 37 + 11) % 256 for i in range(8192))
    path.write_bytes(bytes(data))
    return bytes(data)


def test_a_damaged_file_is_reported_as_damaged_and_kept_aside_byte_for_byte(
    db_path: Path,
) -> None:
    original = _damaged(db_path)
    with pytest.raises(StorageError) as caught:
        ScenarioStore(db_path)
    assert caught.value.damaged and caught.value.path == db_path
    assert db_path.read_bytes() == original
    Path(f"{db_path}-wal").write_bytes(b"wal pages")

    kept = set_aside(db_path, now=datetime(2026, 3, 4, 5, 6, 7))
    assert kept == db_path.with_name("aidf.sqlite3.corrupt-20260304-050607")
    assert kept.read_bytes() == original
    assert Path(f"{kept}-wal").read_bytes() == b"wal pages", "the WAL travels with its file"
    assert not db_path.exists() and not Path(f"{db_path}-wal").exists()
    with ScenarioStore(db_path) as store:
        assert store.count() == 0
        store.create("agents", "Fresh start", {})
    assert kept.read_bytes() == original


def test_keeping_aside_twice_in_one_second_never_overwrites(db_path: Path) -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7)
    db_path.write_bytes(b"first damaged file")
    first = set_aside(db_path, now=moment)
    db_path.write_bytes(b"second damaged file")
    second = set_aside(db_path, now=moment)
    assert second == db_path.with_name("aidf.sqlite3.corrupt-20260304-050607-2")
    assert (first.read_bytes(), second.read_bytes()) == (
        b"first damaged file",
        b"second damaged file",
    )


def test_a_file_that_cannot_be_moved_stays_put_with_a_clear_message(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path.write_bytes(b"damaged")

    def refuse(self: Path, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "rename", refuse)
    with pytest.raises(StorageError) as caught:
        set_aside(db_path)
    assert "Permission denied" in str(caught.value)
    assert "left where it is, unchanged" in str(caught.value)
    monkeypatch.undo()
    assert db_path.read_bytes() == b"damaged"


def test_other_refusals_are_not_called_damage(db_path: Path) -> None:
    """A newer app's database is intact: it must not be offered for keeping aside."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA application_id = 1095321158")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StorageError) as caught:
        ScenarioStore(db_path)
    assert not caught.value.damaged


# Read-only and full databases


def _limit(store: ScenarioStore | ExperimentStore, pragma: str) -> None:
    """A SQLite-enforced fault on the store's own connection: `max_page_count` at the current
    size makes SQLite answer SQLITE_FULL as a full disk does, `query_only` SQLITE_READONLY as a
    read-only file does (file modes would not stop root, which the tests may run as)."""
    db = store._db()
    if pragma == "full":
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
    else:
        db.execute("PRAGMA query_only = ON")


@pytest.mark.parametrize(
    ("fault", "advice"),
    [
        ("full", "the disk holding {path} is full. Free some space and try again; nothing was"),
        ("readonly", "the database {path} is read-only, so nothing was saved. Save to another"),
    ],
)
def test_a_full_or_read_only_database_refuses_the_save_and_keeps_the_work(
    db_path: Path, tmp_path: Path, fault: str, advice: str
) -> None:
    """The save of 300 KB of inputs fails with advice naming the file; version 1 is intact;
    the same unsaved inputs then save to another database (what Save As does)."""
    work = {"notes": "y" * 300_000, "n": 2}
    with ScenarioStore(db_path) as store:
        sid = store.create("build_vs_buy", "Plan", {"n": 1}).id or 0
        _limit(store, fault)
        with pytest.raises(StorageError) as caught:
            store.save(sid, work, None)
        assert str(caught.value).startswith("Could not save the scenario: ")
        assert advice.format(path=db_path) in str(caught.value)
        assert [v.inputs for v in store.versions(sid)] == [{"n": 1}]
    assert quick_check(db_path) == "ok"
    with ScenarioStore(tmp_path / "elsewhere.sqlite3") as other:
        saved = other.create("build_vs_buy", "Plan", work)
        assert other.get(saved.id or 0).inputs == work


def test_a_full_disk_stores_none_of_a_batch_of_samples(db_path: Path) -> None:
    items = [DatasetItem(id=f"q{i}", input="x") for i in range(2000)]
    with ExperimentStore(db_path) as store:
        run = store.create_run(store.add_dataset("d", items).id, Variant(name="v", model="m"), None)
        store.add_samples(run, [Sample(item_id="q0", output="kept")])
        _limit(store, "full")
        batch = [Sample(item_id=f"q{i}", output="z" * 2000) for i in range(1, 2000)]
        with pytest.raises(StorageError, match="is full"):
            store.add_samples(run, batch)
        assert [s.output for s in store.samples(run)] == ["kept"]


def test_an_oversized_scenario_file_is_refused_before_it_is_read(
    store: ScenarioStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10,000,001 bytes is one over the limit: refused from its size, never read into memory."""
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(10_000_001)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(StorageError, match="it is 10.0 MB, and scenario files are at most 10 MB"):
        store.import_file(path, {"build_vs_buy"})
    assert store.count() == 0
