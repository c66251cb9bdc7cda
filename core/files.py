"""Reading a file the user named: regular files only, never more than a limit, and JSON whose
numbers Python can hold.

A stat says 0 bytes for /dev/zero, a FIFO or a /proc file, and a file may grow between the stat
and the read, so the limit is enforced while reading: at most limit + 1 bytes are ever read.
"""

from __future__ import annotations

import json
import os
import stat
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
