"""The user's additions to the model catalog in SQLite: custom models, price overrides, quality
scores and latency profiles, usable from any thread."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

import resources
from core.catalog import (
    Catalog,
    CatalogUserData,
    ImportReport,
    LatencyProfile,
    ModelInfo,
    PriceOverride,
    QualityCsvError,
    QualityScore,
    RowProblem,
    apply_user_data,
    parse_example_csv,
    parse_quality_csv,
)
from core.files import read_bytes
from core.score_files import SourcedScore
from core.text import name_problem, visible
from storage.connection import SqliteStore
from storage.errors import StorageError

if TYPE_CHECKING:
    from sqlite_utils import Database

MAX_MODEL_ID_LENGTH = 200
QUALITY_SOURCE_KEY = "quality_source"
# A score per model for every model litellm knows is about 200 KB of CSV.
MAX_CSV_BYTES = 10_000_000

_USER_DATA = TypeAdapter(CatalogUserData)
_CUSTOM_COLUMNS = (
    "id",
    "input_cost_per_token",
    "output_cost_per_token",
    "input_cost_per_token_batch",
    "output_cost_per_token_batch",
    "cache_read_input_token_cost",
    "max_input_tokens",
    "max_output_tokens",
    "supports_function_calling",
    "supports_vision",
)
# A latency profile's columns, named as LatencyProfile's fields; the last five only a probe sets.
_LATENCY_COLUMNS = (
    "ttft_ms",
    "output_tokens_per_second",
    "source",
    "date",
    "ttft_p95_ms",
    "output_tokens_per_second_p95",
    "input_tokens",
    "output_tokens",
    "requests",
)
_OVERRIDE_COLUMNS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "input_cost_per_token_batch",
    "output_cost_per_token_batch",
)


class CatalogStore(SqliteStore):
    """Catalog user data in one SQLite file. Every method may be called from any thread.

    Like ScenarioStore: one connection per thread, opened on first use; writes serialised by
    a lock, each user action one BEGIN IMMEDIATE transaction. The constructor opens, checks
    and upgrades the file, so a bad file is reported where the store is created.
    """

    # Reading

    def user_data(self) -> CatalogUserData:
        """Everything the user added, read in one snapshot."""
        with self._reading("read your catalog data") as db:
            custom = db.execute(
                f"SELECT {', '.join(_CUSTOM_COLUMNS)} FROM catalog_custom_models ORDER BY id"
            ).fetchall()
            overrides = db.execute(
                f"SELECT model_id, {', '.join(_OVERRIDE_COLUMNS)} FROM catalog_price_overrides"
            ).fetchall()
            quality = db.execute(
                "SELECT model_id, score, benchmark, source, date FROM catalog_quality"
            ).fetchall()
            latency = db.execute(
                f"SELECT model_id, {', '.join(_LATENCY_COLUMNS)} FROM catalog_latency"
            ).fetchall()
            # The chosen source's scores are the ones in use; other models keep theirs.
            source = _setting(db, QUALITY_SOURCE_KEY)
            chosen = _sourced(db, source) if source is not None else []
        raw: dict[str, Any] = {
            "custom_models": [
                {
                    **dict(zip(_CUSTOM_COLUMNS, row, strict=True)),
                    "provider": "custom",
                    "custom": True,
                }
                for row in custom
            ],
            "overrides": {
                row[0]: {
                    k: v for k, v in zip(_OVERRIDE_COLUMNS, row[1:], strict=True) if v is not None
                }
                for row in overrides
            },
            "quality": {
                row[0]: {"score": row[1], "benchmark": row[2], "source": row[3], "date": row[4]}
                for row in quality
            },
            "latency": {
                row[0]: {
                    k: v for k, v in zip(_LATENCY_COLUMNS, row[1:], strict=True) if v is not None
                }
                for row in latency
            },
        }
        for sourced in chosen:
            raw["quality"][sourced.model_id] = _in_use(sourced)
        try:
            return _USER_DATA.validate_python(raw)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise StorageError(
                f"Your catalog data could not be read ({where}: {first['msg']}); "
                "the database may have been edited by another program.",
                path=self._path,
            ) from exc

    def apply(self, catalog: Catalog) -> Catalog:
        """`catalog` with the user's data merged (see core.catalog.apply_user_data)."""
        return apply_user_data(catalog, self.user_data())

    def has_scores(self) -> bool:
        """True once any quality score or latency profile exists (the first-run check)."""
        with self._reading("read your catalog data") as db:
            row = db.execute(
                "SELECT EXISTS (SELECT 1 FROM catalog_quality) "
                "OR EXISTS (SELECT 1 FROM catalog_latency)"
            ).fetchone()
        return bool(row[0])

    # Quality and latency

    def set_quality(self, model_id: str, quality: QualityScore) -> None:
        model_id = _clean_id(model_id)
        with self._writing(f"save the quality score of '{model_id}'") as db:
            _put_quality(db, model_id, quality)

    def clear_quality(self, model_id: str) -> None:
        with self._writing(f"clear the quality score of '{model_id}'") as db:
            db.execute("DELETE FROM catalog_quality WHERE model_id = ?", [model_id])

    def set_latency(self, model_id: str, latency: LatencyProfile) -> None:
        model_id = _clean_id(model_id)
        with self._writing(f"save the latency of '{model_id}'") as db:
            _put_latency(db, model_id, latency)

    def clear_latency(self, model_id: str) -> None:
        with self._writing(f"clear the latency of '{model_id}'") as db:
            db.execute("DELETE FROM catalog_latency WHERE model_id = ?", [model_id])

    # Scores from several sources

    def sourced_scores(self) -> dict[str, list[SourcedScore]]:
        """Every model's scores from every source, by model id, sources in name order."""
        with self._reading("read your quality scores") as db:
            rows = _sourced(db, None)
        out: dict[str, list[SourcedScore]] = {}
        for row in rows:
            out.setdefault(row.model_id, []).append(row)
        return out

    def score_sources(self) -> dict[str, int]:
        """The sources scores were imported from, each with how many models it scores."""
        with self._reading("read your quality scores") as db:
            rows = db.execute(
                "SELECT source, COUNT(*) FROM catalog_scores GROUP BY source ORDER BY source"
            ).fetchall()
        return {row[0]: row[1] for row in rows}

    def quality_source(self) -> str | None:
        """The source whose scores the frameworks use; None: the latest score of each model
        (the behaviour before sources existed)."""
        with self._reading("read your catalog settings") as db:
            return _setting(db, QUALITY_SOURCE_KEY)

    def set_quality_source(self, source: str | None) -> None:
        """Use `source`'s scores wherever it has one (None: each model's latest score)."""
        with self._writing("choose the quality source") as db:
            if source is None:
                db.execute("DELETE FROM catalog_settings WHERE key = ?", [QUALITY_SOURCE_KEY])
                return
            known = db.execute(
                "SELECT 1 FROM catalog_scores WHERE source = ? LIMIT 1", [source]
            ).fetchone()
            if known is None:
                names = [r[0] for r in db.execute("SELECT DISTINCT source FROM catalog_scores")]
                raise StorageError(
                    f"No scores come from '{visible(source)}'; "
                    + (
                        f"the sources are: {', '.join(sorted(names))}."
                        if names
                        else "import a table of scores first."
                    )
                )
            db.execute(
                "INSERT OR REPLACE INTO catalog_settings (key, value) VALUES (?, ?)",
                [QUALITY_SOURCE_KEY, source],
            )

    def remembered_names(self) -> dict[str, str]:
        """Display names the user matched to catalog ids before, applied first next time."""
        with self._reading("read your model name matches") as db:
            rows = db.execute("SELECT name, model_id FROM catalog_name_mappings").fetchall()
        return {row[0]: row[1] for row in rows}

    def save_sourced(
        self,
        scores: list[SourcedScore],
        *,
        remember: Mapping[str, str] | None = None,
        latency: Mapping[str, LatencyProfile] | None = None,
        doing: str = "",
    ) -> None:
        """Save scores from a source (replacing that source's earlier score of each model),
        the names matched to ids, and latency profiles (except over one the user entered or
        measured), in one transaction.

        While no source is chosen, each score is also the model's score in use (as an import
        always was); once one is, the chosen source decides (see `set_quality_source`).
        """
        with self._writing(doing or "save the imported scores") as db:
            for name, model_id in (remember or {}).items():
                db.execute(
                    "INSERT OR REPLACE INTO catalog_name_mappings (name, model_id) VALUES (?, ?)",
                    [name.strip(), _clean_id(model_id)],
                )
            follow = _setting(db, QUALITY_SOURCE_KEY) is None
            for sourced in scores:
                if problem := name_problem(sourced.source) or name_problem(sourced.benchmark):
                    raise StorageError(
                        f"The scores were not saved: the source or benchmark {problem}."
                    )
                db.execute(
                    "INSERT OR REPLACE INTO catalog_scores (model_id, source, score, value, "
                    "scale, benchmark, date) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        _clean_id(sourced.model_id),
                        sourced.source,
                        sourced.score,
                        sourced.value,
                        sourced.scale,
                        sourced.benchmark,
                        sourced.date.isoformat(),
                    ],
                )
                if follow:
                    _put_quality(
                        db, sourced.model_id, QualityScore.model_validate(_in_use(sourced))
                    )
            for model_id, profile in (latency or {}).items():
                # A published figure never replaces the user's own (typed or measured).
                kept = db.execute(
                    "SELECT 1 FROM catalog_latency WHERE model_id = ? "
                    "AND source IN ('entered', 'measured')",
                    [model_id],
                ).fetchone()
                if kept is None:
                    _put_latency(db, _clean_id(model_id), profile)

    # Custom models

    def add_custom_model(self, model: ModelInfo) -> None:
        """Save a new custom model (its quality and latency fields are saved too, if set)."""
        model_id = _clean_id(model.id)
        if problem := name_problem(model_id):
            raise StorageError(f"The custom model was not added: its id {problem}.")
        with self._writing(f"add the custom model '{model_id}'") as db:
            if _custom_exists(db, model_id):
                raise StorageError(
                    f"A custom model named '{model_id}' already exists.", path=self._path
                )
            stamp = _now()
            db.execute(
                f"INSERT INTO catalog_custom_models ({', '.join(_CUSTOM_COLUMNS)}, created_at, "
                f"updated_at) VALUES ({', '.join('?' * (len(_CUSTOM_COLUMNS) + 2))})",
                [*_custom_values(model, model_id), stamp, stamp],
            )
            _put_extras(db, model_id, model)

    def update_custom_model(self, model: ModelInfo) -> None:
        """Replace a custom model's prices, limits and capabilities."""
        model_id = _clean_id(model.id)
        with self._writing(f"update the custom model '{model_id}'") as db:
            if not _custom_exists(db, model_id):
                raise self._no_custom(model_id)
            sets = ", ".join(f"{c} = ?" for c in _CUSTOM_COLUMNS[1:])
            db.execute(
                f"UPDATE catalog_custom_models SET {sets}, updated_at = ? WHERE id = ?",
                [*_custom_values(model, model_id)[1:], _now(), model_id],
            )
            _put_extras(db, model_id, model)

    def remove_custom_model(self, model_id: str) -> None:
        """Delete a custom model with its quality score, latency and price override."""
        with self._writing(f"remove the custom model '{model_id}'") as db:
            if not _custom_exists(db, model_id):
                raise self._no_custom(model_id)
            db.execute("DELETE FROM catalog_custom_models WHERE id = ?", [model_id])
            for table in ("catalog_quality", "catalog_latency", "catalog_price_overrides"):
                db.execute(f"DELETE FROM {table} WHERE model_id = ?", [model_id])

    # Price overrides

    def set_override(self, model_id: str, override: PriceOverride, *, merge: bool = False) -> None:
        """Save the model's price override; prices left None keep the catalog's.

        With `merge`, prices left None keep the override saved before instead (editing one
        price in the table leaves the others overridden).
        """
        model_id = _clean_id(model_id)
        values = override.model_dump()
        with self._writing(f"save the prices of '{model_id}'") as db:
            if merge:
                row = db.execute(
                    f"SELECT {', '.join(_OVERRIDE_COLUMNS)} FROM catalog_price_overrides "
                    "WHERE model_id = ?",
                    [model_id],
                ).fetchone()
                if row is not None:
                    saved = dict(zip(_OVERRIDE_COLUMNS, row, strict=True))
                    values = {c: saved[c] if values[c] is None else values[c] for c in values}
            db.execute(
                f"INSERT OR REPLACE INTO catalog_price_overrides (model_id, "
                f"{', '.join(_OVERRIDE_COLUMNS)}, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [model_id, *(values[c] for c in _OVERRIDE_COLUMNS), _now()],
            )

    def clear_override(self, model_id: str) -> None:
        with self._writing(f"reset the prices of '{model_id}'") as db:
            db.execute("DELETE FROM catalog_price_overrides WHERE model_id = ?", [model_id])

    # Files

    def import_quality_csv(self, path: Path, known_ids: Collection[str]) -> ImportReport:
        """Import `model,score[,benchmark]` rows with source "imported", in one transaction.

        Bad rows are skipped and listed in the report, with unknown ids named. A file that
        cannot be read, is binary or empty, or has no header raises StorageError and nothing
        is imported.
        """
        scores, report = self.read_quality_csv(path, known_ids)
        self.set_qualities(scores, f"import quality scores from {path}")
        return report

    def read_quality_csv(
        self, path: Path, known_ids: Collection[str]
    ) -> tuple[dict[str, QualityScore], ImportReport]:
        """The scores a CSV file holds and the import report, nothing written (the command
        line shows the report before asking); StorageError as `import_quality_csv`."""
        path = Path(path)
        text = _read_text(path, "import quality scores from")
        try:
            return parse_quality_csv(text, known_ids)
        except QualityCsvError as exc:
            raise StorageError(
                f"Could not import quality scores from {path}: {exc}. Nothing was imported.",
                path=path,
            ) from exc

    def set_qualities(self, scores: Mapping[str, QualityScore], doing: str = "") -> None:
        """Save several quality scores in one transaction (all or none)."""
        if scores:
            with self._writing(doing or "save the quality scores") as db:
                for model_id, quality in scores.items():
                    _put_quality(db, model_id, quality)

    def load_examples(
        self, known_ids: Collection[str] | None = None, path: Path | None = None
    ) -> ImportReport:
        """Fill in the shipped example scores and latencies (source "example"), one transaction.

        Only models without a quality score (or latency profile) get one, so nothing the user
        entered is replaced. With `known_ids`, models missing from the catalog are skipped and
        reported; `report.imported` counts the models that received anything. Without `path`,
        the example scores the app ships with.
        """
        path = resources.example_scores() if path is None else Path(path)
        text = _read_text(path, "load the example scores from")
        try:
            rows = parse_example_csv(text)
        except (ValueError, KeyError) as exc:
            raise StorageError(
                f"The example scores file {path} is damaged ({exc}).", path=Path(path)
            ) from exc
        problems: list[RowProblem] = []
        unknown: list[str] = []
        filled = 0
        with self._writing("load the example scores") as db:
            for row_number, (model_id, quality, latency) in enumerate(rows, start=2):
                if known_ids is not None and model_id not in known_ids:
                    unknown.append(model_id)
                    problems.append(
                        RowProblem(row=row_number, model=model_id, reason="not in the catalog")
                    )
                    continue
                added = False
                if quality is not None:
                    added |= _insert_missing(
                        db,
                        "INSERT OR IGNORE INTO catalog_quality (model_id, score, benchmark, "
                        "source, date) VALUES (?, ?, ?, ?, ?)",
                        [
                            model_id,
                            quality.score,
                            quality.benchmark,
                            quality.source,
                            quality.date.isoformat(),
                        ],
                    )
                if latency is not None:
                    added |= _insert_missing(
                        db,
                        "INSERT OR IGNORE INTO catalog_latency (model_id, ttft_ms, "
                        "output_tokens_per_second, source, date) VALUES (?, ?, ?, ?, ?)",
                        [
                            model_id,
                            latency.ttft_ms,
                            latency.output_tokens_per_second,
                            latency.source,
                            latency.date.isoformat(),
                        ],
                    )
                filled += added
        return ImportReport(imported=filled, problems=problems, unknown_ids=unknown)

    # Internals

    def _no_custom(self, model_id: str) -> StorageError:
        return StorageError(
            f"No custom model named '{model_id}'; it may have been removed.", path=self._path
        )


