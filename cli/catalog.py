"""`catalog`, `catalog import-scores` and `catalog score-source`: the model catalog, the user's
quality scores and the source whose scores are in use."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli import catalog_probe
from cli.common import EXIT_OK, CliError, confirm, one_line, open_store, print_table, user_catalog


def add_parser(commands: Any, db_option: argparse.ArgumentParser) -> None:
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
        help="import quality scores from a CSV file (model,score[,benchmark]), a HELM group "
        "file or a leaderboard table, as the Models tab does",
    )
    cmd.add_argument("file", metavar="FILE")
    cmd.add_argument(
        "--source",
        metavar="NAME",
        required=True,
        help="where the scores come from (a leaderboard, a study); kept with each score",
    )
    cmd.add_argument(
        "--format",
        choices=("auto", "csv", "helm"),
        default="auto",
        help="helm: a HELM group file (groups/<group>.json); csv: a leaderboard table whose "
        "model names are matched to catalog ids; auto (default): helm for JSON, else a "
        "model,score CSV of catalog ids, else a leaderboard table",
    )
    cmd.add_argument(
        "--table",
        metavar="T",
        help="the HELM table (default: the first with a 'Mean win rate' column)",
    )
    cmd.add_argument("--model-column", metavar="C", help="the column of model names")
    cmd.add_argument(
        "--score-column",
        metavar="C",
        help="the score column (HELM default: Mean win rate; CSV: a usual name such as "
        "Average ⬆️ or Arena Score)",
    )
    cmd.add_argument(
        "--scale",
        choices=("unit", "percent", "elo"),
        # core.score_files.ELO_RULE, written out: the parser is built before core loads.
        help="unit: 0..1; percent: 0-100, divided by 100; elo: the chance of beating a model "
        "rated 1000, 1 / (1 + 10^((1000 - rating) / 400)) (default: guessed from the column's "
        "name and values)",
    )
    cmd.add_argument(
        "--map",
        metavar="NAME=MODEL_ID",
        action="append",
        default=[],
        help="match a model name of the file to a catalog id (repeatable); remembered",
    )
    cmd.add_argument("--dry-run", action="store_true", help="print the report, import nothing")
    cmd.add_argument("--yes", action="store_true", help="import without asking")
    cmd.set_defaults(handler=_cmd_catalog_import_scores)
    cmd = catalog_actions.add_parser(
        "score-source",
        parents=[db_option],
        help="list the sources of quality scores, or choose the one the frameworks use",
    )
    cmd.add_argument("source", metavar="SOURCE", nargs="?", help="use this source's scores")
    cmd.add_argument(
        "--latest", action="store_true", help="use each model's latest score (the default)"
    )
    cmd.set_defaults(handler=_cmd_catalog_score_source)
    catalog_probe.add_parser(catalog_actions, db_option)


def _cmd_catalog(args: argparse.Namespace) -> int:
    from core.catalog import (
        format_per_million,
        matches,
        search_key,
        search_words,
    )

    catalog = user_catalog(args)
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
                _quality_text(m.quality) if m.quality else "-",
            )
        )
    print_table(rows)
    dated = f", {catalog.price_date.isoformat()}" if catalog.price_date else ""
    print(f"{len(models):,} of {len(catalog):,} models; prices from {catalog.source}{dated}")
    if any(m.quality for m in models):
        print(one_line(_in_use_text(args)))
    return EXIT_OK


def _quality_text(quality: Any) -> str:
    """The score in use with where it comes from: "0.94 (imported, HELM Lite: Accuracy...)"."""
    where = f"{quality.source}, {quality.benchmark}" if quality.benchmark else quality.source
    return f"{quality.score:.2f} ({where})"


def _in_use_text(args: argparse.Namespace) -> str:
    from storage import CatalogStore, resolve_db_path

    if not resolve_db_path(args.db).exists():
        return "Quality in use: each model's latest score."
    with open_store(args, CatalogStore) as store:
        source = store.quality_source()
    if source is None:
        return (
            "Quality in use: each model's latest score "
            "(choose a source with `catalog score-source`)."
        )
    return f"Quality in use: scores from {source} where it has one, else the model's latest."


def _cmd_catalog_score_source(args: argparse.Namespace) -> int:
    """The sources with how many models each scores and the one in use; with SOURCE or
    --latest, the choice changed."""
    from operations.catalog import choose_quality_source
    from storage import CatalogStore

    if args.source is not None and args.latest:
        raise CliError("give a SOURCE or --latest, not both")
    with open_store(args, CatalogStore) as store:
        if args.source is not None or args.latest:
            choose_quality_source(store, None if args.latest else args.source.strip())
        sources = store.score_sources()
        chosen = store.quality_source()
    if not sources:
        print("No scores imported from a source yet (catalog import-scores FILE --source NAME).")
        return EXIT_OK
    rows = [("SOURCE", "MODELS", "IN USE")]
    rows += [
        (one_line(name), f"{n:,}", "yes" if name == chosen else "") for name, n in sources.items()
    ]
    print_table(rows)
    print("In use: " + (one_line(chosen) if chosen else "each model's latest score"))
    return EXIT_OK


def _cmd_catalog_import_scores(args: argparse.Namespace) -> int:
    """Quality scores from a CSV file into the catalog, as the Models tab imports them; the
    report first, then a question unless --yes. Exit 2 on an unusable file or no usable row,
    1 when the import is declined."""
    from operations.catalog import apply_scores, read_scores
    from storage import CatalogStore, StorageError

    source = one_line(args.source)
    if not source:
        raise CliError("--source needs a name: where the scores come from")
    catalog = user_catalog(args)
    known = {m.id for m in catalog}
    table = (
        args.format != "auto"
        or args.map
        or any(
            v is not None for v in (args.table, args.model_column, args.score_column, args.scale)
        )
        or Path(args.file).suffix.casefold() == ".json"
    )
    with open_store(args, CatalogStore) as store:
        if table:
            try:
                table_plan = _read_table(args, store, known, source)
            except StorageError as exc:
                raise CliError(str(exc)) from None
            return _import_table(args, store, source, table_plan, catalog)
        try:
            plan = read_scores(store, Path(args.file), known, source)
        except StorageError as plain:
            # Not a model,score file of catalog ids: a leaderboard table, names matched.
            if "the first row must be a header" not in str(plain):
                raise
            try:
                table_plan = _read_table(args, store, known, source)
            except StorageError:
                raise CliError(
                    f"{plain} (a leaderboard table: name its columns with --model-column and "
                    "--score-column)"
                ) from None
            return _import_table(args, store, source, table_plan, catalog)
        if args.dry_run:
            for line in plan.report.lines(planned=True):
                print(one_line(line))
            print("Dry run: nothing imported.")
            return EXIT_OK
        for line in plan.report.lines(planned=True):
            print(one_line(line))
        if not plan.scores:
            raise CliError(f"{args.file}: no usable score; nothing was imported")
        for change in plan.changes:
            before = change.before
            was = f"{before.score:.3g} ({before.source})" if before is not None else "none"
            print(f"  {one_line(change.model_id)}: {was} → {change.after.score:.3g}")
        if not args.yes and not confirm(f"Import {len(plan.scores)} score(s) from {source}?"):
            print("Nothing imported.")
            return 1
        apply_scores(store, plan)
    print(f"Imported {len(plan.scores)} quality score(s) from {source} (source imported).")
    return EXIT_OK


def _read_table(args: argparse.Namespace, store: Any, known: set[str], source: str) -> Any:
    """A HELM group file or a leaderboard CSV read and its names matched (--map first);
    StorageError when it is not such a table."""
    from operations.catalog import TableOptions, read_score_table

    given: dict[str, str] = {}
    for pair in args.map:
        name, sep, model_id = pair.rpartition("=")
        if not sep or not name.strip() or not model_id.strip():
            raise CliError(f"--map needs NAME=MODEL_ID, not '{one_line(pair)}'")
        given[name.strip()] = model_id.strip()
    options = TableOptions(
        file_format=args.format,
        table=args.table,
        model_column=args.model_column,
        score_column=args.score_column,
        scale=args.scale,
    )
    return read_score_table(store, Path(args.file), known, source, options, given)


def _offered(column: str, lower_is_better: list[str]) -> str:
    return f"{column} [lower is better: not a score]" if column in lower_is_better else column


def _import_table(
    args: argparse.Namespace, store: Any, source: str, plan: Any, catalog: Any
) -> int:
    """The report of a table read (each row's match, what was not matched with the closest
    ids, a provider benchmark's latency and its price beside the catalog's), then a question
    unless --yes or --dry-run."""
    from core.score_files import price_text, value_text
    from operations.catalog import apply_score_table

    if plan.read.tables:
        # A lower-is-better column (a time, a cost) is refused as a score: say so up front.
        tables = [
            f"{t.title} ({', '.join(_offered(c, t.lower_is_better) for c in t.columns)})"
            for t in plan.read.tables
        ]
        print("Tables: " + one_line("; ".join(tables)))
    print(one_line(f"Scores: {plan.describe()}"))
    report = plan.report()
    for line in report.lines(planned=True):
        print(one_line(line))
    current = store.user_data().quality
    for r in plan.matched:
        model_id = r.model_id or ""
        before = current.get(model_id)
        was = f"{before.score:.3g} ({before.source})" if before is not None else "none"
        latency = ""
        if r.row.ttft_ms is not None and r.row.output_tokens_per_second is not None:
            latency = (
                f"; latency {r.row.ttft_ms:.0f} ms to first token, "
                f"{r.row.output_tokens_per_second:g} tokens/s (kept where you entered or "
                "measured one)"
            )
        if price := price_text(r.row, catalog.get(model_id) if model_id in catalog else None):
            latency += f"; {price}"
        print(
            one_line(
                f"  {r.row.name} → {model_id} ({r.how}): "
                f"{value_text(r.row.value, plan.read.scale)} → {r.row.score:.3g} (0..1); "
                f"in use was {was}{latency}"
            )
        )
    if not plan.matched:
        raise CliError(
            f"{args.file}: no row matched a catalog model; nothing was imported "
            '(match names with --map "NAME=MODEL_ID")'
        )
    if args.dry_run:
        print("Dry run: nothing imported.")
        return EXIT_OK
    count = len(plan.matched)
    if not args.yes and not confirm(f"Import {count} score(s) from {source}?"):
        print("Nothing imported.")
        return 1
    apply_score_table(store, plan)
    print(one_line(f"Imported {count} quality score(s) from {source}."))
    return EXIT_OK
