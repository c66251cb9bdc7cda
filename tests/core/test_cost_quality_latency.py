"""Cost-Quality-Latency engine: hand-checked costs, batch, the source's rule, relaxations, laws."""

import json
import math
import os

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core.catalog import (
    Catalog,
    LatencyProfile,
    ModelInfo,
    PriceTier,
    QualityScore,
    litellm_price_map,
    parse_price_map,
)
from core.frameworks import cost_quality_latency as cql
from core.frameworks.cost_quality_latency import Inputs, compute, summarize

HOUR_MS = 3_600_000
DAY_MS = 86_400_000


def model(
    model_id: str,
    input_price: float,
    output_price: float,
    *,
    quality: float | None = None,
    ttft_ms: float | None = None,
    tokens_per_second: float | None = None,
    batch: tuple[float, float] | None = None,
) -> ModelInfo:
    return ModelInfo(
        id=model_id,
        provider="test",
        input_cost_per_token=input_price,
        output_cost_per_token=output_price,
        input_cost_per_token_batch=batch[0] if batch else None,
        output_cost_per_token_batch=batch[1] if batch else None,
        quality=QualityScore(score=quality) if quality is not None else None,
        latency=(
            LatencyProfile(ttft_ms=ttft_ms, output_tokens_per_second=tokens_per_second)
            if ttft_ms is not None and tokens_per_second is not None
            else None
        ),
    )


# litellm's prices for the two models the source names ($/token); batch = half.
MINI = model("gpt-4o-mini", 1.5e-7, 6e-7, quality=0.80, ttft_ms=300, tokens_per_second=200)
GPT4O = model("gpt-4o", 2.5e-6, 1e-5, quality=0.90, batch=(1.25e-6, 5e-6))
OPENAI = Catalog([GPT4O, MINI])


def option(result: cql.Result, model_id: str, mode: str) -> cql.OptionRow:
    for row in result.options:
        if row.model == model_id and row.mode == mode:
            return row
    raise AssertionError(f"{model_id} ({mode}) not among the kept rows")


# --- Hand-checked costs ----------------------------------------------------------------------


def test_gpt_4o_mini_at_1500_in_400_out():
    """gpt-4o-mini at litellm's prices, 1,500 input and 400 output tokens, 10,000 requests a day.

    cost per request = 1,500 x 1.5e-7 + 400 x 6e-7 = 0.000225 + 0.00024 = $0.000465
    per day          = 0.000465 x 10,000 = $4.65;  per month = 4.65 x 30.4 = $141.36
    latency          = 300 ms + 400 / 200 tokens/s = 300 + 2,000 = 2,300 ms
    Limits $0.01, 10 s, 0.7: feasible. Its batch option (no catalog batch price: half of the
    real-time price, $0.0002325) takes 24 h, over the 10 s budget: latency binds.
    """
    r = compute(Inputs(), Catalog([MINI]))
    assert r.recommendation == "gpt-4o-mini (real-time)"
    pick = r.pick
    assert pick is not None
    assert pick.cost_per_request == pytest.approx(0.000465, rel=1e-12)
    assert pick.cost_per_day == pytest.approx(4.65, rel=1e-12)
    assert pick.cost_per_month == pytest.approx(141.36, rel=1e-12)
    assert pick.latency_ms == pytest.approx(2300)
    assert not pick.latency_assumed
    assert pick.feasible and pick.pareto and pick.misses == []
    assert r.figure("cost_per_request").value == pytest.approx(0.000465)
    assert r.figure("cost_per_month").value == pytest.approx(141.36)
    assert r.figure("latency_ms").value == pytest.approx(2300)
    assert r.figure("quality").value == pytest.approx(0.8)
    batch = option(r, "gpt-4o-mini", "batch")
    assert batch.cost_per_request == pytest.approx(0.0002325)
    assert batch.batch_price == "discount"
    assert batch.latency_ms == DAY_MS
    assert r.binding == ["latency"]
    assert r.headline == "gpt-4o-mini (real-time): quality 0.8, $0.000465 a request, 2.3 s"
    assert r.rationale[0].startswith(
        "gpt-4o-mini (real-time) costs $0.000465 a request (1,500 input tokens at $0.15 per "
        "million and 400 output tokens at $0.6 per million): $4.65 a day and $141 a month"
    )
    assert "The binding constraint is the latency budget" in r.rationale[3]


def test_a_cap_typed_as_the_exact_cost_is_met():
    """1,000 x 3e-7 + 500 x 1.1e-6 = 0.0003 + 0.00055 = $0.00085, which floats add up to
    0.0008500000000000001: a cap typed as $0.00085 must still hold (1e-9 relative slack)."""
    m = model("m", 3e-7, 1.1e-6, quality=0.8)
    x = Inputs(
        input_tokens_per_request=1000,
        output_tokens_per_request=500,
        max_cost_per_request_usd=0.00085,
        batch_acceptable=False,
    )
    r = compute(x, Catalog([m]))
    assert r.pick is not None and r.pick.cost_per_request > 0.00085  # the float sum, as said
    assert r.recommendation == "m (real-time)"
    assert r.pick.misses == []


def test_default_latency_profile_is_used_and_said():
    """gpt-4o has no measured latency: 500 ms + 400 tokens / 80 tokens/s = 500 + 5,000 ms."""
    r = compute(Inputs(batch_acceptable=False), Catalog([GPT4O]))
    assert r.pick is not None
    assert r.pick.latency_ms == pytest.approx(5500)
    assert r.pick.latency_assumed
    assert r.n_latency_assumed == 1
    assert (
        "assumed, no measured latency: 500 ms to first token + 400 tokens at 80 tokens/s"
        in (r.rationale[1])
    )


# --- Batch -----------------------------------------------------------------------------------


def test_batch_wins_on_quality_and_cost_with_a_day_to_spare():
    """Quality + cost, latency budget one day (86,400,000 ms), 24-hour batch turnaround.

    gpt-4o real-time = 1,500 x 2.5e-6 + 400 x 1e-5 = 0.00375 + 0.004 = $0.00775
    gpt-4o batch     = 1,500 x 1.25e-6 + 400 x 5e-6 = 0.001875 + 0.002 = $0.003875
    Both quality 0.90 (the best), both within a day: the cheaper, batch, wins.
    Per day 0.003875 x 10,000 = $38.75; per month 38.75 x 30.4 = $1,178.
    """
    r = compute(Inputs(max_latency_ms=DAY_MS), OPENAI)
    assert r.recommendation == "gpt-4o (batch)"
    assert r.pick is not None
    assert r.pick.cost_per_request == pytest.approx(0.003875)
    assert r.pick.cost_per_day == pytest.approx(38.75)
    assert r.pick.cost_per_month == pytest.approx(1178.0)
    assert r.pick.latency_ms == DAY_MS
    assert r.pick.batch_price == "catalog"
    assert option(r, "gpt-4o", "real-time").cost_per_request == pytest.approx(0.00775)
    assert r.binding == []
    assert "No limit binds" in r.rationale[3]


