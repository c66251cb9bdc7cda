"""Runs, comparisons and decisions logged to Weights & Biases offline, read back from the
files wandb wrote.

The tests parse the offline run's transaction log (tests/wandb_offline.py: config, summary,
tags, job type, artifact manifests), read the tables' JSON and the artifacts' staged files,
and search every byte written for a key that was planted in a run's base URL. Nothing is
sent: WANDB_MODE is offline and wandb's analytics are off (the no-thread test shows it).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("wandb")

from core.catalog import Catalog  # noqa: E402
from core.evaluation import DatasetItem, RunSettings, Variant  # noqa: E402
from core.frameworks import get  # noqa: E402
from operations import scenarios as scenario_ops  # noqa: E402
from operations.experiments import compare_and_record  # noqa: E402
from operations.runs import execute_run, plan_run  # noqa: E402
from operations.tracking import log as dispatch_log  # noqa: E402
from operations.tracking.records import (  # noqa: E402
    Record,
    comparison_record,
    decision_record,
    run_record,
)
from operations.tracking.wandb_log import (  # noqa: E402
    WandbLogged,
    artifact_name,
    chosen_mode,
    log,
    wandb_tags,
)
from storage import ExperimentStore, ScenarioStore  # noqa: E402
from tests.llm_server import LlmTestServer, Reply, last_user_text  # noqa: E402
from tests.wandb_offline import read_offline_run, table_json  # noqa: E402

KEY = "sk-wandb-PLANTED-5e1f0a"
ITEMS = [DatasetItem(id=f"q{i}", input=f"question {i}", expected=f"QUESTION {i}") for i in range(4)]
SETTINGS = RunSettings(concurrency=1, retry_backoff_s=0.0, max_retries=0, timeout_s=10.0)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """wandb's documented switches: write locally, print nothing, record no git state."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.delenv("WANDB_PROJECT", raising=False)


def rows_as_json(record: Record, name: str) -> list[list[Any]]:
    return json.loads(json.dumps([list(row) for row in record.tables[name].rows]))


# ----- the records, from a real run of the app ---------------------------------------------


def _keyed_url(server: LlmTestServer) -> str:
    """The server's URL with the key as a query parameter (as some gateways take it; a key
    as user info makes the HTTP client refuse the request)."""
    return f"{server.url}?api-key={KEY}"


def _run(
    store: ExperimentStore,
    dataset_id: int,
    server: LlmTestServer,
    name: str,
    temperature: float = 0.0,
) -> int:
    """A run of the app; runs differ in temperature, else the second is the first's cache."""
    variant = Variant(
        name=name, model="local-model", api_base=_keyed_url(server), temperature=temperature
    )
    run_id, outcome = execute_run(
        store, plan_run(store, dataset_id, variant, SETTINGS, lambda: None)
    )
    assert outcome.status == "completed"
    return run_id


def _answer(server: LlmTestServer, wrong: set[str]) -> None:
    def reply(body: dict[str, Any]) -> Reply:
        text = last_user_text(body)
        return Reply("no idea" if text.split()[-1] in wrong else text.upper())

    server.set_responder(reply)


def _no_key_in(root: Path) -> list[Path]:
    """The files holding the key under `root` (the run folders, wandb's staged artifacts in
    the data folder) and in wandb's own logs in the cache folder."""
    roots = (root, Path(os.environ["XDG_CACHE_HOME"]) / "wandb")
    return [
        p for r in roots for p in r.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()
    ]


