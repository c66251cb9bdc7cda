"""Side-by-side comparison of two scenarios of one framework: differing inputs, figure deltas."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from core.frameworks.common import (
    FrameworkResult,
    format_input,
    format_value,
    recommendation_label,
)
from core.stats import format_points


@dataclass(frozen=True)
class InputRow:
    name: str
    title: str
    a: str
    b: str
    differs: bool


@dataclass(frozen=True)
class FigureRow:
    key: str
    label: str
    a: str
    b: str
    delta: str
    differs: bool


@dataclass(frozen=True)
class TableInput:
    """An input that is a list of rows (a task mix, the candidates): each side as a table."""

    name: str
    title: str
    headers: list[str]
    a: list[list[str]]
    b: list[list[str]]

    @property
    def differs(self) -> bool:
        return self.a != self.b


def _unit(info: FieldInfo) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return str(extra.get("unit", ""))


def _title(name: str, info: FieldInfo) -> str:
    return info.title or name.replace("_", " ").capitalize()


def input_rows(a: BaseModel, b: BaseModel) -> list[InputRow]:
    rows = []
    for name, info in type(a).model_fields.items():
        unit = _unit(info)
        va, vb = getattr(a, name), getattr(b, name)
        rows.append(
            InputRow(
                name, _title(name, info), format_input(va, unit), format_input(vb, unit), va != vb
            )
        )
    return rows


def row_model(info: FieldInfo) -> type[BaseModel] | None:
    """The model of each row when the field is a list of rows (list[TaskType]), else None."""
    if typing.get_origin(info.annotation) not in (list, tuple):
        return None
    args = typing.get_args(info.annotation)
    item = args[0] if args else None
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def table_inputs(a: BaseModel, b: BaseModel) -> list[TableInput]:
    """Every list-of-rows input of A and B as tables: a column per row field (its title, each
    cell with the field's unit), a row per entry, in the order entered."""
    tables = []
    for name, info in type(a).model_fields.items():
        model = row_model(info)
        if model is None:
            continue
        fields = model.model_fields

        def cells(rows: Any, fields: dict[str, FieldInfo] = fields) -> list[list[str]]:
            return [
                [format_input(getattr(r, f), _unit(fi)) for f, fi in fields.items()] for r in rows
            ]

        headers = [_title(f, fi) for f, fi in fields.items()]
        tables.append(
            TableInput(
                name, _title(name, info), headers, cells(getattr(a, name)), cells(getattr(b, name))
            )
        )
    return tables


def _difference(diff: float, unit: str) -> str:
    """B minus A, signed, in the figure's unit; two percentages differ by percentage points
    (70.0% to 75.0% is "+5.0 pp", not "+5.0%"), and a unit that formats signed already
    ("+1.6 pp") is not signed twice."""
    if unit in ("pct", "pp"):
        return format_points(diff)
    text = format_value(diff, unit)
    return "+" + text if diff > 0 and not text.startswith("+") else text


def figure_rows(a: FrameworkResult, b: FrameworkResult) -> list[FigureRow]:
    """Each key figure of A and B and B minus A (in the figure's unit; n/a when one is None)."""
    rows = []
    b_figs = {f.key: f for f in b.figures}
    for fa in a.figures:
        fb = b_figs.get(fa.key)
        if fb is None:
            continue
        if fa.value is not None and fb.value is not None:
            diff = fb.value - fa.value
            delta = "no change" if diff == 0 else _difference(diff, fa.unit)
            differs = diff != 0
        else:
            delta = "n/a" if fa.value == fb.value else "changed"
            differs = fa.value != fb.value
        # A label that depends on the inputs (an interval's level, a horizon) is said for both
        # sides: A's "95% interval" label over B's 90% bound misread B.
        label = fa.label if fa.label == fb.label else f"{fa.label} (B: {fb.label})"
        rows.append(
            FigureRow(
                fa.key,
                label,
                format_value(fa.value, fa.unit, fa.none_text),
                format_value(fb.value, fb.unit, fb.none_text),
                delta,
                differs,
            )
        )
    rows.insert(
        0,
        FigureRow(
            "recommendation",
            "Recommendation",
            recommendation_label(a.recommendation),
            recommendation_label(b.recommendation),
            "same" if a.recommendation == b.recommendation else "different",
            a.recommendation != b.recommendation,
        ),
    )
    return rows
