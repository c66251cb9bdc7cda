"""`catalog probe`: measure a model's time to first token and output speed with streamed
requests, and store them as its latency profile (operations/probe.py does the work)."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CliError,
    confirm,
    finite_float,
    one_line,
    open_store,
    user_catalog,
)


def add_parser(catalog_actions: Any, db_option: argparse.ArgumentParser) -> None:
    """Register `catalog probe` among the catalog's actions."""
    cmd = catalog_actions.add_parser(
        "probe",
        parents=[db_option],
        help="measure a model's time to first token and output speed (streamed requests; "
        "asks before spending) and store them as its latency profile",
    )
    cmd.add_argument("model", metavar="MODEL", help="a catalog model id (as litellm names it)")
    cmd.add_argument("--api-base", metavar="URL", help="an OpenAI-compatible server's base URL")
    cmd.add_argument(
        "--requests", type=int, default=5, metavar="N", help="streamed requests measured (5)"
    )
    cmd.add_argument(
        "--input-tokens",
        type=int,
        default=1000,
        metavar="N",
        help="the prompt's size in tokens, about (1000)",
    )
    cmd.add_argument(
        "--output-tokens",
        type=int,
        default=200,
        metavar="N",
        help="tokens each reply streams, by max_tokens (200)",
    )
    cmd.add_argument(
        "--timeout",
        type=finite_float,
        default=60.0,
        metavar="S",
        help="seconds a whole request may take; a stalled stream ends there (60)",
    )
    cmd.add_argument("--yes", action="store_true", help="measure without asking")
    cmd.set_defaults(handler=_cmd_catalog_probe)


def _cmd_catalog_probe(args: argparse.Namespace) -> int:
    """The estimate, a question unless --yes, each request as it lands, the percentiles, and
    the stored profile. Exit 2 on bad input or a refused start, 1 when declined or when
    nothing could be measured."""
    from pydantic import ValidationError

    from core.probe import ProbeProgress, ProbeSettings
    from core.validation import error_lines
    from operations import probe as probe_ops
    from storage import CatalogStore

    try:
        settings = ProbeSettings(
            requests=args.requests,
            input_tokens=args.input_tokens,
            output_tokens=args.output_tokens,
            deadline_s=args.timeout,
        )
    except ValidationError as exc:
        raise CliError(*(_flag_named(line) for line in error_lines(exc, ProbeSettings))) from None
    try:
        plan = probe_ops.plan_probe(
            user_catalog(args), args.model, settings, api_base=args.api_base
        )
    except probe_ops.ProbeError as exc:
        raise CliError(one_line(str(exc))) from None
    print(one_line(plan.describe()))
    if plan.refusal:
        raise CliError(f"not started: {plan.refusal}")
    if not args.yes and not confirm("Measure it?"):
        print("Nothing measured.")
        return EXIT_FAILED

    def progress(p: ProbeProgress) -> None:
        print(one_line(p.sample.line()), flush=True)

    result = probe_ops.run(plan, progress=progress)
    for line in result.summary_lines():
        print(one_line(line))
    with open_store(args, CatalogStore) as store:
        profile = probe_ops.save(store, result)
    if profile is None:
        print(f"Nothing stored: no request of {one_line(plan.model.id)} was measured.")
        return EXIT_FAILED
    print(
        f"Stored as the latency profile of {one_line(plan.model.id)}: first token "
        f"{profile.ttft_ms:,.0f} ms, {profile.output_tokens_per_second:,.1f} tokens/s "
        f"(p50s; source measured, {profile.date.isoformat()})."
    )
    return EXIT_OK


# ProbeSettings' fields as the options name them, so an error names what the user typed.
_FLAGS = {
    "requests": "--requests",
    "input_tokens": "--input-tokens",
    "output_tokens": "--output-tokens",
    "deadline_s": "--timeout",
}


def _flag_named(line: str) -> str:
    field, sep, rest = line.partition(": ")
    return f"{_FLAGS[field]}: {rest}" if sep and field in _FLAGS else line
