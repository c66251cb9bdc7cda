"""Architecture Patterns engine: hand-checked blended costs, routing and escalation edge cases,
the recommendation rule, the modular pay-off volume, catalog sources and properties."""

import json
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core.catalog import Catalog, LatencyProfile, ModelInfo, QualityScore
from core.frameworks import architecture_patterns as ap
from core.frameworks.architecture_patterns import (
    DAYS_PER_MONTH,
    Inputs,
    ModelProfile,
    TaskType,
    compute,
    profiles_from_catalog,
    rows_from_catalog,
    summarize,
)

# Two models with round numbers, so every figure below can be checked by hand.
#   big:   $10 / $20 per million in / out, quality 0.9, 500 ms + 100 tokens/s
#   small: $1 / $2 per million,             quality 0.7, 200 ms + 200 tokens/s
BIG = ModelProfile(
    model="big",
    input_usd_per_million_tokens=10,
    output_usd_per_million_tokens=20,
    quality=0.9,
    ttft_ms=500,
    output_tokens_per_second=100,
)
SMALL = ModelProfile(
    model="small",
    input_usd_per_million_tokens=1,
    output_usd_per_million_tokens=2,
    quality=0.7,
    ttft_ms=200,
    output_tokens_per_second=200,
)
# easy: 60% of traffic, 1,000 in / 500 out, needs 0.6, routed to small, 20% escalated
# hard: 40% of traffic, 2,000 in / 1,000 out, needs 0.8, routed to big, 50% escalated
EASY = TaskType(
    name="easy",
    share_pct=60,
    input_tokens=1000,
    output_tokens=500,
    required_quality=0.6,
    model="small",
    escalation_pct=20,
)
HARD = TaskType(
    name="hard",
    share_pct=40,
    input_tokens=2000,
    output_tokens=1000,
    required_quality=0.8,
    model="big",
    escalation_pct=50,
)
# Per request:   big    easy 1,000 x 1e-5 + 500 x 2e-5 = $0.02     hard $0.04
#                small  easy 1,000 x 1e-6 + 500 x 2e-6 = $0.002    hard $0.004
# Latency (ms):  big    easy 500 + 500 / 100 x 1000 = 5,500        hard 10,500
#                small  easy 200 + 500 / 200 x 1000 = 2,700        hard 5,200


def inputs(**changes):
    base = dict(
        task_mix=[EASY, HARD],
        model_profiles=[BIG, SMALL],
        requests_per_day=10_000,
        monolith_model="big",
        classifier_cost_per_request_usd=0.001,
        classifier_latency_ms=100,
        classifier_accuracy=0.9,
        fallback_model="big",
        cheap_model="small",
        strong_model="big",
        escalate_per_task_type=True,
        operations_cost_per_extra_model_usd_per_month=1000,
        target_quality_share_pct=95,
    )
    base.update(changes)
    return Inputs(**base)


def run(**changes):
    return compute(inputs(**changes))


# --- Hand-checked blended costs ------------------------------------------------------------------


def test_monolithic_blended_cost_latency_and_quality():
    """One model for all: 0.6 x $0.02 + 0.4 x $0.04 = $0.028 a request;
    10,000 a day x 30.4 = 304,000 a month -> $8,512; no extra models -> no operations.
    Latency 0.6 x 5,500 + 0.4 x 10,500 = 7,500 ms; big's 0.9 meets 0.6 and 0.8 -> 100%."""
    mono = run().pattern("monolithic")
    assert mono.cost_per_request_usd == pytest.approx(0.028)
    assert mono.requests_cost_per_month_usd == pytest.approx(8512)
    assert mono.operations_cost_per_month_usd == 0
    assert mono.monthly_cost_usd == pytest.approx(8512)
    assert mono.mean_latency_ms == pytest.approx(7500)
    assert mono.quality_share == 1
    assert mono.mean_quality == pytest.approx(0.9)
    assert (mono.models, mono.components) == (["big"], 1)
    assert [t.served_by for t in mono.tasks] == ["big", "big"]


