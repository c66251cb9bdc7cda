"""Words a reader sees: no internal codes, durations in a readable unit, one text per figure.

Every framework's decision summary is rendered for its defaults and for each example scenario
the app ships, and read the way a reviewer would: no snake_case code (an enum value, a field
id, a framework id), no millisecond count of two minutes or more, and each key figure written
the same way in the figures table as in the headline, rationale and summary body.
"""

import re
import typing
from pathlib import Path

import pytest

from core.catalog import load_catalog, with_examples
from core.compare import figure_rows
from core.frameworks import REGISTRY, agents, experiments, get, ids
from core.frameworks.common import (
    CHOICE_LABELS,
    choice_label,
    count,
    counted,
    duration,
    format_value,
    probability,
    short_count,
    usd,
)
from core.report import SummaryMeta, render_markdown
from core.scenario import parse_scenario_file

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.json"))

# A word of lower-case letters and digits joined by underscores, not part of a path, a file
# name or a hyphenated word: the shape of our codes (quality_cost, need_more_data, top_k).
_CODE = re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/-])")
_MS = re.compile(r"(\d[\d,]*(?:\.\d+)?) ms\b")


def _cases():
    cases = [pytest.param(m.ID, None, id=f"{m.ID}-defaults") for m in REGISTRY]
    cases += [pytest.param(None, p, id=p.stem) for p in EXAMPLES]
    return cases


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """The catalog the examples were computed against: the price map and the example scores."""
    csv = ROOT / "resources" / "catalog" / "examples.csv"
    return with_examples(
        load_catalog(tmp_path_factory.mktemp("catalog")), csv.read_text(encoding="utf-8")
    )


def _computed(framework_id, path, catalog):
    if path is not None:
        scenario = parse_scenario_file(path.read_text(encoding="utf-8"), ids())
        framework = get(scenario.framework_id)
        inputs = framework.Inputs.model_validate(scenario.inputs)
    else:
        framework = get(framework_id)
        inputs = framework.Inputs()
    return framework, inputs, framework.compute(inputs, catalog)


@pytest.mark.parametrize(("framework_id", "path"), _cases())
def test_summary_shows_no_code_and_no_long_millisecond_counts(framework_id, path, catalog):
    framework, inputs, result = _computed(framework_id, path, catalog)
    text = render_markdown(framework, inputs, result, SummaryMeta(scenario_name="Scenario"))
    codes = {m.group(0) for m in _CODE.finditer(text)}
    assert not codes, f"codes in the summary: {sorted(codes)}"
    long = [m.group(0) for m in _MS.finditer(text) if float(m.group(1).replace(",", "")) >= 120_000]
    assert not long, f"durations of two minutes or more in ms: {long}"
    # A duration figure formats through its unit; a bare count under an "(ms)" label was how
    # a day's batch latency read "86,400,000".
    assert not [f.label for f in result.figures if "(ms)" in f.label]


@pytest.mark.parametrize(("framework_id", "path"), _cases())
def test_each_figure_reads_the_same_in_the_table_and_the_text(framework_id, path, catalog):
    """A dollar or duration figure that the headline, rationale or summary body also quotes is
    quoted with the figures table's text, not another rounding of it ("$0.123" beside "$0.12"
    was the defect): every other rounding the app has used for it is absent."""
    framework, inputs, result = _computed(framework_id, path, catalog)
    text = "\n".join([result.headline, *result.rationale, framework.summarize(inputs, result)])
    for fig in result.figures:
        if fig.value is None or fig.unit not in ("usd", "ms", "pct") or fig.value <= 0:
            continue
        shown = format_value(fig.value, fig.unit)
        v = fig.value
        if fig.unit == "usd":
            others = {f"${v:,.2f}" if 0.01 <= v < 100 else shown, f"${v:.3g}", f"${v:.4g}"}
        elif fig.unit == "pct":
            # Whole percentages would match unrelated figures ("80% power"): the one-decimal
            # rival is the one checked (a table's "100.0%" beside a sentence's "100%").
            others = {f"{v:.1f}%"}
        else:
            others = {f"{v:,.0f} ms", f"{v / 1000:.3g} s", f"{v / 60_000:.3g} min"}
        for other in others - {shown}:
            if shown.startswith(other):  # "$0.12" is the start of "$0.123": not a rival
                continue
            assert not re.search(re.escape(other) + r"(?![\d.,])", text), (fig.key, shown, other)


