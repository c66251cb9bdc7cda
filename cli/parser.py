"""The command line's parser and dispatch: each command group registers its own sub-commands,
so a new verb touches one module, and every handler's bad input ends the same way."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cli import catalog, compute, report, scenarios
from cli import eval as eval_commands
from cli.common import (
    DB_HELP,
    EXIT_BAD_INPUT,
    EXIT_INTERNAL_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    bad_input_lines,
    one_line,
    shown,
)
from core import APP_NAME, APP_VERSION
from operations.diagnostics import (
    DEBUG,
    LOG_FILE_NAME,
    TERMINAL,
    VERBOSE,
    configure_logging,
    log_dir,
    redact_text,
    stop_logging,
)

log = logging.getLogger(__name__)

# The groups in the order `--help` lists them.
GROUPS = (compute, scenarios, report, catalog, eval_commands)


def run(argv: Sequence[str] | None, gui: Callable[[str | None], int]) -> int:
    """Run the command line; without a command, `gui(--db)` opens the window. Returns the exit
    code: 0 ok, 1 the work failed (a run with no answer, an import declined), 2 bad input,
    70 a bug (internal error), 130 interrupted."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage and the problem already
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    log_path = configure_logging(DEBUG if args.debug else min(args.verbose, VERBOSE))
    try:
        return _dispatch(args, gui, log_path, sys.argv[1:] if argv is None else argv)
    finally:
        stop_logging()


def _dispatch(
    args: argparse.Namespace,
    gui: Callable[[str | None], int],
    log_path: Path,
    argv: Sequence[str],
) -> int:
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
    except Exception as exc:
        lines = bad_input_lines(exc)
        if lines is not None:
            log.info("bad input: %s", "; ".join(lines), extra={TERMINAL: False})
            for line in lines:
                print(f"error: {shown(line)}", file=sys.stderr)
            return EXIT_BAD_INPUT
        # Anything else is a bug: the traceback goes to the log file, the terminal gets one
        # line and where to find the rest.
        command = " ".join(["aidf", *argv])
        log.error("internal error in: %s", command, exc_info=exc, extra={TERMINAL: False})
        summary = one_line(redact_text(f"{type(exc).__name__}: {exc}"))
        print(f"internal error: {summary}; details in {log_path}", file=sys.stderr)
        return EXIT_INTERNAL_ERROR


def build_parser() -> argparse.ArgumentParser:
    # --db, -v and --debug are accepted before or after the sub-command. Below the top level
    # their default is SUPPRESS, so a sub-command without them does not overwrite the value
    # given before it.
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=DB_HELP)
    _add_log_options(db_option, argparse.SUPPRESS, argparse.SUPPRESS)

    parser = argparse.ArgumentParser(
        description=f"{APP_NAME}: without a command the desktop app opens;\n"
        "the commands run the same engine headless.",
        # Raw, so the log file's path stays whole on its line.
        epilog="exit codes: 0 done, 1 the work failed, 2 bad input, 70 internal error (a bug),\n"
        f"130 interrupted. The log file:\n  {log_dir() / LOG_FILE_NAME}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", metavar="PATH", default=None, help=DB_HELP)
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {APP_VERSION}")
    _add_log_options(parser, 0, False)
    parser.set_defaults(handler=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in GROUPS:
        group.add_parser(commands, db_option)
    return parser


def _add_log_options(parser: argparse.ArgumentParser, verbose: object, debug: object) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=verbose,
        help="say more on the terminal (the log file always has the details)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=debug,
        help="log everything, to the terminal and the log file",
    )
