"""One SQLite file shared by threads: a connection per thread, serialised writes."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Self

from storage.db import check, connect_existing
from storage.errors import StorageError, storage_error_from_sqlite

if TYPE_CHECKING:
    from sqlite_utils import Database


class SqliteStore:
    """Base of the stores. Every method of a store may be called from any thread.

    Each thread gets its own connection, opened on first use (a sqlite-utils Database must
    stay on the thread that opened it). Writes are serialised with a lock and each user
    action is one BEGIN IMMEDIATE transaction, so other processes see all of it or none.
    The constructor opens, checks and upgrades the file at once, so a bad file is reported
    where the store is created rather than at some later click.
    """

    def __init__(self, path: Path, *, checked: bool = False) -> None:
        """`checked`: another store of this process has just opened the file, which checked
        and upgraded it; a big file's integrity check costs tens of milliseconds a time."""
        self._path = Path(path)
        self._write_lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._local = threading.local()
        # Weak, so a finished worker thread's connection is closed when its thread-local goes.
        self._open_dbs: weakref.WeakSet[Database] = weakref.WeakSet()
        if not checked:
            check(self._path)

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        """Close every thread's connection; a later call from any thread reopens lazily.

        Waits for a write in progress; call it when no other thread is still reading.
        """
        with self._write_lock, self._open_lock:
            for db in list(self._open_dbs):
                db.close()
            self._open_dbs.clear()
            self._local = threading.local()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _db(self) -> Database:
        """This thread's connection, opened on first use."""
        local = self._local
        db: Database | None = getattr(local, "db", None)
        if db is not None:
            return db
        with self._open_lock:
            db = connect_existing(self._path)
            self._open_dbs.add(db)
            local.db = db
        return db

    @contextlib.contextmanager
    def _reading(self, doing: str) -> Iterator[Database]:
        """A read snapshot, so multi-statement reads agree with each other."""
        db = self._db()
        try:
            db.conn.execute("BEGIN")
            try:
                yield db
            finally:
                if db.conn.in_transaction:
                    db.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise storage_error_from_sqlite(exc, self._path, doing) from exc

    @contextlib.contextmanager
    def _writing(self, doing: str) -> Iterator[Database]:
        """One user action: all of it is committed, or none of it on any error."""
        with self._write_lock:
            db = self._db()
            try:
                # IMMEDIATE takes the write lock up front, so another process cannot slip a
                # write between our reads and writes (no half-checked name uniqueness).
                db.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                    db.conn.execute("COMMIT")
                except BaseException:
                    if db.conn.in_transaction:
                        db.conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise storage_error_from_sqlite(exc, self._path, doing) from exc
            except UnicodeEncodeError as exc:
                # Only malformed text (a lone surrogate) gets here; SQLite stores UTF-8.
                raise StorageError(
                    f"Could not {doing}: the text contains a character that cannot be stored "
                    f"({exc.reason} at position {exc.start}).",
                    path=self._path,
                ) from exc
