"""Reading evaluation datasets and logged model outputs from JSONL/CSV files, row by row.

Whole-file faults (empty, binary, not UTF-8, no header, too big) raise DatasetError; a bad row
becomes an ItemProblem and every row is still checked, so the user sees all the faults at once.
A file with any problem is not importable (`ok` is False): nothing is ever half-imported.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from core.evaluation import DatasetItem, Sample, content_hash
from core.files import (
    FileTooLargeError,
    NotRegularFileError,
    NumberTooLongError,
    csv_delimiter,
    parse_json,
    read_bytes,
)
from core.tool_formats import flatten_example, langsmith_guess, promptfoo_expected

#: "langsmith": LangSmith examples (JSONL with inputs/outputs objects); "promptfoo": a promptfoo
#: test CSV (one column per var, `__expected` assertions). See core.tool_formats.
DatasetFormat = Literal["jsonl", "csv", "langsmith", "promptfoo"]

MAX_FILE_BYTES = 200_000_000
MAX_ROW_BYTES = 1_000_000
# Enough rows to meet every key of a regular file without reading a huge one to fill a dialog.
COLUMN_SCAN_ROWS = 500

INPUT_ALIASES = ("input", "question", "prompt", "query")
EXPECTED_ALIASES = ("expected", "answer", "output", "target", "reference", "label")
ID_ALIASES = ("id", "item_id", "uid")
LATENCY_KEYS = ("latency_ms", "latency")
COST_KEYS = ("cost_usd", "cost")
#: The optional context column (retrieved passages) that DeepEval's faithfulness and
#: hallucination read; it is kept as an ordinary named field.
CONTEXT_ALIASES = ("context", "contexts", "retrieval_context", "passages")

_JSONL_EXTENSIONS = (".jsonl", ".ndjson", ".json-lines")
_CSV_EXTENSIONS = (".csv", ".tsv")
_BOM = b"\xef\xbb\xbf"


class DatasetError(ValueError):
    """A whole file that cannot be read as a dataset; str() is a message for the user."""


@dataclass(frozen=True)
class ItemProblem:
    """One bad row: its number (`unit` "line" in JSONL; "row" in CSV, where the header is row
    1, as a spreadsheet shows it), the item id when it is known, and what is wrong."""

    row: int
    message: str
    item_id: str = ""
    unit: Literal["row", "line"] = "row"

    def __str__(self) -> str:
        where = f"{self.unit} {self.row}" + (f" (id {self.item_id!r})" if self.item_id else "")
        return f"{where}: {self.message}"


class ColumnMapping(BaseModel):
    """Which column holds what.

    `expected` None: the dataset has no reference answers. `id`: when the file has no such
    column the items are numbered "1", "2", ... in file order. `metadata` None: every other
    column becomes a named field (usable in a prompt template as ``{name}``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: str = "input"
    expected: str | None = "expected"
    id: str | None = "id"
    metadata: tuple[str, ...] | None = None

    def metadata_columns(self, columns: Sequence[str]) -> list[str]:
        if self.metadata is not None:
            return list(self.metadata)
        taken = {self.input, self.expected, self.id}
        return [name for name in columns if name not in taken]


@dataclass(frozen=True)
class ParsedDataset:
    """The items read from a file, every row problem, and the mapping that was used."""

    items: list[DatasetItem]
    problems: list[ItemProblem]
    columns: list[str]
    mapping: ColumnMapping
    content_hash: str

    @property
    def ok(self) -> bool:
        """Importable: at least one item and not a single problem."""
        return bool(self.items) and not self.problems


@dataclass(frozen=True)
class ParsedOutputs:
    """Logged outputs read for a dataset: the samples, every row problem, and the dataset's
    items that have no output (the run is partial; that is not a problem)."""

    samples: list[Sample]
    problems: list[ItemProblem]
    missing_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.samples) and not self.problems


