"""Experiments framework: the worked example by hand, plans without data, properties."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core.frameworks import experiments
from core.frameworks.common import format_figure
from core.frameworks.experiments import Inputs, compute, summarize
from core.stats import mcnemar_exact, paired_proportion_ci

NO_OUTCOMES = {"both_pass": 0, "baseline_only": 0, "variant_only": 0, "both_fail": 0}


def test_module_surface():
    assert experiments.ID == "experiments"
    assert experiments.TITLE == "Experiments"
    assert "paired" in experiments.GUIDE


def test_worked_example_by_hand():
    """400 paired items: 262 both pass, 18 only baseline (b), 38 only variant (c), 82 both fail.
    Baseline 280/400 = 70%, variant 300/400 = 75%; lift (38 - 18) / 400 = 5 pp.
    Normal check of the interval: var = 56/400 - 0.05^2 = 0.1375, se = sqrt(0.1375/400)
    = 0.01854, so about 5 -/+ 3.6 pp: 1.4 to 8.6 (Tango's score interval, checked exactly in
    test_paired_intervals, is within 0.4 of it).
    McNemar: 2 P(X <= 18), X ~ Binomial(56, 1/2) = 0.01045 (exact sum below).
    Verdict: p < 0.05, low > 0 and 5 >= the 2-point minimum -> ship.
    Observed sample size (Connor): p10 = 0.045, p01 = 0.095, psi = 0.14, d = 0.05:
    (1.959964 x 0.374166 + 0.841621 x 0.370810)^2 / 0.0025 = (0.733352 + 0.312084)^2 / 0.0025
    = 1.092937 / 0.0025 = 437.2 -> 438.
    Planned (independent arms, 70% + 5): p10 = 0.7 x 0.25 = 0.175, p01 = 0.3 x 0.75 = 0.225:
    1,254 (worked in test_stats).
    Trade-off: $0.0006 - $0.0004 = $0.0002 more a sample; 950 - 800 = 150 ms; per extra pass
    0.0002 / 0.05 = $0.004."""
    r = compute(Inputs())
    assert r.n_items == 400
    assert r.baseline_pass_rate_pct == pytest.approx(70)
    assert r.variant_pass_rate_pct == pytest.approx(75)
    assert r.lift_pct == pytest.approx(5)
    assert r.ci_low_pct == pytest.approx(1.37, abs=0.4)
    assert r.ci_high_pct == pytest.approx(8.63, abs=0.4)
    exact = 2 * sum(math.comb(56, k) for k in range(19)) / 2**56
    assert r.mcnemar_p == pytest.approx(exact)
    assert r.mcnemar_p == pytest.approx(0.01045, abs=1e-5)
    assert r.significant
    assert r.recommendation == "ship"
    assert r.samples_needed_observed == 438
    assert r.samples_needed_planned == 1254
    assert r.discordance_observed_pct == pytest.approx(14)
    assert r.cost_delta_per_sample_usd == pytest.approx(0.0002)
    assert r.latency_delta_ms == 150
    assert r.cost_per_extra_pass_usd == pytest.approx(0.004)
    assert r.headline == (
        f"Ship: a lift of +5.0 pp (95% interval {r.ci_low_pct:+.1f} to {r.ci_high_pct:+.1f} pp)"
    )
    assert r.rationale[0].startswith(
        "On 400 paired items the baseline passes 280 (70.0%) and the variant 300 (75.0%): a "
        "lift of +5.0 pp"
    )
    assert (
        "Only the baseline passes 18 items and only the variant 38; McNemar's exact test gives "
        "p = 0.010, significant at alpha 0.05." in r.rationale
    )
    assert any("each extra item it gets right costs $0.004" in s for s in r.rationale)
    assert format_figure(r.figure("samples_needed_planned")) == "1,254"


def test_the_interval_is_tangos_score_interval_of_the_counts_in_points():
    """b = 18, c = 38 of 400 at alpha 0.05, x 100; the figures show it in points."""
    lift, low, high = paired_proportion_ci(18, 38, 400, alpha=0.05)
    r = compute(Inputs())
    assert (r.lift_pct, r.ci_low_pct, r.ci_high_pct) == pytest.approx(
        (100 * lift, 100 * low, 100 * high)
    )
    assert compute(Inputs()) == r  # deterministic
    assert format_figure(r.figure("lift")) == "+5.0 pp"
    assert r.figure("ci_low").label == "Lift, 95% interval low"
    assert format_figure(r.figure("ci_high")) == f"{r.ci_high_pct:+.1f} pp"


def test_a_small_uncertain_experiment_needs_more_data_and_says_how_much():
    """40 items: 26 both pass, 2 only baseline, 4 only variant, 8 both fail: lift (4 - 2) / 40
    = 5 points, an interval straddling 0; McNemar 2 x (1 + 6 + 15) / 64 = 0.6875.
    Connor with p10 = 0.05, p01 = 0.10: 469 items (test_stats), so 429 more."""
    r = compute(Inputs(both_pass=26, baseline_only=2, variant_only=4, both_fail=8))
    assert r.lift_pct == pytest.approx(5)
    assert r.ci_low_pct < 0 < r.ci_high_pct
    assert r.mcnemar_p == pytest.approx(0.6875)
    assert not r.significant
    assert r.recommendation == "need_more_data"
    assert r.samples_needed_observed == 469
    assert any("you have 40, so about 429 more would settle it" in s for s in r.rationale)
    assert any(s.startswith("Need more data: the interval reaches down to") for s in r.rationale)


def test_a_worse_variant_is_not_shipped():
    """200 items, b = 40, c = 10: lift (10 - 40) / 200 = -15 points, far below the minimum."""
    r = compute(Inputs(both_pass=100, baseline_only=40, variant_only=10, both_fail=50))
    assert r.lift_pct == pytest.approx(-15)
    assert r.recommendation == "do_not_ship"
    assert r.headline.startswith("Do not ship: at most ")
    assert r.cost_per_extra_pass_usd is None  # no extra passes to pay for
    assert r.mcnemar_p == pytest.approx(mcnemar_exact(40, 10))


def test_zero_items_is_a_plan_not_a_crash():
    r = compute(Inputs(**NO_OUTCOMES))
    assert r.recommendation == "need_more_data"
    assert r.n_items == 0
    assert r.lift_pct is r.ci_low_pct is r.ci_high_pct is None
    assert r.mcnemar_p == 1.0
    assert r.samples_needed_observed is None
    assert r.samples_needed_planned == 1254
    assert r.headline == "Need more data: plan about 1,254 paired items"
    assert r.rationale[0].startswith("No paired outcomes are entered yet, so this is a plan")
    assert format_figure(r.figure("lift")) == "no data"
    assert "No paired outcomes entered yet" in summarize(Inputs(**NO_OUTCOMES), r)


def test_a_known_discordance_plans_fewer_items():
    """Discordance 15% with a 5-point lift: p01 = 0.10, p10 = 0.05 -> 469 (test_stats)."""
    r = compute(Inputs(known_discordance=True, discordance_pct=15))
    assert r.samples_needed_planned == 469
    assert "with a 15.0% discordance" in r.plan_note


@pytest.mark.parametrize(
    ("changes", "note"),
    [
        ({"expected_lift_pct": 0}, "The plan has no expected lift"),
        ({"baseline_pass_rate_pct": 98}, "beyond 0-100%"),
        ({"known_discordance": True, "discordance_pct": 3}, "cannot carry a lift of +5.0"),
    ],
)
def test_impossible_plans_say_why_instead_of_failing(changes, note):
    r = compute(Inputs(**changes))
    assert r.samples_needed_planned is None
    assert note in r.plan_note
    assert format_figure(r.figure("samples_needed_planned")) == "not possible"


def test_the_curve_falls_as_the_lift_grows_and_passes_through_the_plan():
    """From 70%, lifts up to 20 points (the larger of 20 and twice the 5-point plan); the
    point at 5 points is the plan's 1,254."""
    r = compute(Inputs())
    assert len(r.curve_lift_pct) == experiments.CURVE_POINTS
    assert r.curve_lift_pct[-1] == pytest.approx(20)
    assert all(
        b <= a for a, b in zip(r.curve_samples_needed, r.curve_samples_needed[1:], strict=False)
    )
    at_five = r.curve_lift_pct.index(pytest.approx(5))
    assert r.curve_samples_needed[at_five] == 1254


