"""RAG vs Fine-tuning engine: hand-checked costs, scores and crossover, scenarios, properties."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core import analysis
from core.catalog import Catalog, LatencyProfile, ModelInfo
from core.frameworks import rag_vs_finetuning as rvf
from core.frameworks.rag_vs_finetuning import DIMENSIONS, OPTIONS, Inputs, compute, summarize
from core.validation import error_lines

WEIGHTS = [f"weight_{d}" for d in DIMENSIONS]

# Knowledge changes daily: retrieval's home ground.
FAST_CHANGING = {
    "knowledge_updates_per_month": 30,
    "citations_required": False,
    "labelled_examples": 5000,
    "weeks_available": 20,
}
# A stable, small domain with a strict format, plenty of examples and no room for retrieval.
STABLE = {
    "knowledge_updates_per_month": 0,
    "citations_required": False,
    "knowledge_base_tokens": 200_000,
    "specialisation": "high",
    "labelled_examples": 5000,
    "latency_budget_ms": 1500,
    "model_latency_ms": 1200,
    "weeks_available": 16,
}
# Changing, cited knowledge and a strict format with plenty of examples: both needs at once.
BOTH = {
    "knowledge_updates_per_month": 10,
    "citations_required": True,
    "specialisation": "high",
    "labelled_examples": 5000,
    "latency_budget_ms": 5000,
    "weeks_available": 20,
}


def scores(result, dimension):
    d = result.dimension(dimension)
    return [d.score_of(o).score for o in OPTIONS]


def totals(result):
    return [result.option(o).total_score for o in OPTIONS]


# --- Economics on the defaults ------------------------------------------------------------------


def test_default_costs_by_hand():
    """Defaults: 1,000,000 requests a month of 500 input + 300 output tokens.

    context         = top_k 5 x 500 tokens                        = 2,500 tokens
    RAG a request   = (500 + 2,500) x 0.15e-6 + 300 x 0.60e-6     = 0.00045 + 0.00018 = 0.00063
    FT a request    = 500 x 0.30e-6 + 300 x 1.20e-6               = 0.00015 + 0.00036 = 0.00051
    hybrid          = (500 + 2,500) x 0.30e-6 + 300 x 1.20e-6     = 0.0009 + 0.00036  = 0.00126
    training run    = 1,000,000 tokens x 3 epochs x 3e-6          = $9
    one-off         RAG 5,000; FT 10,000 + 9 = 10,009; hybrid 15,009
    recurring       RAG 70 + 10 = 80; FT 9 / 3 months = 3; hybrid 83
    fixed a month   RAG 80 + 5,000/12 = 496.667; FT 3 + 10,009/12 = 837.083;
                    hybrid 83 + 15,009/12 = 1,333.75
    a month at 1M   RAG 496.667 + 630 = 1,126.667; FT 837.083 + 510 = 1,347.083;
                    hybrid 1,333.75 + 1,260 = 2,593.75
    all-in          RAG 1,126.667 / 1M = 0.00112667 a request
    """
    r = compute(Inputs())
    rag, ft, hybrid = (r.option(o) for o in OPTIONS)
    assert rag.context_tokens_per_request == 2500
    assert ft.context_tokens_per_request == 0
    assert rag.token_cost_per_request == pytest.approx(0.00063)
    assert ft.token_cost_per_request == pytest.approx(0.00051)
    assert hybrid.token_cost_per_request == pytest.approx(0.00126)
    assert (rag.one_off_cost, ft.one_off_cost, hybrid.one_off_cost) == (5000, 10_009, 15_009)
    assert rag.recurring_cost_per_month == pytest.approx(80)
    assert ft.recurring_cost_per_month == pytest.approx(3)
    assert hybrid.recurring_cost_per_month == pytest.approx(83)
    assert rag.fixed_cost_per_month == pytest.approx(496.6667, abs=1e-4)
    assert ft.fixed_cost_per_month == pytest.approx(837.0833, abs=1e-4)
    assert hybrid.fixed_cost_per_month == pytest.approx(1333.75)
    assert rag.monthly_cost == pytest.approx(1126.6667, abs=1e-4)
    assert ft.monthly_cost == pytest.approx(1347.0833, abs=1e-4)
    assert hybrid.monthly_cost == pytest.approx(2593.75)
    assert rag.cost_per_request == pytest.approx(0.00112667, abs=1e-8)
    assert (rag.added_latency_ms, ft.added_latency_ms, hybrid.added_latency_ms) == (500, 0, 500)
    assert r.economics_choice == "rag"


def test_default_crossover_by_hand():
    """Fine-tuning saves 0.00063 - 0.00051 = 0.00012 a request and carries
    837.083 - 496.667 = 340.4167 more fixed cost a month:
    crossover = 340.4167 / 0.00012 = 2,836,805.6 requests a month.
    There both cost 496.667 + 0.00063 x 2,836,805.6 = 2,283.85 a month.
    """
    r = compute(Inputs())
    assert r.crossover_requests_per_month == pytest.approx(2_836_805.56, abs=0.01)
    assert r.crossover_monthly_cost == pytest.approx(2283.85, abs=0.01)
    assert r.finetune_cheaper_below_requests_per_month is None
    assert r.figure("crossover_requests_per_month").value == r.crossover_requests_per_month
    assert any("above 2,836,806 requests a month" in s for s in r.rationale)
    at = compute(Inputs(requests_per_month=2_836_806))
    assert at.option("fine-tuning").monthly_cost == pytest.approx(
        at.option("rag").monthly_cost, abs=0.001
    )


def test_default_scores_by_hand():
    """Equal weights (1/6 each) on the defaults.

    time      W = 8 weeks: RAG 4 -> 10 (1 - 4/16) = 7.5; FT 10 x 1.0 + (1,000 - 500)/200 = 12.5
              -> 10 (1 - 12.5/16) = 2.1875; hybrid 12.5 + 2 = 14.5 -> 0.9375
    latency   headroom 3,000 - 1,500 = 1,500: RAG and hybrid 10 (1 - 500/3,000) = 8.3333; FT 10
    cost      RAG 10; FT 10 x 1,126.667/1,347.083 = 8.3637; hybrid 10 x 1,126.667/2,593.75 = 4.3438
    currency  RAG 10, hybrid 10; FT 10 / (1 + 4 a month x 3 months) = 0.76923
    quality   behaviour share 0.2 + 0.6 x 0.5 = 0.5; hit 0.85; examples 500/1,000 = 0.5;
              coverage 1M / 5M = 0.2: RAG 10 (0.5 x 0.85 + 0.5 x 0.5) = 6.75;
              FT 10 (0.5 x 0.2 + 0.5 x 0.75) = 4.75; hybrid 10 (0.5 x 0.88 + 0.5 x 0.75) = 8.15
    fit       knowledge need 1 (citations), behaviour need 0.5: RAG 10 x 1.5/2 = 7.5;
              FT 10 x 0.5/2 = 2.5; hybrid 10 x 0.5 = 5
    totals    RAG 50.0833/6 = 8.3472; FT 28.5704/6 = 4.7617; hybrid 36.7646/6 = 6.1274
    """
    r = compute(Inputs())
    assert scores(r, "time_to_production") == pytest.approx([7.5, 2.1875, 0.9375])
    assert scores(r, "latency_impact") == pytest.approx([25 / 3, 10, 25 / 3])
    assert scores(r, "cost_per_inference") == pytest.approx([10, 8.3637, 4.3438], abs=1e-4)
    assert scores(r, "knowledge_currency") == pytest.approx([10, 10 / 13, 10])
    assert scores(r, "quality_ceiling") == pytest.approx([6.75, 4.75, 8.15])
    assert scores(r, "fit") == pytest.approx([7.5, 2.5, 5])
    assert totals(r) == pytest.approx([8.3472, 4.7617, 6.1274], abs=1e-4)
    assert [d.weight for d in r.dimensions] == pytest.approx([1 / 6] * 6)
    assert r.recommendation == "rag"
    assert r.disagreement is None
    assert r.headline == (
        "RAG: best on the weighted dimensions (8.35 of 10) and the cheapest at this volume"
    )
    assert r.rationale[0] == (
        "RAG scores 8.35 of 10 on the six weighted dimensions, against hybrid 6.13 and "
        "fine-tuning 4.76."
    )


def test_every_score_names_the_input_that_drove_it():
    r = compute(Inputs())
    reason = {(d.dimension, s.option): s.reason for d in r.dimensions for s in d.scores}
    assert "8 weeks available" in reason[("time_to_production", "rag")]
    assert (
        "label the 500 missing examples at 200 a week"
        in reason[("time_to_production", "fine-tuning")]
    )
    assert (
        "retrieval adds 500 ms: 2 s against the 3 s latency budget"
        in reason[("latency_impact", "rag")]
    )
    assert "at 1,000,000 requests a month" in reason[("cost_per_inference", "hybrid")]
    assert reason[("knowledge_currency", "fine-tuning")].startswith(
        "knowledge changes 4 times a month but the model is retrained every 3 months: about 12 "
        "updates pile up"
    )
    assert "85% of questions (retrieval hit rate)" in reason[("quality_ceiling", "rag")]
    assert (
        "500 of the 1,000 labelled examples needed (50%)"
        in reason[("quality_ceiling", "fine-tuning")]
    )
    assert "answers must cite sources" in reason[("fit", "hybrid")]
    # The recommended option's six reasons are in the rationale, one sentence each.
    assert (
        sum(
            s.startswith(("Time to", "Latency", "Cost per", "Knowledge", "Quality", "Fit"))
            for s in r.rationale
        )
        == 6
    )


# --- Scenarios ----------------------------------------------------------------------------------


def test_a_fast_changing_knowledge_base_picks_rag():
    """Daily updates, retrained every 3 months: about 30 x 3 = 90 updates pile up, so
    fine-tuning's currency is 10 / 91 = 0.11 and retrieval wins."""
    r = compute(Inputs(**FAST_CHANGING))
    assert r.recommendation == "rag"
    assert scores(r, "knowledge_currency") == pytest.approx([10, 10 / 91, 10])
    assert (
        "about 90 updates pile up"
        in r.dimension("knowledge_currency").score_of("fine-tuning").reason
    )


