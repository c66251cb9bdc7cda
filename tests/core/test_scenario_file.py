"""The portable scenario file: round trip, and a clear ScenarioFileError for every bad file."""

import json
from datetime import UTC, datetime

import pytest

from core import APP_VERSION
from core.scenario import (
    FILE_FORMAT,
    FILE_FORMAT_VERSION,
    Scenario,
    ScenarioFileError,
    dump_scenario_file,
    parse_scenario_file,
)

KNOWN = {"build_vs_buy"}
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _scenario(**changes) -> Scenario:
    fields = {
        "id": 7,
        "name": "Support bot, 2026 volumes",
        "framework_id": "build_vs_buy",
        "inputs": {"api_cost_per_token": 5e-6, "inference_volume_per_year": 5e11},
        "result": {"recommendation": "build", "breakeven_years": None},
        "notes": "Prices from the January quote.",
        "created_at": WHEN,
        "updated_at": WHEN,
        "version": 3,
    }
    return Scenario(**{**fields, **changes})


def _payload(**scenario_changes) -> dict:
    return json.loads(dump_scenario_file(_scenario(**scenario_changes)))


def _parse(payload) -> Scenario:
    return parse_scenario_file(json.dumps(payload), KNOWN)


def test_round_trip_keeps_everything_but_the_local_id_and_version():
    """id and version belong to the database the file came from; the rest comes back intact."""
    original = _scenario()
    text = dump_scenario_file(original)
    payload = json.loads(text)
    assert payload["format"] == FILE_FORMAT
    assert payload["format_version"] == FILE_FORMAT_VERSION
    assert payload["app_version"] == APP_VERSION
    assert "id" not in payload["scenario"]
    assert "version" not in payload["scenario"]
    back = parse_scenario_file(text, KNOWN)
    assert back == original.model_copy(update={"id": None, "version": 1})
    assert back.created_at == WHEN
    assert back.inputs["api_cost_per_token"] == 5e-6
    assert back.result == {"recommendation": "build", "breakeven_years": None}


def test_foreign_id_and_version_in_a_file_are_ignored():
    payload = _payload()
    payload["scenario"].update(id=99, version=12)
    back = _parse(payload)
    assert back.id is None
    assert back.version == 1


def test_invalid_json_says_so_with_the_line():
    """A comma dropped at the end of line 3 is noticed where line 4 begins."""
    text = dump_scenario_file(_scenario())
    assert text.splitlines()[2] == '  "format_version": 1,'
    broken = text.replace('"format_version": 1,', '"format_version": 1', 1)
    with pytest.raises(ScenarioFileError, match=r"invalid JSON \(Expecting ',' .* at line 4\)"):
        parse_scenario_file(broken, KNOWN)


@pytest.mark.parametrize("text", ["", "   ", '{"format": ', "\x00"])
def test_empty_or_truncated_file_is_invalid_json(text):
    with pytest.raises(ScenarioFileError, match="not a scenario file: invalid JSON"):
        parse_scenario_file(text, KNOWN)


def test_absurdly_nested_json_is_a_file_error_not_a_crash():
    """100,000 nested brackets exhaust the JSON parser's recursion; the user gets the same
    "invalid JSON" message as for any other unreadable file, not a RecursionError.
    """
    with pytest.raises(ScenarioFileError, match="not a scenario file: invalid JSON"):
        parse_scenario_file("[" * 100_000 + "]" * 100_000, KNOWN)


@pytest.mark.parametrize(
    "text",
    ["[1, 2, 3]", '"a string"', "42", "null", json.dumps({"format": "something-else"}), "{}"],
)
def test_wrong_format_is_refused(text):
    with pytest.raises(ScenarioFileError, match="'format' field is not 'aidf-scenario'"):
        parse_scenario_file(text, KNOWN)


@pytest.mark.parametrize("version", [None, "1", 1.5, 0, -3, True])
def test_missing_or_non_whole_format_version_is_refused(version):
    """A format_version that is missing, text, fractional, below 1 or a JSON boolean is refused.

    JSON `true` must not pass as version 1 just because Python's bool is an int.
    """
    payload = _payload()
    if version is None:
        del payload["format_version"]
    else:
        payload["format_version"] = version
    with pytest.raises(ScenarioFileError, match="'format_version' is missing or not a whole"):
        _parse(payload)


def test_newer_format_version_asks_for_an_update():
    payload = _payload()
    payload["format_version"] = FILE_FORMAT_VERSION + 1
    payload["app_version"] = "9.9.9"
    with pytest.raises(ScenarioFileError) as exc:
        _parse(payload)
    message = str(exc.value)
    assert "newer version of the app" in message
    assert f"file format {FILE_FORMAT_VERSION + 1}, app 9.9.9" in message
    assert "Update the app" in message


def test_missing_scenario_object_is_refused():
    payload = _payload()
    payload["scenario"] = ["not", "an", "object"]
    with pytest.raises(ScenarioFileError, match="'scenario' object is missing"):
        _parse(payload)
    del payload["scenario"]
    with pytest.raises(ScenarioFileError, match="'scenario' object is missing"):
        _parse(payload)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "", r"damaged scenario file: name: String should have at least 1 character"),
        ("inputs", [1, 2], r"damaged scenario file: inputs: Input should be a valid dictionary"),
        ("created_at", "last Tuesday", r"damaged scenario file: created_at: "),
        ("framework_id", None, r"damaged scenario file: framework_id: "),
    ],
)
def test_damaged_fields_are_named(field, value, expected):
    payload = _payload()
    payload["scenario"][field] = value
    with pytest.raises(ScenarioFileError, match=expected):
        _parse(payload)


def test_missing_required_field_is_named():
    payload = _payload()
    del payload["scenario"]["name"]
    with pytest.raises(ScenarioFileError, match="damaged scenario file: name: Field required"):
        _parse(payload)


def test_unknown_framework_is_named():
    payload = _payload(framework_id="crystal_ball")
    with pytest.raises(ScenarioFileError, match="framework 'crystal_ball', which this version"):
        _parse(payload)


def test_error_is_a_value_error_with_no_chained_traceback():
    """Callers may catch ValueError; the message alone explains it (no JSON or pydantic cause)."""
    with pytest.raises(ValueError) as exc:
        parse_scenario_file("{", KNOWN)
    assert exc.value.__cause__ is None
    assert exc.value.__suppress_context__


def test_a_file_with_invalid_inputs_is_refused_with_the_field_named():
    """A NaN or negative input in a scenario file must never reach the database."""
    from core.frameworks import build_vs_buy as bvb
    from core.scenario import Scenario, ScenarioFileError, dump_scenario_file, parse_scenario_file

    good = Scenario(name="x", framework_id=bvb.ID, inputs=bvb.Inputs().model_dump(mode="json"))
    text = dump_scenario_file(good).replace('"training_cost": 500000.0', '"training_cost": -1')
    assert '"training_cost": -1' in text
    with pytest.raises(ScenarioFileError, match="training_cost: must be at least"):
        parse_scenario_file(text, {bvb.ID})
