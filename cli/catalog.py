"""`catalog` and `catalog import-scores`: the model catalog and the user's quality scores."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

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
                f"{m.quality.score:.2f} ({m.quality.source})" if m.quality else "-",
            )
        )
    print_table(rows)
    dated = f", {catalog.price_date.isoformat()}" if catalog.price_date else ""
    print(f"{len(models):,} of {len(catalog):,} models; prices from {catalog.source}{dated}")
    return EXIT_OK


def _cmd_catalog_import_scores(args: argparse.Namespace) -> int:
    """Quality scores from a CSV file into the catalog, as the Models tab imports them; the
    report first, then a question unless --yes. Exit 2 on an unusable file or no usable row,
    1 when the import is declined."""
    from operations.catalog import apply_scores, read_scores
    from storage import CatalogStore

    source = one_line(args.source)
    if not source:
        raise CliError("--source needs a name: where the scores come from")
    known = {m.id for m in user_catalog(args)}
    with open_store(args, CatalogStore) as store:
        plan = read_scores(store, Path(args.file), known, source)
        for line in plan.report.lines():
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
