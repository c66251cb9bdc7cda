"""Names from outside that would hide or reorder their text (issue 14, item 1): NUL, terminal
controls and bidi overrides in a dataset or run name, a run's model, a custom model id or a
benchmark are refused with the code points named, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import ModelInfo, QualityScore, parse_quality_csv
from core.evaluation import DatasetItem, Variant
from storage import CatalogStore, ExperimentStore, StorageError

RLO = "\u202e"
ITEMS = [DatasetItem(id="1", input="q", expected="a")]


def test_a_dataset_name_with_nul_is_refused(db_path: Path) -> None:
    with ExperimentStore(db_path) as store:
        with pytest.raises(StorageError, match=r"\(U\+0000\)"):
            store.add_dataset("qa\x00x", ITEMS)
        assert store.datasets() == []


@pytest.mark.parametrize(
    ("variant", "name"),
    [
        (Variant(name="v", model="m"), f"run{RLO}x"),
        (Variant(name=f"v{RLO}", model="m"), ""),
        (Variant(name="v", model="gpt\x1b]0;t\x07"), "run"),
    ],
)
def test_a_run_named_with_controls_is_not_stored(
    db_path: Path, variant: Variant, name: str
) -> None:
    with ExperimentStore(db_path) as store:
        dataset = store.add_dataset("qa", ITEMS)
        with pytest.raises(StorageError, match="invisible control characters"):
            store.create_run(dataset.id, variant, None, name=name)
        with pytest.raises(StorageError, match="invisible control characters"):
            store.import_run(dataset.id, variant, [], name=name)
        assert store.runs() == []


def test_a_custom_model_id_and_a_benchmark_with_controls_are_refused(db_path: Path) -> None:
    with CatalogStore(db_path) as store:
        model = ModelInfo(
            id=f"acme/x{RLO}", provider="custom", input_cost_per_token=0, output_cost_per_token=0
        )
        with pytest.raises(StorageError, match=r"its id .*\(U\+202E\)"):
            store.add_custom_model(model)
        with pytest.raises(StorageError, match=r"its benchmark .*\(U\+0000\)"):
            store.set_quality("gpt-4o", QualityScore(score=0.5, benchmark="mmlu\x00"))
        data = store.user_data()
        assert (data.custom_models, data.quality) == ([], {})


def test_a_scores_csv_row_with_a_hidden_benchmark_is_a_row_problem() -> None:
    """The other rows are kept; the bad one is named with its code points."""
    text = f"model,score,benchmark\ngpt-4o,0.8,mm{RLO}lu\ngpt-4o-mini,0.7,mmlu\n"
    scores, report = parse_quality_csv(text, {"gpt-4o", "gpt-4o-mini"})
    assert list(scores) == ["gpt-4o-mini"]
    assert [(p.row, p.model) for p in report.problems] == [(2, "gpt-4o")]
    assert "(U+202E)" in report.problems[0].reason


def test_a_score_of_4301_digits_is_a_short_row_problem() -> None:
    """float() reads it as infinity (no int digit limit there): refused, quoted by its start."""
    text = f"model,score\ngpt-4o,{'9' * 4301}\n"
    scores, report = parse_quality_csv(text, {"gpt-4o"})
    assert scores == {}
    [problem] = report.problems
    assert problem.reason == f"score '{'9' * 30}… (4,301 characters)' is not a number"
