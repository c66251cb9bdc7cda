"""Files the user names: reading regular files only, never more than a limit, JSON whose
numbers Python can hold; and writing them atomically.

A stat says 0 bytes for /dev/zero, a FIFO or a /proc file, and a file may grow between the stat
and the read, so the limit is enforced while reading: at most limit + 1 bytes are ever read.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

# Python refuses to turn a longer run of digits into an int (sys.get_int_max_str_digits); the
# check is ours so the message does not depend on that process-wide setting.
MAX_INT_DIGITS = 4300
TOO_MANY_DIGITS = f"a number in the file has more than {MAX_INT_DIGITS:,} digits"
_CHUNK = 1 << 20


class NotRegularFileError(OSError):
    """The path names a device, FIFO, socket or folder: reading it could block or never end."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"it is {kind}, not a regular file")
        self.strerror = str(self.args[0])
        self.path = path
        self.kind = kind


class FileTooLargeError(OSError):
    """The file holds more than the limit; `size` is its size, or at least limit + 1 when the
    file grew while it was read."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        super().__init__(f"it is over the limit of {_amount(limit)}")
        self.strerror = str(self.args[0])
        self.path = path
        self.size = size
        self.limit = limit


class NumberTooLongError(ValueError):
    """A JSON integer longer than MAX_INT_DIGITS digits; str() is TOO_MANY_DIGITS."""

    def __init__(self) -> None:
        super().__init__(TOO_MANY_DIGITS)


def read_bytes(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.

    Raises NotRegularFileError for anything but a regular file (before opening it, and again on
    the opened descriptor, so a swap in between cannot slip through), FileTooLargeError when it
    holds more than `limit` bytes (by its size, or while reading when it grows), and the usual
    OSError subclasses (FileNotFoundError, PermissionError, ...) otherwise.
    """
    path = Path(path)
    fd, info = _open_regular(path)
    try:
        if info.st_size > limit:
            raise FileTooLargeError(path, info.st_size, limit)
        # One read of the stated size (+1 to see the end) is the usual case; the loop only runs
        # on for a file that grew or whose size the file system does not state.
        chunks = [os.read(fd, min(info.st_size, limit) + 1)]
        total = len(chunks[0])
        while chunks[-1] and total <= limit:
            chunks.append(os.read(fd, min(_CHUNK, limit + 1 - total)))
            total += len(chunks[-1])
        if total > limit:
            raise FileTooLargeError(path, max(total, info.st_size), limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_prefix(path: Path | str, n_bytes: int) -> bytes:
    """The first `n_bytes` bytes (fewer if the file is shorter) of the regular file at `path`;
    the same refusals as read_bytes for anything else."""
    fd, _info = _open_regular(Path(path))
    try:
        return os.read(fd, n_bytes)
    finally:
        os.close(fd)


def _open_regular(path: Path) -> tuple[int, os.stat_result]:
    """A read-only descriptor of the regular file at `path` and its stat."""
    _check_regular(path, os.stat(path))
    # O_NONBLOCK: a FIFO put in the file's place after the stat must not block the open.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        _check_regular(path, info)
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def read_stream(stream: IO[bytes] | IO[str], limit: int, name: str = "<stdin>") -> bytes:
    """At most `limit` bytes of a stream (standard input); FileTooLargeError past it. A text
    stream (a StringIO standing in for stdin) is read as up to limit + 1 characters, UTF-8."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(Path(name), len(data), limit)
    return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data


def parse_json(text: str | bytes) -> Any:
    """json.loads, with an integer over MAX_INT_DIGITS digits raising NumberTooLongError
    (json.loads would raise a bare ValueError from int(), which callers took for a crash)."""
    return json.loads(text, parse_int=_parse_int)


def _parse_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS + digits.startswith("-"):
        raise NumberTooLongError
    return int(digits)


def csv_delimiter(header_line: str, file_name: str = "") -> str:
    """The delimiter of a CSV file from its header line: a tab for a `.tsv` file, else the first
    of comma, tab and semicolon the header holds, else a comma.

    Spreadsheets set to a decimal-comma locale save "CSV" with semicolons. A tab outranks a
    semicolon because a tab-separated header may name a column "score; %", while no spreadsheet
    puts a tab inside a semicolon-separated header's cell.
    """
    if Path(file_name).suffix.casefold() == ".tsv":
        return "\t"
    return next((d for d in (",", "\t", ";") if d in header_line), ",")


def write_atomic(path: Path | str, data: bytes | Callable[[Path], None]) -> None:
    """Write `data` (or let `data(tmp)` write a temporary path) to `path`, all or nothing.

    The bytes go to a temporary file beside `path`, are flushed to disk, then renamed over it:
    a reader, a crash or a failed write never leaves a half-written file, the old file survives
    a failure and no temporary file is left behind. The temporary file keeps `path`'s suffix,
    because exporters pick their format from it.

    Permissions follow one rule for every file the app writes: a file the user makes is a
    document, so a new one gets the user's umask default (rw-r--r-- under the usual 022) and an
    overwritten one keeps its own mode, as an editor would. No file written here holds private
    data (API keys are never written anywhere), so none is made owner-only.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder {folder} does not exist")
    tmp = folder / f".{path.stem}.{secrets.token_hex(6)}.tmp{path.suffix}"
    # 0o666 lets the umask decide, as for any file the user makes (tempfile.mkstemp would
    # make every new file owner-only).
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        if isinstance(data, bytes | bytearray | memoryview):
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        else:
            os.close(fd)
            data(tmp)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _amount(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.0f} MB" if n_bytes >= 1_000_000 else f"{n_bytes:,} bytes"


def _check_regular(path: Path, info: os.stat_result) -> None:
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "an unknown kind of file"
    raise NotRegularFileError(path, kind)
