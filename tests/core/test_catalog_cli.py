"""The `catalog` command: search, provider filter, the user's data, and readable refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import main
from core.catalog import ModelInfo, QualityScore, format_per_million, load_catalog
from storage import CatalogStore


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _rows(out: str) -> list[list[str]]:
    return [re.split(r" {2,}", line.strip()) for line in out.splitlines()]


def test_search_lists_matching_models_with_prices_per_million(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main.main(["catalog", "--search", "GPT-4o-mini openai"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows[0] == [
        "MODEL",
        "PROVIDER",
        "IN $/M",
        "OUT $/M",
        "BATCH IN",
        "BATCH OUT",
        "CONTEXT",
        "QUALITY",
    ]
    mini = load_catalog().get("gpt-4o-mini")
    row = next(r for r in rows if r[0] == "gpt-4o-mini")
    assert row[1:4] == [
        "openai",
        format_per_million(mini.input_cost_per_token),
        format_per_million(mini.output_cost_per_token),
    ]
    assert row[-1] == "-"
    # Every word is in the id or the provider (vercel_ai_gateway/openai/... counts).
    assert all("gpt-4o-mini" in r[0] and "openai" in r[0] + r[1] for r in rows[1:-1])
    assert any(r[1] != "openai" for r in rows[1:-1])
    assert re.fullmatch(
        r"\d+ of [\d,]+ models; prices from litellm \S+, \d{4}-\d\d-\d\d", rows[-1][0]
    )


def test_the_users_scores_and_custom_models_are_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "cli.sqlite3"
    with CatalogStore(db) as store:
        store.set_quality("gpt-4o", QualityScore(score=0.77))
        store.add_custom_model(
            ModelInfo(
                id="acme/llama", provider="custom", input_cost_per_token=0, output_cost_per_token=0
            )
        )
    assert main.main(["catalog", "--db", str(db), "--provider", "custom"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [r[:2] for r in rows[1:-1]] == [["acme/llama", "custom"]]
    assert (
        main.main(["--db", str(db), "catalog", "--search", "gpt-4o", "--provider", "openai"]) == 0
    )
    gpt_4o = next(r for r in _rows(capsys.readouterr().out) if r[0] == "gpt-4o")
    assert gpt_4o[-1] == "0.77 (entered)"


def test_unknown_provider_is_refused_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["catalog", "--provider", "opnai"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "error: no provider named 'opnai' in the catalog; did you mean openai?\n"
    assert captured.out == ""


def test_no_match_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["catalog", "--search", "no-such-model-anywhere"]) == 0
    assert capsys.readouterr().out == "No models match.\n"


def test_a_bad_database_is_a_readable_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello")
    assert main.main(["catalog", "--db", str(not_a_db)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {not_a_db} is not a valid")