def test_the_agents_headline_and_table_write_the_p95_cost_alike():
    """Defaults: p95 cost 0.123 a task. The headline said $0.123 and the figures table $0.12."""
    result = agents.compute(agents.Inputs())
    assert result.figure("p95_cost").value == pytest.approx(0.123)
    assert "$0.123 and 23.1 s a task" in result.headline
    assert format_value(result.figure("p95_cost").value, "usd") == "$0.123"
    assert format_value(result.figure("p95_latency").value, "ms") == "23.1 s"


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0 ms"),
        (850, "850 ms"),
        (999.4, "999 ms"),
        (1_000, "1 s"),
        (23_100, "23.1 s"),
        (119_000, "119 s"),
        (120_000, "2 min"),  # 2 minutes: minutes from here
        (2_700_000, "45 min"),
        (7_200_000, "2 h"),  # 2 hours: hours from here
        (86_400_000, "24 h"),  # the day, once "86,400,000 ms"
        (172_800_000, "2 days"),  # 48 hours: days from here
        (302_400_000, "3.5 days"),
        (-1_500, "-1.5 s"),  # a difference in the compare dialog
    ],
)
def test_duration_picks_the_unit_by_magnitude(ms, text):
    assert duration(ms) == text
    assert format_value(ms, "ms") == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (0.5, "0.5"),
        (1.25, "1.25"),
        (12.34, "12.3"),  # three significant digits below 100
        (99.94, "99.9"),
        (100, "100"),  # whole and grouped from 100
        (1234.5, "1,234"),
        (2_500_000, "2,500,000"),
        (-1234, "-1,234"),  # a difference, not "-1.23e+03"
    ],
)
def test_one_count_formatter(value, text):
    assert count(value) == text


def test_a_count_and_its_noun():
    assert counted(1, "option") == "1 option"
    assert counted(0, "option") == "0 options"
    assert counted(1234, "option") == "1,234 options"
    assert counted(2.5, "iteration") == "2.5 iterations"


@pytest.mark.parametrize(
    ("value", "text"),
    [(1, "1"), (350, "350"), (12_000, "12k"), (1_500_000, "1.5M"), (3e9, "3B"), (-2e6, "-2M")],
)
def test_short_counts_for_axes(value, text):
    assert short_count(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "$0"),
        (0.000096, "$0.000096"),
        (0.0461, "$0.0461"),
        (0.1, "$0.10"),  # never "$0.1"
        (0.123, "$0.123"),
        (0.17826, "$0.1783"),  # four significant digits below a dollar
        (46.09, "$46.09"),
        (1401.2, "$1,401"),
        (-0.05, "-$0.05"),
    ],
)
def test_one_dollar_formatter(value, text):
    assert usd(value) == text
    assert format_value(value, "usd") == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0%"), (100, "100%"), (99.96, "100.0%"), (1.4, "1.4%"), (84, "84.0%")],
)
def test_percentages_read_as_probability_writes_them(value, text):
    """A whole 0% or 100% is exact (the patterns' '100%' of requests beside a table's
    '100.0%' was two texts for one figure); 99.96 keeps its decimal, never a sure 100%."""
    assert format_value(value, "pct") == text
    assert format_value(value, "pct") == probability(value / 100) or value == 84


def test_a_p_value_figure_reads_as_the_sentence_quotes_it():
    """McNemar's p for b = 0, c = 5 is 2 x 0.5^5 = 0.0625: the verdict's sentence says
    p = 0.062 (three decimals), and the figures table said 0.0625; below 0.001 two
    significant figures."""
    assert format_value(0.0625, "p_value") == "0.062"
    assert format_value(8.14e-7, "p_value") == "8.1e-07"
    result = experiments.compute(
        experiments.Inputs(both_pass=20, baseline_only=0, variant_only=5, both_fail=5)
    )
    assert result.figure("mcnemar_p").value == pytest.approx(0.0625)
    assert format_value(result.figure("mcnemar_p").value, result.figure("mcnemar_p").unit) == (
        "0.062"
    )


def _literal_codes(annotation, seen):
    """Every string value of the Literal types inside an annotation (also list[Model] and
    nested models' fields)."""
    if id(annotation) in seen:
        return set()
    seen.add(id(annotation))
    out = set()
    if typing.get_origin(annotation) is typing.Literal:
        out |= {a for a in typing.get_args(annotation) if isinstance(a, str)}
    for arg in typing.get_args(annotation):
        out |= _literal_codes(arg, seen)
    fields = getattr(annotation, "model_fields", None)
    if isinstance(annotation, type) and fields:
        for info in fields.values():
            out |= _literal_codes(info.annotation, seen)
    return out


def test_every_code_shaped_choice_has_a_label():
    """Each Literal value of an input, a table row or a recommendation that is written as a
    code (snake_case) has words in CHOICE_LABELS, which forms, the compare dialog, the
    summary's tables and its outcome all use."""
    codes = set()
    for module in REGISTRY:
        codes |= _literal_codes(module.Inputs, set())
        codes |= _literal_codes(module.Result.model_fields["recommendation"].annotation, set())
    snake = {c for c in codes if _CODE.fullmatch(c)}
    assert {"quality_cost", "fixed_workflow", "need_more_data"} <= snake
    assert snake <= set(CHOICE_LABELS), sorted(snake - set(CHOICE_LABELS))
    for code in snake:
        assert not _CODE.search(choice_label(code))
    assert choice_label("gpt-4o (batch)") == "gpt-4o (batch)"  # anything else as it is


def test_compare_rows_show_the_recommendation_in_words():
    a = agents.compute(agents.Inputs())
    b = agents.compute(agents.Inputs(max_cost_per_task_usd=0.10))
    row = figure_rows(a, b)[0]
    assert (row.a, row.b, row.delta) == ("Agent", "Fixed workflow", "different")
    latency = next(r for r in figure_rows(a, b) if r.key == "p95_latency")
    assert latency.a == "23.1 s"
