"""Decision summaries: the ADR layout, every input and figure, and safe HTML."""

from __future__ import annotations

import base64
import datetime as dt
import re
import struct
import types
import zlib
from typing import Literal

import pytest
from pydantic import BaseModel

from core import APP_NAME, APP_VERSION
from core.frameworks import REGISTRY, build_vs_buy
from core.frameworks.common import (
    Figure,
    FrameworkInputs,
    FrameworkResult,
    format_figure,
    param,
)
from core.report import (
    APPENDIX_TITLE,
    MAX_IMAGE_WIDTH_PX,
    SummaryMeta,
    render_html,
    render_markdown,
)

ADR_SECTIONS = [
    "## Context",
    "## Decision drivers",
    "## Considered options",
    "## Decision outcome",
    "## Consequences",
    "## Inputs and assumptions",
]
DAY = dt.date(2025, 3, 14)


def _summary(notes: str = "", **overrides) -> str:
    inputs = build_vs_buy.Inputs(**overrides)
    result = build_vs_buy.compute(inputs)
    meta = SummaryMeta(scenario_name="Q3 plan", notes=notes, date=DAY)
    return render_markdown(build_vs_buy, inputs, result, meta)


def _headings(markdown: str, level: int) -> list[str]:
    return [line for line in markdown.splitlines() if re.match("#" * level + " ", line)]


def test_markdown_follows_the_adr_layout() -> None:
    text = _summary()
    assert text.startswith("# Q3 plan: Build vs Buy\n")
    assert _headings(text, 1) == ["# Q3 plan: Build vs Buy"]
    assert _headings(text, 2) == ADR_SECTIONS
    assert "- **Status:** Proposed" in text
    assert "- **Date:** 2025-03-14" in text
    assert f"- **App version:** {APP_NAME} {APP_VERSION}" in text


def test_markdown_states_the_decision_and_its_rationale() -> None:
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    text = render_markdown(build_vs_buy, inputs, result, SummaryMeta(scenario_name="S"))
    outcome = text.split("## Decision outcome")[1].split("## Consequences")[0]
    assert "Chosen option: **Build**." in outcome
    assert result.headline in outcome
    for reason in result.rationale:
        assert f"- {reason}" in outcome


def test_markdown_tables_every_key_figure_as_the_app_formats_it() -> None:
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    text = render_markdown(build_vs_buy, inputs, result, SummaryMeta(scenario_name="S"))
    drivers = text.split("## Decision drivers")[1].split("## Considered options")[0]
    for fig in result.figures:
        assert f"| {fig.label} | {format_figure(fig)} |" in drivers
    assert "| API cost per year | $2,500,000 |" in drivers
    assert "| Breakeven | 0.21 years (2.5 months) |" in drivers


def test_markdown_lists_every_input_with_title_unit_and_description() -> None:
    text = _summary()
    inputs_part = text.split("## Inputs and assumptions")[1]
    for name, field in build_vs_buy.Inputs.model_fields.items():
        assert field.title, name
        rows = [line for line in inputs_part.splitlines() if line.startswith(f"| {field.title} |")]
        assert len(rows) == 1, name
        row = rows[0]
        assert field.description.split()[0] in row
    assert "| API cost per token | $5e-06/token |" in inputs_part
    assert "| Training cost | $500,000 |" in inputs_part
    assert "| Serving cost per year | $100,000/year |" in inputs_part
    assert "| Volume growth | 0%/year |" in inputs_part
    assert "| API price uncertainty | ± 20% |" in inputs_part
    assert "| Estimate serving from GPUs | no |" in inputs_part
    assert "| Monte Carlo draws | 10,000 draws |" in inputs_part


def test_framework_summary_is_included_without_duplicate_headings() -> None:
    text = _summary()
    assert "### Considered options" not in text
    options = text.split("## Considered options")[1].split("## Decision outcome")[0]
    assert "| Buy (API) | $2,500,000 |" in options
    assert "### Sensitivity" in options
    assert "### Monte Carlo" in options
    # The framework's assumptions move to the record's assumptions section.
    assumptions = text.split("## Inputs and assumptions")[1]
    assert "### Assumptions" in assumptions
    assert "- Training is paid up front" in assumptions
    assert "Training is paid up front" not in options


