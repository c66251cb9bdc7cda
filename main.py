"""Entry point: no arguments opens the GUI; a sub-command runs the same engine headless.

Imports happen inside the commands that need them, so `compute` or a Markdown `report` never
loads PySide6, pyqtgraph or litellm, and a typo in the arguments is reported instantly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import APP_NAME, APP_VERSION

if TYPE_CHECKING:
    from pydantic import BaseModel

    from core.frameworks import Framework
    from storage import ScenarioStore

EXIT_OK = 0
EXIT_BAD_INPUT = 2
REPORT_FORMATS = ("md", "html", "pdf")
_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


class CliError(Exception):
    """Bad input of any kind: each line is printed as "error: <line>" and the exit code is 2."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage and the problem already
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as exc:
        for line in exc.lines:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (`aidf schema X | head`): stop quietly, and keep Python's own
        # flush at exit from raising again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted before or after the sub-command. Below the top level its default is
    # SUPPRESS, so a sub-command without --db does not overwrite the value given before it.
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=_DB_HELP)

    parser = argparse.ArgumentParser(
        description=f"{APP_NAME}: without a command the desktop app opens; "
        "the commands run the same engine headless.",
    )
    parser.add_argument("--db", metavar="PATH", default=None, help=_DB_HELP)
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {APP_VERSION}")
    parser.set_defaults(handler=_cmd_gui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    cmd = commands.add_parser(
        "frameworks", parents=[db_option], help="list the frameworks (id and title)"
    )
    cmd.set_defaults(handler=_cmd_frameworks)

    cmd = commands.add_parser(
        "schema", parents=[db_option], help="print the JSON schema of a framework's inputs"
    )
    cmd.add_argument("framework_id", metavar="ID")
    cmd.set_defaults(handler=_cmd_schema)

    cmd = commands.add_parser(
        "compute", parents=[db_option], help="compute a framework's result as JSON"
    )
    cmd.add_argument("framework_id", metavar="ID")
    cmd.add_argument(
        "--inputs",
        metavar="FILE.json",
        help="a JSON object of input values ('-' reads standard input); fields left out keep "
        "their defaults, and without the option every input has its default",
    )
    cmd.set_defaults(handler=_cmd_compute)

    scenarios = commands.add_parser("scenarios", parents=[db_option], help="saved scenarios")
    actions = scenarios.add_subparsers(title="actions", metavar="ACTION", required=True)
    cmd = actions.add_parser("list", parents=[db_option], help="list the saved scenarios")
    cmd.add_argument("--search", metavar="TEXT", default="", help="text in the name or notes")
    cmd.add_argument("--framework", metavar="ID", help="only this framework's scenarios")
    cmd.set_defaults(handler=_cmd_scenarios_list)
    cmd = actions.add_parser("show", parents=[db_option], help="print a scenario as JSON")
    cmd.add_argument("name", metavar="NAME")
    cmd.set_defaults(handler=_cmd_scenarios_show)
    cmd = actions.add_parser("export", parents=[db_option], help="write a scenario file")
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument("--out", metavar="FILE", required=True)
    cmd.set_defaults(handler=_cmd_scenarios_export)
    cmd = actions.add_parser(
        "import", parents=[db_option], help="add a scenario from a file; prints its saved name"
    )
    cmd.add_argument("file", metavar="FILE")
    cmd.set_defaults(handler=_cmd_scenarios_import)

    cmd = commands.add_parser(
        "report",
        parents=[db_option],
        help="write a scenario's decision summary, recomputed with this version's engine",
    )
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        help="the file format; by default it follows the --out suffix (.md, .html, .pdf)",
    )
    cmd.add_argument("--out", metavar="FILE", required=True)
    cmd.set_defaults(handler=_cmd_report)

    cmd = commands.add_parser(
        "catalog",
        parents=[db_option],
        help="list the model catalog: prices per million tokens, limits and your scores",
    )
    cmd.add_argument(
        "--search", metavar="TEXT", default="", help="words that must all be in the id or provider"
    )
    cmd.add_argument(
        "--provider", metavar="P", help="only this provider's models (e.g. openai, custom)"
    )
    cmd.set_defaults(handler=_cmd_catalog)
    return parser


