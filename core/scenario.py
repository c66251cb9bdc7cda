"""Scenario records and the portable scenario file format (pure data, no storage)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core import APP_VERSION
from core.files import FileTooLargeError, NumberTooLongError, parse_json, read_bytes
from core.text import name_problem
from core.validation import error_lines

FILE_FORMAT = "aidf-scenario"
FILE_FORMAT_VERSION = 1
# The largest result any framework writes is about 20 KB: 10 MB leaves room for long notes
# and keeps a runaway file from being read whole into memory.
MAX_FILE_BYTES = 10_000_000


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Scenario(BaseModel):
    """One saved scenario at its latest version."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: int | None = None
    name: str = Field(min_length=1, max_length=200)
    framework_id: str
    inputs: dict[str, Any]
    result: dict[str, Any] | None = None
    #: The catalog rows the result was computed from (core.evidence.Evidence as JSON); None
    #: for a version saved before evidence was recorded.
    evidence: dict[str, Any] | None = None
    notes: str = ""
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    version: int = 1


class ScenarioVersion(BaseModel):
    """One saved version of a scenario (every save is kept)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    scenario_id: int
    version: int
    inputs: dict[str, Any]
    result: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None
    notes: str = ""
    saved_at: datetime


class ScenarioFileError(ValueError):
    """A scenario file that cannot be read; the message says why in plain words."""


def dump_scenario_file(scenario: Scenario) -> str:
    """Serialise a scenario to the portable JSON file format."""
    payload = {
        "format": FILE_FORMAT,
        "format_version": FILE_FORMAT_VERSION,
        "app_version": APP_VERSION,
        "scenario": scenario.model_dump(mode="json", exclude={"id", "version"}),
    }
    return json.dumps(payload, indent=2, sort_keys=False)


def check_file_size(n_bytes: int) -> None:
    """Refuse a scenario file over MAX_FILE_BYTES (call it before reading the file)."""
    if n_bytes > MAX_FILE_BYTES:
        raise too_large(n_bytes)


def too_large(n_bytes: int) -> ScenarioFileError:
    """The error for a scenario file of `n_bytes`, over MAX_FILE_BYTES."""
    return ScenarioFileError(
        f"not a scenario file: it is {n_bytes / 1e6:,.1f} MB, and scenario files are at "
        f"most {MAX_FILE_BYTES / 1e6:,.0f} MB"
    )


def read_file_bytes(path: Path) -> bytes:
    """A scenario file's bytes: ScenarioFileError when it is over MAX_FILE_BYTES (by its size
    or while reading it), OSError when it cannot be read (core.files.NotRegularFileError for a
    device such as /dev/zero, a pipe or a folder, even behind a symlink named *.json)."""
    try:
        return read_bytes(path, MAX_FILE_BYTES)
    except FileTooLargeError as exc:
        raise too_large(exc.size) from None


def parse_scenario_file(text: str, known_frameworks: set[str]) -> Scenario:
    """Read a scenario file; raise ScenarioFileError with a readable reason when it is unusable."""
    check_file_size(len(text))
    try:
        payload = parse_json(text)
    except json.JSONDecodeError as exc:
        raise ScenarioFileError(
            f"not a scenario file: invalid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    except NumberTooLongError as exc:
        raise ScenarioFileError(str(exc)) from None
    except RecursionError:
        raise ScenarioFileError("not a scenario file: invalid JSON (nested too deeply)") from None
    if not isinstance(payload, dict) or payload.get("format") != FILE_FORMAT:
        raise ScenarioFileError(f"not a scenario file: the 'format' field is not '{FILE_FORMAT}'")
    version = payload.get("format_version")
    # bool is an int subclass: JSON `true` is not format version 1.
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ScenarioFileError(
            "not a scenario file: 'format_version' is missing or not a whole number"
        )
    if version > FILE_FORMAT_VERSION:
        raise ScenarioFileError(
            f"this scenario file was written by a newer version of the app "
            f"(file format {version}, app {payload.get('app_version', '?')}); "
            f"this app reads format {FILE_FORMAT_VERSION}. Update the app to open it."
        )
    body = payload.get("scenario")
    if not isinstance(body, dict):
        raise ScenarioFileError("not a scenario file: the 'scenario' object is missing")
    try:
        scenario = Scenario.model_validate(
            {k: v for k, v in body.items() if k not in ("id", "version")}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "scenario"
        raise ScenarioFileError(f"damaged scenario file: {where}: {first['msg']}") from None
    if problem := name_problem(scenario.name):
        raise ScenarioFileError(f"the scenario's name cannot be used: {problem}")
    if scenario.framework_id not in known_frameworks:
        raise ScenarioFileError(
            f"this scenario is for the framework '{scenario.framework_id}', which this version of "
            f"the app does not have"
        )
    _check_inputs(scenario)
    _check_evidence(scenario)
    return scenario


def _check_evidence(scenario: Scenario) -> None:
    """A file's evidence must be readable: the window and `scenarios show` compute from it."""
    if scenario.evidence is None:
        return
    from core.evidence import Evidence  # the catalog's models: only needed here

    try:
        Evidence.model_validate(scenario.evidence)
    except ValidationError as exc:
        raise ScenarioFileError(
            "the scenario's evidence is damaged: " + "; ".join(error_lines(exc))
        ) from None


def _check_inputs(scenario: Scenario) -> None:
    """A file's inputs must be valid for its framework: nothing unusable gets into the store."""
    from core import frameworks  # the registry imports every framework; only needed here

    if scenario.framework_id not in frameworks.ids():
        return
    inputs_model = frameworks.get(scenario.framework_id).Inputs
    try:
        inputs_model.model_validate(scenario.inputs)
    except ValidationError as exc:
        raise ScenarioFileError(
            "the scenario's inputs are not valid: " + "; ".join(error_lines(exc, inputs_model))
        ) from None
