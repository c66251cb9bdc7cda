"""`compute ID --inputs FILE` fed random and hostile JSON: exit 2 with one "error:" line per bad
field, or exit 0 with a finite result; never a traceback, never NaN in what is printed."""

from __future__ import annotations

import contextlib
import io
import json
import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import main
from core.frameworks import REGISTRY

RunCli = Callable[..., subprocess.CompletedProcess[str]]
FRAMEWORK_IDS = [m.ID for m in REGISTRY]

# JSON as an attacker or a broken script writes it: Python's json also emits NaN and Infinity.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
HOSTILE = [float("nan"), float("inf"), -1e300, 10**400, -1, "ten", None, [], {}, [1, 2]]


def compute(framework_id: str, text: str) -> tuple[int, str, str]:
    """main.main in this process, the inputs coming through standard input as `--inputs -`."""
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(text)
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _stdin(stdin),
    ):
        code = main.main(["compute", framework_id, "--inputs", "-"])
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def _stdin(stream: io.StringIO) -> Iterator[None]:
    saved, sys.stdin = sys.stdin, stream
    try:
        yield
    finally:
        sys.stdin = saved


def _check(code: int, out: str, err: str) -> None:
    if code == 0:
        assert err == ""
        result = json.loads(out, parse_constant=_refuse_constant)
        assert _finite(result)
        return
    assert code == 2, (code, err)
    assert out == ""
    lines = err.splitlines()
    assert lines, "a refusal says why"
    assert all(line.startswith("error: ") and len(line) > len("error: ") for line in lines), lines
    assert "Traceback" not in err


def _refuse_constant(name: str) -> float:
    raise AssertionError(f"printed JSON holds {name}")


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FRAMEWORK_IDS), json_values)
def test_random_json_is_refused_or_computed_never_crashes(framework_id: str, value: Any) -> None:
    _check(*compute(framework_id, json.dumps(value)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REGISTRY), st.data())
def test_one_hostile_value_in_valid_inputs_names_that_field(
    module: Any, data: st.DataObject
) -> None:
    """The defaults with one field replaced by NaN, infinity, a huge or negative number, text,
    null or a list: when refused, an error line names that field."""
    inputs = module.Inputs().model_dump(mode="json")
    field = data.draw(st.sampled_from(sorted(inputs)))
    value = data.draw(st.sampled_from(HOSTILE))
    code, out, err = compute(module.ID, json.dumps({**inputs, field: value}))
    _check(code, out, err)
    if code == 2:
        assert any(line.startswith(f"error: {field}") for line in err.splitlines()), err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"candidates": []}', "error: candidates: "),
        ('{"candidates": [{"name": "a"}]}', "error: candidates.0.accuracy: is required"),
        ('{"max_latency_ms": -5}', "error: max_latency_ms: must be at least 0 ms"),
        ('{"weight_quality": 1e400}', "error: weight_quality: must be a finite number"),
        ('{"zzz": 1, "weight_cost": "x"}', "error: zzz: unknown field"),
    ],
)
def test_model_selection_refusals_name_the_row_and_field(text: str, expected: str) -> None:
    code, out, err = compute("model_selection", text)
    assert (code, out) == (2, "")
    assert expected in err, err


def test_an_unknown_model_id_is_named_in_the_result() -> None:
    """cost_quality_latency compares catalog models: an id the catalog lacks is not an input
    error but is said in the rationale, and nothing is recommended from nothing."""
    code, out, err = compute("cost_quality_latency", '{"candidate_models": ["no-such-model-xyz"]}')
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["recommendation"] == "none"
    assert "Not in the catalog, so not compared: no-such-model-xyz." in result["rationale"]


@pytest.mark.parametrize(
    "text",
    [
        '{"training_cost": NaN, "amortization_years": -1, "colour": 1}',
        '{"inference_volume_per_year": 1e999}',
        "[" * 100_000,
        '{"a": "\\ud800"}',
    ],
)
def test_a_real_process_refuses_hostile_json_without_a_traceback(
    run_cli: RunCli, text: str
) -> None:
    proc = run_cli("compute", "build_vs_buy", "--inputs", "-", stdin=text)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), proc.stderr