def test_one_millisecond_short_of_the_turnaround_batch_is_out():
    """86,399,999 ms < 24 h: gpt-4o batch misses latency by 1 ms; gpt-4o real-time is picked."""
    r = compute(Inputs(max_latency_ms=DAY_MS - 1), OPENAI)
    assert r.recommendation == "gpt-4o (real-time)"
    assert r.binding == ["latency"]
    assert r.better_option is None  # nothing beats 0.90
    assert r.tie_option is not None and r.tie_option.label == "gpt-4o (batch)"
    (miss,) = r.tie_option.misses
    assert miss.constraint == "latency" and miss.by == pytest.approx(1)


def test_batch_discount_prices_models_without_catalog_batch_prices():
    """gpt-4o-mini has no batch price: 30% off gives 0.000465 x 0.7 = $0.0003255 a request."""
    r = compute(Inputs(max_latency_ms=DAY_MS, batch_discount_pct=30), Catalog([MINI]))
    assert r.recommendation == "gpt-4o-mini (batch)"
    assert r.pick is not None and r.pick.cost_per_request == pytest.approx(0.0003255)
    assert r.pick.batch_price == "discount"
    assert "less the 30% batch discount" in r.rationale[0]


def test_batch_not_acceptable_means_no_batch_options():
    r = compute(Inputs(max_latency_ms=DAY_MS, batch_acceptable=False), OPENAI)
    assert r.n_options == 2
    assert r.recommendation == "gpt-4o (real-time)"
    assert not any(r.scatter.batch)


# --- The three priorities --------------------------------------------------------------------


def test_quality_latency_prefers_real_time_when_quality_ties():
    """With a day to spare, gpt-4o batch (24 h) and real-time (5.5 s) both score 0.90: the
    faster one wins when latency is the second corner."""
    r = compute(Inputs(max_latency_ms=DAY_MS, priority="quality_latency"), OPENAI)
    assert r.recommendation == "gpt-4o (real-time)"


def test_cost_latency_takes_the_cheapest_that_meets_min_quality():
    """Cheapest within 10 s and quality >= 0.7: gpt-4o-mini real-time ($0.000465, 0.80).
    Its batch option is cheaper but takes 24 h: latency binds. At min quality 0.85 only
    gpt-4o qualifies: $0.00775."""
    r = compute(Inputs(priority="cost_latency"), OPENAI)
    assert r.recommendation == "gpt-4o-mini (real-time)"
    assert r.binding == ["latency"]
    r = compute(Inputs(priority="cost_latency", min_quality=0.85), OPENAI)
    assert r.recommendation == "gpt-4o (real-time)"
    assert r.pick is not None and r.pick.cost_per_request == pytest.approx(0.00775)


# --- The source's three-branch rule ----------------------------------------------------------

# The source's own per-token prices: gpt-4o streaming $15/M, gpt-4o batch $3/M, mini $0.15/M.
SOURCE = Catalog(
    [
        model(
            "gpt-4o",
            1.5e-5,
            1.5e-5,
            quality=0.90,
            ttft_ms=500,
            tokens_per_second=100,
            batch=(3e-6, 3e-6),
        ),
        model("gpt-4o-mini", 1.5e-7, 1.5e-7, quality=0.80, ttft_ms=200, tokens_per_second=250),
    ]
)
# 6,267 + 400 = 6,667 tokens: gpt-4o streaming costs 6,667 x 1.5e-5 = $0.100005, just over the
# source's $0.10; batch 6,667 x 3e-6 = $0.020001; mini 6,667 x 1.5e-7 = $0.00100005.
# Latency: gpt-4o 500 + 400 / 100 = 4,500 ms ("2-5 seconds"), mini 200 + 400 / 250 = 1,800 ms
# ("1-2 seconds"). The source's "> 1 hour" test is a batch turnaround of 1 hour.
SOURCE_WORKLOAD = {
    "input_tokens_per_request": 6267,
    "output_tokens_per_request": 400,
    "min_quality": 0.7,
    "priority": "quality_cost",
    "batch_turnaround_hours": 1,
}


@pytest.mark.parametrize(
    ("max_latency_ms", "max_cost", "expected"),
    [
        # if max_latency_ms > 3,600,000: gpt-4o batch
        (2 * HOUR_MS, 0.05, "gpt-4o (batch)"),
        (2 * HOUR_MS, 0.50, "gpt-4o (batch)"),
        (DAY_MS, 0.11, "gpt-4o (batch)"),
        # elif max_cost > 0.10: gpt-4o streaming
        (10_000, 0.50, "gpt-4o (real-time)"),
        (10_000, 0.11, "gpt-4o (real-time)"),
        (59 * 60_000, 0.11, "gpt-4o (real-time)"),
        # else: gpt-4o-mini streaming
        (10_000, 0.10, "gpt-4o-mini (real-time)"),
        (10_000, 0.05, "gpt-4o-mini (real-time)"),
        (59 * 60_000, 0.02, "gpt-4o-mini (real-time)"),
    ],
)
def test_the_source_rule_falls_out_of_the_solver(max_latency_ms, max_cost, expected):
    """Highest quality within the limits, cheapest among equals:

    - a budget over the 1-hour turnaround admits gpt-4o batch: same 0.90 as streaming, 5x
      cheaper ($0.020001 against $0.100005), so it wins;
    - otherwise gpt-4o streaming ($0.100005) is the best quality when the cap is over $0.10;
    - otherwise only gpt-4o-mini ($0.00100005, 1,800 ms) fits.
    """
    x = Inputs(max_latency_ms=max_latency_ms, max_cost_per_request_usd=max_cost, **SOURCE_WORKLOAD)
    r = compute(x, SOURCE)
    assert r.recommendation == expected
    costs = {(o.model, o.mode): o.cost_per_request for o in r.options}
    assert costs[("gpt-4o", "real-time")] == pytest.approx(0.100005)
    assert costs[("gpt-4o", "batch")] == pytest.approx(0.020001)
    assert costs[("gpt-4o-mini", "real-time")] == pytest.approx(0.00100005)


