"""A run's samples and new cache answers written together in batches (SampleWriter), and the
response cache read with one statement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.evaluation import CachedResponse, DatasetItem, Sample, Variant
from storage import ExperimentStore, StorageError

ITEMS = [DatasetItem(id=f"q{i}", input=f"question {i}") for i in range(3)]
ANSWER = CachedResponse(output="Q", input_tokens=3, output_tokens=1, cost_usd=0.25)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ExperimentStore]:
    with ExperimentStore(tmp_path / "w.sqlite3") as opened:
        yield opened


def _run(store: ExperimentStore) -> int:
    dataset_id = store.add_dataset("d", ITEMS).id
    return store.create_run(dataset_id, Variant(name="v", model="m"), None)


def test_an_answer_put_is_found_before_it_is_written_and_kept_after(
    store: ExperimentStore,
) -> None:
    writer = store.sample_writer(_run(store))
    writer.put("k", ANSWER)
    assert writer.get("k") == ANSWER
    assert store.cache_get("k") is None, "not written until the next batch"
    writer.write([Sample(item_id="q0", output="Q")])
    assert store.cache_get("k") == ANSWER
    assert writer.get("k") == ANSWER
    assert store.cache_get("missing") is None and writer.get("missing") is None


def test_a_batch_stores_its_samples_and_answers_together(store: ExperimentStore) -> None:
    run_id = _run(store)
    writer = store.sample_writer(run_id)
    writer.put("k0", ANSWER)
    writer.write([Sample(item_id="q0", output="a"), Sample(item_id="q2", error="down")])
    writer.write([Sample(item_id="q1", output="b")])
    run = store.run(run_id)
    assert [s.item_id for s in store.samples(run_id)] == ["q0", "q1", "q2"]
    assert (run.samples, run.errors) == (3, 1)
    assert store.cache_size() == 1


def test_a_batch_that_fails_stores_neither_samples_nor_answers(store: ExperimentStore) -> None:
    """A sample for an item the dataset lacks refuses the whole batch; its answers are dropped
    (a resume asks again), and the next batch starts clean."""
    run_id = _run(store)
    writer = store.sample_writer(run_id)
    writer.put("k", ANSWER)
    with pytest.raises(StorageError, match="no item 'stranger'"):
        writer.write([Sample(item_id="q0", output="a"), Sample(item_id="stranger")])
    assert store.samples(run_id) == [] and store.cache_size() == 0
    assert writer.get("k") is None
    writer.write([Sample(item_id="q1", output="b")])
    assert [s.item_id for s in store.samples(run_id)] == ["q1"]
    assert store.cache_size() == 0


def test_a_cache_read_leaves_no_transaction_open(store: ExperimentStore, tmp_path: Path) -> None:
    """The read goes without BEGIN and COMMIT: no snapshot may outlive it, or a later write
    from another connection would not be seen by the next read on this one."""
    store.cache_put("k", ANSWER)
    assert store.cache_get("k") == ANSWER
    assert not store._db().conn.in_transaction
    with ExperimentStore(tmp_path / "w.sqlite3", checked=True) as other:
        other.cache_put("k2", ANSWER)
    assert store.cache_get("k2") == ANSWER
