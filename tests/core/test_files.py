"""core.files: only regular files are read, never past the limit, and JSON integers longer than
Python's 4,300-digit conversion limit are a clear error instead of a bare ValueError."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core import files
from core.files import (
    MAX_INT_DIGITS,
    FileTooLargeError,
    NotRegularFileError,
    NumberTooLongError,
    parse_json,
    read_bytes,
)


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every os.read answer while core.files reads."""
    sizes: list[int] = []
    real = os.read

    def read(fd: int, n: int) -> bytes:
        data = real(fd, n)
        sizes.append(len(data))
        return data

    monkeypatch.setattr(files.os, "read", read)
    return sizes


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'{"x": 1}')
    assert read_bytes(path, 8) == b'{"x": 1}'


def test_a_file_one_byte_over_the_limit_is_refused_from_its_size(
    tmp_path: Path, counted_reads: list[int]
) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"x" * 9)
    with pytest.raises(FileTooLargeError) as caught:
        read_bytes(path, 8)
    assert (caught.value.size, caught.value.limit) == (9, 8)
    assert counted_reads == []


def test_a_sparse_gigabyte_is_refused_without_a_single_read(
    tmp_path: Path, counted_reads: list[int]
) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.truncate(1_000_000_000)
    with pytest.raises(FileTooLargeError, match="over the limit of 200 MB"):
        read_bytes(path, 200_000_000)
    assert counted_reads == []


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_the_limit_holds_while_reading_a_file_whose_size_says_zero(
    counted_reads: list[int],
) -> None:
    """/proc/self/status is a regular file that stats as 0 bytes and holds about 1.4 KB: the
    stat cannot refuse it, the reading must, after limit + 1 = 101 bytes."""
    assert Path("/proc/self/status").stat().st_size == 0
    with pytest.raises(FileTooLargeError):
        read_bytes("/proc/self/status", 100)
    assert sum(counted_reads) == 101
    assert len(read_bytes("/proc/self/status", 1_000_000)) > 100


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda d: Path("/dev/zero"), "a device"),
        (lambda d: _symlink(d / "inputs.json", "/dev/zero"), "a device"),
        (lambda d: _fifo(d / "pipe.json"), "a pipe"),
        (lambda d: d, "a folder"),
    ],
)
def test_what_is_not_a_regular_file_is_refused_unread(
    make, kind: str, tmp_path: Path, counted_reads: list[int]
) -> None:
    """A FIFO without a writer would block an ordinary open forever: it is refused at once."""
    with pytest.raises(NotRegularFileError) as caught:
        read_bytes(make(tmp_path), 1_000)
    assert str(caught.value) == f"it is {kind}, not a regular file"
    assert caught.value.strerror == str(caught.value)
    assert counted_reads == []


def test_a_missing_file_is_the_usual_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "missing.json", 10)


def test_integers_up_to_the_limit_parse_and_longer_ones_are_refused() -> None:
    """4,300 digits is Python's default int/str limit; a minus sign is not a digit."""
    longest = "9" * MAX_INT_DIGITS
    assert parse_json(f"[{longest}, -{longest}]") == [int(longest), -int(longest)]
    for text in (f"[1{longest}]", f'{{"a": -1{longest}}}'):
        with pytest.raises(NumberTooLongError, match="more than 4,300 digits"):
            parse_json(text)


def test_parse_json_is_json_loads_otherwise() -> None:
    text = '{"a": [1, 2.5, -3e400, true, null, "x"], "b": NaN}'
    assert json.dumps(parse_json(text)) == json.dumps(json.loads(text))
    with pytest.raises(json.JSONDecodeError):
        parse_json("{")


def _symlink(path: Path, target: str) -> Path:
    path.symlink_to(target)
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def test_write_atomic_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old")
    files.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


@pytest.mark.parametrize("fails_in", ["callable", "rename"])
def test_a_failed_write_keeps_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails_in: str
) -> None:
    target = tmp_path / "scenario.json"
    target.write_text("old")

    def half_write(tmp: Path) -> None:
        tmp.write_text("half of the new one")
        if fails_in == "callable":
            raise OSError("disk full")

    def no_rename(src: object, dst: object) -> None:
        raise OSError("disk full")

    if fails_in == "rename":
        monkeypatch.setattr(files.os, "replace", no_rename)
    with pytest.raises(OSError, match="disk full"):
        files.write_atomic(target, half_write)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.json"]


def test_write_atomic_in_a_missing_folder_says_which(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        files.write_atomic(tmp_path / "gone" / "a.csv", b"x")
    assert list(tmp_path.iterdir()) == []


def test_written_files_are_documents_new_by_umask_overwritten_keep_their_mode(
    tmp_path: Path,
) -> None:
    """A new file gets 0o666 minus the umask; an owner-only file stays owner-only."""
    old_umask = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.csv"
        files.write_atomic(fresh, b"a,b\n")
        kept = tmp_path / "kept.csv"
        kept.write_text("")
        kept.chmod(0o600)
        files.write_atomic(kept, b"a,b\n")
    finally:
        os.umask(old_umask)
    assert fresh.stat().st_mode & 0o777 == 0o640
    assert kept.stat().st_mode & 0o777 == 0o600


def test_the_temporary_file_keeps_the_suffix_exporters_read(tmp_path: Path) -> None:
    seen: list[str] = []
    files.write_atomic(
        tmp_path / "plot.png", lambda tmp: (seen.append(tmp.suffix), tmp.write_bytes(b"p"))
    )
    assert seen == [".png"]


@pytest.mark.parametrize(
    ("header", "file_name", "expected"),
    [
        ("input,expected", "", ","),
        ("input;expected", "", ";"),
        ("input\texpected", "", "\t"),
        ("score; %\tmodel", "", "\t"),  # a tab-separated header naming a column with ";"
        ("model;score, %", "", ","),  # the first of comma, tab, semicolon wins
        ("input", "", ","),
        ("a,b", "scores.TSV", "\t"),
    ],
)
def test_csv_delimiter(header: str, file_name: str, expected: str) -> None:
    assert files.csv_delimiter(header, file_name) == expected