def test_the_cost_branch_names_the_cost_cap_as_binding():
    """Cap $0.10, 10 s: the pick is gpt-4o-mini (0.80). A step up to 0.90 is gpt-4o batch
    (1 h, 35,900% over the 10 s budget) or streaming ($0.100005, $0.000005 = 0.005% over the
    cap): the nearer one names the cost cap. At the same 0.80, mini batch ranks higher
    (cheaper) but misses the latency budget."""
    x = Inputs(max_latency_ms=10_000, max_cost_per_request_usd=0.10, **SOURCE_WORKLOAD)
    r = compute(x, SOURCE)
    assert r.binding == ["cost"]
    assert r.better_option is not None and r.better_option.label == "gpt-4o (real-time)"
    (miss,) = r.better_option.misses
    assert miss.by == pytest.approx(0.000005)
    assert miss.by_pct == pytest.approx(0.005)
    assert r.rationale[3].startswith(
        "The binding constraint is the cost cap: the next step up in quality, gpt-4o "
        "(real-time) at 0.9, costs $0.10 a request, $0.000005 (0.005%) over the $0.10 cap."
    )
    assert r.tie_option is not None and r.tie_option.label == "gpt-4o-mini (batch)"
    assert r.rationale[4].startswith("At the same quality, gpt-4o-mini (batch)")


def test_where_the_solver_and_the_source_part_ways():
    """The source sends any budget over an hour to batch, even one shorter than the batch's
    own 12-24 hours, and ignores the cost cap there. With the usual 24-hour turnaround a
    2-hour budget keeps gpt-4o streaming; a $0.01 cap rules out gpt-4o batch ($0.020001), so
    gpt-4o-mini batch ($0.00100005 x 0.5 = $0.000500025, within a day) is picked."""
    x = Inputs(
        max_latency_ms=2 * HOUR_MS,
        max_cost_per_request_usd=0.5,
        **{**SOURCE_WORKLOAD, "batch_turnaround_hours": 24},
    )
    assert compute(x, SOURCE).recommendation == "gpt-4o (real-time)"
    x = Inputs(max_latency_ms=DAY_MS, max_cost_per_request_usd=0.01, **SOURCE_WORKLOAD)
    r = compute(x, SOURCE)
    assert r.recommendation == "gpt-4o-mini (batch)"
    assert r.pick is not None and r.pick.cost_per_request == pytest.approx(0.000500025)


# --- Nothing feasible ------------------------------------------------------------------------

# 1,500 in / 400 out. A: 1,500 x 1e-5 + 400 x 1.25e-5 = 0.015 + 0.005 = $0.02, latency
# 400 + 400 / 250 = 2,000 ms, quality 0.9. B: 1,500 x 4e-7 + 400 x 1e-6 = $0.001, 4,000 +
# 400 / 25 = 20,000 ms, 0.85. C: 1,500 x 2e-7 + 400 x 5e-7 = $0.0005, 200 + 400 / 500 =
# 1,000 ms, 0.6.
TRIO = Catalog(
    [
        model("a-big", 1e-5, 1.25e-5, quality=0.9, ttft_ms=400, tokens_per_second=250),
        model("b-slow", 4e-7, 1e-6, quality=0.85, ttft_ms=4000, tokens_per_second=25),
        model("c-small", 2e-7, 5e-7, quality=0.6, ttft_ms=200, tokens_per_second=500),
    ]
)
TIGHT = {
    "max_cost_per_request_usd": 0.005,
    "max_latency_ms": 5000,
    "min_quality": 0.8,
    "batch_acceptable": False,
}


def test_infeasible_relaxations_by_hand():
    """Limits $0.005, 5 s, 0.8. A misses cost, B latency, C quality: nothing is feasible.

    cost alone:    only A meets latency and quality -> cap $0.02 (+300%)
    latency alone: only B meets cost and quality    -> budget 20,000 ms (+300%)
    quality alone: only C meets cost and latency    -> minimum 0.6 (-25%)
    Nearest (sum of relative misses): A 3, B 3, C 0.2 / 0.8 = 0.25 -> C.
    The smallest change, by size relative to the limit, is lowering quality (25%).
    """
    r = compute(Inputs(**TIGHT), TRIO)
    assert r.recommendation == "none"
    assert r.pick is None and r.n_feasible == 0
    by = {rx.constraint: rx for rx in r.relaxations}
    assert (by["cost"].model, by["cost"].needed) == ("a-big", pytest.approx(0.02))
    assert by["cost"].change_pct == pytest.approx(300)
    assert (by["latency"].model, by["latency"].needed) == ("b-slow", pytest.approx(20_000))
    assert by["latency"].change_pct == pytest.approx(300)
    assert (by["quality"].model, by["quality"].needed) == ("c-small", pytest.approx(0.6))
    assert by["quality"].change_pct == pytest.approx(-25)
    assert by["quality"].field == "min_quality"
    assert r.closest is not None and r.closest.model == "c-small"
    assert r.headline == (
        "Nothing is feasible: the smallest change is to lower the minimum quality to 0.6 (-25%)"
    )
    assert (
        "Raising the cost cap from $0.005 to $0.02 (+300%) makes a-big (real-time) feasible."
        in (r.rationale)
    )
    assert r.figure("cost_per_request").value is None
    assert r.figure("cost_per_request").none_text == "none feasible"


@pytest.mark.parametrize(
    ("field", "needed", "expected"),
    [
        ("max_cost_per_request_usd", 0.02, "a-big (real-time)"),
        ("max_latency_ms", 20_000, "b-slow (real-time)"),
        ("min_quality", 0.6, "c-small (real-time)"),
    ],
)
def test_each_relaxation_is_enough_and_half_of_it_is_not(field, needed, expected):
    """At the needed limit the named model becomes the pick; half-way there nothing fits."""
    assert compute(Inputs(**{**TIGHT, field: needed}), TRIO).recommendation == expected
    halfway = (TIGHT[field] + needed) / 2
    assert compute(Inputs(**{**TIGHT, field: halfway}), TRIO).recommendation == "none"


def test_a_relaxation_that_cannot_help_says_so():
    """Min quality 0.95: nothing reaches it, so cost and latency alone cannot help; lowering
    quality to A's 0.9 (the best meeting $0.05 and 5 s) is the only way (-5.26%)."""
    r = compute(Inputs(**{**TIGHT, "max_cost_per_request_usd": 0.05, "min_quality": 0.95}), TRIO)
    by = {rx.constraint: rx for rx in r.relaxations}
    assert by["cost"].needed is None and by["latency"].needed is None
    assert by["quality"].model == "a-big"
    assert by["quality"].change_pct == pytest.approx((0.9 - 0.95) / 0.95 * 100)
    assert (
        "Changing the cost cap alone cannot help: no option meets both the latency budget "
        "and the minimum quality."
    ) in r.rationale


# --- Candidates and empty catalogs -----------------------------------------------------------


@pytest.mark.parametrize("catalog", [Catalog(), None])
def test_an_empty_catalog_gives_none_and_says_why(catalog):
    r = compute(Inputs(), catalog)
    assert r.recommendation == "none"
    assert r.headline == "No candidate models to compare"
    assert "the model catalog is empty" in r.rationale[0]
    assert r.n_options == 0 and r.options == [] and r.relaxations == []
    assert r.scatter.cost_per_request == [] and r.frontier_cost == []
    summarize(Inputs(), r)


