"""LLM-as-judge through the runner and litellm's real HTTP path to the local server."""

from __future__ import annotations

import re

import pytest

from core.comparison import compare_runs
from core.evaluation import DatasetItem, RunSettings, Sample
from core.judge import grade, grading_items, judge_variant, parse_grade
from core.llm import LlmClient
from tests.llm_server import LlmTestServer, Reply, last_user_text

ITEMS = [
    DatasetItem(id=f"q{i}", input=f"What is {i} + {i}?", expected=str(2 * i)) for i in range(6)
]


def _grader(body: dict) -> Reply:
    """PASS when the graded answer equals the reference, FAIL otherwise; "no idea" for q5."""
    text = last_user_text(body)
    reference = re.search(r"Reference answer:\n(.*)\n", text).group(1)
    answer = re.search(r"Answer to grade:\n(.*)\n", text).group(1)
    if "What is 5 + 5" in text:
        return Reply("I have no idea", input_tokens=50, output_tokens=1)
    return Reply("PASS" if answer == reference else "FAIL", input_tokens=50, output_tokens=1)


@pytest.mark.parametrize(
    ("reply", "score"),
    [("PASS", 1.0), ("fail.", 0.0), ("Verdict: PASS", 1.0), ("FAIL, not PASS", 0.0), ("ok", None)],
)
def test_parse_grade(reply, score):
    assert parse_grade(reply) == score


def test_errored_samples_are_not_sent_to_the_judge():
    samples = [Sample(item_id="q0", output="0"), Sample(item_id="q1", error="timeout")]
    graded = grading_items(ITEMS, samples)
    assert [g.id for g in graded] == ["q0"]
    assert graded[0].fields == {"expected": "0", "output": "0"}


def test_judge_grades_both_runs_and_the_comparison_counts_its_cost():
    """Baseline right on q0, q1 (2 of 5 graded: q2-q4 wrong; q5 ungraded); variant right on
    q0-q4 (q5 ungraded). Paired graded items: q0-q4, so b = 0, c = 3 and lift = 3/5 = 0.6.
    Each judge call: 50 input x $1e-6 + 1 output x $2e-6 = $5.2e-5; 12 calls = $6.24e-4."""
    baseline = [
        Sample(item_id=i.id, output=i.expected if k < 2 else "7") for k, i in enumerate(ITEMS)
    ]
    variant = [Sample(item_id=i.id, output=i.expected) for i in ITEMS]
    with LlmTestServer(responder=_grader) as server:
        client = LlmClient(api_base=server.url, prices=(1e-6, 2e-6))
        judge = judge_variant("judge-model", server.url)
        settings = RunSettings(concurrency=4)
        base = grade(client, settings, judge, ITEMS, baseline, prices=(1e-6, 2e-6))
        var = grade(client, settings, judge, ITEMS, variant, prices=(1e-6, 2e-6))
        assert server.served == 12
    assert base.scores == {"q0": 1.0, "q1": 1.0, "q2": 0.0, "q3": 0.0, "q4": 0.0}
    assert base.ungraded == ["q5"] and var.ungraded == ["q5"]
    assert base.cost_usd == pytest.approx(6 * 5.2e-5)
    comparison = compare_runs(
        ITEMS,
        baseline,
        variant,
        "llm_judge",
        grades=(base.scores, var.scores),
        judge_cost_usd=base.cost_usd + var.cost_usd,
    )
    assert (comparison.n_paired, comparison.b, comparison.c) == (5, 0, 3)
    assert comparison.lift == pytest.approx(0.6)
    assert comparison.judge_cost_usd == pytest.approx(12 * 5.2e-5)
    assert any("judge's grading cost $0.000624" in r for r in comparison.reasons)


def test_a_judged_metric_without_grades_is_refused():
    with pytest.raises(ValueError, match="needs the judge's grades"):
        compare_runs(ITEMS, [], [], "llm_judge")
