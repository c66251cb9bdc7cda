"""The judge, compare-and-record, logged-output import and run export at the operations layer;
the judge calls go through litellm's real HTTP path to the local test server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.evaluation import DatasetItem, RunSettings, Sample, Variant
from operations.experiments import (
    compare_and_record,
    export_run_csv,
    import_outputs,
    push_to_catalog,
)
from operations.judge import JudgeSpec, judge_runs
from storage import CatalogStore, ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

ITEMS = [
    DatasetItem(id=f"q{i}", input=f"What is {i} + {i}?", expected=str(2 * i)) for i in range(4)
]


def _grader(body: dict) -> Reply:
    """PASS when the graded answer equals the reference, FAIL otherwise."""
    text = last_user_text(body)
    reference = re.search(r"Reference answer:\n(.*)\n", text).group(1)
    answer = re.search(r"Answer to grade:\n(.*)\n", text).group(1)
    return Reply("PASS" if answer == reference else "FAIL", input_tokens=50, output_tokens=1)


def _two_runs(store: ExperimentStore) -> tuple[int, int]:
    """Baseline right on q0 only; variant right on every item."""
    dataset = store.add_dataset("sums", ITEMS)
    baseline = [
        Sample(item_id=i.id, output=i.expected if k == 0 else "7") for k, i in enumerate(ITEMS)
    ]
    variant = [Sample(item_id=i.id, output=i.expected) for i in ITEMS]
    return (
        store.import_run(dataset.id, Variant(name="old", model="old"), baseline, name="old"),
        store.import_run(dataset.id, Variant(name="new", model="new"), variant, name="new"),
    )


def test_the_judge_grades_each_run_and_a_second_grading_comes_from_the_cache(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    llm_server.set_responder(_grader)
    judge = JudgeSpec("judge-model", llm_server.url, RunSettings(concurrency=2))
    heard: set[int] = set()
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        base_id, var_id = _two_runs(store)
        runs = [store.samples(base_id), store.samples(var_id)]
        graded = judge_runs(
            store, judge, ITEMS, runs, lambda: None, progress=lambda i, _p: heard.add(i)
        )
        # q0 has the same answer in both runs: its second grading is the cache's.
        assert llm_server.served == 7
        again = judge_runs(store, judge, ITEMS, runs, lambda: None)
    assert llm_server.served == 7
    assert graded[0].scores == {"q0": 1.0, "q1": 0.0, "q2": 0.0, "q3": 0.0}
    assert graded[1].scores == dict.fromkeys(("q0", "q1", "q2", "q3"), 1.0)
    assert [g.scores for g in again] == [g.scores for g in graded]
    assert heard == {0, 1}


def test_a_judged_comparison_is_computed_and_kept_in_the_history(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """Judge grades: baseline 1 of 4, variant 4 of 4: lift 0.75, b = 0, c = 3. The record is
    named after the two runs and the dataset, and the arms graded are reported by name."""
    llm_server.set_responder(_grader)
    arms: set[str] = set()
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        base_id, var_id = _two_runs(store)
        done = compare_and_record(
            store,
            base_id,
            var_id,
            "llm_judge",
            judge=JudgeSpec("judge-model", llm_server.url),
            dataset_label="sums v1",
            judge_progress=lambda arm, _p: arms.add(arm),
        )
        (record,) = store.experiments()
    comparison = done.comparison
    assert (comparison.n_paired, comparison.b, comparison.c) == (4, 0, 3)
    assert comparison.lift == pytest.approx(0.75)
    assert arms == {"baseline", "variant"}
    assert (record.id, record.name) == (done.record_id, "new vs old on sums v1")
    assert (record.baseline_run_id, record.variant_run_id) == (base_id, var_id)
    assert [s.item_id for s in done.variant_samples] == ["q0", "q1", "q2", "q3"]


def test_a_comparison_without_a_judge_is_named_by_the_runs_and_refuses_other_datasets(
    tmp_path: Path,
) -> None:
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        base_id, var_id = _two_runs(store)
        done = compare_and_record(store, base_id, var_id, "exact_match")
        other = store.add_dataset("other", ITEMS[:1])
        stray = store.import_run(other.id, Variant(name="x", model="x"), [], name="x")
        with pytest.raises(ValueError, match="different datasets"):
            compare_and_record(store, base_id, stray, "exact_match")
        with pytest.raises(ValueError, match="judge"):
            compare_and_record(store, base_id, var_id, "llm_judge")
        names = [r.name for r in store.experiments()]
    assert done.comparison.lift == pytest.approx(0.75)
    assert names == ["new vs old"]


def test_logged_outputs_are_imported_whole_or_not_at_all_and_a_run_exports_as_csv(
    tmp_path: Path,
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "q0", "output": "0"}\n{"id": "q1", "output": "2"}\n', "utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "q0", "output": "0"}\n{"id": "nope", "output": "2"}\n', "utf-8")
    out = tmp_path / "run.csv"
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        dataset = store.add_dataset("sums", ITEMS)
        refused = import_outputs(store, dataset.id, bad, "logged")
        assert refused.run_id is None and refused.problems
        assert store.runs() == []
        imported = import_outputs(store, dataset.id, good, "logged")
        assert (imported.imported, imported.missing, imported.problems) == (2, 2, ())
        assert imported.run_id is not None
        written = export_run_csv(store, imported.run_id, out)
    assert written == 2
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "q1" in out.read_text("utf-8-sig")


def test_a_csv_export_that_fails_keeps_the_older_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV is written atomically: a full disk leaves the older export whole, no temp file."""
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "q0", "output": "0"}\n', "utf-8")
    out = tmp_path / "run.csv"
    out.write_text("older export", "utf-8")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        dataset = store.add_dataset("sums", ITEMS)
        imported = import_outputs(store, dataset.id, good, "logged")
        assert imported.run_id is not None
        monkeypatch.setattr("core.files.os.replace", disk_full)
        with pytest.raises(OSError, match="No space left"):
            export_run_csv(store, imported.run_id, out)
    assert out.read_text("utf-8") == "older export"
    assert not list(tmp_path.glob(".run.*"))


def test_a_push_stores_the_variant_models_measured_quality_in_the_catalog(tmp_path: Path) -> None:
    """Variant mean 1.0 on exact match over 4 paired items; imported outputs carry no
    latencies, so no latency profile is stored."""
    db = tmp_path / "db.sqlite3"
    with ExperimentStore(db) as store:
        base_id, var_id = _two_runs(store)
        done = compare_and_record(store, base_id, var_id, "exact_match")
        measured = push_to_catalog(store, db, done.comparison, done.variant, "sums v1")
    with CatalogStore(db) as catalog:
        stored = catalog.user_data().quality["new"]
    assert measured.latency is None
    assert stored.score == pytest.approx(1.0) == measured.quality.score
    assert stored.source == "measured" and "sums v1" in stored.benchmark


def test_a_variant_that_failed_every_item_has_nothing_to_push(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    with ExperimentStore(db) as store:
        base_id, _ = _two_runs(store)
        dataset_id = store.run(base_id).dataset_id
        failed = [Sample(item_id=i.id, error="401") for i in ITEMS]
        down = store.import_run(dataset_id, Variant(name="down", model="down"), failed, name="down")
        done = compare_and_record(store, base_id, down, "exact_match")
        with pytest.raises(ValueError, match="no score: all 4 items failed"):
            push_to_catalog(store, db, done.comparison, done.variant, "sums v1")
    with CatalogStore(db) as catalog:
        assert catalog.user_data().quality == {}
