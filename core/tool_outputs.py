"""Logged outputs as other evaluation tools write them: LangSmith, promptfoo, the OpenAI Batch
API and MLflow.

Each format is read into records (row number, nested JSON object) and fields are found by dotted
paths ("inputs.question", "response.body.choices.0.message.content"; a list index is a number,
and a key that itself holds dots, as in a flattened export's "inputs.question" column, is found
too). An output is matched to a dataset item by its id, else by its input text. Every row is
checked and every fault reported; a file with any problem stores nothing, as for the app's own
JSONL (core.datasets).

Where the formats come from (their public documentation and source):
- LangSmith runs (`Client.list_runs`, experiment exports): `inputs`/`outputs` objects,
  `reference_example_id`, `start_time`/`end_time` (ISO 8601), `prompt_tokens`,
  `completion_tokens`, `total_cost` (USD, sometimes a decimal string), `error`. Examples:
  `id`, `inputs`, `outputs`, `metadata`.
- promptfoo `promptfoo eval -o results.json`: `{"results": {"results": [EvaluateResult]}}`,
  each with `vars`, `prompt`, `provider`, `response.output`, `response.error`,
  `response.tokenUsage`, `latencyMs`, `cost`, `testCase`. Test CSVs: one column per var,
  `__expected` (also `__expected2`...) holding an assertion ("contains: x"), where a value
  that names no assertion type is an equality assertion, `__description` and other `__` keys.
- OpenAI Batch output JSONL: `custom_id`, `response.status_code`, `response.body` (a chat
  completion: `choices[0].message.content`, `usage`), `error` (`code`, `message`).
- MLflow `eval_results_table.json` (`mlflow.evaluate`, `mlflow.log_table`): a pandas "split"
  table, `{"columns": [...], "data": [[...], ...]}`, with the input column(s), `outputs`,
  `token_count` and `latency` (seconds).
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from core.datasets import (
    COLUMN_SCAN_ROWS,
    INPUT_ALIASES,
    MAX_ROW_BYTES,
    DatasetError,
    ItemProblem,
    ParsedOutputs,
    decode_text,
    file_label,
    json_lines,
)
from core.evaluation import DatasetItem, Sample
from core.files import NumberTooLongError, parse_json

ToolFormat = Literal["langsmith", "promptfoo", "openai-batch", "mlflow"]
#: The choices of an outputs import: "jsonl" is the app's own {"id", "output"} lines.
OutputsFormat = Literal["auto", "jsonl", "langsmith", "promptfoo", "openai-batch", "mlflow"]
OUTPUTS_FORMATS: tuple[str, ...] = get_args(OutputsFormat)
FORMAT_LABELS = {
    "auto": "Detect from the file",
    "jsonl": "JSON Lines (id, output)",
    "langsmith": "LangSmith runs",
    "promptfoo": "promptfoo results JSON",
    "openai-batch": "OpenAI Batch output",
    "mlflow": "MLflow evaluation table",
}

OUTPUT_ALIASES = ("output", "answer", "outputs", "response", "prediction", "text", "content")
_MISSING = object()


@dataclass(frozen=True)
class FieldPaths:
    """Dotted paths the user chose; None keeps the format's own."""

    id: str | None = None
    input: str | None = None
    output: str | None = None

    @property
    def given(self) -> bool:
        return any(p is not None for p in (self.id, self.input, self.output))


def resolve(value: Any, path: str) -> Any:
    """The value at a dotted path, or _MISSING. A key that holds dots itself wins over the
    same words as nested keys; a number indexes a list."""
    if not path:
        return value
    if isinstance(value, dict):
        if path in value:
            return value[path]
        head, dot, rest = path.partition(".")
        while dot:
            if head in value:
                found = resolve(value[head], rest)
                if found is not _MISSING:
                    return found
            more, dot, rest = rest.partition(".")
            head = f"{head}.{more}"
        return _MISSING
    if isinstance(value, list):
        head, _dot, rest = path.partition(".")
        if head.isdigit() and int(head) < len(value):
            return resolve(value[int(head)], rest)
    return _MISSING


# Reading a file into records


