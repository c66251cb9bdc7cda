"""Everything that touches SQLite: the database file, its schema and migrations, and the stores.

The names below are imported on first use (PEP 562), so opening the scenario store at start-up
does not also import the agent loop, the evaluation runner and numpy behind the other stores.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.catalog import CatalogStore
    from storage.db import SCHEMA_VERSION
    from storage.drafts import Draft, DraftStore
    from storage.errors import StorageError
    from storage.experiments import DatasetInfo, ExperimentRecord, ExperimentStore, RunInfo
    from storage.paths import default_db_path, resolve_db_path
    from storage.scenarios import ScenarioStore
    from storage.traces import TraceStore

_WHERE = {
    "SCHEMA_VERSION": "storage.db",
    "CatalogStore": "storage.catalog",
    "DatasetInfo": "storage.experiments",
    "Draft": "storage.drafts",
    "DraftStore": "storage.drafts",
    "ExperimentRecord": "storage.experiments",
    "ExperimentStore": "storage.experiments",
    "RunInfo": "storage.experiments",
    "ScenarioStore": "storage.scenarios",
    "StorageError": "storage.errors",
    "TraceStore": "storage.traces",
    "default_db_path": "storage.paths",
    "resolve_db_path": "storage.paths",
}

__all__ = [
    "SCHEMA_VERSION",
    "CatalogStore",
    "DatasetInfo",
    "Draft",
    "DraftStore",
    "ExperimentRecord",
    "ExperimentStore",
    "RunInfo",
    "ScenarioStore",
    "StorageError",
    "TraceStore",
    "default_db_path",
    "resolve_db_path",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
