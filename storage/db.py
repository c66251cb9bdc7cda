"""Opening the SQLite file safely: validity checks, connection settings and schema migrations.

The schema version lives in ``PRAGMA user_version``; ``PRAGMA application_id`` marks the file as
ours so another program's SQLite database is never mistaken for one of our schema versions.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core import APP_NAME, APP_VERSION
from core.files import NotRegularFileError, read_prefix
from storage.errors import (
    StorageError,
    damaged_database_error,
    is_damage,
    storage_error_from_sqlite,
)
from storage.jsoncolumn import decode

if TYPE_CHECKING:
    from sqlite_utils import Database

SQLITE_HEADER = b"SQLite format 3\x00"
# "AIDF" in ASCII, written into the file header by the first migration.
APPLICATION_ID = 0x41494446
BUSY_TIMEOUT_MS = 5000


def _migration_1_scenarios(db: Database) -> None:
    """Scenarios, every saved version of each, and a key/value table for facts about the file."""
    db.executescript(
        """
        CREATE TABLE scenarios (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            framework_id TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            current_version INTEGER NOT NULL
        );
        CREATE INDEX scenarios_framework_id ON scenarios (framework_id);
        CREATE INDEX scenarios_updated_at ON scenarios (updated_at);
        CREATE TABLE scenario_versions (
            scenario_id INTEGER NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            inputs_json TEXT NOT NULL,
            result_json TEXT,
            notes TEXT NOT NULL DEFAULT '',
            saved_at TEXT NOT NULL,
            PRIMARY KEY (scenario_id, version)
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )
    db.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('created_by', ?)", [f"{APP_NAME} {APP_VERSION}"]
    )


def _migration_2_catalog(db: Database) -> None:
    """The user's additions to the model catalog, each keyed by model id.

    Prices are dollars per token; dates are ISO dates (YYYY-MM-DD), times ISO UTC. Quality and
    latency rows may name a model the price map no longer has; they are kept (a later litellm
    may bring it back) and simply not shown.
    """
    db.executescript(
        """
        CREATE TABLE catalog_custom_models (
            id TEXT PRIMARY KEY,
            input_cost_per_token REAL NOT NULL CHECK (input_cost_per_token >= 0),
            output_cost_per_token REAL NOT NULL CHECK (output_cost_per_token >= 0),
            input_cost_per_token_batch REAL CHECK (input_cost_per_token_batch >= 0),
            output_cost_per_token_batch REAL CHECK (output_cost_per_token_batch >= 0),
            cache_read_input_token_cost REAL CHECK (cache_read_input_token_cost >= 0),
            max_input_tokens INTEGER,
            max_output_tokens INTEGER,
            supports_function_calling INTEGER NOT NULL DEFAULT 0,
            supports_vision INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE catalog_price_overrides (
            model_id TEXT PRIMARY KEY,
            input_cost_per_token REAL CHECK (input_cost_per_token >= 0),
            output_cost_per_token REAL CHECK (output_cost_per_token >= 0),
            input_cost_per_token_batch REAL CHECK (input_cost_per_token_batch >= 0),
            output_cost_per_token_batch REAL CHECK (output_cost_per_token_batch >= 0),
            updated_at TEXT NOT NULL
        );
        CREATE TABLE catalog_quality (
            model_id TEXT PRIMARY KEY,
            score REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
            benchmark TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL,
            date TEXT NOT NULL
        );
        CREATE TABLE catalog_latency (
            model_id TEXT PRIMARY KEY,
            ttft_ms REAL NOT NULL CHECK (ttft_ms >= 0),
            output_tokens_per_second REAL NOT NULL CHECK (output_tokens_per_second > 0),
            source TEXT NOT NULL,
            date TEXT NOT NULL
        );
        """
    )


