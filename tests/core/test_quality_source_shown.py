"""The quality source a result used is said in words, on the card and on the export's first
page: which source (the Models tab's choice) each model's score came from, and for how many."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core import evidence
from core.catalog import (
    Catalog,
    LatencyProfile,
    ModelInfo,
    QualityScore,
    load_catalog,
    with_examples,
)
from core.frameworks import get
from core.report import SummaryMeta, render_html, render_markdown

CQL = get("cost_quality_latency")
DAY = dt.date(2026, 12, 3)
HELM = "HELM Lite: Core scenarios: Mean win rate"


def _model(model_id: str, quality: QualityScore | None) -> ModelInfo:
    return ModelInfo(
        id=model_id,
        provider="openai",
        input_cost_per_token=1e-6,
        output_cost_per_token=2e-6,
        quality=quality,
        latency=LatencyProfile(ttft_ms=400, output_tokens_per_second=80, source="entered"),
    )


def _catalog() -> Catalog:
    helm = QualityScore(score=0.7, benchmark=HELM, source="imported", date=DAY)
    return Catalog(
        [
            _model("a", helm),
            _model("b", helm.model_copy(update={"score": 0.6})),
            _model("c", helm.model_copy(update={"score": 0.8})),
            _model("d", QualityScore(score=0.5, source="example", date=DAY)),
            _model("e", QualityScore(score=0.9, source="entered", date=DAY)),
            _model("f", None),
        ],
        source="test",
    )


def test_the_sources_in_use_are_named_with_their_date_and_count():
    inputs = CQL.Inputs(candidate_models=[])
    _, ev = evidence.record(CQL, inputs, _catalog())
    assert evidence.quality_basis(ev, CQL.ID) == (
        f"Quality: {HELM} (imported 2026-12-03) for 3 models; example scores for 1 model; "
        "scores you entered for 1 model"
    )


def test_a_measured_score_names_its_run_and_nothing_read_says_nothing():
    measured = QualityScore(
        score=0.8, benchmark="Exact match on qa (50 items)", source="measured", date=DAY
    )
    ev = evidence.Evidence(models=[_model("a", measured), _model("b", None)], read=True)
    assert evidence.quality_basis(ev, CQL.ID) == (
        "Quality: Exact match on qa (50 items) (measured 2026-12-03) for 1 model"
    )
    assert evidence.quality_basis(evidence.Evidence(), CQL.ID) == ""


def test_the_export_says_it_on_page_one():
    inputs = CQL.Inputs(candidate_models=[])
    result, ev = evidence.record(CQL, inputs, _catalog())
    meta = SummaryMeta(scenario_name="S", evidence=ev)
    said = (
        f"{HELM} (imported 2026-12-03) for 3 models; example scores for 1 model; scores you "
        "entered for 1 model."
    )
    md = render_markdown(CQL, inputs, result, meta)
    assert f"- **Quality:** {said}" in md.split("## Context")[0]
    # The PDF's and HTML's first page: its Sources section, before the context.
    html = render_html(CQL, inputs, result, meta)
    sources = html.split(">Sources</h2>")[1].split("<h2")[0]
    assert f"<strong>Quality:</strong> {said}" in sources
    assert html.index(">Sources</h2>") < html.index("Context</h2>")


def test_only_frameworks_that_read_quality_name_a_source():
    # RAG vs Fine-tuning reads its base model's prices and latency, never its quality.
    _, ev = evidence.record(CQL, CQL.Inputs(candidate_models=[]), _catalog())
    assert evidence.quality_basis(ev, "rag_vs_finetuning") == ""
    assert evidence.quality_basis(ev, "agents") == ""
    assert evidence.quality_basis(ev, "architecture_patterns").startswith(f"Quality: {HELM}")


def test_architecture_patterns_names_the_source_of_the_scores_it_read():
    csv = Path(__file__).parents[2] / "resources" / "catalog" / "examples.csv"
    catalog = with_examples(load_catalog(), csv.read_text("utf-8"))
    arch = get("architecture_patterns")
    _, ev = evidence.record(arch, arch.Inputs(), catalog)
    scored = [m for m in ev.models if m.quality is not None]
    assert scored
    assert evidence.quality_basis(ev, arch.ID) == (
        f"Quality: example scores for {len(scored)} model{'s' if len(scored) != 1 else ''}"
    )