def test_modular_blended_cost_latency_and_quality():
    """Classifier $0.001 and 100 ms on every request; accuracy 0.9; fallback big.
    easy: 0.001 + 0.9 x 0.002 + 0.1 x 0.02 = $0.0048; hard: 0.001 + 0.04 = $0.041 (both big)
    per request 0.6 x 0.0048 + 0.4 x 0.041 = $0.01928; x 304,000 = $5,861.12
    operations: small, big + classifier = 3 to operate, 2 extra x $1,000 = $2,000
    latency easy 100 + 0.9 x 2,700 + 0.1 x 5,500 = 3,080; hard 100 + 10,500 = 10,600;
    mean 0.6 x 3,080 + 0.4 x 10,600 = 6,088 ms.
    quality: small 0.7 >= 0.6 and the fallback too -> all met; mean quality
    0.6 x (0.9 x 0.7 + 0.1 x 0.9) + 0.4 x 0.9 = 0.792."""
    mod = run().pattern("modular")
    easy, hard = mod.tasks
    assert easy.cost_per_request_usd == pytest.approx(0.0048)
    assert hard.cost_per_request_usd == pytest.approx(0.041)
    assert mod.cost_per_request_usd == pytest.approx(0.01928)
    assert mod.requests_cost_per_month_usd == pytest.approx(5861.12)
    assert (mod.components, mod.operations_cost_per_month_usd) == (3, 2000)
    assert mod.monthly_cost_usd == pytest.approx(7861.12)
    assert (easy.latency_ms, hard.latency_ms) == pytest.approx((3080, 10600))
    assert mod.mean_latency_ms == pytest.approx(6088)
    assert mod.quality_share == 1
    assert mod.mean_quality == pytest.approx(0.792)
    assert easy.served_by == "small, 10.0% misrouted to big"
    assert hard.served_by == "big"
    # The per-type monthly costs add up to the requests' cost a month.
    assert sum(t.monthly_cost_usd for t in mod.tasks) == pytest.approx(5861.12)


def test_hierarchical_blended_cost_latency_and_quality():
    """small first; 20% of easy and 50% of hard go on to big, paying both.
    easy: 0.002 + 0.2 x 0.02 = $0.006; hard: 0.004 + 0.5 x 0.04 = $0.024
    per request 0.6 x 0.006 + 0.4 x 0.024 = $0.0132; x 304,000 = $4,012.80 + $1,000 ops
    latency easy 2,700 + 0.2 x 5,500 = 3,800; hard 5,200 + 0.5 x 10,500 = 10,450; mean 6,460
    quality: easy met either way (1); hard only when escalated (0.5) -> 0.6 + 0.4 x 0.5 = 80%;
    mean quality 0.6 x (0.8 x 0.7 + 0.2 x 0.9) + 0.4 x (0.5 x 0.7 + 0.5 x 0.9) = 0.764."""
    hier = run().pattern("hierarchical")
    easy, hard = hier.tasks
    assert (easy.cost_per_request_usd, hard.cost_per_request_usd) == pytest.approx((0.006, 0.024))
    assert hier.cost_per_request_usd == pytest.approx(0.0132)
    assert hier.monthly_cost_usd == pytest.approx(4012.8 + 1000)
    assert (hier.components, hier.models) == (2, ["small", "big"])
    assert (easy.latency_ms, hard.latency_ms) == pytest.approx((3800, 10450))
    assert hier.mean_latency_ms == pytest.approx(6460)
    assert (easy.quality_met, hard.quality_met) == pytest.approx((1.0, 0.5))
    assert hier.quality_share == pytest.approx(0.8)
    assert hier.mean_quality == pytest.approx(0.764)
    assert hard.served_by == "small, 50.0% escalated to big"


def test_overall_escalation_applies_one_share_to_every_type():
    """30% of everything: easy 0.002 + 0.3 x 0.02 = 0.008; hard 0.004 + 0.3 x 0.04 = 0.016;
    0.6 x 0.008 + 0.4 x 0.016 = $0.0112 a request; hard met 30% -> 0.6 + 0.12 = 72%."""
    hier = run(escalate_per_task_type=False, escalation_pct=30).pattern("hierarchical")
    assert hier.cost_per_request_usd == pytest.approx(0.0112)
    assert hier.quality_share == pytest.approx(0.72)


