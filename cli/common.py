"""What every command group shares: the exit codes, bad input as CliError, the database and
catalog the options name, reading input files, and printing outside text safely."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from core.evaluation import RunSettings
    from core.frameworks import Framework

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
# sysexits.h's EX_SOFTWARE: a bug, told apart from 1, which says the work itself failed (a run
# with no answer, an import declined) and is worth retrying or reading the output of.
EXIT_INTERNAL_ERROR = 70
EXIT_INTERRUPTED = 130

DB_HELP = "the database file (default: $AIDF_DB, else the file in your data folder)"


class CliError(Exception):
    """Bad input of any kind: each line is printed as "error: <line>" and the exit code is 2."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def bad_input_lines(exc: BaseException) -> list[str] | None:
    """What to tell the user when `exc` is bad input that a handler let through (an invalid
    value, a damaged database, an unreadable file...), one line each; None for anything else,
    which is a bug."""
    from pydantic import ValidationError

    from core.catalog import CatalogError, QualityCsvError
    from core.datasets import DatasetError
    from core.evaluation import PromptError
    from core.files import NumberTooLongError
    from core.scenario import ScenarioFileError
    from core.validation import error_lines
    from operations.scenarios import ScenarioError
    from storage import StorageError

    if isinstance(exc, ValidationError):
        return list(error_lines(exc))
    if isinstance(exc, ScenarioError):
        return list(exc.lines)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return [f"{where}{exc.strerror or exc}"]
    known = (
        CatalogError,
        QualityCsvError,
        DatasetError,
        PromptError,
        NumberTooLongError,
        ScenarioFileError,
        StorageError,
    )
    return [str(exc)] if isinstance(exc, known) else None


def get_framework(framework_id: str) -> Framework:
    """The framework with that id, as operations.scenarios finds it; bad input when unknown."""
    from operations.scenarios import ScenarioError, framework

    try:
        return framework(framework_id)
    except ScenarioError as exc:
        raise CliError(*exc.lines) from None


def validate_inputs(framework: Framework, raw: dict[str, Any], where: str = "") -> BaseModel:
    """The framework's Inputs from plain data, checked as operations.scenarios checks them;
    every bad field becomes one error line."""
    from operations.scenarios import ScenarioError, valid_inputs

    try:
        return valid_inputs(framework, raw, where)
    except ScenarioError as exc:
        raise CliError(*exc.lines) from None


def read_text(name: str, limit: int, too_large: Callable[[int], Exception] | None = None) -> str:
    """A UTF-8 text file's contents ('-' is standard input), or a CliError saying why not.

    A device, pipe or folder is refused before it is read, and never more than `limit` bytes
    are read; `too_large` gives the reason for a file over it, from its size in bytes."""
    from core.files import FileTooLargeError, NotRegularFileError, read_bytes, read_stream

    try:
        stdin = getattr(sys.stdin, "buffer", sys.stdin)  # a StringIO has no byte buffer
        data = read_stream(stdin, limit) if name == "-" else read_bytes(name, limit)
        # utf-8-sig: tolerate the byte-order mark some Windows editors write.
        return data.decode("utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{name}: no such file") from None
    except NotRegularFileError as exc:
        # A named pipe may never be written to and is not read; a pipe's data can come in as -.
        hint = "; pipe the data in and name the file -" if exc.kind == "a pipe" else ""
        raise CliError(f"{name}: {exc}{hint}") from None
    except FileTooLargeError as exc:
        raise CliError(f"{name}: {too_large(exc.size) if too_large else exc}") from None
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{name}: not UTF-8 text (unreadable byte at position {exc.start})"
        ) from None
    except OSError as exc:
        raise CliError(f"{name}: cannot read it ({exc.strerror or exc})") from None


def json_object(text: str, name: str) -> dict[str, Any]:
    """Parse a JSON object. NaN and Infinity literals parse here (Python's json allows them)
    and are refused by the Inputs model, which names the field."""
    from core.files import NumberTooLongError, parse_json

    try:
        data = parse_json(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{name}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except NumberTooLongError as exc:
        raise CliError(f"{name}: {exc}") from None
    except RecursionError:
        raise CliError(f"{name}: invalid inputs: the JSON is nested too deeply") from None
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
            type(data), "a number"
        )
        raise CliError(
            f"{name}: the inputs must be a JSON object of field names and values, not {kind}"
        )
    return data


@contextlib.contextmanager
def open_store(args: argparse.Namespace, kind: type[Any] | None = None) -> Iterator[Any]:
    """The store of --db / $AIDF_DB (a ScenarioStore unless `kind` says otherwise); any
    StorageError becomes a CliError."""
    from storage import ScenarioStore, StorageError, resolve_db_path

    try:
        store = (kind or ScenarioStore)(resolve_db_path(args.db))
        try:
            yield store
        finally:
            store.close()
    except StorageError as exc:
        raise CliError(str(exc)) from None


