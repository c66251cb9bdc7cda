"""The result card's badge reads a verdict in words, never as its code."""

import pytest

from core.frameworks import agents, cost_quality_latency, experiments
from ui.result_card import ResultCard


@pytest.mark.parametrize(
    ("module", "inputs", "badge"),
    [
        # No paired outcomes: the verdict is need_more_data.
        (
            experiments,
            {"both_pass": 0, "baseline_only": 0, "variant_only": 0, "both_fail": 0},
            "NEED MORE DATA",
        ),
        # Defaults over a $0.10 budget: p95 $0.123 breaks it, so fixed_workflow.
        (agents, {"max_cost_per_task_usd": 0.10}, "FIXED WORKFLOW"),
        (agents, {}, "AGENT"),
        # An empty catalog: nothing to recommend, said as such rather than as the code "none".
        (cost_quality_latency, {}, "NO PICK"),
    ],
)
def test_the_badge_shows_the_verdict_in_words(qtbot, module, inputs, badge):
    card = ResultCard()
    qtbot.addWidget(card)
    result = module.compute(module.Inputs(**inputs))
    card.show_result(result)
    assert card.badge.text() == badge
    assert "_" not in card.badge.text()
