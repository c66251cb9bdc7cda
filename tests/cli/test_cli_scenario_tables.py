"""`scenarios compare` prints a list-of-rows input (a task mix) as a table for each side, as
the Compare dialog shows it, instead of one long line; --json carries the tables too."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import main
from core.frameworks import get
from storage import ScenarioStore


def _save_two() -> int:
    fw = get("architecture_patterns")
    a = fw.Inputs()
    mix = list(a.task_mix)
    mix[0] = mix[0].model_copy(update={"input_tokens": 9_000})
    b = a.model_copy(update={"task_mix": mix})
    with ScenarioStore(Path(os.environ["AIDF_DB"])) as store:
        store.create(fw.ID, "Today", a.model_dump(mode="json"), None, "")
        store.create(fw.ID, "Longer", b.model_dump(mode="json"), None, "")
    return len(mix)


def test_compare_prints_a_differing_task_mix_as_tables(capsys: pytest.CaptureFixture[str]):
    n = _save_two()
    assert main.main(["scenarios", "compare", "Today", "Longer"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    task_mix = next(line for line in lines if line.startswith("Task mix "))
    assert task_mix.split() == ["Task", "mix", f"{n}", "rows", f"{n}", "rows"]
    b_at = lines.index("Task mix, B:")
    assert lines.index("Task mix, A:") < b_at
    assert lines[b_at + 1].startswith("TASK TYPE")
    assert "9,000" in lines[b_at + 2] and "2,000" not in lines[b_at + 2]
    assert "Model profiles" not in out  # the same on both sides: not listed


def test_compare_json_carries_the_differing_tables(capsys: pytest.CaptureFixture[str]):
    n = _save_two()
    assert main.main(["scenarios", "compare", "Today", "Longer", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (table,) = data["tables"]
    assert table["name"] == "task_mix" and table["headers"][0] == "Task type"
    assert len(table["a"]) == len(table["b"]) == n
    assert table["b"][0][2] == "9,000"
