"""Validation errors read in the user's words, for every kind of limit a field can have.

The reference is the wording the issue asks for ("a whole number", "at most 10,000,000",
"at least 0", "a number"), written out by hand per case; none of pydantic's own phrases
("Input should be", "unable to parse", "≤") may show through.
"""

from __future__ import annotations

import enum
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from core.frameworks.common import FrameworkInputs, param
from core.validation import error_lines, field_errors, with_unit


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Row(BaseModel):
    cost: float = param(1.0, ge=0, unit="$/request", description="d")


class Words(FrameworkInputs):
    tokens: int = param(1000, ge=0, le=10_000_000, unit="tokens", description="d")
    share: float = param(0.5, gt=0, unit="%", description="d")
    ratio: float = Field(0.5, lt=1, json_schema_extra={"unit": "ratio"})
    budget: float = param(100, ge=0, unit="$/year", description="d")
    plain: float = param(1.0, ge=-90, description="d")
    mode: Literal["fast", "slow"] = "fast"
    colour: Colour = Colour.RED
    names: list[str] = Field(default_factory=lambda: ["a"], min_length=1, max_length=2)
    rows: list[Row] = Field(default_factory=list)
    flag: bool = False


def _error(**values: object) -> str:
    with pytest.raises(ValidationError) as caught:
        Words.model_validate(values)
    lines = error_lines(caught.value, Words)
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    ("values", "line"),
    [
        # ge / le with the field's unit; 10_000_000 written with thousands separators.
        ({"tokens": -1}, "tokens: must be at least 0 tokens"),
        ({"tokens": 10_000_001}, "tokens: must be at most 10,000,000 tokens"),
        # gt with a percent: the sign follows the number.
        ({"share": 0}, "share: must be more than 0%"),
        # lt on a scale unit: the unit is left off ("less than 1 ratio" reads badly).
        ({"ratio": 1}, "ratio: must be less than 1"),
        # A money unit goes before the number, its rate after: $0/year.
        ({"budget": -5}, "budget: must be at least $0/year"),
        # No unit: only the number (a negative bound keeps its sign).
        ({"plain": -95}, "plain: must be at least -90"),
        # Parsing: an integer field and a float field.
        ({"tokens": "lots"}, "tokens: must be a whole number"),
        ({"tokens": 2.5}, "tokens: must be a whole number"),
        ({"share": "lots"}, "share: must be a number"),
        ({"share": None}, "share: must be a number"),
        ({"share": float("inf")}, "share: must be a finite number (not infinity or NaN)"),
        ({"share": True}, "share: must be a number, not true/false"),
        ({"flag": "maybe"}, "flag: must be true or false"),
        # Choices: the codes a file or the CLI must use.
        ({"mode": "medium"}, "mode: must be one of 'fast' or 'slow'"),
        ({"colour": "green"}, "colour: must be one of 'red' or 'blue'"),
        # List length, singular and plural.
        ({"names": []}, "names: must have at least 1 item (it has 0)"),
        ({"names": ["a", "b", "c"]}, "names: must have at most 2 items (it has 3)"),
        ({"names": "a"}, "names: must be a list"),
        # Inside a table row: the row model's field and its unit.
        ({"rows": [{"cost": -1}]}, "rows.0.cost: must be at least $0/request"),
        ({"rows": [{}], "names": ["a"]}, None),
        ({"nope": 1}, "nope: unknown field"),
    ],
)
def test_each_kind_of_error_reads_in_plain_words(values: dict[str, object], line: str | None):
    if line is None:  # a row with every default is valid
        Words.model_validate(values)
        return
    got = _error(**values)
    assert got == line
    for validator_words in ("Input should", "unable to parse", "≤", "≥", "greater than or"):
        assert validator_words not in got


def test_without_the_model_the_words_stay_and_the_unit_goes():
    """The CLI's settings models have no units: the wording is the same, without one."""
    with pytest.raises(ValidationError) as caught:
        Words.model_validate({"tokens": 10_000_001})
    assert field_errors(caught.value) == {"tokens": "must be at most 10,000,000"}


def test_a_missing_field_and_a_custom_message():
    class Needs(BaseModel):
        x: int

    with pytest.raises(ValidationError) as caught:
        Needs.model_validate({})
    assert error_lines(caught.value) == ["x: is required"]


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.25, "$/token", "$0.25/token"),
        (-3, "$", "-$3"),
        (20, "%/year", "20%/year"),
        (1_500, "ms", "1,500 ms"),
        (1, "probability", "1"),
        (5e-6, "$/token", "$5e-06/token"),
    ],
)
def test_numbers_carry_their_unit_where_it_reads_naturally(value, unit, text):
    assert with_unit(value, unit) == text
