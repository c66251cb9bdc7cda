"""Exports say where every quality and latency figure came from, and put a result resting on
the shipped example scores in question on page 1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import evidence
from core.catalog import load_catalog, with_examples
from core.frameworks import get
from core.report import SummaryMeta, render_html, render_markdown

ROOT = Path(__file__).parents[2]
CQL = get("cost_quality_latency")


@pytest.fixture(scope="module")
def example_catalog(tmp_path_factory: pytest.TempPathFactory):
    csv = ROOT / "resources" / "catalog" / "examples.csv"
    return with_examples(load_catalog(tmp_path_factory.mktemp("c")), csv.read_text("utf-8"))


def test_example_scores_are_flagged_on_page_one_and_every_figure_has_its_source(
    example_catalog,
):
    inputs = CQL.Inputs()
    result, ev = evidence.record(CQL, inputs, example_catalog)
    meta = SummaryMeta(scenario_name="S", evidence=ev, price_date=ev.price_date)
    md = render_markdown(CQL, inputs, result, meta)
    header = md.split("## Context")[0]
    assert "**This result rests on illustrative example scores: replace them with your own " in (
        header
    )
    assert f"- **Price map:** {ev.price_map}" in header
    section = md.split("## Evidence")[1]
    # One table row per model the result used, each naming where its figures came from.
    for m in ev.models:
        assert m.quality is not None
        row = next(line for line in section.splitlines() if line.startswith(f"| {m.id} |"))
        assert f"({m.quality.source}" in row and m.quality.date.isoformat() in row
        if m.latency is not None:
            assert f"({m.latency.source}, {m.latency.date.isoformat()})" in row
    assert "reproduce them in this version" in md
    html = render_html(CQL, inputs, result, meta)
    assert html.index("rests on illustrative example scores") < html.index("Context")


def test_own_scores_carry_no_warning(example_catalog):
    from core.catalog import CatalogUserData, QualityScore, apply_user_data

    own = apply_user_data(
        example_catalog,
        CatalogUserData(
            quality={
                "gpt-4o-mini": QualityScore(
                    score=0.9, benchmark="team eval", source="measured", date=dt.date(2026, 12, 1)
                )
            }
        ),
    )
    inputs = CQL.Inputs(candidate_models=["gpt-4o-mini"])
    result, ev = evidence.record(CQL, inputs, own)
    assert [m.id for m in ev.models] == ["gpt-4o-mini"]
    md = render_markdown(CQL, inputs, result, SummaryMeta(scenario_name="S", evidence=ev))
    assert "illustrative example" not in md
    assert "0.9 (measured, team eval, 2026-12-01)" in md


def test_a_framework_without_catalog_figures_says_so():
    bvb = get("build_vs_buy")
    result, ev = evidence.record(bvb, bvb.Inputs(), None)
    md = render_markdown(bvb, bvb.Inputs(), result, SummaryMeta(scenario_name="B", evidence=ev))
    assert "reads nothing from the model catalog" in md


def test_a_version_saved_before_evidence_and_its_drift_are_said(example_catalog):
    inputs = CQL.Inputs()
    result, ev = evidence.record(CQL, inputs, example_catalog)
    meta = SummaryMeta(
        scenario_name="S", evidence=ev, evidence_recorded=False, drift="Today's catalog differs."
    )
    md = render_markdown(CQL, inputs, result, meta)
    assert "saved before evidence was recorded" in md
    assert "Today's catalog differs." in md.split("## Evidence")[1]