def _migration_3_agent_traces(db: Database) -> None:
    """Agent trials and their step-by-step traces.

    Costs are USD, latencies milliseconds, times ISO UTC. A trial keeps what it ran with (task,
    model, base URL, limits, prompt) but never an API key. `arguments_json` is a versioned JSON
    column (storage.jsoncolumn), NULL when the model's arguments could not be parsed.
    """
    db.executescript(
        """
        CREATE TABLE agent_trials (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            task TEXT NOT NULL,
            model TEXT NOT NULL,
            api_base TEXT,
            max_iterations INTEGER NOT NULL,
            cost_cap_usd REAL NOT NULL,
            temperature REAL NOT NULL,
            notes_path TEXT,
            system_prompt TEXT NOT NULL,
            status TEXT NOT NULL CHECK (
                status IN ('answered', 'max_iterations', 'cost_cap', 'cancelled', 'error')
            ),
            answer TEXT NOT NULL DEFAULT '',
            stop_reason TEXT NOT NULL DEFAULT '',
            iterations INTEGER NOT NULL CHECK (iterations >= 0),
            input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
            output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
            cost_usd REAL NOT NULL CHECK (cost_usd >= 0),
            latency_ms REAL NOT NULL CHECK (latency_ms >= 0)
        );
        CREATE INDEX agent_trials_created_at ON agent_trials (created_at);
        CREATE INDEX agent_trials_model_status ON agent_trials (model, status);
        CREATE TABLE agent_steps (
            trial_id INTEGER NOT NULL REFERENCES agent_trials (id) ON DELETE CASCADE,
            step_index INTEGER NOT NULL,
            iteration INTEGER NOT NULL DEFAULT 0,
            kind TEXT NOT NULL CHECK (
                kind IN ('thought', 'tool_call', 'tool_result', 'answer', 'error')
            ),
            text TEXT NOT NULL,
            tool TEXT,
            arguments_json TEXT,
            result TEXT,
            input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
            output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
            cost_usd REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            latency_ms REAL NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
            PRIMARY KEY (trial_id, step_index)
        );
        """
    )


def _migration_4_experiments(db: Database) -> None:
    """Evaluation datasets (versioned), runs and their samples, the response cache, experiments.

    Costs are USD, latencies milliseconds, times ISO UTC. A dataset name may have several
    versions (1, 2, ...), each with its items in file order (`position` from 0). A run keeps the
    variant and settings it ran with (versioned JSON, storage.jsoncolumn) but never an API key.
    A run sample's `cost_usd` is what this run paid; a cached answer pays 0 and keeps its
    original price in `cached_cost_usd`. Experiment figures are on the metric's own scale
    (`lift`, `low`, `high`: variant minus baseline with its 95% interval); `comparison_json`
    holds the full comparison. The run status list must match core.evaluation.RunStatus.
    """
    db.executescript(
        """
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL COLLATE NOCASE,
            version INTEGER NOT NULL CHECK (version >= 1),
            content_hash TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            item_count INTEGER NOT NULL CHECK (item_count >= 0),
            columns_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (name, version)
        );
        CREATE INDEX datasets_created_at ON datasets (created_at);
        CREATE INDEX datasets_name_hash ON datasets (name, content_hash);
        CREATE TABLE dataset_items (
            dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            item_id TEXT NOT NULL,
            input TEXT NOT NULL,
            expected TEXT NOT NULL DEFAULT '',
            fields_json TEXT NOT NULL,
            PRIMARY KEY (dataset_id, position),
            UNIQUE (dataset_id, item_id)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dataset_id INTEGER NOT NULL REFERENCES datasets (id),
            name TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL CHECK (kind IN ('model', 'imported')),
            variant_json TEXT NOT NULL,
            settings_json TEXT,
            status TEXT NOT NULL CHECK (
                status IN ('running', 'completed', 'cancelled', 'spend_cap', 'failed', 'imported')
            ),
            stop_reason TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX runs_dataset_created_at ON runs (dataset_id, created_at);
        CREATE INDEX runs_created_at ON runs (created_at);
        CREATE TABLE run_samples (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            output TEXT NOT NULL DEFAULT '',
            error TEXT,
            latency_ms REAL NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
            input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
            output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
            cost_usd REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            cached INTEGER NOT NULL DEFAULT 0 CHECK (cached IN (0, 1)),
            cached_cost_usd REAL NOT NULL DEFAULT 0 CHECK (cached_cost_usd >= 0),
            attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 0),
            finished_at TEXT NOT NULL,
            PRIMARY KEY (run_id, item_id)
        ) WITHOUT ROWID;
        CREATE TABLE response_cache (
            key TEXT PRIMARY KEY,
            output TEXT NOT NULL,
            input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
            output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
            cost_usd REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            created_at TEXT NOT NULL
        );
        CREATE TABLE experiments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL DEFAULT '',
            dataset_id INTEGER NOT NULL REFERENCES datasets (id),
            baseline_run_id INTEGER NOT NULL REFERENCES runs (id),
            variant_run_id INTEGER NOT NULL REFERENCES runs (id),
            metric TEXT NOT NULL,
            min_lift REAL NOT NULL,
            baseline_mean REAL NOT NULL,
            baseline_low REAL,
            baseline_high REAL,
            variant_mean REAL NOT NULL,
            variant_low REAL,
            variant_high REAL,
            lift REAL NOT NULL,
            low REAL,
            high REAL,
            p_value REAL CHECK (p_value BETWEEN 0 AND 1),
            verdict TEXT NOT NULL,
            comparison_json TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX experiments_dataset_created_at ON experiments (dataset_id, created_at);
        CREATE INDEX experiments_created_at ON experiments (created_at);
        CREATE INDEX experiments_baseline_run ON experiments (baseline_run_id);
        CREATE INDEX experiments_variant_run ON experiments (variant_run_id);
        """
    )