Record = tuple[int, dict[str, Any] | ItemProblem]


def _document(text: str, file_name: str, *, strict: bool = True) -> Any:
    """The whole text as one JSON value, or _MISSING when it is not one JSON document.

    Not `strict` (detecting the format), JSON too deep or a number too long is _MISSING too:
    the JSON Lines reader then reports it on its line."""
    try:
        return parse_json(text)
    except NumberTooLongError as exc:
        if not strict:
            return _MISSING
        raise DatasetError(f"{file_label(file_name)}: {exc}.") from None
    except RecursionError:
        if not strict:
            return _MISSING
        raise DatasetError(f"{file_label(file_name)} is JSON nested too deeply to read.") from None
    except ValueError:
        return _MISSING


def _rows_of_list(values: list[Any], file_name: str, what: str) -> list[Record]:
    records: list[Record] = []
    for number, value in enumerate(values, start=1):
        if isinstance(value, dict):
            records.append((number, value))
        else:
            reason = f"is {_kind(value)}; each of {what} must be an object"
            records.append((number, ItemProblem(number, reason)))
    if not records:
        raise DatasetError(f"{file_label(file_name)} holds no results: there is nothing to import.")
    return records


def _promptfoo_rows(document: Any, file_name: str) -> list[Record] | None:
    if not isinstance(document, dict):
        return None
    results = document.get("results")
    if isinstance(results, dict) and isinstance(results.get("results"), list):
        return _rows_of_list(results["results"], file_name, "the results")
    if isinstance(results, list) and any(
        isinstance(r, dict) and ("vars" in r or "response" in r) for r in results[:50]
    ):
        return _rows_of_list(results, file_name, "the results")
    return None


def _mlflow_rows(document: Any, file_name: str) -> list[Record] | None:
    if not (isinstance(document, dict) and "columns" in document and "data" in document):
        return None
    columns, data = document["columns"], document["data"]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise DatasetError(f'{file_label(file_name)}: its "columns" must be a list of names.')
    if not isinstance(data, list):
        raise DatasetError(f'{file_label(file_name)}: its "data" must be a list of rows.')
    records: list[Record] = []
    for number, row in enumerate(data, start=1):
        if not isinstance(row, list):
            reason = f"is {_kind(row)}, not a list of {len(columns)} values"
            records.append((number, ItemProblem(number, reason)))
        elif len(row) != len(columns):
            reason = f"has {len(row)} values but the table names {len(columns)} columns"
            records.append((number, ItemProblem(number, reason)))
        else:
            records.append((number, dict(zip(columns, row, strict=True))))
    if not records:
        raise DatasetError(f"{file_label(file_name)} has columns but no rows of data.")
    return records


_SIGNATURES: tuple[tuple[str, Callable[[dict[str, Any]], bool]], ...] = (
    ("openai-batch", lambda r: "custom_id" in r and ("response" in r or "error" in r)),
    ("langsmith", lambda r: isinstance(r.get("inputs"), dict) or "reference_example_id" in r),
    ("jsonl", lambda r: ("id" in r or "item_id" in r) and ("output" in r or "error" in r)),
)


def detect_outputs_format(data: bytes, *, file_name: str = "") -> str:
    """The format an outputs file is written in, from its content. DatasetError, saying what
    was seen, when it fits none or several."""
    text = decode_text(data, file_name)
    document = _document(text, file_name, strict=False)
    if document is not _MISSING:
        if _promptfoo_rows(document, file_name) is not None:
            return "promptfoo"
        if _mlflow_rows(document, file_name) is not None:
            return "mlflow"
        if isinstance(document, list) and any(isinstance(r, dict) for r in document):
            # A row that is no object is reported by the reader, row by row.
            rows = [(n, r) for n, r in enumerate(document, start=1) if isinstance(r, dict)]
            return _vote(rows, file_name, "row")
        if not isinstance(document, dict) or len(text.strip().split("\n")) > 1:
            raise DatasetError(
                f"{file_label(file_name)} is one JSON document ({_kind(document)}) that is none "
                "of the formats read here: a promptfoo results file has results.results, an "
                'MLflow table has "columns" and "data". Choose the format.'
            )
    records = [(n, r) for n, r in json_lines(text, file_name, COLUMN_SCAN_ROWS)]
    return _vote([(n, r) for n, r in records if isinstance(r, dict)], file_name, "line")


