"""What a tab may need from the app besides its framework: background tasks, the database and
the model catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.catalog import Catalog
from ui.tasks import TaskRunner


def _no_catalog() -> Catalog | None:
    return None


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class AppServices:
    """`catalog()` is the merged catalog once it has loaded (None before); a tab that wrote to
    the catalog's user data calls `catalog_updated()` so every tab sees it."""

    runner: TaskRunner
    db_path: Path
    catalog: Callable[[], Catalog | None] = _no_catalog
    catalog_updated: Callable[[], None] = _nothing