def _migration_5_drafts(db: Database) -> None:
    """Unsaved edits kept while the user works, one per framework tab, so a crash loses at
    most the last few seconds. `inputs_json` is a versioned JSON column; a draft names the
    saved scenario it edits (NULL for an unsaved one; the link goes if that scenario does)."""
    db.executescript(
        """
        CREATE TABLE drafts (
            framework_id TEXT PRIMARY KEY,
            scenario_id INTEGER REFERENCES scenarios (id) ON DELETE SET NULL,
            scenario_name TEXT NOT NULL DEFAULT '',
            inputs_json TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            saved_at TEXT NOT NULL
        );
        """
    )


def scenario_verdict(result_json: str | None) -> tuple[str | None, str | None]:
    """(headline, recommendation) of a stored framework result, for the scenario list; an
    unreadable or absent result has neither."""
    if result_json is None:
        return None, None
    try:
        value = decode(result_json)
    except StorageError:
        return None, None
    if not isinstance(value, dict):
        return None, None
    found = [value.get(key) for key in ("headline", "recommendation")]
    return (
        None if found[0] is None else str(found[0]),
        None if found[1] is None else str(found[1]),
    )


def _migration_6_scenario_verdicts(db: Database) -> None:
    """Each scenario's headline and recommendation beside its name, copied from its current
    version's result, so listing thousands of scenarios reads no results at all."""
    db.executescript(
        """
        ALTER TABLE scenarios ADD COLUMN headline TEXT;
        ALTER TABLE scenarios ADD COLUMN recommendation TEXT;
        """
    )
    rows = db.execute(
        "SELECT s.id, v.result_json FROM scenarios AS s JOIN scenario_versions AS v "
        "ON v.scenario_id = s.id AND v.version = s.current_version"
    ).fetchall()
    db.conn.executemany(
        "UPDATE scenarios SET headline = ?, recommendation = ? WHERE id = ?",
        ((*scenario_verdict(result_json), sid) for sid, result_json in rows),
    )


def _migration_7_version_evidence(db: Database) -> None:
    """Each saved version keeps the catalog rows its result was computed from (prices,
    limits, quality and latency with their source and date, the price map), as a JSON column;
    NULL for the versions saved before, which are computed with today's catalog."""
    db.execute("ALTER TABLE scenario_versions ADD COLUMN evidence_json TEXT")


def _migration_8_partial_runs(db: Database) -> None:
    """Runs may end 'partial' (some items answered, some errors), so a run's status says what
    it stored. Must match core.evaluation.RunStatus.

    Only the CHECK's list of statuses grows, which every stored row already satisfies, so the
    table's definition is edited in place (SQLite's documented way for a constraint change
    that leaves the file's format alone): rebuilding `runs` would, with foreign keys on,
    cascade-delete every sample on the DROP.
    """
    old = "'spend_cap', 'failed', 'imported')"
    new = "'spend_cap', 'failed', 'imported', 'partial')"
    (sql,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
    ).fetchone()
    if old not in sql:
        raise sqlite3.DatabaseError("the runs table's status list is not the expected one")
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'runs'",
            [sql.replace(old, new)],
        )
        # Tells every open connection to read the schema again.
        db.execute(f"PRAGMA schema_version = {int(version) + 1:d}")
    finally:
        db.execute("PRAGMA writable_schema = OFF")