def _vote(records: list[tuple[int, dict[str, Any]]], file_name: str, unit: str) -> str:
    seen: dict[str, list[int]] = {}
    for number, record in records:
        for name, fits in _SIGNATURES:
            if fits(record):
                seen.setdefault(name, []).append(number)
                break
    if len(seen) == 1:
        return next(iter(seen))
    if not seen and unit == "line":
        # Lines like none of the tools' are read as the app's own JSON Lines, whose reader
        # says what each line lacks.
        return "jsonl"
    if not seen:
        keys = list(dict.fromkeys(k for _n, r in records for k in r))[:10]
        raise DatasetError(
            f"{file_label(file_name)} is in no format read here (its keys are "
            f"{', '.join(map(repr, keys)) or 'none'}): LangSmith runs have inputs/outputs, "
            "OpenAI Batch output has custom_id and response, the app's JSON Lines have id and "
            "output. Choose the format and map the fields."
        )
    shown = "; ".join(
        f"{FORMAT_LABELS[name]} ({unit} {', '.join(map(str, rows[:3]))})"
        for name, rows in seen.items()
    )
    raise DatasetError(
        f"{file_label(file_name)} is ambiguous: its rows look like {shown}. Choose the format."
    )


# The formats' fields


@dataclass(frozen=True)
class _Spec:
    """Where a format keeps things: candidate paths for the id, the input (matched by text when
    no id matches) and the output, first found wins; `measures` reads latency, cost, tokens
    and error in the format's own units."""

    ids: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    measures: Callable[[dict[str, Any], list[str]], _Measures]


@dataclass(frozen=True)
class _Measures:
    latency_ms: float = 0.0
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    error: str | None = None


def _number(record: Any, path: str, what: str, reasons: list[str], scale: float = 1.0) -> float:
    """A non-negative finite number at `path` times `scale`; 0 when it is absent or null."""
    value = resolve(record, path)
    if value is _MISSING or value is None or value == "":
        return 0.0
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError
        number = float(value) * scale
    except (ValueError, OverflowError):
        reasons.append(f"{what} ({path}) is not a number ({_short(value)})")
        return 0.0
    if not math.isfinite(number) or number < 0:
        reasons.append(f"{what} ({path}) is not a finite non-negative number ({_short(value)})")
        return 0.0
    return number


def _tokens(record: Any, path: str, reasons: list[str]) -> int:
    return int(_number(record, path, "the token count", reasons))


def _langsmith_measures(record: dict[str, Any], reasons: list[str]) -> _Measures:
    latency = 0.0
    if resolve(record, "latency") not in (_MISSING, None):
        latency = _number(record, "latency", "the latency in seconds", reasons, 1000)
    elif resolve(record, "execution_time") not in (_MISSING, None):
        latency = _number(record, "execution_time", "the run time in seconds", reasons, 1000)
    else:
        latency = _elapsed_ms(record.get("start_time"), record.get("end_time"))
    error = _plain(record.get("error")) or None
    return _Measures(
        latency_ms=latency,
        cost_usd=_number(record, "total_cost", "the cost in USD", reasons),
        input_tokens=_tokens(record, "prompt_tokens", reasons),
        output_tokens=_tokens(record, "completion_tokens", reasons),
        error=error,
    )


def _elapsed_ms(start: Any, end: Any) -> float:
    if not (isinstance(start, str) and isinstance(end, str)):
        return 0.0
    try:
        began = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
        ended = datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
        seconds = (ended - began).total_seconds()
    except (ValueError, TypeError):
        return 0.0
    return max(seconds, 0.0) * 1000