def test_a_catalog_without_quality_scores_gives_none():
    r = compute(Inputs(), Catalog([model("unscored", 1e-7, 1e-7)]))
    assert r.recommendation == "none"
    assert "no model in the catalog has a quality score" in r.rationale[0]


def test_named_candidates_unknown_and_unscored_are_listed_not_dropped():
    catalog = Catalog([MINI, GPT4O, model("unscored", 1e-7, 1e-7)])
    x = Inputs(candidate_models=["gpt-4o-mini", "no-such-model", "unscored", "gpt-4o-mini"])
    r = compute(x, catalog)
    assert r.recommendation == "gpt-4o-mini (real-time)"
    assert r.n_candidates == 1
    assert r.unknown_models == ["no-such-model"]
    assert r.unscored_models == ["unscored"]
    assert "Not in the catalog, so not compared: no-such-model." in r.rationale
    assert any(s.startswith("Skipped for want of a quality score: unscored") for s in r.rationale)


def test_only_unknown_candidates_give_none():
    r = compute(Inputs(candidate_models=["nothing-here"]), OPENAI)
    assert r.recommendation == "none"
    assert "none of the named candidate models" in r.rationale[0]


def test_models_with_prices_that_overflow_are_skipped():
    """An infinite price (the catalog allows any non-negative float) gives no usable option."""
    broken = model("broken", math.inf, 1e-7, quality=0.99)
    r = compute(Inputs(batch_acceptable=False), Catalog([broken, MINI]))
    assert r.recommendation == "gpt-4o-mini (real-time)"
    assert r.invalid_models == ["broken"]
    assert r.n_options == 1


# --- Context and output limits ---------------------------------------------------------------

# gpt-4o: litellm's 128,000-token context and 16,384 output tokens; quality set above Gemini's
# so that only the limits keep it from the pick. gemini-2.5-pro: 1,048,576-token context and
# 65,535 output tokens, litellm's prices with its tier above 200,000 input tokens.
GPT4O_LIMITED = GPT4O.model_copy(
    update={
        "max_input_tokens": 128_000,
        "max_output_tokens": 16_384,
        "quality": QualityScore(score=0.95),
        "cache_read_input_token_cost": 1.25e-6,
    }
)
GEMINI_TIER = PriceTier(
    above_tokens=200_000,
    input_cost_per_token=2.5e-6,
    output_cost_per_token=1.5e-5,
    cache_read_input_token_cost=2.5e-7,
    input_cost_per_token_batch=1.25e-6,
    output_cost_per_token_batch=7.5e-6,
)
GEMINI_PRO = ModelInfo(
    id="gemini-2.5-pro",
    provider="vertex_ai-language-models",
    input_cost_per_token=1.25e-6,
    output_cost_per_token=1e-5,
    input_cost_per_token_batch=6.25e-7,
    output_cost_per_token_batch=5e-6,
    cache_read_input_token_cost=1.25e-7,
    price_tiers=(GEMINI_TIER,),
    max_input_tokens=1_048_576,
    max_output_tokens=65_535,
    quality=QualityScore(score=0.9),
)
LONG = {"input_tokens_per_request": 300_000, "max_cost_per_request_usd": 10.0}


def test_a_request_over_the_context_is_infeasible_and_says_why():
    """300,000 input tokens do not fit gpt-4o's 128,000-token context, whatever gpt-4o costs:
    both its options are out, off the front, with the reason in their rows. gemini-2.5-pro
    fits (1,048,576) and is picked though gpt-4o's 0.95 ranks above its 0.9."""
    r = compute(Inputs(**LONG, max_latency_ms=DAY_MS), Catalog([GPT4O_LIMITED, GEMINI_PRO]))
    assert r.recommendation == "gemini-2.5-pro (batch)"
    for mode in ("real-time", "batch"):
        row = option(r, "gpt-4o", mode)
        assert not row.feasible and not row.pareto and not row.fits
        assert row.misses == []  # within every limit of cost, latency and quality
        assert row.context_text() == "300,000 input tokens exceed gpt-4o's 128,000-token context"
    # gemini's two options trade cost against latency: both on the front.
    assert r.n_too_long == 2 and r.n_feasible == 2 and r.n_pareto == 2
    assert r.scatter.fits == [False, True, False, True]  # gpt-4o, gemini; real-time, batch
    assert r.binding == [] and r.better_option is None and r.tie_option is None
    assert "ranked above it by this priority are models the request does not fit" in " ".join(
        r.rationale
    )
    text = summarize(Inputs(**LONG, max_latency_ms=DAY_MS), r)
    assert "300,000 input tokens exceed gpt-4o's 128,000-token context" in text
    assert "2 options cannot take a request of 300,000 input and 400 output tokens" in text


def test_the_same_request_fits_gpt_4o_at_its_context():
    """128,000 input tokens exactly: the context holds them; gpt-4o (0.95) is picked."""
    x = Inputs(input_tokens_per_request=128_000, max_cost_per_request_usd=10.0)
    r = compute(x, Catalog([GPT4O_LIMITED, GEMINI_PRO]))
    assert r.recommendation == "gpt-4o (real-time)"
    assert r.n_too_long == 0 and r.scatter.fits == []


def test_an_answer_over_the_output_limit_is_infeasible():
    """20,000 output tokens: over gpt-4o's 16,384, within gemini-2.5-pro's 65,535."""
    x = Inputs(
        output_tokens_per_request=20_000, max_cost_per_request_usd=10.0, max_latency_ms=DAY_MS
    )
    r = compute(x, Catalog([GPT4O_LIMITED, GEMINI_PRO]))
    row = option(r, "gpt-4o", "real-time")
    assert row.context_text() == "20,000 output tokens exceed gpt-4o's 16,384-token output limit"
    assert r.pick is not None and r.pick.model == "gemini-2.5-pro"


def test_unknown_limits_rule_nothing_out():
    """GPT4O (no limits in the catalog) takes 10,000,000 input tokens as far as we know."""
    x = Inputs(
        input_tokens_per_request=10_000_000,
        max_cost_per_request_usd=1000.0,
        batch_acceptable=False,
    )
    r = compute(x, Catalog([GPT4O]))
    assert r.pick is not None and r.pick.fits and r.n_too_long == 0


