"""What every framework shares: input/result base models, key figures and number formatting."""

from __future__ import annotations

import enum
import math
from typing import Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from core.stats import VERDICT_LABELS, format_points
from core.text import code_point, hidden_characters

Unit = Literal[
    "usd",
    "usd_per_token",
    "years",
    "months",
    "ms",
    "pct",
    "pp",
    "tokens",
    "count",
    "ratio",
    "p_value",
    "text",
]


def param(
    default: Any,
    *,
    description: str,
    unit: str = "",
    group: str = "Inputs",
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    step: float | None = None,
    title: str | None = None,
    applies_when: tuple[str, bool] | None = None,
    choices: str | None = None,
    empty_text: str | None = None,
    catalog_rows: bool = False,
) -> Any:
    """A framework input field: bounds, unit, group and step travel to the form builder.

    `choices="catalog_models"` on a list[str] field makes it a picker of catalog model ids
    (`empty_text` says what an empty list means). A list of records becomes a table;
    `catalog_rows=True` gives it "Add from catalog…" (filled by the framework's
    `rows_from_catalog`).

    `applies_when=("use_x", True)` says the field only matters while the boolean field
    `use_x` is True; the form greys it out otherwise.
    """
    extra: dict[str, Any] = {"group": group, "unit": unit}
    if step is not None:
        extra["step"] = step
    if applies_when is not None:
        extra["applies_when"] = {"field": applies_when[0], "value": applies_when[1]}
    if choices is not None:
        extra["choices"] = choices
    if empty_text is not None:
        extra["empty_text"] = empty_text
    if catalog_rows:
        extra["catalog_rows"] = True
    return Field(
        default,
        description=description,
        title=title,
        ge=ge,
        le=le,
        gt=gt,
        json_schema_extra=extra,
    )


