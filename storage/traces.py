"""Stored agent trials and their step-by-step traces in SQLite, usable from any thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, get_args
from urllib.parse import urlsplit, urlunsplit

from core.agent_loop import (
    AgentStep,
    Measured,
    StepKind,
    TrialConfig,
    TrialOutcome,
    TrialStatus,
    measure,
)
from storage.connection import SqliteStore
from storage.errors import StorageError
from storage.jsoncolumn import decode, encode

if TYPE_CHECKING:
    from sqlite_utils import Database

_STATUSES = frozenset(get_args(TrialStatus))
_KINDS = frozenset(get_args(StepKind))

_TRIAL_FIELDS = (
    "id",
    "created_at",
    "task",
    "model",
    "api_base",
    "status",
    "answer",
    "stop_reason",
    "iterations",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
)
_STEP_FIELDS = (
    "step_index",
    "iteration",
    "kind",
    "text",
    "tool",
    "arguments_json",
    "result",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
)


def _columns(fields: Sequence[str], table: str = "") -> str:
    prefix = f"{table}." if table else ""
    return ", ".join(prefix + name for name in fields)


_TRIAL_COLUMNS = _columns(_TRIAL_FIELDS)
_STEP_COLUMNS = _columns(_STEP_FIELDS)


@dataclass(frozen=True)
class TrialSummary:
    """One stored trial without its steps, for lists. Cost in USD, latency in ms."""

    id: int
    created_at: datetime
    task: str
    model: str
    status: TrialStatus
    iterations: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    api_base: str | None = None
    answer: str = ""
    stop_reason: str = ""


class TraceStore(SqliteStore):
    """Agent trials and their steps (see SqliteStore for threads and transactions).

    No API key is ever stored: TrialConfig has none, and credentials written into a base URL
    (user:password@ or a query string) are removed before it is saved.
    """

    # Writing: each method is one transaction

    def save_trial(self, config: TrialConfig, outcome: TrialOutcome) -> int:
        """Store a finished trial with all its steps; returns the new trial's id."""
        steps = [_step_row(step) for step in outcome.steps]
        with self._writing("save the agent trial") as db:
            cursor = db.execute(
                "INSERT INTO agent_trials (created_at, task, model, api_base, max_iterations, "
                "cost_cap_usd, temperature, notes_path, system_prompt, status, answer, "
                "stop_reason, iterations, input_tokens, output_tokens, cost_usd, latency_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    _stamp(db),
                    config.task,
                    config.model,
                    _without_credentials(config.api_base),
                    config.max_iterations,
                    config.cost_cap_usd,
                    config.temperature,
                    None if config.notes_path is None else str(config.notes_path),
                    config.system_prompt,
                    outcome.status,
                    outcome.answer,
                    outcome.stop_reason,
                    outcome.iterations,
                    outcome.input_tokens,
                    outcome.output_tokens,
                    outcome.cost_usd,
                    outcome.latency_ms,
                ],
            )
            trial_id = cursor.lastrowid
            if trial_id is None:
                raise StorageError("Could not save the agent trial: the database returned no id.")
            db.conn.executemany(
                f"INSERT INTO agent_steps (trial_id, {_STEP_COLUMNS}) "
                f"VALUES (?, {', '.join('?' * len(_STEP_FIELDS))})",
                [(trial_id, *row) for row in steps],
            )
            return int(trial_id)

    def delete_trial(self, trial_id: int) -> None:
        """Delete a trial and its steps."""
        with self._writing("delete the agent trial") as db:
            self._require(db, trial_id)
            db.execute("DELETE FROM agent_trials WHERE id = ?", [trial_id])

    # Reading

    def list_trials(self, limit: int = 100) -> list[TrialSummary]:
        """The most recent trials first."""
        with self._reading("list the agent trials") as db:
            rows = db.execute(
                f"SELECT {_TRIAL_COLUMNS} FROM agent_trials "
                "ORDER BY created_at DESC, id DESC LIMIT ?",
                [max(0, int(limit))],
            ).fetchall()
        return [_summary(row) for row in rows]

    def get_trial(self, trial_id: int) -> TrialSummary:
        with self._reading("read the agent trial") as db:
            row = db.execute(
                f"SELECT {_TRIAL_COLUMNS} FROM agent_trials WHERE id = ?", [trial_id]
            ).fetchone()
        if row is None:
            raise _missing(trial_id, self._path)
        return _summary(row)

    def get_steps(self, trial_id: int) -> list[AgentStep]:
        """The trial's steps in the order they happened."""
        with self._reading("read the agent trial's steps") as db:
            self._require(db, trial_id)
            rows = db.execute(
                f"SELECT {_STEP_COLUMNS} FROM agent_steps WHERE trial_id = ? ORDER BY step_index",
                [trial_id],
            ).fetchall()
        return [_step(row) for row in rows]

    def get_outcome(self, trial_id: int) -> TrialOutcome:
        """The stored trial as the TrialOutcome run_trial returned."""
        summary = self.get_trial(trial_id)
        return _outcome(summary, self.get_steps(trial_id))

    def count(self) -> int:
        with self._reading("count the agent trials") as db:
            return int(db.execute("SELECT COUNT(*) FROM agent_trials").fetchone()[0])

    def measured(self, model: str | None = None) -> Measured | None:
        """Loop figures over the stored answered trials (of `model`, or of all models).

        See core.agent_loop.measure for the definitions; None when no trial qualifies.
        """
        where, params = "WHERE t.status = 'answered'", []
        if model is not None:
            where += " AND t.model = ?"
            params.append(model)
        with self._reading("measure the agent trials") as db:
            trials = db.execute(
                f"SELECT {_columns(_TRIAL_FIELDS, 't')} "
                f"FROM agent_trials AS t {where} ORDER BY t.id",
                params,
            ).fetchall()
            step_rows = db.execute(
                f"SELECT s.trial_id, {_columns(_STEP_FIELDS, 's')} "
                f"FROM agent_steps AS s JOIN agent_trials AS t ON t.id = s.trial_id {where} "
                "ORDER BY s.trial_id, s.step_index",
                params,
            ).fetchall()
        steps: dict[int, list[AgentStep]] = {}
        for row in step_rows:
            steps.setdefault(row[0], []).append(_step(row[1:]))
        outcomes = [
            _outcome(summary, steps.get(summary.id, [])) for summary in map(_summary, trials)
        ]
        return measure(outcomes, model)

    # Helpers

    def _require(self, db: Database, trial_id: int) -> None:
        if db.execute("SELECT 1 FROM agent_trials WHERE id = ?", [trial_id]).fetchone() is None:
            raise _missing(trial_id, self._path)


