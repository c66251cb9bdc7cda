"""Datasets, runs, samples, the response cache and experiments in SQLite."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

import storage.db as storage_db
import storage.experiments as storage_experiments
from core.agent_loop import TrialConfig, TrialOutcome
from core.evaluation import CachedResponse, DatasetItem, RunSettings, RunStatus, Sample, Variant
from storage import (
    SCHEMA_VERSION,
    ExperimentRecord,
    ExperimentStore,
    ScenarioStore,
    StorageError,
    TraceStore,
)
from storage.jsoncolumn import encode
from tests.storage.conftest import old_database

PLANTED_KEY = "sk-PLANTED-aidf-51c0e2d7"
VARIANT = Variant(name="baseline", model="local-model", prompt_template="Q: {input}\nA:")


@pytest.fixture
def experiments(db_path: Path) -> Iterator[ExperimentStore]:
    with ExperimentStore(db_path) as opened:
        yield opened


def _items(*answers: str) -> list[DatasetItem]:
    return [
        DatasetItem(id=f"q{n}", input=f"question {n}", expected=answer, fields={"topic": "t"})
        for n, answer in enumerate(answers, start=1)
    ]


def _record(dataset_id: int, baseline: int, variant: int, lift: float) -> ExperimentRecord:
    return ExperimentRecord(
        dataset_id=dataset_id,
        baseline_run_id=baseline,
        variant_run_id=variant,
        metric="exact_match",
        min_lift=0.02,
        baseline_mean=0.5,
        variant_mean=0.5 + lift,
        lift=lift,
        low=lift - 0.1,
        high=lift + 0.1,
        p_value=0.25,
        verdict="need more data",
        name=f"lift {lift}",
        comparison={"per_item": [{"id": "q1", "won": True}], "lift": lift},
    )


# Migration


def test_a_schema_3_database_is_upgraded_and_keeps_its_data(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_database(db_path, 3, [("Old plan", "agents", [{"x": 1}])])
    with monkeypatch.context() as patch:
        patch.setattr(storage_db, "SCHEMA_VERSION", 3)
        with TraceStore(db_path) as traces:
            traces.save_trial(
                TrialConfig(task="t", model="m"),
                TrialOutcome("answered", "kept", [], 1, 1, 1, 0.0, 1.0),
            )
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 3
        assert "datasets" not in {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}

    with ExperimentStore(db_path) as store:
        info = store.add_dataset("capitals", _items("Paris"))
        assert store.items(info.id) == _items("Paris")
    with ScenarioStore(db_path) as scenarios:
        assert scenarios.get_by_name("Old plan").inputs == {"x": 1}
    with TraceStore(db_path) as traces:
        assert traces.list_trials()[0].answer == "kept"
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 4
        columns = " ".join(
            r[0] for r in raw.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
        )
    assert "key" not in columns.replace("key TEXT PRIMARY KEY", "")


def test_every_run_status_of_the_engine_is_storable_and_no_other(
    experiments: ExperimentStore, db_path: Path
) -> None:
    dataset = experiments.add_dataset("d", _items("a"))
    run_id = experiments.create_run(dataset.id, VARIANT, None)
    for status in get_args(RunStatus):
        experiments.finish_run(run_id, status, f"because {status}")
        assert (experiments.run(run_id).status, experiments.run(run_id).stop_reason) == (
            status,
            f"because {status}",
        )
    with sqlite3.connect(db_path) as raw, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        raw.execute("UPDATE runs SET status = 'paused' WHERE id = ?", [run_id])
    with pytest.raises(StorageError, match="'paused' is not a run status"):
        experiments.finish_run(run_id, "paused")  # type: ignore[arg-type]


# Datasets


def test_datasets_are_versioned_and_identical_content_is_reused(
    experiments: ExperimentStore,
) -> None:
    first = experiments.add_dataset(
        "Capitals", _items("Paris", "Rome"), source="capitals.jsonl", columns=["input", "topic"]
    )
    assert (first.version, first.item_count, first.reused) == (1, 2, False)
    assert (first.source, first.columns) == ("capitals.jsonl", ("input", "topic"))

    again = experiments.add_dataset(" capitals ", _items("Paris", "Rome"))
    assert again.reused
    assert (again.id, again.version, again.name) == (first.id, 1, "Capitals")

    changed = experiments.add_dataset("CAPITALS", _items("Paris", "Roma"))
    assert (changed.version, changed.reused) == (2, False)
    other = experiments.add_dataset("Sums", _items("4"))
    assert other.version == 1

    listed = experiments.datasets()
    assert [(d.name, d.version) for d in listed] == [("Sums", 1), ("CAPITALS", 2), ("Capitals", 1)]
    assert listed[1] == experiments.dataset(changed.id) == changed
    assert experiments.items(first.id) == _items("Paris", "Rome")
    assert experiments.items(changed.id) == _items("Paris", "Roma")


def test_an_import_is_all_or_nothing(
    experiments: ExperimentStore, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = _items("a", "b", "c")
    with pytest.raises(StorageError) as caught:
        experiments.add_dataset("dup", [*items, items[0]])
    assert str(caught.value) == (
        "The dataset 'dup' has the id 'q1' twice (items 1 and 4), so it was not saved."
    )
    with pytest.raises(StorageError, match="contains a character that cannot be stored"):
        experiments.add_dataset("broken", [*items, DatasetItem(id="q4", input="half \ud800")])

    # A failure after the dataset row and two items were written (as a full disk would
    # cause) rolls all of them back.
    calls: list[object] = []

    def failing_encode(value: object) -> str:
        calls.append(value)
        if len(calls) == 4:  # columns, q1's fields, q2's fields, then q3's fields
            raise StorageError("Could not save: the disk is full.")
        return encode(value)

    monkeypatch.setattr(storage_experiments, "encode", failing_encode)
    with pytest.raises(StorageError, match="the disk is full"):
        experiments.add_dataset("broken", items)
    monkeypatch.undo()
    assert len(calls) == 4
    assert experiments.datasets() == []
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM dataset_items").fetchone()[0] == 0
    with pytest.raises(StorageError, match="has no items"):
        experiments.add_dataset("empty", [])
    with pytest.raises(StorageError, match="A dataset needs a name"):
        experiments.add_dataset("  ", items)


def test_a_dataset_in_use_is_not_deleted(experiments: ExperimentStore) -> None:
    dataset = experiments.add_dataset("Capitals", _items("Paris"))
    runs = [experiments.create_run(dataset.id, VARIANT, None) for _ in range(2)]
    with pytest.raises(StorageError) as caught:
        experiments.delete_dataset(dataset.id)
    assert str(caught.value) == (
        "The dataset 'Capitals' (version 1) is used by 2 runs; delete them first. "
        "Nothing was deleted."
    )
    for run_id in runs:
        experiments.delete_run(run_id)
    experiments.delete_dataset(dataset.id)
    assert experiments.datasets() == []
    with pytest.raises(StorageError, match="There is no dataset 1; it may have been deleted"):
        experiments.items(dataset.id)


# Runs and samples


def test_a_resumed_run_replaces_its_errors_and_knows_what_is_left(
    experiments: ExperimentStore,
) -> None:
    """First pass: q1 ok ($0.002), q2 errored ($0), q4 from the cache (paid $0, had cost
    $0.005): 3 samples, 1 error, $0.002, 1 cached; pending q2 (errored) and q3 (missing).
    Resume: q2 ok ($0.003) and q3 ok ($0.001): 4 samples, 0 errors, $0.006, nothing pending."""
    dataset = experiments.add_dataset("d", _items("a", "b", "c", "d"))
    settings = RunSettings(concurrency=4, spend_cap_usd=1.5)
    run_id = experiments.create_run(dataset.id, VARIANT, settings, name="first try")
    experiments.add_samples(
        run_id,
        [
            Sample(item_id="q4", output="d", cached=True, cached_cost_usd=0.005),
            Sample(item_id="q1", output="a", cost_usd=0.002, latency_ms=120.0, input_tokens=9),
            Sample(item_id="q2", error="rate limited", attempts=5),
        ],
    )
    experiments.finish_run(run_id, "cancelled", "cancelled by the user")
    info = experiments.run(run_id)
    assert (info.samples, info.errors, info.cached) == (3, 1, 1)
    assert info.cost_usd == pytest.approx(0.002)
    assert (info.status, info.settings, info.variant, info.name) == (
        "cancelled",
        settings,
        VARIANT,
        "first try",
    )
    assert info.finished_at is not None
    assert experiments.pending_item_ids(run_id) == ["q2", "q3"]

    experiments.finish_run(run_id, "running")
    assert experiments.run(run_id).finished_at is None
    experiments.add_sample(run_id, Sample(item_id="q2", output="b", cost_usd=0.003, attempts=2))
    experiments.add_sample(run_id, Sample(item_id="q3", output="c", cost_usd=0.001))
    info = experiments.run(run_id)
    assert (info.samples, info.errors, info.cost_usd) == (4, 0, pytest.approx(0.006))
    assert experiments.pending_item_ids(run_id) == []
    assert [(s.item_id, s.output, s.error) for s in experiments.samples(run_id)] == [
        ("q1", "a", None),
        ("q2", "b", None),
        ("q3", "c", None),
        ("q4", "d", None),
    ]
    assert experiments.samples(run_id)[0] == Sample(
        item_id="q1", output="a", cost_usd=0.002, latency_ms=120.0, input_tokens=9
    )


def test_a_sample_for_an_unknown_item_saves_nothing(experiments: ExperimentStore) -> None:
    dataset = experiments.add_dataset("d", _items("a", "b"))
    run_id = experiments.create_run(dataset.id, VARIANT, None)
    with pytest.raises(StorageError) as caught:
        experiments.add_samples(
            run_id, [Sample(item_id="q1"), Sample(item_id="zz"), Sample(item_id="yy")]
        )
    assert str(caught.value) == (
        f"Run {run_id}'s dataset has no item 'zz' (2 samples for unknown items); "
        "no sample was saved."
    )
    assert experiments.samples(run_id) == []
    with pytest.raises(StorageError, match="There is no run 99"):
        experiments.add_sample(99, Sample(item_id="q1"))


def test_runs_are_listed_newest_first_with_running_ones_kept_as_running(
    experiments: ExperimentStore,
) -> None:
    one = experiments.add_dataset("one", _items("a"))
    two = experiments.add_dataset("two", _items("b"))
    first = experiments.create_run(one.id, VARIANT, None)
    second = experiments.create_run(two.id, VARIANT, None)
    third = experiments.create_run(one.id, VARIANT, None, name="again")
    experiments.finish_run(first, "completed")
    assert [r.id for r in experiments.runs()] == [third, second, first]
    assert [r.id for r in experiments.runs(one.id)] == [third, first]
    assert [(r.status, r.finished_at) for r in experiments.runs(two.id)] == [("running", None)]
    assert experiments.runs(two.id)[0].samples == 0


def test_logged_outputs_import_as_one_finished_run(experiments: ExperimentStore) -> None:
    dataset = experiments.add_dataset("d", _items("a", "b"))
    logged = Variant(name="production log", model="logged")
    with pytest.raises(StorageError, match="no item 'zz'"):
        experiments.import_run(dataset.id, logged, [Sample(item_id="q1"), Sample(item_id="zz")])
    assert experiments.runs() == []
    run_id = experiments.import_run(
        dataset.id, logged, [Sample(item_id="q2", output="b", latency_ms=80.0)], name="May"
    )
    info = experiments.run(run_id)
    assert (info.kind, info.status, info.samples, info.settings) == (
        "imported",
        "imported",
        1,
        None,
    )
    assert info.finished_at is not None
    assert experiments.pending_item_ids(run_id) == ["q1"]


def test_no_api_key_reaches_the_database(experiments: ExperimentStore, db_path: Path) -> None:
    dataset = experiments.add_dataset("d", _items("a"))
    variant = Variant(
        name="gateway",
        model="m",
        api_base=f"https://user:{PLANTED_KEY}@gw.example.com/v1?key={PLANTED_KEY}",
    )
    run_id = experiments.create_run(dataset.id, variant, RunSettings())
    assert experiments.run(run_id).variant.api_base == "https://gw.example.com/v1"
    experiments.close()
    for path in db_path.parent.iterdir():
        assert PLANTED_KEY.encode() not in path.read_bytes()


def test_samples_written_from_a_worker_thread_are_seen(experiments: ExperimentStore) -> None:
    dataset = experiments.add_dataset("d", _items(*"abcdefgh"))
    run_id = experiments.create_run(dataset.id, VARIANT, None)

    def work() -> None:
        for n in range(1, 9):
            experiments.add_sample(run_id, Sample(item_id=f"q{n}", output="x", cost_usd=0.5))

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert (experiments.run(run_id).samples, experiments.run(run_id).cost_usd) == (8, 4.0)


def test_100000_samples_in_one_call(experiments: ExperimentStore) -> None:
    """100,000 samples of $0.00001 each total $1.00, and every one comes back in order.

    Prints the time taken (the budget is 2 s; not asserted here, see bench/)."""
    n = 100_000
    dataset = experiments.add_dataset(
        "big", [DatasetItem(id=f"q{i:06d}", input=f"question {i}") for i in range(n)]
    )
    run_id = experiments.create_run(dataset.id, VARIANT, None)
    samples = [
        Sample(item_id=f"q{i:06d}", output=f"answer {i}", latency_ms=100.0, cost_usd=1e-5)
        for i in range(n)
    ]
    started = time.perf_counter()
    experiments.add_samples(run_id, samples)
    elapsed = time.perf_counter() - started
    print(f"\nadd_samples: {n:,} samples stored in {elapsed:.2f} s")
    info = experiments.run(run_id)
    assert (info.samples, info.cost_usd) == (n, pytest.approx(1.0))
    assert experiments.samples(run_id) == samples


# Response cache


def test_the_response_cache_round_trips(experiments: ExperimentStore) -> None:
    cache = experiments.cache
    assert cache.get("k1") is None
    first = CachedResponse(output="Paris", input_tokens=12, output_tokens=1, cost_usd=0.0004)
    cache.put("k1", first)
    experiments.cache_put("k2", CachedResponse(output="Rome"))
    assert experiments.cache_get("k1") == cache.get("k1") == first
    cache.put("k1", CachedResponse(output="Paris, France"))
    assert experiments.cache_get("k1") == CachedResponse(output="Paris, France")
    assert experiments.cache_size() == 2
    experiments.cache_clear()
    assert (experiments.cache_size(), cache.get("k2")) == (0, None)


# Experiments


def test_experiments_are_listed_oldest_first_and_guard_their_runs(
    experiments: ExperimentStore,
) -> None:
    one = experiments.add_dataset("one", _items("a"))
    two = experiments.add_dataset("two", _items("b"))
    a, b = (experiments.create_run(one.id, VARIANT, None) for _ in range(2))
    c, d = (experiments.create_run(two.id, VARIANT, None) for _ in range(2))
    ids = [
        experiments.save_experiment(_record(one.id, a, b, 0.1)),
        experiments.save_experiment(_record(two.id, c, d, 0.2)),
        experiments.save_experiment(_record(one.id, a, b, 0.3)),
    ]
    listed = experiments.experiments()
    assert [e.id for e in listed] == ids
    assert [e.lift for e in experiments.experiments(one.id)] == [0.1, 0.3]
    saved = listed[0]
    assert saved.comparison == {"per_item": [{"id": "q1", "won": True}], "lift": 0.1}
    assert (saved.name, saved.verdict, saved.p_value, saved.baseline_low) == (
        "lift 0.1",
        "need more data",
        0.25,
        None,
    )
    assert saved.created_at is not None and saved.created_at < listed[2].created_at  # type: ignore[operator]

    with pytest.raises(StorageError) as caught:
        experiments.delete_run(a)
    assert str(caught.value) == (
        f"Run {a} is part of 2 saved experiments; delete them first. Nothing was deleted."
    )
    with pytest.raises(StorageError) as caught:
        experiments.save_experiment(_record(one.id, a, c, 0.0))
    assert str(caught.value) == (
        f"Run {c} is a run of dataset {two.id}, not of dataset {one.id}; an experiment "
        "compares runs of one dataset."
    )
    experiments.delete_experiment(ids[0])
    experiments.delete_experiment(ids[2])
    experiments.delete_run(a)
    assert [r.id for r in experiments.runs(one.id)] == [b]
    with pytest.raises(StorageError, match=f"There is no experiment {ids[0]}"):
        experiments.delete_experiment(ids[0])