def _migration_score_sources(db: Database) -> None:
    """Quality scores from several sources side by side (HELM, an arena, the user's own
    experiment), the display names the user matched to catalog ids, and catalog settings (the
    source whose scores the frameworks use). catalog_quality keeps the score in use when no
    source is chosen, so files from before read as they did."""
    db.executescript(
        """
        CREATE TABLE catalog_scores (
            model_id TEXT NOT NULL,
            source TEXT NOT NULL,
            score REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
            value REAL NOT NULL,
            scale TEXT NOT NULL CHECK (scale IN ('unit', 'percent', 'elo')),
            benchmark TEXT NOT NULL DEFAULT '',
            date TEXT NOT NULL,
            PRIMARY KEY (model_id, source)
        );
        CREATE TABLE catalog_name_mappings (
            name TEXT PRIMARY KEY,
            model_id TEXT NOT NULL
        );
        CREATE TABLE catalog_settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )


def _migration_latency_probe(db: Database) -> None:
    """A measured latency profile keeps its slow tail and what it was measured with: the p95
    of time to first token (ms), the speed 95% of the probe's requests reached (tokens/s), the
    prompt's input and output tokens and the number of requests. NULL for entered figures."""
    db.executescript(
        """
        ALTER TABLE catalog_latency ADD COLUMN ttft_p95_ms REAL CHECK (ttft_p95_ms >= 0);
        ALTER TABLE catalog_latency ADD COLUMN output_tokens_per_second_p95 REAL
            CHECK (output_tokens_per_second_p95 > 0);
        ALTER TABLE catalog_latency ADD COLUMN input_tokens INTEGER CHECK (input_tokens >= 0);
        ALTER TABLE catalog_latency ADD COLUMN output_tokens INTEGER CHECK (output_tokens >= 0);
        ALTER TABLE catalog_latency ADD COLUMN requests INTEGER CHECK (requests >= 1);
        """
    )


def _migration_batch_jobs(db: Database) -> None:
    """Runs sent through a provider's Batch API: one row per batch, tied to its run.

    `provider_batch_id` and the file ids are the provider's; `api_base` is the server's base
    URL with any credentials removed (NULL: the provider's own API), never a key.
    `item_ids_json` lists the items the batch carries (a batch of a run's failed items
    carries only those); `prices_json` the batch prices its results are billed at (USD per
    token and their source), NULL when unknown. `status` is the provider's word; the counts
    are its request counts; `imported` is 1 once the results are stored as the run's samples.
    Times are ISO UTC.
    """
    db.executescript(
        """
        CREATE TABLE batch_jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            provider_batch_id TEXT NOT NULL,
            api_base TEXT,
            input_file_id TEXT NOT NULL,
            output_file_id TEXT,
            error_file_id TEXT,
            status TEXT NOT NULL,
            item_ids_json TEXT NOT NULL,
            prices_json TEXT,
            total INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
            completed INTEGER NOT NULL DEFAULT 0 CHECK (completed >= 0),
            failed INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
            message TEXT NOT NULL DEFAULT '',
            imported INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX batch_jobs_run ON batch_jobs (run_id);
        CREATE INDEX batch_jobs_imported ON batch_jobs (imported);
        """
    )


Migration = Callable[["Database"], None]

# Append-only: MIGRATIONS[i] takes a database from user_version i to i + 1. Never edit or
# reorder a released entry; users' files were built by exactly these steps.
MIGRATIONS: list[Migration] = [
    _migration_1_scenarios,
    _migration_2_catalog,
    _migration_3_agent_traces,
    _migration_4_experiments,
    _migration_5_drafts,
    _migration_6_scenario_verdicts,
    _migration_7_version_evidence,
    _migration_8_partial_runs,
    _migration_score_sources,
    _migration_latency_probe,
    _migration_batch_jobs,
]
SCHEMA_VERSION: int = len(MIGRATIONS)


def check(path: Path) -> None:
    """Open (creating if absent), check and upgrade the database at `path`, then close it;
    every later connection is `connect_existing`.

    A file that is not a SQLite database, is damaged, belongs to another program, or was made
    by a newer version of the app raises StorageError before anything is written to it. An
    up-to-date file is checked with the standard library alone, so sqlite-utils is first
    imported by the first query, not on the way to the first window."""
    _checked_connection(Path(path)).close()


def _checked_connection(path: Path) -> sqlite3.Connection:
    _refuse_non_sqlite_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"Could not create the folder {path.parent} for the database: {exc.strerror or exc}.",
            path=path,
        ) from exc
    checked = _check_read_only(path)
    try:
        conn = _open(path)
    except sqlite3.Error as exc:
        raise storage_error_from_sqlite(exc, path, "open the database") from exc
    try:
        if not checked:
            _refuse_unusable_contents(conn, path)
        _enable_wal(conn)
        _migrate(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error_from_sqlite(exc, path, "open the database") from exc
    except BaseException:
        conn.close()
        raise
    return conn


# SQLite's companions of a database file: a WAL holds committed pages not yet in the main
# file, so it travels with it; left behind, it would be replayed into a new file of that name.
_COMPANIONS = ("-wal", "-shm", "-journal")


def set_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename a damaged database to ``<name>.corrupt-<YYYYmmdd-HHMMSS>`` beside it, with its
    -wal/-shm/-journal companions renamed alike, and return the new path.

    Only renames: the bytes are never touched, and an existing file is never overwritten (a
    counter is added when the name is taken). Afterwards `path` is free for a new database.
    Raises StorageError (the file stays where it was) when the rename is not allowed.
    """
    path = Path(path)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = path.with_name(f"{path.name}.corrupt-{stamp}")
    target, n = base, 1
    while any(Path(f"{target}{suffix}").exists() for suffix in ("", *_COMPANIONS)):
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    try:
        path.rename(target)
    except OSError as exc:
        raise StorageError(
            f"Could not keep the damaged database {path} aside as {target.name}: "
            f"{exc.strerror or exc}. It was left where it is, unchanged.",
            path=path,
        ) from exc
    for suffix in _COMPANIONS:
        companion = Path(f"{path}{suffix}")
        try:
            companion.rename(f"{target}{suffix}")
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StorageError(
                f"The damaged database {path} was kept aside as {target}, but its {suffix[1:]} "
                f"file could not be moved with it ({exc.strerror or exc}). Move {companion} "
                "next to it by hand before opening a new database there.",
                path=path,
            ) from exc
    return target


def connect_existing(path: Path) -> Database:
    """Another connection (e.g. for a worker thread) to a database `check` already checked."""
    path = Path(path)
    try:
        return _wrap(_open(path))
    except sqlite3.Error as exc:
        raise storage_error_from_sqlite(exc, path, "open the database") from exc


def _wrap(conn: sqlite3.Connection) -> Database:
    Database = _sqlite_utils_database()  # noqa: N806 (the class, imported late)

    # Plugins could alter our connection behind our back; a desktop app wants none.
    return Database(conn, execute_plugins=False)


def _sqlite_utils_database() -> type[Database]:
    """sqlite-utils' Database class, imported without pandas.

    sqlite_utils.db imports pandas whenever it is installed, only to convert pandas values the
    app never stores; with the mlflow extra in the environment that import is about a second
    and 100 MB on the way to the first window. pandas is hidden for that one import (a None
    entry in sys.modules makes `import pandas` raise ImportError) and restored at once, so a
    later `import pandas` (MLflow's table logging) works as usual. See
    tests/storage/test_db_open.py for the check that pandas stays out.
    """
    if "sqlite_utils.db" not in sys.modules and "pandas" not in sys.modules:
        sys.modules["pandas"] = None  # type: ignore[assignment]
        try:
            import sqlite_utils.db  # noqa: F401
        finally:
            if "pandas" in sys.modules and sys.modules["pandas"] is None:
                del sys.modules["pandas"]
    from sqlite_utils import Database

    return Database


def _open(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves, one transaction per
    # user action. check_same_thread=False only so a store can close every thread's
    # connection at shutdown; each connection is otherwise used by the thread that opened it.
    conn = sqlite3.connect(
        str(path),
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    try:
        # SQLite's own case folding (LIKE, NOCASE) covers ASCII only; searches use this.
        conn.create_function("aidf_casefold", 1, _casefold, deterministic=True)
        # Connection-level settings only: none of these writes to the file.
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def _casefold(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def _refuse_non_sqlite_file(path: Path) -> None:
    """Check the 16-byte header in Python, so SQLite never gets a chance to touch a stray file."""
    try:
        header = read_prefix(path, len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except NotRegularFileError as exc:
        # A FIFO would block the open; a device is no database either.
        raise StorageError(
            f"{path} is {exc.kind}, not a database file. Choose a file name instead.", path=path
        ) from exc
    except OSError as exc:
        raise StorageError(
            f"Could not read the database {path}: {exc.strerror or exc}.", path=path
        ) from exc
    # An empty file is what some tools leave when asked to create one: safe to initialise.
    if header and header != SQLITE_HEADER:
        raise damaged_database_error(path, "it does not start with the SQLite file header")


def _check_read_only(path: Path) -> bool:
    """Run the checks on a read-only connection, so a file that will be refused is never
    opened for writing; True when they ran and passed, False when there is nothing to read.

    A read-write connection, even one that only reads, replays a pending -wal into the main
    file and deletes it when it closes: a newer app's database would be rewritten while it was
    "left untouched". A read-only connection reads the WAL (SQLite may create the -shm index
    beside it) and writes neither file. A hot rollback journal needs a writer to roll it back;
    that case is left to the read-write connection, as before.
    """
    try:
        if path.stat().st_size == 0:
            return False
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StorageError(
            f"Could not read the database {path}: {exc.strerror or exc}.", path=path
        ) from exc
    uri = f"{path.absolute().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise storage_error_from_sqlite(exc, path, "open the database") from exc
    try:
        _refuse_unusable_contents(conn, path)
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) == _SQLITE_READONLY_ROLLBACK:
            return False
        raise storage_error_from_sqlite(exc, path, "open the database") from exc
    finally:
        conn.close()
    return True


# SQLITE_READONLY | (3 << 8): a hot journal that a read-only connection cannot roll back.
_SQLITE_READONLY_ROLLBACK = 776


def _refuse_unusable_contents(db: sqlite3.Connection, path: Path) -> None:
    """Read-only checks run before the first write (even before switching to WAL)."""
    try:
        rows = db.execute("PRAGMA quick_check(1)").fetchall()
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise damaged_database_error(path, str(exc)) from exc
        raise
    verdict = str(rows[0][0]) if rows else "no answer from the integrity check"
    if verdict != "ok":
        detail = next(
            (line for line in verdict.splitlines() if line and not line.startswith("***")),
            verdict,
        )
        raise damaged_database_error(path, f"integrity check: {detail}")

    app_id = _pragma_int(db, "application_id")
    version = _pragma_int(db, "user_version")
    tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    has_tables = any(not str(name).startswith("sqlite_") for (name,) in tables)
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and (version != 0 or has_tables)):
        raise StorageError(
            f"{path} is a SQLite database made by another program, not by AI Decision "
            "Frameworks. It was left untouched; choose another database file.",
            path=path,
        )
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"The database {path} was created by a newer version of AI Decision Frameworks "
            f"(schema {version}); this app understands up to {SCHEMA_VERSION}. Update the app "
            "or choose another database. The file was left untouched.",
            path=path,
        )


def _enable_wal(db: sqlite3.Connection) -> None:
    try:
        db.execute("PRAGMA journal_mode = WAL").fetchall()
    except sqlite3.OperationalError as exc:
        # A read-only file can still be browsed; writes will say it is read-only.
        # An upgrade cannot happen on it, though, so that case is reported here.
        if "readonly" not in str(exc).lower() or _pragma_int(db, "user_version") < SCHEMA_VERSION:
            raise


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    start = _pragma_int(conn, "user_version")
    if start >= SCHEMA_VERSION:
        return
    db = _wrap(conn)  # the migrations build tables with sqlite-utils
    for target in range(start + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have run this step while we waited for the write lock.
            if _pragma_int(conn, "user_version") < target:
                MIGRATIONS[target - 1](db)
                conn.execute(f"PRAGMA user_version = {target:d}")
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise storage_error_from_sqlite(
                    exc, path, f"upgrade the database to schema {target}"
                ) from exc
            raise


def _pragma_int(db: sqlite3.Connection | Database, name: str) -> int:
    row = db.execute(f"PRAGMA {name}").fetchone()
    return int(row[0]) if row else 0
