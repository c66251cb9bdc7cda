"""Runs, comparisons and decisions logged to a real MLflow server (tests/mlflow_server.py) and
read back through MLflow's own client: params, metrics, tags, the per-item table and the
decision record's artifacts. The run is a real run of the app against tests/llm_server.py."""

from __future__ import annotations

import builtins
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from core.catalog import Catalog
from core.evaluation import DatasetItem, RunSettings, Variant
from core.frameworks import build_vs_buy
from operations import scenarios as scenario_ops
from operations.experiments import compare_and_record
from operations.runs import execute_run, plan_run
from operations.tracking import TrackerMissing, default_mlflow_uri, log
from operations.tracking.mlflow_log import experiment_name, mlflow_key, mlflow_keys
from operations.tracking.records import (
    comparison_record,
    decision_record,
    flatten,
    run_params,
    run_record,
    text_hash,
)
from storage import ExperimentStore, ScenarioStore
from tests.llm_server import LlmTestServer, Reply, last_user_text
from tests.mlflow_server import read_table, read_text

mlflow = pytest.importorskip("mlflow")

ITEMS = [DatasetItem(id=f"q{i}", input=f"question {i}", expected=f"QUESTION {i}") for i in range(4)]
SETTINGS = RunSettings(concurrency=2, retry_backoff_s=0.0, max_retries=0, timeout_s=10.0)
SECRET = "sk-live-SECRET123"


def _run(store: ExperimentStore, dataset_id: int, server: LlmTestServer, **fields: Any) -> int:
    """A real run of the app on the dataset against the local test server."""
    variant = Variant(model="local-model", api_base=fields.pop("api_base", server.url), **fields)
    plan = plan_run(store, dataset_id, variant, SETTINGS, lambda: None)
    assert plan.problem is None
    run_id, _ = execute_run(store, plan)
    return run_id