def _promptfoo_measures(record: dict[str, Any], reasons: list[str]) -> _Measures:
    # `error` on the result also holds a failed assertion's reason: only a provider error
    # (response.error, or failureReason 2) means the model gave no answer.
    error = _plain(resolve(record, "response.error")) or None
    if error is None and record.get("failureReason") == 2:
        error = _plain(record.get("error")) or "error"
    cost_path = "cost" if resolve(record, "cost") not in (_MISSING, None) else "response.cost"
    return _Measures(
        latency_ms=_number(record, "latencyMs", "the latency in ms", reasons),
        cost_usd=_number(record, cost_path, "the cost in USD", reasons),
        input_tokens=_tokens(record, "response.tokenUsage.prompt", reasons),
        output_tokens=_tokens(record, "response.tokenUsage.completion", reasons),
        error=error,
    )


def _batch_measures(record: dict[str, Any], reasons: list[str]) -> _Measures:
    error: str | None = None
    failed = record.get("error")
    if failed not in (None, {}, ""):
        error = _plain(resolve(failed, "message")) or _plain(failed) or _short(failed)
    status = resolve(record, "response.status_code")
    if error is None and isinstance(status, int) and status >= 400:
        message = _plain(resolve(record, "response.body.error.message"))
        error = f"HTTP {status}" + (f": {message}" if message else "")
    usage = resolve(record, "response.body.usage")
    # Chat completions count prompt/completion tokens; the Responses API input/output tokens.
    prompt = "prompt_tokens" if resolve(usage, "prompt_tokens") is not _MISSING else "input_tokens"
    completion = (
        "completion_tokens"
        if resolve(usage, "completion_tokens") is not _MISSING
        else "output_tokens"
    )
    return _Measures(
        input_tokens=_tokens(record, f"response.body.usage.{prompt}", reasons),
        output_tokens=_tokens(record, f"response.body.usage.{completion}", reasons),
        error=error,
    )


def _mlflow_measures(record: dict[str, Any], reasons: list[str]) -> _Measures:
    return _Measures(
        latency_ms=_number(record, "latency", "the latency in seconds", reasons, 1000),
        output_tokens=_tokens(record, "token_count", reasons),
    )


def _jsonl_measures(record: dict[str, Any], reasons: list[str]) -> _Measures:
    latency = "latency_ms" if "latency_ms" in record else "latency"
    cost = "cost_usd" if "cost_usd" in record else "cost"
    return _Measures(
        latency_ms=_number(record, latency, "the latency in ms", reasons),
        cost_usd=_number(record, cost, "the cost in USD", reasons),
        error=_plain(record.get("error")) or None,
    )


_SPECS: dict[str, _Spec] = {
    "langsmith": _Spec(
        ("reference_example_id", "example_id", "reference.id"),
        ("inputs",),
        ("outputs",),
        _langsmith_measures,
    ),
    "promptfoo": _Spec(
        ("vars.id", "vars.item_id", "testCase.metadata.id", "metadata.id"),
        ("vars",),
        ("response.output",),
        _promptfoo_measures,
    ),
    "openai-batch": _Spec(
        ("custom_id",),
        (),
        (
            "response.body.choices.0.message.content",
            "response.body.choices.0.text",
            "response.body.output_text",
        ),
        _batch_measures,
    ),
    "mlflow": _Spec(
        ("id", "item_id", "uid"),
        ("inputs", *INPUT_ALIASES),
        ("outputs", "output", "prediction", "response"),
        _mlflow_measures,
    ),
    "jsonl": _Spec(("id", "item_id"), ("input",), ("output",), _jsonl_measures),
}


def _records(fmt: str, text: str, file_name: str) -> tuple[list[Record], Literal["row", "line"]]:
    """The file's records and what a record is called: a line of JSON Lines, a row of a JSON
    document's list."""
    if fmt in ("promptfoo", "mlflow") or (fmt == "langsmith" and text.lstrip().startswith("[")):
        document = _document(text, file_name)
        if document is _MISSING:
            raise DatasetError(
                f"{file_label(file_name)} is not one JSON document, as a "
                f"{FORMAT_LABELS[fmt]} file is."
            )
        reader = {"promptfoo": _promptfoo_rows, "mlflow": _mlflow_rows}.get(fmt)
        if reader is not None:
            rows = reader(document, file_name)
            if rows is None:
                raise DatasetError(
                    f"{file_label(file_name)} is not a {FORMAT_LABELS[fmt]} file: "
                    + (
                        "it has no results.results list."
                        if fmt == "promptfoo"
                        else 'it has no "columns" and "data".'
                    )
                )
            return rows, "row"
        if not isinstance(document, list):
            raise DatasetError(f"{file_label(file_name)} is not a list of LangSmith runs.")
        return _rows_of_list(document, file_name, "the runs"), "row"
    return json_lines(text, file_name), "line"


