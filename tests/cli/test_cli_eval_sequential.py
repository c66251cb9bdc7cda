"""`eval sequential`: both arms against the local server, stopped when the verdict is settled,
the verdict line with the items saved; refusals exit with code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

import main
from storage.experiments import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

ROWS = 80


def _answer(body: dict) -> Reply:
    """The model "strong" answers every item, "weak" one in four."""
    number = int(last_user_text(body).rsplit(" ", 1)[1])
    right = "strong" in body["model"] or number % 4 == 0
    return Reply(f"answer {number}" if right else "pass")


@pytest.fixture
def server():
    with LlmTestServer(responder=_answer) as s:
        yield s


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "numbers.jsonl"
    path.write_text(
        "".join(
            f'{{"id": "n{i}", "input": "question {i}", "expected": "answer {i}"}}\n'
            for i in range(ROWS)
        ),
        encoding="utf-8",
    )
    return path


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_sequential_run_stops_when_settled_and_says_what_it_saved(
    capsys, server, dataset: Path, db_path: Path
) -> None:
    assert _eval(capsys, "import-dataset", str(dataset))[0] == 0
    code, out, err = _eval(
        capsys,
        "sequential",
        "numbers",
        "--baseline-model",
        "weak",
        "--variant-model",
        "strong",
        "--api-base",
        server.url,
        "--min-lift",
        "10",
        "--seed",
        "3",
        "--concurrency",
        "2",
        "--yes",
    )
    assert code == 0, err
    assert f"Up to {ROWS} items x 2 arms (weak and strong) in a random order (seed 3)" in err
    runs, verdict = out.splitlines()
    assert runs.startswith("runs 1 (baseline) and 2 (variant): ")
    assert verdict.startswith("Ship after ") and ": better, +" in verdict
    assert "anytime-valid 95% interval" in verdict
    # The plan for 10 points at the weak model's pass rate is more than the 80 items.
    assert "items against the fixed-size plan (n = " in verdict
    assert f"more than the {ROWS} items)." in verdict
    with ExperimentStore(db_path) as store:
        record = store.experiments()[-1]
        called = store.run(1).samples
    sequential = record.comparison["sequential"]
    assert record.verdict == "ship" and sequential["called"] == called < ROWS
    assert f"Saved {sequential['items_saved']:,} items" in verdict
    assert server.served == 2 * called


def test_refusals_exit_2_before_any_call(capsys, server, dataset: Path) -> None:
    _eval(capsys, "import-dataset", str(dataset))
    arms = ("--baseline-model", "weak", "--variant-model", "strong", "--api-base", server.url)
    code, _, err = _eval(capsys, "sequential", "numbers", *arms, "--metric", "llm_judge", "--yes")
    assert code == 2 and "not started" in err and "judge" in err
    code, _, err = _eval(capsys, "sequential", "nothing", *arms, "--yes")
    assert code == 2 and "no dataset 'nothing'" in err
    code, _, err = _eval(capsys, "sequential", "numbers", *arms, "--max-items", "0", "--yes")
    assert code == 2 and "at least 1" in err
    code, _, err = _eval(capsys, "sequential", "numbers", *arms)
    assert code == 2 and "pass --yes" in err
    assert server.served == 0