def test_a_stable_domain_with_examples_and_a_tight_latency_budget_picks_fine_tuning():
    """No updates, no citations, 200k tokens, high specialisation, 5,000 examples, 1,500 ms
    budget with a 1,200 ms model: 300 ms of headroom for 500 ms of retrieval.

    time      W 16: RAG 10 (1 - 4/32) = 8.75; FT 10 -> 6.875; hybrid 12 -> 6.25
    latency   RAG and hybrid 10 (1 - 500/600) = 1.6667; FT 10
    cost      as the defaults: 10, 8.3637, 4.3438
    currency  all 10 (nothing changes)
    quality   share 0.8, coverage min(1M/200k, 1) = 1, examples 1: RAG 10 (0.2 x 0.85 + 0.8 x 0.5)
              = 5.7; FT 10 (0.2 + 0.8) = 10; hybrid 10
    fit       knowledge need log10(2)/2 = 0.1505, behaviour need 1: RAG 10 x 0.1505/2 = 0.7526;
              FT 10 x 1.8495/2 = 9.2474; hybrid 10 x 0.1505 = 1.5051
    totals    RAG 36.8692/6 = 6.1449; FT 54.4861/6 = 9.0810; hybrid 33.7656/6 = 5.6276
    RAG is still cheaper at 1M requests a month: the note says so.
    """
    r = compute(Inputs(**STABLE))
    assert r.recommendation == "fine-tuning"
    assert scores(r, "latency_impact") == pytest.approx([5 / 3, 10, 5 / 3])
    assert scores(r, "fit") == pytest.approx([0.7526, 9.2474, 1.5051], abs=1e-4)
    assert totals(r) == pytest.approx([6.1449, 9.0810, 5.6276], abs=1e-4)
    assert r.economics_choice == "rag"
    assert r.disagreement is not None
    assert "favour fine-tuning (9.08 against 6.14 for RAG)" in r.disagreement
    assert "RAG is cheaper ($1,127 against $1,347 a month)" in r.disagreement
    assert "fine-tuning becomes the cheaper above 2,836,806 requests a month" in r.disagreement
    assert r.disagreement in r.rationale
    assert r.headline.endswith("though RAG is cheaper at this volume")


