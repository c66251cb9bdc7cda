"""Benchmark tables read as quality scores: HELM group tables, leaderboard CSVs and
provider-benchmark CSVs, each row a model's display name and a score on 0..1.

Formats, as their publishers write them:

- HELM (`helm-summarize` writes `groups/<group>.json`): a JSON list of tables, each with a
  `title`, a `header` (cells with `value`, `description`, `lower_is_better`, `metadata`) and
  `rows`, lists of cells with `value` (a number, or the model's display name in the first
  column), `description`, `href`, `markdown`. The user picks a table and a column; the default
  is the first table with a "Mean win rate" column, and that column.
- Leaderboard CSVs with a model column and a score column: Open LLM Leaderboard style
  (`fullname`, `Average ⬆️`, percentages 0-100) and arena style (`Model`, `Arena Score`, Elo).
- Provider-benchmark CSVs (a quality index, time to first token, output speed, price): the
  quality column is the score; time to first token and output speed are read as well.

Scales: unit (0..1 as is), percent (0-100, divided by 100), elo (see `elo_to_unit`). Nothing
here reads files or knows the catalog; model names are matched in core.model_matching.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from core.catalog import ModelInfo, RowProblem, format_per_million
from core.files import csv_delimiter
from core.text import hidden_characters

Scale = Literal["unit", "percent", "elo"]
FileFormat = Literal["auto", "csv", "helm"]
SCALES: tuple[Scale, ...] = ("unit", "percent", "elo")

# The rating an "average" arena model had for years (LMSYS anchored its Elo on 1000 early on);
# a model at this rating scores 0.5.
ELO_REFERENCE = 1000.0
ELO_RULE = (
    f"Elo mapped to 0..1 as the chance of beating a model rated {ELO_REFERENCE:g}: "
    f"1 / (1 + 10^(({ELO_REFERENCE:g} - rating) / 400))"
)
HELM_DEFAULT_COLUMN = "Mean win rate"

_MODEL_COLUMNS = ("fullname", "model_id", "model", "model name", "name", "model_name")
_SCORE_COLUMNS = (
    "score",
    "quality",
    "mean win rate",
    "average ⬆️",
    "average",
    "arena score",
    "arena elo",
    "elo",
    "rating",
    "quality index",
    "artificial analysis intelligence index",
    "intelligence index",
)
_HTML_TAG = re.compile(r"<[^>]*>")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


@dataclass(frozen=True)
class SourcedScore:
    """One model's score from one source, kept beside its scores from other sources: the 0..1
    score, the value as the source wrote it and its scale, the benchmark (HELM table and
    column, leaderboard column) and the day it was imported."""

    model_id: str
    source: str
    score: float
    value: float
    scale: Scale
    benchmark: str
    date: dt.date

    def label(self) -> str:
        """How the score is named where it is used: "HELM Lite: Accuracy: Mean win rate"."""
        return f"{self.source}: {self.benchmark}" if self.benchmark else self.source

    def value_text(self) -> str:
        """The value as the source states it, with its unit."""
        return value_text(self.value, self.scale)


def value_text(value: float, scale: Scale) -> str:
    """A value as its source states it, with its unit: "1285 Elo", "43.41%", "0.938 (0..1)"."""
    if scale == "elo":
        return f"{value:g} Elo"
    if scale == "percent":
        return f"{value:g}%"
    return f"{value:g} (0..1)"


class ScoreFileError(ValueError):
    """The whole file is unusable (not a table, no score column...); str() says why."""


@dataclass(frozen=True)
class ScoreRow:
    """One model's row: the display name as the file has it, its value as written, the 0..1
    score, and for provider benchmarks the latency figures the row carries."""

    row: int
    name: str
    value: float
    score: float
    ttft_ms: float | None = None
    output_tokens_per_second: float | None = None
    price_per_million: float | None = None


def price_text(row: ScoreRow, model: ModelInfo | None) -> str:
    """A provider benchmark's price beside the catalog's, for the review and the report: the
    file's figure is shown, never stored (prices come from the price map and your overrides).
    '' when the row carries no price."""
    if row.price_per_million is None:
        return ""
    file_price = format_per_million(row.price_per_million / 1e6)
    text = f"price in the file ${file_price} per million tokens"
    if model is None:
        return f"{text} (not stored)"
    return (
        f"{text} (not stored; the catalog's: ${format_per_million(model.input_cost_per_token)} "
        f"in / ${format_per_million(model.output_cost_per_token)} out per million tokens)"
    )


@dataclass(frozen=True)
class TableInfo:
    """A HELM table: its title, the columns a score can come from, those lower-is-better."""

    title: str
    columns: list[str]
    lower_is_better: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScoreFile:
    """What a file held: the rows, the rows skipped and why, and where the scores came from
    (`benchmark`: the HELM table and column, or the CSV's score column)."""

    format: Literal["csv", "helm"]
    rows: list[ScoreRow]
    problems: list[RowProblem]
    benchmark: str
    scale: Scale
    tables: list[TableInfo] = field(default_factory=list)
    model_column: str = ""
    score_column: str = ""
    columns: list[str] = field(default_factory=list)
    table: str = ""  # the HELM table's title


def elo_to_unit(rating: float, reference: float = ELO_REFERENCE) -> float:
    """The chance a model rated `rating` beats one rated `reference` under the Elo model.

    >>> elo_to_unit(1000.0)
    0.5
    >>> round(elo_to_unit(1400.0), 4)  # 400 points up: 10 to 1 odds, 10/11
    0.9091
    >>> round(elo_to_unit(800.0), 4)  # 200 points down: 1 / (1 + sqrt(10))
    0.2403
    """
    # float ** float is typed as maybe complex; a positive base keeps it real.
    return 1.0 / (1.0 + float(10.0 ** ((reference - rating) / 400.0)))


def to_unit(value: float, scale: Scale) -> float:
    """`value` on 0..1. ValueError (with the reason, for the user) when it is off the scale."""
    if not math.isfinite(value):
        raise ValueError("the score is not a finite number")
    if scale == "elo":
        return elo_to_unit(value)
    unit = value / 100.0 if scale == "percent" else value
    if not 0.0 <= unit <= 1.0:
        bound = "0-100" if scale == "percent" else "0..1"
        raise ValueError(f"the score {value:g} is outside {bound} ({scale} scale)")
    return unit


def guess_scale(column: str, values: list[float]) -> Scale:
    """The scale a column's values are on: elo when its name says so or a value exceeds 100,
    percent when one exceeds 1, else unit."""
    name = column.casefold()
    if "elo" in name or "arena" in name or any(v > 100 for v in values):
        return "elo"
    if any(v > 1 for v in values):
        return "percent"
    return "unit"


def detect_format(text: str) -> Literal["csv", "helm"]:
    """helm for a JSON list (HELM's group tables), csv otherwise."""
    return "helm" if text.lstrip("\ufeff \t\r\n").startswith("[") else "csv"


def read_score_file(
    text: str,
    *,
    file_format: FileFormat = "auto",
    table: str | None = None,
    model_column: str | None = None,
    score_column: str | None = None,
    scale: Scale | None = None,
) -> ScoreFile:
    """The rows of a HELM group JSON or a leaderboard CSV (see the module docstring).

    Unnamed choices are guessed: the model and score columns from their usual names, the
    scale from the values (`guess_scale`). Bad rows become RowProblems; ScoreFileError when
    the file is not such a table or a named table or column is absent.
    """
    if "\x00" in text:
        raise ScoreFileError("it is a binary file, not a table of scores")
    text = text.removeprefix("\ufeff")
    fmt = detect_format(text) if file_format == "auto" else file_format
    if fmt == "helm":
        return _read_helm(text, table, score_column, scale)
    return _read_csv(text, model_column, score_column, scale)


# HELM


def helm_tables(text: str) -> list[TableInfo]:
    """The tables of a HELM group file, for the user to choose from."""
    return [_table_info(t) for t in _helm_json(text)]


def _helm_json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScoreFileError(f"it is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, list) or not data:
        raise ScoreFileError("it is not a HELM group file (a JSON list of tables)")
    tables = [t for t in data if isinstance(t, dict) and isinstance(t.get("header"), list)]
    if not tables:
        raise ScoreFileError("it holds no HELM table (each needs a header and rows)")
    return tables


def _cell_text(cell: Any) -> str:
    value = cell.get("value") if isinstance(cell, dict) else cell
    return "" if value is None else _HTML_TAG.sub("", str(value)).strip()


def _table_info(table: dict[str, Any]) -> TableInfo:
    header = table["header"][1:]
    columns = [_cell_text(c) for c in header]
    lower = [
        _cell_text(c) for c in header if isinstance(c, dict) and c.get("lower_is_better") is True
    ]
    return TableInfo(str(table.get("title", "")), columns, lower)


def _read_helm(text: str, table: str | None, column: str | None, scale: Scale | None) -> ScoreFile:
    tables = _helm_json(text)
    infos = [_table_info(t) for t in tables]
    titles = [i.title for i in infos]
    if table is None:
        index = next((i for i, info in enumerate(infos) if HELM_DEFAULT_COLUMN in info.columns), 0)
    else:
        folded = [t.casefold() for t in titles]
        if table.casefold() not in folded:
            raise ScoreFileError(f"it has no table '{table}'; its tables: {', '.join(titles)}")
        index = folded.index(table.casefold())
    info = infos[index]
    wanted = column or (
        HELM_DEFAULT_COLUMN
        if HELM_DEFAULT_COLUMN in info.columns
        else next((c for c in info.columns if c not in info.lower_is_better), None)
    )
    folded_columns = [c.casefold() for c in info.columns]
    if wanted is None or wanted.casefold() not in folded_columns:
        raise ScoreFileError(
            f"table '{info.title}' has no column '{wanted}'; its columns: "
            + ", ".join(info.columns)
        )
    position = folded_columns.index(wanted.casefold())
    wanted = info.columns[position]
    if wanted in info.lower_is_better:
        raise ScoreFileError(
            f"in table '{info.title}', lower is better for '{wanted}' (a time or a cost), so "
            "it is not a quality score; choose another column"
        )
    raw: list[tuple[int, str, Any]] = []
    for number, row in enumerate(tables[index].get("rows") or [], start=1):
        if not isinstance(row, list) or not row:
            continue
        cell = row[position + 1] if position + 1 < len(row) else None
        raw.append(
            (number, _cell_text(row[0]), cell.get("value") if isinstance(cell, dict) else cell)
        )
    rows, problems, used = _rows(raw, wanted, scale)
    return ScoreFile(
        "helm",
        rows,
        problems,
        benchmark=f"{info.title}: {wanted}",
        scale=used,
        tables=infos,
        table=info.title,
        score_column=wanted,
        columns=info.columns,
    )


# CSV


def _read_csv(
    text: str, model_column: str | None, score_column: str | None, scale: Scale | None
) -> ScoreFile:
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise ScoreFileError("the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=csv_delimiter(header_line))
    try:
        records = [r for r in reader if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise ScoreFileError(f"it is not valid CSV (line {reader.line_num}: {exc})") from None
    header = [c.strip() for c in records[0]]
    folded = [c.casefold() for c in header]
    model_at = _pick(folded, header, model_column, _MODEL_COLUMNS, "model")
    score_at = _pick(folded, header, score_column, _SCORE_COLUMNS, "score")
    ttft_at = next((i for i, c in enumerate(folded) if "first token" in c or "ttft" in c), None)
    speed_at = next(
        (i for i, c in enumerate(folded) if "tokens/s" in c or "output speed" in c), None
    )
    price_at = next((i for i, c in enumerate(folded) if "price" in c), None)
    raw: list[tuple[int, str, Any]] = []
    extras: dict[int, tuple[float | None, float | None, float | None]] = {}
    for number, record in enumerate(records[1:], start=2):
        cells = [*record, *[""] * (len(header) - len(record))]
        raw.append((number, _HTML_TAG.sub("", cells[model_at]).strip(), cells[score_at]))
        ttft = _number(cells[ttft_at]) if ttft_at is not None else None
        if ttft is not None and ttft_at is not None and "ms" not in folded[ttft_at]:
            ttft *= 1000  # seconds, as provider benchmarks publish it
        extras[number] = (
            ttft,
            _number(cells[speed_at]) if speed_at is not None else None,
            _number(cells[price_at]) if price_at is not None else None,
        )
    if not raw:
        raise ScoreFileError("the file has a header but no rows below it")
    rows, problems, used = _rows(raw, header[score_at], scale)
    rows = [
        ScoreRow(
            r.row,
            r.name,
            r.value,
            r.score,
            ttft_ms=extras[r.row][0],
            output_tokens_per_second=extras[r.row][1] if (extras[r.row][1] or 0) > 0 else None,
            price_per_million=extras[r.row][2],
        )
        for r in rows
    ]
    return ScoreFile(
        "csv",
        rows,
        problems,
        benchmark=header[score_at],
        scale=used,
        model_column=header[model_at],
        score_column=header[score_at],
        columns=header,
    )


def _pick(
    folded: list[str], header: list[str], named: str | None, usual: tuple[str, ...], what: str
) -> int:
    if named is not None:
        if named.strip().casefold() in folded:
            return folded.index(named.strip().casefold())
        raise ScoreFileError(f"it has no column '{named}'; its columns: {', '.join(header)}")
    for name in usual:
        if name in folded:
            return folded.index(name)
    shown = ", ".join(header)
    if len(shown) > 120:
        shown = shown[:117] + "…"
    raise ScoreFileError(f"no {what} column found (columns: {shown}); name it with --{what}-column")


def _number(cell: Any) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return float(cell)
    if isinstance(cell, str):
        text = cell.strip().rstrip("%").replace(",", "")
        if _NUMBER.fullmatch(text):
            return float(text)
    return None


def _rows(
    raw: list[tuple[int, str, Any]], column: str, scale: Scale | None
) -> tuple[list[ScoreRow], list[RowProblem], Scale]:
    values = [v for _, _, cell in raw if (v := _number(cell)) is not None and math.isfinite(v)]
    used = scale or guess_scale(column, values)
    rows: list[ScoreRow] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, name, cell in raw:
        if not name:
            problems.append(RowProblem(row=number, reason="no model name"))
            continue
        if hidden_characters(name):
            problems.append(
                RowProblem(row=number, reason="the model name has invisible control characters")
            )
            continue
        value = _number(cell)
        if value is None:
            problems.append(RowProblem(row=number, model=name, reason=f"no number in '{column}'"))
            continue
        try:
            score = to_unit(value, used)
        except ValueError as exc:
            problems.append(RowProblem(row=number, model=name, reason=str(exc)))
            continue
        if name in seen:
            problems.append(
                RowProblem(
                    row=number,
                    model=name,
                    reason=f"repeats the model of row {seen[name]}, which was kept",
                )
            )
            continue
        seen[name] = number
        rows.append(ScoreRow(number, name, value, score))
    return rows, problems, used