def test_context_has_the_guide_and_the_notes_quoted() -> None:
    text = _summary(notes="Numbers from finance.\n\n# Not a heading of the record")
    context = text.split("## Context")[1].split("## Decision drivers")[0]
    assert build_vs_buy.GUIDE in context
    assert "> Numbers from finance.\n>\n> # Not a heading of the record" in context
    assert _headings(text, 2) == ADR_SECTIONS


def test_consequences_name_the_inputs_changed_from_the_defaults() -> None:
    defaults = _summary().split("## Consequences")[1].split("## Inputs")[0]
    assert "Every input is still at the framework's example default" in defaults
    changed = _summary(serving_cost_per_year=3_000_000, training_cost=600_000)
    consequences = changed.split("## Consequences")[1].split("## Inputs")[0]
    assert "2 inputs set away from the framework's example defaults" in consequences
    assert "Training cost, Serving cost per year" in consequences
    assert "Going with **Buy**" in consequences
    assert "Breakeven (never)" in consequences


def test_price_date_is_stated_when_known() -> None:
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    meta = SummaryMeta(scenario_name="S", price_date=dt.date(2025, 1, 31))
    assert "- **Prices as of:** 2025-01-31" in render_markdown(build_vs_buy, inputs, result, meta)
    assert "Prices as of" not in _summary()


def test_a_multiline_name_stays_one_title() -> None:
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    meta = SummaryMeta(scenario_name="Line one\n## Line two")
    text = render_markdown(build_vs_buy, inputs, result, meta)
    assert text.startswith("# Line one ## Line two: Build vs Buy\n")
    assert _headings(text, 2) == ADR_SECTIONS


@pytest.mark.parametrize("framework", REGISTRY, ids=lambda m: m.ID)
def test_every_registered_framework_renders_on_its_defaults(framework) -> None:
    inputs = framework.Inputs()
    result = framework.compute(inputs)
    meta = SummaryMeta(scenario_name="Defaults")
    text = render_markdown(framework, inputs, result, meta)
    assert _headings(text, 2) == ADR_SECTIONS
    for field in framework.Inputs.model_fields.values():
        assert f"| {field.title} |" in text
    page = render_html(framework, inputs, result, meta)
    assert page.startswith("<!DOCTYPE html>")


# A stand-in framework with the input shapes later frameworks will have (records, choices),
# and a summary body without the usual headings, to keep the report generic.


class _Candidate(BaseModel):
    name: str
    accuracy: float


class _FakeInputs(FrameworkInputs):
    mode: Literal["fast", "careful"] = param("fast", description="How to run.", title="Mode")
    budget: float = param(1000, description="Money | per month.", unit="$/month", ge=0)
    candidates: list[_Candidate] = param(
        [_Candidate(name="small | cheap", accuracy=0.8), _Candidate(name="big", accuracy=0.9)],
        description="Models to compare.",
        title="Candidates",
    )


class _FakeResult(FrameworkResult):
    pass


def _fake_framework() -> types.SimpleNamespace:
    def compute(inputs: _FakeInputs, catalog=None) -> _FakeResult:
        return _FakeResult(
            recommendation="big",
            headline="Pick big",
            rationale=["It is more accurate."],
            figures=[Figure(key="gap", label="Accuracy gap", value=None, unit="pct")],
        )

    return types.SimpleNamespace(
        ID="fake",
        TITLE="Fake",
        GUIDE="A stand-in.",
        Inputs=_FakeInputs,
        Result=_FakeResult,
        compute=compute,
        summarize=lambda inputs, result: "Both were tried.\n\n## Assumptions\n\n- None really.",
    )


