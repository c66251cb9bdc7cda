"""Evidence: the catalog rows a result read reproduce it exactly; drift is said in words."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from core import evidence
from core.catalog import (
    Catalog,
    CatalogUserData,
    LatencyProfile,
    ModelInfo,
    QualityScore,
    apply_user_data,
    load_catalog,
    with_examples,
)
from core.frameworks import ENTRIES, get, ids
from core.scenario import parse_scenario_file

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.json"))
#: The frameworks whose compute reads the catalog (grep `catalog` in core/frameworks/).
READS_CATALOG = {"cost_quality_latency", "rag_vs_finetuning", "agents", "architecture_patterns"}


@pytest.fixture(scope="module")
def example_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    csv = ROOT / "resources" / "catalog" / "examples.csv"
    public = load_catalog(tmp_path_factory.mktemp("catalog"))
    return with_examples(public, csv.read_text(encoding="utf-8"))


def _cases() -> list[tuple[str, str, dict]]:
    cases = [(e.id, f"{e.id}-defaults", {}) for e in ENTRIES]
    for path in EXAMPLES:
        s = parse_scenario_file(path.read_text(encoding="utf-8"), ids())
        cases.append((s.framework_id, path.stem, s.inputs))
    return cases


CASES = _cases()


def _stored(ev: evidence.Evidence) -> evidence.Evidence:
    """Through the database's JSON and back, as a saved version's evidence is."""
    raw = json.loads(json.dumps(ev.to_json()))
    parsed = evidence.parse(raw)
    assert parsed is not None
    return parsed


@pytest.mark.parametrize(("fid", "raw"), [(c[0], c[2]) for c in CASES], ids=[c[1] for c in CASES])
def test_evidence_catalog_reproduces_the_result_exactly(fid, raw, example_catalog):
    """A Catalog built from the stored rows alone gives an identical result (every field,
    plot series included), for every framework's defaults and every shipped example."""
    framework = get(fid)
    inputs = framework.Inputs.model_validate(raw)
    result, ev = evidence.record(framework, inputs, example_catalog)
    assert result == framework.compute(inputs, example_catalog)  # recording changes nothing
    stored = _stored(ev)
    again = framework.compute(inputs, stored.catalog())
    assert again.model_dump(mode="json") == result.model_dump(mode="json")
    assert again == result
    if fid not in READS_CATALOG:
        assert not stored.read and stored.models == []
    # A handful of rows, never the catalog: what keeps a save fast.
    assert len(stored.models) <= 40


@pytest.mark.parametrize(("fid", "raw"), [(c[0], c[2]) for c in CASES], ids=[c[1] for c in CASES])
def test_saved_result_survives_any_catalog_change(fid, raw, example_catalog):
    """Today's catalog rescored and repriced: the evidence (with today's catalog behind it
    for ids it never looked up) still gives the saved result."""
    framework = get(fid)
    inputs = framework.Inputs.model_validate(raw)
    result, ev = evidence.record(framework, inputs, example_catalog)
    changed = apply_user_data(
        example_catalog,
        CatalogUserData(
            quality={
                m.id: QualityScore(score=0.99, source="imported", date=dt.date(2026, 12, 3))
                for m in list(example_catalog)[:400]
            }
        ),
    )
    assert framework.compute(inputs, _stored(ev).catalog(changed)) == result


def _model(mid: str, score: float, source: str = "entered", **prices: float) -> ModelInfo:
    return ModelInfo(
        id=mid,
        provider="openai",
        input_cost_per_token=prices.get("inp", 2.5e-6),
        output_cost_per_token=prices.get("out", 1e-5),
        input_cost_per_token_batch=prices.get("inp", 2.5e-6) / 2,
        output_cost_per_token_batch=prices.get("out", 1e-5) / 2,
        quality=QualityScore(score=score, source=source, date=dt.date(2026, 11, 1)),  # type: ignore[arg-type]
        latency=LatencyProfile(
            ttft_ms=400,
            output_tokens_per_second=80,
            source=source,
            date=dt.date(2026, 11, 1),  # type: ignore[arg-type]
        ),
    )


def _cql_catalog(gpt4o_score: float) -> Catalog:
    return Catalog(
        [
            _model("gpt-4o", gpt4o_score),
            _model("gpt-4o-mini", 0.85, inp=1.5e-7, out=6e-7),
        ],
        source="litellm 1.0",
        price_date=dt.date(2026, 11, 1),
    )


