"""The example scenarios offered on first run are valid and agree with the current engine."""

from pathlib import Path

import pytest

from core.catalog import load_catalog, with_examples
from core.frameworks import get, ids
from core.scenario import parse_scenario_file

EXAMPLES = sorted((Path(__file__).parents[2] / "resources" / "examples").glob("*.json"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.fixture(scope="module")
def example_catalog(tmp_path_factory):
    """What the examples were computed against: the price map plus the shipped example scores
    (the first run loads both together)."""
    csv = Path(__file__).parents[2] / "resources" / "catalog" / "examples.csv"
    public = load_catalog(tmp_path_factory.mktemp("catalog"))
    return with_examples(public, csv.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_result_is_what_the_engine_computes(path, example_catalog):
    scenario = parse_scenario_file(path.read_text(encoding="utf-8"), ids())
    framework = get(scenario.framework_id)
    inputs = framework.Inputs.model_validate(scenario.inputs)
    result = framework.compute(inputs, example_catalog)
    assert scenario.result is not None
    assert scenario.result["recommendation"] == result.recommendation
    assert scenario.result["headline"] == result.headline
    assert scenario.notes  # an example explains itself
