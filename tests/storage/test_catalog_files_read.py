"""The scores CSV the Models tab and `catalog import-scores` read is a regular file of at most
10 MB (issue 14, item 8): a sparse 20 MB file is refused from its size and /dev/zero by its
type, with nothing imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import CatalogStore, StorageError


def test_an_oversized_scores_csv_is_refused_unread(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    with path.open("wb") as handle:
        handle.truncate(20_000_000)
    with CatalogStore(db_path) as store:
        with pytest.raises(StorageError) as caught:
            store.import_quality_csv(path, {"gpt-4o"})
        assert str(caught.value) == (
            f"Could not import quality scores from {path}: it is over the limit of 10 MB."
        )
        assert not store.has_scores()


def test_a_scores_csv_linked_to_dev_zero_is_refused(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.symlink_to("/dev/zero")
    with CatalogStore(db_path) as store:
        with pytest.raises(StorageError) as caught:
            store.import_quality_csv(path, {"gpt-4o"})
        assert str(caught.value) == (
            f"Could not import quality scores from {path}: it is a device, not a regular file."
        )
        assert not store.has_scores()