def test_recommendation_is_the_cheapest_pattern_meeting_the_target():
    """Totals a month: monolithic $8,512, modular $7,861.12, hierarchical $5,012.80 at 80% (below
    95%): modular. At a 75% target hierarchical qualifies and is cheapest."""
    r = run()
    assert r.recommendation == "modular"
    assert r.headline == "Modular: $7,861 a month with 100% of requests at their required quality"
    assert r.rationale[0].startswith("Modular is the cheapest pattern that reaches 95.0%")
    assert (
        "$7,861 a month ($5,861 of requests at $0.01928 each + $2,000 of operations)"
        in (r.rationale[0])
    )
    assert any("costs $651 a month more" in s for s in r.rationale)  # 8,512 - 7,861.12
    assert (
        "Hierarchical ($5,013 a month, 80.0% at quality) misses the 95.0% target: 50.0% of hard "
        "requests get a model below their required quality."
    ) in r.rationale
    assert r.figure("recommended_monthly_cost").value == pytest.approx(7861.12)
    assert r.figure("hierarchical_quality_share").value == pytest.approx(80)
    assert run(target_quality_share_pct=75).recommendation == "hierarchical"


def test_equal_totals_go_to_fewer_models():
    """Modular routing everything to big with a free classifier and no operating cost costs
    exactly the monolith; the tie goes to the monolith (1 to operate against 2)."""
    hard_big = HARD.model_copy(update={"share_pct": 100})
    r = run(
        task_mix=[hard_big],
        classifier_cost_per_request_usd=0,
        operations_cost_per_extra_model_usd_per_month=0,
        cheap_model="big",
        escalate_per_task_type=False,
        escalation_pct=100,
    )
    mono, mod = r.pattern("monolithic"), r.pattern("modular")
    assert mod.monthly_cost_usd == mono.monthly_cost_usd
    assert (mono.components, mod.components) == (1, 2)
    assert r.recommendation == "monolithic"


def test_latency_limit_can_rule_patterns_out():
    """Means: monolithic 7,500, modular 6,088, hierarchical 6,460 ms.
    Limit 7,000: the monolith is out, modular still wins. Limit 6,000: all out (hierarchical
    misses quality too); of the two at the quality target, modular is the faster (6,088 ms
    against 7,500): it is recommended."""
    r = run(use_latency_limit=True, max_mean_latency_ms=7000)
    assert r.recommendation == "modular"
    assert any("misses the latency limit: 7.5 s mean" in s for s in r.rationale)
    r = run(use_latency_limit=True, max_mean_latency_ms=6000)
    assert not any(p.eligible for p in r.patterns)
    assert r.recommendation == "modular"
    assert r.headline == "No pattern meets the latency limit: Modular comes closest at 6.09 s"
    assert "of those at the quality target Modular is the fastest, 6.09 s mean" in r.rationale[0]
    # The fastest is chosen even where it is not the cheapest: at 1,000 a day modular costs
    # 0.01928 x 30,400 + 2,000 = $2,586 against the monolith's 0.028 x 30,400 = $851.
    r = run(use_latency_limit=True, max_mean_latency_ms=6000, requests_per_day=1000)
    assert r.recommendation == "modular"
    assert r.pattern("monolithic").monthly_cost_usd < r.pattern("modular").monthly_cost_usd


def test_nothing_reaches_the_target_picks_the_best_quality_share():
    """Monolith small: easy met, hard not -> 60%. Fallback small too: modular's hard requests
    reach big 90% of the time -> 0.6 + 0.4 x 0.9 = 96%... at a 99% target nothing qualifies
    and modular, with the best share, is recommended."""
    r = run(monolith_model="small", fallback_model="small", target_quality_share_pct=99)
    assert r.pattern("monolithic").quality_share == pytest.approx(0.6)
    assert r.pattern("modular").quality_share == pytest.approx(0.96)
    assert r.recommendation == "modular"
    assert r.headline == (
        "No pattern reaches 99.0% at the required quality: Modular comes closest with 96.0%"
    )
    assert r.rationale[0].endswith(
        "In it 10.0% of hard requests get a model below their required quality: route or "
        "escalate more of them to a model that meets their bar, or lower the target."
    )


# --- Routing and escalation edge cases ---------------------------------------------------------


