"""Start-up on a damaged database: the user may keep it aside and start a new one, and is told
where the old file went; refusing keeps everything as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import StorageError
from ui import app
from ui.plain_text import literal_html


def _damaged(path: Path) -> bytes:
    data = b"SQLite format 3\x00" + bytes(range(256)) * 64
    path.write_bytes(data)
    return data


def test_keeping_a_damaged_file_aside_says_where_it_went_and_opens_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plans.sqlite3"
    original = _damaged(path)
    asked: list[StorageError] = []
    told: list[str] = []

    def ask(exc: StorageError) -> str:
        asked.append(exc)
        return "aside"

    monkeypatch.setattr(app, "_ask_after_failure", ask)
    monkeypatch.setattr(app.QMessageBox, "information", lambda _p, _t, text: told.append(text))
    store = app.open_store(path)
    assert store is not None
    try:
        assert store.count() == 0
    finally:
        store.close()
    assert len(asked) == 1 and asked[0].damaged
    (kept,) = tmp_path.glob("plans.sqlite3.corrupt-*")
    assert kept.read_bytes() == original
    assert told == [  # rich text that shows the paths literally, whatever they contain
        literal_html(
            f"The damaged database was kept, unchanged, as:\n{kept}\n\n"
            f"A new, empty database is created at {path}."
        )
    ]


def test_closing_instead_leaves_the_damaged_file_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plans.sqlite3"
    original = _damaged(path)
    monkeypatch.setattr(app, "_ask_after_failure", lambda exc: "close")
    assert app.open_store(path) is None
    assert path.read_bytes() == original
    assert list(tmp_path.glob("*.corrupt-*")) == []