def _refuse_bool_number(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """JSON true/false in a number field is a mistake, not 1 and 0 (pydantic's lax mode
    would take them as numbers)."""
    if isinstance(value, bool) and info.field_name is not None:
        annotation = cls.model_fields[info.field_name].annotation
        if annotation in (int, float) or set(get_args(annotation)) & {int, float}:
            raise PydanticCustomError("number_type", "Input should be a number, not true/false")
    return value


def _refuse_hidden_text(value: Any) -> Any:
    """A text input (a model id, a task or option name) that holds NUL, a bidi override or
    another invisible control would be stored and shown as something other than what it looks
    like ("Trojan Source"); it is refused, with the code points named, as scenario names are."""
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    found = [ch for text in texts if isinstance(text, str) for ch in hidden_characters(text)]
    if found:
        codes = ", ".join(code_point(ch) for ch in dict.fromkeys(found))
        raise PydanticCustomError(
            "hidden_characters",
            "Text should have no invisible control characters (found {codes}), which could "
            "hide or reorder it; remove them",
            {"codes": codes},
        )
    return value


class _GuardedInputs(BaseModel):
    """What every input refuses: true/false as a number and invisible control characters in
    text (NaN, infinity and unknown fields are refused by each subclass's config)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        return _refuse_bool_number(cls, value, info)

    @field_validator("*", mode="after")
    @classmethod
    def _no_hidden_text(cls, value: Any) -> Any:
        return _refuse_hidden_text(value)


class FrameworkInputs(_GuardedInputs):
    """Base of every framework's Inputs: unknown fields, NaN, infinity, true/false as a
    number and invisible control characters in text are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class TableRecord(_GuardedInputs):
    """Base of one row of a table input (candidates, task types): like FrameworkInputs (no
    invisible controls in its text either), and text cells are trimmed."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, str_strip_whitespace=True
    )


class Figure(BaseModel):
    """One key figure of a result, with its unit so every view formats it the same way."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: float | None
    unit: Unit
    none_text: str = "n/a"


class FrameworkResult(BaseModel):
    """Base of every framework's Result: the decision, why, and the figures that decided it."""

    model_config = ConfigDict(frozen=True)

    recommendation: str
    headline: str
    rationale: list[str]
    figures: list[Figure]

    def figure(self, key: str) -> Figure:
        for fig in self.figures:
            if fig.key == key:
                return fig
        raise KeyError(key)


def money(value: float) -> str:
    """$2,500,000 for large sums, cents for small ones, scientific for per-token prices."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v != 0 and v < 0.01:
        return f"{sign}${v:.4g}"
    if v >= 100:
        return f"{sign}${v:,.0f}"
    return f"{sign}${v:,.2f}"


def usd(value: float) -> str:
    """Dollars as a reader wants any amount: $0.000465, $0.0078, $0.123, $0.10, $141,
    $2,500,000. Below a dollar four significant digits (cents would hide the difference
    between a request and its budget) and at least the cents, never scientific notation.
    The one formatter of dollar figures: format_value uses it, so a headline and a table
    write the same amount the same way."""
    if value == 0:
        return "$0"
    if abs(value) >= 1:
        return money(value)
    sign = "-" if value < 0 else ""
    digits = np.format_float_positional(abs(value), precision=4, fractional=False, trim="-")
    whole, _, fraction = digits.partition(".")
    return f"{sign}${whole}.{fraction.ljust(2, '0')}"


def duration(ms: float) -> str:
    """A duration in milliseconds in the unit a reader would use: 850 ms, 23.1 s, 45 min,
    24 h, 3.5 days (ms below 1 s, s below 2 min, min below 2 h, h below 48 h, then days)."""
    sign = "-" if ms < 0 else ""
    v = abs(ms)
    if v < 1000:
        return f"{sign}{v:,.0f} ms"
    if v < 120_000:
        return f"{sign}{v / 1000:.3g} s"
    if v < 7_200_000:
        return f"{sign}{v / 60_000:.3g} min"
    if v < 172_800_000:
        return f"{sign}{v / 3_600_000:.3g} h"
    return f"{sign}{v / 86_400_000:,.3g} days"


def count(value: float) -> str:
    """A count as a sentence writes it: 0.5, 1.25, 12.3, 123, 1,234, 2,500,000 (three
    significant digits below 100, whole and grouped from there). The one formatter of counts
    (iterations, requests, tokens a second) in rationale, tables, the CLI and the window."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def counted(n: float, noun: str) -> str:
    """1 option, 3 options, 1,234 options, 2.5 iterations: a count and its noun."""
    return f"{count(n)} {noun}" if n == 1 else f"{count(n)} {noun}s"


def short_count(value: float) -> str:
    """1, 350, 12k, 1.5M, 3B: a count in a few characters, for plot axes and labels."""
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


#: How a choice code (a Literal value of an input, a record or a result) reads on screen and in
#: exports: forms, the compare dialog, the summary's tables and its outcome all go through
#: choice_label, so no code such as `quality_cost` reaches a reader. Codes that already read
#: as words ("batch", "low") need no entry.
CHOICE_LABELS: dict[str, str] = {
    # Cost-Quality-Latency: the two corners optimised.
    "quality_cost": "Quality + cost (latency is the corner given up)",
    "quality_latency": "Quality + latency (cost is the corner given up)",
    "cost_latency": "Cost + latency (quality is the corner given up)",
    # Model selection: score scaling and cost units.
    "min_max": "Min-max across candidates",
    "targets": "Against targets",
    "per_request": "per request",
    "per_token": "per token",
    # RAG vs fine-tuning.
    "rag": "RAG",
    "fine-tuning": "Fine-tuning",
    "hybrid": "Hybrid",
    # Build vs buy.
    "build": "Build",
    "buy": "Buy",
    # Agents.
    "single_call": "Single call",
    "fixed_workflow": "Fixed workflow",
    "agent": "Agent",
    # Architecture patterns.
    "monolithic": "Monolithic",
    "modular": "Modular",
    "hierarchical": "Hierarchical",
    # Experiments: their verdicts' one table.
    **VERDICT_LABELS,
}


def choice_label(value: Any) -> str:
    """The words for a choice code (an Enum member or a Literal string); anything else as
    str() gives it."""
    code = value.value if isinstance(value, enum.Enum) else value
    return CHOICE_LABELS.get(code, str(code)) if isinstance(code, str) else str(code)


def recommendation_label(code: str) -> str:
    """A result's recommendation in words: a choice code's words, "No pick" for a framework
    that found nothing to recommend (its "none" is not a choice called None; the ML experience
    "none" is a different code), and a model id as it is."""
    return "No pick" if code == "none" else choice_label(code)


def per_million(price_per_token: float) -> str:
    """A per-token price as people quote it: $0.15 (per million tokens)."""
    return money(price_per_token * 1e6)


def years_text(years: float) -> str:
    months = years * 12
    if years < 1:
        return f"{years:.2f} years ({months:.1f} months)"
    return f"{years:.2f} years"


def format_value(value: float | None, unit: str, none_text: str = "n/a") -> str:
    """Format a figure for display and reports (one function so every view agrees)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return none_text
    if unit == "usd":
        return usd(value)
    if unit == "usd_per_token":
        return f"${value:.3g}/token (${value * 1e6:,.2f} per million)"
    if unit == "years":
        return years_text(value)
    if unit == "ms":
        return duration(value)
    if unit == "months":
        return f"{value:.1f} months"
    if unit == "pct":
        # As probability() writes shares: a whole 0% or 100% is exact, one decimal otherwise.
        return f"{value:.0f}%" if value in (0, 100) else f"{value:.1f}%"
    if unit == "pp":
        # A difference of two rates, in percentage points: "+5.0 pp", one formatter app-wide.
        return format_points(value)
    if unit == "tokens":
        return f"{value:,.0f} tokens"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:.3g}"
    if unit == "p_value":
        return p_value(value)
    return f"{value:g}"


def probability(p: float) -> str:
    """A share as a percentage that never rounds 99.5% up to a certain-looking 100%."""
    if 0 < p < 1:
        return f"{p:.1%}"
    return f"{p:.0%}"


def p_value(value: float) -> str:
    """A p-value as a reader quotes it: three decimals, two significant figures below 0.001."""
    return f"{value:.2g}" if value < 0.001 else f"{value:.3f}"


def format_figure(fig: Figure) -> str:
    return format_value(fig.value, fig.unit, fig.none_text)


def format_input(value: Any, unit: str) -> str:
    """An input value with its unit as a reader would write it: $500,000/year, 20%/year."""
    if value is None:
        return "none"
    if isinstance(value, enum.Enum) or (isinstance(value, str) and value in CHOICE_LABELS):
        return f"{choice_label(value)} {unit}".strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        number = format_number(value)
        if unit.startswith("$"):
            return f"{money(value) if value else '$0'}{unit[1:]}"
        if "%" in unit:
            return unit.replace("%", f"{number}%", 1)
        if unit == "ms":
            return duration(value)
        return f"{number} {unit}".strip()
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_input(v, '')}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(format_input(v, "") for v in value) or "none"
    return f"{value} {unit}".strip()


def format_number(value: float) -> str:
    """A plain number as people write it: 500,000 · 0.25 · 5e-06 (also in input fields)."""
    if float(value).is_integer() and abs(value) < 1e18:
        return f"{int(value):,}"
    # 15 significant digits: a value shown in a field reads back as the same number.
    if abs(value) >= 0.001:
        return f"{value:,.15g}"
    return f"{value:.15g}"
