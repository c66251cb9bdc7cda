"""Fixtures for the command-line tests: run main.py as a process, and seed the scenario store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.frameworks import build_vs_buy
from storage import ScenarioStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The database every CLI call in the test uses (the autouse fixture points AIDF_DB here)."""
    return Path(os.environ["AIDF_DB"])


@pytest.fixture
def run_cli(db_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python main.py ARGS...` from the repository root, as a user would."""

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        env.update(
            AIDF_DB=str(db_path),
            QT_QPA_PLATFORM="offscreen",
            LITELLM_LOCAL_MODEL_COST_MAP="True",
        )
        return subprocess.run(
            [sys.executable, "main.py", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def store(db_path: Path) -> Iterator[ScenarioStore]:
    with ScenarioStore(db_path) as opened:
        yield opened


@pytest.fixture
def save_scenario(store: ScenarioStore) -> Callable[..., Any]:
    """Save a build_vs_buy scenario with these input overrides and its computed result."""

    def save(name: str, notes: str = "", **overrides: Any) -> Any:
        inputs = build_vs_buy.Inputs(**overrides)
        result = build_vs_buy.compute(inputs)
        return store.create(
            build_vs_buy.ID,
            name,
            inputs.model_dump(mode="json"),
            result.model_dump(mode="json"),
            notes=notes,
        )

    return save
