"""`report`: a saved scenario's decision summary as Markdown, HTML or PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cli.common import EXIT_OK, CliError, one_line, saved_version

REPORT_FORMATS = ("md", "html", "pdf")
_SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def _cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = args.format or _SUFFIX_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise CliError(
            f"cannot tell the report format from '{args.out}': add --format md, html or pdf"
        )
    # The saved result, from the catalog rows it was computed from, as the window shows it.
    scenario, _, framework, inputs, view = saved_version(args, args.name)
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
    print(f"Wrote the {fmt} report for '{one_line(scenario.name)}' to {args.out}")
    return EXIT_OK


def add_parser(commands: Any, db_option: argparse.ArgumentParser) -> None:
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
