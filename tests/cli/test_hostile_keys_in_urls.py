"""Keys written into a base URL, and a provider that echoes keys back (issue 14, item 4).

`--api-base http://bob:sk-...@host/v1` and `?api-key=sk-...` put the key into the run's stop
reason, every sample's error, stdout, the CSV export and the agent trace. Here the keys are
planted both ways and in the client, runs and trials are made (on the command line with
litellm's DEBUG logging on, and through the API), the runs are exported, and then every file
under the test's directory and everything the processes printed is searched for the keys'
bytes, plain and percent-encoded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from core.agent_loop import TrialConfig, run_trial
from core.evaluation import DatasetItem, RunSettings, Variant
from core.llm import LlmClient, redact, redact_url, url_secrets
from core.runner import EvalRunner
from operations.runs import run_into
from storage import ExperimentStore, TraceStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

ROOT = Path(__file__).resolve().parents[2]
USER_KEY = "sk-user-PLANTED-91ab3c"
QUERY_KEY = "sk-query-PLANTED-4d2e77"
CLIENT_KEY = "sk-client-PLANTED-c0ffee"
KEYS = (USER_KEY, QUERY_KEY, CLIENT_KEY)

CLI_SCRIPT = """
import logging, sys
logging.basicConfig(filename=sys.argv[1], level=logging.DEBUG, force=True)
import main
user_url, query_url, out = sys.argv[2:5]
calls = [
    ["eval", "run", "--dataset", "items", "--model", "m", "--api-base", user_url, "--yes",
     "--retries", "0", "--no-cache", "--name", "user info"],
    ["eval", "run", "--dataset", "items", "--model", "m", "--api-base", query_url, "--yes",
     "--retries", "0", "--no-cache", "--name", "query"],
    ["eval", "runs"],
    ["eval", "export-run", "1", "--out", out + "/run1.csv"],
    ["eval", "export-run", "2", "--out", out + "/run2.csv"],
]
for args in calls:
    print("exit", main.main(args), *args[:2], flush=True)
