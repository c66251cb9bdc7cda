"""Turning pydantic validation errors into one readable line per bad field, in the user's words.

The window, the CLI and scenario files all report bad inputs through `field_errors` /
`error_lines`, so a limit reads the same everywhere: "must be at most 10,000,000 tokens", not
the validator's "Input should be less than or equal to 10000000".
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

#: Units that say what scale a number is on rather than what it counts: "at most 1 ratio"
#: reads worse than "at most 1".
_SCALE_UNITS = frozenset(
    {"", "count", "ratio", "probability", "weight", "relative", "of 1", "accuracy 0-1", "± %"}
)


def field_errors(exc: ValidationError, model: type[BaseModel] | None = None) -> dict[str, str]:
    """Map each bad field (dotted path) to a short message in plain words; with the inputs
    `model`, limits carry the field's unit."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(_part(p) for p in err["loc"]) or "(input)"
        unit = _unit(model, err["loc"]) if model is not None else ""
        out.setdefault(loc, describe(err["type"], err.get("ctx") or {}, str(err["msg"]), unit))
    return out


def error_lines(exc: ValidationError, model: type[BaseModel] | None = None) -> list[str]:
    return [f"{field}: {msg}" for field, msg in field_errors(exc, model).items()]


def describe(kind: str, ctx: dict[str, Any], msg: str, unit: str = "") -> str:
    """One error in the user's words, from pydantic's error type and context; a type not
    known here keeps pydantic's message (on one line, whatever it quoted from the input)."""
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        key = {"greater_than_equal": "ge", "greater_than": "gt"}.get(
            kind, "le" if kind == "less_than_equal" else "lt"
        )
        return "must be " + limit_words(key, ctx[key], unit)
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "must be a whole number"
    if kind == "int_parsing_size":
        return "is too large a number"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind == "finite_number":
        return "must be a finite number (not infinity or NaN)"
    if kind == "number_type":
        return "must be a number, not true/false"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected', '')}"
    if kind in ("too_short", "too_long") and "actual_length" in ctx:
        most = kind == "too_long"
        n = ctx["max_length" if most else "min_length"]
        return (
            f"must have {'at most' if most else 'at least'} {n:,} {_plural(n, 'item')} "
            f"(it has {ctx['actual_length']:,})"
        )
    if kind in ("string_too_long", "string_too_short"):
        most = kind == "string_too_long"
        n = ctx["max_length" if most else "min_length"]
        return f"must be {'at most' if most else 'at least'} {n:,} {_plural(n, 'character')}"
    if kind == "list_type":
        return "must be a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a set of named values (an object)"
    if kind in ("string_type", "str_type"):
        return "must be text"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown field"
    text = " ".join(msg.split())
    return text.removeprefix("Value error, ")


def limit_words(key: str, bound: float, unit: str = "") -> str:
    """'at least 0', 'more than 0', 'at most 10,000,000 tokens', 'less than 100%'."""
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}[key]
    return f"{words} {with_unit(bound, unit)}"


def with_unit(value: float, unit: str) -> str:
    """A number as people write it, with its unit where one reads naturally: $5/year, 20%,
    10,000 tokens (a scale such as 'ratio' is left off)."""
    number = _number(value)
    if unit.startswith("$"):
        sign, number = ("-", number[1:]) if number.startswith("-") else ("", number)
        return f"{sign}${number}{unit[1:]}"
    if unit.startswith("%"):
        return f"{number}{unit}"
    if unit in _SCALE_UNITS:
        return number
    return f"{number} {unit}"


def _number(value: float) -> str:
    """10000000 -> '10,000,000', 0.25 -> '0.25' (as the form writes numbers)."""
    if float(value).is_integer() and abs(value) < 1e18:
        return f"{int(value):,}"
    return f"{value:,.15g}" if abs(value) >= 0.001 else f"{value:.15g}"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _unit(model: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """The unit of the field at `loc` (through table rows: candidates.1.cost), else ''."""
    info = _field_at(model, loc)
    extra = info.json_schema_extra if info is not None else None
    unit = extra.get("unit", "") if isinstance(extra, dict) else ""
    return unit if isinstance(unit, str) else ""


def _field_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    current: Any = model
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            continue  # a row of a table: the field is the row model's
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = info.annotation
        if typing.get_origin(current) is list:
            args = typing.get_args(current)
            current = args[0] if args else None
    return info


def _part(part: object) -> str:
    """A path part as text; a key that is empty or holds a line break or control character is
    quoted, so a hostile key cannot split one error into several lines or hide itself."""
    text = str(part)
    return text if text and text.isprintable() else repr(text)
