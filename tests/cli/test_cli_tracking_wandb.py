"""`eval log`, `eval log-comparison` and `scenarios log` with `--to wandb`, as a user runs
them: each writes an offline W&B run (beside the database unless --tracking-uri names a
folder), prints where and the `wandb sync` command, and the run read back from its transaction
log (tests/wandb_offline.py) holds the record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.evaluation import DatasetItem, Sample, Variant
from storage import ExperimentStore
from tests.wandb_offline import read_offline_run, table_json

pytest.importorskip("wandb")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's process inherits these: write locally, print nothing, no git state."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)


@pytest.fixture
def runs(db_path: Path) -> tuple[int, int]:
    """Two imported runs of 4 items: the baseline right on 2, the variant on all 4."""
    items = [DatasetItem(id=f"q{i}", input=f"question {i}", expected="a") for i in range(4)]
    with ExperimentStore(db_path) as store:
        dataset = store.add_dataset("cli set", items)
        base = store.import_run(
            dataset.id,
            Variant(name="base", model="m1"),
            [Sample(item_id=f"q{i}", output="a" if i < 2 else "b") for i in range(4)],
            name="base",
        )
        better = store.import_run(
            dataset.id,
            Variant(name="better", model="m2"),
            [Sample(item_id=f"q{i}", output="a") for i in range(4)],
            name="better",
        )
    return base, better


def _folder(stdout: str) -> Path:
    """The offline run's folder from 'Offline: upload it with wandb sync FOLDER'."""
    line = next(x for x in stdout.splitlines() if x.startswith("Offline: upload it with "))
    return Path(line.split("wandb sync ", 1)[1].strip())


def test_eval_log_writes_the_run_beside_the_database_and_says_how_to_sync_it(
    run_cli: Callable[..., Any], runs: tuple[int, int], db_path: Path
) -> None:
    base, _ = runs
    done = run_cli("eval", "log", str(base), "--to", "wandb")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Logged run {base} to W&B as run ")
    folder = _folder(done.stdout)
    assert folder.parent == db_path.parent / "wandb"
    assert str(folder) in done.stdout.splitlines()[0]
    run = read_offline_run(folder)
    assert (run.job_type, run.name, run.exited) == ("run", "base", True)
    assert run.config["model"] == "m1" and run.config["tags"]["dataset"] == "cli set"
    assert run.summary["exact_match_mean"] == 0.5
    assert [row[0] for row in table_json(folder, "items")["data"]] == ["q0", "q1", "q2", "q3"]


def test_eval_log_comparison_writes_its_verdict_and_both_runs(
    run_cli: Callable[..., Any], runs: tuple[int, int], tmp_path: Path
) -> None:
    base, better = runs
    target = tmp_path / "wb"
    done = run_cli(
        "eval", "log-comparison", str(base), str(better), "--to", "wandb",
        "--tracking-uri", str(target),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = _folder(done.stdout)
    assert folder.parent == target / "wandb"
    run = read_offline_run(folder)
    assert (run.job_type, run.name) == ("comparison", "better vs base")
    tags = run.config["tags"]
    assert (tags["baseline_run_id"], tags["variant_run_id"]) == (str(base), str(better))
    assert run.summary["lift"] == 0.5
    assert "comparison-record" in run.artifacts


def test_scenarios_log_writes_the_decision_record_as_an_artifact(
    run_cli: Callable[..., Any], save_scenario: Callable[..., Any], tmp_path: Path
) -> None:
    save_scenario("Own GPUs", training_cost=250_000)
    done = run_cli("scenarios", "log", "Own GPUs", "--to", "wandb", "--tracking-uri", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Logged scenario 'Own GPUs' version 1 to W&B as run ")
    run = read_offline_run(_folder(done.stdout))
    assert (run.job_type, run.config["training_cost"]) == ("decision", 250_000)
    name, files = run.artifacts["decision-record"]
    assert name == "decision-Own-GPUs"
    markdown = files["decision_record.md"].read_text(encoding="utf-8")
    assert markdown.startswith("# ") and "Own GPUs" in markdown
    assert "<html" in files["decision_record.html"].read_text(encoding="utf-8").lower()


def test_the_default_folder_is_beside_the_database_that_db_names(
    run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    """--db names another database than $AIDF_DB: its run goes beside that one."""
    other = tmp_path / "other" / "team.sqlite3"
    with ExperimentStore(other) as store:
        dataset = store.add_dataset("d", [DatasetItem(id="q", input="i", expected="a")])
        run_id = store.import_run(
            dataset.id, Variant(name="v", model="m"), [Sample(item_id="q", output="a")], name="v"
        )
    done = run_cli("eval", "log", str(run_id), "--to", "wandb", "--db", str(other))
    assert done.returncode == 0, done.stderr
    assert _folder(done.stdout).parent == other.parent / "wandb"
