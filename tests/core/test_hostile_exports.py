"""Exports are safe to open: user text is escaped in HTML, and CSV cells a spreadsheet would run
as formulas are neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import unicodedata

import pytest

from core.csv_export import COLUMNS, neutralise, samples_csv
from core.evaluation import DatasetItem, Sample
from core.frameworks import architecture_patterns, model_selection
from core.report import SummaryMeta, render_html
from core.text import hidden_characters, visible

PAYLOAD = '<img src=x onerror=alert(1)><script>alert("x")</script>[a](javascript:alert(1))'
# Table names are at most 80 characters.
SHORT_PAYLOAD = "<img src=x onerror=alert(1)>[a](javascript:alert(1))"


def _assert_inert(page: str) -> None:
    assert "<script" not in page
    assert "<img src=x" not in page
    assert not re.search(r"href=\"\s*javascript:", page, re.IGNORECASE)
    assert "onerror=alert(1)>" not in page


def test_names_inside_inputs_and_results_are_escaped_in_html() -> None:
    """Model names typed into a framework's table reach the inputs table and the rationale."""
    candidates = [
        {"name": f"{SHORT_PAYLOAD} A", "accuracy": 0.9, "avg_latency_ms": 900, "cost_usd": 0.01},
        {"name": "plain", "accuracy": 0.8, "avg_latency_ms": 500, "cost_usd": 0.001},
    ]
    inputs = model_selection.Inputs(candidates=candidates)
    result = model_selection.compute(inputs)
    meta = SummaryMeta(scenario_name=PAYLOAD, notes=PAYLOAD, date=dt.date(2026, 1, 2))
    page = render_html(model_selection, inputs, result, meta, [])
    _assert_inert(page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_task_and_model_names_of_architecture_patterns_are_escaped_in_html() -> None:
    defaults = architecture_patterns.Inputs()
    mix = [
        t.model_copy(update={"name": f"{SHORT_PAYLOAD} {i}"})
        for i, t in enumerate(defaults.task_mix)
    ]
    inputs = architecture_patterns.Inputs.model_validate(
        {**defaults.model_dump(), "task_mix": [t.model_dump() for t in mix]}
    )
    result = architecture_patterns.compute(inputs)
    page = render_html(architecture_patterns, inputs, result, SummaryMeta(scenario_name="x"), [])
    _assert_inert(page)
    assert "&lt;img src=x onerror=alert(1)&gt;[a](javascript:alert(1)) 0" in page


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://evil","click")', '\'=HYPERLINK("http://evil","click")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Paris", "Paris"),
        ("a = b", "a = b"),
        ("", ""),
    ],
)
def test_formula_starts_are_neutralised(text: str, safe: str) -> None:
    assert neutralise(text) == safe


