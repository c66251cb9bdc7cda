"""Entry point: no arguments opens the GUI; a sub-command runs the same engine headless.

The command line lives in `cli/`, one module per command group. Imports happen inside the
commands that need them, so `compute` or a Markdown `report` never loads PySide6, pyqtgraph or
litellm, and a typo in the arguments is reported instantly.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line, or the window without a command; returns the exit code."""
    from cli.parser import run

    return run(argv, gui=_gui)


def _gui(db: str | None) -> int:
    from ui import pause_collection

    pause_collection()  # before the GUI's imports (ui/__init__.py says why)
    from storage import resolve_db_path
    from ui.app import run

    return run(resolve_db_path(db))


if __name__ == "__main__":
    sys.exit(main())
