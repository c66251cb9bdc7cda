"""Everything that touches SQLite: the database file, its schema and migrations, and the stores."""

from storage.catalog import CatalogStore
from storage.db import SCHEMA_VERSION
from storage.errors import StorageError
from storage.experiments import DatasetInfo, ExperimentRecord, ExperimentStore, RunInfo
from storage.paths import default_db_path, resolve_db_path
from storage.scenarios import ScenarioStore
from storage.traces import TraceStore

__all__ = [
    "SCHEMA_VERSION",
    "CatalogStore",
    "DatasetInfo",
    "ExperimentRecord",
    "ExperimentStore",
    "RunInfo",
    "ScenarioStore",
    "StorageError",
    "TraceStore",
    "default_db_path",
    "resolve_db_path",
]