_DB_HELP = "the database file (default: $AIDF_DB, else the file in your data folder)"


# Commands


def _cmd_gui(args: argparse.Namespace) -> int:
    from storage import resolve_db_path
    from ui.app import run

    return run(resolve_db_path(args.db))


def _cmd_frameworks(args: argparse.Namespace) -> int:
    from core.frameworks import REGISTRY

    width = max(len(m.ID) for m in REGISTRY)
    for module in REGISTRY:
        print(f"{module.ID:<{width}}  {module.TITLE}")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    framework = _framework(args.framework_id)
    print(json.dumps(framework.Inputs.model_json_schema(), indent=2))
    return EXIT_OK


def _catalog(args: argparse.Namespace) -> Any:
    """The public price map with the user's scores, overrides and custom models on top.

    A database that does not exist yet is not created just to read it: the public map alone.
    """
    from core.catalog import CatalogError, load_catalog
    from storage import CatalogStore, StorageError, resolve_db_path

    try:
        public = load_catalog()
    except CatalogError as exc:
        raise CliError(str(exc)) from None
    path = resolve_db_path(args.db)
    if not path.exists():
        return public
    try:
        with CatalogStore(path) as store:
            return store.apply(public)
    except StorageError as exc:
        raise CliError(str(exc)) from None


def _cmd_compute(args: argparse.Namespace) -> int:
    framework = _framework(args.framework_id)
    raw: dict[str, Any] = {}
    if args.inputs is not None:
        raw = _json_object(_read_text(args.inputs), args.inputs)
    inputs = _validate_inputs(framework, raw)
    result = framework.compute(inputs, _catalog(args))
    print(result.model_dump_json(indent=2))
    return EXIT_OK