def test_a_baseline_at_100_percent_has_no_curve():
    assert compute(Inputs(baseline_pass_rate_pct=100)).curve_lift_pct == []


def test_without_cost_and_latency_no_trade_off_is_claimed():
    r = compute(Inputs(compare_cost_latency=False))
    assert r.cost_delta_per_sample_usd is None and r.latency_delta_ms is None
    assert format_figure(r.figure("cost_delta_per_sample")) == "not entered"
    assert not any("per sample" in s for s in r.rationale)


def test_summary_has_the_sections_and_the_counts():
    x = Inputs()
    text = summarize(x, compute(x))
    for heading in (
        "### Observed outcomes",
        "### Considered options",
        "### Sample size",
        "### Assumptions",
    ):
        assert heading in text
    assert "| **Baseline passes** | 262 | 18 |" in text
    assert (
        "| Ship the variant | McNemar's exact p below 0.05, 95% interval above 0 and lift at "
        "least +2.0 pp | yes |" in text
    )
    assert "ship when the lift is significant at alpha 0.05" in text
    assert "need_more_data" not in text and "do_not_ship" not in text
    assert "Outcome: **Ship**." in text


def test_inputs_are_validated():
    with pytest.raises(ValidationError):
        Inputs(baseline_only=-1)
    with pytest.raises(ValidationError):
        Inputs(alpha=0)
    with pytest.raises(ValidationError):
        Inputs(power=1)
    with pytest.raises(ValidationError):
        Inputs(unknown=1)


