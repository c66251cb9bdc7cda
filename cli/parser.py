"""The command line's parser and dispatch: each command group registers its own sub-commands,
so a new verb touches one module, and every handler's bad input ends the same way."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from cli import catalog, compute, report, scenarios
from cli import eval as eval_commands
from cli.common import DB_HELP, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, CliError, shown
from core import APP_NAME, APP_VERSION

# The groups in the order `--help` lists them.
GROUPS = (compute, scenarios, report, catalog, eval_commands)


def run(argv: Sequence[str] | None, gui: Callable[[str | None], int]) -> int:
    """Run the command line; without a command, `gui(--db)` opens the window. Returns the exit
    code (0 ok, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage and the problem already
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    handler: Callable[[argparse.Namespace], int] | None = args.handler
    try:
        return gui(args.db) if handler is None else handler(args)
    except CliError as exc:
        for line in exc.lines:
            print(f"error: {shown(line)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader went away (`aidf schema X | head`): stop quietly, and keep Python's own
        # flush at exit from raising again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    # --db is accepted before or after the sub-command. Below the top level its default is
    # SUPPRESS, so a sub-command without --db does not overwrite the value given before it.
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=DB_HELP)

    parser = argparse.ArgumentParser(
        description=f"{APP_NAME}: without a command the desktop app opens; "
        "the commands run the same engine headless.",
    )
    parser.add_argument("--db", metavar="PATH", default=None, help=DB_HELP)
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {APP_VERSION}")
    parser.set_defaults(handler=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in GROUPS:
        group.add_parser(commands, db_option)
    return parser
