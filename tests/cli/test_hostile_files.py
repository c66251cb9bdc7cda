"""Hostile files through `eval import-dataset`, `eval import-outputs` and `scenarios import`:
empty, binary, truncated, UTF-16, 60 MB on one line, nested too deeply, the wrong schema, an
unknown framework, a newer app's file. Each exits 2 with one clear message, no traceback, and
the database is exactly as it was."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import main
from tests.cli.conftest import SCENARIO
from tests.cli.conftest import dump_database as _dump

RunCli = Callable[..., subprocess.CompletedProcess[str]]

# A 60 MB line stands in for the "gigabyte line": above the 1 MB row limit and large
# enough to show nothing reads it twice into memory, small enough to keep the test quick.
HUGE_LINE_BYTES = 60_000_000
DEEP = "[" * 100_000


@pytest.fixture(scope="module")
def huge_line(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return b'{"id": "q0", "input": "' + b"x" * HUGE_LINE_BYTES + b'", "output": "a"}\n'


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _refused(capsys: pytest.CaptureFixture[str], args: list[str], expected: str) -> str:
    code, out, err = _eval(capsys, *args)
    assert (code, out) == (2, ""), err
    assert expected in err, err
    assert "Traceback" not in err
    assert all(line.startswith("error: ") for line in err.splitlines()), err
    return err


DATASET_FILES = [
    ("empty.jsonl", b"", "'empty.jsonl' is empty: there is nothing to import."),
    ("blank.csv", b"\n\r\n  \n", "'blank.csv' is empty"),
    ("binary.csv", bytes(range(256)) * 8, "'binary.csv' is a binary file, not text"),
    (
        "cut.jsonl",
        b'{"input": "a", "expected": "b"}\n{"input": "c", "exp',
        "line 2: is not valid JSON (Unterminated string starting at column 16)",
    ),
    (
        "cut-utf8.jsonl",
        '{"input": "a", "expected": "café"}'.encode()[:-3],
        "is not UTF-8 text: the byte 0xc3 at offset 31 cannot be read",
    ),
    (
        "utf16.csv",
        "input,expected\nParis,France\n".encode("utf-16"),
        "'utf16.csv' is UTF-16 text. Save it as UTF-8",
    ),
    (
        "utf16-no-bom.jsonl",
        '{"input": "a"}\n'.encode("utf-16-le"),
        "'utf16-no-bom.jsonl' is a binary file, not text (it contains NUL bytes)",
    ),
    (
        "cut.csv",
        b'input,expected\na,b\n"c,d\n',
        "'cut.csv' is not valid CSV (line 3: unexpected end of data)",
    ),
    ("people.csv", b"name,age\nann,3\n", "'people.csv' has no column 'input' for the input"),
    (
        "nested.jsonl",
        b'{"question": {"text": "a"}}\n',
        "line 1 (id '1'): input ('question') is an object; it must be text",
    ),
    ("deep.jsonl", f'{{"input": "a"}}\n{DEEP}\n'.encode(), "line 2: is JSON nested too deeply"),
    ("list.jsonl", b'[{"input": "a"}]\n', "line 1 is a list, not a JSON object"),
    ("header-only.csv", b"input,expected\n", "has column names but no rows of data"),
    ("data.xlsx", b"PK\x03\x04", "is neither JSON Lines nor CSV by its name"),
]


@pytest.mark.parametrize(
    ("name", "data", "expected"), DATASET_FILES, ids=[f[0] for f in DATASET_FILES]
)
def test_a_hostile_dataset_is_refused_and_nothing_changes(
    seeded: list[str], db_path: Path, tmp_path: Path, capsys, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    _refused(capsys, ["eval", "import-dataset", str(path)], expected)
    assert _dump(db_path) == seeded


def test_a_60_mb_line_is_a_row_problem_and_nothing_changes(
    seeded: list[str], db_path: Path, tmp_path: Path, capsys, huge_line: bytes
) -> None:
    """60,000,000 x's plus 40 bytes of JSON: 60.0 MB, over the 1 MB a row may hold."""
    path = tmp_path / "huge.jsonl"
    path.write_bytes(huge_line)
    _refused(
        capsys,
        ["eval", "import-dataset", str(path)],
        "line 1: is 60.0 MB of text; a row may hold at most 1 MB",
    )
    _refused(
        capsys,
        ["eval", "import-outputs", str(path), "--dataset", "qa"],
        "line 1: is 60.0 MB of text; a row may hold at most 1 MB",
    )
    scenario = tmp_path / "huge.json"
    scenario.write_bytes(
        json.dumps(
            {**SCENARIO, "scenario": {**SCENARIO["scenario"], "notes": huge_line.decode()}}
        ).encode()
    )
    _refused(
        capsys,
        ["scenarios", "import", str(scenario)],
        "not a scenario file: it is 60.0 MB, and scenario files are at most 10 MB",
    )
    assert _dump(db_path) == seeded