def test_relaxations_never_name_a_model_the_request_does_not_fit():
    """100,000 input and 400 output tokens, cap $0.05, real time only.

    short: 8,192-token context, 100,000 x 1e-7 + 400 x 1e-7 = $0.01004, quality 0.9: within
           every limit, but it cannot take the request.
    long:  1,000,000-token context, 100,000 x 1e-6 + 400 x 1e-6 = $0.1004, quality 0.8: over
           the cap by $0.0504.
    Raising the cap to $0.1004 (+100.8%) makes long feasible; no change of latency or quality
    can (long misses the cap whatever they are), and short is never named.
    """
    short = model("short", 1e-7, 1e-7, quality=0.9).model_copy(update={"max_input_tokens": 8192})
    long = model("long", 1e-6, 1e-6, quality=0.8).model_copy(update={"max_input_tokens": 1_000_000})
    x = Inputs(
        input_tokens_per_request=100_000, max_cost_per_request_usd=0.05, batch_acceptable=False
    )
    r = compute(x, Catalog([short, long]))
    assert r.pick is None
    cost, latency, quality = r.relaxations
    assert cost.model == "long" and cost.needed == pytest.approx(0.1004, rel=1e-12)
    assert cost.change_pct == pytest.approx(100.8)
    assert latency.needed is None and quality.needed is None
    assert r.closest is not None and r.closest.model == "long"
    assert "Changing the latency budget alone cannot help: no option that fits the request" in (
        " ".join(r.rationale)
    )
    assert (
        r.headline
        == "Nothing is feasible: the smallest change is to raise the cost cap to $0.1004 (+101%)"
    )


def test_the_binding_limit_skips_a_better_model_that_cannot_take_the_request():
    """Real time, 1,500 in / 400 out, cap $0.01. huge (0.99) has a 1,000-token context; big
    (0.95) costs 1,500 x 1e-5 + 400 x 1e-5 = $0.019; ok (0.9) costs $0.0019. The pick is ok,
    and the limit that binds is the cost cap (big), not a context nobody can change."""
    huge = model("huge", 1e-7, 1e-7, quality=0.99).model_copy(update={"max_input_tokens": 1000})
    big = model("big", 1e-5, 1e-5, quality=0.95)
    ok = model("ok", 1e-6, 1e-6, quality=0.9)
    r = compute(Inputs(batch_acceptable=False), Catalog([huge, big, ok]))
    assert r.recommendation == "ok (real-time)"
    assert r.better_option is not None and r.better_option.model == "big"
    assert r.binding == ["cost"]
    assert r.rationale[-1].endswith(
        "Of the 2 options ranked above the pick, 1 miss the cost cap, 1 cannot take a request "
        "this size."
    )


def test_when_no_model_fits_no_limit_change_is_offered():
    x = Inputs(**LONG)
    r = compute(x, Catalog([GPT4O_LIMITED]))
    assert r.pick is None and r.relaxations == [] and r.closest is None
    assert r.headline == "Nothing is feasible: no candidate model fits a request this size"
    assert "the largest context among them is 128,000 tokens" in r.rationale[0]
    assert r.frontier_cost == [] and not any(r.scatter.pareto)


# --- Price tiers -----------------------------------------------------------------------------


def test_gemini_2_5_pro_at_300k_input_tokens_pays_its_tier_price():
    """The issue's check: 300,000 input tokens and the default 400 output tokens.

    Above 200,000 input tokens the whole request is billed at the tier's prices:
      300,000 x 2.5e-6 + 400 x 1.5e-5 = 0.75 + 0.006 = $0.756 a request
    not at the base prices, which would give 300,000 x 1.25e-6 + 400 x 1e-5 = 0.375 + 0.004
    = $0.379. Batch, at the tier's batch prices: 300,000 x 1.25e-6 + 400 x 7.5e-6 = 0.375 +
    0.003 = $0.378.
    """
    r = compute(Inputs(**LONG), Catalog([GEMINI_PRO]))
    real_time = option(r, "gemini-2.5-pro", "real-time")
    assert real_time.cost_per_request == pytest.approx(0.756, rel=1e-12)
    assert real_time.tier_above_tokens == 200_000
    assert option(r, "gemini-2.5-pro", "batch").cost_per_request == pytest.approx(0.378, rel=1e-12)
    assert r.rationale[0].startswith(
        "gemini-2.5-pro (real-time) costs $0.756 a request (300,000 input tokens at $2.5 per "
        "million and 400 output tokens at $15 per million)"
    )
    assert r.rationale[1] == (
        "Its 300,000 input tokens exceed 200,000, so the whole request is billed at the "
        "model's prices above 200,000 input tokens."
    )
    assert "| $0.756 (above-200,000-token prices) |" in summarize(Inputs(**LONG), r)


def test_a_request_at_the_threshold_pays_the_base_price():
    """200,000 tokens do not exceed 200,000: 200,000 x 1.25e-6 + 400 x 1e-5 = 0.25 + 0.004."""
    x = Inputs(input_tokens_per_request=200_000, max_cost_per_request_usd=10.0)
    r = compute(x, Catalog([GEMINI_PRO]))
    row = option(r, "gemini-2.5-pro", "real-time")
    assert row.cost_per_request == pytest.approx(0.254, rel=1e-12)
    assert row.tier_above_tokens is None


def test_batch_of_a_tiered_model_follows_the_catalog():
    """At 300,000 input tokens (400 output):
    flat batch price, no batch tier in the map: the flat batch price at every size (litellm's
      rule): 300,000 x 6.25e-7 + 400 x 5e-6 = 0.1875 + 0.002 = $0.1895;
    no batch price at all: the real-time tier price less the 50% discount: 0.756 x 0.5 =
      $0.378.
    """
    tier = GEMINI_TIER.model_copy(
        update={"input_cost_per_token_batch": 6.25e-7, "output_cost_per_token_batch": 5e-6}
    )
    flat = GEMINI_PRO.model_copy(update={"id": "flat", "price_tiers": (tier,)})
    unbatched = GEMINI_PRO.model_copy(
        update={
            "id": "unbatched",
            "input_cost_per_token_batch": None,
            "output_cost_per_token_batch": None,
            "price_tiers": (
                tier.model_copy(
                    update={"input_cost_per_token_batch": None, "output_cost_per_token_batch": None}
                ),
            ),
        }
    )
    r = compute(Inputs(**LONG), Catalog([flat, unbatched]))
    flat_batch = option(r, "flat", "batch")
    assert flat_batch.cost_per_request == pytest.approx(0.1895, rel=1e-12)
    assert flat_batch.tier_above_tokens is None  # its batch price has no tier
    discounted = option(r, "unbatched", "batch")
    assert discounted.cost_per_request == pytest.approx(0.378, rel=1e-12)
    assert discounted.batch_price == "discount" and discounted.tier_above_tokens == 200_000


# --- Prompt caching --------------------------------------------------------------------------