def test_generic_inputs_records_choices_and_plain_summaries() -> None:
    fake = _fake_framework()
    inputs = _FakeInputs()
    text = render_markdown(fake, inputs, fake.compute(inputs), SummaryMeta(scenario_name="F"))
    assert _headings(text, 2) == ADR_SECTIONS
    assert "| Mode | fast | How to run. |" in text
    assert "| Budget | $1,000/month | Money \\| per month. |" in text
    assert "| Candidates | 2 items (see below) | Models to compare. |" in text
    assert "#### Candidates\n\n| name | accuracy |\n|---|---|\n| small \\| cheap | 0.8 |" in text
    assert "## Considered options\n\nBoth were tried." in text
    assert "### Assumptions\n\n- None really." in text
    assert "| Accuracy gap | n/a |" in text


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_html_is_standalone_and_escapes_all_user_text() -> None:
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    meta = SummaryMeta(
        scenario_name='<script>alert("name")</script>',
        notes='<script>alert("note")</script> <img src=x onerror=alert(1)> '
        "[link](javascript:alert(1))",
        date=DAY,
    )
    images = [("Cost <curves>", _png(900, 420))]
    page = render_html(build_vs_buy, inputs, result, meta, images)
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert "<script" not in page
    assert "<img src=x" not in page
    assert 'href="javascript' not in page
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in page
    assert "<title>&lt;script&gt;" in page
    assert "2025-03-14" in page
    assert APP_VERSION in page
    assert "<h2>Decision outcome</h2>" in page
    assert "<figcaption>Cost &lt;curves&gt;</figcaption>" in page
    # No external resources: a saved page works offline.
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_html_puts_the_first_plot_with_the_decision_and_the_rest_in_the_appendix() -> None:
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    png, other = _png(900, 420), _png(300, 100)
    page = render_html(
        build_vs_buy, inputs, result, SummaryMeta(scenario_name="S"), [("Plot", png), ("P", other)]
    )
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    assert f'src="{uri}"' in page
    height = round(420 * MAX_IMAGE_WIDTH_PX / 900)
    assert f'width="{MAX_IMAGE_WIDTH_PX}" height="{height}"' in page
    assert page.index("<h2>Decision outcome</h2>") < page.index(uri) < page.index(APPENDIX_TITLE)
    assert 'width="300" height="100"' in page.split(APPENDIX_TITLE)[1]
    assert "<h2>Other plots</h2>" in page


def test_html_first_part_is_the_decision_and_the_rest_an_appendix() -> None:
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    page = render_html(build_vs_buy, inputs, result, SummaryMeta(scenario_name="S", date=DAY))
    decision, appendix = page.split(f'<h1 class="appendix">{APPENDIX_TITLE}</h1>')
    assert "Chosen option: <strong>Build</strong>" in decision
    assert result.headline in decision
    for reason in result.rationale:
        assert f"<li>{reason}</li>" in decision
    for fig in result.figures:
        assert f"<td>{format_figure(fig)}</td>" in decision
    assert "<h2>Sources</h2>" in decision
    assert "nothing was read from the model catalog" in decision
    for heading in ADR_SECTIONS:
        if heading not in ("## Decision drivers", "## Decision outcome"):
            assert f"<h2>{heading[3:]}</h2>" in appendix, heading
    # The consequences point to the figures by the heading they have here.
    assert "figures under <em>Key figures</em> the baseline" in appendix
    # Printed, the appendix starts on a page of its own.
    assert re.search(r"h1\.appendix \{[^}]*page-break-before: always", page)


def test_html_table_cells_break_long_ids_only_after_their_separators() -> None:
    fake = _fake_framework()
    inputs = _FakeInputs(
        candidates=[
            _Candidate(name="anthropic.claude-3-5-sonnet-20241022-v2:0", accuracy=0.8),
            _Candidate(name="real-time 2026-12-03 $0.004375 gemini/gemini-2.5-pro", accuracy=1),
        ]
    )
    result = fake.compute(inputs)
    page = render_html(fake, inputs, result, SummaryMeta(scenario_name="F"))
    assert (
        "<td>anthropic.<wbr>claude-<wbr>3-<wbr>5-<wbr>sonnet-<wbr>20241022-<wbr>v2:<wbr>0</td>"
        in (page)
    )
    # Short words, dates and numbers stay whole; so does "2.5" inside an id.
    assert "<td>real-time 2026-12-03 $0.004375 gemini/<wbr>gemini-<wbr>2.5-<wbr>pro</td>" in page
    # Text outside tables is not touched.
    assert "<wbr>" not in page.split("<table")[0]
    qt = render_html(fake, inputs, result, SummaryMeta(scenario_name="F"), soft_break="\u200b")
    assert "anthropic.\u200bclaude-" in qt


def test_html_sources_say_where_the_figures_came_from() -> None:
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    meta = SummaryMeta(scenario_name="S", price_date=dt.date(2025, 1, 31))
    sources = render_html(build_vs_buy, inputs, result, meta).split("<h2>Sources</h2>")[1]
    assert "Prices as of 2025-01-31" in sources.split("</p>")[0]