def _missing(trial_id: int, path: Path) -> StorageError:
    return StorageError(f"There is no agent trial {trial_id}; it may have been deleted.", path=path)


def _step_row(step: AgentStep) -> tuple[Any, ...]:
    return (
        step.index,
        step.iteration,
        step.kind,
        step.text,
        step.tool,
        None if step.arguments is None else encode(step.arguments),
        step.result,
        step.input_tokens,
        step.output_tokens,
        step.cost_usd,
        step.latency_ms,
    )


def _step(row: Sequence[Any]) -> AgentStep:
    kind = row[2]
    if kind not in _KINDS:
        raise StorageError(f"A stored agent step has an unknown kind {kind!r}.")
    return AgentStep(
        index=row[0],
        iteration=row[1],
        kind=cast(StepKind, kind),
        text=row[3],
        tool=row[4],
        arguments=None if row[5] is None else decode(row[5]),
        result=row[6],
        input_tokens=row[7],
        output_tokens=row[8],
        cost_usd=row[9],
        latency_ms=row[10],
    )


def _summary(row: Sequence[Any]) -> TrialSummary:
    status = row[5]
    if status not in _STATUSES:
        raise StorageError(f"A stored agent trial has an unknown status {status!r}.")
    return TrialSummary(
        id=row[0],
        created_at=datetime.fromisoformat(row[1]),
        task=row[2],
        model=row[3],
        api_base=row[4],
        status=cast(TrialStatus, status),
        answer=row[6],
        stop_reason=row[7],
        iterations=row[8],
        input_tokens=row[9],
        output_tokens=row[10],
        cost_usd=row[11],
        latency_ms=row[12],
    )


def _outcome(summary: TrialSummary, steps: list[AgentStep]) -> TrialOutcome:
    return TrialOutcome(
        status=summary.status,
        answer=summary.answer,
        steps=steps,
        iterations=summary.iterations,
        input_tokens=summary.input_tokens,
        output_tokens=summary.output_tokens,
        cost_usd=summary.cost_usd,
        latency_ms=summary.latency_ms,
        stop_reason=summary.stop_reason,
    )


def _without_credentials(url: str | None) -> str | None:
    """The base URL without user:password@ or a query string, where gateways put keys."""
    if url is None or not url.strip():
        return None
    parts = urlsplit(url.strip())
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _stamp(db: Database) -> str:
    """Now in UTC, fixed width, strictly after the latest trial so the list keeps run order."""
    now = datetime.now(UTC)
    (latest,) = db.execute("SELECT MAX(created_at) FROM agent_trials").fetchone()
    if latest is not None:
        now = max(now, datetime.fromisoformat(latest) + timedelta(microseconds=1))
    return now.isoformat(timespec="microseconds")
