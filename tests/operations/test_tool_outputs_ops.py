"""import_outputs on other tools' files: the format detected or chosen, field paths, the
promptfoo provider chosen; a file with a problem stores no run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.datasets import DatasetError, parse_dataset
from core.tool_outputs import FieldPaths
from operations.experiments import import_outputs
from storage.experiments import ExperimentStore

DATA = Path(__file__).resolve().parents[1] / "data" / "tool_formats"


def _dataset(store: ExperimentStore) -> int:
    parsed = parse_dataset((DATA / "capitals.jsonl").read_bytes(), None, file_name="c.jsonl")
    return store.add_dataset("capitals", parsed.items).id


def test_a_tool_file_is_stored_whole_with_its_format_and_error_count(tmp_path: Path) -> None:
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        dataset_id = _dataset(store)
        batch = import_outputs(store, dataset_id, DATA / "openai_batch_output.jsonl", "batch")
        assert (batch.imported, batch.missing, batch.errors, batch.fmt) == (4, 0, 1, "openai-batch")
        assert batch.run_id is not None
        samples = store.samples(batch.run_id)
        assert [s.output for s in samples][:3] == ["Paris", "Tokyo", "Milan"]
        wrong = FieldPaths(output="response.body.choices.1.message.content")
        refused = import_outputs(
            store, dataset_id, DATA / "openai_batch_output.jsonl", "x", paths=wrong
        )
        assert refused.run_id is None and len(refused.problems) == 3
        with pytest.raises(DatasetError, match="not one JSON document"):
            import_outputs(store, dataset_id, DATA / "capitals.jsonl", "x", fmt="mlflow")
        assert [r.name for r in store.runs()] == ["batch"]


def test_a_promptfoo_provider_is_chosen_by_name(tmp_path: Path) -> None:
    document = json.loads((DATA / "promptfoo_results.json").read_text("utf-8"))
    rows = document["results"]["results"]
    other = [{**r, "provider": {"id": "local:echo"}, "response": {"output": "x"}} for r in rows]
    document["results"]["results"] = rows + other
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document), "utf-8")
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        dataset_id = _dataset(store)
        with pytest.raises(DatasetError, match="2 prompt and provider pairs"):
            import_outputs(store, dataset_id, path, "both")
        chosen = import_outputs(store, dataset_id, path, "echo", select="local:echo")
        assert chosen.run_id is not None
        assert {s.output for s in store.samples(chosen.run_id)} == {"x"}