OUTPUT_FILES = [
    ("empty.jsonl", b"", "'empty.jsonl' is empty"),
    ("binary.jsonl", b"\x00\x01\x02garbage", "is a binary file"),
    ("cut.jsonl", b'{"id": "q0", "output": "a"}\n{"id": "q1", "out', "line 2: is not valid JSON"),
    ("utf16.jsonl", '{"id": "q0", "output": "a"}\n'.encode("utf-16"), "is UTF-16 text"),
    ("deep.jsonl", f"{DEEP}\n".encode(), "line 1: is JSON nested too deeply"),
    ("unknown.jsonl", b'{"id": "zz", "output": "a"}\n', "the id 'zz' is not in the dataset"),
    ("no-id.jsonl", b'{"output": "a"}\n', "line 1"),
    (
        "negative.jsonl",
        b'{"id": "q0", "output": "a", "latency_ms": -5, "cost_usd": NaN}\n',
        "line 1 (id 'q0')",
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "expected"), OUTPUT_FILES, ids=[f[0] for f in OUTPUT_FILES]
)
def test_hostile_logged_outputs_are_refused_and_nothing_changes(
    seeded: list[str], db_path: Path, tmp_path: Path, capsys, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    _refused(capsys, ["eval", "import-outputs", str(path), "--dataset", "qa"], expected)
    assert _dump(db_path) == seeded


def _scenario_file(**changes: object) -> bytes:
    return json.dumps({**SCENARIO, **changes}).encode()


SCENARIO_FILES = [
    ("empty.json", b"", "not a scenario file: invalid JSON"),
    ("binary.json", bytes(range(256)), "not UTF-8 text"),
    ("cut.json", _scenario_file()[:-20], "not a scenario file: invalid JSON"),
    ("cut-utf8.json", '{"a": "é'.encode()[:-1], "not UTF-8 text"),
    ("utf16.json", _scenario_file().decode().encode("utf-16"), "not UTF-8 text"),
    ("deep.json", DEEP.encode(), "scenario"),
    ("list.json", b"[1, 2]", "not a scenario file"),
    ("other.json", b'{"format": "something-else"}', "the 'format' field is not 'aidf-scenario'"),
    (
        "unknown.json",
        _scenario_file(scenario={**SCENARIO["scenario"], "framework_id": "crystal_ball"}),
        "for the framework 'crystal_ball', which this version of the app does not have",
    ),
    (
        "newer.json",
        _scenario_file(format_version=99, app_version="9.0"),
        "written by a newer version of the app (file format 99, app 9.0)",
    ),
    (
        "bad-inputs.json",
        _scenario_file(scenario={**SCENARIO["scenario"], "inputs": {"training_cost": "lots"}}),
        "training_cost: must be a number",
    ),
]


@pytest.mark.parametrize(
    ("name", "data", "expected"), SCENARIO_FILES, ids=[f[0] for f in SCENARIO_FILES]
)
def test_a_hostile_scenario_file_is_refused_and_nothing_changes(
    seeded: list[str], db_path: Path, tmp_path: Path, capsys, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    _refused(capsys, ["scenarios", "import", str(path)], expected)
    assert _dump(db_path) == seeded


def test_the_good_files_do_import(seeded: list[str], db_path: Path, tmp_path: Path, capsys) -> None:
    """The refusals above are about the files: well-formed ones of each kind change the dump."""
    (tmp_path / "ok.jsonl").write_bytes(b'{"input": "a", "expected": "b"}\n')
    (tmp_path / "out.jsonl").write_bytes(b'{"id": "q1", "output": "a"}\n')
    (tmp_path / "ok.json").write_bytes(_scenario_file())
    assert _eval(capsys, "eval", "import-dataset", str(tmp_path / "ok.jsonl"))[0] == 0
    assert (
        _eval(capsys, "eval", "import-outputs", str(tmp_path / "out.jsonl"), "--dataset", "qa")[0]
        == 0
    )
    assert _eval(capsys, "scenarios", "import", str(tmp_path / "ok.json"))[0] == 0
    assert len(_dump(db_path)) > len(seeded)


@pytest.mark.parametrize(
    ("args", "name", "data"),
    [
        (["eval", "import-dataset"], "binary.csv", bytes(range(256)) * 8),
        (["eval", "import-outputs", "--dataset", "qa"], "deep.jsonl", f"{DEEP}\n".encode()),
        (["scenarios", "import"], "deep.json", DEEP.encode()),
    ],
)
def test_a_real_process_refuses_hostile_files_without_a_traceback(
    seeded: list[str], db_path: Path, tmp_path: Path, run_cli: RunCli, args, name, data
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    proc = run_cli(*args[:2], str(path), *args[2:])
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")
    assert _dump(db_path) == seeded
