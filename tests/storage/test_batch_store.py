"""Batch API jobs in SQLite: recorded with their run, polled, imported as samples at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.batch import BatchPrices
from core.evaluation import DatasetItem, RunSettings, Sample, Variant
from core.llm import BatchJob
from storage import StorageError
from storage.batches import BatchStore

VARIANT = Variant(name="v", model="gpt-4o-mini")
PRICES = BatchPrices(1e-6, 4e-6, "50% of the real-time price")


@pytest.fixture
def batches(db_path: Path) -> Iterator[BatchStore]:
    with BatchStore(db_path) as opened:
        yield opened


def _run(store: BatchStore) -> int:
    items = [DatasetItem(id=f"q{i}", input=f"question {i}") for i in range(3)]
    dataset = store.add_dataset("qa", items)
    return store.create_run(dataset.id, VARIANT, RunSettings())


def _job(status: str = "validating", **files: str) -> BatchJob:
    return BatchJob(
        id="batch_abc",
        status=status,
        input_file_id="file-1",
        output_file_id=files.get("output"),
        error_file_id=files.get("error"),
        total=3,
        completed=2 if status == "completed" else 0,
        failed=1 if status == "completed" else 0,
    )


def test_a_job_is_kept_until_its_results_are_imported(batches: BatchStore) -> None:
    run_id = _run(batches)
    job_id = batches.add_batch_job(
        run_id, _job(), ["q0", "q1", "q2"], PRICES, "http://bob:sk-in-url@127.0.0.1:9/v1?key=k2"
    )
    info = batches.batch_job(job_id)
    assert info.waiting and info.unfinished and info.item_ids == ("q0", "q1", "q2")
    assert info.prices == PRICES
    assert "sk-in-url" not in (info.api_base or "") and "k2" not in (info.api_base or "")
    updated = batches.update_batch_job(job_id, _job("completed", output="file-2", error="f3"))
    assert (updated.status, updated.output_file_id, updated.completed) == ("completed", "file-2", 2)
    assert [j.id for j in batches.batch_jobs(unfinished_only=True)] == [job_id]

    samples = [
        Sample(item_id="q0", output="a", cost_usd=0.5),
        Sample(item_id="q1", output="b"),
        Sample(item_id="q2", error="HTTP 500"),
    ]
    done = batches.import_batch_results(job_id, samples, "partial", "2 of 3 answered")
    assert done.imported and not done.unfinished
    run = batches.run(run_id)
    assert (run.status, run.samples, run.errors, run.cost_usd) == ("partial", 3, 1, 0.5)
    assert batches.pending_item_ids(run_id) == ["q2"]
    assert batches.batch_jobs(unfinished_only=True) == []


def test_results_of_a_batch_still_running_are_refused(batches: BatchStore) -> None:
    job_id = batches.add_batch_job(_run(batches), _job("in_progress"), ["q0"], None, None)
    with pytest.raises(StorageError, match="still in_progress"):
        batches.import_batch_results(job_id, [Sample(item_id="q0")], "completed", "")
    assert batches.batch_job(job_id).prices is None


def test_deleting_the_run_deletes_its_batches(batches: BatchStore, db_path: Path) -> None:
    run_id = _run(batches)
    batches.add_batch_job(run_id, _job(), ["q0"], PRICES, None)
    batches.delete_run(run_id)
    assert batches.batch_jobs() == []
    with pytest.raises(StorageError, match="no batch"):
        batches.batch_job(1)
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT COUNT(*) FROM batch_jobs").fetchone() == (0,)
    raw.close()
