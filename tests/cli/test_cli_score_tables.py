"""`catalog import-scores` on HELM group files and leaderboard tables (names matched, the
report printed, --map, --dry-run), `catalog score-source`, and `catalog --search` naming the
score in use and its source."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import main
from core.score_files import ELO_REFERENCE, elo_to_unit
from storage import CatalogStore

DATA = Path(__file__).parent.parent / "data" / "scores"
HELM = str(DATA / "helm_lite_core_scenarios.json")
ARENA = str(DATA / "arena_leaderboard.csv")
LEADERBOARD = str(DATA / "open_llm_leaderboard.csv")


@pytest.fixture(autouse=True)
def _restore_stdin():
    stdin = sys.stdin
    yield
    sys.stdin = stdin


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_helm_dry_run_prints_the_report_and_imports_nothing(db_path, capsys):
    code, out, err = _run(
        capsys, "catalog", "import-scores", HELM, "--source", "HELM Lite", "--dry-run"
    )
    assert code == 0, err
    assert "Tables: Accuracy (Mean win rate, NarrativeQA - F1, MMLU - EM); Efficiency" in out
    assert "Scores: HELM Lite: Accuracy: Mean win rate (read as 0..1)" in out
    assert "GPT-4o (2024-05-13) → gpt-4o-2024-05-13 (exact): 0.938 (0..1) → 0.938 (0..1)" in out
    assert "row 4: Llama 3.1 Instruct Turbo (70B): not matched to a catalog id; closest:" in out
    assert "row 5: Jurassic-2 Grande (17B): no number in 'Mean win rate'" in out
    assert "Dry run: nothing imported." in out
    with CatalogStore(db_path) as store:
        assert store.sourced_scores() == {}


def test_helm_table_and_column_then_asked(db_path, capsys):
    sys.stdin = io.StringIO("y\n")
    code, out, err = _run(
        capsys,
        "catalog",
        "import-scores",
        HELM,
        "--source",
        "HELM Lite MMLU",
        "--table",
        "Accuracy",
        "--score-column",
        "MMLU - EM",
    )
    assert code == 0, err
    assert "Import 3 score(s) from HELM Lite MMLU? [y/N]" in out
    with CatalogStore(db_path) as store:
        (score,) = store.sourced_scores()["gpt-4o-2024-05-13"]
    assert (score.value, score.benchmark) == (0.748, "Accuracy: MMLU - EM")


def test_a_lower_is_better_column_is_refused(capsys):
    code, _, err = _run(
        capsys,
        "catalog",
        "import-scores",
        HELM,
        "--source",
        "HELM",
        "--table",
        "Efficiency",
        "--score-column",
        "NarrativeQA - Observed inference time (s)",
    )
    assert code == 2 and "lower is better" in err


def test_arena_elo_with_a_map_and_the_rule_stated(db_path, capsys):
    assert ELO_REFERENCE == 1000  # the --scale help writes the rule out with 1000
    code, out, err = _run(
        capsys,
        "catalog",
        "import-scores",
        ARENA,
        "--source",
        "LMArena",
        "--map",
        "ChatGPT-4o-latest (2024-09-03)=chatgpt-4o-latest",
        "--yes",
    )
    assert code == 2 and "Not in the catalog: chatgpt-4o-latest" in err
    code, out, err = _run(
        capsys,
        "catalog",
        "import-scores",
        ARENA,
        "--source",
        "LMArena",
        "--map",
        "GPT-4o-mini-2024-07-18=gpt-4o-mini",
        "--yes",
    )
    assert code == 0, err
    assert "1 / (1 + 10^((1000 - rating) / 400))" in out
    assert "GPT-4o-mini-2024-07-18 → gpt-4o-mini (given): 1273 Elo → 0.828 (0..1)" in out
    with CatalogStore(db_path) as store:
        # Only the match the user gave is remembered; exact ones are found again anyway.
        assert store.remembered_names() == {"GPT-4o-mini-2024-07-18": "gpt-4o-mini"}
        q = store.user_data().quality["gpt-4o-mini"]
    assert q.score == pytest.approx(elo_to_unit(1273))


def test_a_leaderboard_csv_is_recognised_without_flags(capsys):
    """A CSV that is not model,score of catalog ids is read as a leaderboard table."""
    code, out, err = _run(
        capsys, "catalog", "import-scores", LEADERBOARD, "--source", "Open LLM", "--dry-run"
    )
    assert code == 2  # none of its names is a catalog id
    assert "no row matched a catalog model" in err
    assert "Scores: Open LLM: Average ⬆️ (percentages divided by 100)" in out
    assert "meta-llama/Meta-Llama-3.1-70B-Instruct: not matched to a catalog id" in out


def test_bad_map_is_refused(capsys):
    code, _, err = _run(
        capsys, "catalog", "import-scores", HELM, "--source", "H", "--map", "no-equals"
    )
    assert code == 2 and "--map needs NAME=MODEL_ID" in err


def test_score_source_choice_shows_in_the_search(capsys):
    assert _run(capsys, "catalog", "score-source")[1].startswith("No scores imported")
    for source, path in (("HELM Lite", HELM), ("LMArena", ARENA)):
        code, _, err = _run(capsys, "catalog", "import-scores", path, "--source", source, "--yes")
        assert code == 0, err
    code, out, _ = _run(capsys, "catalog", "--search", "gpt-4o-2024-05-13", "--provider", "openai")
    assert "0.84 (imported, LMArena: Arena Score)" in out
    assert "Quality in use: each model's latest score" in out

    code, out, _ = _run(capsys, "catalog", "score-source", "HELM Lite")
    assert code == 0
    assert "In use: HELM Lite" in out
    code, out, _ = _run(capsys, "catalog", "--search", "gpt-4o-2024-05-13", "--provider", "openai")
    assert "0.94 (imported, HELM Lite: Accuracy: Mean win rate)" in out
    assert "Quality in use: scores from HELM Lite where it has one" in out

    code, _, err = _run(capsys, "catalog", "score-source", "Nope")
    assert code == 2 and "the sources are: HELM Lite, LMArena" in err
    code, out, _ = _run(capsys, "catalog", "score-source", "--latest")
    assert "In use: each model's latest score" in out


def test_a_plain_scores_file_dry_run_imports_nothing(db_path, tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text("model,score\ngpt-4o,0.9\n", encoding="utf-8")
    code, out, _ = _run(capsys, "catalog", "import-scores", str(path), "--source", "X", "--dry-run")
    assert code == 0
    assert "1 quality score to import." in out and "Dry run: nothing imported." in out
    with CatalogStore(db_path) as store:
        assert store.user_data().quality == {} and store.sourced_scores() == {}


def test_format_csv_matches_the_names_of_a_plain_file(db_path, tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text("model,score\nGPT-4o (2024-05-13),0.9\n", encoding="utf-8")
    code, out, err = _run(
        capsys, "catalog", "import-scores", str(path), "--source", "X", "--format", "csv", "--yes"
    )
    assert code == 0, err
    assert "GPT-4o (2024-05-13) → gpt-4o-2024-05-13 (exact)" in out
    with CatalogStore(db_path) as store:
        assert store.user_data().quality["gpt-4o-2024-05-13"].score == 0.9


def test_provider_benchmarks_print_the_latency_they_bring(db_path, capsys):
    path = str(DATA / "provider_benchmarks.csv")
    code, out, err = _run(capsys, "catalog", "import-scores", path, "--source", "AA", "--yes")
    assert code == 0, err
    assert (
        "GPT-4o mini → gpt-4o-mini (exact): 71% → 0.71 (0..1); in use was none; latency 390 ms "
        "to first token, 99.1 tokens/s" in out
    )
    with CatalogStore(db_path) as store:
        assert store.user_data().latency["gpt-4o-mini"].output_tokens_per_second == 99.1
