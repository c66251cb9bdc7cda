"""Saved scenarios and their version history in SQLite, usable from any thread."""

from __future__ import annotations

import builtins
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

from core.files import write_atomic
from core.scenario import (
    Scenario,
    ScenarioFileError,
    ScenarioVersion,
    dump_scenario_file,
    parse_scenario_file,
    read_file_bytes,
)
from core.text import name_problem
from storage.connection import SqliteStore
from storage.db import scenario_verdict
from storage.errors import StorageError
from storage.jsoncolumn import decode, encode

if TYPE_CHECKING:
    from sqlite_utils import Database

MAX_NAME_LENGTH = 200  # the same bound as core.scenario.Scenario.name

_Model = TypeVar("_Model", Scenario, ScenarioVersion)
# Built on first use (as the models are): building validators costs start-up time.
_DEFERRED = ConfigDict(defer_build=True)
_SCENARIO_LIST = TypeAdapter(list[Scenario], config=_DEFERRED)
_VERSION_LIST = TypeAdapter(list[ScenarioVersion], config=_DEFERRED)

_SCENARIO_SELECT = """
    SELECT s.id, s.name, s.framework_id, s.notes, s.created_at, s.updated_at,
           s.current_version, v.inputs_json, v.result_json, v.evidence_json
    FROM scenarios AS s
    JOIN scenario_versions AS v ON v.scenario_id = s.id AND v.version = s.current_version
"""

# A list reads no results: each scenario's headline and recommendation are copied beside its
# name from the current version's result on every save (migration 6). Reading them from the
# results (2-20 kB each, plot series included) made the list seven times slower
# (bench/storage_bench.py has the figures).
_SUMMARY_SELECT = """
    SELECT s.id, s.name, s.framework_id, s.notes, s.updated_at, s.current_version,
           s.headline, s.recommendation
    FROM scenarios AS s
"""


class ScenarioSummary(NamedTuple):
    """One line of a scenario list: what the Open dialog and `scenarios list` show."""

    id: int
    name: str
    framework_id: str
    notes: str
    version: int
    updated_at: datetime
    headline: str | None
    recommendation: str | None

    @property
    def label(self) -> str:
        """The result's one-line verdict: its headline, else its recommendation, else ""."""
        return self.headline or self.recommendation or ""


