"""Architecture Patterns' default model profiles carry the shipped illustrative example scores
(gpt-4o 0.89, 450 ms + 90 tokens/s; gpt-4o-mini 0.82, 400 ms + 110 tokens/s). Without a
catalog score the result rests on them, and the rationale called them "entered"; it now says
they are the illustrative examples."""

from __future__ import annotations

from core.frameworks.architecture_patterns import Inputs, ModelProfile, compute

WARNING = "are illustrative example scores: replace them with your own measurements."


def test_default_profiles_are_named_as_the_illustrative_examples():
    r = compute(Inputs(), None)
    assert r.rationale[-1].endswith(
        "The default profiles' figures (gpt-4o's quality and latency; gpt-4o-mini's quality "
        f"and latency) {WARNING}"
    )


def test_own_figures_carry_no_warning_and_a_kept_default_is_named():
    """gpt-4o-mini's quality changed to 0.8 (latency kept at the default); gpt-4o all own."""
    profiles = [
        ModelProfile(
            model="gpt-4o",
            input_usd_per_million_tokens=2.5,
            output_usd_per_million_tokens=10,
            quality=0.93,
            ttft_ms=500,
            output_tokens_per_second=70,
        ),
        ModelProfile(
            model="gpt-4o-mini",
            input_usd_per_million_tokens=0.15,
            output_usd_per_million_tokens=0.6,
            quality=0.8,
            ttft_ms=400,
            output_tokens_per_second=110,
        ),
    ]
    r = compute(Inputs(model_profiles=profiles), None)
    assert r.rationale[-1].endswith(f"(gpt-4o-mini's latency) {WARNING}")
    own = [profiles[0], profiles[1].model_copy(update={"ttft_ms": 300})]
    assert "illustrative" not in compute(Inputs(model_profiles=own), None).rationale[-1]
