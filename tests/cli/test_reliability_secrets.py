"""A planted API key, given to the client and set in the environment, reaches no file the app
writes: not the database (nor its -wal), exports, reports, CSV, or a DEBUG log, even when the
server echoes the key back in its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.agent_loop import TrialConfig, run_trial
from core.comparison import compare_runs
from core.evaluation import DatasetItem, RunSettings, Variant
from core.frameworks import build_vs_buy
from core.judge import grade, judge_variant
from core.llm import LlmClient
from core.runner import EvalRunner
from storage import ExperimentStore, ScenarioStore, TraceStore
from storage.experiments import ExperimentRecord
from tests.llm_server import LlmTestServer, Reply, last_user_text

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-PLANTED-7f3a9c"
ITEMS = [
    DatasetItem(id="1", input="hello", expected="HELLO"),
    DatasetItem(id="2", input="auth-fail please", expected="x"),
    DatasetItem(id="3", input="boom now", expected="y"),
    DatasetItem(id="4", input="world", expected="WORLD"),
]

CLI_SCRIPT = """
import logging, sys
logging.basicConfig(filename=sys.argv[1], level=logging.DEBUG, force=True)
import main
out = sys.argv[2]
calls = [
    ["eval", "run", "--dataset", "secrets", "--model", "gpt-4o-mini", "--yes", "--retries", "0",
     "--no-cache", "--name", "from env"],
    ["eval", "compare", "1", "3", "--metric", "llm_judge", "--judge-model", "gpt-4o-mini"],
    ["eval", "export-run", "3", "--out", out + "/run3.csv"],
    ["scenarios", "export", "Plan", "--out", out + "/plan.json"],
    ["report", "Plan", "--out", out + "/plan.md"],
    ["report", "Plan", "--out", out + "/plan.html"],
    ["report", "Plan", "--out", out + "/plan.pdf"],
]
for args in calls:
    code = main.main(args)
    print("exit", code, *args[:2], flush=True)
"""


def _answer(body: dict[str, Any]) -> Reply:
    text = last_user_text(body)
    if "Answer to grade:" in text:
        return Reply("PASS")
    return Reply(text.upper(), input_tokens=5, output_tokens=2)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Any:
    with LlmTestServer(responder=_answer) as s:
        s.fail(
            Reply(status=401, error_message=f"Incorrect API key provided: {KEY}."), matching="auth"
        )
        s.fail(Reply(status=500, error_message=f"upstream refused {KEY}"), matching="boom")
        yield s


def _files_holding_the_key(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]


def test_a_planted_key_reaches_no_written_file(
    server: LlmTestServer, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    client = LlmClient(api_base=server.url, api_key=KEY, max_retries=0)
    scenarios, traces, experiments = (
        ScenarioStore(db_path),
        TraceStore(db_path),
        ExperimentStore(db_path),
    )
    scenarios.create(
        "build_vs_buy", "Plan", build_vs_buy.Inputs().model_dump(mode="json"), notes="no secrets"
    )

    # An agent trial that answers, and one whose model call fails with the key echoed.
    for task in ("Say hello.", "boom: fail"):
        config = TrialConfig(task=task, model="local-model", api_base=server.url)
        traces.save_trial(config, run_trial(config, client))

    # Two runs with failing items, a judge's grading and the experiment.
    dataset = experiments.add_dataset("secrets", ITEMS)
    settings = RunSettings(max_retries=0, retry_backoff_s=0.0, timeout_s=5.0)
    runs = []
    for template in ("{input}", "Please: {input}"):
        variant = Variant(
            name=template, model="local-model", prompt_template=template, api_base=server.url
        )
        run_id = experiments.create_run(dataset.id, variant, settings)
        outcome = EvalRunner(client, settings).run(
            variant,
            ITEMS,
            on_sample=lambda s, r=run_id: experiments.add_sample(r, s),
            cache=experiments.cache,
        )
        experiments.finish_run(run_id, outcome.status, outcome.stop_reason)
        runs.append(run_id)
    samples = [experiments.samples(r) for r in runs]
    errors = [s.error for s in samples[0] if s.error]
    assert len(errors) == 2 and all("[hidden key]" in e for e in errors), errors
    judge = judge_variant("judge", server.url)
    grades = [grade(client, settings, judge, ITEMS, s, cache=experiments.cache) for s in samples]
    comparison = compare_runs(
        ITEMS,
        *samples,
        "llm_judge",
        grades=(grades[0].scores, grades[1].scores),
        judge_cost_usd=0.0,
    )
    experiments.save_experiment(
        ExperimentRecord.from_comparison(
            comparison,
            name="b vs a",
            dataset_id=dataset.id,
            baseline_run_id=runs[0],
            variant_run_id=runs[1],
        )
    )
    # While the stores are open the WAL holds the latest pages: search it too.
    assert Path(f"{db_path}-wal").exists()
    assert _files_holding_the_key(tmp_path) == []
    for store in (scenarios, traces, experiments):
        store.close()

    # The command line, with the key only in the environment (litellm reads OPENAI_API_KEY and
    # OPENAI_BASE_URL), logging at DEBUG to a file, litellm's own debug output to another.
    # Any address but the local server goes to a closed proxy port: nothing leaves the machine.
    served = server.served
    out = tmp_path / "exports"
    out.mkdir()
    env = dict(
        os.environ,
        OPENAI_API_KEY=KEY,
        OPENAI_BASE_URL=server.url,
        LITELLM_LOG="DEBUG",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    log, stderr = tmp_path / "app-debug.log", tmp_path / "stderr.log"
    with stderr.open("w") as err:
        proc = subprocess.run(
            [sys.executable, "-c", CLI_SCRIPT, str(log), str(out)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=180,
        )
    assert proc.returncode == 0, stderr.read_text()[-3000:]
    exits = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("exit ")]
    assert exits == ["0"] * 7, proc.stdout + stderr.read_text()[-3000:]
    assert server.served - served >= 4 + 2, "the env-key run and its judge went to the server"
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.recorded[served:])
    assert log.stat().st_size > 0 and stderr.stat().st_size > 0, "the debug logs were written"
    with ExperimentStore(db_path) as store:
        env_errors = [s.error for s in store.samples(3) if s.error]
    assert len(env_errors) == 2 and all("[hidden key]" in e for e in env_errors), env_errors
    assert {p.name for p in out.iterdir()} == {
        "run3.csv",
        "plan.json",
        "plan.md",
        "plan.html",
        "plan.pdf",
    }

    assert _files_holding_the_key(tmp_path) == []
    assert json.loads((out / "plan.json").read_text())["scenario"]["name"] == "Plan"