def _cmd_scenarios_list(args: argparse.Namespace) -> int:
    if args.framework is not None:
        _framework(args.framework)
    with _store(args) as store:
        scenarios = store.summaries(search=args.search, framework_id=args.framework)
    if not scenarios:
        print("No scenarios.")
        return EXIT_OK
    rows = [("NAME", "FRAMEWORK", "VERSION", "UPDATED", "RECOMMENDATION")]
    for sc in scenarios:
        rows.append(
            (
                _one_line(sc.name),
                sc.framework_id,
                str(sc.version),
                sc.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                _one_line(sc.recommendation) if sc.recommendation is not None else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def _cmd_scenarios_show(args: argparse.Namespace) -> int:
    with _store(args) as store:
        scenario = store.get_by_name(args.name)
    print(json.dumps(scenario.model_dump(mode="json"), indent=2))
    return EXIT_OK


def _cmd_scenarios_export(args: argparse.Namespace) -> int:
    with _store(args) as store:
        scenario = store.get_by_name(args.name)
        if scenario.id is None:
            raise CliError(f"scenario '{args.name}' has no id in the database")
        store.export_file(scenario.id, Path(args.out))
    print(f"Exported '{scenario.name}' to {args.out}")
    return EXIT_OK


def _cmd_scenarios_import(args: argparse.Namespace) -> int:
    from core.frameworks import get, ids
    from core.scenario import ScenarioFileError, parse_scenario_file

    try:
        scenario = parse_scenario_file(_read_text(args.file), ids())
    except ScenarioFileError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    # The store checks the file format; the inputs are checked here, against the engine, so a
    # scenario that could never be computed is refused before it is saved.
    _validate_inputs(get(scenario.framework_id), scenario.inputs, where=f"{args.file}: ")
    with _store(args) as store:
        saved = store.import_scenario(scenario)
    print(saved.name)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = args.format or _SUFFIX_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise CliError(
            f"cannot tell the report format from '{args.out}': add --format md, html or pdf"
        )
    with _store(args) as store:
        scenario = store.get_by_name(args.name)
    framework = _framework(scenario.framework_id)
    inputs = _validate_inputs(framework, scenario.inputs, where=f"scenario '{scenario.name}': ")
    catalog = _catalog(args)
    result = framework.compute(inputs, catalog)

    from core.report import SummaryMeta
    from ui.export import render_plot_images, write_summary

    images: list[tuple[str, bytes]] = []
    if fmt != "md":
        try:
            images = render_plot_images(framework.ID, result)
        except ImportError as exc:
            print(f"warning: {exc}; the report has no plots", file=sys.stderr)
    meta = SummaryMeta(
        scenario_name=scenario.name, notes=scenario.notes, price_date=catalog.price_date
    )
    try:
        write_summary(out, fmt, framework, inputs, result, meta, images)
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"Wrote the {fmt} report for '{scenario.name}' to {args.out}")
    return EXIT_OK


def _cmd_catalog(args: argparse.Namespace) -> int:
    from core.catalog import (
        format_per_million,
        matches,
        search_key,
        search_words,
    )

    catalog = _catalog(args)
    models = catalog.models
    if args.provider is not None:
        providers = {m.provider for m in models}
        if args.provider not in providers:
            import difflib

            close = difflib.get_close_matches(args.provider, sorted(providers), n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise CliError(f"no provider named '{args.provider}' in the catalog{hint}")
        models = [m for m in models if m.provider == args.provider]
    words = search_words(args.search)
    models = sorted(
        (m for m in models if matches(words, search_key(m))), key=lambda m: m.id.casefold()
    )
    if not models:
        print("No models match.")
        return EXIT_OK
    rows = [
        ("MODEL", "PROVIDER", "IN $/M", "OUT $/M", "BATCH IN", "BATCH OUT", "CONTEXT", "QUALITY")
    ]
    for m in models:
        rows.append(
            (
                m.id,
                m.provider,
                format_per_million(m.input_cost_per_token),
                format_per_million(m.output_cost_per_token),
                format_per_million(m.input_cost_per_token_batch) or "-",
                format_per_million(m.output_cost_per_token_batch) or "-",
                f"{m.max_input_tokens:,}" if m.max_input_tokens else "-",
                f"{m.quality.score:.2f} ({m.quality.source})" if m.quality else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    dated = f", {catalog.price_date.isoformat()}" if catalog.price_date else ""
    print(f"{len(models):,} of {len(catalog):,} models; prices from {catalog.source}{dated}")
    return EXIT_OK


# Helpers


def _framework(framework_id: str) -> Framework:
    from core.frameworks import get

    try:
        return get(framework_id)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None


def _validate_inputs(framework: Framework, raw: dict[str, Any], where: str = "") -> BaseModel:
    """The framework's Inputs from plain data; every bad field becomes one error line."""
    from pydantic import ValidationError

    from core.validation import error_lines

    try:
        return framework.Inputs.model_validate(raw)
    except ValidationError as exc:
        raise CliError(*(f"{where}{line}" for line in error_lines(exc))) from None


def _read_text(name: str) -> str:
    """A UTF-8 text file's contents ('-' is standard input), or a CliError saying why not."""
    try:
        if name == "-":
            return sys.stdin.read()
        # utf-8-sig: tolerate the byte-order mark some Windows editors write.
        return Path(name).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CliError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise CliError(f"{name}: is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{name}: not UTF-8 text (unreadable byte at position {exc.start})"
        ) from None
    except OSError as exc:
        raise CliError(f"{name}: cannot read it ({exc.strerror or exc})") from None


def _json_object(text: str, name: str) -> dict[str, Any]:
    """Parse a JSON object. NaN and Infinity literals parse here (Python's json allows them)
    and are refused by the Inputs model, which names the field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{name}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
            type(data), "a number"
        )
        raise CliError(
            f"{name}: the inputs must be a JSON object of field names and values, not {kind}"
        )
    return data


@contextlib.contextmanager
def _store(args: argparse.Namespace) -> Iterator[ScenarioStore]:
    """The scenario store of --db / $AIDF_DB; any StorageError becomes a CliError."""
    from storage import ScenarioStore, StorageError, resolve_db_path

    try:
        store = ScenarioStore(resolve_db_path(args.db))
        try:
            yield store
        finally:
            store.close()
    except StorageError as exc:
        raise CliError(str(exc)) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
