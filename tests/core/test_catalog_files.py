"""The catalog's files are read as regular files within a size limit (issue 14, item 8): a
snapshot that became a FIFO or /dev/zero is rebuilt instead of blocking or filling memory,
and a price map that is a device is refused with the usual message. Run in a subprocess with
a timeout and an address-space limit, so a regression fails instead of hanging."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from core.catalog import litellm_price_map, snapshot_path

ROOT = Path(__file__).resolve().parents[2]
ADDRESS_SPACE_BYTES = 600 * 2**20
PROBE = """
import sys
from pathlib import Path
from core.catalog import CatalogError, load_catalog
try:
    catalog = load_catalog(Path(sys.argv[1]), price_map=Path(sys.argv[2]), litellm_version="9.9")
except CatalogError as exc:
    print("refused:", exc)
else:
    print(len(catalog), "models")
"""


def _load(cache: Path, price_map: Path) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))

    return subprocess.run(
        [sys.executable, "-c", PROBE, str(cache), str(price_map)],
        cwd=ROOT,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_snapshot_that_is_not_a_regular_file_is_rebuilt(kind: str, tmp_path: Path) -> None:
    price_map, _version = litellm_price_map()
    snapshot = snapshot_path(tmp_path, "9.9")
    if kind == "fifo":
        os.mkfifo(snapshot)
    else:
        snapshot.symlink_to("/dev/zero")
    done = _load(tmp_path, price_map)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(" models\n")
    assert int(done.stdout.split()[0]) > 1000
    assert snapshot.is_file() and not snapshot.is_symlink()


def test_a_price_map_that_is_a_device_is_refused(tmp_path: Path) -> None:
    done = _load(tmp_path / "cache", Path("/dev/zero"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "refused: litellm's price map /dev/zero cannot be read "
        "(it is a device, not a regular file).\n"
    )