def test_perfect_classifier_is_the_per_type_routing_cost_plus_the_classifier():
    """Accuracy 1 (no misroutes): 0.001 + 0.6 x 0.002 (small) + 0.4 x 0.04 (big) = $0.0182;
    latency 100 + 0.6 x 2,700 + 0.4 x 10,500 = 5,920 ms; mean quality 0.6 x 0.7 + 0.4 x 0.9."""
    mod = run(classifier_accuracy=1).pattern("modular")
    assert mod.cost_per_request_usd == pytest.approx(0.0182)
    assert mod.mean_latency_ms == pytest.approx(5920)
    assert mod.mean_quality == pytest.approx(0.78)
    assert [t.served_by for t in mod.tasks] == ["small", "big"]


def test_useless_classifier_sends_everything_to_the_fallback():
    """Accuracy 0: every request is the fallback's plus the classifier. Fallback big:
    0.028 + 0.001 = $0.029 (the big monolith + classifier). Fallback small: 0.6 x 0.002 +
    0.4 x 0.004 + 0.001 = $0.0038, and only easy requests meet their bar (60%)."""
    r = run(classifier_accuracy=0)
    mono = r.pattern("monolithic")
    mod = r.pattern("modular")
    assert mod.cost_per_request_usd == pytest.approx(mono.cost_per_request_usd + 0.001)
    assert mod.mean_latency_ms == pytest.approx(mono.mean_latency_ms + 100)
    assert mod.tasks[0].served_by == "fallback big"
    small = run(classifier_accuracy=0, fallback_model="small").pattern("modular")
    assert small.cost_per_request_usd == pytest.approx(0.0038)
    assert small.quality_share == pytest.approx(0.6)


def test_no_escalation_is_the_cheap_monolith():
    """Escalation 0: the hierarchy is small alone: 0.6 x 0.002 + 0.4 x 0.004 = $0.0028, the
    same cost, latency and quality as a monolith on small (with one extra model to operate)."""
    r = run(escalate_per_task_type=False, escalation_pct=0, monolith_model="small")
    hier, mono = r.pattern("hierarchical"), r.pattern("monolithic")
    assert hier.cost_per_request_usd == pytest.approx(0.0028)
    assert hier.cost_per_request_usd == pytest.approx(mono.cost_per_request_usd)
    assert hier.mean_latency_ms == pytest.approx(mono.mean_latency_ms)
    assert hier.quality_share == pytest.approx(mono.quality_share) == pytest.approx(0.6)
    assert hier.tasks[0].served_by == "small"


def test_full_escalation_pays_both_models_on_every_request():
    """Escalation 100%: small + big on every request: 0.0028 + 0.028 = $0.0308; latency
    (0.6 x 2,700 + 0.4 x 5,200) + 7,500 = 3,700 + 7,500 = 11,200 ms; big answers -> 100%."""
    hier = run(escalate_per_task_type=False, escalation_pct=100).pattern("hierarchical")
    assert hier.cost_per_request_usd == pytest.approx(0.0308)
    assert hier.mean_latency_ms == pytest.approx(11200)
    assert hier.quality_share == 1
    assert hier.mean_quality == pytest.approx(0.9)
    assert hier.tasks[0].served_by == "small, all escalated to big"


# --- The modular pay-off volume ----------------------------------------------------------------


def test_modular_pay_off_volume():
    """Modular saves 0.028 - 0.01928 = $0.00872 a request and adds $2,000 a month of
    operations: 2,000 / 0.00872 = 229,357.80 requests a month = 7,544.67 a day."""
    r = run()
    assert r.modular_saving_per_request_usd == pytest.approx(0.00872)
    assert r.pattern("modular").payoff_requests_per_month == pytest.approx(2000 / 0.00872)
    assert r.modular_payoff_requests_per_day == pytest.approx(2000 / 0.00872 / 30.4)
    assert r.figure("modular_payoff_requests_per_day").value == pytest.approx(7544.67, abs=0.01)
    assert any("pays off from 229,358 requests a month (7,545 a day)" in s for s in r.rationale)
    # At exactly that volume modular and the monolith cost the same a month.
    at = run(requests_per_day=r.modular_payoff_requests_per_day)
    assert at.pattern("modular").monthly_cost_usd == pytest.approx(
        at.pattern("monolithic").monthly_cost_usd
    )
    # Below it the monolith is cheaper, and recommended.
    below = run(requests_per_day=5000)
    assert below.recommendation == "monolithic"
    assert "each, no extra models to operate)" in below.rationale[0]


