"""`scenarios show`/`compare` compute saved versions from their evidence and report drift;
`catalog import-scores` changes the catalog from a script."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest

import main
from cli.parser import build_parser
from core import evidence
from core.catalog import QualityScore, load_catalog
from core.frameworks import get
from storage import CatalogStore, ScenarioStore

CQL = get("cost_quality_latency")
#: Nothing reaches quality 0.88 while gpt-4o scores 0.82 and gpt-4o-mini 0.85; at 0.91 gpt-4o
#: does (real-time or batch; batch is the cheaper at the same quality).
INPUTS = CQL.Inputs(
    candidate_models=["gpt-4o", "gpt-4o-mini"],
    min_quality=0.88,
    batch_acceptable=True,
    max_latency_ms=86_400_000,
    max_cost_per_request_usd=1,
)


def _score(value: float) -> QualityScore:
    return QualityScore(score=value, source="entered", date=dt.date(2026, 11, 1))


@pytest.fixture
def saved(db_path: Path) -> Path:
    """A Cost-Quality-Latency scenario saved with gpt-4o at 0.82, through the store as the
    window saves it (result and evidence)."""
    with CatalogStore(db_path) as catalog_store:
        catalog_store.set_quality("gpt-4o", _score(0.82))
        catalog_store.set_quality("gpt-4o-mini", _score(0.85))
        catalog = catalog_store.apply(load_catalog())
    result, ev = evidence.record(CQL, INPUTS, catalog)
    assert result.recommendation == "none"
    with ScenarioStore(db_path) as store:
        store.create(
            CQL.ID,
            "Pick",
            INPUTS.model_dump(mode="json"),
            result.model_dump(mode="json"),
            evidence=ev.to_json(),
        )
    return db_path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _import(tmp_path: Path, capsys, rows: str, *flags: str, answer: str | None = None):
    path = tmp_path / "scores.csv"
    path.write_text(rows, encoding="utf-8")
    if answer is not None:
        sys.stdin = io.StringIO(answer)
    return _run(capsys, "catalog", "import-scores", str(path), *flags)


@pytest.fixture(autouse=True)
def _restore_stdin():
    stdin = sys.stdin
    yield
    sys.stdin = stdin


def test_show_prints_the_saved_result_then_the_drift_after_an_import(saved, tmp_path, capsys):
    code, out, _ = _run(capsys, "scenarios", "show", "Pick")
    assert code == 0
    # Nothing to recommend reads "No pick", as on the card, not the code "none".
    assert "Saved result: No pick: Nothing is feasible" in out
    assert "Today's catalog gives the same result." in out

    code, out, err = _import(
        tmp_path, capsys, "model,score\ngpt-4o,0.91\n", "--source", "Team eval", "--yes"
    )
    assert code == 0, err
    assert "gpt-4o: 0.82 (entered) → 0.91" in out
    today = dt.date.today().isoformat()

    code, out, _ = _run(capsys, "scenarios", "show", "Pick")
    assert code == 0
    assert "Saved result: No pick" in out  # the saved version never changes silently
    assert f"  - gpt-4o quality 0.82 → 0.91 (imported, Team eval, {today})" in out
    assert "Today's result: gpt-4o (batch)" in out

    code, out, _ = _run(capsys, "scenarios", "show", "Pick", "--json")
    data = json.loads(out)
    assert data["result"]["recommendation"] == "none"
    assert data["evidence_recorded"] is True
    assert data["drift"]["today_recommendation"] == "gpt-4o (batch)"
    assert data["drift"]["changes"] == [
        f"gpt-4o quality 0.82 → 0.91 (imported, Team eval, {today})"
    ]
    # Today's result is what `compute` prints for the same inputs.
    inputs = tmp_path / "inputs.json"
    inputs.write_text(INPUTS.model_dump_json())
    code, out, _ = _run(capsys, "compute", CQL.ID, "--inputs", str(inputs))
    assert json.loads(out) == data["today_result"]


def test_show_an_older_version_and_a_missing_one(saved, capsys):
    with ScenarioStore(saved) as store:
        s = store.get_by_name("Pick")
        store.save(s.id or 0, {**s.inputs, "min_quality": 0.8}, s.result, evidence=s.evidence)
    code, out, _ = _run(capsys, "scenarios", "show", "Pick", "--version", "1", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["version"] == 1 and data["inputs"]["min_quality"] == 0.88
    code, _, err = _run(capsys, "scenarios", "show", "Pick", "--version", "7")
    assert code == 2
    assert "has no version 7; its versions are 1 to 2" in err


def test_a_version_saved_before_evidence_says_so(db_path, capsys):
    with ScenarioStore(db_path) as store:
        store.create(CQL.ID, "Legacy", INPUTS.model_dump(mode="json"), None)
    code, out, _ = _run(capsys, "scenarios", "show", "Legacy")
    assert code == 0
    assert "saved before evidence was recorded" in out


def test_compare_computes_as_compute_does_and_lists_differing_inputs(saved, tmp_path, capsys):
    """Both sides from their evidence: the catalog is used (Compare once said "No candidate
    models to compare" here, having computed without it)."""
    with ScenarioStore(saved) as store:
        s = store.get_by_name("Pick")
        looser = {**s.inputs, "min_quality": 0.8}
        result, ev = evidence.record(
            CQL,
            CQL.Inputs.model_validate(looser),
            CatalogStore(saved).apply(load_catalog()),
        )
        store.create(
            CQL.ID, "Looser", looser, result.model_dump(mode="json"), evidence=ev.to_json()
        )
    code, out, err = _run(capsys, "scenarios", "compare", "Pick", "Looser", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["a"]["recommendation"] == "none"
    assert data["b"]["recommendation"] == result.recommendation != "none"
    assert "No candidate models" not in data["b"]["headline"]
    assert [r["name"] for r in data["differing_inputs"]] == ["min_quality"]
    code, out, _ = _run(capsys, "scenarios", "compare", "Pick", "Looser")
    assert f"B: Looser (version 1): {result.recommendation}" in out
    assert "INPUT" in out and "FIGURE" in out


def test_compare_refuses_two_frameworks(saved, save_scenario, capsys):
    save_scenario("Build")
    code, _, err = _run(capsys, "scenarios", "compare", "Pick", "Build")
    assert code == 2
    assert "only scenarios of one framework compare" in err


def test_import_scores_asks_first(db_path, tmp_path, capsys):
    rows = "model,score,benchmark\ngpt-4o,0.91,MMLU\ngpt-4oo,0.5,\nclaude-x,nope,\n"
    code, out, _ = _import(tmp_path, capsys, rows, "--source", "HELM", answer="n\n")
    assert code == 1
    assert "1 quality score to import; skipped 2 rows (1 unknown model id)." in out
    assert "row 3: gpt-4oo: unknown model id (did you mean 'gpt-4o'?)" in out
    assert "Import 1 score(s) from HELM? [y/N]" in out
    assert "Nothing imported." in out
    with CatalogStore(db_path) as store:
        assert store.user_data().quality == {}

    code, out, _ = _import(tmp_path, capsys, rows, "--source", "HELM", answer="y\n")
    assert code == 0
    with CatalogStore(db_path) as store:
        q = store.user_data().quality["gpt-4o"]
    assert (q.score, q.benchmark, q.source) == (0.91, "HELM: MMLU", "imported")


def test_import_scores_without_an_answer_imports_nothing(db_path, tmp_path, capsys):
    code, out, _ = _import(
        tmp_path, capsys, "model,score\ngpt-4o,0.9\n", "--source", "X", answer=""
    )
    assert code == 1 and "Nothing imported." in out


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("name,value\ngpt-4o,0.9\n", "the first row must be a header"),
        ("model,score\nnobody,0.9\n", "no usable score"),
        ("", "the file is empty"),
    ],
)
def test_import_scores_bad_input_exits_2(db_path, tmp_path, capsys, rows, message):
    code, _, err = _import(tmp_path, capsys, rows, "--source", "X", "--yes")
    assert code == 2
    assert message in err


def test_import_scores_needs_a_source(tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text("model,score\ngpt-4o,0.9\n")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["catalog", "import-scores", str(path)])
    assert main.main(["catalog", "import-scores", str(path), "--source", " ", "--yes"]) == 2


def test_report_is_the_saved_record_with_its_evidence(saved, tmp_path, capsys):
    """The report of a saved scenario states the saved result, the rows it rests on with
    their source and date, and today's drift; it is not silently recomputed."""
    _import(tmp_path, capsys, "model,score\ngpt-4o,0.91\n", "--source", "Team eval", "--yes")
    out = tmp_path / "pick.md"
    code, _, err = _run(capsys, "report", "Pick", "--out", str(out))
    assert code == 0, err
    md = out.read_text(encoding="utf-8")
    evidence_part = md.split("## Evidence")[1]
    assert "| gpt-4o | openai |" in evidence_part
    assert "0.82 (entered, 2026-11-01)" in evidence_part
    assert "gpt-4o quality 0.82 → 0.91" in evidence_part
    assert "gpt-4o (batch)" not in md.split("## Decision outcome")[1].split("##")[0]
