"""The files the app ships with: example scenarios, example model scores, the demo dataset, icon.

They are package data found through importlib.resources, so a wheel, an installed copy and the
PyInstaller folder carry them; a path built from a module's __file__ pointed outside the
installed packages, and an installed copy lost its first-run examples. The readers want a path
(they refuse FIFOs and oversized files by path, and read in worker threads), so each file is
handed out once through `importlib.resources.as_file`, kept until exit: on disk, as every install of
the app is, that is the file itself; from a zip, an extracted copy. Imports nothing of the app's.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

#: The name the desktop entry, the installed icon and the window's app id share.
DESKTOP_ID = "ai-decision-frameworks"

_kept = contextlib.ExitStack()
atexit.register(_kept.close)


def _path(entry: Traversable) -> Path:
    return _kept.enter_context(as_file(entry))


@functools.cache
def example_scenarios() -> tuple[Path, ...]:
    """The example scenario files (JSON), in file-name order: the order they are loaded."""
    folder = files(__name__) / "examples"
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".json")), key=_name)
    return tuple(_path(e) for e in entries)


@functools.cache
def example_scores() -> Path:
    """Illustrative quality scores and latencies for catalog models (CSV, source "example")."""
    return _path(files(__name__) / "catalog" / "examples.csv")


@functools.cache
def demo_dataset() -> Path:
    """30 short questions about capitals (JSONL), to try an experiment run on."""
    return _path(files(__name__) / "datasets" / "capitals-qa.jsonl")


@functools.cache
def app_icon_svg() -> Path:
    """The application icon, drawn as SVG (the source of the PNG)."""
    return _path(files(__name__) / "icons" / f"{DESKTOP_ID}.svg")


@functools.cache
def app_icon_png() -> Path:
    """The application icon rendered at 256 x 256 px, for the window and bitmap-only desktops."""
    return _path(files(__name__) / "icons" / f"{DESKTOP_ID}.png")


def _name(entry: Traversable) -> str:
    return entry.name