def test_both_needs_together_pick_hybrid():
    """10 updates a month with citations (knowledge need 1) and high specialisation
    (behaviour need 1) with 5,000 examples, 20 weeks, a 5,000 ms budget.

    time      RAG 10 (1 - 4/40) = 9; FT 10 -> 7.5; hybrid 12 -> 7
    latency   headroom 3,500: RAG and hybrid 10 (1 - 500/7,000) = 9.2857; FT 10
    cost      10, 8.3637, 4.3438
    currency  RAG 10, hybrid 10, FT 10 / (1 + 30) = 0.3226
    quality   RAG 5.7; FT 10 (0.2 x 0.2 + 0.8) = 8.4; hybrid 10 (0.2 x 0.88 + 0.8) = 9.76
    fit       RAG 10 x 1/2 = 5; FT 5; hybrid 10
    totals    RAG 48.9857/6 = 8.1643; FT 39.5863/6 = 6.5977; hybrid 50.3895/6 = 8.3983
    """
    r = compute(Inputs(**BOTH))
    assert r.recommendation == "hybrid"
    assert scores(r, "fit") == pytest.approx([5, 5, 10])
    assert scores(r, "quality_ceiling") == pytest.approx([5.7, 8.4, 9.76])
    assert totals(r) == pytest.approx([8.1643, 6.5977, 8.3983], abs=1e-4)
    assert r.economics_choice == "rag"
    assert "favour hybrid (8.40 against 8.16 for RAG)" in r.disagreement


