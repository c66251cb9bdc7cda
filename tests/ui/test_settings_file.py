"""The settings file is read only when it is a regular file of at most 1 MB (issue 14, item 8):
Qt's QSettings reads the whole file in its constructor, hung on a FIFO and read a 1 GB file
into memory. The hostile cases run in a subprocess with a timeout and an address-space limit,
so a regression fails the test instead of hanging it or filling memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from ui import app

ROOT = Path(__file__).resolve().parents[2]
# The offscreen QApplication peaks at about 140 MB of address space (measured); reading the
# 2 GB file would need far more than this limit.
ADDRESS_SPACE_BYTES = 1024 * 2**20
PROBE = """
from ui.app import make_app, open_settings
qt = make_app([])
settings, problem = open_settings()
settings.setValue("window/last_tab", 3)
settings.sync()
print(problem)
print(settings.value("window/last_tab", type=int))
"""


def _settings_file(config: Path) -> Path:
    path = config / app.ORGANISATION / f"{app.SETTINGS_APP}.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _probe(config: Path) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))

    env = dict(os.environ, XDG_CONFIG_HOME=str(config), QT_QPA_PLATFORM="offscreen")
    env["OPENBLAS_NUM_THREADS"] = "1"
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )


@pytest.mark.parametrize("kind", ["fifo", "sparse-2gb", "dev-zero"])
def test_a_hostile_settings_file_is_left_alone(kind: str, tmp_path: Path) -> None:
    """The app still starts: this session's settings work, and the message names the file."""
    config = tmp_path / "config"
    path = _settings_file(config)
    if kind == "fifo":
        os.mkfifo(path)
        reason = "it is a pipe, not a regular file"
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
        reason = "it is a device, not a regular file"
    else:
        with path.open("wb") as handle:
            handle.truncate(2 * 10**9)
        reason = "it is over the limit of 1 MB"
    done = _probe(config)
    assert done.returncode == 0, done.stderr
    problem, value = done.stdout.splitlines()
    assert problem == (
        f"The settings file {path} was not read: {reason}. The app starts with default "
        "settings for this session and leaves the file as it is."
    )
    assert value == "3"
    if kind == "sparse-2gb":
        assert path.stat().st_size == 2 * 10**9


def test_the_settings_file_is_the_one_qt_would_use(
    tmp_path: Path, qapp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path QSettings() without arguments uses in the app (organisation "AI Decision
    Frameworks", application "aidf"), and the values in it."""
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    path = _settings_file(config)
    path.write_text("[window]\nlast_tab=2\n")
    settings, problem = app.open_settings()
    assert problem == ""
    assert settings.fileName() == str(path)
    assert settings.value("window/last_tab", type=int) == 2
