"""`report`: a saved scenario's decision summary as Markdown, HTML or PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cli.common import EXIT_OK, CliError, one_line
from cli.scenarios import saved_scenario

REPORT_FORMATS = ("md", "html", "pdf")


def _cmd_report(args: argparse.Namespace) -> int:
    from operations.scenarios import saved_summary_meta, summary_format

    out = Path(args.out)
    fmt = args.format or summary_format(out)
    if fmt is None:
        raise CliError(
            f"cannot tell the report format from '{args.out}': add --format md, html or pdf"
        )
    # The saved result, from the catalog rows it was computed from, as the window shows it.
    saved = saved_scenario(args, args.name)
    result = saved.view.result

    from ui.export import render_plot_images, write_summary

    images: list[tuple[str, bytes]] = []
    if fmt != "md":
        try:
            images = render_plot_images(saved.framework.ID, result)
        except ImportError as exc:
            print(f"warning: {exc}; the report has no plots", file=sys.stderr)
    meta = saved_summary_meta(saved)
    try:
        write_summary(out, fmt, saved.framework, saved.inputs, result, meta, images)
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"Wrote the {fmt} report for '{one_line(saved.scenario.name)}' to {args.out}")
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