def test_half_the_prompt_from_cache_at_gpt_4o_prices():
    """gpt-4o, 1,500 input tokens of which 50% cached, 400 output tokens, real time:
      uncached  750 x 2.5e-6  = $0.001875
      cached    750 x 1.25e-6 = $0.0009375  (litellm's cache_read_input_token_cost)
      output    400 x 1e-5    = $0.004
      total                     $0.0068125  (against $0.00775 without the cache)
    Its batch option has the catalog's batch prices but no batch cached price, so the cache
    is not counted there: 1,500 x 1.25e-6 + 400 x 5e-6 = 0.001875 + 0.002 = $0.003875.
    """
    x = Inputs(cached_input_pct=50)
    r = compute(x, Catalog([GPT4O_LIMITED]))
    row = option(r, "gpt-4o", "real-time")
    assert (row.input_cost, row.cached_input_cost, row.output_cost) == (
        pytest.approx(0.001875, rel=1e-12),
        pytest.approx(0.0009375, rel=1e-12),
        pytest.approx(0.004, rel=1e-12),
    )
    assert row.cost_per_request == pytest.approx(0.0068125, rel=1e-12)
    assert row.cached_price == "catalog"
    batch = option(r, "gpt-4o", "batch")
    assert batch.cost_per_request == pytest.approx(0.003875, rel=1e-12)
    assert batch.cached_input_cost == 0 and batch.cached_price == "not applied"
    assert r.rationale[1] == (
        "Cost split per request: $0.001875 for 750 uncached input tokens, $0.0009375 for 750 "
        "input tokens served from the cache (50%; cached tokens at the catalog's cached-input "
        "price) and $0.004 for 400 output tokens."
    )
    text = summarize(x, r)
    assert "| Uncached input | Cached input | Output |" in text
    # The total is the float sum 0.006812500000000001, shown to four digits.
    assert "| gpt-4o (pick) | real-time | $0.006813 | $0.001875 | $0.0009375 | $0.004 |" in text
    assert "50% of each prompt is served from the cache" in text


def test_a_model_without_a_cached_price_bills_the_cache_at_the_input_price():
    """gpt-4o-mini here has no cached price: 750 x 1.5e-7 + 750 x 1.5e-7 + 400 x 6e-7 =
    0.0001125 + 0.0001125 + 0.00024 = $0.000465, the price without a cache."""
    x = Inputs(cached_input_pct=50, batch_acceptable=False)
    r = compute(x, Catalog([MINI]))
    assert r.pick is not None
    assert r.pick.cost_per_request == pytest.approx(0.000465, rel=1e-12)
    assert r.pick.cached_input_cost == pytest.approx(0.0001125, rel=1e-12)
    assert r.pick.cached_price == "input price"
    assert "no cached price in the catalog" in r.rationale[1]
    assert "(no cached price)" in summarize(x, r)


def test_tiers_and_cache_compose():
    """gemini-2.5-pro, 300,000 input tokens, 50% cached: all at the above-200k prices.
      uncached 150,000 x 2.5e-6 = $0.375
      cached   150,000 x 2.5e-7 = $0.0375  (cache_read_input_token_cost_above_200k_tokens)
      output       400 x 1.5e-5 = $0.006   ->  $0.4185
    A tier without its own cached price keeps the base one (litellm's fallback):
      150,000 x 2.5e-6 + 150,000 x 1.25e-7 + 0.006 = 0.375 + 0.01875 + 0.006 = $0.39975.
    """
    plain_tier = GEMINI_TIER.model_copy(update={"cache_read_input_token_cost": 1.25e-7})
    no_cached_tier = GEMINI_PRO.model_copy(update={"id": "g2", "price_tiers": (plain_tier,)})
    x = Inputs(**LONG, cached_input_pct=50)
    r = compute(x, Catalog([GEMINI_PRO, no_cached_tier]))
    assert option(r, "gemini-2.5-pro", "real-time").cost_per_request == pytest.approx(
        0.4185, rel=1e-12
    )
    assert option(r, "g2", "real-time").cost_per_request == pytest.approx(0.39975, rel=1e-12)


def test_batch_uses_the_cache_only_at_a_batch_cached_price():
    """With a batch cached price of 6.25e-8 (half the real-time one), 50% cached:
      750 x 1.25e-6 + 750 x 6.25e-8 + 400 x 5e-6 = 0.0009375 + 0.000046875 + 0.002
      = $0.002984375.
    A discounted batch (no catalog batch price) never counts the cache: gpt-4o-mini at 50% off,
      1,500 x 7.5e-8 + 400 x 3e-7 = 0.0001125 + 0.00012 = $0.0002325.
    """
    cached_batch = GPT4O.model_copy(update={"cache_read_input_token_cost_batch": 6.25e-8})
    mini = MINI.model_copy(update={"cache_read_input_token_cost": 7.5e-8})
    x = Inputs(cached_input_pct=50, max_latency_ms=DAY_MS)
    r = compute(x, Catalog([cached_batch, mini]))
    row = option(r, "gpt-4o", "batch")
    assert row.cost_per_request == pytest.approx(0.002984375, rel=1e-12)
    assert row.cached_price == "catalog"
    discounted = option(r, "gpt-4o-mini", "batch")
    assert discounted.cost_per_request == pytest.approx(0.0002325, rel=1e-12)
    assert discounted.cached_price == "not applied"


def test_no_cache_share_leaves_the_cost_and_the_texts_as_they_were():
    r = compute(Inputs(), OPENAI)
    assert all(o.cached_price is None and o.cached_input_cost == 0 for o in r.options)
    assert all(o.tier_above_tokens is None for o in r.options)
    assert "Cached input" not in summarize(Inputs(), r)


# --- litellm's own cost calculator as the reference ------------------------------------------


