"""A provider benchmark's price is shown beside the catalog's in the import's report, and never
stored as a price (the catalog's prices come from the price map and your overrides); a HELM
table's lower-is-better columns are marked as not scores in the report's list of tables."""

from __future__ import annotations

from pathlib import Path

import pytest

import main
from operations.catalog import user_catalog

PROVIDER = str(Path(__file__).parent.parent / "data" / "scores" / "provider_benchmarks.csv")


def test_the_files_price_is_beside_the_catalogs_and_not_stored(db_path, capsys):
    before = user_catalog(db_path).get("gpt-4o-mini")
    code = main.main(
        ["catalog", "import-scores", PROVIDER, "--source", "AA", "--format", "csv", "--yes"]
    )
    out = capsys.readouterr().out
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("GPT-4o mini → gpt-4o-mini (exact)"))
    assert line.endswith(
        "; price in the file $0.26 per million tokens (not stored; the catalog's: "
        "$0.15 in / $0.60 out per million tokens)"
    )
    after = user_catalog(db_path).get("gpt-4o-mini")
    assert after.quality is not None and after.quality.score == pytest.approx(0.71)
    assert (after.input_cost_per_token, after.output_cost_per_token) == (
        before.input_cost_per_token,
        before.output_cost_per_token,
    )
    assert not after.price_overridden


def test_the_tables_line_marks_the_columns_that_are_not_scores(db_path, capsys):
    helm = str(Path(PROVIDER).parent / "helm_lite_core_scenarios.json")
    code = main.main(["catalog", "import-scores", helm, "--source", "HELM Lite", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert (
        "Efficiency (Mean win rate, NarrativeQA - Observed inference time (s) [lower is better: "
        "not a score])" in out
    )
