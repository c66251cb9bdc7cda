"""Runs that cannot answer: `eval run` at a provider whose API key is not set stops before the
first request, with the estimate and the variable to set, instead of failing every item after
its retries; a run whose every item failed has no score, and `eval compare` says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from storage.experiments import ExperimentStore
from tests.llm_server import LlmTestServer, Reply


def _dataset(tmp_path: Path) -> None:
    data = tmp_path / "sums.jsonl"
    data.write_text(
        "".join(
            json.dumps({"input": f"{i} + {i}?", "expected": str(2 * i)}) + "\n" for i in range(3)
        ),
        encoding="utf-8",
    )
    assert main.main(["eval", "import-dataset", str(data)]) == 0


def test_a_run_without_an_api_key_names_the_variable_and_starts_nothing(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    _dataset(tmp_path)
    capsys.readouterr()
    code = main.main(["eval", "run", "--dataset", "sums", "--model", "gpt-4o-mini", "--yes"])
    err = capsys.readouterr().err
    assert code == 2
    assert "3 requests to gpt-4o-mini" in err
    assert "not started: no API key for gpt-4o-mini: OPENAI_API_KEY is not set" in err
    with ExperimentStore(db_path) as store:
        assert store.runs() == []


def test_a_run_whose_every_item_failed_is_compared_as_no_score(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, llm_server: LlmTestServer
) -> None:
    """Every request of the first run gets a 500 (no retries): the run failed. Compared with a
    run that answers, the verdict needs more data and says the baseline has no score."""
    _dataset(tmp_path)
    base = ["eval", "run", "--dataset", "sums", "--model", "m", "--api-base", llm_server.url]
    llm_server.fail(Reply(status=500, error_message="down"), first=3)
    assert main.main([*base, "--retries", "0", "--yes", "--name", "down"]) != 0
    llm_server.set_default(Reply("4"))
    assert main.main([*base, "--yes", "--name", "up"]) == 0
    capsys.readouterr()
    assert main.main(["eval", "compare", "1", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Need more data: up vs down")
    assert "the baseline has no score: all 3 items failed" in out
    code = main.main(["eval", "compare", "1", "2", "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert code == 0 and shown["baseline"]["mean"] is None and shown["lift"] is None
