"""The scenarios commands: list, show, export and import, round trip and refusals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import main
from core.scenario import dump_scenario_file, parse_scenario_file
from storage import ScenarioStore


def _table(out: str) -> list[list[str]]:
    """The list output as rows of cells (cells are separated by two or more spaces)."""
    return [re.split(r" {2,}", line.strip()) for line in out.splitlines()]


def test_list_on_an_empty_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["scenarios", "list"]) == 0
    assert capsys.readouterr().out == "No scenarios.\n"


def test_export_import_list_show_round_trip(
    run_cli, save_scenario, tmp_path: Path, store: ScenarioStore
) -> None:
    original = save_scenario("Q3 plan", notes="From the planning call.", training_cost=750_000)
    out = tmp_path / "q3.json"

    exported = run_cli("scenarios", "export", "Q3 plan", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    on_disk = parse_scenario_file(out.read_text(), {"build_vs_buy"})
    assert on_disk.inputs == original.inputs
    assert on_disk.result == original.result

    imported = run_cli("scenarios", "import", str(out))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "Q3 plan (2)\n"

    listed = run_cli("scenarios", "list")
    assert listed.returncode == 0, listed.stderr
    rows = _table(listed.stdout)
    assert rows[0] == ["NAME", "FRAMEWORK", "VERSION", "UPDATED", "RECOMMENDATION"]
    assert sorted(row[0] for row in rows[1:]) == ["Q3 plan", "Q3 plan (2)"]
    for row in rows[1:]:
        assert row[1:3] == ["build_vs_buy", "1"]
        assert row[4] == "Build"  # the verdict in words, not its code

    shown = run_cli("scenarios", "show", "Q3 plan (2)", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["name"] == "Q3 plan (2)"
    assert data["framework_id"] == "build_vs_buy"
    assert data["notes"] == "From the planning call."
    assert data["inputs"] == original.inputs
    assert data["result"] == original.result


def test_import_into_another_database_keeps_the_name(
    save_scenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_scenario("Travel")
    out = tmp_path / "travel.json"
    assert main.main(["scenarios", "export", "Travel", "--out", str(out)]) == 0
    other = tmp_path / "other.sqlite3"
    capsys.readouterr()
    assert main.main(["scenarios", "import", str(out), "--db", str(other)]) == 0
    assert capsys.readouterr().out == "Travel\n"
    with ScenarioStore(other) as store:
        assert [s.name for s in store.list()] == ["Travel"]


def test_db_option_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.sqlite3"
    with ScenarioStore(other) as store:
        store.create("build_vs_buy", "Elsewhere", {})
    for args in (
        ["--db", str(other), "scenarios", "list"],
        ["scenarios", "list", "--db", str(other)],
    ):
        assert main.main(args) == 0
        assert "Elsewhere" in capsys.readouterr().out
    assert main.main(["scenarios", "list"]) == 0
    assert capsys.readouterr().out == "No scenarios.\n"


def test_list_filters_by_search_and_framework(
    save_scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    save_scenario("Alpha", notes="mentions pricing")
    save_scenario("Beta", serving_cost_per_year=3_000_000)
    assert main.main(["scenarios", "list", "--search", "PRICING"]) == 0
    names = [row[0] for row in _table(capsys.readouterr().out)[1:]]
    assert names == ["Alpha"]
    assert main.main(["scenarios", "list", "--framework", "build_vs_buy"]) == 0
    rows = _table(capsys.readouterr().out)[1:]
    assert {row[0]: row[4] for row in rows} == {"Alpha": "Build", "Beta": "Buy"}
    assert main.main(["scenarios", "list", "--framework", "nope"]) == 2
    assert "unknown framework 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["scenarios", "show", "Nobody"],
        ["scenarios", "export", "Nobody", "--out", "{tmp}/x.json"],
        ["report", "Nobody", "--format", "md", "--out", "{tmp}/x.md"],
    ],
)
def test_unknown_scenario_name(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main([a.format(tmp=tmp_path) for a in args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: No scenario named 'Nobody'.\n"


def _scenario_file(tmp_path: Path, **changes) -> Path:
    """A valid scenario file, then with these changes to its scenario object."""
    from core.scenario import Scenario

    payload = json.loads(
        dump_scenario_file(Scenario(name="Imported", framework_id="build_vs_buy", inputs={}))
    )
    payload["scenario"].update(changes)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(payload))
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing.json", "no such file"),
        (lambda d: _write(d / "s.json", "{not json"), "invalid JSON"),
        (lambda d: _write(d / "s.json", '{"format": "other"}'), "not a scenario file"),
        (lambda d: _scenario_file(d, framework_id="crystal_ball"), "'crystal_ball'"),
        (
            lambda d: _scenario_file(d, inputs={"api_cost_per_token": -1}),
            "api_cost_per_token: must be at least $0/token",
        ),
        (
            lambda d: _write(
                d / "s.json",
                _scenario_file(d).read_text().replace('"inputs": {}', '"inputs": {"seed": NaN}'),
            ),
            "seed: must be a finite number",
        ),
        (lambda d: _scenario_file(d, inputs={"colour": "red"}), "colour: unknown field"),
    ],
)
def test_import_refuses_bad_files_and_saves_nothing(
    make, expected: str, tmp_path: Path, store: ScenarioStore, run_cli
) -> None:
    path = make(tmp_path)
    proc = run_cli("scenarios", "import", str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert expected in proc.stderr
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
    assert store.count() == 0


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_damaged_database_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "damaged.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    assert main.main(["scenarios", "list", "--db", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert str(bad) in err
    assert bad.read_bytes() == b"this is not a database" * 100


def test_export_to_a_missing_folder(save_scenario, tmp_path: Path, capsys) -> None:
    save_scenario("Somewhere")
    target = tmp_path / "no" / "such" / "folder.json"
    assert main.main(["scenarios", "export", "Somewhere", "--out", str(target)]) == 2
    assert capsys.readouterr().err.startswith("error: Could not export to")
    assert not target.exists()


def test_show_and_compare_say_the_recommendation_in_words(
    save_scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    """The saved build_vs_buy result's code 'build' reads 'Build' in the text output; the
    JSON keeps the code for scripts."""
    save_scenario("Plan A")
    save_scenario("Plan B", training_cost=600_000)
    assert main.main(["scenarios", "show", "Plan A"]) == 0
    # Once, not "Build: Build: it pays back" (the headline already opens with the verdict).
    assert "Saved result: Build: it pays back in " in capsys.readouterr().out
    assert main.main(["scenarios", "compare", "Plan A", "Plan B"]) == 0
    out = capsys.readouterr().out
    assert "A: Plan A (version 1): Build: " in out
    assert main.main(["scenarios", "show", "Plan A", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["recommendation"] == "build"