# Matching rows to items


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _pick_text(value: Any, what: str, path: str, reasons: list[str], aliases: Sequence[str]) -> Any:
    """A field's text: an object with one field (or an alias key) gives that field's value."""
    if isinstance(value, dict):
        if len(value) == 1:
            return next(iter(value.values()))
        folded = {str(k).casefold(): k for k in value}
        key = next((folded[a] for a in aliases if a in folded), None)
        if key is not None:
            return value[key]
        names = ", ".join(repr(k) for k in list(value)[:6])
        reasons.append(
            f"its {what} ({path}) has several fields ({names}); choose one with a path such as "
            f"{path}.{next(iter(value))}"
        )
        return _MISSING
    return value


def _first(record: dict[str, Any], paths: Sequence[str]) -> tuple[str, Any]:
    for path in paths:
        value = resolve(record, path)
        if value is not _MISSING:
            return path, value
    return (paths[0] if paths else ""), _MISSING


def parse_tool_outputs(
    data: bytes,
    items: Sequence[DatasetItem],
    fmt: str = "auto",
    paths: FieldPaths | None = None,
    *,
    file_name: str = "",
    select: str | None = None,
) -> ParsedOutputs:
    """Samples from another tool's logged outputs, matched to `items` by id, else by input
    text (compared ignoring case and runs of spaces).

    `fmt` is one of OUTPUTS_FORMATS ("auto" detects it). `paths` override the format's id,
    input and output fields. `select` picks one provider (label or id) of a promptfoo file
    that holds several. Row problems: no item matched, an input matching several items, two
    rows for one item, a missing output (unless the row is an error), a latency, cost or token
    count that is not a finite non-negative number, an object where text belongs. DatasetError
    for a whole file that cannot be read or whose format cannot be told.
    """
    paths = paths or FieldPaths()
    if fmt == "auto":
        fmt = detect_outputs_format(data, file_name=file_name)
    if fmt not in _SPECS:
        raise DatasetError(f"Unknown format {fmt!r}; choose one of {', '.join(OUTPUTS_FORMATS)}.")
    text = decode_text(data, file_name)
    spec = _SPECS[fmt]
    records, unit = _records(fmt, text, file_name)
    if fmt == "promptfoo":
        records = _one_provider(records, select, file_name)
    by_id = {item.id: item for item in items}
    by_input: dict[str, list[str]] = {}
    for item in items:
        by_input.setdefault(_normal(item.input), []).append(item.id)
    id_paths = (paths.id,) if paths.id else spec.ids
    input_paths = (paths.input,) if paths.input else spec.inputs
    output_paths = (paths.output,) if paths.output else spec.outputs

    samples: list[Sample] = []
    problems: list[ItemProblem] = []
    seen: dict[str, int] = {}
    for row, record in records:
        if isinstance(record, ItemProblem):
            problems.append(ItemProblem(record.row, record.message, unit=unit))
            continue
        reasons: list[str] = []
        item_id = _match(record, id_paths, input_paths, by_id, by_input, reasons)
        if item_id and item_id in seen:
            reasons.append(f"answers the item {item_id!r} again ({unit} {seen[item_id]})")
        elif item_id:
            seen[item_id] = row
        measures = spec.measures(record, reasons)
        output_path, raw_output = _first(record, output_paths)
        output = _output_text(raw_output, output_path, measures.error, reasons)
        broken = _broken(output, measures.error or "")
        if broken:
            reasons.append(broken)
        elif len(output) * 4 > MAX_ROW_BYTES and len(output.encode("utf-8")) > MAX_ROW_BYTES:
            size = len(output.encode("utf-8")) / 1e6
            reasons.append(
                f"its output is {size:.1f} MB of text; an output may hold at most "
                f"{MAX_ROW_BYTES / 1e6:.0f} MB"
            )
        problems += [ItemProblem(row, r, item_id or "", unit) for r in reasons]
        if reasons or not item_id:
            continue
        samples.append(
            Sample(
                item_id=item_id,
                output=output,
                error=measures.error,
                latency_ms=measures.latency_ms,
                cost_usd=measures.cost_usd,
                input_tokens=measures.input_tokens,
                output_tokens=measures.output_tokens,
            )
        )
    missing = [item.id for item in items if item.id not in seen]
    return ParsedOutputs(samples=samples, problems=problems, missing_ids=missing)