@pytest.fixture
def two_runs(llm_server: LlmTestServer, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    """A dataset and two runs: "upper" answers every item right, "wrong" none; "upper" reached
    the server through a base URL that carries a key as a query parameter. The
    dataset's content names the test, so no other test's runs share its hash on the server."""
    keyed = f"{llm_server.url}?api-key={SECRET}"

    def reply(body: dict[str, Any]) -> Reply:
        text = last_user_text(body)
        return Reply(text.removeprefix("Q: ").upper() if text.startswith("Q: ") else "no idea")

    llm_server.set_responder(reply)
    items = [i.model_copy(update={"fields": {"test": request.node.name}}) for i in ITEMS]
    store = ExperimentStore(tmp_path / "runs.sqlite3")
    with store:
        dataset = store.add_dataset("qa set", items)
        upper = _run(
            store,
            dataset.id,
            llm_server,
            name="upper",
            api_base=keyed,
            temperature=0.0,
            prompt_template="Q: {input}",
        )
        echo = _run(store, dataset.id, llm_server, name="wrong", temperature=0.5)
        yield store, dataset, upper, echo


def test_a_run_is_logged_with_its_variant_metrics_items_and_dataset(
    two_runs: Any, mlflow_server: str, tmp_path: Path
) -> None:
    store, dataset, upper, _ = two_runs
    record = run_record(store, upper)
    logged = log(record, to="mlflow", tracking_uri=mlflow_server)
    client = mlflow.tracking.MlflowClient(mlflow_server)
    run = client.get_run(logged.run_id)
    params, metrics, tags = run.data.params, run.data.metrics, run.data.tags

    assert logged.tool == "mlflow" and logged.where.startswith(mlflow_server)
    assert run.info.status == "FINISHED" and run.info.run_name == "upper"
    assert params["model"] == "local-model"
    assert params["template_hash"] == text_hash("Q: {input}")
    assert (params["temperature"], params["max_tokens"]) == ("0.0", "256")
    # The store keeps no credentials of a base URL: the server's address is what is left.
    assert params["base_url"] == store.run(upper).variant.api_base
    assert params["base_url"].startswith("http://127.0.0.1:")
    assert metrics["exact_match_mean"] == 1.0
    assert metrics["exact_match_low"] <= 1.0 <= metrics["exact_match_high"]
    assert {"latency_p50_ms", "latency_p95_ms", "cost_usd", "error_rate"} <= set(metrics)
    assert metrics["error_rate"] == 0.0
    assert (tags["dataset"], tags["dataset_version"]) == ("qa set", "1")
    assert (tags["record"], tags["run_id"]) == ("run", str(upper))
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == experiment_name(record) == "AI Decision Frameworks: qa set"

    table = read_table(client, logged.run_id, "items.json", tmp_path)
    rows = [dict(zip(table["columns"], row, strict=True)) for row in table["data"]]
    assert [r["item_id"] for r in rows] == ["q0", "q1", "q2", "q3"]
    assert (rows[1]["input"], rows[1]["expected"]) == ("question 1", "QUESTION 1")
    assert (rows[1]["output"], rows[1]["error"]) == ("QUESTION 1", "")
    assert {r["exact_match"] for r in rows} == {1.0}
    assert all(r["latency_ms"] >= 0 and r["cost_usd"] == 0 for r in rows)


def test_no_api_key_reaches_the_tracker(two_runs: Any, mlflow_server: str, tmp_path: Path) -> None:
    """The run reached its server through a base URL with a key in its query; the store drops
    it. A variant that still had one (an older database, an import) is redacted when its
    record is built. Nothing logged has the key."""
    store, _, upper, _ = two_runs
    run = store.run(upper)
    keyed_url = f"http://bob:{SECRET}@127.0.0.1:1/v1?api-key={SECRET}&v=1"
    keyed = replace(run, variant=run.variant.model_copy(update={"api_base": keyed_url}))
    assert run_params(keyed)["base_url"] == "http://[hidden]@127.0.0.1:1/v1?api-key=[hidden]&v=1"
    record = replace(run_record(store, upper), params=run_params(keyed))
    logged = log(record, tracking_uri=mlflow_server)
    client = mlflow.tracking.MlflowClient(mlflow_server)
    data = client.get_run(logged.run_id).data
    logged_text = repr((data.params, data.tags, data.metrics)) + repr(
        read_table(client, logged.run_id, "items.json", tmp_path)
    )
    assert SECRET not in logged_text
    assert data.params["base_url"] == "http://[hidden]@127.0.0.1:1/v1?api-key=[hidden]&v=1"


def test_a_comparison_refers_to_both_runs_logged_before_and_else_to_ours(
    two_runs: Any, mlflow_server: str, tmp_path: Path
) -> None:
    store, _, upper, echo = two_runs
    compared = compare_and_record(store, echo, upper, "exact_match")
    record = comparison_record(store, echo, upper, compared.comparison, compared.record_id)
    client = mlflow.tracking.MlflowClient(mlflow_server)

    alone = client.get_run(log(record, tracking_uri=mlflow_server).run_id).data
    assert (alone.tags["baseline_run_id"], alone.tags["variant_run_id"]) == (str(echo), str(upper))
    assert not {"baseline_mlflow_run_id", "variant_mlflow_run_id"} & set(alone.tags)
    logged_echo = log(run_record(store, echo), tracking_uri=mlflow_server)
    logged_upper = log(run_record(store, upper), tracking_uri=mlflow_server)
    logged = log(record, tracking_uri=mlflow_server)
    run = client.get_run(logged.run_id)
    tags, metrics, params = run.data.tags, run.data.metrics, run.data.params

    assert tags["baseline_mlflow_run_id"] == logged_echo.run_id
    assert tags["variant_mlflow_run_id"] == logged_upper.run_id
    assert (tags["record"], tags["verdict"]) == ("comparison", compared.comparison.verdict)
    assert tags["comparison_id"] == str(compared.record_id)
    assert metrics["lift"] == pytest.approx(compared.comparison.lift)
    assert metrics["lift_low"] == pytest.approx(compared.comparison.low)
    assert metrics["lift_high"] == pytest.approx(compared.comparison.high)
    assert metrics["p_value"] == pytest.approx(compared.comparison.mcnemar_p)
    assert metrics["items_paired"] == 4
    assert params["metric"] == "exact_match"
    outcomes = read_table(client, logged.run_id, "outcomes.json", tmp_path)
    assert len(outcomes["data"]) == 4
    assert compared.comparison.verdict in read_text(client, logged.run_id, "verdict.txt", tmp_path)


def test_a_decision_is_logged_with_inputs_figures_recommendation_and_record(
    mlflow_server: str, tmp_path: Path
) -> None:
    inputs = build_vs_buy.Inputs(training_cost=123_456)
    result = build_vs_buy.compute(inputs)
    with ScenarioStore(tmp_path / "s.sqlite3") as store:
        store.create(
            build_vs_buy.ID,
            "Support bot",
            inputs.model_dump(mode="json"),
            result.model_dump(mode="json"),
            notes="Decided in review.",
        )
        scenario, version = scenario_ops.find_version(store, "Support bot")
    saved = scenario_ops.open_version(scenario, Catalog(), version)
    record = decision_record(saved)
    logged = log(record, tracking_uri=mlflow_server)
    client = mlflow.tracking.MlflowClient(mlflow_server)
    run = client.get_run(logged.run_id)
    params, metrics, tags = run.data.params, run.data.metrics, run.data.tags

    assert params["training_cost"] in {"123456", "123456.0"}
    assert len(params) == len(flatten(inputs.model_dump(mode="json")))
    for fig in saved.view.result.figures:
        if fig.value is not None:
            assert metrics[mlflow_key(f"{fig.key}_{fig.unit}")] == pytest.approx(fig.value)
    assert tags["recommendation"] == saved.view.result.recommendation
    assert (tags["scenario"], tags["scenario_version"]) == ("Support bot", "1")
    markdown = read_text(client, logged.run_id, "decision_record.md", tmp_path)
    html = read_text(client, logged.run_id, "decision_record.html", tmp_path)
    assert "Support bot" in markdown and "Decided in review." in markdown
    assert html.startswith("<!DOCTYPE html>") and "Support bot" in html
    assert client.get_experiment(run.info.experiment_id).name == "AI Decision Frameworks: decisions"


def test_flatten_names_every_nested_input() -> None:
    assert flatten({"a": 1, "b": {"c": [1, {"d": None}]}, "e": [], "f": {}}) == {
        "a": 1,
        "b.c.0": 1,
        "b.c.1.d": "",
        "e": "[]",
        "f": "{}",
    }


def test_mlflow_keys_drop_what_mlflow_refuses() -> None:
    assert mlflow_key("weights.bedrock/anthropic.claude:1") == "weights.bedrock/anthropic.claude:1"
    assert mlflow_key("a?b*c") == "a_b_c"
    assert mlflow_key("../x") == "_/x"
    assert mlflow_keys(["a?b", "a*b", "a_b"]) == ["a_b", "a_b.2", "a_b.3"]


def test_a_local_store_beside_the_database_keeps_artifacts_beside_it(
    two_runs: Any, tmp_path: Path
) -> None:
    """No server: the default store is a SQLite file beside the database, its artifacts in a
    folder beside it (never ./mlruns wherever the app was started)."""
    store, _, upper, _ = two_runs
    uri = default_mlflow_uri(tmp_path / "aidf.sqlite3")
    assert uri == f"sqlite:///{(tmp_path / 'mlflow.db').as_posix()}"
    logged = log(run_record(store, upper), tracking_uri=uri)
    assert (tmp_path / "mlflow.db").is_file()
    assert list((tmp_path / "mlflow-artifacts").rglob("items.json"))
    artifact_uri = mlflow.tracking.MlflowClient(uri).get_run(logged.run_id).info.artifact_uri
    assert artifact_uri.startswith((tmp_path / "mlflow-artifacts").as_uri())
    assert logged.where == uri


def test_without_mlflow_the_error_says_how_to_install_it(
    two_runs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _, upper, _ = two_runs
    record = run_record(store, upper)
    real_import = builtins.__import__

    def no_mlflow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "mlflow" or name.startswith("mlflow."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mlflow)
    with pytest.raises(TrackerMissing, match=r"pip install 'ai-decision-frameworks\[mlflow\]'"):
        log(record, to="mlflow", tracking_uri="http://127.0.0.1:9")


def test_without_pandas_the_table_is_the_same_json(
    two_runs: Any, mlflow_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mlflow extra is mlflow-skinny, which has no pandas: log_table cannot run, and the
    table is written as the same "split" JSON (columns, data) by hand."""
    store, _, upper, _ = two_runs

    def no_pandas(*_args: Any, **_kwargs: Any) -> None:
        raise ImportError("No module named 'pandas'")

    monkeypatch.setattr(mlflow.tracking.MlflowClient, "log_table", no_pandas)
    record = run_record(store, upper)
    logged = log(record, tracking_uri=mlflow_server)
    client = mlflow.tracking.MlflowClient(mlflow_server)
    table = read_table(client, logged.run_id, "items.json", tmp_path)
    assert table["columns"] == list(record.tables["items"].columns)
    assert [tuple(row) for row in table["data"]] == list(record.tables["items"].rows)
