"""The measured router at the operations layer: two stored runs in, the curve and the values
for Architecture Patterns out; the judge rule reads the judge's scores kept in the history."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from core.evaluation import Variant
from core.frameworks import architecture_patterns as ap
from operations.experiments import compare_and_record
from operations.judge import JudgeSpec
from operations.router import architecture_values, measure_router, threshold_text
from storage import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text
from tests.router_runs import router_runs


def test_the_confidence_rule_on_two_stored_runs(tmp_path: Path) -> None:
    """tests/router_runs.py's runs on Contains: cheap right on q0, q2, q4, strong on all but
    q2 (all-strong 5 of 6). Costs (x 1e-6 $): cheap 140, 180, ..., 340 (sum 1,440), strong ten
    times that (sum 14,400). At confidence >= 0.6 the cheap model keeps q0, q1, q2: quality
    1 0 1 1 1 1 = 5 of 5 kept; cost 1,440 + 2,600 + 3,000 + 3,400 = 10,440, saving 3,960
    (27.5%). At 0.2 q4 (no confidence stated) still escalates: 1 0 1 0 1 0 = 3 (60%), cost
    1,440 + 3,000 = 4,440, saving 9,960 (69.2%)."""
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        cheap, strong = router_runs(store)
        measured = measure_router(store, cheap, strong, "contains", "confidence")
    rows = {r.threshold: r for r in measured.curve.rows}
    assert list(rows) == [None, 0.9, 0.8, 0.6, 0.4, 0.2]
    at = rows[0.6]
    assert (at.share_cheap, at.quality_kept) == (0.5, 1.0)
    assert at.saved_usd == pytest.approx(3960e-6)
    assert at.saved_share == pytest.approx(0.275)
    assert rows[0.2].quality_kept == pytest.approx(0.6)
    assert rows[0.2].saved_share == pytest.approx(9960 / 14400)
    assert measured.curve.no_signal == 1
    assert threshold_text(measured, at) == ">= 0.6"


def test_runs_of_different_datasets_or_the_same_run_are_refused(tmp_path: Path) -> None:
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        cheap, _strong = router_runs(store)
        _c2, other = router_runs(store, "another")
        with pytest.raises(ValueError, match="same dataset"):
            measure_router(store, cheap, other, "contains", "confidence")
        with pytest.raises(ValueError, match="two different runs"):
            measure_router(store, cheap, cheap, "contains", "confidence")
        with pytest.raises(ValueError, match="not valid"):
            measure_router(store, cheap, _strong, "contains", "regex", rule_pattern="(")


def _grader(body: dict) -> Reply:
    """PASS when the graded answer starts with the reference."""
    text = last_user_text(body)
    reference = re.search(r"Reference answer:\n(.*)\n", text).group(1)
    answer = re.search(r"Answer to grade:\n(.*)\n", text).group(1)
    return Reply("PASS" if answer.startswith(reference) else "FAIL", output_tokens=1)


def test_the_judge_rule_reads_the_judges_scores_kept_in_the_history(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """Without a judged comparison the rule says what to do; after one, the judge passes the
    cheap answers to q0, q2 and q4, so threshold 1 keeps those three and escalates q1, q3, q5,
    which the strong model gets right: 6 right on Contains against the all-strong 5 (120%).
    With the judge as the metric, its grades of both runs are the quality: 3 of 6 and 5 of 6."""
    llm_server.set_responder(_grader)
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        cheap, strong = router_runs(store)
        with pytest.raises(ValueError, match="llm_judge"):
            measure_router(store, cheap, strong, "contains", "judge")
        compare_and_record(
            store, strong, cheap, "llm_judge", judge=JudgeSpec("judge", llm_server.url)
        )
        measured = measure_router(store, cheap, strong, "contains", "judge")
        judged_metric = measure_router(store, cheap, strong, "llm_judge", "length")
    kept = next(r for r in measured.curve.rows if r.threshold == 1.0)
    assert kept.share_cheap == 0.5
    assert kept.quality_kept == pytest.approx(6 / 5)
    assert "llm_judge" in (measured.judge_source or "")
    assert judged_metric.curve.cheap_mean == 0.5
    assert judged_metric.curve.strong_mean == pytest.approx(5 / 6)


def test_the_values_for_architecture_patterns(tmp_path: Path) -> None:
    """At confidence >= 0.6: 50% kept, so 50% escalated. The measured models replace the
    example's gpt-4o-mini (summarization, translation) and gpt-4o (coding, reasoning, the
    fallback and the monolith); the classifier's accuracy stays the entered 0.95, and the note
    gives the rule's agreement with the oracle: q0, q2, q3 and q5 (q1 kept though the strong is
    right, q4 escalated though the cheap is right): 66.7%. Neither model has a profile: rows
    are fitted from the runs, which were priced at $1/$4 and $10/$40 a million tokens with
    200 ms + 10 ms/token and 500 + 20: speeds 100 and 50 tokens/s. Quality: the cheap mean 0.5,
    the strong 5/6."""
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        cheap, strong = router_runs(store)
        measured = measure_router(store, cheap, strong, "contains", "confidence")
    row = next(r for r in measured.curve.rows if r.threshold == 0.6)
    done = architecture_values(measured, row, ap.Inputs())
    inputs = ap.Inputs.model_validate({**ap.Inputs().model_dump(), **done.values})
    assert inputs.escalation_pct == 50
    assert not inputs.escalate_per_task_type
    assert (inputs.cheap_model, inputs.strong_model) == ("mini-model", "big-model")
    assert inputs.fallback_model == inputs.monolith_model == "big-model"
    assert [t.model for t in inputs.task_mix] == ["mini-model", "big-model"] * 2
    assert inputs.classifier_accuracy == 0.95
    assert "as the oracle would" in done.notes[-1] and "66.7%" in done.notes[-1]
    profiles = {p.model: p for p in inputs.model_profiles}
    mini, big = profiles["mini-model"], profiles["big-model"]
    assert (mini.quality, big.quality) == (0.5, pytest.approx(0.8333))
    assert mini.input_usd_per_million_tokens == pytest.approx(1)
    assert mini.output_usd_per_million_tokens == pytest.approx(4)
    assert big.output_usd_per_million_tokens == pytest.approx(40)
    assert (mini.ttft_ms, mini.output_tokens_per_second) == (pytest.approx(200), pytest.approx(100))
    assert big.output_tokens_per_second == pytest.approx(50)
    result = ap.compute(inputs)
    assert result.pattern("hierarchical").models == ["mini-model", "big-model"]
    assert len(done.notes) == 4


def test_a_profile_already_there_keeps_its_prices_and_gets_the_measured_quality(
    tmp_path: Path,
) -> None:
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        dataset = store.add_dataset("one", []) if False else None  # noqa: F841
        cheap, strong = router_runs(store)
        measured = measure_router(store, cheap, strong, "contains", "confidence")
    cheap_run = replace(measured.cheap, variant=Variant(name="m", model="gpt-4o-mini"))
    renamed = replace(measured, cheap=cheap_run)
    done = architecture_values(renamed, measured.curve.rows[3], ap.Inputs())
    profiles = {p["model"]: p for p in done.values["model_profiles"]}
    assert profiles["gpt-4o-mini"]["quality"] == 0.5
    assert profiles["gpt-4o-mini"]["input_usd_per_million_tokens"] == 0.15