def test_only_needing_one_of_the_two_does_not_pick_hybrid():
    """The same situation without citations or updates is a stable, specialised domain."""
    r = compute(Inputs(**{**BOTH, "knowledge_updates_per_month": 0, "citations_required": False}))
    assert r.recommendation == "fine-tuning"


# --- Crossover edge cases -----------------------------------------------------------------------


def test_fine_tuning_requests_dearer_means_never_but_cheaper_below_a_volume():
    """top_k 1 x 100 tokens: RAG a request = 600 x 0.15e-6 + 0.00018 = 0.00027 < FT 0.00051.
    RAG setup 50,000 and no data preparation: fixed RAG 80 + 50,000/12 = 4,246.667,
    FT 3 + 9/12 = 3.75. Fine-tuning never pays back, but is cheaper below
    (4,246.667 - 3.75) / (0.00051 - 0.00027) = 4,242.917 / 0.00024 = 17,678,819.4 a month.
    """
    r = compute(Inputs(top_k=1, chunk_tokens=100, data_preparation_cost=0, rag_setup_cost=50_000))
    assert r.crossover_requests_per_month is None
    assert r.crossover_monthly_cost is None
    assert r.finetune_cheaper_below_requests_per_month == pytest.approx(17_678_819.44, abs=0.01)
    assert r.figure("crossover_requests_per_month").none_text == "never"
    assert any("cheaper only below 17,678,819 requests a month" in s for s in r.rationale)
    assert r.economics_choice == "fine-tuning"


def test_fine_tuning_requests_dearer_and_fixed_costs_higher_is_simply_never():
    """top_k 1 x 100: RAG 0.00027 a request < FT 0.00051, and FT's fixed 837 > RAG's 497."""
    r = compute(Inputs(top_k=1, chunk_tokens=100))
    assert r.crossover_requests_per_month is None
    assert r.finetune_cheaper_below_requests_per_month is None
    assert any(s.startswith("Fine-tuning never pays back") for s in r.rationale)


def test_no_fixed_cost_to_earn_back_is_a_crossover_at_zero():
    """No data preparation and free training: FT fixed 0 a month < RAG's 496.667, and its
    requests are cheaper (0.00051 < 0.00063): cheaper at any volume."""
    r = compute(Inputs(data_preparation_cost=0, training_cost_per_token=0))
    assert r.crossover_requests_per_month == 0
    assert r.option("fine-tuning").monthly_cost == pytest.approx(510)
    assert any("cheaper of the two at any volume" in s for s in r.rationale)
    assert r.economics_choice == "fine-tuning"


def test_equal_request_costs_up_to_float_noise_are_never_not_a_huge_number():
    """Prices chosen so both requests cost 3,000 x 0.7e-6 + 300 x 0.3e-6 = 0.00219:
    FT input price = (0.0021 + 0.00009 - 300 x 0.9e-6) / 500. In floats the difference is
    4.3e-19, which would put a "crossover" near 1e21 requests; it is noise, so: never.
    """
    fi = (3000 * 0.7e-6 + 300 * 0.3e-6 - 300 * 0.9e-6) / 500
    r = compute(
        Inputs(
            base_input_cost_per_token=0.7e-6,
            base_output_cost_per_token=0.3e-6,
            finetuned_input_cost_per_token=fi,
            finetuned_output_cost_per_token=0.9e-6,
        )
    )
    rag, ft = r.option("rag"), r.option("fine-tuning")
    assert 0 < rag.token_cost_per_request - ft.token_cost_per_request < 1e-18
    assert r.crossover_requests_per_month is None


