"""`scenarios show` says which quality source a saved result used, as the card and the export
do: the source chosen with `catalog score-source`, its date, and for how many models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import main
from core import evidence
from core.catalog import load_catalog
from core.frameworks import get
from core.score_files import SourcedScore
from storage import CatalogStore, ScenarioStore

CQL = get("cost_quality_latency")
DAY = dt.date(2026, 12, 3)


def test_show_names_the_quality_source_in_use(db_path: Path, capsys) -> None:
    with CatalogStore(db_path) as catalog_store:
        catalog_store.save_sourced(
            [
                SourcedScore(m, "HELM Lite", s, s, "unit", "Mean win rate", DAY)
                for m, s in (("gpt-4o", 0.9), ("gpt-4o-mini", 0.7))
            ]
        )
        catalog_store.save_sourced([SourcedScore("gpt-4o", "Arena", 0.8, 0.8, "unit", "", DAY)])
    assert main.main(["catalog", "score-source", "HELM Lite"]) == 0
    with CatalogStore(db_path) as catalog_store:
        catalog = catalog_store.apply(load_catalog())
    inputs = CQL.Inputs(candidate_models=["gpt-4o", "gpt-4o-mini"])
    result, ev = evidence.record(CQL, inputs, catalog)
    with ScenarioStore(db_path) as store:
        store.create(
            CQL.ID,
            "Pick",
            inputs.model_dump(mode="json"),
            result.model_dump(mode="json"),
            evidence=ev.to_json(),
        )
    capsys.readouterr()
    assert main.main(["scenarios", "show", "Pick"]) == 0
    out = capsys.readouterr().out
    assert "Quality: HELM Lite: Mean win rate (imported 2026-12-03) for 2 models\n" in out