@pytest.fixture(scope="module")
def litellm_costs():
    """litellm's cost functions, reading its bundled map (never the internet)."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm
    from litellm.cost_calculator import batch_cost_calculator
    from litellm.types.utils import PromptTokensDetailsWrapper, Usage

    def usage(tokens_in: int, cached: int, tokens_out: int) -> Usage:
        return Usage(
            prompt_tokens=tokens_in,
            completion_tokens=tokens_out,
            total_tokens=tokens_in + tokens_out,
            prompt_tokens_details=PromptTokensDetailsWrapper(cached_tokens=cached),
        )

    def real_time(model_id: str, tokens_in: int, cached: int, tokens_out: int) -> float:
        return sum(
            litellm.cost_per_token(
                model=model_id, usage_object=usage(tokens_in, cached, tokens_out)
            )
        )

    def batch(model_id: str, tokens_in: int, cached: int, tokens_out: int) -> float:
        return sum(
            batch_cost_calculator(usage=usage(tokens_in, cached, tokens_out), model=model_id)
        )

    return real_time, batch


@pytest.fixture(scope="module")
def bundled_models() -> dict[str, ModelInfo]:
    path, _ = litellm_price_map()
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {m.id: m for m in parse_price_map({k: raw[k] for k in REFERENCE_MODELS})}


#: Real models with size tiers (200k, 272k, 100k, two: 32k and 256k, and xAI's 200k, which
#: applies from 200,000 tokens on) and a cached price; gpt-4o has a cached price and no tier.
REFERENCE_MODELS = (
    "gemini-2.5-pro",
    "gemini/gemini-2.5-pro",
    "gpt-5.4",
    "claude-haiku-5-5",
    "kyma/qwen3.7-flash",
    "xai/grok-4.3",
    "gpt-4o",
)


def _sizes(m: ModelInfo) -> list[int]:
    """1,500 tokens, then each threshold, 2 tokens past it and 100,000 past it (even counts,
    so a 50% cache share is a whole number of tokens, as litellm's usage needs)."""
    out = {1500}
    for t in m.price_tiers:
        out |= {t.above_tokens, t.above_tokens + 2, t.above_tokens + 100_000}
    return sorted(out)


def _costs(m: ModelInfo, tokens_in: int, pct: float) -> dict[str, float]:
    x = Inputs(
        input_tokens_per_request=tokens_in,
        output_tokens_per_request=400,
        cached_input_pct=pct,
        max_cost_per_request_usd=1000.0,
    )
    r = compute(x, Catalog([m.model_copy(update={"quality": QualityScore(score=0.8)})]))
    return {o.mode: o.cost_per_request for o in r.options}


@pytest.mark.parametrize("model_id", REFERENCE_MODELS)
def test_real_time_cost_equals_litellm_s(model_id, litellm_costs, bundled_models):
    """Below, at and above every tier, with no cache and half the prompt cached: our cost per
    request equals litellm.cost_per_token's prompt + completion cost."""
    real_time, _ = litellm_costs
    m = bundled_models[model_id]
    checked = 0
    for tokens_in in _sizes(m):
        for pct in (0, 50):
            ours = _costs(m, tokens_in, pct)["real-time"]
            reference = real_time(model_id, tokens_in, tokens_in * pct // 100, 400)
            assert ours == pytest.approx(reference, rel=1e-12), (tokens_in, pct)
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize(
    ("model_id", "shares"),
    [
        # Batch prices, batch tiers and a batch cached price: caching counts in batch.
        ("gemini/gemini-2.5-pro", (0, 50)),
        ("gpt-5.4", (0, 50)),
        ("claude-haiku-5-5", (0, 50)),
        ("xai/grok-4.3", (0, 50)),
        # Batch prices and tiers, no batch cached price: litellm would bill cached tokens at
        # the real-time cached price; we count no cache in batch, so only 0% is comparable.
        ("gemini-2.5-pro", (0,)),
        ("gpt-4o", (0,)),
    ],
)
def test_batch_cost_equals_litellm_s(model_id, shares, litellm_costs, bundled_models):
    _, batch = litellm_costs
    m = bundled_models[model_id]
    assert m.has_batch
    for tokens_in in _sizes(m):
        for pct in shares:
            ours = _costs(m, tokens_in, pct)["batch"]
            reference = batch(model_id, tokens_in, tokens_in * pct // 100, 400)
            assert ours == pytest.approx(reference, rel=1e-12), (tokens_in, pct)


# --- Result shape ----------------------------------------------------------------------------


def test_whole_catalog_result_keeps_few_rows_and_compact_arrays():
    """500 scored models x 2 modes = 1,000 options: every one in the scatter, only the pick's
    neighbourhood (best feasible, best overall, front) in full rows."""
    models = [
        model(f"m{i}", 1e-8 * (1 + i), 4e-8 * (1 + i), quality=(i % 97) / 97) for i in range(500)
    ]
    r = compute(Inputs(), Catalog(models))
    assert r.n_options == 1000 and len(r.scatter.cost_per_request) == 1000
    assert len(r.options) <= cql.TOP_FEASIBLE_ROWS + cql.TOP_OVERALL_ROWS + cql.MAX_PARETO_ROWS + 4
    assert r.pick is not None and r.pick in r.options
    dumped = r.model_dump_json()
    # About 70 kB for the arrays and ~70 rows, each row with its cost split.
    assert len(dumped) < 90_000
    assert cql.Result.model_validate_json(dumped) == r


def test_scatter_values_are_rounded_for_storage_only():
    """The scatter stores 4 significant digits (0.000465); rows keep the full float."""
    r = compute(Inputs(), Catalog([MINI]))
    assert r.scatter.cost_per_request[0] == 0.000465
    assert r.scatter.models == ["gpt-4o-mini"]
    assert r.scatter.model_index == [0, 0]
    assert r.scatter.batch == [False, True]


def test_frontier_is_the_cost_quality_staircase_within_the_latency_budget():
    """Within 10 s: mini real-time ($0.000465, 0.8) then gpt-4o real-time ($0.00775, 0.9).
    Batch options are outside the budget and not on the staircase."""
    r = compute(Inputs(), OPENAI)
    assert r.frontier_cost == pytest.approx([0.000465, 0.00775])
    assert r.frontier_quality == pytest.approx([0.8, 0.9])


def test_summary_lists_options_relaxations_and_assumptions():
    text = summarize(Inputs(**TIGHT), compute(Inputs(**TIGHT), TRIO))
    assert text.startswith("### Considered options")
    assert "| 1 | a-big | real-time | $0.02 |" in text
    assert "### Smallest relaxations" in text
    assert "| minimum quality | 0.8 | 0.6 | -25% | c-small (real-time) |" in text
    assert "### Assumptions" in text
    assert "Batch processing is not acceptable" in text
    picked = summarize(Inputs(), compute(Inputs(), OPENAI))
    assert "| gpt-4o (pick) | real-time | $0.00775 |" in picked
    assert "### Smallest relaxations" not in picked


def test_inputs_refuse_nonsense():
    with pytest.raises(ValidationError):
        Inputs(max_cost_per_request_usd=0)
    with pytest.raises(ValidationError):
        Inputs(min_quality=1.5)
    with pytest.raises(ValidationError):
        Inputs(priority="cost_only")
    with pytest.raises(ValidationError):
        Inputs(max_latency_ms=math.nan)


def test_candidate_field_is_a_catalog_picker():
    extra = Inputs.model_fields["candidate_models"].json_schema_extra
    assert isinstance(extra, dict) and extra["choices"] == "catalog_models"
    assert Inputs().candidate_models == []


# --- Properties ------------------------------------------------------------------------------

prices = st.floats(0, 1e-4, allow_nan=False)


def _real_model(i, p_in, p_out, q, lat, batch, limits, tier, cached):
    """A model with what real ones have: context and output limits (or unknown ones), a size
    tier over part of the strategy's request sizes and a cached price, any of them absent."""
    m = model(
        f"m{i}",
        p_in,
        p_out,
        quality=q,
        ttft_ms=lat[0] if lat else None,
        tokens_per_second=lat[1] if lat else None,
        batch=batch,
    )
    tiers = ()
    if tier is not None:
        above, t_in, t_out = tier
        tiers = (
            PriceTier(
                above_tokens=above,
                input_cost_per_token=t_in,
                output_cost_per_token=t_out,
                cache_read_input_token_cost=cached,
                input_cost_per_token_batch=batch[0] if batch else None,
                output_cost_per_token_batch=batch[1] if batch else None,
            ),
        )
    return m.model_copy(
        update={
            "max_input_tokens": limits[0],
            "max_output_tokens": limits[1],
            "price_tiers": tiers,
            "cache_read_input_token_cost": cached,
        }
    )


models_strategy = st.lists(
    st.builds(
        _real_model,
        st.integers(0, 10_000),
        prices,
        prices,
        st.one_of(st.none(), st.sampled_from([0.5, 0.6, 0.7, 0.8, 0.9]), st.floats(0, 1)),
        st.one_of(st.none(), st.tuples(st.floats(0, 5000), st.floats(1, 1000))),
        st.one_of(st.none(), st.tuples(prices, prices)),
        st.tuples(
            st.one_of(st.none(), st.integers(1, 150_000)),
            st.one_of(st.none(), st.integers(1, 12_000)),
        ),
        st.one_of(st.none(), st.tuples(st.integers(1, 100_000), prices, prices)),
        st.one_of(st.none(), prices),
    ),
    max_size=8,
)
inputs_strategy = st.builds(
    Inputs,
    input_tokens_per_request=st.integers(0, 100_000),
    output_tokens_per_request=st.integers(0, 10_000),
    requests_per_day=st.floats(0, 1e7),
    max_cost_per_request_usd=st.floats(1e-6, 10),
    max_latency_ms=st.floats(1, 2 * DAY_MS),
    min_quality=st.floats(0, 1),
    priority=st.sampled_from(["quality_cost", "quality_latency", "cost_latency"]),
    batch_acceptable=st.booleans(),
    batch_turnaround_hours=st.floats(0.5, 48),
    batch_discount_pct=st.floats(0, 100),
    default_ttft_ms=st.floats(0, 5000),
    default_output_tokens_per_second=st.floats(1, 1000),
    cached_input_pct=st.one_of(st.just(0.0), st.floats(0, 100)),
)
SETTINGS = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])


def finite_everywhere(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite_everywhere(v) for v in value.values())
    if isinstance(value, list):
        return all(finite_everywhere(v) for v in value)
    return True


def feasible_set(r: cql.Result) -> set[tuple[str, bool]]:
    s = r.scatter
    return {
        (s.models[i], b) for i, b, ok in zip(s.model_index, s.batch, s.feasible, strict=True) if ok
    }


@SETTINGS
@given(inputs_strategy, models_strategy)
def test_never_raises_and_never_returns_nan(x, models):
    r = compute(x, Catalog(models))
    dumped = r.model_dump(mode="json")
    assert finite_everywhere(dumped)
    json.dumps(dumped, allow_nan=False)
    summarize(x, r)
    assert (r.pick is None) == (r.recommendation == "none")
    assert r.n_feasible == sum(r.scatter.feasible)
    for o in r.options:
        if o.input_cost is not None:
            parts = o.input_cost + (o.cached_input_cost or 0.0) + (o.output_cost or 0.0)
            assert parts == pytest.approx(o.cost_per_request, rel=1e-9, abs=1e-300)
        assert not (o.feasible and o.context_misses)


@SETTINGS
@given(inputs_strategy, models_strategy)
def test_the_pick_is_feasible_on_the_front_and_best_by_priority(x, models):
    r = compute(x, Catalog(models))
    if r.pick is None:
        assert r.n_feasible == 0
        return
    assert r.pick.feasible and r.pick.pareto
    key = {
        "quality_cost": lambda o: (-o.quality, o.cost_per_request, o.latency_ms),
        "quality_latency": lambda o: (-o.quality, o.latency_ms, o.cost_per_request),
        "cost_latency": lambda o: (o.cost_per_request, o.latency_ms, -o.quality),
    }[x.priority]
    best = min((o for o in r.options if o.feasible), key=key)
    assert key(best) == key(r.pick)
    # Nothing feasible beats it on all three at once, and nothing the request fits dominates
    # it (a model that cannot take the request is no alternative, however cheap).
    for o in r.options:
        if not o.fits:
            continue
        no_worse = (
            o.cost_per_request <= r.pick.cost_per_request
            and o.latency_ms <= r.pick.latency_ms
            and o.quality >= r.pick.quality
        )
        better = (
            o.cost_per_request < r.pick.cost_per_request
            or o.latency_ms < r.pick.latency_ms
            or o.quality > r.pick.quality
        )
        assert not (no_worse and better)


UPPER_BOUNDS = {"max_cost_per_request_usd": 1000, "max_latency_ms": 2_592_000_000}


@SETTINGS
@given(
    inputs_strategy,
    models_strategy,
    st.floats(1, 100),
    st.sampled_from(["max_cost_per_request_usd", "max_latency_ms", "min_quality"]),
)
def test_a_looser_limit_never_removes_a_feasible_option(x, models, factor, field):
    catalog = Catalog(models)
    value = getattr(x, field)
    up = field != "min_quality"
    looser = min(value * factor, UPPER_BOUNDS[field]) if up else value / factor
    assume(looser != value)
    before = compute(x, catalog)
    after = compute(x.model_copy(update={field: looser}), catalog)
    assert feasible_set(before) <= feasible_set(after)
    if before.pick is not None:
        assert after.pick is not None


# Most random workloads have something feasible, so most draws are filtered out here: that is
# the point of the test (it looks at the infeasible ones), not a slow strategy.
@settings(
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(inputs_strategy, models_strategy)
def test_each_relaxation_makes_its_model_feasible_and_half_of_it_does_not(x, models):
    catalog = Catalog(models)
    r = compute(x, catalog)
    assume(r.pick is None and r.n_options)
    for rx in r.relaxations:
        if rx.needed is None:
            continue
        relaxed = compute(x.model_copy(update={rx.field: rx.needed}), catalog)
        assert relaxed.pick is not None
        assert (rx.model, rx.mode == "batch") in feasible_set(relaxed)
        if abs(rx.needed - rx.limit) > 1e-6 * max(abs(rx.limit), 1e-3):
            halfway = (rx.limit + rx.needed) / 2
            assert compute(x.model_copy(update={rx.field: halfway}), catalog).pick is None
