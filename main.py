"""Entry point: no arguments opens the GUI; a sub-command runs the same engine headless.

Imports happen inside the commands that need them, so `compute` or a Markdown `report` never
loads PySide6, pyqtgraph or litellm, and a typo in the arguments is reported instantly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import APP_NAME, APP_VERSION

if TYPE_CHECKING:
    from pydantic import BaseModel

    from core.frameworks import Framework

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
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
            print(f"error: {_shown(line)}", file=sys.stderr)
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
    cmd = actions.add_parser(
        "show",
        parents=[db_option],
        help="print a saved result and what today's catalog would change in it",
    )
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument(
        "--version", type=int, metavar="N", help="this saved version (default: the latest)"
    )
    cmd.add_argument("--json", action="store_true", help="print JSON instead of text")
    cmd.set_defaults(handler=_cmd_scenarios_show)
    cmd = actions.add_parser(
        "compare",
        parents=[db_option],
        help="two scenarios of one framework: both results and the inputs that differ",
    )
    cmd.add_argument("a", metavar="A")
    cmd.add_argument("b", metavar="B")
    cmd.add_argument("--json", action="store_true", help="print JSON instead of text")
    cmd.set_defaults(handler=_cmd_scenarios_compare)
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
    catalog_actions = cmd.add_subparsers(title="actions", metavar="ACTION")
    cmd = catalog_actions.add_parser(
        "import-scores",
        parents=[db_option],
        help="import quality scores from a CSV file (model,score[,benchmark]), as the Models "
        "tab does",
    )
    cmd.add_argument("file", metavar="FILE")
    cmd.add_argument(
        "--source",
        metavar="NAME",
        required=True,
        help="where the scores come from (a leaderboard, a study); kept with each score",
    )
    cmd.add_argument("--yes", action="store_true", help="import without asking")
    cmd.set_defaults(handler=_cmd_catalog_import_scores)
    _add_eval_commands(commands, db_option)
    return parser


def _add_eval_commands(commands: Any, db_option: argparse.ArgumentParser) -> None:
    """`eval ...`: datasets, runs and comparisons with the engine the Experiments tab uses."""
    evals = commands.add_parser(
        "eval", parents=[db_option], help="evaluation datasets, runs and A/B comparisons"
    )
    actions = evals.add_subparsers(title="actions", metavar="ACTION", required=True)

    cmd = actions.add_parser(
        "import-dataset",
        parents=[db_option],
        help="check and store a JSONL or CSV dataset (nothing is stored if a row is bad)",
    )
    cmd.add_argument("file", metavar="FILE")
    cmd.add_argument("--name", help="the dataset's name (default: the file name)")
    cmd.add_argument("--input", metavar="COLUMN", help="the input column (default: guessed)")
    cmd.add_argument(
        "--expected", metavar="COLUMN", help="the expected-answer column (default: guessed)"
    )
    cmd.add_argument("--no-expected", action="store_true", help="the file has no references")
    cmd.add_argument("--id", metavar="COLUMN", help="the id column (default: guessed, else rows)")
    cmd.set_defaults(handler=_cmd_eval_import_dataset)

    cmd = actions.add_parser("datasets", parents=[db_option], help="list the stored datasets")
    cmd.set_defaults(handler=_cmd_eval_datasets)
    cmd = actions.add_parser("runs", parents=[db_option], help="list the stored runs")
    cmd.add_argument("--dataset", metavar="NAME[@vN]", help="only this dataset's runs")
    cmd.set_defaults(handler=_cmd_eval_runs)

    cmd = actions.add_parser(
        "run",
        parents=[db_option],
        help="run a model over a dataset (asks before spending; keys come from the environment)",
    )
    cmd.add_argument("--dataset", metavar="NAME[@vN]", help="the dataset (latest version)")
    cmd.add_argument("--model", help="the model as litellm names it")
    cmd.add_argument("--template", default="{input}", help="the prompt template ({input}, ...)")
    cmd.add_argument("--system", default="", help="a system prompt")
    cmd.add_argument("--api-base", metavar="URL", help="an OpenAI-compatible server's base URL")
    cmd.add_argument("--name", default="", help="the run's name (default: the model)")
    cmd.add_argument("--temperature", type=_finite_float, default=0.0)
    cmd.add_argument("--max-tokens", type=int, default=256)
    cmd.add_argument("--concurrency", type=int, default=8)
    cmd.add_argument("--rpm", type=int, default=0, help="requests per minute at most (0: none)")
    cmd.add_argument("--tpm", type=int, default=0, help="tokens per minute at most (0: none)")
    cmd.add_argument(
        "--timeout",
        type=_finite_float,
        default=60.0,
        help="seconds each request may take in all (a deadline, not only between bytes)",
    )
    cmd.add_argument("--retries", type=int, default=4)
    cmd.add_argument("--spend-cap", type=_finite_float, default=0.0, help="USD; 0 means no cap")
    cmd.add_argument("--no-cache", action="store_true", help="do not use the response cache")
    cmd.add_argument("--resume", type=int, metavar="RUN", help="resume this run's missing items")
    cmd.add_argument("--yes", action="store_true", help="start without asking")
    cmd.set_defaults(handler=_cmd_eval_run)

    cmd = actions.add_parser(
        "import-outputs",
        parents=[db_option],
        help="store a JSONL of id and output (latency_ms, cost_usd) as a run",
    )
    cmd.add_argument("file", metavar="FILE")
    cmd.add_argument("--dataset", metavar="NAME[@vN]", required=True)
    cmd.add_argument("--name", help="the system that produced them (default: the file name)")
    cmd.set_defaults(handler=_cmd_eval_import_outputs)

    cmd = actions.add_parser(
        "compare",
        parents=[db_option],
        help="baseline run vs variant run: lift, interval, McNemar, verdict (kept in history)",
    )
    cmd.add_argument("baseline", type=int, metavar="BASELINE_RUN")
    cmd.add_argument("variant", type=int, metavar="VARIANT_RUN")
    cmd.add_argument("--metric", default="exact_match", help="a metric id (see --help-metrics)")
    cmd.add_argument("--pattern", help="the regular expression for --metric regex")
    cmd.add_argument(
        "--min-lift", type=_finite_float, default=2.0, help="percentage points (default 2)"
    )
    cmd.add_argument("--threshold", type=_finite_float, default=0.5, help="pass at this score")
    cmd.add_argument(
        "--alpha",
        type=_finite_float,
        default=0.05,
        help="significance level: ship only when McNemar's p is below it; the lift's interval "
        "has level 1 - alpha (default 0.05: 95%%)",
    )
    cmd.add_argument("--judge-model", metavar="M", help="the grading model for --metric llm_judge")
    cmd.add_argument("--judge-api-base", metavar="URL", help="the judge's OpenAI-compatible URL")
    cmd.add_argument("--json", action="store_true", help="print the comparison as JSON")
    cmd.set_defaults(handler=_cmd_eval_compare)

    cmd = actions.add_parser(
        "export-run",
        parents=[db_option],
        help="write a run's samples as CSV (cells a spreadsheet would run as formulas are escaped)",
    )
    cmd.add_argument("run", type=int, metavar="RUN")
    cmd.add_argument("--out", metavar="FILE.csv", required=True)
    cmd.set_defaults(handler=_cmd_eval_export_run)


_DB_HELP = "the database file (default: $AIDF_DB, else the file in your data folder)"


# Commands


def _cmd_gui(args: argparse.Namespace) -> int:
    from storage import resolve_db_path
    from ui.app import run

    return run(resolve_db_path(args.db))


def _cmd_frameworks(args: argparse.Namespace) -> int:
    from core.frameworks import ENTRIES

    width = max(len(e.id) for e in ENTRIES)
    for entry in ENTRIES:
        print(f"{entry.id:<{width}}  {entry.title}")
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
    from core.scenario import MAX_FILE_BYTES

    raw: dict[str, Any] = {}
    if args.inputs is not None:
        # The inputs are a scenario file's inputs object: the same size limit.
        raw = _json_object(_read_text(args.inputs, MAX_FILE_BYTES), args.inputs)
    inputs = _validate_inputs(framework, raw)
    result = framework.compute(inputs, _catalog(args))
    print(_shown_json(result.model_dump_json(indent=2)))
    return EXIT_OK


def _cmd_scenarios_list(args: argparse.Namespace) -> int:
    if args.framework is not None:
        _framework(args.framework)
    with _store(args) as store:
        scenarios = store.summaries(search=args.search, framework_id=args.framework)
    if not scenarios:
        print("No scenarios.")
        return EXIT_OK
    from core.frameworks.common import recommendation_label

    rows = [("NAME", "FRAMEWORK", "VERSION", "UPDATED", "RECOMMENDATION")]
    for sc in scenarios:
        rows.append(
            (
                _one_line(sc.name),
                sc.framework_id,
                str(sc.version),
                sc.updated_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                # In words, as on screen ("Do not ship", not do_not_ship); --json keeps codes.
                _one_line(recommendation_label(sc.recommendation))
                if sc.recommendation is not None
                else "-",
            )
        )
    _table(rows)
    return EXIT_OK


def _saved_version(args: argparse.Namespace, name: str, version: int | None = None) -> Any:
    """(scenario, its version `version` or latest, framework, inputs, SavedView): the saved
    result computed from the version's evidence, as the window shows it."""
    from core.evidence import open_saved

    with _store(args) as store:
        scenario = store.get_by_name(name)
        chosen: Any = scenario
        if version is not None and version != scenario.version:
            found = [v for v in store.versions(scenario.id or 0) if v.version == version]
            if not found:
                raise CliError(
                    f"scenario '{_one_line(scenario.name)}' has no version {version}; its "
                    f"versions are 1 to {scenario.version}"
                )
            chosen = found[0]
    framework = _framework(scenario.framework_id)
    inputs = _validate_inputs(framework, chosen.inputs, where=f"scenario '{scenario.name}': ")
    view = open_saved(framework, inputs, chosen.evidence, _catalog(args))
    return scenario, chosen, framework, inputs, view


