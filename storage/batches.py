"""Stored Batch API jobs: which provider batch carries which run's items, and how it stands.

A batch job is kept from submission until its results are stored as the run's samples, so a
window or command line that closed while the provider worked can find it and poll again.
Nothing here holds a key: the base URL is stored without credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.batch import FINAL_STATUSES, PENDING_STATUSES, BatchPrices
from core.evaluation import RunStatus, Sample
from core.llm import BatchJob
from storage.errors import StorageError
from storage.experiments import ExperimentStore
from storage.jsoncolumn import decode, encode
from storage.traces import _without_credentials as without_credentials

if TYPE_CHECKING:
    from sqlite_utils import Database

_COLUMNS = (
    "id, run_id, provider_batch_id, api_base, input_file_id, output_file_id, error_file_id, "
    "status, item_ids_json, prices_json, total, completed, failed, message, imported, "
    "created_at, updated_at"
)


@dataclass(frozen=True)
class BatchJobInfo:
    """One stored batch. `prices` are what its results are billed at (None: unknown);
    `imported` is True once its results are the run's samples."""

    id: int
    run_id: int
    provider_batch_id: str
    api_base: str | None
    input_file_id: str
    output_file_id: str | None
    error_file_id: str | None
    status: str
    item_ids: tuple[str, ...]
    prices: BatchPrices | None
    total: int
    completed: int
    failed: int
    message: str
    imported: bool
    created_at: datetime
    updated_at: datetime

    @property
    def waiting(self) -> bool:
        """The provider is still working on it."""
        return self.status in PENDING_STATUSES

    @property
    def unfinished(self) -> bool:
        """Still to poll or to import: what a resume picks up."""
        return not self.imported


class BatchStore(ExperimentStore):
    """The experiment store with its Batch API jobs (one file, one set of connections)."""

    def add_batch_job(
        self,
        run_id: int,
        job: BatchJob,
        item_ids: Sequence[str],
        prices: BatchPrices | None,
        api_base: str | None,
        message: str = "",
    ) -> int:
        """Record a batch the provider accepted for `run_id`'s `item_ids`; returns its id."""
        now = _now()
        with self._writing("record the batch") as db:
            self._run_dataset(db, run_id)
            cursor = db.execute(
                "INSERT INTO batch_jobs (run_id, provider_batch_id, api_base, input_file_id, "
                "output_file_id, error_file_id, status, item_ids_json, prices_json, total, "
                "completed, failed, message, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    job.id,
                    without_credentials(api_base),
                    job.input_file_id or "",
                    job.output_file_id,
                    job.error_file_id,
                    job.status,
                    encode(list(item_ids)),
                    None if prices is None else encode(_prices_json(prices)),
                    job.total,
                    job.completed,
                    job.failed,
                    message,
                    now,
                    now,
                ],
            )
            if cursor.lastrowid is None:
                raise StorageError("Could not record the batch: the database returned no id.")
            return int(cursor.lastrowid)

    def update_batch_job(self, job_id: int, job: BatchJob, message: str = "") -> BatchJobInfo:
        """What the provider reported at the last poll."""
        with self._writing("save the batch's status") as db:
            self._job_row(db, job_id)
            db.execute(
                "UPDATE batch_jobs SET status = ?, output_file_id = COALESCE(?, output_file_id), "
                "error_file_id = COALESCE(?, error_file_id), total = ?, completed = ?, "
                "failed = ?, message = ?, updated_at = ? WHERE id = ?",
                [
                    job.status,
                    job.output_file_id,
                    job.error_file_id,
                    job.total,
                    job.completed,
                    job.failed,
                    message,
                    _now(),
                    job_id,
                ],
            )
            return _job_info(self._job_row(db, job_id))

    def import_batch_results(
        self,
        job_id: int,
        samples: Iterable[Sample],
        run_status: RunStatus,
        stop_reason: str,
        message: str = "",
    ) -> BatchJobInfo:
        """Store a finished batch's samples in its run, the run's status and the job as
        imported, in one transaction: all of it or none."""
        with self._writing("store the batch's results") as db:
            info = _job_info(self._job_row(db, job_id))
            if info.status not in FINAL_STATUSES:
                raise StorageError(
                    f"Batch {info.provider_batch_id} is still {info.status}; its results "
                    "cannot be stored yet.",
                    path=self._path,
                )
            self._insert_samples(db, info.run_id, samples)
            db.execute(
                "UPDATE runs SET status = ?, stop_reason = ?, finished_at = ? WHERE id = ?",
                [run_status, stop_reason, _now(), info.run_id],
            )
            db.execute(
                "UPDATE batch_jobs SET imported = 1, message = ?, updated_at = ? WHERE id = ?",
                [message, _now(), job_id],
            )
            return _job_info(self._job_row(db, job_id))

    def batch_job(self, job_id: int) -> BatchJobInfo:
        with self._reading("read the batch") as db:
            return _job_info(self._job_row(db, job_id))

    def batch_jobs(self, *, unfinished_only: bool = False) -> list[BatchJobInfo]:
        """Stored batches, newest first; `unfinished_only`: those not yet imported."""
        where = "WHERE imported = 0" if unfinished_only else ""
        with self._reading("list the batches") as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM batch_jobs {where} ORDER BY created_at DESC, id DESC"
            ).fetchall()
        return [_job_info(row) for row in rows]

    def _job_row(self, db: Database, job_id: int) -> Sequence[Any]:
        row = db.execute(f"SELECT {_COLUMNS} FROM batch_jobs WHERE id = ?", [job_id]).fetchone()
        if row is None:
            raise StorageError(
                f"There is no batch {job_id}; its run may have been deleted.", path=self._path
            )
        return tuple(row)


def _prices_json(prices: BatchPrices) -> dict[str, Any]:
    return {"input": prices.input, "output": prices.output, "basis": prices.basis}


def _job_info(row: Sequence[Any]) -> BatchJobInfo:
    prices = None
    if row[9] is not None:
        found = decode(row[9])
        prices = BatchPrices(float(found["input"]), float(found["output"]), str(found["basis"]))
    return BatchJobInfo(
        id=int(row[0]),
        run_id=int(row[1]),
        provider_batch_id=row[2],
        api_base=row[3],
        input_file_id=row[4],
        output_file_id=row[5],
        error_file_id=row[6],
        status=row[7],
        item_ids=tuple(decode(row[8])),
        prices=prices,
        total=int(row[10]),
        completed=int(row[11]),
        failed=int(row[12]),
        message=row[13],
        imported=bool(row[14]),
        created_at=datetime.fromisoformat(row[15]),
        updated_at=datetime.fromisoformat(row[16]),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