def item_context(item: DatasetItem) -> list[str]:
    """The item's retrieved passages from its context field (the first of CONTEXT_ALIASES,
    ignoring case and a LangSmith "inputs." or "metadata." prefix): a JSON list of texts (a
    JSONL list arrives as its JSON text) is one passage per entry, any other text one
    passage; [] without a context."""
    by_name = {
        name.strip().casefold().removeprefix("inputs.").removeprefix("metadata."): value
        for name, value in reversed(item.fields.items())
    }
    raw = next((by_name[a] for a in CONTEXT_ALIASES if a in by_name), "").strip()
    if not raw:
        return []
    if raw.startswith("["):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return [raw]
        if isinstance(parsed, list):
            return [str(p) for p in parsed if str(p).strip()]
    return [raw]


def guess_mapping(columns: Sequence[str]) -> ColumnMapping:
    """The usual names for input, expected and id, matched ignoring case.

    An input column that none of the aliases matches is left as "input", which
    `parse_dataset` then reports as missing.
    """
    by_name = {name.strip().casefold(): name for name in reversed(columns)}

    def first(aliases: tuple[str, ...]) -> str | None:
        return next((by_name[a] for a in aliases if a in by_name), None)

    return ColumnMapping(
        input=first(INPUT_ALIASES) or "input",
        expected=first(EXPECTED_ALIASES),
        id=first(ID_ALIASES),
    )


def format_of(file_name: str) -> DatasetFormat:
    """The format a file name's extension promises; DatasetError when it promises neither."""
    suffix = PurePath(file_name).suffix.casefold()
    if suffix in _JSONL_EXTENSIONS:
        return "jsonl"
    if suffix in _CSV_EXTENSIONS:
        return "csv"
    shown = f"{file_name!r}" if file_name else "The file"
    raise DatasetError(
        f"{shown} is neither JSON Lines nor CSV by its name. Use a .jsonl (one JSON object "
        "per line) or .csv/.tsv file, or choose the format."
    )


def detect_format(data: bytes, file_name: str = "") -> DatasetFormat:
    """The format by the file name's extension, refined by its content: a CSV whose header
    has an `__expected` column is a promptfoo test file, JSON Lines whose first object holds
    an `inputs` object are LangSmith examples."""
    fmt = format_of(file_name)
    text = _decode(data, file_name)
    if fmt == "csv":
        header = _csv_header(_csv_reader(text, file_name), file_name)[1]
        return "promptfoo" if any(c.startswith("__expected") for c in header) else "csv"
    for _row, line in _lines(text, 1):
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            break
        if isinstance(value, dict) and isinstance(value.get("inputs"), dict):
            return "langsmith"
    return fmt


def columns_of(data: bytes, fmt: DatasetFormat | None, *, file_name: str = "") -> list[str]:
    """The column names a mapping dialog offers: the CSV header, or the JSONL keys in
    first-seen order over the first few hundred rows (lines that fail to parse are skipped;
    LangSmith examples' inputs/outputs are spread into dotted keys such as inputs.question)."""
    fmt = fmt or detect_format(data, file_name)
    text = _decode(data, file_name)
    if fmt in ("csv", "promptfoo"):
        return _csv_header(_csv_reader(text, file_name), file_name)[1]
    keys: dict[str, None] = {}
    for _row, line in _lines(text, COLUMN_SCAN_ROWS):
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            keys.update(dict.fromkeys(flatten_example(value) if fmt == "langsmith" else value))
    return list(keys)


