"""`eval export-run RUN --out FILE.csv`: a run's samples as a CSV a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import main
from core.evaluation import DatasetItem, Sample, Variant
from storage import ExperimentStore


@pytest.fixture
def run_id(db_path: Path) -> int:
    items = [
        DatasetItem(id="1", input="=cmd|' /C calc'!A0", expected="@x"),
        DatasetItem(id="2", input="2 + 2?", expected="4"),
    ]
    samples = [
        Sample(item_id="2", output="4", latency_ms=120.0, input_tokens=9, output_tokens=1),
        Sample(item_id="1", output='+HYPERLINK("http://evil")', cost_usd=0.002),
    ]
    with ExperimentStore(db_path) as store:
        dataset = store.add_dataset("qa", items)
        return store.import_run(dataset.id, Variant(name="log", model="log"), samples)


def test_export_run_writes_every_sample_neutralised(
    run_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.csv"
    assert main.main(["eval", "export-run", str(run_id), "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"run {run_id}: 2 samples written to {out}\n"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfitem_id,input,expected,output,error,latency_ms,")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [(r["item_id"], r["input"], r["expected"], r["output"]) for r in rows] == [
        ("1", "'=cmd|' /C calc'!A0", "'@x", '\'+HYPERLINK("http://evil")'),
        ("2", "2 + 2?", "4", "4"),
    ]
    assert (rows[0]["cost_usd"], rows[1]["latency_ms"], rows[1]["input_tokens"]) == (
        "0.002",
        "120.0",
        "9",
    )


def test_export_run_refusals(
    run_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main.main(["eval", "export-run", "99", "--out", str(tmp_path / "x.csv")]) == 2
    assert "There is no run 99" in capsys.readouterr().err
    assert main.main(["eval", "export-run", str(run_id), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}: cannot write it") and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()
