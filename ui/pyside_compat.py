"""PySide6's internals the app changes, imported first by the window's start (ui/app.py):
importing it loads Qt and stops PySide6 from reading the source of every module imported
after it (see _no_feature_scan). Not in the `ui` package's own import: the command line's
Markdown and JSON reports use ui.export without Qt."""

from __future__ import annotations

import sys

import PySide6.QtCore  # noqa: F401  (first: the scan below is installed with it)


def _no_feature_scan() -> None:
    """PySide6 reads the whole source of each module imported after it, looking for the word
    "PySide6", to know which modules may select its `__feature__` options (snake_case,
    true_property); this app selects none, and the window's start-up imports some 500
    modules after Qt: reading them cost about 6% of the time to the first paint. Every module
    now counts as one that uses PySide with no feature selected, which is what PySide would
    say of ours, and what the others see anyway while no module selects a feature."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        setattr(feature, "_mod_uses_pyside", _uses_pyside)  # noqa: B010 (no such stub)


def _uses_pyside(_module: object) -> bool:
    return True


_no_feature_scan()
