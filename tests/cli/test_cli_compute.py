"""The headless engine commands: frameworks, schema and compute, and how they refuse bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

import main
from core.frameworks import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
RunCli = Callable[..., subprocess.CompletedProcess[str]]


def test_frameworks_lists_every_id_and_title(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["frameworks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(REGISTRY)
    for line, module in zip(lines, REGISTRY, strict=True):
        framework_id, title = line.split(None, 1)
        assert (framework_id, title) == (module.ID, module.TITLE)


def test_schema_is_the_inputs_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["schema", "build_vs_buy"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    assert schema["properties"]["api_cost_per_token"]["minimum"] == 0
    assert schema["properties"]["api_cost_per_token"]["unit"] == "$/token"


def test_schema_of_an_unknown_framework_names_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main.main(["schema", "no_such_framework"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown framework 'no_such_framework'")
    assert "build_vs_buy" in err


def test_compute_defaults_reproduce_the_source_example(run_cli: RunCli) -> None:
    """Source example: 5e-6 $/token x 500e9 tokens = $2,500,000 a year of API.

    Building: 500,000 / 5 years + 100,000 serving = $200,000 a year amortised;
    breakeven = 500,000 / (2,500,000 - 100,000) = 0.208333 years, inside the 3-year horizon.
    """
    proc = run_cli("compute", "build_vs_buy")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["api_annual_cost"] == pytest.approx(2_500_000)
    assert result["custom_annual_cost"] == pytest.approx(200_000)
    assert result["breakeven_years"] == pytest.approx(500_000 / 2_400_000)
    assert result["recommendation"] == "build"
    assert proc.stderr == ""


def test_compute_with_an_inputs_file(run_cli: RunCli, tmp_path: Path) -> None:
    """Serving at $3,000,000 a year costs more than the $2,500,000 API: never breaks even."""
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps({"serving_cost_per_year": 3_000_000}))
    proc = run_cli("compute", "build_vs_buy", "--inputs", str(path))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["breakeven_years"] is None
    assert result["recommendation"] == "buy"


def test_compute_reads_inputs_from_standard_input(run_cli: RunCli) -> None:
    proc = run_cli(
        "compute", "build_vs_buy", "--inputs", "-", stdin='{"serving_cost_per_year": 3e6}'
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["recommendation"] == "buy"


BAD_INPUTS = [
    ('{"api_cost_per_token": -1}', "api_cost_per_token: must be at least"),
    ('{"inference_volume_per_year": NaN}', "inference_volume_per_year: must be a finite"),
    ('{"training_cost": Infinity}', "training_cost: must be a finite"),
    ('{"serving_cost_per_year": -Infinity}', "serving_cost_per_year: must be a finite"),
    ('{"training_cost": "a lot"}', "training_cost: must be a number"),
    ('{"monte_carlo_draws": 10.5}', "monte_carlo_draws: must be a whole number"),
    ('{"monte_carlo_draws": 1000000000}', "monte_carlo_draws: must be at most"),
    ('{"amortization_years": 0}', "amortization_years: must be at least"),
    ('{"decision_horizon_years": 0}', "decision_horizon_years: must be more than 0"),
    ('{"training_cost": null}', "training_cost: must be a number"),
    ('{"api_cost": 1e-6}', "api_cost: unknown field"),
    ("[1, 2]", "must be a JSON object of field names and values, not a list"),
    ("null", "must be a JSON object of field names and values, not null"),
    ("12", "must be a JSON object of field names and values, not a number"),
    ('{"api_cost_per_token": 1e-6,}', "invalid JSON"),
    ("", "invalid JSON"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_INPUTS)
def test_compute_refuses_bad_inputs(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inputs.json"
    path.write_text(text)
    assert main.main(["compute", "build_vs_buy", "--inputs", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert expected in err
    assert all(line.startswith("error: ") for line in err.splitlines())


def test_compute_reports_every_bad_field_on_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inputs.json"
    path.write_text('{"api_cost_per_token": -1, "training_cost": NaN, "colour": "red"}')
    assert main.main(["compute", "build_vs_buy", "--inputs", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: api_cost_per_token: must be at least $0/token",
        "error: training_cost: must be a finite number (not infinity or NaN)",
        "error: colour: unknown field",
    ]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing.json", "no such file"),
        (lambda d: d, "is a folder"),
        (lambda d: _write_bytes(d / "binary.json", b"\xff\xfe\x00{"), "not UTF-8 text"),
    ],
)
def test_compute_refuses_unreadable_files(
    make, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path)
    assert main.main(["compute", "build_vs_buy", "--inputs", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ")
    assert expected in err
    assert len(err.splitlines()) == 1


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_compute_unknown_framework(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["compute", "buy_or_rent"]) == 2
    assert "unknown framework 'buy_or_rent'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["compute", "build_vs_buy", "--inputs", "{inputs}"],
        ["compute", "nope"],
        ["compute"],
        ["no-such-command"],
    ],
)
def test_bad_input_never_shows_a_traceback(run_cli: RunCli, tmp_path: Path, args) -> None:
    path = tmp_path / "inputs.json"
    path.write_text('{"inference_volume_per_year": NaN, "training_cost": -5}')
    proc = run_cli(*[a.format(inputs=path) for a in args])
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip()


def test_compute_and_markdown_report_stay_free_of_qt_and_litellm(
    save_scenario, tmp_path: Path
) -> None:
    """The headless commands must start fast: no GUI toolkit, plotting or LLM client loaded."""
    save_scenario("Light")
    code = (
        "import sys, main\n"
        "assert main.main(['compute', 'build_vs_buy']) == 0\n"
        "assert main.main(['report', 'Light', '--format', 'md', '--out', sys.argv[1]]) == 0\n"
        "heavy = [m for m in ('PySide6', 'pyqtgraph', 'litellm') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    out = tmp_path / "light.md"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "**Build**" in out.read_text()


def test_no_command_opens_the_gui_with_the_resolved_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_path: Path
) -> None:
    opened: list[Path] = []

    def run(path: Path) -> int:
        opened.append(path)
        return 7

    monkeypatch.setitem(sys.modules, "ui.app", types.SimpleNamespace(run=run))
    assert main.main([]) == 7
    assert main.main(["--db", str(tmp_path / "other.sqlite3")]) == 7
    assert opened == [db_path, tmp_path / "other.sqlite3"]


def test_version_and_help_exit_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["--version"]) == 0
    assert main.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "AI Decision Frameworks" in out
    for command in ("frameworks", "schema", "compute", "scenarios", "report"):
        assert command in out
