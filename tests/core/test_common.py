"""Shared framework pieces: number formatting, key figures and the Inputs base model."""

import math

import pytest
from pydantic import ValidationError

from core.frameworks.common import (
    Figure,
    FrameworkInputs,
    FrameworkResult,
    format_figure,
    format_value,
    money,
    param,
    years_text,
)
from core.validation import error_lines, field_errors


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2_500_000, "$2,500,000"),  # large sums: thousands separators, no cents
        (6_699_999.999999996, "$6,700,000"),  # float noise from monthly sums rounds away
        (100, "$100"),
        (99.5, "$99.50"),  # under $100: cents
        (0, "$0.00"),
        (-1_500, "-$1,500"),  # the sign goes before the dollar
        (-12.25, "-$12.25"),
        (5e-6, "$5e-06"),  # per-token prices: three significant digits
        (0.00123456, "$0.001235"),
    ],
)
def test_money(value, text):
    assert money(value) == text


def test_years_text_shows_months_only_under_a_year():
    """5/24 year = 0.208333 -> 0.21 years = 2.5 months; 1.5 years has no months part."""
    assert years_text(5 / 24) == "0.21 years (2.5 months)"
    assert years_text(0.0) == "0.00 years (0.0 months)"
    assert years_text(1.5) == "1.50 years"
    assert years_text(1.0) == "1.00 years"


def test_format_value_by_unit():
    assert format_value(2_500_000.0, "usd") == "$2,500,000"
    assert format_value(0.225, "years") == "0.23 years (2.7 months)"
    assert format_value(3.0, "years") == "3.00 years"
    assert format_value(2.5, "months") == "2.5 months"
    assert format_value(97.26, "pct") == "97.3%"
    assert format_value(5e11, "tokens") == "500,000,000,000 tokens"
    assert format_value(12.68, "count") == "13"
    assert format_value(0.123456, "ratio") == "0.123"
    assert format_value(5e-6, "usd_per_token") == "$5e-06/token ($5.00 per million)"
    assert format_value(7.0, "text") == "7"


def test_format_value_missing_numbers_use_none_text():
    """None (breakeven never reached) and non-finite values both show the none_text."""
    assert format_value(None, "years", "never") == "never"
    assert format_value(math.inf, "years", "never") == "never"
    assert format_value(math.nan, "usd") == "n/a"
    assert format_value(None, "usd") == "n/a"


def test_format_figure_and_lookup():
    never = Figure(
        key="breakeven_years", label="Breakeven", value=None, unit="years", none_text="never"
    )
    cost = Figure(key="api", label="API cost", value=2_500_000.0, unit="usd")
    assert format_figure(never) == "never"
    assert format_figure(cost) == "$2,500,000"
    result = FrameworkResult(
        recommendation="buy", headline="h", rationale=[], figures=[never, cost]
    )
    assert result.figure("api") is cost
    with pytest.raises(KeyError):
        result.figure("missing")


class _Example(FrameworkInputs):
    cost: float = param(1.0, ge=0, le=10, unit="$", description="A cost.")


def test_framework_inputs_refuse_nan_inf_unknown_and_bounds():
    for bad in (
        {"cost": math.nan},
        {"cost": math.inf},
        {"cost": -1},
        {"cost": 11},
        {"cost": "cheap"},
        {"other": 1},
    ):
        with pytest.raises(ValidationError):
            _Example(**bad)


def test_framework_inputs_are_frozen():
    with pytest.raises(ValidationError):
        _Example().cost = 2.0  # type: ignore[misc]


def test_param_carries_unit_group_and_step_into_the_schema():
    schema = _Example.model_json_schema()["properties"]["cost"]
    assert schema["unit"] == "$"
    assert schema["group"] == "Inputs"
    assert schema["minimum"] == 0
    assert schema["maximum"] == 10
    assert schema["description"] == "A cost."


def test_error_lines_name_the_field():
    with pytest.raises(ValidationError) as exc:
        _Example(cost=-1, other=2)
    assert field_errors(exc.value) == {
        "cost": "must be at least 0",
        "other": "unknown field",
    }
    assert error_lines(exc.value) == ["cost: must be at least 0", "other: unknown field"]
    # With the model, the limit carries the field's unit.
    assert error_lines(exc.value, _Example) == ["cost: must be at least $0", "other: unknown field"]
