"""`eval import-outputs --format ...` and `eval import-dataset --format ...` on other tools'
files: an imported run is compared with a run of the app on the same items; a bad file stores
nothing and says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from storage.experiments import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "datasets" / "capitals-qa.jsonl"
ITEMS = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line]
DATA = ROOT / "tests" / "data" / "tool_formats"


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _promptfoo_file(path: Path, wrong: int) -> None:
    """promptfoo results for the example's questions (matched by their text: promptfoo rows
    carry no id), the first `wrong` answered wrongly."""
    results = [
        {
            "promptIdx": 0,
            "testIdx": n,
            "provider": {"id": "openai:gpt-4o-mini", "label": ""},
            "prompt": {"raw": item["input"], "label": "plain"},
            "vars": {"question": item["input"]},
            "response": {"output": "Nowhere" if n < wrong else item["expected"]},
            "latencyMs": 300 + n,
            "cost": 0.00001,
            "success": n >= wrong,
            "failureReason": 1 if n < wrong else 0,
        }
        for n, item in enumerate(ITEMS)
    ]
    path.write_text(json.dumps({"evalId": "e1", "results": {"version": 3, "results": results}}))


def test_a_promptfoo_run_is_compared_with_a_run_of_the_app(
    capsys, tmp_path: Path, db_path: Path
) -> None:
    """promptfoo got 6 of 30 wrong, the app none: b = 0, c = 6, lift 0.2, ship."""

    def answer(body: dict) -> Reply:
        text = last_user_text(body)
        item = next(i for i in ITEMS if i["input"] in text)
        return Reply(item["expected"], input_tokens=12, output_tokens=2)

    assert _eval(capsys, "import-dataset", str(EXAMPLE))[0] == 0
    logged = tmp_path / "results.json"
    _promptfoo_file(logged, wrong=6)
    code, out, err = _eval(
        capsys, "import-outputs", str(logged), "--dataset", "capitals-qa", "--name", "promptfoo"
    )
    assert code == 0, err
    assert out == "run 1: 30 outputs imported (read as promptfoo)\n"
    with LlmTestServer(responder=answer) as server:
        run = ("run", "--dataset", "capitals-qa", "--model", "m", "--api-base", server.url)
        code, out, err = _eval(capsys, *run, "--name", "app", "--yes")
    assert code == 0 and out.startswith("run 2: completed; 30 done"), err
    code, out, _ = _eval(capsys, "compare", "1", "2", "--json")
    data = json.loads(out)
    assert (data["b"], data["c"], data["n_paired"]) == (0, 6, 30)
    assert data["lift"] == pytest.approx(0.2)
    with ExperimentStore(db_path) as store:
        imported = store.samples(1)
    assert [s.latency_ms for s in imported[:2]] == [300, 301]
    assert imported[0].cost_usd == pytest.approx(0.00001)


def test_each_tools_file_imports_through_the_command_line(capsys, tmp_path: Path) -> None:
    assert _eval(capsys, "import-dataset", str(DATA / "capitals.jsonl"))[0] == 0
    for name, fmt, said in [
        (
            "openai_batch_output.jsonl",
            "openai-batch",
            "; 1 logged as errors (read as openai-batch)",
        ),
        ("eval_results_table.json", "mlflow", " (read as mlflow)"),
        ("promptfoo_results.json", "auto", "; 1 logged as errors (read as promptfoo)"),
    ]:
        code, out, err = _eval(
            capsys, "import-outputs", str(DATA / name), "--dataset", "capitals", "--format", fmt
        )
        assert code == 0, err
        assert out.endswith(f": 4 outputs imported{said}\n")
    # LangSmith runs point at the examples' ids: the examples are the dataset.
    code, out, err = _eval(capsys, "import-dataset", str(DATA / "langsmith_examples.jsonl"))
    assert code == 0 and out.startswith("4 items imported as langsmith_examples@v1"), err
    code, out, err = _eval(
        capsys,
        "import-outputs",
        str(DATA / "langsmith_runs.jsonl"),
        "--dataset",
        "langsmith_examples",
    )
    assert out == "run 4: 4 outputs imported; 1 logged as errors (read as langsmith)\n", err
    # The same runs matched by their question text instead, through a dotted path.
    code, out, err = _eval(
        capsys,
        "import-outputs",
        str(DATA / "langsmith_runs.jsonl"),
        "--dataset",
        "capitals",
        "--format",
        "langsmith",
        "--input-field",
        "inputs.question",
        "--output-field",
        "outputs.output",
    )
    assert out == "run 5: 4 outputs imported; 1 logged as errors (read as langsmith)\n", err
    code, out, err = _eval(capsys, "import-dataset", str(DATA / "promptfoo_tests.csv"))
    assert code == 0 and out.startswith("4 items imported as promptfoo_tests@v1"), err


def test_a_bad_tool_file_stores_nothing_and_says_why(capsys, tmp_path: Path, db_path) -> None:
    assert _eval(capsys, "import-dataset", str(DATA / "capitals.jsonl"))[0] == 0
    rows = (DATA / "openai_batch_output.jsonl").read_text("utf-8").splitlines()
    bad = tmp_path / "batch.jsonl"
    bad.write_text("\n".join([*rows, rows[0].replace('"fr"', '"xx"')]), "utf-8")
    code, _, err = _eval(capsys, "import-outputs", str(bad), "--dataset", "capitals")
    assert code == 2
    assert "nothing was imported" in err
    assert "line 5: matches no item of the dataset (id 'xx' (custom_id))" in err
    table = tmp_path / "eval_results_table.json"
    table.write_text('{"columns": ["inputs"], "data": "all of it"}', "utf-8")
    code, _, err = _eval(capsys, "import-outputs", str(table), "--dataset", "capitals")
    assert code == 2 and '"data" must be a list of rows' in err
    tests = tmp_path / "tests.csv"
    tests.write_text("question,__expected\nCapital of France?,icontains: paris\n", "utf-8")
    code, _, err = _eval(capsys, "import-dataset", str(tests))
    assert (
        code == 2 and "__expected is an assertion of type 'icontains', which is not imported" in err
    )
    with ExperimentStore(db_path) as store:
        assert store.runs() == [] and len(store.datasets()) == 1