def user_catalog(args: argparse.Namespace) -> Any:
    """The public price map with the user's scores, overrides and custom models on top.

    A database that does not exist yet is not created just to read it: the public map alone.
    """
    from core.catalog import CatalogError
    from operations.catalog import user_catalog as merged
    from storage import StorageError, resolve_db_path

    try:
        return merged(resolve_db_path(args.db))
    except (CatalogError, StorageError) as exc:
        raise CliError(str(exc)) from None


def one_line(text: str) -> str:
    """Outside text (a name, a reason) on one line, as the terminal should show it."""
    return shown(" ".join(text.split()))


def shown(text: str) -> str:
    """Text from a file, a model or a server as printed by every command: each control or
    format character (ESC, BEL, NUL, bidirectional overrides...) appears as its escape, e.g.
    \\x1b, so no name can recolour the terminal, retitle its window or reorder a line."""
    if text.isprintable():
        return text
    return "".join(c if _harmless(c) else _escape(c) for c in text)


def shown_json(text: str) -> str:
    """JSON as `shown` would print it, still valid JSON: such characters can only be inside
    its strings (a line break between values is layout and stays), so \\uXXXX escapes do."""
    return "".join(c if _harmless(c) or c == "\n" else _json_escape(c) for c in text)


def _harmless(c: str) -> bool:
    """Printable, a space (no-break, thin...), or a zero-width (non-)joiner, which shapes
    Persian and Indic scripts and emoji sequences and hides nothing (as core.text has it)."""
    return c.isprintable() or c in "\u200c\u200d" or unicodedata.category(c) == "Zs"


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def _json_escape(c: str) -> str:
    units = c.encode("utf-16-be")  # above U+FFFF: a surrogate pair, as JSON writes it
    return "".join(f"\\u{int.from_bytes(units[k : k + 2]):04x}" for k in range(0, len(units), 2))


def print_table(table: Sequence[tuple[str, ...]]) -> None:
    """Print rows as aligned columns; every cell is shown as `shown` shows outside text."""
    rows = [tuple(shown(cell) for cell in row) for row in table]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def confirm(question: str) -> bool:
    """Ask on the terminal; no answer (end of input) is no."""
    print(f"{question} [y/N] ", end="", flush=True)
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):
        print()
    return answer.strip().casefold() in ("y", "yes")


def go_ahead(
    args: argparse.Namespace,
    refusal: str | None,
    *,
    not_done: str = "not started",
    action: str = "run",
    question: str = "Run it?",
) -> bool:
    """The one gate before money is spent: a refusal is bad input, `--yes` goes on, without a
    terminal nobody can answer (bad input naming --yes), otherwise the user's answer."""
    if refusal:
        raise CliError(f"{not_done}: {refusal}")
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise CliError(f"{not_done}: pass --yes to {action} without a question")
    if input(f"{question} [y/N] ").strip().lower() in ("y", "yes"):
        return True
    print(f"{not_done.capitalize()}.", file=sys.stderr)
    return False


def add_run_options(
    cmd: argparse.ArgumentParser,
    concurrency_help: str = "requests at once",
    spend_cap_help: str = "USD; 0 means no cap",
) -> None:
    """The model parameters and run settings of every command that calls a model over a
    dataset (`run_settings` reads them back)."""
    cmd.add_argument("--temperature", type=finite_float, default=0.0)
    cmd.add_argument("--max-tokens", type=int, default=256)
    cmd.add_argument("--concurrency", type=int, default=8, help=concurrency_help)
    cmd.add_argument("--rpm", type=int, default=0, help="requests per minute at most (0: none)")
    cmd.add_argument("--tpm", type=int, default=0, help="tokens per minute at most (0: none)")
    cmd.add_argument(
        "--timeout",
        type=finite_float,
        default=60.0,
        help="seconds each request may take in all (a deadline, not only between bytes)",
    )
    cmd.add_argument("--retries", type=int, default=4)
    cmd.add_argument("--spend-cap", type=finite_float, default=0.0, help=spend_cap_help)
    cmd.add_argument("--no-cache", action="store_true", help="do not use the response cache")
    cmd.add_argument(
        "--transport",
        choices=("auto", "litellm"),
        default="auto",
        help="auto = direct HTTP to an OpenAI-compatible base URL when litellm has nothing "
        "model-specific to add, proven equal in tests; litellm = always through litellm",
    )


def run_settings(args: argparse.Namespace) -> RunSettings:
    """The RunSettings of `add_run_options`; a refused value is bad input."""
    from pydantic import ValidationError

    from core.evaluation import RunSettings
    from core.validation import error_lines

    try:
        return RunSettings(
            concurrency=args.concurrency,
            requests_per_minute=args.rpm,
            tokens_per_minute=args.tpm,
            timeout_s=args.timeout,
            max_retries=args.retries,
            spend_cap_usd=args.spend_cap,
            use_cache=not args.no_cache,
            transport=args.transport,
        )
    except ValidationError as exc:
        raise CliError(*error_lines(exc)) from None


def finite_float(text: str) -> float:
    """The argparse type of every decimal option: nan and inf parse as floats, but no option
    means them (--min-lift nan ended in a database constraint error)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value
