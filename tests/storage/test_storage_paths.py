"""Where the database lives: --db beats AIDF_DB beats the user's data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import ScenarioStore, default_db_path, resolve_db_path


def test_default_is_in_the_users_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = default_db_path()
    assert path == tmp_path / "data" / "ai-decision-frameworks" / "aidf.sqlite3"
    assert not path.parent.exists(), "resolving a path must not create folders"


def test_cli_value_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDF_DB", "/from/env.sqlite3")
    assert resolve_db_path("/from/cli.sqlite3") == Path("/from/cli.sqlite3")


def test_environment_used_without_cli_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDF_DB", "/from/env.sqlite3")
    assert resolve_db_path(None) == Path("/from/env.sqlite3")


def test_default_used_when_nothing_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("AIDF_DB", "")
    assert resolve_db_path(None) == default_db_path()
    assert resolve_db_path("") == default_db_path()


def test_home_shorthand_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_db_path("~/plans.sqlite3") == tmp_path / "plans.sqlite3"


def test_missing_folders_are_created_when_the_database_opens(tmp_path: Path) -> None:
    path = tmp_path / "new" / "nested" / "aidf.sqlite3"
    with ScenarioStore(path) as store:
        assert store.count() == 0
    assert path.is_file()