def test_drift_says_what_changed_and_what_the_pick_becomes():
    """gpt-4o scored 0.82 then 0.91 (imported on 2026-12-03), min quality 0.88: saved, no
    option reaches 0.88 (mini 0.85, gpt-4o 0.82); today gpt-4o at 0.91 does. Batch is
    acceptable and cheaper at half price, same quality: the pick becomes gpt-4o (batch)."""
    cql = get("cost_quality_latency")
    inputs = cql.Inputs(min_quality=0.88, batch_acceptable=True, max_latency_ms=86_400_000)
    saved_result, saved = evidence.record(cql, inputs, _cql_catalog(0.82))
    assert saved_result.recommendation == "none"
    today = apply_user_data(
        _cql_catalog(0.82),
        CatalogUserData(
            quality={
                "gpt-4o": QualityScore(score=0.91, source="imported", date=dt.date(2026, 12, 3))
            }
        ),
    )
    drift = evidence.check_drift(cql, inputs, saved_result, _stored(saved), today)
    assert drift is not None
    assert drift.changes == ["gpt-4o quality 0.82 → 0.91 (imported, 2026-12-03)"]
    assert drift.today_recommendation == "gpt-4o (batch)"
    assert drift.text == (
        "Today's catalog differs: gpt-4o quality 0.82 → 0.91 (imported, 2026-12-03): "
        "the recommendation becomes gpt-4o (batch) (saved: No pick)."
    )
    # The saved version still computes to its saved result.
    assert cql.compute(inputs, _stored(saved).catalog(today)) == saved_result


def test_no_drift_when_today_gives_the_same_result():
    cql = get("cost_quality_latency")
    inputs = cql.Inputs()
    result, ev = evidence.record(cql, inputs, _cql_catalog(0.9))
    assert evidence.check_drift(cql, inputs, result, ev, _cql_catalog(0.9)) is None


def test_new_candidate_and_removed_model_and_price_changes_are_named():
    """A model scored after the save joins the whole-catalog candidates; a price change is
    said per million tokens ($2.50 → $2.00, and its batch price, half of it)."""
    cql = get("cost_quality_latency")
    inputs = cql.Inputs()
    result, ev = evidence.record(cql, inputs, _cql_catalog(0.9))
    today = Catalog(
        [
            _model("gpt-4o", 0.9, inp=2e-6),
            _model("o3", 0.97, source="imported", inp=1e-7, out=1e-7),
        ],
        source="litellm 1.0",
        price_date=dt.date(2026, 11, 1),
    )
    drift = evidence.check_drift(cql, inputs, result, ev, today)
    assert drift is not None
    assert drift.changes == [
        "gpt-4o input price $2.50 → $2.00 per million tokens",
        "gpt-4o batch input price $1.25 → $1.00 per million tokens",
        "gpt-4o-mini is no longer in the catalog",
        "o3 joins the candidates (quality 0.97, imported, 2026-11-01)",
    ]


def test_unknown_named_candidate_stays_unknown_after_it_is_added():
    """A named candidate missing at save time is recorded as absent: adding it to today's
    catalog does not change the saved result (it is drift instead)."""
    cql = get("cost_quality_latency")
    inputs = cql.Inputs(candidate_models=["gpt-4o", "acme-9"])
    result, ev = evidence.record(cql, inputs, _cql_catalog(0.9))
    assert ev.absent == ["acme-9"]
    today = _cql_catalog(0.9).replace([_model("acme-9", 0.99, inp=1e-8, out=1e-8)])
    assert cql.compute(inputs, ev.catalog(today)) == result
    assert evidence.check_drift(cql, inputs, result, ev, today) is not None


def test_empty_catalog_message_is_reproduced():
    """'the model catalog is empty' vs 'no model ... has a quality score' depends on the size
    of the catalog, which the evidence keeps."""
    cql = get("cost_quality_latency")
    unscored = Catalog(
        [ModelInfo(id="x", provider="p", input_cost_per_token=0, output_cost_per_token=0)]
    )
    result, ev = evidence.record(cql, cql.Inputs(), unscored)
    assert "no model in the catalog has a quality score" in result.rationale[0]
    assert cql.compute(cql.Inputs(), _stored(ev).catalog()) == result