# Prices at which a RAG request and a fine-tuned one cost the same, by hand:
# RAG (500 + 2,500 context) x 0.1e-6 + 300 x 0.4e-6 = 0.0003 + 0.00012 = 0.00042;
# FT 500 x 0.6e-6 + 300 x 0.4e-6 = 0.0003 + 0.00012 = 0.00042.
EQUAL_REQUESTS = {
    "base_input_cost_per_token": 0.1e-6,
    "base_output_cost_per_token": 0.4e-6,
    "finetuned_input_cost_per_token": 0.6e-6,
    "finetuned_output_cost_per_token": 0.4e-6,
}
NO_FIXED_COSTS = {
    "vector_store_cost_per_month": 0,
    "embedding_cost_per_month": 0,
    "rag_setup_cost": 0,
    "training_cost_per_token": 0,
    "data_preparation_cost": 0,
}


@pytest.mark.parametrize(
    ("inputs", "above", "below", "said"),
    [
        # Equal requests; FT fixed 3 + 9/12 = 3.75 < RAG's 80 + 5,000/12 = 496.667: FT is
        # cheaper at any volume, so it pays back from 0 (the case; it said "never").
        (
            {**EQUAL_REQUESTS, "data_preparation_cost": 0},
            0.0,
            None,
            "its fixed costs a month are lower ($3.75 against $497), so it is the cheaper of "
            "the two at any volume",
        ),
        # Equal requests; FT fixed 837.083 > RAG's 496.667: RAG cheaper at any volume.
        (
            EQUAL_REQUESTS,
            None,
            None,
            "RAG is the cheaper of the two at any volume: the requests cost the same",
        ),
        # Equal requests, both fixed 0: the same cost everywhere, FT never the cheaper.
        (
            {**EQUAL_REQUESTS, **NO_FIXED_COSTS},
            None,
            None,
            "Fine-tuning and RAG cost the same at any volume",
        ),
        # FT cheaper a request (0.00051 < 0.00063), both fixed 0: nothing to earn back, 0.
        (NO_FIXED_COSTS, 0.0, None, "Fine-tuning is the cheaper of the two at any volume"),
        # FT cheaper a request, fixed 3.75 < 496.667: 0.
        (
            {"data_preparation_cost": 0, "training_cost_per_token": 0},
            0.0,
            None,
            "Fine-tuning is the cheaper of the two at any volume",
        ),
        # FT cheaper a request, fixed higher: (837.083 - 496.667) / 0.00012 = 2,836,805.6.
        ({}, 2_836_805.56, None, "pay back its training and retraining above 2,836,806"),
        # FT dearer a request (RAG 0.00027 with 1 x 100 tokens of context), FT fixed lower:
        # cheaper only below (4,246.667 - 3.75) / (0.00051 - 0.00027) = 17,678,819.4.
        (
            {"top_k": 1, "chunk_tokens": 100, "data_preparation_cost": 0, "rag_setup_cost": 50_000},
            None,
            17_678_819.44,
            "cheaper only below 17,678,819 requests a month",
        ),
        # FT dearer a request and fixed higher: never.
        ({"top_k": 1, "chunk_tokens": 100}, None, None, "Fine-tuning never pays back"),
    ],
)
def test_payback_in_every_case_of_requests_and_fixed_costs(inputs, above, below, said):
    r = compute(Inputs(**inputs))
    if above is None:
        assert r.crossover_requests_per_month is None
        assert r.figure("crossover_requests_per_month").none_text == "never"
    else:
        assert r.crossover_requests_per_month == pytest.approx(above, abs=0.01)
        assert r.figure("crossover_requests_per_month").value == r.crossover_requests_per_month
    if below is None:
        assert r.finetune_cheaper_below_requests_per_month is None
    else:
        assert r.finetune_cheaper_below_requests_per_month == pytest.approx(below, abs=0.01)
    assert any(said in s for s in r.rationale), r.rationale


def test_summary_says_any_volume_for_a_payback_at_zero():
    """Equal requests and lower fixed costs: the summary's sentence reads "at any volume",
    not "above 0" or "above never"."""
    x = Inputs(**EQUAL_REQUESTS, data_preparation_cost=0)
    text = summarize(x, compute(x))
    assert "Fine-tuning is cheaper than RAG at **any volume**." in text
    x = Inputs(**EQUAL_REQUESTS)
    assert "Fine-tuning is cheaper than RAG at **no volume**." in summarize(x, compute(x))
    x = Inputs()
    assert "cheaper than RAG above **2,836,806** requests a month." in summarize(x, compute(x))