def test_modular_never_pays_off_when_it_saves_nothing_per_request():
    """Against a small monolith ($0.0028 a request) modular ($0.01928) saves nothing: never."""
    r = run(monolith_model="small")
    assert r.pattern("modular").payoff_requests_per_month is None
    assert r.modular_payoff_requests_per_day is None
    fig = r.figure("modular_payoff_requests_per_day")
    assert (fig.value, fig.none_text) == (None, "never")
    assert any(s.startswith("Modular never pays for its extra operations") for s in r.rationale)


def test_modular_pays_off_at_once_without_operating_costs():
    r = run(operations_cost_per_extra_model_usd_per_month=0)
    assert r.modular_payoff_requests_per_day == 0
    assert any("cheaper at any volume" in s for s in r.rationale)


# --- The defaults (the source's pipeline) -------------------------------------------------------


def test_defaults_follow_the_source_pipeline():
    """Source section 06: summarization, translation -> gpt-4o-mini; coding, reasoning -> gpt-4o;
    unknown (misrouted) -> reasoning's model, gpt-4o. Monolith gpt-4o:
    0.35 x (2,000 x 2.5e-6 + 300 x 1e-5) + 0.25 x (1,500 x 2.5e-6 + 600 x 1e-5)
    + 0.2 x (600 x 2.5e-6 + 600 x 1e-5) + 0.2 x (1,000 x 2.5e-6 + 500 x 1e-5)
    = 0.35 x 0.008 + 0.25 x 0.00975 + 0.2 x 0.0075 + 0.2 x 0.0075 = $0.0082375 a request.
    Modular: 0.0001 + 0.35 x (0.95 x 0.00048 + 0.05 x 0.008) + 0.25 x 0.00975
    + 0.2 x (0.95 x 0.00045 + 0.05 x 0.0075) + 0.2 x 0.0075 = $0.0044976.
    At 50,000 a day (1,520,000 a month): $12,521 against $6,836.35 + $4,000 = $10,836.35."""
    x = Inputs()
    assert [(t.name, t.model) for t in x.task_mix] == [
        ("summarization", "gpt-4o-mini"),
        ("coding", "gpt-4o"),
        ("translation", "gpt-4o-mini"),
        ("reasoning", "gpt-4o"),
    ]
    assert (x.monolith_model, x.fallback_model) == ("gpt-4o", "gpt-4o")
    r = compute(x)
    assert r.pattern("monolithic").cost_per_request_usd == pytest.approx(0.0082375)
    assert r.pattern("modular").cost_per_request_usd == pytest.approx(0.0044976)
    assert r.pattern("monolithic").monthly_cost_usd == pytest.approx(12521)
    assert r.pattern("modular").monthly_cost_usd == pytest.approx(10836.352)
    assert r.recommendation == "modular"


# --- Model data: catalog first, entered profiles as the fallback ---------------------------------


def test_catalog_values_replace_the_entered_ones_each_separately():
    """The catalog prices big at $5/$10 per million with a quality score of 0.95 but no latency
    profile: big's easy request now costs 1,000 x 5e-6 + 500 x 1e-5 = $0.01 (monolith
    0.6 x 0.01 + 0.4 x 0.02 = $0.014), its latency stays the entered one."""
    catalog = Catalog(
        [
            ModelInfo(
                id="big",
                provider="x",
                input_cost_per_token=5e-6,
                output_cost_per_token=1e-5,
                quality=QualityScore(score=0.95),
            )
        ]
    )
    r = compute(inputs(), catalog)
    big = r.model("big")
    assert (big.price_source, big.quality_source, big.latency_source) == (
        "catalog",
        "catalog",
        "entered",
    )
    assert r.pattern("monolithic").cost_per_request_usd == pytest.approx(0.014)
    assert r.pattern("monolithic").mean_latency_ms == pytest.approx(7500)
    assert r.pattern("monolithic").mean_quality == pytest.approx(0.95)
    assert r.model("small").price_source == "entered"
    assert r.rationale[-1] == (
        "Model data: big: price and quality from the catalog, latency from the entered "
        "profile; small: price, quality and latency from the entered model profiles."
    )
    assert r.rationale[-1] in r.rationale and "Model data" in summarize(inputs(), r)


