"""Exporting scenarios to files and importing them back, including bad and clashing files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core.scenario import Scenario, parse_scenario_file
from storage import ScenarioStore, StorageError

KNOWN_FRAMEWORKS = {"build_vs_buy", "demo_framework"}


def digest(path: Path) -> str:
    """Fingerprint of a file's bytes, to prove a refused file was not modified."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(store: ScenarioStore) -> list[tuple[object, ...]]:
    """Everything a user could see in the store."""
    return [
        (s.id, s.name, s.version, s.inputs, s.result, s.notes, s.updated_at) for s in store.list()
    ]


def test_export_then_import_round_trip(store: ScenarioStore, tmp_path: Path) -> None:
    original = store.create(
        "build_vs_buy", "Q3 plan", {"training_cost": 500_000.0}, {"answer": "build"}, "ok'd by CFO"
    )
    store.save(original.id or 0, {"training_cost": 600_000.0}, {"answer": "buy"})
    out = tmp_path / "q3.aidf.json"
    store.export_file(original.id or 0, out)

    exported = parse_scenario_file(out.read_text(encoding="utf-8"), KNOWN_FRAMEWORKS)
    assert exported.inputs == {"training_cost": 600_000.0}, "the latest version is exported"

    imported = store.import_file(out, KNOWN_FRAMEWORKS)
    assert imported.name == "Q3 plan (2)"
    assert imported.id != original.id
    assert imported.version == 1
    assert imported.framework_id == "build_vs_buy"
    assert (imported.inputs, imported.result, imported.notes) == (
        {"training_cost": 600_000.0},
        {"answer": "buy"},
        "ok'd by CFO",
    )
    assert imported.created_at == original.created_at
    assert store.list()[0].id == imported.id, "an import shows at the top of the list"

    again = store.import_file(out, KNOWN_FRAMEWORKS)
    assert again.name == "Q3 plan (3)"
    assert store.count() == 3


def test_import_into_another_database_keeps_the_name(store: ScenarioStore, tmp_path: Path) -> None:
    sid = store.create("demo_framework", "Bot", {"tools": ["search"]}).id or 0
    store.export_file(sid, tmp_path / "bot.json")
    with ScenarioStore(tmp_path / "other.sqlite3") as other:
        imported = other.import_file(tmp_path / "bot.json", KNOWN_FRAMEWORKS)
        assert imported.name == "Bot"
        assert imported.inputs == {"tools": ["search"]}


def test_import_conflict_can_be_refused(store: ScenarioStore) -> None:
    store.create("demo_framework", "Bot", {"mine": True})
    incoming = Scenario(name="bot", framework_id="demo_framework", inputs={"theirs": True})
    with pytest.raises(StorageError, match="A scenario named 'bot' already exists"):
        store.import_scenario(incoming, rename_on_conflict=False)
    assert store.get_by_name("Bot").inputs == {"mine": True}
    assert store.count() == 1


def test_renaming_on_conflict_fills_the_first_free_number(store: ScenarioStore) -> None:
    store.create("demo_framework", "Bot", {})
    store.create("demo_framework", "Bot (2)", {})
    store.create("demo_framework", "Bot (4)", {})
    incoming = Scenario(name="Bot", framework_id="demo_framework", inputs={})
    assert store.import_scenario(incoming).name == "Bot (3)"
    assert store.import_scenario(incoming).name == "Bot (5)"


def test_renaming_on_conflict_stays_within_the_name_limit(store: ScenarioStore) -> None:
    long_name = "n" * 200
    store.create("demo_framework", long_name, {})
    imported = store.import_scenario(
        Scenario(name=long_name, framework_id="demo_framework", inputs={})
    )
    assert imported.name == "n" * 196 + " (2)"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b'{"format": "something-else"}', "'format' field"),
        ("caf\u00e9".encode("latin-1"), "not a UTF-8 text file"),
        (
            json.dumps(
                {
                    "format": "aidf-scenario",
                    "format_version": 1,
                    "scenario": {"name": "X", "framework_id": "time_travel", "inputs": {}},
                }
            ).encode(),
            "framework 'time_travel'",
        ),
        (
            json.dumps({"format": "aidf-scenario", "format_version": 99, "scenario": {}}).encode(),
            "newer version of the app",
        ),
    ],
)
def test_bad_file_is_reported_and_nothing_is_written(
    store: ScenarioStore, tmp_path: Path, content: bytes, reason: str
) -> None:
    store.create("demo_framework", "Existing", {"a": 1}, notes="untouched")
    before = _snapshot(store)
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(StorageError) as caught:
        store.import_file(bad, KNOWN_FRAMEWORKS)
    assert reason in str(caught.value)
    assert str(bad) in str(caught.value)
    assert _snapshot(store) == before
    assert store.count() == 1


def test_missing_file_is_reported(store: ScenarioStore, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    with pytest.raises(StorageError, match="No such file"):
        store.import_file(missing, KNOWN_FRAMEWORKS)
    assert store.count() == 0


def test_file_with_byte_order_mark_imports(store: ScenarioStore, tmp_path: Path) -> None:
    sid = store.create("demo_framework", "Bot", {"k": "v"}).id or 0
    path = tmp_path / "bot.json"
    store.export_file(sid, path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert store.import_file(path, KNOWN_FRAMEWORKS).inputs == {"k": "v"}


def test_export_replaces_a_file_completely(store: ScenarioStore, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    out.write_text("x" * 100_000, encoding="utf-8")
    sid = store.create("demo_framework", "Bot", {"k": 1}).id or 0
    store.export_file(sid, out)
    assert parse_scenario_file(out.read_text(encoding="utf-8"), KNOWN_FRAMEWORKS).name == "Bot"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["aidf.sqlite3", "aidf.sqlite3-wal", "aidf.sqlite3-shm", "plan.json"]
    ), "no temporary files are left behind"


def test_export_problems_are_reported(store: ScenarioStore, tmp_path: Path) -> None:
    sid = store.create("demo_framework", "Bot", {}).id or 0
    missing = "Could not export to .*bot.json: the folder .*folder does not exist"
    with pytest.raises(StorageError, match=missing):
        store.export_file(sid, tmp_path / "no" / "such" / "folder" / "bot.json")
    with pytest.raises(StorageError, match="No scenario with id 999"):
        store.export_file(999, tmp_path / "ghost.json")
    assert not (tmp_path / "ghost.json").exists()
    assert not (tmp_path / "no").exists()


def test_interrupted_export_leaves_the_old_file(
    store: ScenarioStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "plan.json"
    out.write_text("previous export", encoding="utf-8")
    before = digest(out)
    sid = store.create("demo_framework", "Bot", {}).id or 0

    def fail_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.files.os.replace", fail_replace)
    with pytest.raises(StorageError, match="Could not export to .*No space left on device"):
        store.export_file(sid, out)
    assert digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".plan")] == []


def test_export_onto_a_folder_is_refused(store: ScenarioStore, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "keep.txt").write_text("important", encoding="utf-8")
    sid = store.create("demo_framework", "Bot", {}).id or 0
    with pytest.raises(StorageError, match="Could not export to"):
        store.export_file(sid, folder)
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "important"
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