def _verdict_line(result: Any) -> str:
    """The recommendation in words and the headline, once: a headline that already opens with
    it ("Build: it pays back ...", "gpt-4o (batch): quality ...") is not prefixed again."""
    from core.frameworks.common import recommendation_label

    label = _one_line(recommendation_label(result.recommendation))
    headline = _one_line(result.headline)
    return headline if headline.startswith(label) else f"{label}: {headline}"


def _cmd_scenarios_show(args: argparse.Namespace) -> int:
    scenario, chosen, framework, _inputs, view = _saved_version(args, args.name, args.version)
    drift = view.drift
    if args.json:
        data = scenario.model_dump(mode="json")
        data.update(
            version=chosen.version,
            inputs=chosen.inputs,
            notes=chosen.notes,
            evidence=chosen.evidence,
            result=view.result.model_dump(mode="json"),
            evidence_recorded=view.recorded,
            basis=view.notes,
            drift=None if drift is None else drift.to_json(),
            today_result=None if drift is None else drift.today_result.model_dump(mode="json"),
        )
        print(json.dumps(data, indent=2))
        return EXIT_OK
    r = view.result
    print(
        f"{_one_line(scenario.name)} ({framework.TITLE}), version {chosen.version} of "
        f"{scenario.version}"
    )
    print(f"Saved result: {_verdict_line(r)}")
    for line in r.rationale:
        print(f"  - {_one_line(line)}")
    ev = view.evidence
    if view.recorded and ev.read:
        print(
            f"Evidence: {len(ev.models)} catalog model(s), price map {_one_line(ev.price_map)}"
        )
    elif view.recorded:
        print("Evidence: none needed (this framework does not read the model catalog)")
    for note in view.notes:
        print(_one_line(note))
    if drift is None:
        print("Today's catalog gives the same result.")
    else:
        print("Today's catalog differs:")
        for change in drift.changes or ["the catalog changed"]:
            print(f"  - {_one_line(change)}")
        print(f"Today's result: {_verdict_line(drift.today_result)}")
    return EXIT_OK


