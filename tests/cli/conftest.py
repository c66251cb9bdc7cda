"""Fixtures for the command-line tests: run main.py as a process, and seed the scenario store."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.evaluation import DatasetItem, Sample, Variant
from core.frameworks import build_vs_buy
from storage import ExperimentStore, ScenarioStore

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


#: A minimal valid scenario file (the hostile-file tests vary one part of it).
SCENARIO = {
    "format": "aidf-scenario",
    "format_version": 1,
    "app_version": "0.1.0",
    "scenario": {"name": "Imported", "framework_id": "build_vs_buy", "inputs": {}, "notes": ""},
}


def dump_database(path: Path) -> list[str]:
    """The database as SQL, to show a refused file changed nothing."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def seeded(db_path: Path) -> list[str]:
    """A dataset "qa" of 3 items, a run with one sample and a scenario; returns the dump."""
    items = [DatasetItem(id=f"q{i}", input=f"question {i}", expected="a") for i in range(3)]
    with ExperimentStore(db_path) as store:
        dataset = store.add_dataset("qa", items)
        run = store.create_run(dataset.id, Variant(name="v", model="m"), None)
        store.add_samples(run, [Sample(item_id="q0", output="a")])
    with ScenarioStore(db_path) as store:
        store.create("build_vs_buy", "Kept", {"training_cost": 1})
    return dump_database(db_path)
