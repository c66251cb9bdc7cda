"""Merging the user's data into the catalog, the quality CSV rules and the shipped examples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.catalog import (
    Catalog,
    CatalogUserData,
    LatencyProfile,
    ModelInfo,
    PriceOverride,
    QualityCsvError,
    QualityScore,
    apply_user_data,
    format_per_million,
    matches,
    parse_example_csv,
    parse_quality_csv,
    search_key,
    search_words,
)

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 1, 2)


def _model(model_id: str, provider: str = "openai", **fields: object) -> ModelInfo:
    values: dict[str, object] = {"input_cost_per_token": 1e-6, "output_cost_per_token": 4e-6}
    values.update(fields)
    return ModelInfo(id=model_id, provider=provider, **values)


@pytest.fixture
def public() -> Catalog:
    return Catalog(
        [
            _model("gpt-small", input_cost_per_token_batch=5e-7, output_cost_per_token_batch=2e-6),
            _model("claude-mid", "anthropic"),
        ],
        source="litellm 9.9",
        price_date=DAY,
    )


# Merging


def test_apply_adds_custom_overrides_and_scores(public: Catalog) -> None:
    quality = QualityScore(score=0.8, benchmark="our evals", source="imported", date=DAY)
    latency = LatencyProfile(ttft_ms=300, output_tokens_per_second=50, date=DAY)
    data = CatalogUserData(
        custom_models=[_model("our-llama", "whatever", input_cost_per_token=0)],
        overrides={"gpt-small": PriceOverride(input_cost_per_token=2e-6)},
        quality={"claude-mid": quality, "our-llama": quality, "gone-model": quality},
        latency={"gpt-small": latency},
    )
    merged = apply_user_data(public, data)

    custom = merged.get("our-llama")
    assert custom.custom and custom.provider == "custom" and custom.quality == quality
    small = merged.get("gpt-small")
    assert small.price_overridden
    assert small.input_cost_per_token == 2e-6
    assert small.output_cost_per_token == 4e-6  # not overridden: the catalog's
    assert small.input_cost_per_token_batch == 5e-7
    assert small.latency == latency and small.quality is None
    assert merged.get("claude-mid").quality == quality
    assert not merged.get("claude-mid").price_overridden
    assert "gone-model" not in merged
    assert data.unmatched_ids(merged) == ["gone-model"]
    assert (merged.source, merged.price_date, merged.base) == ("litellm 9.9", DAY, public)
    # The public catalog itself is untouched.
    assert public.get("gpt-small").input_cost_per_token == 1e-6


def test_applying_twice_or_after_clearing_never_stacks(public: Catalog) -> None:
    with_override = CatalogUserData(overrides={"gpt-small": PriceOverride(input_cost_per_token=0)})
    merged = apply_user_data(public, with_override)
    again = apply_user_data(merged, with_override)
    assert [m.model_dump() for m in again] == [m.model_dump() for m in merged]
    cleared = apply_user_data(merged, CatalogUserData())
    assert cleared.get("gpt-small") == public.get("gpt-small")


def test_a_price_override_must_set_a_finite_non_negative_price() -> None:
    with pytest.raises(ValidationError, match="at least one price"):
        PriceOverride()
    for bad in (-1e-6, float("inf"), float("nan")):
        with pytest.raises(ValidationError):
            PriceOverride(output_cost_per_token=bad)
    assert PriceOverride(output_cost_per_token_batch=0).changes() == {
        "output_cost_per_token_batch": 0
    }


# Quality CSV


def test_csv_good_and_bad_rows_are_reported_by_row_number() -> None:
    text = (
        "model,score,benchmark\n"
        "gpt-small,0.81,MMLU\n"  # row 2: good
        "claude-mid,85%,\n"  # row 3: percent
        "gpt-smal,0.7,\n"  # row 4: typo
        "claude-mid,0.9,\n"  # row 5: repeated
        ",0.5,\n"  # row 6: no model
        "gpt-small,high,\n"  # row 7: text
        "gpt-small,1.5,\n"  # row 8: above 1
        "gpt-small,85,\n"  # row 9: a percentage without %
        "gpt-small,nan,\n"  # row 10: not a number at all
        "gpt-small,,\n"  # row 11: empty
        "\n"  # row 12: blank, ignored
        "unheard-of,0.5,\n"  # row 13: unknown, no suggestion
    )
    scores, report = parse_quality_csv(text, {"gpt-small", "claude-mid"}, today=DAY)
    assert scores == {
        "gpt-small": QualityScore(score=0.81, benchmark="MMLU", source="imported", date=DAY),
        "claude-mid": QualityScore(score=0.85, benchmark="", source="imported", date=DAY),
    }
    assert report.imported == 2
    assert [(p.row, p.model) for p in report.problems] == [
        (4, "gpt-smal"),
        (5, "claude-mid"),
        (6, ""),
        (7, "gpt-small"),
        (8, "gpt-small"),
        (9, "gpt-small"),
        (10, "gpt-small"),
        (11, "gpt-small"),
        (13, "unheard-of"),
    ]
    reasons = [p.reason for p in report.problems]
    assert reasons[0] == "unknown model id (did you mean 'gpt-small'?)"
    assert reasons[1] == "repeats the model of row 3, which was kept"
    assert reasons[2] == "missing model id"
    assert reasons[3] == "score 'high' is not a number"
    assert reasons[4] == "score 1.5 is outside 0..1"
    assert reasons[5] == "score 85 is outside 0..1 (write 0.85 for 85%)"
    assert reasons[6] == "score 'nan' is not a number"
    assert reasons[7] == "missing score"
    assert reasons[8] == "unknown model id"
    assert report.unknown_ids == ["gpt-smal", "unheard-of"]
    lines = report.lines()
    assert lines[0] == "Imported 2 quality scores; skipped 9 rows (2 unknown model ids)."
    assert "row 4: gpt-smal: unknown model id (did you mean 'gpt-small'?)" in lines


def test_csv_header_variants_bom_semicolons_and_extra_columns() -> None:
    text = "\ufeffModel ; Quality ; Notes\r\ngpt-small;0,75;fine\r\n"
    scores, report = parse_quality_csv(text, ["gpt-small"], today=DAY)
    assert scores["gpt-small"].score == 0.75
    assert report.ignored_columns == ["Notes"]
    assert report.lines()[-1] == "ignored columns: Notes"
    quoted = 'score,model\n"0.5","gpt-small"\n'
    assert parse_quality_csv(quoted, ["gpt-small"])[0]["gpt-small"].score == 0.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\n  \n", "the file is empty"),
        ("PK\x03\x04\x00\x00binary", "binary file"),
        ("model,score\n", "header but no rows"),
        ("gpt-small,0.5\n", "must be a header naming the columns model and score"),
        ('model,score\n"gpt-small,0.5\n', "not valid CSV"),
    ],
)
def test_unusable_csv_files_are_refused_whole(text: str, message: str) -> None:
    with pytest.raises(QualityCsvError, match=message):
        parse_quality_csv(text, {"gpt-small"})


def test_csv_not_valid_csv_is_refused() -> None:
    # A stray quote inside an unquoted field is legal; text after a closing quote is not.
    # (Not a field over csv's size limit: that limit is process-wide, and the dataset reader
    # raises it for long documents.)
    with pytest.raises(QualityCsvError, match="not valid CSV"):
        parse_quality_csv('model,score\n"gpt-4o"x,1\n', {"gpt-4o"})


# Shipped examples


def test_shipped_examples_parse_with_source_example() -> None:
    rows = parse_example_csv((ROOT / "resources" / "catalog" / "examples.csv").read_text())
    ids = [model_id for model_id, _, _ in rows]
    assert {"gpt-4o", "gpt-4o-mini"} <= set(ids)
    assert len(ids) == len(set(ids)) >= 8
    for _, quality, latency in rows:
        assert quality is not None and quality.source == "example"
        assert latency is not None and latency.source == "example"


def test_example_file_defects_are_errors() -> None:
    with pytest.raises(ValueError, match="header"):
        parse_example_csv("model,score\n")
    header = "model,score,benchmark,ttft_ms,output_tokens_per_second,date\n"
    with pytest.raises(ValueError):
        parse_example_csv(header + "x,2,b,1,1,2026-01-01\n")


# Search and display helpers


def test_search_needs_every_word_in_id_or_provider() -> None:
    key = search_key(_model("GPT-4o-Mini", "OpenAI"))
    assert matches(search_words("gpt mini"), key)
    assert matches(search_words("openai 4O"), key)
    assert not matches(search_words("gpt claude"), key)
    assert matches(search_words("   "), key)


def test_prices_per_million_tokens() -> None:
    assert format_per_million(1.5e-7) == "0.15"
    assert format_per_million(6e-7) == "0.60"
    assert format_per_million(7.5e-8) == "0.075"
    assert format_per_million(1.5e-5) == "15.00"
    assert format_per_million(0) == "0"
    assert format_per_million(None) == ""