def _cmd_scenarios_compare(args: argparse.Namespace) -> int:
    from core.compare import figure_rows, input_rows

    a, _, fa, ia, va = _saved_version(args, args.a)
    b, _, fb, ib, vb = _saved_version(args, args.b)
    if fa.ID != fb.ID:
        raise CliError(
            f"'{_one_line(a.name)}' is a {fa.TITLE} scenario and '{_one_line(b.name)}' a "
            f"{fb.TITLE} one: only scenarios of one framework compare"
        )
    inputs = [r for r in input_rows(ia, ib) if r.differs]
    figures = figure_rows(va.result, vb.result)
    if args.json:
        side = {
            key: {
                "name": s.name,
                "version": s.version,
                "recommendation": v.result.recommendation,
                "headline": v.result.headline,
                "basis": v.notes,
                "drift": None if v.drift is None else v.drift.to_json(),
                "result": v.result.model_dump(mode="json"),
            }
            for key, s, v in (("a", a, va), ("b", b, vb))
        }
        side["differing_inputs"] = [  # type: ignore[assignment]
            {"name": r.name, "title": r.title, "a": r.a, "b": r.b} for r in inputs
        ]
        side["figures"] = [  # type: ignore[assignment]
            {"key": r.key, "label": r.label, "a": r.a, "b": r.b, "delta": r.delta} for r in figures
        ]
        print(json.dumps({"framework_id": fa.ID, **side}, indent=2))
        return EXIT_OK
    for key, s, v in (("A", a, va), ("B", b, vb)):
        print(f"{key}: {_one_line(s.name)} (version {s.version}): {_verdict_line(v.result)}")
        for note in v.notes:
            print(f"   {_one_line(note)}")
        if v.drift is not None:
            print(f"   {_one_line(v.drift.text)}")
    if inputs:
        _table([("INPUT", "A", "B")] + [(r.title, _one_line(r.a), _one_line(r.b)) for r in inputs])
    else:
        print("The inputs are the same.")
    _table(
        [("FIGURE", "A", "B", "B - A")]
        + [(r.label, _one_line(r.a), _one_line(r.b), r.delta) for r in figures]
    )
    return EXIT_OK