def _clean_id(model_id: str) -> str:
    clean = model_id.strip()
    if not clean:
        raise StorageError("A model needs an id.")
    if len(clean) > MAX_MODEL_ID_LENGTH:
        raise StorageError(
            f"A model id can have at most {MAX_MODEL_ID_LENGTH} characters "
            f"(this one has {len(clean)})."
        )
    if any(ch in clean for ch in "\r\n\t"):
        raise StorageError("A model id must be on one line, without tabs.")
    return clean


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _custom_exists(db: Database, model_id: str) -> bool:
    row = db.execute("SELECT 1 FROM catalog_custom_models WHERE id = ?", [model_id]).fetchone()
    return row is not None


def _custom_values(model: ModelInfo, model_id: str) -> list[Any]:
    values = [getattr(model, c) for c in _CUSTOM_COLUMNS]
    values[0] = model_id
    return values


def _put_extras(db: Database, model_id: str, model: ModelInfo) -> None:
    if model.quality is not None:
        _put_quality(db, model_id, model.quality)
    if model.latency is not None:
        _put_latency(db, model_id, model.latency)


def _put_quality(db: Database, model_id: str, quality: QualityScore) -> None:
    # The benchmark is shown beside the score on the Models tab, in exports and the evidence.
    if problem := name_problem(quality.benchmark):
        raise StorageError(
            f"The quality score of '{visible(model_id)}' was not saved: its benchmark {problem}."
        )
    db.execute(
        "INSERT OR REPLACE INTO catalog_quality (model_id, score, benchmark, source, date) "
        "VALUES (?, ?, ?, ?, ?)",
        [model_id, quality.score, quality.benchmark, quality.source, quality.date.isoformat()],
    )