"""


def _leaks(data: bytes) -> list[str]:
    found = []
    for key in KEYS:
        for form in {key, quote(key, safe=""), key.replace("-", "%2D")}:
            if form.encode() in data:
                found.append(form)
    return found


def _files_with_keys(root: Path) -> dict[str, list[str]]:
    return {
        str(p): leaks for p in root.rglob("*") if p.is_file() and (leaks := _leaks(p.read_bytes()))
    }


def test_redaction_rule() -> None:
    url = f"http://bob:{USER_KEY}@h:8/v1?api-key={QUERY_KEY}&v=1&max_tokens=3"
    assert redact_url(url) == "http://[hidden]@h:8/v1?api-key=[hidden]&v=1&max_tokens=3"
    assert url_secrets(url) == [USER_KEY, QUERY_KEY]
    text = f"GET {url} failed; retry with sig={QUERY_KEY} or access_token={CLIENT_KEY}"
    assert redact(text) == (
        "GET http://[hidden]@h:8/v1?api-key=[hidden]&v=1&max_tokens=3 failed; retry with "
        "sig=[hidden] or access_token=[hidden]"
    )
    assert redact(f"echo {CLIENT_KEY}!", [CLIENT_KEY]) == "echo [hidden key]!"
    assert _leaks(repr(LlmClient(api_base=url, api_key=CLIENT_KEY)).encode()) == []


def test_keys_in_base_urls_and_echoed_keys_reach_nothing_written_or_printed(
    tmp_path: Path, db_path: Path
) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        text = last_user_text(body)
        if "echo" in text:
            return Reply(echo_key=True)
        if "mention" in text:
            return Reply(f"your keys: {QUERY_KEY} {CLIENT_KEY}")
        if "markup" in text:
            return Reply(status=500, error_message=f"<b>down</b> for {QUERY_KEY}")
        return Reply(text.upper())

    items = [
        DatasetItem(id="1", input="hello"),
        DatasetItem(id="2", input="echo it"),
        DatasetItem(id="3", input="mention them"),
        DatasetItem(id="4", input="markup error"),
    ]
    dataset = tmp_path / "items.jsonl"
    dataset.write_text("".join(json.dumps(i.model_dump()) + "\n" for i in items))
    out = tmp_path / "exports"
    out.mkdir()
    log, stderr_file = tmp_path / "app-debug.log", tmp_path / "stderr.log"

    with LlmTestServer(responder=answer) as server:
        host = server.url.removeprefix("http://")
        user_url = f"http://bob:{USER_KEY}@{host}"
        query_url = f"{server.url}?api-key={QUERY_KEY}"

        with ExperimentStore(db_path) as store:
            store.add_dataset("items", items)
        # The client key is in the environment too: never sent to a base URL, but hidden
        # wherever a reply or an error echoes it.
        env = dict(
            os.environ,
            OPENAI_API_KEY=CLIENT_KEY,
            LITELLM_LOG="DEBUG",
            HTTP_PROXY="http://127.0.0.1:9",
            HTTPS_PROXY="http://127.0.0.1:9",
            NO_PROXY="127.0.0.1,localhost",
        )
        with stderr_file.open("w") as err:
            proc = subprocess.run(
                [sys.executable, "-c", CLI_SCRIPT, str(log), user_url, query_url, str(out)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                timeout=180,
            )
        stdout = proc.stdout
        assert proc.returncode == 0, stderr_file.read_text()[-3000:]
        exits = [line.split()[1] for line in stdout.splitlines() if line.startswith("exit ")]
        # The user-info run fails on every item (the HTTP client refuses credentials in the
        # URL): exit 1, the URL shown redacted. The query run is answered, one error aside.
        assert exits == ["1", "0", "0", "0", "0"], stdout + stderr_file.read_text()[-3000:]
        assert f"server at http://[hidden]@{host} failed" in stdout
        assert "run 2: partial; 4 done, 1 errors" in stdout

        # Through the API: a run and trials whose client holds a key, with both URL forms,
        # and a provider echoing the key and the URL's query in successful replies.
        client = LlmClient(api_base=query_url, api_key=CLIENT_KEY, max_retries=0)
        settings = RunSettings(max_retries=0, retry_backoff_s=0.0, timeout_s=5.0)
        with ExperimentStore(db_path) as store, TraceStore(db_path) as traces:
            dataset_id = store.datasets()[0].id
            variant = Variant(name="echo", model="m", api_base=query_url)
            run_id = store.create_run(dataset_id, variant, settings)
            run_into(store, run_id, EvalRunner(client, settings), variant, items)
            outputs = {s.item_id: s.output for s in store.samples(run_id)}
            for url in (user_url, query_url):
                for task in ("echo it", "mention them", "markup error"):
                    config = TrialConfig(task=task, model="local-model", api_base=url)
                    trial_client = LlmClient(api_base=url, api_key=CLIENT_KEY, max_retries=0)
                    traces.save_trial(config, run_trial(config, trial_client))
            trials = traces.list_trials()
        export = subprocess.run(
            [
                sys.executable,
                "main.py",
                "eval",
                "export-run",
                str(run_id),
                "--out",
                str(out / "echo.csv"),
            ],
            cwd=ROOT,
            env=dict(os.environ, AIDF_DB=str(db_path)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert export.returncode == 0, export.stderr
        served = server.recorded

    assert outputs["1"] == "HELLO"
    assert outputs["2"] == "auth=Bearer [hidden key] query=api-key=[hidden key]chat/completions"
    assert outputs["3"] == "your keys: [hidden key] [hidden key]"
    assert any(r.headers.get("authorization") == f"Bearer {CLIENT_KEY}" for r in served)
    assert len(trials) == 6 and any(t.status == "answered" for t in trials)
    assert log.stat().st_size > 0, "the DEBUG log was written"
    assert {p.name for p in out.iterdir()} == {"run1.csv", "run2.csv", "echo.csv"}

    assert _files_with_keys(tmp_path) == {}
    assert _leaks((stdout + export.stdout + export.stderr).encode()) == []