def _cmd_scenarios_export(args: argparse.Namespace) -> int:
    with _store(args) as store:
        scenario = store.get_by_name(args.name)
        if scenario.id is None:
            raise CliError(f"scenario '{args.name}' has no id in the database")
        store.export_file(scenario.id, Path(args.out))
    print(f"Exported '{_one_line(scenario.name)}' to {args.out}")
    return EXIT_OK


def _cmd_scenarios_import(args: argparse.Namespace) -> int:
    from core.frameworks import get, ids
    from core.scenario import MAX_FILE_BYTES, ScenarioFileError, parse_scenario_file, too_large

    try:
        text = _read_text(args.file, MAX_FILE_BYTES, too_large)
        scenario = parse_scenario_file(text, ids())
    except ScenarioFileError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    # The store checks the file format; the inputs are checked here, against the engine, so a
    # scenario that could never be computed is refused before it is saved.
    _validate_inputs(get(scenario.framework_id), scenario.inputs, where=f"{args.file}: ")
    with _store(args) as store:
        saved = store.import_scenario(scenario)
    print(_shown(saved.name))
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = args.format or _SUFFIX_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise CliError(
            f"cannot tell the report format from '{args.out}': add --format md, html or pdf"
        )
    # The saved result, from the catalog rows it was computed from, as the window shows it.
    scenario, _, framework, inputs, view = _saved_version(args, args.name)
    result = view.result

    from core.report import SummaryMeta
    from ui.export import render_plot_images, write_summary

    images: list[tuple[str, bytes]] = []
    if fmt != "md":
        try:
            images = render_plot_images(framework.ID, result)
        except ImportError as exc:
            print(f"warning: {exc}; the report has no plots", file=sys.stderr)
    meta = SummaryMeta(
        scenario_name=scenario.name,
        notes=scenario.notes,
        # A saved version, as the window calls a saved tab without edits.
        status="Accepted",
        price_date=view.evidence.price_date,
        evidence=view.evidence,
        evidence_recorded=view.recorded,
        drift=view.drift.text if view.drift is not None else None,
    )
    try:
        write_summary(out, fmt, framework, inputs, result, meta, images)
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"Wrote the {fmt} report for '{_one_line(scenario.name)}' to {args.out}")
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
    _table(rows)
    dated = f", {catalog.price_date.isoformat()}" if catalog.price_date else ""
    print(f"{len(models):,} of {len(catalog):,} models; prices from {catalog.source}{dated}")
    return EXIT_OK