def test_evidence_changes_between_versions():
    a = evidence.Evidence(models=[_model("gpt-4o", 0.82)], read=True, catalog_source="litellm 1")
    b = evidence.Evidence(
        models=[_model("gpt-4o", 0.91, source="imported"), _model("o3", 0.9)],
        read=True,
        catalog_source="litellm 2",
    )
    assert evidence.evidence_changes(a, b) == [
        "gpt-4o quality 0.82 → 0.91 (imported, 2026-11-01)",
        "gpt-4o latency 400 ms to first token + 80 tokens/s: source entered, 2026-11-01 → "
        "imported, 2026-11-01",
        "o3 joins the candidates (quality 0.9, entered, 2026-11-01)",
        "price map litellm 1 → litellm 2",
    ]


def test_example_models_and_provenance_rows():
    ev = evidence.Evidence(models=[_model("gpt-4o", 0.82, source="example")], read=True)
    assert ev.example_models() == ["gpt-4o"]
    (row,) = evidence.provenance_rows(ev)
    assert row.quality == "0.82 (example, 2026-11-01)"
    assert row.latency == "400 ms to first token + 80 tokens/s (example, 2026-11-01)"
    assert row.prices == "$2.50 in / $10.00 out per million tokens"


def test_a_new_price_map_date_alone_is_no_drift():
    """A reinstalled litellm dates its map anew; with the same rows the result is the same."""
    cql = get("cost_quality_latency")
    result, ev = evidence.record(cql, cql.Inputs(), _cql_catalog(0.9))
    today = Catalog(list(_cql_catalog(0.9)), source="litellm 1.0", price_date=dt.date(2027, 1, 1))
    assert evidence.check_drift(cql, cql.Inputs(), result, ev, today) is None


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_shipped_examples_carry_the_evidence_that_reproduces_them(path):
    """Each example scenario file keeps the rows it was computed from (the price map and the
    example scores): with them alone, whatever the catalog holds, it gives its saved result."""
    s = parse_scenario_file(path.read_text(encoding="utf-8"), ids())
    assert s.evidence is not None and s.result is not None
    framework = get(s.framework_id)
    ev = evidence.parse(s.evidence)
    assert ev is not None
    result = framework.compute(framework.Inputs.model_validate(s.inputs), ev.catalog())
    assert (result.recommendation, result.headline) == (
        s.result["recommendation"],
        s.result["headline"],
    )


def test_a_result_that_read_no_catalog_is_not_recomputed_for_drift():
    """Build vs Buy reads no catalog: its drift check costs nothing (it never computes)."""

    class Refuses:
        def compute(self, inputs, catalog=None):
            raise AssertionError("computed again")

    bvb = get("build_vs_buy")
    result, ev = evidence.record(bvb, bvb.Inputs(), _cql_catalog(0.9))
    assert not ev.read
    assert evidence.check_drift(Refuses(), bvb.Inputs(), result, ev, Catalog()) is None


def test_damaged_evidence_is_said_and_today_is_used():
    """Evidence edited by another program: the version is computed with today's catalog and
    the reader is told why, never a crash."""
    cql = get("cost_quality_latency")
    view = evidence.open_saved(
        cql, cql.Inputs(), {"models": [{"id": "x"}], "read": True}, _cql_catalog(0.9)
    )
    assert not view.recorded
    assert view.result == cql.compute(cql.Inputs(), _cql_catalog(0.9))
    assert view.notes[0].startswith("This version's evidence cannot be read (models.0.provider:")
    assert evidence.read(None) == (None, f"This version was {evidence.NO_EVIDENCE}.")


def test_the_evidence_of_no_read_is_the_default_evidence():
    """Built without validation or default factories (it is on every edit's path), the
    evidence of a computation that read nothing is the validated default, stored alike, and
    each has its own lists."""
    bvb = get("build_vs_buy")
    _, first = evidence.record(bvb, bvb.Inputs(), _cql_catalog(0.9))
    _, second = evidence.record(bvb, bvb.Inputs(), None)
    default = evidence.Evidence()
    for ev in (first, second):
        assert ev == default
        assert ev.model_fields_set == default.model_fields_set
        assert ev.to_json() == default.to_json()
    assert first.models is not second.models and first.absent is not second.absent