class ScenarioStore(SqliteStore):
    """Scenarios and every saved version of them (see SqliteStore for threads)."""

    # Reading

    def list(self, search: str = "", framework_id: str | None = None) -> list[Scenario]:
        """Scenarios at their latest version, most recently changed first.

        `search` matches a substring of the name or the notes, ignoring case in any script.
        """
        where, params = _filter(search, framework_id)
        sql = f"{_SCENARIO_SELECT} {where} ORDER BY s.updated_at DESC, s.id DESC"
        with self._reading("list the scenarios") as db:
            rows = db.execute(sql, params).fetchall()
        return _scenarios_from_rows(rows)

    def summaries(
        self, search: str = "", framework_id: str | None = None
    ) -> builtins.list[ScenarioSummary]:
        """The same scenarios in the same order as `list`, without their inputs and results."""
        where, params = _filter(search, framework_id)
        sql = f"{_SUMMARY_SELECT} {where} ORDER BY s.updated_at DESC, s.id DESC"
        with self._reading("list the scenarios") as db:
            rows = db.execute(sql, params).fetchall()
        return [_summary_from_row(row) for row in rows]

    def get(self, scenario_id: int) -> Scenario:
        with self._reading("read the scenario") as db:
            return self._fetch(db, scenario_id)

    def get_by_name(self, name: str) -> Scenario:
        """The scenario with this name, ignoring case and surrounding spaces."""
        with self._reading("read the scenario") as db:
            row = db.execute(f"{_SCENARIO_SELECT} WHERE s.name = ?", [name.strip()]).fetchone()
        if row is None:
            raise StorageError(f"No scenario named '{name.strip()}'.", path=self._path)
        return _scenarios_from_rows([row])[0]

    # builtins.list: inside this class body, after `def list`, `list` names the method.
    def versions(self, scenario_id: int) -> builtins.list[ScenarioVersion]:
        """Every saved version of a scenario, newest first."""
        with self._reading("read the scenario's history") as db:
            self._require(db, scenario_id)
            rows = db.execute(
                "SELECT scenario_id, version, inputs_json, result_json, notes, saved_at, "
                "evidence_json FROM scenario_versions WHERE scenario_id = ? "
                "ORDER BY version DESC",
                [scenario_id],
            ).fetchall()
        records = [
            {
                "scenario_id": row[0],
                "version": row[1],
                "inputs": decode(row[2]),
                "result": None if row[3] is None else decode(row[3]),
                "notes": row[4],
                "saved_at": row[5],
                "evidence": None if row[6] is None else decode(row[6]),
            }
            for row in rows
        ]
        return _validated(_VERSION_LIST, records)

    def count(self) -> int:
        with self._reading("count the scenarios") as db:
            return db.table("scenarios").count

    # Writing: each method is one transaction

    def create(
        self,
        framework_id: str,
        name: str,
        inputs: dict[str, Any],
        result: dict[str, Any] | None = None,
        notes: str = "",
        evidence: dict[str, Any] | None = None,
    ) -> Scenario:
        """A new scenario at version 1; `evidence` is what the result was computed from
        (core.evidence.Evidence.to_json())."""
        clean = _clean_name(name)
        inputs_json, result_json = encode(inputs), _encode_optional(result)
        evidence_json = _encode_optional(evidence)
        with self._writing(f"create the scenario '{clean}'") as db:
            self._refuse_taken_name(db, clean)
            stamp = _stamp(db)
            new_id = _insert_scenario(
                db,
                clean,
                framework_id,
                notes,
                stamp,
                stamp,
                inputs_json,
                result_json,
                evidence_json,
            )
            return self._fetch(db, new_id)

    def save(
        self,
        scenario_id: int,
        inputs: dict[str, Any],
        result: dict[str, Any] | None,
        notes: str | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> Scenario:
        """Append the next version (every save is kept); `notes=None` keeps the current notes."""
        inputs_json, result_json = encode(inputs), _encode_optional(result)
        evidence_json = _encode_optional(evidence)
        with self._writing("save the scenario") as db:
            _, current_version, current_notes = self._require(db, scenario_id)
            _append_version(
                db,
                scenario_id,
                current_version + 1,
                inputs_json,
                result_json,
                current_notes if notes is None else notes,
                _stamp(db),
                evidence_json,
            )
            return self._fetch(db, scenario_id)

    def rename(self, scenario_id: int, new_name: str) -> Scenario:
        clean = _clean_name(new_name)
        with self._writing(f"rename the scenario to '{clean}'") as db:
            self._require(db, scenario_id)
            self._refuse_taken_name(db, clean, except_id=scenario_id)
            db.execute(
                "UPDATE scenarios SET name = ?, updated_at = ? WHERE id = ?",
                [clean, _stamp(db), scenario_id],
            )
            return self._fetch(db, scenario_id)

    def duplicate(self, scenario_id: int, new_name: str) -> Scenario:
        """A new scenario whose version 1 copies the latest version of this one."""
        clean = _clean_name(new_name)
        with self._writing(f"duplicate the scenario as '{clean}'") as db:
            self._require(db, scenario_id)
            self._refuse_taken_name(db, clean)
            framework_id, notes, inputs_json, result_json, evidence_json = db.execute(
                "SELECT s.framework_id, s.notes, v.inputs_json, v.result_json, v.evidence_json "
                "FROM scenarios AS s JOIN scenario_versions AS v "
                "ON v.scenario_id = s.id AND v.version = s.current_version WHERE s.id = ?",
                [scenario_id],
            ).fetchone()
            stamp = _stamp(db)
            new_id = _insert_scenario(
                db,
                clean,
                framework_id,
                notes,
                stamp,
                stamp,
                inputs_json,
                result_json,
                evidence_json,
            )
            return self._fetch(db, new_id)

    def delete(self, scenario_id: int) -> None:
        """Delete a scenario and all its versions."""
        with self._writing("delete the scenario") as db:
            self._require(db, scenario_id)
            db.execute("DELETE FROM scenarios WHERE id = ?", [scenario_id])

    def restore(self, scenario_id: int, version: int) -> Scenario:
        """Append a new version copying an old one; history is never rewritten."""
        with self._writing(f"restore version {version}") as db:
            name, current_version, _ = self._require(db, scenario_id)
            old = db.execute(
                "SELECT inputs_json, result_json, notes, evidence_json FROM scenario_versions "
                "WHERE scenario_id = ? AND version = ?",
                [scenario_id, version],
            ).fetchone()
            if old is None:
                raise StorageError(
                    f"Scenario '{name}' has no version {version}; "
                    f"its versions are 1 to {current_version}.",
                    path=self._path,
                )
            inputs_json, result_json, notes, evidence_json = old
            _append_version(
                db,
                scenario_id,
                current_version + 1,
                inputs_json,
                result_json,
                notes,
                _stamp(db),
                evidence_json,
            )
            return self._fetch(db, scenario_id)

    # Files

    def import_scenario(self, scenario: Scenario, *, rename_on_conflict: bool = True) -> Scenario:
        """Add a scenario from elsewhere as a new one at version 1.

        A taken name gets the first free suffix " (2)", " (3)", …, unless
        `rename_on_conflict` is false, which refuses instead. The creation date is kept;
        the change date is now, so the import appears at the top of the list.
        """
        clean = _clean_name(scenario.name)
        inputs_json, result_json = encode(scenario.inputs), _encode_optional(scenario.result)
        evidence_json = _encode_optional(scenario.evidence)
        with self._writing(f"import the scenario '{clean}'") as db:
            if rename_on_conflict:
                clean = self._free_name(db, clean)
            else:
                self._refuse_taken_name(db, clean)
            stamp = _stamp(db)
            new_id = _insert_scenario(
                db,
                clean,
                scenario.framework_id,
                scenario.notes,
                _format_time(scenario.created_at),
                stamp,
                inputs_json,
                result_json,
                evidence_json,
            )
            return self._fetch(db, new_id)

    def import_file(self, path: Path, known_frameworks: set[str]) -> Scenario:
        """Import a scenario file; a bad file raises StorageError and writes nothing."""
        path = Path(path)
        try:
            # utf-8-sig: tolerate the byte-order mark some Windows editors add.
            text = read_file_bytes(path).decode("utf-8-sig")
        except ScenarioFileError as exc:
            raise StorageError(f"Could not import {path}: {exc}.", path=path) from exc
        except UnicodeDecodeError as exc:
            raise StorageError(
                f"Could not import {path}: it is not a UTF-8 text file "
                f"(unreadable byte at position {exc.start}).",
                path=path,
            ) from exc
        except OSError as exc:
            raise StorageError(
                f"Could not import {path}: {exc.strerror or exc}.", path=path
            ) from exc
        try:
            scenario = parse_scenario_file(text, known_frameworks)
        except ScenarioFileError as exc:
            raise StorageError(f"Could not import {path}: {exc}.", path=path) from exc
        return self.import_scenario(scenario)

    def export_file(self, scenario_id: int, path: Path) -> None:
        """Write the scenario file atomically: a crash leaves the old file or the new one."""
        path = Path(path)
        data = dump_scenario_file(self.get(scenario_id)).encode("utf-8")
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise StorageError(
                f"Could not export to {path}: {exc.strerror or exc}.", path=path
            ) from exc

    # Internals

    def _fetch(self, db: Database, scenario_id: int) -> Scenario:
        row = db.execute(f"{_SCENARIO_SELECT} WHERE s.id = ?", [scenario_id]).fetchone()
        if row is None:
            raise self._missing(scenario_id)
        return _scenarios_from_rows([row])[0]

    def _require(self, db: Database, scenario_id: int) -> tuple[str, int, str]:
        """(name, current_version, notes) of an existing scenario."""
        row = db.execute(
            "SELECT name, current_version, notes FROM scenarios WHERE id = ?", [scenario_id]
        ).fetchone()
        if row is None:
            raise self._missing(scenario_id)
        return row[0], row[1], row[2]

    def _missing(self, scenario_id: int) -> StorageError:
        return StorageError(
            f"No scenario with id {scenario_id}; it may have been deleted.", path=self._path
        )

    def _name_taken(self, db: Database, name: str, except_id: int | None = None) -> bool:
        # The name column is COLLATE NOCASE, so "=" here ignores case like the UNIQUE index.
        row = db.execute("SELECT id FROM scenarios WHERE name = ?", [name]).fetchone()
        return row is not None and row[0] != except_id

    def _refuse_taken_name(self, db: Database, name: str, except_id: int | None = None) -> None:
        if self._name_taken(db, name, except_id):
            raise StorageError(f"A scenario named '{name}' already exists.", path=self._path)

    def _free_name(self, db: Database, name: str) -> str:
        candidate, n = name, 1
        while self._name_taken(db, candidate):
            n += 1
            suffix = f" ({n})"
            candidate = name[: MAX_NAME_LENGTH - len(suffix)].rstrip() + suffix
        return candidate


def _filter(search: str, framework_id: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause and its parameters shared by `list` and `summaries`."""
    clauses: list[str] = []
    params: list[Any] = []
    search = search.strip()
    if search:
        clauses.append(
            "(instr(aidf_casefold(s.name), ?) > 0 OR instr(aidf_casefold(s.notes), ?) > 0)"
        )
        params += [search.casefold()] * 2
    if framework_id is not None:
        clauses.append("s.framework_id = ?")
        params.append(framework_id)
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _summary_from_row(row: tuple[Any, ...]) -> ScenarioSummary:
    return ScenarioSummary(
        id=row[0],
        name=row[1],
        framework_id=row[2],
        notes=row[3],
        version=row[5],
        updated_at=datetime.fromisoformat(row[4]),
        headline=row[6],
        recommendation=row[7],
    )


def _clean_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise StorageError("A scenario needs a name.")
    if len(clean) > MAX_NAME_LENGTH:
        raise StorageError(
            f"A scenario name can have at most {MAX_NAME_LENGTH} characters "
            f"(this one has {len(clean)})."
        )
    if problem := name_problem(clean):
        raise StorageError(f"This scenario name cannot be used: {problem}.")
    return clean


def _encode_optional(value: dict[str, Any] | None) -> str | None:
    return None if value is None else encode(value)


def _format_time(moment: datetime) -> str:
    """UTC, fixed width, so text order in SQL is time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _stamp(db: Database) -> str:
    """Now, but strictly after the latest change in the file.

    "Most recently changed first" must follow the order of the user's actions even when the
    clock is coarse (about 16 ms on some systems) or has stepped back.
    """
    now = datetime.now(UTC)
    (latest,) = db.execute("SELECT MAX(updated_at) FROM scenarios").fetchone()
    if latest is not None:
        now = max(now, datetime.fromisoformat(latest) + timedelta(microseconds=1))
    return _format_time(now)


def _insert_scenario(
    db: Database,
    name: str,
    framework_id: str,
    notes: str,
    created_at: str,
    updated_at: str,
    inputs_json: str,
    result_json: str | None,
    evidence_json: str | None = None,
) -> int:
    cursor = db.execute(
        "INSERT INTO scenarios (name, framework_id, notes, created_at, updated_at, "
        "current_version, headline, recommendation) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
        [name, framework_id, notes, created_at, updated_at, *scenario_verdict(result_json)],
    )
    new_id = cursor.lastrowid
    if new_id is None:
        raise StorageError("Could not create the scenario: the database returned no id.")
    db.execute(
        "INSERT INTO scenario_versions (scenario_id, version, inputs_json, result_json, notes, "
        "saved_at, evidence_json) VALUES (?, 1, ?, ?, ?, ?, ?)",
        [new_id, inputs_json, result_json, notes, updated_at, evidence_json],
    )
    return new_id


def _append_version(
    db: Database,
    scenario_id: int,
    version: int,
    inputs_json: str,
    result_json: str | None,
    notes: str,
    saved_at: str,
    evidence_json: str | None = None,
) -> None:
    db.execute(
        "INSERT INTO scenario_versions (scenario_id, version, inputs_json, result_json, notes, "
        "saved_at, evidence_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [scenario_id, version, inputs_json, result_json, notes, saved_at, evidence_json],
    )
    db.execute(
        "UPDATE scenarios SET current_version = ?, notes = ?, updated_at = ?, headline = ?, "
        "recommendation = ? WHERE id = ?",
        [version, notes, saved_at, *scenario_verdict(result_json), scenario_id],
    )


def _scenarios_from_rows(rows: list[tuple[Any, ...]]) -> list[Scenario]:
    """Rows of _SCENARIO_SELECT as models; the whole list is validated in one call."""
    records = [
        {
            "id": row[0],
            "name": row[1],
            "framework_id": row[2],
            "notes": row[3],
            "created_at": row[4],
            "updated_at": row[5],
            "version": row[6],
            "inputs": decode(row[7]),
            "result": None if row[8] is None else decode(row[8]),
            "evidence": None if row[9] is None else decode(row[9]),
        }
        for row in rows
    ]
    return _validated(_SCENARIO_LIST, records)


def _validated(adapter: TypeAdapter[list[_Model]], records: list[dict[str, Any]]) -> list[_Model]:
    # One validator call for the whole list: faster than a model per row (model_construct
    # included), which matters when listing ten thousand scenarios.
    try:
        return adapter.validate_python(records)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise StorageError(
            f"A saved scenario could not be read ({where}: {first['msg']}); "
            "the database may have been edited by another program."
        ) from exc
