"""What a tab may need from the app besides its framework: background tasks, the database and
the model catalog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from core.catalog import Catalog
from ui.tasks import TaskRunner


def _no_catalog() -> Catalog | None:
    return None


def _nothing() -> None:
    return None


def _no_window(_framework_id: str, _values: Callable[[Any], dict[str, Any]]) -> bool:
    return False


class AppServices(NamedTuple):
    """`catalog()` is the merged catalog once it has loaded (None before); a tab that wrote to
    the catalog's user data calls `catalog_updated()` so every tab sees it.
    `fill_framework(framework_id, values)` sets another framework's inputs to
    `values(its current inputs)` as one undoable step and shows its tab (False: no window)."""

    runner: TaskRunner
    db_path: Path
    catalog: Callable[[], Catalog | None] = _no_catalog
    catalog_updated: Callable[[], None] = _nothing
    fill_framework: Callable[[str, Callable[[Any], dict[str, Any]]], bool] = _no_window