def guess_format_mapping(columns: Sequence[str], fmt: DatasetFormat) -> ColumnMapping:
    """guess_mapping, knowing the tool that wrote the file: a LangSmith example's only input
    and output (or the ones an alias names), a promptfoo test's only var and `__expected`
    (its other vars become fields, its `__` columns are left out)."""
    if fmt == "langsmith":
        text, expected = langsmith_guess(columns, INPUT_ALIASES, EXPECTED_ALIASES)
        # Its inputs.* and metadata.* are the example's; created_at, dataset_id and the like
        # are LangSmith's bookkeeping.
        fields = tuple(c for c in columns if c.startswith(("inputs.", "metadata.")) and c != text)
        return ColumnMapping(
            input=text or "input",
            expected=expected,
            id="id" if "id" in columns else None,
            metadata=fields,
        )
    if fmt == "promptfoo":
        variables = [c for c in columns if not c.startswith("_")]
        guessed = guess_mapping(variables)
        text = guessed.input if guessed.input in variables else None
        if text is None and len(variables) == 1:
            text = variables[0]
        text = text or "input"
        return ColumnMapping(
            input=text,
            expected="__expected" if "__expected" in columns else None,
            id=guessed.id,
            metadata=tuple(c for c in variables if c not in (text, guessed.id)),
        )
    return guess_mapping(columns)


def read_file(path: Path | str) -> bytes:
    """A dataset or outputs file's bytes. DatasetError when it is over MAX_FILE_BYTES, found
    from its size or while reading (never more than the limit is read), or is not a regular
    file (a device such as /dev/zero, a pipe, a folder); OSError when it cannot be read."""
    try:
        return read_bytes(path, MAX_FILE_BYTES)
    except FileTooLargeError as exc:
        raise _too_big(exc.size, PurePath(path).name) from None
    except NotRegularFileError as exc:
        raise DatasetError(
            f"{_label(PurePath(path).name)} is {exc.kind}, not a regular file."
        ) from None


def check_size(n_bytes: int, file_name: str = "") -> None:
    """Refuse a file over the 200 MB limit (call it before reading a file into memory)."""
    if n_bytes > MAX_FILE_BYTES:
        raise _too_big(n_bytes, file_name)


def _too_big(n_bytes: int, file_name: str) -> DatasetError:
    return DatasetError(
        f"{_label(file_name)} is {n_bytes / 1e6:,.1f} MB; the limit is "
        f"{MAX_FILE_BYTES / 1e6:,.0f} MB. Split it into smaller files."
    )


def parse_dataset(
    data: bytes,
    fmt: DatasetFormat | None,
    mapping: ColumnMapping | None = None,
    *,
    file_name: str = "",
) -> ParsedDataset:
    """Dataset items from JSONL or CSV bytes, with a problem for every bad row.

    `fmt` None: taken from the file name (.jsonl/.ndjson/.json-lines, .csv; .tsv is tab
    separated). `mapping` None: guessed from the column names (see guess_mapping). Row
    problems: missing input, missing expected (when mapped), a repeated id, a row over 1 MB,
    an object or list as input, expected or id, half a surrogate pair, a line that is not
    JSON. JSON numbers and booleans become their JSON text ("3", "true"), as do objects and
    lists in metadata columns; null counts as missing. Blank lines are skipped.
    """
    fmt = fmt or detect_format(data, file_name)
    text = _decode(data, file_name)
    columns, records = (
        _csv_records(text, file_name)
        if fmt in ("csv", "promptfoo")
        else _jsonl_records(text, file_name)
    )
    if fmt == "langsmith":
        records = [(n, r if isinstance(r, ItemProblem) else flatten_example(r)) for n, r in records]
        columns = list(
            dict.fromkeys(k for _n, r in records if not isinstance(r, ItemProblem) for k in r)
        )
    guessed = mapping is None
    mapping = guess_format_mapping(columns, fmt) if mapping is None else mapping
    if fmt == "promptfoo" and mapping.expected is not None:
        records = [_promptfoo_record(n, r, mapping.expected) for n, r in records]
    if not columns and records and all(isinstance(r, ItemProblem) for _, r in records):
        # No row could be read (all too big, or not JSON): those rows are the news, not
        # a column the unreadable rows may well have had.
        unreadable = [r for _, r in records if isinstance(r, ItemProblem)]
        return ParsedDataset([], unreadable, columns, mapping, content_hash([]))
    _check_mapping(mapping, columns, guessed, fmt, file_name)
    if not records:
        raise DatasetError(f"{_label(file_name)} has column names but no rows of data.")

    builder = _ItemBuilder(mapping, columns)
    unit: Literal["row", "line"] = "row" if fmt in ("csv", "promptfoo") else "line"
    items: list[DatasetItem] = []
    problems: list[ItemProblem] = []
    seen: dict[str, int] = {}
    for ordinal, (row, record) in enumerate(records, start=1):
        if isinstance(record, ItemProblem):
            problems.append(record)
            continue
        item, reasons = builder.build(record, ordinal)
        item_id = item.id if item is not None else builder.raw_id(record, ordinal)
        if item_id and item_id in seen:
            reasons.append(f"repeats the id {item_id!r} of {unit} {seen[item_id]}")
        elif item_id:
            seen[item_id] = row
        problems += [ItemProblem(row, reason, item_id, unit) for reason in reasons]
        if item is not None and not reasons:
            items.append(item)
    return ParsedDataset(
        items=items,
        problems=problems,
        columns=columns,
        mapping=mapping,
        content_hash=content_hash(items),
    )


