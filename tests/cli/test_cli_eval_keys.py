"""`eval run` at a provider whose API key is not set stops before the first request, with the
estimate and the variable to set, instead of failing every item after its retries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from storage.experiments import ExperimentStore


def test_a_run_without_an_api_key_names_the_variable_and_starts_nothing(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    data = tmp_path / "sums.jsonl"
    data.write_text(
        "".join(
            json.dumps({"input": f"{i} + {i}?", "expected": str(2 * i)}) + "\n" for i in range(3)
        ),
        encoding="utf-8",
    )
    assert main.main(["eval", "import-dataset", str(data)]) == 0
    capsys.readouterr()
    code = main.main(["eval", "run", "--dataset", "sums", "--model", "gpt-4o-mini", "--yes"])
    err = capsys.readouterr().err
    assert code == 2
    assert "3 requests to gpt-4o-mini" in err
    assert "not started: no API key for gpt-4o-mini: OPENAI_API_KEY is not set" in err
    with ExperimentStore(db_path) as store:
        assert store.runs() == []
