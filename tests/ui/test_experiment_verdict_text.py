"""What the Compare page, the History table and the lift plot say about a verdict: labels, not
codes; lifts in pp with the interval's level; the decision form reads the same verdict."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.comparison import compare_runs, summarize_run
from core.evaluation import DatasetItem, Sample
from core.frameworks import experiments
from core.metrics import METRICS
from storage.experiments import ExperimentRecord
from ui.experiments.history_page import HistoryPage, metric_scale
from ui.experiments.models import ExperimentsModel
from ui.experiments.plots import LiftPlot
from ui.experiments.texts import headline, run_summary_text


def _comparison(base: str, var: str, **options):
    """Runs as strings of outcomes per item: 1 right ("yes"), 0 wrong."""
    items = [DatasetItem(id=f"i{k}", input=f"q{k}", expected="yes") for k in range(len(base))]

    def run(outcomes: str) -> list[Sample]:
        return [
            Sample(item_id=f"i{k}", output="yes" if o == "1" else "no")
            for k, o in enumerate(outcomes)
        ]

    return compare_runs(items, run(base), run(var), "exact_match", **options)


@pytest.mark.parametrize(
    ("base", "var", "alpha"),
    [
        ("1" * 25 + "0" * 5, "1" * 30, 0.05),  # b 0, c 5: interval above 0, p 0.0625
        ("1" * 25 + "0" * 5, "1" * 30, 0.1),  # the same at alpha 0.1: ships
        ("11" + "0" * 9 + "1" * 19, "00" + "1" * 28, 0.05),  # b 2, c 9
        ("1111110000", "1111001111", 0.05),  # b 2, c 4: the interval straddles 0
        ("1" * 40, "1" * 30 + "0" * 10, 0.05),  # b 10, c 0: worse
    ],
)
def test_the_form_filled_from_a_comparison_reaches_the_same_verdict(base, var, alpha):
    """'Use in the decision form' carries the counts, the minimum and alpha: the form's
    verdict and interval are the comparison's, for a pass/fail metric."""
    c = _comparison(base, var, alpha=alpha, min_lift=0.02)
    values = experiments.suggested_inputs(c)
    assert values["alpha"] == alpha
    r = experiments.compute(experiments.Inputs(**values))
    assert r.recommendation == c.verdict
    assert (r.lift_pct, r.ci_low_pct, r.ci_high_pct) == pytest.approx(
        (100 * c.lift, 100 * c.low, 100 * c.high)
    )


def test_the_headline_states_pp_the_level_and_alpha():
    """b 2, c 4 of 10: lift +20.0 pp; McNemar p = 0.6875 (test_comparison, by hand)."""
    c = _comparison("1111110000", "1111001111", alpha=0.1)
    assert headline(c) == (
        f"lift +20.0 pp (90% interval {100 * c.low:+.1f} to {100 * c.high:+.1f} pp) on 10 paired "
        "items · McNemar p = 0.688 at alpha 0.1 · baseline 0.600, variant 0.800"
    )


def test_history_rows_show_labels_and_points(qtmodeltester):
    c = _comparison("1" * 25 + "0" * 5, "1" * 30)
    record = ExperimentRecord.from_comparison(
        c, name="v vs b", dataset_id=1, baseline_run_id=1, variant_run_id=2
    )
    record = ExperimentRecord(
        **{**record.__dict__, "id": 1, "created_at": datetime(2026, 12, 3, tzinfo=UTC)}
    )
    model = ExperimentsModel()
    model.set_rows([record])
    qtmodeltester.check(model)
    assert model.index(0, 3).data() == METRICS["exact_match"].label != "exact_match"
    assert model.index(0, 6).data() == (
        f"+16.7 pp (95% interval {100 * c.low:+.1f} to {100 * c.high:+.1f} pp)"
    )
    assert model.index(0, 7).data() == "0.062"  # p = 2 / 2^5 = 0.0625, as the reasons round it
    assert any("p = 0.062," in reason for reason in c.reasons)
    assert model.index(0, 8).data() == "Need more data"


def test_the_lift_plot_label_follows_alpha(qtbot):
    plot = LiftPlot()
    qtbot.addWidget(plot)
    r = experiments.compute(experiments.Inputs(alpha=0.1))
    plot.update_result(r)
    assert plot.label.toPlainText() == (
        f"Ship: +5.0 pp (90% interval {r.ci_low_pct:+.1f} to {r.ci_high_pct:+.1f} pp)"
    )


def test_a_run_whose_every_item_failed_reads_no_score_everywhere(qtmodeltester):
    """The run's summary line, the comparison's headline and the History row say "no score"
    for a run that never answered, not a 0.000 with an interval."""
    items = [DatasetItem(id=f"i{k}", input=f"q{k}", expected="yes") for k in range(3)]
    good = [Sample(item_id=i.id, output="yes") for i in items]
    failed = [Sample(item_id=i.id, error="401 no API key") for i in items]
    summary = run_summary_text(summarize_run(items, failed, "exact_match"))
    assert summary.startswith("Exact match: no score: all 3 items failed on 3 items")
    assert "CI" not in summary
    c = compare_runs(items, good, failed, "exact_match")
    assert headline(c).startswith("the variant has no score: all 3 items failed · ")
    record = ExperimentRecord.from_comparison(
        c, name="v vs b", dataset_id=1, baseline_run_id=1, variant_run_id=2
    )
    record = ExperimentRecord(
        **{**record.__dict__, "id": 1, "created_at": datetime(2026, 12, 3, tzinfo=UTC)}
    )
    model = ExperimentsModel()
    model.set_rows([record])
    qtmodeltester.check(model)
    assert [model.index(0, col).data() for col in (4, 5, 6)] == [
        "1.000",
        "no score: all failed",
        "no score",
    ]


def test_the_history_plot_reads_on_the_metrics_scale_and_names_its_interval(qtbot):
    """Exact match is pass/fail: 25 of 30 and 30 of 30 items passing plot as 83.3 % and 100 %
    on a percent axis; the caption (and the plot's tooltip) says which interval the bar is."""
    page = HistoryPage(None)  # type: ignore[arg-type]  # the bench only opens a comparison
    qtbot.addWidget(page)
    c = _comparison("1" * 25 + "0" * 5, "1" * 30)
    record = ExperimentRecord.from_comparison(
        c, name="v vs b", dataset_id=1, baseline_run_id=1, variant_run_id=2
    )
    page.show_experiments([ExperimentRecord(**{**record.__dict__, "id": 7})])
    axis = page.plot.getPlotItem().getAxis("left")
    assert axis.labelText == "items passing (%)"
    assert list(page.variant_curve.getData()[1]) == pytest.approx([100.0])
    assert list(page.baseline_curve.getData()[1]) == pytest.approx([100 * 25 / 30])
    assert "variant's 95% interval for its mean score" in page.caption.text()
    assert "not the interval of the lift" in page.plot.toolTip()
    assert metric_scale("bleu") == ("sentence BLEU (0 to 100)", 100.0)
    assert metric_scale("token_f1") == ("score (0 to 1)", 1.0)
