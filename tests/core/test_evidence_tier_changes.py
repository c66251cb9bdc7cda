"""Drift and History say a size-tier or batch cached price change in words with its unit: a
re-priced tier read "gemini/gemini-2.5-pro price tiers [{'above_tokens': 200000,
'input_cost_per_token': 2.5e-06, ...}] → [...]", field codes and per-token floats on screen."""

from __future__ import annotations

import datetime as dt
import re

from core.catalog import ModelInfo, PriceTier
from core.evidence import model_changes

TIER = PriceTier(above_tokens=200_000, input_cost_per_token=2.5e-6, output_cost_per_token=1.5e-5)
PRO = ModelInfo(
    id="gemini/gemini-2.5-pro",
    provider="gemini",
    input_cost_per_token=1.25e-6,
    output_cost_per_token=1e-5,
    cache_read_input_token_cost_batch=1.25e-7,
    price_tiers=(TIER,),
)
_CODE = re.compile(r"[a-z]+_[a-z_]+|\de-0\d")


def test_a_repriced_tier_is_said_per_million_tokens():
    """$2.5e-6 a token = $2.50 per million; 3e-6 = $3.00."""
    new = PRO.model_copy(
        update={"price_tiers": (TIER.model_copy(update={"input_cost_per_token": 3e-6}),)}
    )
    assert model_changes(PRO, new) == [
        "gemini/gemini-2.5-pro input price above 200,000 input tokens $2.50 → $3.00 per million "
        "tokens"
    ]


def test_tiers_gained_and_lost_and_the_batch_cached_price():
    gained = PRO.model_copy(
        update={
            "price_tiers": (
                TIER,
                PriceTier(
                    above_tokens=1_000_000, input_cost_per_token=5e-6, output_cost_per_token=2e-5
                ),
            ),
            "cache_read_input_token_cost_batch": 6.25e-8,
        }
    )
    lines = model_changes(PRO, gained)
    assert lines == [
        "gemini/gemini-2.5-pro batch cached input price $0.125 → $0.0625 per million tokens",
        "gemini/gemini-2.5-pro has prices above 1,000,000 input tokens: $5.00 in / $20.00 out "
        "per million tokens",
    ]
    lost = model_changes(PRO, PRO.model_copy(update={"price_tiers": ()}))
    assert lost == ["gemini/gemini-2.5-pro no longer has prices above 200,000 input tokens"]
    for line in lines + lost:
        assert not _CODE.search(line), line


def test_capabilities_and_dates_read_yes_no_and_none():
    new = PRO.model_copy(update={"supports_function_calling": True})
    assert model_changes(PRO, new) == ["gemini/gemini-2.5-pro supports function calling no → yes"]
    gone = PRO.model_copy(update={"deprecation_date": dt.date(2027, 6, 30)})
    assert model_changes(PRO, gone) == ["gemini/gemini-2.5-pro deprecation date none → 2027-06-30"]


def test_the_drift_says_the_recommendation_in_words():
    """Architecture Patterns' codes ("modular", "monolithic") read as the card's words."""
    from core.evidence import Drift, Evidence

    drift = Drift(
        changes=["gpt-4o quality 0.89 → 0.95 (imported, 2026-12-03)"],
        saved_recommendation="modular",
        today_recommendation="monolithic",
        today_headline="Monolithic: ...",
        today_result=None,
        today_evidence=Evidence(),
    )
    assert drift.outcome == "the recommendation becomes Monolithic (saved: Modular)"