def test_samples_csv_has_one_row_per_sample_in_dataset_order() -> None:
    """Two items, samples arriving out of order plus one for an item the dataset lacks:
    rows are b's item order first (a, b), then the stray one; numbers keep their values."""
    items = [
        DatasetItem(id="a", input="=1+1", expected="2"),
        DatasetItem(id="b", input="capital of France?", expected="@Paris"),
    ]
    samples = [
        Sample(item_id="stray", output="x"),
        Sample(
            item_id="b",
            output="-Paris",
            latency_ms=812.5,
            input_tokens=12,
            output_tokens=3,
            cost_usd=2.5e-05,
            cached=True,
            cached_cost_usd=2.5e-05,
        ),
        Sample(item_id="a", error="+HTTP 500\nserver failed", attempts=3),
    ]
    text = samples_csv(items, samples)
    assert text.startswith(",".join(COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["item_id"] for r in rows] == ["a", "b", "stray"]
    a, b, stray = rows
    assert (a["input"], a["expected"], a["output"], a["error"]) == (
        "'=1+1",
        "2",
        "",
        "'+HTTP 500\nserver failed",
    )
    assert (b["expected"], b["output"], b["cached"]) == ("'@Paris", "'-Paris", "true")
    assert (float(b["latency_ms"]), int(b["input_tokens"]), int(b["output_tokens"])) == (
        812.5,
        12,
        3,
    )
    assert float(b["cost_usd"]) == 2.5e-05
    assert (stray["input"], stray["expected"], a["cached"]) == ("", "", "false")


def test_no_cell_of_a_hostile_run_starts_a_formula() -> None:
    starts = ["=", "+", "-", "@", "\t", "\r"]
    items = [
        DatasetItem(id=f"{c}id{i}", input=f"{c}in", expected=f"{c}ex") for i, c in enumerate(starts)
    ]
    samples = [
        Sample(item_id=item.id, output=f"{c}out", error=f"{c}err")
        for item, c in zip(items, starts, strict=True)
    ]
    rows = list(csv.reader(io.StringIO(samples_csv(items, samples))))[1:]
    assert len(rows) == len(starts)
    for row in rows:
        for cell in row[:5]:
            assert cell.startswith("'"), row


# ----- Markdown and HTML exports of hostile names and notes (issue 14, items 1 and 3) -----

HOSTILE_NOTES = (
    "Plan <script>alert(1)</script> and <img src=x onerror=alert(1)> and <http://evil.test>.\n"
    "![pixel](http://tracker.test/p.png) ![zero](/dev/zero) ![local](/home/u/secret.png)\n"
    "[run](javascript:alert(1)) [also]( JAVASCRIPT:alert(2)) [v](vbscript:x) [f](file:///etc/passwd)\n"
    "[ref]: javascript:alert(3)\n"
    "Keep `<b>code</b>` as code; p <= 0.05 stays.\n"
    "evil\u202eexe.txt and a\x00b and \u2066isolated\u2069"
)


def _decision(notes: str = HOSTILE_NOTES, name: str = "<script>alert('n')</script> plan"):
    from core.frameworks import build_vs_buy

    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    meta = SummaryMeta(scenario_name=name, notes=notes, date=dt.date(2026, 12, 3))
    return build_vs_buy, inputs, result, meta


def _rendered_by_a_permissive_renderer(markdown: str) -> str:
    """The Markdown export as a renderer that passes raw HTML through would show it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def test_markdown_export_escapes_raw_html_and_breaks_dangerous_links() -> None:
    from core.report import render_markdown

    text = render_markdown(*_decision())
    assert "<script" not in text and "<img" not in text and "<http" not in text
    assert "&lt;script>alert('n')&lt;/script> plan" in text
    assert "&lt;script>alert(1)&lt;/script>" in text
    assert "[run]\\(javascript:alert(1))" in text
    assert "[also]\\( JAVASCRIPT:alert(2))" in text
    assert "> \\[ref]: javascript:alert(3)" in text
    assert "`<b>code</b>`" in text  # a code span is shown literally by any renderer
    assert "p <= 0.05" in text
    assert "!\\[pixel](http://tracker.test/p.png)" in text  # a link, not an image to fetch
    page = _rendered_by_a_permissive_renderer(text)
    assert "<script" not in page and "<img" not in page
    assert not re.search(r"href=\"\s*(javascript|vbscript|file):", page, re.IGNORECASE)


def test_html_export_loads_no_image_from_notes_and_links_no_scheme_that_runs() -> None:
    from core.report import render_html

    framework, inputs, result, meta = _decision()
    plot = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    page = render_html(framework, inputs, result, meta, [("Plot", plot)])
    sources = re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", page)
    assert len(sources) == 1 and sources[0].startswith("data:image/png;base64,")
    assert "tracker.test/p.png" in page  # shown, as a link to click, never fetched
    assert not re.search(r"href=\"\s*(javascript|vbscript|file):", page, re.IGNORECASE)
    assert "<script" not in page


def test_invisible_controls_in_notes_are_shown_by_code_in_both_exports() -> None:
    from core.report import render_html, render_markdown

    for text in (render_markdown(*_decision()), render_html(*_decision())):
        assert "evil⟨U+202E⟩exe.txt" in text
        assert "a⟨U+0000⟩b" in text
        assert "⟨U+2066⟩isolated⟨U+2069⟩" in text
        assert not hidden_characters(text.replace("\n", "").replace("\r", ""))


def test_the_hidden_class_is_every_control_and_format_character_but_layout_and_joiners() -> None:
    """Reference: unicodedata's categories Cc and Cf, over every code point."""
    kept = {"\t", "\n", "\r", "\u200c", "\u200d"}
    expected = [
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cc", "Cf") and chr(c) not in kept
    ]
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert hidden_characters(everything) == expected
    ascii_only = "".join(chr(c) for c in range(128))  # the fast path for ASCII text
    assert hidden_characters(ascii_only) == [ch for ch in expected if ord(ch) < 128]
    assert visible("a\u202eb\u200dc\td") == "a⟨U+202E⟩b\u200dc\td"


def test_long_paragraphs_are_split_for_print_between_lines_or_words() -> None:
    """Limit 10: 'aaaa bbbb' (9) fits; 'cccc' would make 13, so a blank line goes first; the
    22-character line is cut at its spaces into pieces of at most 10."""
    from core.report import split_paragraphs

    assert split_paragraphs("aaaa bbbb\ncccc\n\nd", 10) == "aaaa bbbb\n\ncccc\n\nd"
    assert split_paragraphs("eeee ffff gggg hhhh ii", 10) == "eeee ffff\n\ngggg hhhh\n\nii"
    assert split_paragraphs("x" * 25, 10) == "xxxxxxxxxx\n\nxxxxxxxxxx\n\nxxxxx"