def test_catalog_latency_profile_replaces_the_entered_latency():
    """small in the catalog with 100 ms + 1,000 tokens/s: easy 100 + 500 = 600 ms, hard 1,100."""
    catalog = Catalog(
        [
            ModelInfo(
                id="small",
                provider="x",
                input_cost_per_token=1e-6,
                output_cost_per_token=2e-6,
                latency=LatencyProfile(ttft_ms=100, output_tokens_per_second=1000),
            )
        ]
    )
    r = compute(inputs(monolith_model="small"), catalog)
    assert r.pattern("monolithic").mean_latency_ms == pytest.approx(0.6 * 600 + 0.4 * 1100)
    assert r.model("small").latency_source == "catalog"
    assert r.model("small").quality_source == "entered"


def test_a_catalog_latency_profile_that_overflows_is_not_used():
    """1e-300 tokens/s (1e306 ms for 1,000 output tokens; sums of such overflow) is below the
    entered bound of 0.01 tokens/s: the entered 200 ms + 200 tokens/s stay."""
    catalog = Catalog(
        [
            ModelInfo(
                id="small",
                provider="x",
                input_cost_per_token=1e-6,
                output_cost_per_token=2e-6,
                latency=LatencyProfile(ttft_ms=0, output_tokens_per_second=1e-300),
            )
        ]
    )
    r = compute(inputs(monolith_model="small"), catalog)
    assert r.model("small").latency_source == "entered"
    assert r.pattern("monolithic").mean_latency_ms == pytest.approx(0.6 * 2700 + 0.4 * 5200)


def test_rows_from_catalog_fill_profiles_for_scored_models_only():
    scored = ModelInfo(
        id="m1",
        provider="x",
        input_cost_per_token=8e-7,
        output_cost_per_token=4e-6,
        quality=QualityScore(score=0.78),
        latency=LatencyProfile(ttft_ms=650, output_tokens_per_second=65),
    )
    unscored = ModelInfo(id="m2", provider="x", input_cost_per_token=1e-6, output_cost_per_token=0)
    listed = scored.model_copy(update={"id": "big"})
    rows = rows_from_catalog("model_profiles", [scored, unscored, listed], inputs())
    assert rows == [
        {
            "model": "m1",
            "input_usd_per_million_tokens": 0.8,
            "output_usd_per_million_tokens": 4.0,
            "quality": 0.78,
            "ttft_ms": 650.0,
            "output_tokens_per_second": 65.0,
        }
    ]
    assert rows_from_catalog("task_mix", [scored], inputs()) == []
    assert [p.model for p in profiles_from_catalog([scored, unscored])] == ["m1"]


# --- Validation --------------------------------------------------------------------------------


def errors(**changes):
    with pytest.raises(ValidationError) as exc:
        inputs(**changes)
    return {".".join(map(str, e["loc"])): e["msg"] for e in exc.value.errors()}


def test_all_zero_shares_are_refused():
    zero = [EASY.model_copy(update={"share_pct": 0}), HARD.model_copy(update={"share_pct": 0})]
    assert "shares of traffic are all 0" in errors(task_mix=zero)["task_mix"]


def test_shares_are_normalised():
    """Shares 3 and 2 are 60% and 40%, as 60 and 40 are: the same result."""
    scaled = [EASY.model_copy(update={"share_pct": 3}), HARD.model_copy(update={"share_pct": 2})]
    assert run(task_mix=scaled).pattern("modular").cost_per_request_usd == pytest.approx(0.01928)


def test_duplicate_or_empty_mixes_and_profiles_are_refused():
    assert "appears twice" in errors(task_mix=[EASY, EASY])["task_mix"]
    assert "at least one task type" in errors(task_mix=[])["task_mix"]
    assert "appears twice" in errors(model_profiles=[BIG, BIG, SMALL])["model_profiles"]


def test_every_model_used_needs_a_profile():
    """The error sits at the field that names the model, so the form can show it there."""
    msg = errors(model_profiles=[BIG])["model_profiles"]
    assert "'small' (used by easy)" in msg
    assert "no row in the model profiles" in errors(monolith_model="huge")["monolith_model"]
    assert errors(strong_model="")["strong_model"] == "Value error, choose a model"


