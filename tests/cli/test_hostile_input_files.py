"""Hostile input files (issue 14, items 7 and 8): integers beyond Python's 4,300-digit limit,
and paths that are not regular files (/dev/zero, a *.json symlink to it, a FIFO, a folder) or
are far over the size limit (a 1 GB sparse dataset).

Each is refused with exit 2 and one `error:` line, and the database is exactly as it was. The
special files run main.py in a subprocess under RLIMIT_AS and a timeout: a regression that
reads /dev/zero or a gigabyte, or blocks on a FIFO, fails the test instead of eating the
machine's memory or hanging it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import main
from tests.cli.conftest import SCENARIO
from tests.cli.conftest import dump_database as _dump

ROOT = Path(__file__).resolve().parents[2]
# main.py with its imports needs under 300 MB of address space with one BLAS thread (measured:
# it ran at 300 MB); reading a 1 GB file or /dev/zero until a limit is far beyond 600 MB.
ADDRESS_SPACE_BYTES = 600 * 2**20
TOO_MANY_DIGITS = "a number in the file has more than 4,300 digits"
HUGE = "1" + "0" * 4300  # 4,301 digits


def _one_error(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    code = main.main(args)
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


# Item 7: integers over 4,300 digits


def test_compute_inputs_with_a_4301_digit_integer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inputs.json"
    path.write_text(f'{{"training_cost": {HUGE}}}')
    line = _one_error(capsys, ["compute", "build_vs_buy", "--inputs", str(path)])
    assert line == f"error: {path}: {TOO_MANY_DIGITS}"


def test_compute_inputs_from_stdin_with_a_long_negative_integer(
    run_cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    done = run_cli("compute", "build_vs_buy", "--inputs", "-", stdin=f'{{"seed": -{HUGE}}}')
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: -: {TOO_MANY_DIGITS}\n"


def test_an_integer_of_exactly_4300_digits_is_checked_by_the_inputs_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Up to the limit the number parses, and the field's bounds speak: the seed is at most
    2**31 - 1 = 2,147,483,647."""
    path = tmp_path / "inputs.json"
    path.write_text(f'{{"seed": {"9" * 4300}}}')
    line = _one_error(capsys, ["compute", "build_vs_buy", "--inputs", str(path)])
    assert line == "error: seed: must be at most 2,147,483,647"


def test_scenarios_import_with_a_4301_digit_integer(
    seeded: list[str], db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.json"
    text = json.dumps({**SCENARIO, "scenario": {**SCENARIO["scenario"], "inputs": {"seed": 0}}})
    path.write_text(text.replace('"seed": 0', f'"seed": {HUGE}'))
    line = _one_error(capsys, ["scenarios", "import", str(path)])
    assert line == f"error: {path}: {TOO_MANY_DIGITS}"
    assert _dump(db_path) == seeded


@pytest.mark.parametrize("command", ["import-dataset", "import-outputs"])
def test_jsonl_with_a_4301_digit_integer(
    command: str,
    seeded: list[str],
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text(
        '{"id": "q0", "input": "a", "expected": "b", "output": "a"}\n'
        f'{{"id": "q1", "input": "a", "expected": "b", "output": "a", "n": {HUGE}}}\n'
    )
    extra = ["--dataset", "qa"] if command == "import-outputs" else []
    line = _one_error(capsys, ["eval", command, str(path), *extra])
    assert line == f"error: {path}: 'big.jsonl': {TOO_MANY_DIGITS} (line 2)."
    assert _dump(db_path) == seeded


# Item 8: special files and size limits, in a subprocess under a memory limit


def _limited(*args: str) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))

    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", OPENBLAS_NUM_THREADS="1")
    env["MALLOC_ARENA_MAX"] = "2"
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )


def _special(kind: str, folder: Path, name: str) -> Path:
    """A path `name` in `folder` that is: a symlink to /dev/zero, a FIFO nobody writes to, or a
    folder; or "/dev/zero" itself."""
    if kind == "dev-zero":
        return Path("/dev/zero")
    path = folder / name
    if kind == "symlink":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    return path


SPECIAL = {
    "dev-zero": "it is a device, not a regular file",
    "symlink": "it is a device, not a regular file",
    "fifo": "it is a pipe, not a regular file",
    "folder": "it is a folder, not a regular file",
}


@pytest.mark.parametrize("kind", SPECIAL)
@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["compute", "build_vs_buy", "--inputs"], "inputs.json"),
        (["scenarios", "import"], "scenario.json"),
        (["eval", "import-dataset"], "data.jsonl"),
    ],
    ids=["compute", "scenarios-import", "import-dataset"],
)
def test_a_special_file_is_refused_unread(
    kind: str, args: list[str], name: str, seeded: list[str], db_path: Path, tmp_path: Path
) -> None:
    path = _special(kind, tmp_path, name)
    done = _limited(*args, str(path))
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    reason = SPECIAL[kind]
    if args[0] == "eval":  # a DatasetError names the file, as for every whole-file fault
        reason = f"{path.name!r} is{reason.removeprefix('it is')}."
    elif kind == "fifo":
        reason += "; pipe the data in and name the file -"
    assert done.stderr.splitlines() == [f"error: {path}: {reason}"]
    assert _dump(db_path) == seeded


def test_logged_outputs_behind_a_symlink_to_dev_zero(
    seeded: list[str], db_path: Path, tmp_path: Path
) -> None:
    path = _special("symlink", tmp_path, "outputs.jsonl")
    done = _limited("eval", "import-outputs", str(path), "--dataset", "qa")
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.splitlines() == [
        f"error: {path}: 'outputs.jsonl' is a device, not a regular file."
    ]
    assert _dump(db_path) == seeded


def test_a_sparse_gigabyte_dataset_is_refused_without_reading_it(
    seeded: list[str], db_path: Path, tmp_path: Path
) -> None:
    """1,000,000,000 bytes: 1,000.0 MB against the 200 MB limit. Reading it would need over
    1 GB of address space; the process has 600 MB."""
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.truncate(1_000_000_000)
    done = _limited("eval", "import-dataset", str(path))
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.splitlines() == [
        f"error: {path}: 'big.jsonl' is 1,000.0 MB; the limit is 200 MB. "
        "Split it into smaller files."
    ]
    assert _dump(db_path) == seeded


def test_inputs_on_stdin_are_read_up_to_the_limit_only(tmp_path: Path) -> None:
    """/dev/zero as standard input: 10,000,001 bytes read, then refused (10 MB limit)."""
    with open("/dev/zero", "rb") as zero:

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))

        env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", OPENBLAS_NUM_THREADS="1")
        done = subprocess.run(
            [sys.executable, "main.py", "compute", "build_vs_buy", "--inputs", "-"],
            cwd=ROOT,
            env=env,
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=limit,
        )
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.splitlines() == ["error: -: it is over the limit of 10 MB"]