def test_a_run_is_written_offline_with_its_config_summary_and_item_table(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """A real run (its base URL holding a key) logged offline: the log's config holds the
    variant with the base URL redacted and our tags, the summary each metric, the job type
    "run"; the items table's JSON has the record's rows; no byte anywhere holds the key."""
    _answer(llm_server, wrong={"3"})
    with ExperimentStore(tmp_path / "runs.sqlite3") as store:
        dataset = store.add_dataset("capitals", ITEMS)
        record = run_record(store, _run(store, dataset.id, llm_server, "upper"))
    logged = log(record, tmp_path / "tracking")

    assert isinstance(logged, WandbLogged)
    folder = Path(logged.where)
    assert folder.parent == tmp_path / "tracking" / "wandb"
    assert folder.name.startswith("offline-run-") and folder.name.endswith(logged.run_id)
    assert (logged.tool, logged.mode) == ("wandb", "offline")
    assert logged.sync_command == f"wandb sync {folder}"

    run = read_offline_run(folder)
    assert (run.project, run.name, run.job_type, run.notes) == (
        "ai-decision-frameworks",
        "upper",
        "run",
        record.ref,
    )
    assert run.exited
    assert {k: run.config[k] for k in record.params} == record.params
    assert run.config["base_url"].startswith("http://127.0.0.1:")
    assert KEY not in json.dumps(run.config)
    assert run.config["tags"] == record.tags
    assert run.config["tags"]["dataset"] == "capitals"
    assert "run" in run.tags and "dataset:capitals" in run.tags
    assert {k: run.summary[k] for k in record.metrics} == record.metrics
    assert run.summary["exact_match_mean"] == pytest.approx(0.75)

    table = table_json(folder, "items")
    assert table["columns"] == list(record.tables["items"].columns)
    assert table["data"] == rows_as_json(record, "items")
    assert [row[0] for row in table["data"]] == ["q0", "q1", "q2", "q3"]
    assert run.artifacts.keys() == {"run_table"}  # the table's own; a run has no text files

    assert _no_key_in(tmp_path) == []


def test_a_comparison_is_a_run_naming_both_runs_with_its_verdict_and_outcomes(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """Baseline right on 1 of 4, variant on 4 of 4: the comparison's run has job type
    "comparison", both runs' ids and the verdict in its config tags, lift and p-value in its
    summary, the per-item outcomes table, and a "comparison-record" artifact with the verdict
    and its reasons."""
    with ExperimentStore(tmp_path / "runs.sqlite3") as store:
        dataset = store.add_dataset("capitals", ITEMS)
        _answer(llm_server, wrong={"1", "2", "3"})
        baseline = _run(store, dataset.id, llm_server, "plain")
        _answer(llm_server, wrong=set())
        variant = _run(store, dataset.id, llm_server, "upper", temperature=0.5)
        compared = compare_and_record(store, baseline, variant, "exact_match")
        record = comparison_record(
            store, baseline, variant, compared.comparison, compared.record_id
        )
    logged = dispatch_log(record, to="wandb", tracking_uri=str(tmp_path / "tracking"))

    folder = Path(logged.where)
    run = read_offline_run(folder)
    assert (run.job_type, run.name) == ("comparison", "upper vs plain")
    assert run.config["tags"]["baseline_run_id"] == str(baseline)
    assert run.config["tags"]["variant_run_id"] == str(variant)
    assert run.config["tags"]["verdict"] == record.verdict
    assert f"verdict:{record.verdict}" in run.tags
    assert run.config["metric"] == "exact_match"
    assert run.summary["lift"] == pytest.approx(0.75)
    assert {k: run.summary[k] for k in record.metrics} == record.metrics
    assert table_json(folder, "outcomes")["data"] == rows_as_json(record, "outcomes")

    name, files = run.artifacts["comparison-record"]
    assert name == artifact_name(record)
    assert files["verdict.txt"].read_text(encoding="utf-8") == record.artifacts["verdict.txt"]
    assert _no_key_in(tmp_path) == []


def test_a_decision_is_a_table_and_a_decision_record_artifact(tmp_path: Path) -> None:
    """A saved build-vs-buy version: its inputs as config, its key figures as the summary and
    as a table, its recommendation as a tag, and an artifact of type "decision-record" holding
    the Markdown and HTML record and the figures table, written beside the database when no
    folder is given."""
    fw = get("build_vs_buy")
    inputs = fw.Inputs()
    result = fw.compute(inputs, Catalog())
    content = scenario_ops.ScenarioContent(
        fw.ID, inputs.model_dump(mode="json"), result.model_dump(mode="json"), "why"
    )
    with ScenarioStore(tmp_path / "aidf.sqlite3") as store:
        saved = scenario_ops.save_as(store, "Own GPUs?", content).saved
        assert saved is not None
        record = decision_record(scenario_ops.open_version(saved, Catalog()))
    logged = log(record)

    folder = Path(logged.where)
    assert folder.parent == Path(os.environ["AIDF_DB"]).parent / "wandb"
    run = read_offline_run(folder)
    assert (run.job_type, run.name) == ("decision", "Own GPUs? v1")
    assert {k: run.config[k] for k in record.params} == record.params
    assert run.config["tags"]["recommendation"] == record.recommendation
    assert f"recommendation:{record.recommendation}" in run.tags
    assert {k: run.summary[k] for k in record.metrics} == record.metrics
    assert table_json(folder, "key_figures")["data"] == rows_as_json(record, "key_figures")

    name, files = run.artifacts["decision-record"]
    assert name == "decision-Own-GPUs"
    assert files.keys() == {"decision_record.md", "decision_record.html", "key_figures.table.json"}
    for file_name in ("decision_record.md", "decision_record.html"):
        assert files[file_name].read_text(encoding="utf-8") == record.artifacts[file_name]
    figures = json.loads(files["key_figures.table.json"].read_text(encoding="utf-8"))
    assert figures["data"] == rows_as_json(record, "key_figures")


def test_nothing_outlives_the_call_and_nothing_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no WANDB_MODE at all the run is still offline; afterwards no wandb service
    process is a child of this one, no analytics export thread runs, and the process's
    excepthook (the app's crash dialog) and sys.exit are the ones it had."""
    monkeypatch.delenv("WANDB_MODE")
    record = Record(name="r", ref="r", params={"a": 1}, metrics={"m": 0.5})
    hooks = (sys.excepthook, sys.exit)
    logged = log(record, tmp_path)
    assert (sys.excepthook, sys.exit) == hooks
    assert logged.mode == "offline" and read_offline_run(Path(logged.where)).summary["m"] == 0.5
    assert [t.name for t in threading.enumerate() if "Otel" in t.name] == []
    tasks = Path(f"/proc/{os.getpid()}/task")
    if tasks.is_dir():
        kids = [pid for task in tasks.iterdir() for pid in _read(task / "children").split()]
        assert [pid for pid in kids if "wandb" in _read(Path(f"/proc/{pid}/cmdline"))] == []


def _read(path: Path) -> str:
    """A /proc file's text; empty when its thread or process ended while we looked (other
    tests' threads come and go)."""
    try:
        return path.read_bytes().decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def test_the_mode_is_offline_unless_the_user_chose_online(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("WANDB_MODE")
    assert chosen_mode() == "offline"
    assert chosen_mode("online") == "online"
    monkeypatch.setenv("WANDB_MODE", "online")
    assert chosen_mode() == "online"
    assert chosen_mode("offline") == "offline"


def test_tags_and_artifact_names_fit_what_wandb_accepts():
    record = Record(
        name="Plan: RAG / fine-tune?",
        ref="r",
        tags={"dataset": "qa", "headline": "x" * 80},
    )
    assert wandb_tags(record) == ["record", "dataset:qa"]
    assert artifact_name(record) == "record-Plan-RAG-fine-tune"


def test_without_wandb_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from operations.tracking import TrackerMissing

    monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb now raises ImportError
    with pytest.raises(TrackerMissing, match=r"pip install 'ai-decision-frameworks\[wandb\]'"):
        log(Record(name="r", ref="r"), tmp_path)
    assert not (tmp_path / "wandb").exists()


def test_online_without_a_key_says_how_to_log_in_instead_of_prompting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No key in the environment or a netrc: the error says what to do; nothing is written."""
    monkeypatch.setenv("WANDB_MODE", "online")
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(RuntimeError, match="wandb login"):
        log(Record(name="r", ref="r"), tmp_path / "runs")
    assert not (tmp_path / "runs" / "wandb").exists()
