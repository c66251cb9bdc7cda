"""Benchmark tables read as 0..1 quality scores: HELM group JSON, Open LLM Leaderboard and
arena CSVs, provider-benchmark CSVs (test files under tests/data/scores, in the formats their
publishers write)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import core.score_files
from core.score_files import (
    ScoreFileError,
    elo_to_unit,
    guess_scale,
    helm_tables,
    read_score_file,
    to_unit,
)

DATA = Path(__file__).parent.parent / "data" / "scores"


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_docstring_examples_hold():
    assert doctest.testmod(core.score_files).failed == 0


def test_elo_rule_by_hand():
    assert elo_to_unit(1000) == 0.5
    # 1285 is 285 points over the reference: 1 / (1 + 10^(-285/400)) = 0.8375...
    assert elo_to_unit(1285) == pytest.approx(1 / (1 + 10 ** (-285 / 400)))
    assert round(elo_to_unit(1285), 3) == 0.838
    assert elo_to_unit(1340) > elo_to_unit(1285)


def test_scales():
    assert to_unit(0.7, "unit") == 0.7
    assert to_unit(85, "percent") == 0.85
    with pytest.raises(ValueError, match="outside 0-100"):
        to_unit(120, "percent")
    with pytest.raises(ValueError, match="outside 0..1"):
        to_unit(1.5, "unit")
    assert guess_scale("Arena Score", [1200]) == "elo"
    assert guess_scale("Average ⬆️", [43.4, 19.2]) == "percent"
    assert guess_scale("Mean win rate", [0.9, 0.4]) == "unit"


def test_helm_default_table_and_column_is_the_mean_win_rate():
    read = read_score_file(_text("helm_lite_core_scenarios.json"))
    assert read.format == "helm" and read.scale == "unit"
    assert read.benchmark == "Accuracy: Mean win rate"
    assert [(r.name, r.score) for r in read.rows] == [
        ("GPT-4o (2024-05-13)", 0.938),
        ("GPT-4o mini (2024-07-18)", 0.701),
        ("Claude 3.5 Sonnet (20240620)", 0.885),
        ("Llama 3.1 Instruct Turbo (70B)", 0.808),
    ]
    # A model HELM did not run on the column is reported, not scored 0.
    (problem,) = read.problems
    assert problem.model == "Jurassic-2 Grande (17B)" and "no number" in problem.reason


def test_helm_tables_list_columns_and_lower_is_better():
    tables = helm_tables(_text("helm_lite_core_scenarios.json"))
    assert [t.title for t in tables] == ["Accuracy", "Efficiency"]
    assert tables[0].columns == ["Mean win rate", "NarrativeQA - F1", "MMLU - EM"]
    assert tables[1].lower_is_better == ["NarrativeQA - Observed inference time (s)"]


def test_helm_chosen_table_and_column():
    read = read_score_file(
        _text("helm_lite_core_scenarios.json"), table="accuracy", score_column="MMLU - EM"
    )
    assert read.benchmark == "Accuracy: MMLU - EM"
    assert read.rows[0].score == 0.748 and len(read.rows) == 5
    efficiency = read_score_file(_text("helm_lite_core_scenarios.json"), table="Efficiency")
    assert efficiency.benchmark == "Efficiency: Mean win rate"
    assert [r.score for r in efficiency.rows] == [0.62, 0.41]


def test_helm_refuses_a_lower_is_better_column_and_names_tables_and_columns():
    text = _text("helm_lite_core_scenarios.json")
    with pytest.raises(ScoreFileError, match="lower is better"):
        read_score_file(
            text, table="Efficiency", score_column="NarrativeQA - Observed inference time (s)"
        )
    with pytest.raises(ScoreFileError, match="its tables: Accuracy, Efficiency"):
        read_score_file(text, table="Bias")
    with pytest.raises(ScoreFileError, match="its columns: Mean win rate"):
        read_score_file(text, score_column="BLEU")


def test_open_llm_leaderboard_percentages_and_plain_names():
    read = read_score_file(_text("open_llm_leaderboard.csv"))
    assert read.format == "csv" and read.scale == "percent"
    assert (read.model_column, read.score_column) == ("fullname", "Average ⬆️")
    assert [(r.name, r.value, r.score) for r in read.rows] == [
        ("meta-llama/Meta-Llama-3.1-70B-Instruct", 43.41, pytest.approx(0.4341)),
        ("Qwen/Qwen2.5-72B-Instruct", 47.98, pytest.approx(0.4798)),
        ("mistralai/Mistral-7B-Instruct-v0.3", 19.24, pytest.approx(0.1924)),
    ]


def test_the_html_model_column_is_read_as_plain_text():
    read = read_score_file(_text("open_llm_leaderboard.csv"), model_column="Model")
    assert read.rows[0].name == "meta-llama/Meta-Llama-3.1-70B-Instruct"
    assert all("<" not in r.name for r in read.rows)


def test_another_column_and_a_forced_scale():
    read = read_score_file(_text("open_llm_leaderboard.csv"), score_column="IFEval")
    assert read.benchmark == "IFEval" and read.rows[0].score == pytest.approx(0.8669)
    with pytest.raises(ScoreFileError, match="no column 'Nope'"):
        read_score_file(_text("open_llm_leaderboard.csv"), score_column="Nope")


def test_arena_elo_by_the_stated_rule():
    read = read_score_file(_text("arena_leaderboard.csv"))
    assert read.scale == "elo" and read.score_column == "Arena Score"
    by_name = {r.name: r for r in read.rows}
    assert by_name["GPT-4o-2024-05-13"].value == 1285
    assert by_name["GPT-4o-2024-05-13"].score == pytest.approx(elo_to_unit(1285))
    assert by_name["Zephyr-7B-beta"].score == pytest.approx(elo_to_unit(1053))


def test_provider_benchmarks_carry_latency_and_price():
    read = read_score_file(_text("provider_benchmarks.csv"))
    assert read.score_column == "Quality Index" and read.scale == "percent"
    first = read.rows[0]
    assert first.name == "GPT-4o (May '24)" and first.score == pytest.approx(0.77)
    assert first.ttft_ms == pytest.approx(450)  # the file states seconds
    assert first.output_tokens_per_second == pytest.approx(84.3)
    assert first.price_per_million == pytest.approx(7.5)


def test_bad_rows_are_reported_and_repeats_keep_the_first():
    read = read_score_file("model,score\na,0.5\n,0.4\nb,x\na,0.6\nc,2\n", scale="unit")
    assert [r.name for r in read.rows] == ["a"]
    reasons = [(p.row, p.reason) for p in read.problems]
    assert reasons[0] == (3, "no model name")
    assert reasons[1] == (4, "no number in 'score'")
    assert "repeats the model of row 2" in reasons[2][1]
    assert "outside 0..1" in reasons[3][1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("a\x00b", "binary"),
        ("[{oops", "not valid JSON"),
        ("[1, 2]", "no HELM table"),
        ("name,value\nx,1\n", "no score column found"),
        ("model,score\n", "no rows"),
    ],
)
def test_unusable_files(text, message):
    with pytest.raises(ScoreFileError, match=message):
        read_score_file(text)
