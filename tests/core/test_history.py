"""History says what changed between consecutive versions: inputs with units, evidence rows."""

from __future__ import annotations

import datetime as dt

from core import evidence
from core.catalog import Catalog, ModelInfo, QualityScore
from core.frameworks import get
from core.history import history_changes, version_changes
from core.scenario import ScenarioVersion

STAMP = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)


def _version(
    n: int, inputs: dict, result: dict | None = None, ev=None, notes=""
) -> ScenarioVersion:
    return ScenarioVersion(
        scenario_id=1,
        version=n,
        inputs=inputs,
        result=result,
        evidence=ev,
        notes=notes,
        saved_at=STAMP,
    )


def test_inputs_are_said_with_their_units():
    """Training cost $500,000 -> $750,000 (the field's unit is $), amortisation 5 -> 3 years."""
    bvb = get("build_vs_buy")
    a = _version(1, {}, {"recommendation": "build"})
    b = _version(2, {"training_cost": 750_000, "amortization_years": 3}, {"recommendation": "buy"})
    lines = version_changes(bvb, a, b)
    assert lines == [
        "Training cost: $500,000 → $750,000",
        "Amortisation period: 5 years → 3 years",
        "Recommendation: Build → Buy",
    ]


def test_recommendations_are_said_in_words_not_codes():
    """Experiments' verdict codes read as the card's badge words: the History dialog showed
    'Recommendation: need_more_data → ship'."""
    exp = get("experiments")
    a = _version(1, {}, {"recommendation": "need_more_data"})
    b = _version(2, {"alpha": 0.1}, {"recommendation": "ship"})
    assert version_changes(exp, a, b)[-1] == "Recommendation: Need more data → Ship"


def _evidence(score: float) -> dict:
    cql = get("cost_quality_latency")
    catalog = Catalog(
        [
            ModelInfo(
                id="gpt-4o",
                provider="openai",
                input_cost_per_token=2.5e-6,
                output_cost_per_token=1e-5,
                quality=QualityScore(score=score, source="imported", date=dt.date(2026, 12, 3)),
            )
        ],
        source="litellm 1.0",
    )
    return evidence.record(cql, cql.Inputs(), catalog)[1].to_json()


def test_evidence_rows_and_notes_between_versions():
    cql = get("cost_quality_latency")
    versions = [
        _version(1, {}, ev=None),
        _version(2, {}, ev=_evidence(0.82)),
        _version(3, {}, ev=_evidence(0.91), notes="after the eval"),
        _version(4, {}, ev=_evidence(0.91), notes="after the eval"),
    ]
    changes = history_changes(cql, list(reversed(versions)))
    assert changes == {
        1: [],
        2: ["Evidence: recorded from this version on"],
        3: ["Evidence: gpt-4o quality 0.82 → 0.91 (imported, 2026-12-03)", "Notes edited"],
        4: [],
    }


def test_inputs_the_app_no_longer_accepts_are_compared_raw():
    bvb = get("build_vs_buy")
    lines = version_changes(bvb, _version(1, {"gone": 1}), _version(2, {"gone": 2}))
    assert lines == ["gone: 1 → 2"]


def test_nothing_to_recommend_reads_no_pick():
    """Cost-Quality-Latency's "none" (no candidate) is said as the card's badge says it."""
    cql = get("cost_quality_latency")
    a = _version(1, {}, {"recommendation": "none"})
    b = _version(2, {}, {"recommendation": "gpt-4o (batch)"})
    assert version_changes(cql, a, b)[-1] == "Recommendation: No pick → gpt-4o (batch)"