def _match(
    record: dict[str, Any],
    id_paths: Sequence[str],
    input_paths: Sequence[str],
    by_id: dict[str, DatasetItem],
    by_input: dict[str, list[str]],
    reasons: list[str],
) -> str | None:
    id_path, raw_id = _first(record, id_paths)
    item_id = _plain(raw_id) if raw_id is not _MISSING else ""
    if item_id in by_id:
        return item_id
    text: Any = _MISSING
    input_path = ""
    if input_paths:
        input_path, raw_input = _first(record, input_paths)
        text = _pick_text(raw_input, "input", input_path, reasons, INPUT_ALIASES)
    if isinstance(text, str) and text.strip():
        ids = by_input.get(_normal(text), [])
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            shown = ", ".join(repr(i) for i in ids[:5])
            reasons.append(
                f"its input matches {len(ids)} items ({shown}); map an id field to tell them apart"
            )
            return None
    said = []
    if item_id:
        said.append(f"id {item_id!r} ({id_path})")
    if isinstance(text, str) and text.strip():
        said.append(f"input {_short(text)}")
    if not said:
        looked = ", ".join([*id_paths, *input_paths])
        reasons.append(f"has no id or input to match an item by (looked at {looked})")
    else:
        reasons.append(f"matches no item of the dataset ({'; '.join(said)})")
    return None


def _output_text(value: Any, path: str, error: str | None, reasons: list[str]) -> str:
    if value is _MISSING or value is None or value == "":
        if error is None:
            reasons.append(f"missing output ({path})")
        return ""
    value = _pick_text(value, "output", path, reasons, OUTPUT_ALIASES)
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _one_provider(records: list[Record], select: str | None, file_name: str) -> list[Record]:
    """promptfoo runs every prompt on every provider: one run is one prompt and provider."""

    def key(record: dict[str, Any]) -> str:
        provider = record.get("provider")
        name = _plain(resolve(provider, "label")) or _plain(resolve(provider, "id"))
        if not name and isinstance(provider, str):
            name = provider
        prompt = _plain(resolve(record, "prompt.label")) or _plain(record.get("promptIdx"))
        return f"{name or 'provider'} | {prompt or 'prompt'}"

    groups: dict[str, int] = {}
    for _row, record in records:
        if isinstance(record, dict):
            groups[key(record)] = groups.get(key(record), 0) + 1
    if len(groups) <= 1 and select is None:
        return records
    chosen = [
        g for g in groups if select is not None and (g == select or g.startswith(select + " |"))
    ]
    if len(chosen) == 1:
        return [(n, r) for n, r in records if isinstance(r, dict) and key(r) == chosen[0]]
    listed = "; ".join(f"{name!r} ({count} results)" for name, count in groups.items())
    said = f"No provider is named {select!r}. " if select is not None and not chosen else ""
    raise DatasetError(
        f"{said}{file_label(file_name)} holds the outputs of {len(groups)} prompt and provider "
        f"pairs: {listed}. A run is one of them; choose it (--select 'PROVIDER | PROMPT', or "
        "the provider alone when it ran one prompt)."
    )


# Small helpers


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return ""


def _short(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: text in quotes and cut to `limit`, other JSON as JSON."""
    if not isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    text = " ".join(value.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a boolean" if isinstance(value, bool) else "a number"


def _broken(*texts: str) -> str:
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return (
                f"has a broken character: \\u{ord(text[exc.start]):04x} is half of a surrogate pair"
            )
    return ""
