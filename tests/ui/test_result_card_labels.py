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


def test_an_experiment_verdict_has_the_colour_it_has_on_every_experiment_view(qtbot):
    """need_more_data is orange on the badge as on the compare page, the lift plot and the
    history table (it was the neutral grey of a model id)."""
    from ui.plots.common import VERDICT_COLOURS

    card = ResultCard()
    qtbot.addWidget(card)
    outcomes = {"both_pass": 0, "baseline_only": 0, "variant_only": 0, "both_fail": 0}
    card.show_result(experiments.compute(experiments.Inputs(**outcomes)))
    assert f"background: {VERDICT_COLOURS['need_more_data']};" in card.badge.styleSheet()


def test_the_card_texts_hint_their_height_at_the_width_they_have(qtbot):
    """The content's (and the figures and reasons') size hint is the height its texts take at
    its width: Qt's own lays them out again at the width the layout would prefer, a width the
    card does not have (the reasons' rich text, about 1M instructions, on every edit)."""
    from core.frameworks import build_vs_buy

    card = ResultCard()
    qtbot.addWidget(card)
    card.resize(700, 400)
    card.show()
    card.show_result(build_vs_buy.compute(build_vs_buy.Inputs()))
    qtbot.waitUntil(lambda: card.content.width() > 0)
    for widget in (card.content, card.details):
        width = widget.width()
        assert widget.sizeHint().height() == widget.heightForWidth(width)
        assert widget.sizeHint().width() == widget.layout().sizeHint().width()
