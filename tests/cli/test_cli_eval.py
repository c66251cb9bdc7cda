"""The eval commands: import a dataset, run two variants against the local server, import logged
outputs, compare; refusals exit with code 2 and say why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from storage.experiments import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "datasets" / "capitals-qa.jsonl"
ITEMS = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line]


def _answer(body: dict) -> Reply:
    """Right for every question, except that a "Terse:" prompt gets the first 6 items wrong."""
    text = last_user_text(body)
    if "Answer to grade:" in text:
        reference = text.split("Reference answer:\n", 1)[1].split("\n", 1)[0]
        answer = text.split("Answer to grade:\n", 1)[1].split("\n", 1)[0]
        return Reply("PASS" if answer == reference else "FAIL")
    i = next(k for k, item in enumerate(ITEMS) if item["input"] in text)
    wrong = text.startswith("Terse:") and i < 6
    return Reply("Nowhere" if wrong else ITEMS[i]["expected"], input_tokens=12, output_tokens=2)


@pytest.fixture
def server():
    with LlmTestServer(responder=_answer) as s:
        yield s


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_run_compare(capsys, server, db_path: Path) -> None:
    """Terse: 24/30 exact; Answer: 30/30. b = 0, c = 6: McNemar p = 2 * 0.5**6 = 0.03125,
    lift 6/30 = 0.2 over a 2-point minimum: ship."""
    code, out, _ = _eval(capsys, "import-dataset", str(EXAMPLE))
    assert code == 0 and out == "30 items imported as capitals-qa@v1 (" + out.split("(")[1]
    base = ("run", "--dataset", "capitals-qa", "--model", "m", "--api-base", server.url, "--yes")
    code, out, err = _eval(capsys, *base, "--template", "Terse: {input}", "--name", "terse")
    assert code == 0, err
    assert out.startswith("run 1: completed; 30 done, 0 errors, 0 from cache")
    assert "30 requests to m" in err
    code, out, _ = _eval(capsys, *base, "--template", "Answer: {input}", "--name", "answer")
    assert out.startswith("run 2: completed; 30 done")
    assert server.served == 60

    # The same run again is answered from the response cache: no request, no cost.
    code, out, _ = _eval(capsys, *base, "--template", "Answer: {input}", "--name", "again")
    assert out.startswith("run 3: completed; 30 done, 0 errors, 30 from cache, $0 ")
    assert server.served == 60

    code, out, _ = _eval(capsys, "compare", "1", "2", "--metric", "exact_match")
    assert code == 0
    assert out.splitlines()[0] == "Ship: answer vs terse"
    assert "+20.0 pp (95% interval" in out
    # At alpha 0.01 the same p = 0.03125 is not significant: the rule waits, in words.
    code, out, _ = _eval(capsys, "compare", "1", "2", "--alpha", "0.01")
    assert code == 0
    assert out.splitlines()[0] == "Need more data: answer vs terse"
    assert "(99% interval" in out and "McNemar's exact p on pass/fail below 0.01" in out
    assert "need_more_data" not in out
    code, out, _ = _eval(capsys, "compare", "1", "2", "--json")
    data = json.loads(out)
    assert (data["b"], data["c"], data["n_paired"]) == (0, 6, 30)
    assert data["mcnemar_p"] == pytest.approx(2 * 0.5**6)
    assert data["lift"] == pytest.approx(0.2)
    # An LLM judge grades through the same server; it agrees with exact match here.
    served = server.served
    code, out, err = _eval(
        capsys,
        "compare",
        "1",
        "2",
        "--metric",
        "llm_judge",
        "--json",
        "--judge-model",
        "judge",
        "--judge-api-base",
        server.url,
    )
    assert code == 0, err
    data = json.loads(out)
    assert (data["metric"], data["b"], data["c"]) == ("llm_judge", 0, 6)
    # 30 baseline gradings; the variant's 24 outputs equal to the baseline's are cached.
    assert server.served - served == 30 + 6
    code, _, err = _eval(capsys, "compare", "1", "2", "--metric", "llm_judge")
    assert code == 2 and "needs --judge-model" in err
    with ExperimentStore(db_path) as store:
        verdicts = sorted(e.verdict for e in store.experiments())
        assert verdicts == ["need_more_data", "ship", "ship", "ship"]  # one at alpha 0.01


def test_logged_outputs_become_a_run_without_any_model_call(capsys, tmp_path: Path) -> None:
    _eval(capsys, "import-dataset", str(EXAMPLE))
    logged = tmp_path / "prod.jsonl"
    lines = [{"id": item["id"], "output": item["expected"], "latency_ms": 800} for item in ITEMS]
    logged.write_text("\n".join(json.dumps(line) for line in lines[:28]), encoding="utf-8")
    code, out, _ = _eval(capsys, "import-outputs", str(logged), "--dataset", "capitals-qa")
    assert code == 0
    assert out == "run 1: 28 outputs imported; 2 items have no output\n"
    code, out, _ = _eval(capsys, "runs")
    assert "imported" in out and "prod" in out


def test_refusals_exit_2_and_store_nothing(capsys, tmp_path: Path, db_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "input": "a", "expected": "b"}\n{"id": "1", "input": "c"}\n')
    code, _, err = _eval(capsys, "import-dataset", str(bad))
    assert code == 2
    assert "nothing was imported" in err
    assert "repeats the id '1'" in err
    code, _, err = _eval(capsys, "run", "--dataset", "nope", "--model", "m", "--yes")
    assert code == 2 and "no dataset 'nope'" in err
    _eval(capsys, "import-dataset", str(EXAMPLE))
    code, _, err = _eval(capsys, "run", "--dataset", "capitals-qa", "--model", "m")
    assert code == 2 and "pass --yes" in err
    code, _, err = _eval(capsys, "compare", "1", "2")
    assert code == 2
    with ExperimentStore(db_path) as store:
        assert [d.name for d in store.datasets()] == ["capitals-qa"]
        assert store.runs() == []


def test_a_template_the_items_cannot_fill_is_refused_before_any_run(capsys, db_path) -> None:
    _eval(capsys, "import-dataset", str(EXAMPLE))
    code, _, err = _eval(
        capsys, "run", "--dataset", "capitals-qa", "--model", "m", "--yes", "--template", "{nope}"
    )
    assert code == 2
    assert "not started: Item 'cap-01' has no field 'nope'" in err
    assert "(30 of 30 items cannot be filled)" in err
    with ExperimentStore(db_path) as store:
        assert store.runs() == []
