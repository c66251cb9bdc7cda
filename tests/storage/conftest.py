"""Fixtures for storage tests: a fresh database path and an open store on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import ScenarioStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "aidf.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[ScenarioStore]:
    with ScenarioStore(db_path) as opened:
        yield opened
