"""Exports are safe to open: user text is escaped in HTML, and CSV cells a spreadsheet would run
as formulas are neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from core.csv_export import COLUMNS, neutralise, samples_csv
from core.evaluation import DatasetItem, Sample
from core.frameworks import architecture_patterns, model_selection
from core.report import SummaryMeta, render_html

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