def test_every_field_has_a_title_unit_group_and_description():
    for name, f in Inputs.model_fields.items():
        extra = f.json_schema_extra
        assert f.title and f.description, name
        assert isinstance(extra, dict) and extra["group"], name
        assert "unit" in extra, name
    for record in (TaskType, ModelProfile):
        for name, f in record.model_fields.items():
            assert f.title and f.description, name
    model_fields = [n for n, f in Inputs.model_fields.items() if f.annotation is str]
    assert model_fields == ["monolith_model", "fallback_model", "cheap_model", "strong_model"]
    for n in model_fields:
        assert Inputs.model_fields[n].json_schema_extra["choices"] == "catalog_models"


# --- Summary and serialisation -------------------------------------------------------------------


def test_summary_has_the_options_the_cost_by_task_and_the_assumptions():
    x = inputs()
    text = summarize(x, compute(x))
    assert "### Considered options" in text and "### Assumptions" in text
    assert "| Modular (recommended) | small, big | $0.01928 | $5,861 | $2,000 | **$7,861** |" in (
        text
    )
    assert "| easy | 60.0% |" in text
    assert "from 7,545 requests a day (you send 10,000)" in text


def test_result_round_trips_through_json():
    r = compute(Inputs())
    assert ap.Result.model_validate_json(r.model_dump_json()) == r
    json.dumps(r.model_dump(mode="json"))


# --- Properties --------------------------------------------------------------------------------

POOL = ["a", "b", "c"]
money_per_million = st.floats(0, 1_000_000, allow_nan=False)
profile_strategy = st.builds(
    ModelProfile,
    model=st.just("x"),
    input_usd_per_million_tokens=money_per_million,
    output_usd_per_million_tokens=money_per_million,
    quality=st.floats(0, 1),
    ttft_ms=st.floats(0, 600_000),
    output_tokens_per_second=st.floats(0.01, 1_000_000),
)
task_strategy = st.builds(
    TaskType,
    name=st.just("t"),
    share_pct=st.floats(0, 100),
    input_tokens=st.integers(0, 10_000_000),
    output_tokens=st.integers(0, 10_000_000),
    required_quality=st.floats(0, 1),
    model=st.sampled_from(POOL),
    escalation_pct=st.floats(0, 100),
)


@st.composite
def inputs_strategy(draw):
    profiles = [
        p.model_copy(update={"model": mid})
        for mid, p in zip(
            POOL, draw(st.lists(profile_strategy, min_size=3, max_size=3)), strict=True
        )
    ]
    tasks = draw(st.lists(task_strategy, min_size=1, max_size=5))
    tasks = [t.model_copy(update={"name": f"t{i}"}) for i, t in enumerate(tasks)]
    assume(sum(t.share_pct for t in tasks) > 0)
    pick = st.sampled_from(POOL)
    return Inputs(
        task_mix=tasks,
        model_profiles=profiles,
        requests_per_day=draw(st.floats(0, 1e10)),
        monolith_model=draw(pick),
        classifier_cost_per_request_usd=draw(st.floats(0, 1)),
        classifier_latency_ms=draw(st.floats(0, 600_000)),
        classifier_accuracy=draw(st.floats(0, 1)),
        fallback_model=draw(pick),
        cheap_model=draw(pick),
        strong_model=draw(pick),
        escalate_per_task_type=draw(st.booleans()),
        escalation_pct=draw(st.floats(0, 100)),
        operations_cost_per_extra_model_usd_per_month=draw(st.floats(0, 1e8)),
        target_quality_share_pct=draw(st.floats(0, 100)),
        use_latency_limit=draw(st.booleans()),
        max_mean_latency_ms=draw(st.floats(0, 86_400_000)),
    )


# A catalog that prices "a", scores "b" and gives "c" an extreme latency profile.
CATALOG = Catalog(
    [
        ModelInfo(id="a", provider="x", input_cost_per_token=3e-6, output_cost_per_token=1.5e-5),
        ModelInfo(
            id="b",
            provider="x",
            input_cost_per_token=0,
            output_cost_per_token=0,
            quality=QualityScore(score=0.5),
        ),
        ModelInfo(
            id="c",
            provider="x",
            input_cost_per_token=1,
            output_cost_per_token=1,
            latency=LatencyProfile(ttft_ms=600_000, output_tokens_per_second=1e-300),
        ),
    ]
)