def test_payback_quantity_helper():
    """340 extra a month at 0.0001 saved a request: 3,400,000; nothing to earn back: 0;
    no saving, a negative one, or one of float noise beside 0.001: never."""
    assert analysis.payback_quantity(340, 1e-4) == pytest.approx(3_400_000)
    assert analysis.payback_quantity(-5, 1e-4) == 0.0
    assert analysis.payback_quantity(340, 0) is None
    assert analysis.payback_quantity(340, -1e-4) is None
    assert analysis.payback_quantity(340, 1e-13, scale=1e-3) is None
    assert analysis.payback_quantity(1e300, 1e-300) is None  # overflows: no number at all


# --- Time, latency and weights ------------------------------------------------------------------


@pytest.mark.parametrize(("experience", "weeks"), [("none", 17.5), ("some", 12.5), ("strong", 10)])
def test_ml_experience_scales_fine_tuning_build_time(experience, weeks):
    """10 build weeks x (1.5 | 1 | 0.75) + 2.5 weeks of labelling = 17.5 | 12.5 | 10 weeks;
    score 10 (1 - weeks / 16)."""
    r = compute(Inputs(ml_experience=experience))
    ft = r.dimension("time_to_production").score_of("fine-tuning")
    assert ft.score == pytest.approx(10 * max(1 - weeks / 16, 0))
    assert f"needs about {weeks:.1f} weeks" in ft.reason
    assert f"with {experience} ML experience" in ft.reason


def test_model_alone_over_the_budget_scores_retrieval_zero():
    """Model 3,000 ms against a 2,500 ms budget: no headroom; retrieval scores 0, FT 10."""
    r = compute(Inputs(model_latency_ms=3000, latency_budget_ms=2500))
    assert scores(r, "latency_impact") == [0, 10, 0]
    reason = r.dimension("latency_impact").score_of("rag").reason
    assert reason == (
        "the model alone takes 3 s, leaving nothing of the 2.5 s latency budget, and "
        "retrieval adds 500 ms more"
    )


def test_weights_are_normalised_and_all_zero_is_refused():
    """Only cost weighted: the totals are the cost scores and the recommendation the cheapest."""
    only_cost = {w: 0.0 for w in WEIGHTS} | {"weight_cost_per_inference": 3.0}
    r = compute(Inputs(**only_cost))
    assert [d.weight for d in r.dimensions] == [0, 0, 1, 0, 0, 0]
    assert totals(r) == pytest.approx(scores(r, "cost_per_inference"))
    assert r.recommendation == r.economics_choice == "rag"
    doubled = compute(Inputs(weight_fit=2))
    assert doubled.dimension("fit").weight == pytest.approx(2 / 7)
    with pytest.raises(ValidationError) as exc:
        Inputs(**{w: 0 for w in WEIGHTS})
    assert "weights are all 0" in str(exc.value)


# --- Catalog ------------------------------------------------------------------------------------

CATALOG = Catalog(
    [
        ModelInfo(
            id="base-x",
            provider="test",
            input_cost_per_token=1e-6,
            output_cost_per_token=2e-6,
            latency=LatencyProfile(ttft_ms=200, output_tokens_per_second=100),
        ),
        ModelInfo(
            id="ft:base-x", provider="test", input_cost_per_token=3e-6, output_cost_per_token=6e-6
        ),
    ]
)


def test_catalog_prices_and_latency_override_the_entered_ones():
    """base-x: RAG a request = 3,000 x 1e-6 + 300 x 2e-6 = 0.0036; latency 200 ms + 300 tokens
    / 100 per s = 3,200 ms, over the 3,000 ms budget. ft:base-x: FT a request
    = 500 x 3e-6 + 300 x 6e-6 = 0.0033; hybrid = 3,000 x 3e-6 + 0.0018 = 0.0108."""
    r = compute(Inputs(base_model="base-x", finetuned_model="ft:base-x"), CATALOG)
    assert r.option("rag").token_cost_per_request == pytest.approx(0.0036)
    assert r.option("fine-tuning").token_cost_per_request == pytest.approx(0.0033)
    assert r.option("hybrid").token_cost_per_request == pytest.approx(0.0108)
    assert r.model_latency_ms == pytest.approx(3200)
    assert r.base_prices_from == "base-x" and r.finetuned_prices_from == "ft:base-x"
    assert any(
        "catalog prices of the base model base-x ($1.00/$2.00 per million input/output tokens) "
        "replace the entered base prices" in s
        for s in r.rationale
    )
    assert any(
        "3.2 s, comes from the catalog's latency profile of base-x" in s for s in r.rationale
    )
    assert "base prices from the catalog model base-x" in summarize(Inputs(), r)