def _put_latency(db: Database, model_id: str, latency: LatencyProfile) -> None:
    values = latency.model_dump()
    values["date"] = latency.date.isoformat()
    db.execute(
        f"INSERT OR REPLACE INTO catalog_latency (model_id, {', '.join(_LATENCY_COLUMNS)}) "
        f"VALUES (?, {', '.join('?' * len(_LATENCY_COLUMNS))})",
        [model_id, *(values[c] for c in _LATENCY_COLUMNS)],
    )


def _setting(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM catalog_settings WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def _sourced(db: Database, source: str | None) -> list[SourcedScore]:
    sql = "SELECT model_id, source, score, value, scale, benchmark, date FROM catalog_scores"
    params: list[Any] = []
    if source is not None:
        sql += " WHERE source = ?"
        params.append(source)
    rows = db.execute(sql + " ORDER BY model_id, source", params).fetchall()
    try:
        return [
            SourcedScore(r[0], r[1], float(r[2]), float(r[3]), r[4], r[5], date.fromisoformat(r[6]))
            for r in rows
        ]
    except (TypeError, ValueError) as exc:
        raise StorageError(
            f"Your quality scores could not be read ({exc}); the database may have been edited "
            "by another program."
        ) from exc


def _in_use(sourced: SourcedScore) -> dict[str, Any]:
    """The QualityScore fields of a sourced score as the frameworks use it: the source's name
    goes into the benchmark, which the evidence and exports carry."""
    return {
        "score": sourced.score,
        "benchmark": sourced.label(),
        "source": "imported",
        "date": sourced.date.isoformat(),
    }


def _insert_missing(db: Database, sql: str, params: list[Any]) -> bool:
    return db.execute(sql, params).rowcount > 0


def read_score_text(path: Path) -> str:
    """A table of scores as text (UTF-8, at most MAX_CSV_BYTES); StorageError saying why not."""
    return _read_text(Path(path), "import scores from")


def _read_text(path: Path, doing: str) -> str:
    try:
        # utf-8-sig: spreadsheets on Windows save CSV with a byte-order mark.
        return read_bytes(path, MAX_CSV_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StorageError(
            f"Could not {doing} {path}: it is not a UTF-8 text file (unreadable byte at "
            f"position {exc.start}). Save it as CSV UTF-8 and try again. Nothing was imported.",
            path=path,
        ) from exc
    except OSError as exc:
        # strerror of core.files' refusals: "it is a folder, not a regular file", "it is over
        # the limit of 10 MB".
        raise StorageError(f"Could not {doing} {path}: {exc.strerror or exc}.", path=path) from exc