def test_every_input_has_a_unit_bounds_a_description_and_a_group():
    for name, info in Inputs.model_fields.items():
        extra = info.json_schema_extra
        assert isinstance(extra, dict) and extra["group"], name
        assert info.description, name
        if info.annotation in (int, float):
            assert extra["unit"], name
            assert any(getattr(m, "le", None) is not None for m in info.metadata), name


def test_result_is_json_serialisable():
    r = compute(Inputs())
    assert experiments.Result.model_validate_json(r.model_dump_json()) == r


# --- Properties -----------------------------------------------------------------------------------


def _bounded(name):
    info = Inputs.model_fields[name]
    low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
    if low is None:
        low = next(m.gt for m in info.metadata if getattr(m, "gt", None) is not None) + 1e-9
    high = next(m.le for m in info.metadata if getattr(m, "le", None) is not None)
    if info.annotation is int:
        # Mostly small counts (the zero and one-sided cases), sometimes up to the bound.
        return st.one_of(st.integers(0, 5), st.integers(int(low), int(high)))
    return st.one_of(
        st.sampled_from([float(low), float(high)]),
        st.floats(float(low), float(high), allow_nan=False, allow_infinity=False),
    )


inputs_strategy = st.fixed_dictionaries(
    {
        name: (st.booleans() if info.annotation is bool else _bounded(name))
        for name, info in Inputs.model_fields.items()
    }
).map(lambda d: Inputs(**d))


def _finite(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


@settings(deadline=None, max_examples=150)
@given(inputs_strategy)
def test_never_raises_never_nan(x):
    r = compute(x)
    assert _finite(r.model_dump())
    assert all(f.value is None or math.isfinite(f.value) for f in r.figures)
    assert summarize(x, r)
    assert 0 <= r.mcnemar_p <= 1
    assert r.recommendation in ("ship", "do_not_ship", "need_more_data")
    if r.lift_pct is not None:
        assert -100 <= r.ci_low_pct <= r.ci_high_pct <= 100
    if r.recommendation == "ship":
        assert r.ci_low_pct > 0 and r.lift_pct >= x.min_lift_pct
    assert len(r.curve_lift_pct) == len(r.curve_samples_needed)
    assert all(n >= 1 for n in r.curve_samples_needed)


def test_a_vanishing_planned_lift_is_explained():
    """From 100%, a lift of 1e-21 points leaves 100% in floating point: nothing to detect."""
    r = compute(Inputs(baseline_pass_rate_pct=100, expected_lift_pct=1e-21))
    assert r.samples_needed_planned is None
    assert "is too small for any number of items to detect" in r.plan_note
