"""Every registered framework, fed random inputs drawn from its own JSON schema: valid inputs never
raise and never put NaN or infinity into a result; hostile values are refused field by field."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from core.frameworks import REGISTRY
from core.validation import error_lines

# Lists longer than this add run time, not new behaviour: every framework's loops are per row.
MAX_ROWS = 6


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return root["$defs"][ref.rsplit("/", 1)[-1]]


def _number(schema: dict[str, Any], integer: bool) -> st.SearchStrategy[Any]:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if integer:
        low = -(10**6) if low is None else math.floor(low) + ("exclusiveMinimum" in schema)
        high = 10**6 if high is None else math.ceil(high) - ("exclusiveMaximum" in schema)
        # The edges are where formulas divide by zero or overflow, so they are drawn often.
        return st.one_of(st.sampled_from([low, high]), st.integers(low, high))
    low = -1e12 if low is None else float(low)
    high = 1e12 if high is None else float(high)
    edges = [v for v in (low, high, 0.0, 1e-12) if low <= v <= high]
    if "exclusiveMinimum" in schema:
        # The smallest float above the bound: a divisor that small overflows to infinity.
        edges = [v for v in edges if v > low] + [math.nextafter(low, math.inf)]
    if "exclusiveMaximum" in schema:
        edges = [v for v in edges if v < high]
    draws = st.floats(
        low,
        high,
        exclude_min="exclusiveMinimum" in schema,
        exclude_max="exclusiveMaximum" in schema,
        allow_nan=False,
        allow_infinity=False,
    )
    return st.one_of(st.sampled_from(edges), draws) if edges else draws


def from_schema(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for one JSON-schema node of a pydantic model (the subset our Inputs use)."""
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return st.one_of([from_schema(s, root) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = {name: from_schema(sub, root) for name, sub in props.items()}
        optional = {n: s for n, s in fields.items() if n not in required}
        return st.fixed_dictionaries(
            {n: s for n, s in fields.items() if n in required}, optional=optional
        )
    if kind == "array":
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", MAX_ROWS), max(low, MAX_ROWS))
        return st.lists(from_schema(schema.get("items", {}), root), min_size=low, max_size=high)
    if kind == "integer":
        return _number(schema, integer=True)
    if kind == "number":
        return _number(schema, integer=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return st.text(
            st.characters(codec="utf-8", exclude_categories=("Cs",)),
            min_size=schema.get("minLength", 0),
            max_size=min(schema.get("maxLength", 40), 40),
        )
    if kind == "null":
        return st.none()
    raise AssertionError(f"schema node without a strategy: {schema}")


def _non_finite(value: Any, path: str = "result") -> list[str]:
    """Every path in a dumped model that holds NaN or an infinity."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _non_finite(v, f"{path}.{k}")]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _non_finite(v, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize("framework", REGISTRY, ids=lambda m: m.ID)
def test_random_valid_inputs_give_a_finite_result_and_a_summary(framework: Any) -> None:
    schema = framework.Inputs.model_json_schema()

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=True,
    )
    @given(from_schema(schema, schema))
    def check(raw: dict[str, Any]) -> None:
        try:
            inputs = framework.Inputs.model_validate(raw)
        except ValidationError:
            # Cross-field rules (unique names, shares summing to 100) refuse some draws;
            # refusing is the right behaviour for them, and is tested below.
            assume(False)
        result = framework.compute(inputs)
        dumped = result.model_dump(mode="python")
        assert _non_finite(dumped) == []
        # The JSON a user exports parses back (no bare NaN/Infinity tokens).
        json.loads(result.model_dump_json(), parse_constant=_refuse_constant)
        assert framework.summarize(inputs, result).strip()

    check()


def _refuse_constant(name: str) -> float:
    raise AssertionError(f"the result JSON holds {name}")


HOSTILE_VALUES: list[Any] = [
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308 * 10,
    -1e300,
    10**400,
    "a lot",
    "",
    None,
    [],
    {},
]


def _first_number_field(model: type[BaseModel]) -> str:
    schema = model.model_json_schema()
    return next(n for n, p in schema["properties"].items() if p.get("type") == "number")


@pytest.mark.parametrize("framework", REGISTRY, ids=lambda m: m.ID)
def test_hostile_values_in_a_number_field_are_refused_by_name(framework: Any) -> None:
    """NaN, infinities, an overflowing float, a 401-digit integer, text, null, a list, an object:
    each refused with messages naming the field and nothing else."""
    field = _first_number_field(framework.Inputs)
    for value in HOSTILE_VALUES:
        with pytest.raises(ValidationError) as caught:
            framework.Inputs.model_validate({field: value})
        lines = error_lines(caught.value)
        assert lines and all(line.startswith(f"{field}: ") for line in lines), (value, lines)


@pytest.mark.parametrize("framework", REGISTRY, ids=lambda m: m.ID)
def test_unknown_fields_and_wrong_shapes_are_refused(framework: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        framework.Inputs.model_validate({"no_such_field": 1, "__class__": "x"})
    assert sorted(error_lines(caught.value)) == [
        "__class__: unknown field",
        "no_such_field: unknown field",
    ]
    for shape in ([], "text", 3, None):
        with pytest.raises(ValidationError):
            framework.Inputs.model_validate(shape)