def _cmd_catalog_import_scores(args: argparse.Namespace) -> int:
    """Quality scores from a CSV file into the catalog, as the Models tab imports them; the
    report first, then a question unless --yes. Exit 2 on an unusable file or no usable row,
    1 when the import is declined."""
    from storage import CatalogStore

    source = _one_line(args.source)
    if not source:
        raise CliError("--source needs a name: where the scores come from")
    known = {m.id for m in _catalog(args)}
    with _store(args, CatalogStore) as store:
        scores, report = store.read_quality_csv(Path(args.file), known)
        for line in report.lines():
            print(_one_line(line))
        if not scores:
            raise CliError(f"{args.file}: no usable score; nothing was imported")
        current = store.user_data().quality
        scores = {
            mid: q.model_copy(
                update={"benchmark": f"{source}: {q.benchmark}" if q.benchmark else source}
            )
            for mid, q in scores.items()
        }
        for mid, q in scores.items():
            before = current.get(mid)
            was = f"{before.score:.3g} ({before.source})" if before is not None else "none"
            print(f"  {_one_line(mid)}: {was} → {q.score:.3g}")
        if not args.yes and not _confirm(f"Import {len(scores)} score(s) from {source}?"):
            print("Nothing imported.")
            return 1
        store.set_qualities(scores, f"import quality scores from {args.file}")
    print(f"Imported {len(scores)} quality score(s) from {source} (source imported).")
    return EXIT_OK


def _confirm(question: str) -> bool:
    """Ask on the terminal; no answer (end of input) is no."""
    print(f"{question} [y/N] ", end="", flush=True)
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):
        print()
    return answer.strip().casefold() in ("y", "yes")


# Evaluation commands


def _experiments(args: argparse.Namespace) -> contextlib.AbstractContextManager[Any]:
    """The experiment store of --db / $AIDF_DB; any StorageError becomes a CliError."""
    from storage.experiments import ExperimentStore

    return _store(args, ExperimentStore)


def _find_dataset(store: Any, spec: str | None) -> Any:
    """NAME (its newest version) or NAME@vN."""
    if not spec:
        raise CliError("name the dataset with --dataset NAME (eval datasets lists them)")
    name, _, version = spec.partition("@")
    wanted = version.lstrip("vV")
    matches = [d for d in store.datasets() if d.name.casefold() == name.strip().casefold()]
    if wanted:
        matches = [d for d in matches if str(d.version) == wanted]
    if not matches:
        raise CliError(f"no dataset {spec!r} (eval datasets lists them)")
    return max(matches, key=lambda d: d.version)


