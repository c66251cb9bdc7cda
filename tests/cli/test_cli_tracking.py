"""`eval log`, `eval log-comparison` and `scenarios log` against a real MLflow server
(tests/mlflow_server.py), read back through MLflow's client; `--to wandb` writes an offline run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.evaluation import DatasetItem, Sample, Variant
from storage import ExperimentStore
from tests.mlflow_server import read_table, read_text

mlflow = pytest.importorskip("mlflow")

SECRET = "sk-cli-SECRET456"


@pytest.fixture
def runs(db_path: Path, request: pytest.FixtureRequest) -> tuple[int, int]:
    """Two imported runs of a 4-item dataset: the baseline right on 2 items, the variant on
    all 4. The items name the test, so no other test's runs share the dataset's hash."""
    items = [
        DatasetItem(
            id=f"q{i}", input=f"question {i}", expected="a", fields={"t": request.node.name}
        )
        for i in range(4)
    ]
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


def _run_id(stdout: str) -> str:
    """The MLflow run id in 'Logged ... as run ID: where'."""
    return stdout.split(" as run ", 1)[1].split(":", 1)[0].strip()


def test_eval_log_sends_a_run_to_the_server(
    run_cli: Callable[..., Any], runs: tuple[int, int], mlflow_server: str, tmp_path: Path
) -> None:
    base, _ = runs
    done = run_cli("eval", "log", str(base), "--to", "mlflow", "--tracking-uri", mlflow_server)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Logged run {base} to MLflow as run ")
    client = mlflow.tracking.MlflowClient(mlflow_server)
    run = client.get_run(_run_id(done.stdout))
    assert run.data.params["model"] == "m1"
    assert run.data.metrics["exact_match_mean"] == 0.5
    assert run.data.tags["dataset"] == "cli set"
    table = read_table(client, run.info.run_id, "items.json", tmp_path)
    assert len(table["data"]) == 4


def test_eval_log_comparison_logs_the_kept_comparison_with_both_runs(
    run_cli: Callable[..., Any], runs: tuple[int, int], mlflow_server: str, tmp_path: Path
) -> None:
    base, better = runs
    uri = ("--tracking-uri", mlflow_server)
    logged_base = _run_id(run_cli("eval", "log", str(base), "--to", "mlflow", *uri).stdout)
    logged_better = _run_id(run_cli("eval", "log", str(better), "--to", "mlflow", *uri).stdout)
    compared = run_cli("eval", "compare", str(base), str(better), "--json")
    assert compared.returncode == 0, compared.stderr
    done = run_cli("eval", "log-comparison", str(base), str(better), "--to", "mlflow", *uri)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Logged comparison 1 to MLflow")
    client = mlflow.tracking.MlflowClient(mlflow_server)
    run = client.get_run(_run_id(done.stdout))
    tags, metrics = run.data.tags, run.data.metrics
    assert (tags["baseline_mlflow_run_id"], tags["variant_mlflow_run_id"]) == (
        logged_base,
        logged_better,
    )
    assert (tags["baseline_run_id"], tags["variant_run_id"]) == (str(base), str(better))
    assert tags["comparison_id"] == "1"
    assert metrics["lift"] == pytest.approx(0.5)
    assert metrics["items_paired"] == 4
    assert {"lift_low", "lift_high", "p_value"} <= set(metrics)
    assert tags["verdict"] in read_text(client, run.info.run_id, "verdict.txt", tmp_path)


def test_scenarios_log_sends_the_decision_record(
    run_cli: Callable[..., Any],
    save_scenario: Callable[..., Any],
    mlflow_server: str,
    tmp_path: Path,
) -> None:
    save_scenario("Build it?", notes="Board review.", training_cost=50_000)
    done = run_cli(
        "scenarios", "log", "Build it?", "--version", "1", "--to", "mlflow",
        "--tracking-uri", mlflow_server,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Logged scenario 'Build it?' version 1 to MLflow")
    client = mlflow.tracking.MlflowClient(mlflow_server)
    run = client.get_run(_run_id(done.stdout))
    assert run.data.tags["scenario"] == "Build it?"
    assert run.data.tags["recommendation"]
    assert float(run.data.params["training_cost"]) == 50_000
    assert run.data.metrics
    markdown = read_text(client, run.info.run_id, "decision_record.md", tmp_path)
    assert "Board review." in markdown


def test_a_missing_version_or_run_is_refused_without_a_traceback(
    run_cli: Callable[..., Any], save_scenario: Callable[..., Any], runs: tuple[int, int]
) -> None:
    save_scenario("Kept")
    unreachable = ("--to", "mlflow", "--tracking-uri", "http://127.0.0.1:9")
    done = run_cli("scenarios", "log", "Kept", "--version", "7", *unreachable)
    assert done.returncode != 0 and "has no version 7" in done.stderr
    done = run_cli("eval", "log", "99", *unreachable)
    assert done.returncode != 0 and "Traceback" not in done.stderr


def test_an_unreachable_server_is_reported_without_the_key_in_its_url(
    run_cli: Callable[..., Any], runs: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    base, _ = runs
    uri = f"http://bob:{SECRET}@127.0.0.1:9"
    done = run_cli("eval", "log", str(base), "--to", "mlflow", "--tracking-uri", uri)
    assert done.returncode != 0
    assert "MLflow did not take the run" in done.stderr
    assert SECRET not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_eval_log_to_wandb_writes_an_offline_run(
    run_cli: Callable[..., Any], runs: tuple[int, int], tmp_path: Path
) -> None:
    pytest.importorskip("wandb")
    base, _ = runs
    folder = tmp_path / "wb"
    done = run_cli("eval", "log", str(base), "--to", "wandb", "--tracking-uri", str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Logged run {base} to W&B as run ")
    assert "wandb sync" in done.stdout
    assert list(folder.rglob("*.wandb"))