def test_a_model_missing_from_the_catalog_or_no_catalog_uses_the_entered_prices():
    for catalog in (CATALOG, None):
        r = compute(Inputs(base_model="not-there"), catalog)
        assert r.option("rag").token_cost_per_request == pytest.approx(0.00063)
        assert r.base_prices_from == ""
        assert r.model_latency_ms == 1500
        assert any("'not-there' is not in the catalog" in s for s in r.rationale)
    assert compute(Inputs(), CATALOG) == compute(Inputs())


def test_unusable_catalog_data_falls_back_to_the_entered_numbers():
    """An infinite catalog price, or a latency profile that overflows (300 tokens at 1e-310
    tokens a second), must not leak infinity into the result: the entered numbers stay."""
    broken = Catalog(
        [
            ModelInfo(
                id="inf-price",
                provider="test",
                input_cost_per_token=math.inf,
                output_cost_per_token=1e-6,
            ),
            ModelInfo(
                id="stalled",
                provider="test",
                input_cost_per_token=1e-6,
                output_cost_per_token=2e-6,
                latency=LatencyProfile(ttft_ms=0, output_tokens_per_second=1e-310),
            ),
        ]
    )
    r = compute(Inputs(base_model="inf-price"), broken)
    assert r.option("rag").token_cost_per_request == pytest.approx(0.00063)
    assert r.base_prices_from == ""
    assert any("catalog prices of the base model inf-price are unusable" in s for s in r.rationale)
    _assert_finite(r.model_dump(), "result")
    r = compute(Inputs(base_model="stalled"), broken)
    assert r.base_prices_from == "stalled"
    assert r.option("rag").token_cost_per_request == pytest.approx(0.0036)
    assert r.model_latency_ms == 1500
    _assert_finite(r.model_dump(), "result")


# --- Summary, series, validation ----------------------------------------------------------------


def test_summary_has_the_options_scores_and_assumptions():
    x = Inputs(**STABLE)
    text = summarize(x, compute(x))
    assert text.startswith("### Considered options")
    assert "| RAG | 6.14 | $0.00063 | $0.001127 | $1,127 | $5,000 | $80.00 | 500 ms |" in text
    assert "| Fine-tuning | 9.08 | $0.00051 | $0.001347 | $1,347 | $10,009 | $3.00 | 0 ms |" in text
    assert "| Latency impact | 17% | 1.7 | 10.0 | 1.7 |" in text
    assert "**Note:** The dimensions and the economics disagree" in text
    assert "### Assumptions" in text
    assert "above **2,836,806** requests a month" in text


def test_series_span_the_volume_and_the_crossover():
    """1M requests and a crossover at 2.84M: decades 10^4 .. 10^9, lines exact at every point."""
    r = compute(Inputs())
    assert r.volumes[0] == pytest.approx(1e4) and r.volumes[-1] == pytest.approx(1e9)
    rag = r.option("rag")
    for v, cost in zip(r.volumes, r.rag_monthly, strict=True):
        assert cost == pytest.approx(rag.fixed_cost_per_month + rag.token_cost_per_request * v)
    assert len(r.volumes) == len(r.fine_tuning_monthly) == len(r.hybrid_monthly)


def test_no_requests_gives_no_all_in_cost_per_request():
    r = compute(Inputs(requests_per_month=0))
    assert r.option("rag").cost_per_request is None
    assert r.option("rag").monthly_cost == pytest.approx(496.6667, abs=1e-4)
    assert r.volumes[0] >= 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("knowledge_updates_per_month", -1, "at least 0"),
        ("latency_budget_ms", 0, "at least 1"),
        ("top_k", 2.5, "whole number"),
        ("specialisation", "extreme", "'low', 'medium' or 'high'"),
        ("retrain_every_months", 0, "at least 1"),
        ("weight_fit", math.inf, "finite number"),
    ],
)
def test_inputs_refuse_bad_values_and_name_the_field(field, value, message):
    with pytest.raises(ValidationError) as exc:
        Inputs(**{field: value})
    lines = error_lines(exc.value)
    assert len(lines) == 1
    assert lines[0].startswith(f"{field}: ")
    assert message in lines[0]


