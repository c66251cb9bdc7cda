"""The one exception storage raises, and the plain-language wording of SQLite failures."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StorageError(Exception):
    """A storage failure worded for the user: str() is the whole message, ready for a dialog.

    `damaged` is True when the file at `path` is not a usable database (corrupt, truncated or
    not SQLite at all), so the app may offer to keep it aside (storage.db.set_aside).
    """

    def __init__(self, message: str, *, path: Path | None = None, damaged: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.damaged = damaged


def _primary_code(exc: sqlite3.Error) -> str:
    """The primary SQLite result code name, e.g. SQLITE_IOERR for SQLITE_IOERR_WRITE."""
    name = getattr(exc, "sqlite_errorname", None)
    if not name:
        return ""
    return "_".join(name.split("_")[:2])


def is_damage(exc: sqlite3.Error) -> bool:
    """True when SQLite says the file is corrupt or not a database at all."""
    code = _primary_code(exc)
    if code in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def damaged_database_error(path: Path, detail: str) -> StorageError:
    """The refusal for a file that is not a usable database; the file is never modified."""
    return StorageError(
        f"{path} is not a valid AI Decision Frameworks database, or it is damaged ({detail}). "
        "The file was left untouched. Restore it from a backup, or choose another database "
        "file (--db PATH or the AIDF_DB variable).",
        path=path,
        damaged=True,
    )


def storage_error_from_sqlite(exc: sqlite3.Error, path: Path, doing: str) -> StorageError:
    """Reword a sqlite3 error as advice; `doing` completes "Could not ...", e.g. "save X"."""
    code = _primary_code(exc)
    text = str(exc).lower()
    if code in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in text or "busy" in text:
        advice = (
            f"the database {path} is busy: another program, or another copy of "
            "AI Decision Frameworks, is writing to it. Wait a moment and try again; "
            "nothing was changed"
        )
    elif code == "SQLITE_READONLY" or "readonly database" in text:
        advice = (
            f"the database {path} is read-only, so nothing was saved. Save to another file "
            "with File > Save As…, or make the file writable"
        )
    elif code == "SQLITE_FULL" or "disk is full" in text:
        advice = (
            f"the disk holding {path} is full. Free some space and try again; nothing was saved"
        )
    elif code == "SQLITE_IOERR" or "disk i/o error" in text:
        advice = (
            f"a disk I/O error occurred on {path}. Check that the drive is still connected "
            "and healthy, then try again"
        )
    elif code == "SQLITE_CANTOPEN" or "unable to open" in text:
        advice = (
            f"the database file {path} cannot be opened. Check that its folder exists and "
            "that you are allowed to write there"
        )
    elif is_damage(exc):
        return damaged_database_error(path, str(exc))
    else:
        advice = f"unexpected database error in {path} ({exc})"
    return StorageError(f"Could not {doing}: {advice}.", path=path)
