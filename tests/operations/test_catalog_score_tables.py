"""Benchmark tables imported as a source of scores: names matched (given, remembered, exact),
the report of what was not matched, several sources per model, the source in use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.catalog import Catalog, ModelInfo
from core.score_files import elo_to_unit
from operations import catalog as ops
from storage import CatalogStore, StorageError

DATA = Path(__file__).parent.parent / "data" / "scores"
HELM = DATA / "helm_lite_core_scenarios.json"
ARENA = DATA / "arena_leaderboard.csv"
PROVIDERS = DATA / "provider_benchmarks.csv"
DAY = dt.date(2026, 12, 3)
IDS = [
    "gpt-4o",
    "gpt-4o-2024-05-13",
    "gpt-4o-mini",
    "gpt-4o-mini-2024-07-18",
    "claude-3-5-sonnet-20240620",
    "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
    "gemini-1.5-pro-002",
]
PUBLIC = Catalog(
    [
        ModelInfo(id=i, provider="p", input_cost_per_token=1e-6, output_cost_per_token=1e-6)
        for i in IDS
    ],
    source="test map",
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "aidf.sqlite3"


@pytest.fixture
def store(db: Path) -> Iterator[CatalogStore]:
    with CatalogStore(db) as opened:
        yield opened


def test_helm_import_reports_what_was_not_matched(store):
    plan = ops.read_score_table(store, HELM, IDS, "HELM Lite", today=DAY)
    assert [(r.row.name, r.model_id, r.how) for r in plan.rows] == [
        ("GPT-4o (2024-05-13)", "gpt-4o-2024-05-13", "exact"),
        ("GPT-4o mini (2024-07-18)", "gpt-4o-mini-2024-07-18", "exact"),
        ("Claude 3.5 Sonnet (20240620)", "claude-3-5-sonnet-20240620", "exact"),
        ("Llama 3.1 Instruct Turbo (70B)", None, "none"),
    ]
    report = plan.report()
    assert report.imported == 3
    lines = report.lines()
    assert lines[0].startswith("Imported 3 quality scores; skipped 2 rows")
    assert any(
        "row 4: Llama 3.1 Instruct Turbo (70B): not matched to a catalog id; closest: "
        "'together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo'" in line
        for line in lines
    )
    assert any("Jurassic-2 Grande (17B)" in line and "no number" in line for line in lines)
    assert plan.describe() == "HELM Lite: Accuracy: Mean win rate (read as 0..1)"
    assert store.sourced_scores() == {}  # nothing written before apply


def test_a_given_match_is_used_and_remembered_for_next_time(store):
    llama = "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo"
    plan = ops.read_score_table(
        store, HELM, IDS, "HELM Lite", given={"Llama 3.1 Instruct Turbo (70B)": llama}
    )
    report = ops.apply_score_table(store, plan)
    assert report.imported == 4
    assert store.sourced_scores()[llama][0].score == 0.808
    again = ops.read_score_table(store, HELM, IDS, "HELM Lite")
    assert [(r.model_id, r.how) for r in again.rows][3] == (llama, "remembered")


def test_a_given_id_must_be_in_the_catalog(store):
    with pytest.raises(StorageError, match="Not in the catalog: gpt-5"):
        ops.read_score_table(store, HELM, IDS, "X", given={"GPT-4o (2024-05-13)": "gpt-5"})


def test_the_review_can_skip_or_change_a_row(store):
    plan = ops.read_score_table(store, HELM, IDS, "HELM Lite")
    plan = ops.rematch(plan, {"GPT-4o (2024-05-13)": "gpt-4o", "GPT-4o mini (2024-07-18)": None})
    ops.apply_score_table(store, plan)
    scores = store.sourced_scores()
    assert scores["gpt-4o"][0].score == 0.938
    assert "gpt-4o-mini-2024-07-18" not in scores
    assert store.remembered_names() == {"GPT-4o (2024-05-13)": "gpt-4o"}


def test_two_sources_side_by_side_and_the_chosen_one_in_use(store, db):
    ops.apply_score_table(store, ops.read_score_table(store, HELM, IDS, "HELM Lite"))
    arena = ops.read_score_table(store, ARENA, IDS, "LMArena")
    assert arena.read.scale == "elo"
    assert "1 / (1 + 10^((1000 - rating) / 400))" in arena.describe()
    ops.apply_score_table(store, arena)
    both = store.sourced_scores()["gpt-4o-2024-05-13"]
    assert [(s.source, s.value) for s in both] == [("HELM Lite", 0.938), ("LMArena", 1285)]
    in_use = ops.user_catalog(db, PUBLIC).get("gpt-4o-2024-05-13").quality
    assert in_use.score == pytest.approx(elo_to_unit(1285))  # the latest import
    ops.choose_quality_source(store, "HELM Lite")
    in_use = ops.user_catalog(db, PUBLIC).get("gpt-4o-2024-05-13").quality
    assert (in_use.score, in_use.benchmark) == (0.938, "HELM Lite: Accuracy: Mean win rate")


def test_provider_benchmarks_bring_latency(store):
    plan = ops.read_score_table(store, PROVIDERS, IDS, "Provider benchmark")
    assert [r.model_id for r in plan.rows] == [None, "gpt-4o-mini", None]
    ops.apply_score_table(store, plan)
    latency = store.user_data().latency["gpt-4o-mini"]
    assert (latency.ttft_ms, latency.output_tokens_per_second) == (pytest.approx(390), 99.1)
    assert latency.source == "imported"


def test_an_unusable_table_names_the_file(store, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,value\nx,1\n", encoding="utf-8")
    with pytest.raises(StorageError, match="no score column found.*Nothing was imported"):
        ops.read_score_table(store, path, IDS, "X")


def test_a_plain_csv_import_with_a_source_is_kept_as_that_source(store, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("model,score,benchmark\ngpt-4o,0.9,MMLU\n", encoding="utf-8")
    ops.apply_scores(store, ops.read_scores(store, path, IDS, "Team eval"))
    (sourced,) = store.sourced_scores()["gpt-4o"]
    assert (sourced.source, sourced.label()) == ("Team eval", "Team eval: MMLU")
    assert store.user_data().quality["gpt-4o"].benchmark == "Team eval: MMLU"