def test_result_round_trips_through_json():
    r = compute(Inputs(**BOTH))
    assert rvf.Result.model_validate_json(r.model_dump_json()) == r


# --- Properties ---------------------------------------------------------------------------------


def _field_strategy(name, field):
    if name in ("base_model", "finetuned_model"):
        return st.sampled_from(["", "base-x", "ft:base-x", "not-there"])
    if field.annotation is bool:
        return st.booleans()
    if name == "specialisation":
        return st.sampled_from(["low", "medium", "high"])
    if name == "ml_experience":
        return st.sampled_from(["none", "some", "strong"])
    bounds = {type(m).__name__: m for m in field.metadata}
    if field.annotation is int:
        return st.integers(bounds["Ge"].ge, bounds["Le"].le)
    return st.floats(
        min_value=bounds["Ge"].ge,
        max_value=bounds["Le"].le,
        allow_nan=False,
        allow_infinity=False,
    )


inputs_strategy = (
    st.fixed_dictionaries({n: _field_strategy(n, f) for n, f in Inputs.model_fields.items()})
    .filter(lambda d: any(d[w] > 0 for w in WEIGHTS))
    .map(lambda d: Inputs(**d))
)


def _assert_finite(value, where):
    if isinstance(value, dict):
        for k, v in value.items():
            _assert_finite(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _assert_finite(v, f"{where}[{i}]")
    elif isinstance(value, float):
        assert math.isfinite(value), f"{where} = {value}"


@settings(max_examples=200, deadline=None)
@given(inputs_strategy, st.sampled_from([None, CATALOG]))
def test_compute_never_raises_and_returns_only_finite_numbers(x, catalog):
    r = compute(x, catalog)
    _assert_finite(r.model_dump(), "result")
    assert summarize(x, r)
    assert sum(d.weight for d in r.dimensions) == pytest.approx(1)
    for d in r.dimensions:
        assert all(0 <= s.score <= 10 for s in d.scores), d
    # Near-ties (within 1e-9) go to the simpler option, so "best" is up to that tolerance.
    best = max(totals(r))
    assert r.option(r.recommendation).total_score >= best - 1e-9 * best
    cheapest = min(o.monthly_cost for o in r.options)
    assert r.option(r.economics_choice).monthly_cost <= cheapest * (1 + 1e-9)
    assert (r.disagreement is None) == (r.recommendation == r.economics_choice)
    assert all(c >= 0 for c in r.rag_monthly + r.fine_tuning_monthly + r.hybrid_monthly)


@settings(max_examples=200, deadline=None)
@given(inputs_strategy)
def test_fine_tuning_and_rag_cost_the_same_at_the_crossover(x):
    r = compute(x)
    x_ = r.crossover_requests_per_month
    assume(x_ is not None and x_ > 0)
    rag, ft = r.option("rag"), r.option("fine-tuning")
    at_rag = rag.fixed_cost_per_month + rag.token_cost_per_request * x_
    at_ft = ft.fixed_cost_per_month + ft.token_cost_per_request * x_
    assert at_ft == pytest.approx(at_rag, rel=1e-6)
    assert r.crossover_monthly_cost == pytest.approx(at_rag, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(inputs_strategy, st.floats(min_value=0, max_value=100_000))
def test_more_frequent_updates_never_make_fine_tuning_look_better(x, more):
    faster = x.model_copy(
        update={"knowledge_updates_per_month": min(x.knowledge_updates_per_month + more, 100_000)}
    )
    base, fast = compute(x), compute(faster)

    def currency(r):
        return r.dimension("knowledge_currency").score_of("fine-tuning").score

    assert currency(fast) <= currency(base)
    assert fast.option("fine-tuning").total_score <= base.option("fine-tuning").total_score
    # Its rivals never lose ground either.
    assert fast.option("rag").total_score >= base.option("rag").total_score
    assert fast.option("hybrid").total_score >= base.option("hybrid").total_score


@settings(max_examples=200, deadline=None)
@given(inputs_strategy, st.floats(min_value=1, max_value=1e10))
def test_dearer_data_preparation_never_brings_the_crossover_earlier(x, delta):
    dearer = x.model_copy(
        update={"data_preparation_cost": min(x.data_preparation_cost + delta, 1e11)}
    )

    def volume(r):
        return (
            math.inf if r.crossover_requests_per_month is None else r.crossover_requests_per_month
        )

    assert volume(compute(dearer)) >= volume(compute(x))
