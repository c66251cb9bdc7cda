"""`eval compare --metric deepeval_...`: DeepEval's metric judged on the local test server, each
arm's mean with its interval and the lift printed; the refusals exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from tests.llm_server import LlmTestServer
from tests.operations.test_deepeval_metrics import _judge

CONTEXT = ["agreed context 1", "contradicted context 2"]
# Faithfulness = claims not contradicted / claims. Baseline: a 1/2, b 0/1 (mean 0.25);
# variant: a 2/2, b 1/2 (mean 0.75); paired lift = mean(0.5, 0.5) = 0.5.
BASELINE = {"a": "good fact 1. bad fact 2.", "b": "bad fact 1."}
VARIANT = {"a": "good fact 1. good fact 2.", "b": "good fact 1. bad fact 2."}


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _write(path: Path, rows: list[dict]) -> str:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return str(path)


def test_a_deepeval_comparison_prints_each_arms_mean_and_the_lift(
    capsys, tmp_path: Path, llm_server: LlmTestServer
) -> None:
    llm_server.set_responder(_judge)
    rows = [{"id": i, "input": f"Question {i}?", "expected": "x", "context": CONTEXT} for i in "ab"]
    code, _, err = _eval(capsys, "import-dataset", _write(tmp_path / "rag.jsonl", rows))
    assert code == 0, err
    for name, outputs in (("base", BASELINE), ("new", VARIANT)):
        logged = [{"id": i, "output": text} for i, text in outputs.items()]
        code, _, err = _eval(
            capsys, "import-outputs", _write(tmp_path / f"{name}.jsonl", logged), "--dataset", "rag"
        )
        assert code == 0, err
    judge = ("--judge-model", "judge", "--judge-api-base", llm_server.url)
    code, out, err = _eval(capsys, "compare", "1", "2", "--metric", "deepeval_faithfulness", *judge)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1].startswith("- Baseline: Faithfulness (DeepEval) mean 0.250 (95% bootstrap")
    assert lines[2].startswith("- Variant: Faithfulness (DeepEval) mean 0.750 (95% bootstrap")
    assert "a lift of +50.0 pp" in out
    code, out, _ = _eval(
        capsys, "compare", "1", "2", "--metric", "deepeval_faithfulness", "--json", *judge
    )
    assert json.loads(out)["lift"] == pytest.approx(0.5)

    code, _, err = _eval(capsys, "compare", "1", "2", "--metric", "deepeval_geval", *judge)
    assert code == 2 and "criterion" in err
    code, _, err = _eval(capsys, "compare", "1", "2", "--metric", "deepeval_bias")
    assert code == 2 and "--metric deepeval_bias needs --judge-model" in err
