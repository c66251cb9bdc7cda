"""Autosaved drafts of unsaved edits, one per framework tab, offered back after a crash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from storage.connection import SqliteStore
from storage.jsoncolumn import decode, encode


@dataclass(frozen=True)
class Draft:
    """A tab's unsaved inputs and notes; `scenario_id` is the saved scenario it edits (None for
    a scenario never saved, or one deleted since)."""

    framework_id: str
    inputs: dict[str, Any]
    notes: str = ""
    scenario_id: int | None = None
    scenario_name: str = ""
    saved_at: datetime | None = None


class DraftStore(SqliteStore):
    """The drafts table; every method may be called from any thread."""

    def put(self, draft: Draft) -> None:
        """Keep `draft` as its tab's one draft (replacing the previous one)."""
        with self._writing("keep a draft of your unsaved edits") as db:
            db.execute(
                "INSERT OR REPLACE INTO drafts (framework_id, scenario_id, scenario_name, "
                "inputs_json, notes, saved_at) VALUES (?, "
                "(SELECT id FROM scenarios WHERE id = ?), ?, ?, ?, ?)",
                [
                    draft.framework_id,
                    draft.scenario_id,
                    draft.scenario_name,
                    encode(draft.inputs),
                    draft.notes,
                    datetime.now(UTC).isoformat(timespec="microseconds"),
                ],
            )

    def drafts(self) -> list[Draft]:
        """Every kept draft, oldest first."""
        with self._reading("read the drafts of unsaved edits") as db:
            rows = db.execute(
                "SELECT framework_id, scenario_id, scenario_name, inputs_json, notes, saved_at "
                "FROM drafts ORDER BY saved_at"
            ).fetchall()
        return [
            Draft(
                framework_id=row[0],
                scenario_id=row[1],
                scenario_name=row[2],
                inputs=decode(row[3]),
                notes=row[4],
                saved_at=datetime.fromisoformat(row[5]),
            )
            for row in rows
        ]

    def discard(self, framework_id: str | None = None) -> None:
        """Forget one tab's draft, or every draft when `framework_id` is None."""
        with self._writing("forget a draft") as db:
            if framework_id is None:
                db.execute("DELETE FROM drafts")
            else:
                db.execute("DELETE FROM drafts WHERE framework_id = ?", [framework_id])
