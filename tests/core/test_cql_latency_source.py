"""Cost-Quality-Latency says where the pick's latency came from: the rationale called the
shipped illustrative profiles "its measured latency profile"."""

from __future__ import annotations

import datetime as dt

from core.catalog import Catalog, LatencyProfile, ModelInfo, QualityScore
from core.frameworks.cost_quality_latency import Inputs, compute

DAY = dt.date(2026, 11, 25)


def _catalog(source: str) -> Catalog:
    return Catalog(
        [
            ModelInfo(
                id="gpt-4o",
                provider="openai",
                input_cost_per_token=2.5e-6,
                output_cost_per_token=1e-5,
                quality=QualityScore(score=0.89, source="example", date=DAY),
                latency=LatencyProfile(
                    ttft_ms=450,
                    output_tokens_per_second=90,
                    source=source,  # type: ignore[arg-type]
                    date=DAY,
                ),
            )
        ]
    )


def test_an_example_profile_is_named_as_an_example_not_a_measurement():
    """450 ms + 400 tokens / 90 tokens/s = 450 + 4,444.4 = 4,894 ms: '4.89 s'."""
    r = compute(Inputs(batch_acceptable=False), _catalog("example"))
    line = next(s for s in r.rationale if s.startswith("It answers in"))
    assert line.startswith(
        "It answers in 4.89 s (example latency profile, 2026-11-25: 450 ms to first token + "
        "400 tokens at 90 tokens/s), within the 10 s budget"
    )
    assert "measured" not in " ".join(r.rationale)


def test_a_measured_profile_says_measured():
    r = compute(Inputs(batch_acceptable=False), _catalog("measured"))
    line = next(s for s in r.rationale if s.startswith("It answers in"))
    assert line.startswith("It answers in 4.89 s (measured latency profile, 2026-11-25:")


def test_a_days_budget_reads_24_h_in_the_summary_not_a_millisecond_count():
    """86,400,000 ms = 24 h x 3,600,000 ms: the summary (inputs table and field description
    included) says "24 h" and never the eight-digit count."""
    from core.frameworks import cost_quality_latency as cql
    from core.report import SummaryMeta, render_markdown

    x = Inputs(max_latency_ms=86_400_000)
    md = render_markdown(cql, x, compute(x, _catalog("example")), SummaryMeta(scenario_name="S"))
    assert "| Max latency | 24 h |" in md
    assert "86,400,000" not in md and "86400000" not in md