def parse_logged_outputs(
    data: bytes, known_ids: Collection[str], *, file_name: str = ""
) -> ParsedOutputs:
    """Samples from JSONL of ``{"id", "output", "latency_ms"?, "cost_usd"?, "error"?}``.

    `latency` and `cost` are accepted for `latency_ms` and `cost_usd` (ms and USD). Row
    problems: a missing or unknown id, a repeated id, a missing output (unless the row has an
    error), a latency or cost that is negative or not a finite number. Known ids without an
    output are listed in `missing_ids`, in `known_ids` order.
    """
    text = _decode(data, file_name)
    _columns, records = _jsonl_records(text, file_name)
    known = set(known_ids)
    samples: list[Sample] = []
    problems: list[ItemProblem] = []
    seen: dict[str, int] = {}
    for row, record in records:
        if isinstance(record, ItemProblem):
            problems.append(record)
            continue
        sample, reasons = _sample(record)
        item_id = sample.item_id if sample is not None else _plain(record.get("id"))
        if item_id and item_id not in known:
            reasons.append(f"the id {item_id!r} is not in the dataset")
        elif item_id and item_id in seen:
            reasons.append(f"repeats the id {item_id!r} of line {seen[item_id]}")
        elif item_id:
            seen[item_id] = row
        problems += [ItemProblem(row, reason, item_id, "line") for reason in reasons]
        if sample is not None and not reasons:
            samples.append(sample)
    missing = [item_id for item_id in known_ids if item_id not in seen]
    return ParsedOutputs(samples=samples, problems=problems, missing_ids=missing)


def _promptfoo_record(row: int, record: dict[str, Any] | ItemProblem, column: str) -> Record:
    """A promptfoo test row with its `__expected` cells made into one expected answer; a row
    whose assertions are not equality is a problem (an expected answer cannot stand for them)."""
    if isinstance(record, ItemProblem):
        return row, record
    cells = [
        (name, value.strip())
        for name, value in record.items()
        if name.startswith("__expected") and isinstance(value, str) and value.strip()
    ]
    if not cells:
        return row, record
    equal: list[str] = []
    others: list[str] = []
    for name, value in cells:
        expected, kind = promptfoo_expected(value)
        if expected is None:
            others.append(f"{name} is an assertion of type {kind!r}")
        else:
            equal.append(expected)
    if others or len(set(equal)) > 1:
        why = "; ".join(others) or f"{len(set(equal))} different equality assertions"
        return row, ItemProblem(
            row,
            f"{why}, which is not imported: only equality (a plain value or equals:...) becomes "
            "the expected answer. Import without expected answers to keep these rows.",
        )
    return row, {**record, column: equal[0]}


# Whole-file checks


