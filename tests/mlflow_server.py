"""A real MLflow tracking server for the tests: `mlflow server` on 127.0.0.1, a SQLite backend
and a file artifact root in a temporary folder, one per test session (start-up takes ~10 s).

The `mlflow_server` fixture (registered in tests/conftest.py) yields its URL; tests read what
was logged back through `mlflow.tracking.MlflowClient`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: MLflow must never phone home from the suite.
QUIET_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
_START_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a running MLflow server; killed at the end of the session."""
    pytest.importorskip("mlflow")
    for name, value in QUIET_ENV.items():  # this process's client too
        os.environ.setdefault(name, value)
    folder = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    mlflow = Path(sys.executable).with_name("mlflow")
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [
            str(mlflow),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--default-artifact-root",
            (folder / "artifacts").as_uri(),
        ],
        env={**os.environ, **QUIET_ENV},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )
    try:
        # A deadline, not a threshold: the server is waited for until it answers or dies.
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(
                    "mlflow server did not start:\n"
                    + (folder / "server.log").read_text(errors="replace")[-3000:]
                )
            time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def read_table(client: Any, run_id: str, artifact: str, folder: Path) -> dict[str, Any]:
    """A logged table's JSON ("split" orient: columns and data), downloaded from the run."""
    path = client.download_artifacts(run_id, artifact, str(folder))
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))


def read_text(client: Any, run_id: str, artifact: str, folder: Path) -> str:
    """A logged text artifact's content."""
    return Path(client.download_artifacts(run_id, artifact, str(folder))).read_text(
        encoding="utf-8"
    )