def _assert_finite(value, where="result"):
    if isinstance(value, dict):
        for k, v in value.items():
            _assert_finite(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _assert_finite(v, f"{where}[{i}]")
    elif isinstance(value, float):
        assert math.isfinite(value), f"{where} = {value}"


@settings(deadline=None, max_examples=150)
@given(inputs_strategy(), st.sampled_from([None, CATALOG]))
def test_compute_never_raises_and_stays_finite(x, catalog):
    r = compute(x, catalog)
    _assert_finite(r.model_dump())
    assert summarize(x, r)
    for p in r.patterns:
        assert 0 <= p.quality_share <= 1
        assert p.monthly_cost_usd >= 0 and p.mean_latency_ms >= 0
    eligible = [p for p in r.patterns if p.eligible]
    pick = r.pattern(r.recommendation)
    if eligible:
        cheapest = min(p.monthly_cost_usd for p in eligible)
        assert pick.eligible
        assert pick.monthly_cost_usd <= cheapest * (1 + 1e-9)
    elif any(p.meets_quality for p in r.patterns):
        assert pick.meets_quality
        assert pick.mean_latency_ms == min(p.mean_latency_ms for p in r.patterns if p.meets_quality)
    else:
        assert pick.quality_share >= max(p.quality_share for p in r.patterns) - 1e-12


@settings(deadline=None, max_examples=100)
@given(inputs_strategy(), st.floats(0, 100), st.floats(0, 100))
def test_more_escalation_never_lowers_cost_or_latency(x, e1, e2):
    low, high = sorted((e1, e2))
    a = compute(x.model_copy(update={"escalate_per_task_type": False, "escalation_pct": low}))
    b = compute(x.model_copy(update={"escalate_per_task_type": False, "escalation_pct": high}))
    ha, hb = a.pattern("hierarchical"), b.pattern("hierarchical")
    assert hb.cost_per_request_usd >= ha.cost_per_request_usd * (1 - 1e-12)
    assert hb.mean_latency_ms >= ha.mean_latency_ms * (1 - 1e-12)


@settings(deadline=None, max_examples=100)
@given(inputs_strategy(), st.floats(0, 1), st.floats(0, 1))
def test_better_classifier_never_lowers_modular_quality_share(x, a1, a2):
    """Holds whenever each type's own model meets its bar if the fallback does (a sensible
    routing table); the next test shows the case where it does not."""
    quality = {p.model: p.quality for p in x.model_profiles}
    fallback = quality[x.fallback_model]
    assume(
        all(
            quality[t.model] >= t.required_quality or fallback < t.required_quality
            for t in x.task_mix
        )
    )
    low, high = sorted((a1, a2))
    qa = compute(x.model_copy(update={"classifier_accuracy": low})).pattern("modular")
    qb = compute(x.model_copy(update={"classifier_accuracy": high})).pattern("modular")
    assert qb.quality_share >= qa.quality_share - 1e-12


def test_routing_a_type_to_a_weaker_model_than_the_fallback_inverts_accuracy():
    """hard routed to small (0.7 < 0.8) with the fallback big: only misroutes meet the bar, so
    accuracy 0.9 gives 0.6 + 0.4 x 0.1 = 64% and accuracy 0.5 gives 0.6 + 0.4 x 0.5 = 80%;
    the rationale says so."""
    mix = [EASY, HARD.model_copy(update={"model": "small"})]
    good = run(task_mix=mix, classifier_accuracy=0.9)
    poor = run(task_mix=mix, classifier_accuracy=0.5)
    assert good.pattern("modular").quality_share == pytest.approx(0.64)
    assert poor.pattern("modular").quality_share == pytest.approx(0.8)
    assert any(
        "routes hard (small, needs 0.8) to a model below the required quality" in s
        for s in good.rationale
    )


def test_monthly_costs_use_30_4_days():
    r = run(requests_per_day=1)
    assert r.requests_per_month == DAYS_PER_MONTH == 30.4
    assert r.pattern("monolithic").monthly_cost_usd == pytest.approx(0.028 * 30.4)