def _table(rows: list[tuple[str, ...]]) -> None:
    """Print rows as aligned columns; every cell is shown as `_shown` shows outside text."""
    rows = [tuple(_shown(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _cmd_eval_import_dataset(args: argparse.Namespace) -> int:
    from core.datasets import (
        ColumnMapping,
        DatasetError,
        columns_of,
        guess_mapping,
        parse_dataset,
        read_file,
    )

    path = Path(args.file)
    try:
        data = read_file(path)
        columns = columns_of(data, None, file_name=path.name)
        guessed = guess_mapping(columns)
        mapping = ColumnMapping(
            input=args.input or guessed.input,
            expected=None if args.no_expected else (args.expected or guessed.expected),
            id=args.id or guessed.id,
        )
        parsed = parse_dataset(data, None, mapping, file_name=path.name)
    except FileNotFoundError:
        raise CliError(f"{args.file}: no such file") from None
    except (DatasetError, OSError) as exc:
        raise CliError(f"{args.file}: {exc}") from None
    if not parsed.ok:
        problems = [str(p) for p in parsed.problems] or ["the file holds no items"]
        raise CliError(f"{args.file}: nothing was imported", *problems)
    with _experiments(args) as store:
        info = store.add_dataset(
            args.name or path.stem, parsed.items, source=path.name, columns=parsed.columns
        )
    said = "already stored as" if info.reused else "imported as"
    print(
        f"{info.item_count:,} items {said} {_one_line(info.name)}@v{info.version} "
        f"({info.content_hash[:12]})"
    )
    return EXIT_OK


def _cmd_eval_datasets(args: argparse.Namespace) -> int:
    with _experiments(args) as store:
        datasets = store.datasets()
    if not datasets:
        print("No datasets.")
        return EXIT_OK
    rows = [("DATASET", "ITEMS", "HASH", "FILE", "IMPORTED")]
    for d in datasets:
        rows.append(
            (
                f"{d.name}@v{d.version}",
                f"{d.item_count:,}",
                d.content_hash[:12],
                d.source,
                d.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            )
        )
    _table(rows)
    return EXIT_OK


def _cmd_eval_runs(args: argparse.Namespace) -> int:
    with _experiments(args) as store:
        dataset_id = _find_dataset(store, args.dataset).id if args.dataset else None
        runs = store.runs(dataset_id)
        labels = {d.id: f"{d.name}@v{d.version}" for d in store.datasets()}
    if not runs:
        print("No runs.")
        return EXIT_OK
    rows = [("RUN", "NAME", "MODEL", "DATASET", "STATUS", "SAMPLES", "ERRORS", "COST")]
    for r in runs:
        rows.append(
            (
                str(r.id),
                _one_line(r.name),
                r.variant.model,
                labels.get(r.dataset_id, str(r.dataset_id)),
                r.status,
                f"{r.samples:,}",
                f"{r.errors:,}",
                f"${r.cost_usd:.4g}",
            )
        )
    _table(rows)
    return EXIT_OK


def _cmd_eval_run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from core.evaluation import RunProgress, RunSettings, Variant
    from core.llm import LlmClient
    from core.runner import EvalRunner, estimate_cost, prompt_problem
    from core.validation import error_lines
    from storage.experiments import run_into

    try:
        settings = RunSettings(
            concurrency=args.concurrency,
            requests_per_minute=args.rpm,
            tokens_per_minute=args.tpm,
            timeout_s=args.timeout,
            max_retries=args.retries,
            spend_cap_usd=args.spend_cap,
            use_cache=not args.no_cache,
        )
    except ValidationError as exc:
        raise CliError(*error_lines(exc)) from None
    with _experiments(args) as store:
        if args.resume is not None:
            try:
                run = store.run(args.resume)
            except Exception as exc:
                raise CliError(str(exc)) from None
            variant, dataset_id, run_id = run.variant, run.dataset_id, run.id
            pending = set(store.pending_item_ids(run_id))
            items = store.items(dataset_id)
            skip = {i.id for i in items if i.id not in pending}
        else:
            if not args.model:
                raise CliError("name the model with --model (as litellm names it)")
            try:
                variant = Variant(
                    name=args.name or args.model,
                    model=args.model,
                    prompt_template=args.template,
                    system_prompt=args.system,
                    temperature=args.temperature,
                    max_tokens=args.max_tokens,
                    api_base=args.api_base,
                )
            except ValidationError as exc:
                raise CliError(*error_lines(exc)) from None
            dataset_id = _find_dataset(store, args.dataset).id
            items = store.items(dataset_id)
            run_id, skip = None, set()
        prices = None if variant.api_base else _catalog_prices(args, variant.model)
        todo = [i for i in items if i.id not in skip]
        problem = prompt_problem(variant, todo)
        if problem:
            raise CliError(f"not started: {problem}")
        cost = estimate_cost(variant, todo, prices)
        money = f"about ${cost.usd:.4g}" if cost.usd is not None else "an unknown cost"
        print(
            f"{cost.requests:,} requests to {_one_line(variant.model)}, "
            f"about {cost.input_tokens:,} input and up to {cost.output_tokens:,} output tokens: "
            f"{money}.",
            file=sys.stderr,
        )
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError("not started: pass --yes to run without a question")
            if input("Run it? [y/N] ").strip().lower() not in ("y", "yes"):
                print("Not started.", file=sys.stderr)
                return EXIT_OK
        if run_id is None:
            run_id = store.create_run(dataset_id, variant, settings, name=variant.name)
        client = LlmClient(
            api_base=variant.api_base,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            prices=prices,
        )

        def progress(p: RunProgress) -> None:
            if sys.stderr.isatty():
                print(
                    f"\r{p.done:,}/{p.total:,} done, {p.errors:,} errors, ${p.spend_usd:.4g}",
                    end="",
                    file=sys.stderr,
                )

        rid = run_id
        try:
            outcome = run_into(
                store,
                rid,
                EvalRunner(client, settings),
                variant,
                items,
                skip_ids=skip,
                progress=progress,
                prices=prices,
                use_cache=settings.use_cache,
            )
        except KeyboardInterrupt:
            # Every finished sample is stored as it lands; only the requests in flight are lost.
            kept = store.run(rid).samples
            print(
                f"\ninterrupted: resume with `eval run --resume {rid}` "
                f"({kept:,} finished samples of run {rid} are kept)",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"run {rid}: {outcome.status}; {outcome.done:,} done, {outcome.errors:,} errors, "
        f"{outcome.cached:,} from cache, ${outcome.spend_usd:.4g} in {outcome.elapsed_s:.1f} s"
        + (f" ({_one_line(outcome.stop_reason)})" if outcome.stop_reason else "")
    )
    if outcome.status == "failed":
        print(f"error: run {rid} failed: no item has an answer", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _catalog_prices(args: argparse.Namespace, model: str) -> tuple[float, float] | None:
    catalog = _catalog(args)
    return catalog.get(model).usable_prices if model in catalog else None


def _cmd_eval_import_outputs(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from core.datasets import DatasetError, parse_logged_outputs, read_file
    from core.evaluation import Variant
    from core.validation import error_lines

    path = Path(args.file)
    name = args.name or path.stem
    with _experiments(args) as store:
        dataset = _find_dataset(store, args.dataset)
        try:
            parsed = parse_logged_outputs(
                read_file(path), [i.id for i in store.items(dataset.id)], file_name=path.name
            )
        except FileNotFoundError:
            raise CliError(f"{args.file}: no such file") from None
        except (DatasetError, OSError) as exc:
            raise CliError(f"{args.file}: {exc}") from None
        if not parsed.ok:
            problems = [str(p) for p in parsed.problems] or ["the file holds no outputs"]
            raise CliError(f"{args.file}: nothing was imported", *problems)
        try:
            variant = Variant(name=name, model=name)
        except ValidationError as exc:
            raise CliError(*error_lines(exc)) from None
        run_id = store.import_run(dataset.id, variant, parsed.samples, name=name)
    missing = f"; {len(parsed.missing_ids):,} items have no output" if parsed.missing_ids else ""
    print(f"run {run_id}: {len(parsed.samples):,} outputs imported{missing}")
    return EXIT_OK


def _judge_grades(
    args: argparse.Namespace, store: Any, items: list[Any], *runs: list[Any]
) -> tuple[tuple[dict[str, float], dict[str, float]], float]:
    """The judge's grades of both runs (through the runner, cached) and what grading cost."""
    from core.evaluation import RunSettings
    from core.judge import grade, judge_variant
    from core.llm import LlmClient

    if not args.judge_model:
        raise CliError("--metric llm_judge needs --judge-model (the model that grades)")
    variant = judge_variant(args.judge_model, args.judge_api_base)
    prices = None if variant.api_base else _catalog_prices(args, variant.model)
    client = LlmClient(api_base=variant.api_base, prices=prices)
    graded = [
        grade(client, RunSettings(), variant, items, samples, cache=store.cache, prices=prices)
        for samples in runs
    ]
    return (graded[0].scores, graded[1].scores), sum(g.cost_usd for g in graded)


def _cmd_eval_compare(args: argparse.Namespace) -> int:
    from core.comparison import compare_runs
    from core.metrics import METRICS
    from core.stats import VERDICT_LABELS
    from storage.experiments import ExperimentRecord

    if args.metric not in METRICS:
        raise CliError(f"unknown metric {args.metric!r} (known: {', '.join(METRICS)})")
    with _experiments(args) as store:
        try:
            baseline, variant = store.run(args.baseline), store.run(args.variant)
        except Exception as exc:
            raise CliError(str(exc)) from None
        if baseline.dataset_id != variant.dataset_id:
            raise CliError("the two runs answer different datasets: compare runs of one dataset")
        items = store.items(baseline.dataset_id)
        base_samples, var_samples = store.samples(baseline.id), store.samples(variant.id)
        grades = cost = None
        if METRICS[args.metric].needs_judge:
            grades, cost = _judge_grades(args, store, items, base_samples, var_samples)
        try:
            comparison = compare_runs(
                items,
                base_samples,
                var_samples,
                args.metric,
                min_lift=args.min_lift / 100,
                pass_threshold=args.threshold,
                pattern=args.pattern,
                grades=grades,
                judge_cost_usd=cost,
                alpha=args.alpha,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
        store.save_experiment(
            ExperimentRecord.from_comparison(
                comparison,
                name=f"{variant.name} vs {baseline.name}",
                dataset_id=baseline.dataset_id,
                baseline_run_id=baseline.id,
                variant_run_id=variant.id,
            )
        )
    if args.json:
        print(_shown_json(comparison.model_dump_json(indent=2, exclude={"outcomes"})))
        return EXIT_OK
    pair = f"{_one_line(variant.name)} vs {_one_line(baseline.name)}"
    print(f"{VERDICT_LABELS[comparison.verdict]}: {pair}")
    for reason in comparison.reasons:
        print(f"- {_one_line(reason)}")
    return EXIT_OK


def _cmd_eval_export_run(args: argparse.Namespace) -> int:
    from core.csv_export import samples_csv

    with _experiments(args) as store:
        try:
            run = store.run(args.run)
        except Exception as exc:
            raise CliError(str(exc)) from None
        samples = store.samples(run.id)
        text = samples_csv(store.items(run.dataset_id), samples)
    out = Path(args.out)
    try:
        # The byte-order mark makes spreadsheet programs read the file as UTF-8.
        out.write_text(text, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CliError(f"{args.out}: cannot write it ({exc.strerror or exc})") from None
    print(f"run {run.id}: {len(samples):,} samples written to {out}")
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
        raise CliError(*(f"{where}{line}" for line in error_lines(exc, framework.Inputs))) from None


def _read_text(name: str, limit: int, too_large: Callable[[int], Exception] | None = None) -> str:
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


def _json_object(text: str, name: str) -> dict[str, Any]:
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
def _store(args: argparse.Namespace, kind: type[Any] | None = None) -> Iterator[Any]:
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


def _one_line(text: str) -> str:
    """Outside text (a name, a reason) on one line, as the terminal should show it."""
    return _shown(" ".join(text.split()))


def _shown(text: str) -> str:
    """Text from a file, a model or a server as printed by every command: each control or
    format character (ESC, BEL, NUL, bidirectional overrides...) appears as its escape, e.g.
    \\x1b, so no name can recolour the terminal, retitle its window or reorder a line."""
    if text.isprintable():
        return text
    return "".join(c if _harmless(c) else _escape(c) for c in text)


def _shown_json(text: str) -> str:
    """JSON as `_shown` would print it, still valid JSON: such characters can only be inside
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


def _finite_float(text: str) -> float:
    """The argparse type of every decimal option: nan and inf parse as floats, but no option
    means them (--min-lift nan ended in a database constraint error)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


if __name__ == "__main__":
    sys.exit(main())