def file_label(file_name: str) -> str:
    """The file as messages name it: its quoted name, or "The file"."""
    return _label(file_name)


def decode_text(data: bytes, file_name: str = "") -> str:
    """The file's text: UTF-8 (a byte-order mark dropped); DatasetError for an empty, binary,
    UTF-16 or too-big file or one that is not UTF-8."""
    return _decode(data, file_name)


def json_lines(text: str, file_name: str = "", limit: int | None = None) -> list[Record]:
    """JSON Lines as (line number, object or the line's problem); DatasetError for a line that
    is not an object or for one JSON document spread over several lines."""
    records = _jsonl_records(text, file_name)[1]
    return records if limit is None else records[:limit]


def _label(file_name: str) -> str:
    return repr(PurePath(file_name).name) if file_name else "The file"


def _decode(data: bytes, file_name: str) -> str:
    label = _label(file_name)
    check_size(len(data), file_name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DatasetError(f"{label} is UTF-16 text. Save it as UTF-8 and import it again.")
    offset = len(_BOM) if data.startswith(_BOM) else 0
    body = data[offset:]
    if not body.strip():
        raise DatasetError(f"{label} is empty: there is nothing to import.")
    if b"\x00" in body:
        raise DatasetError(
            f"{label} is a binary file, not text (it contains NUL bytes). "
            "Choose a .jsonl or .csv text file."
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = offset + exc.start
        raise DatasetError(
            f"{label} is not UTF-8 text: the byte 0x{data[at]:02x} at offset {at:,} cannot be "
            "read. Save the file as UTF-8 and import it again."
        ) from None


def _check_mapping(
    mapping: ColumnMapping,
    columns: list[str],
    guessed: bool,
    fmt: DatasetFormat,
    file_name: str,
) -> None:
    label = _label(file_name)
    if guessed and mapping.input not in columns:
        if fmt == "csv":
            raise DatasetError(
                f"{label} has no input column: its first row is {_names(columns)} and none of "
                f"it is named {_aliases(INPUT_ALIASES)}. If that row is data, add a header row "
                "such as input,expected; otherwise choose which column holds the input."
            )
        raise DatasetError(
            f"{label} has no input field: no row has a key named {_aliases(INPUT_ALIASES)} "
            f"(its keys are {_names(columns)}). Choose which key holds the input."
        )
    wanted = [(mapping.input, "the input"), (mapping.expected, "the expected answer")]
    wanted += [(name, "a metadata field") for name in mapping.metadata or ()]
    for name, role in wanted:
        if name is not None and name not in columns:
            raise DatasetError(
                f"{label} has no column {name!r} for {role}; its columns are {_names(columns)}."
            )


def _names(columns: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(name) for name in columns[:limit])
    more = f" and {len(columns) - limit} more" if len(columns) > limit else ""
    return (shown + more) or "none"


def _aliases(aliases: tuple[str, ...]) -> str:
    return ", ".join(aliases[:-1]) + f" or {aliases[-1]}"


# Records: (row number, {column: value}) or the row's problem

Record = tuple[int, dict[str, Any] | ItemProblem]


def _lines(text: str, limit: int | None = None) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers. Only newline ends a line: JSON text may
    hold U+2028 and other characters str.splitlines would break on."""
    count = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line.removesuffix("\r")
            count += 1
            if limit is not None and count >= limit:
                return


def _jsonl_records(text: str, file_name: str) -> tuple[list[str], list[Record]]:
    keys: dict[str, None] = {}
    records: list[Record] = []
    not_objects: list[tuple[int, str]] = []
    for number, line in _lines(text):
        size = _oversize(line)
        if size:
            records.append((number, ItemProblem(number, size, unit="line")))
            continue
        try:
            value = parse_json(line)
        except NumberTooLongError as exc:
            # Refused whole, like a binary file: no dataset needs such a number, and the
            # reason reads the same on every line that has one.
            raise DatasetError(f"{_label(file_name)}: {exc} (line {number}).") from None
        except json.JSONDecodeError as exc:
            if not records:
                _refuse_single_document(text, file_name)
            # Some messages end in "at" already ("Unterminated string starting at").
            reason = f"is not valid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"
            records.append((number, ItemProblem(number, reason, unit="line")))
            continue
        except RecursionError:
            reason = "is JSON nested too deeply to read"
            records.append((number, ItemProblem(number, reason, unit="line")))
            continue
        if not isinstance(value, dict):
            not_objects.append((number, _kind(value)))
            continue
        keys.update(dict.fromkeys(value))
        records.append((number, value))
    if not_objects:
        number, kind = not_objects[0]
        others = len(not_objects) - 1
        more = f" (and so {'are' if others != 1 else 'is'} {others} more)" if others else ""
        raise DatasetError(
            f"{_label(file_name)}: line {number} is {kind}, not a JSON object{more}. Each line "
            'of a JSON Lines file must be one object, such as {"input": "2 + 2?", '
            '"expected": "4"}.'
        )
    return list(keys), records


def _refuse_single_document(text: str, file_name: str) -> None:
    """A pretty-printed JSON array or object fails on its first line; say what it is instead
    of reporting every line as bad JSON."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return
    raise DatasetError(
        f"{_label(file_name)} is one JSON document ({_kind(value)}) spread over several lines, "
        "not JSON Lines. Write one object per line."
    )


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


def _oversize(*texts: str) -> str:
    """The problem with a row over MAX_ROW_BYTES of UTF-8, or ""."""
    # A character is at most 4 bytes: short rows need no encoding to be cleared.
    if sum(len(text) for text in texts) * 4 <= MAX_ROW_BYTES:
        return ""
    size = sum(len(text.encode("utf-8", "surrogatepass")) for text in texts)
    if size <= MAX_ROW_BYTES:
        return ""
    return f"is {size / 1e6:.1f} MB of text; a row may hold at most {MAX_ROW_BYTES / 1e6:.0f} MB"


def _csv_reader(text: str, file_name: str) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it, cells) for every record, blank ones included."""
    # The default field limit (128 KiB) would refuse long documents the 1 MB row limit allows;
    # the limit is process-wide, so it is only ever raised.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    first = next((line for _n, line in _lines(text, 1)), "")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=csv_delimiter(first, file_name), strict=True
    )
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise DatasetError(
            f"{_label(file_name)} is not valid CSV (line {reader.line_num}: {exc})."
        ) from None


def _csv_header(reader: Iterator[tuple[int, list[str]]], file_name: str) -> tuple[int, list[str]]:
    for row, cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        names = [cell.strip() or f"column_{i}" for i, cell in enumerate(cells, start=1)]
        first: dict[str, int] = {}
        for i, name in enumerate(names, start=1):
            if name in first:
                raise DatasetError(
                    f"{_label(file_name)} names the column {name!r} twice in its header "
                    f"(columns {first[name]} and {i}). Rename one of them."
                )
            first[name] = i
        return row, names
    raise DatasetError(f"{_label(file_name)} is empty: there is nothing to import.")


def _csv_records(text: str, file_name: str) -> tuple[list[str], list[Record]]:
    reader = _csv_reader(text, file_name)
    _header_row, columns = _csv_header(reader, file_name)
    records: list[Record] = []
    for row, cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        extra = cells[len(columns) :]
        if any(cell.strip() for cell in extra):
            reason = f"has {len(cells)} values but the header names {len(columns)} columns"
            records.append((row, ItemProblem(row, reason)))
            continue
        size = _oversize(*cells)
        if size:
            records.append((row, ItemProblem(row, size)))
            continue
        records.append((row, dict(zip(columns, cells, strict=False))))
    return columns, records


# Rows to items and samples


def _plain(value: Any) -> str:
    """Text of a scalar JSON value (numbers and booleans as JSON writes them), "" otherwise."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return ""


def _text(value: Any, what: str, reasons: list[str]) -> str | None:
    """The value as text, or None (with the reason appended) when it is missing or not text."""
    if isinstance(value, dict | list):
        reasons.append(f"{what} is {_kind(value)}; it must be text")
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        reasons.append(f"missing {what}")
        return None
    return value if isinstance(value, str) else json.dumps(value)


class _ItemBuilder:
    def __init__(self, mapping: ColumnMapping, columns: list[str]) -> None:
        self._mapping = mapping
        self._metadata = mapping.metadata_columns(columns)
        self._id_column = mapping.id if mapping.id in columns else None

    def raw_id(self, record: dict[str, Any], ordinal: int) -> str:
        if self._id_column is None:
            return str(ordinal)
        return _plain(record.get(self._id_column))

    def build(self, record: dict[str, Any], ordinal: int) -> tuple[DatasetItem | None, list[str]]:
        mapping = self._mapping
        reasons: list[str] = []
        if self._id_column is None:
            item_id: str | None = str(ordinal)
        else:
            item_id = _text(record.get(self._id_column), f"id ({self._id_column!r})", reasons)
        text = _text(record.get(mapping.input), f"input ({mapping.input!r})", reasons)
        expected: str | None = ""
        if mapping.expected is not None:
            what = f"expected answer ({mapping.expected!r})"
            expected = _text(record.get(mapping.expected), what, reasons)
        if item_id is None or text is None or expected is None:
            return None, reasons
        fields = {name: _field_text(record[name]) for name in self._metadata if name in record}
        broken = _broken_character(item_id, text, expected, *fields, *fields.values())
        if broken:
            return None, [*reasons, broken]
        item = DatasetItem(id=item_id.strip(), input=text, expected=expected, fields=fields)
        return item, reasons


def _broken_character(*texts: str) -> str:
    """The problem with text holding half a surrogate pair (a JSON escape such as \\ud800
    alone), which no file or database can store as UTF-8; "" when all is well."""
    for text in texts:
        if text.isascii():
            continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return (
                f"has a broken character: \\u{ord(text[exc.start]):04x} is half of a surrogate pair"
            )
    return ""


def _field_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _sample(record: dict[str, Any]) -> tuple[Sample | None, list[str]]:
    reasons: list[str] = []
    raw_id = record.get("id", record.get("item_id"))
    item_id = _text(raw_id, "id", reasons)
    error = _plain(record.get("error")) or None
    output: str | None = ""
    if error is None or record.get("output") is not None:
        output = _text(record.get("output"), "output", reasons)
    latency = _amount(record, LATENCY_KEYS, reasons)
    cost = _amount(record, COST_KEYS, reasons)
    if item_id is None or output is None or latency is None or cost is None:
        return None, reasons
    broken = _broken_character(item_id, output, error or "")
    if broken:
        return None, [*reasons, broken]
    sample = Sample(
        item_id=item_id.strip(), output=output, error=error, latency_ms=latency, cost_usd=cost
    )
    return sample, reasons


def _amount(record: dict[str, Any], keys: tuple[str, ...], reasons: list[str]) -> float | None:
    """A non-negative finite number from the first of `keys` present (0 when none is)."""
    key = next((k for k in keys if record.get(k) is not None), None)
    if key is None:
        return 0.0
    value = record[key]
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError
        number = float(value)
    except ValueError:
        reasons.append(f"{key} is not a number ({json.dumps(value, ensure_ascii=False)})")
        return None
    except OverflowError:  # an integer beyond the largest float, about 1.8e308
        reasons.append(f"{key} is not a finite number (an integer of {len(str(value)):,} digits)")
        return None
    if not math.isfinite(number):
        reasons.append(f"{key} is not a finite number ({value})")
        return None
    if number < 0:
        reasons.append(f"{key} is negative ({value})")
        return None
    return number
