"""Test-wide set-up: offscreen Qt, no network price fetches, a throwaway database per test."""

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from tests.mlflow_server import mlflow_server  # noqa: E402, F401  (a session fixture)

# CI runs the same examples every time (a red run is then reproducible, never a lucky draw);
# a developer's run keeps drawing new ones.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def _no_collection_off_the_main_thread():
    """Cycles are collected on the main thread between tests, never by a worker thread or a
    test server's thread that happens to allocate: a collection there frees Qt objects left
    in cycles by earlier tests off the GUI thread, which deadlocked the suite (ui/garbage.py
    does the same for the app)."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test(_no_collection_off_the_main_thread):
    """Runs after the test's own fixtures (its windows are closed by then)."""
    yield
    from ui.garbage import collect_due

    collect_due()


@pytest.fixture(scope="session")
def _catalog_cache(tmp_path_factory):
    """One catalog snapshot for the whole run (built once, ~0.1 s), never in the user's cache."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_db(tmp_path, monkeypatch, _catalog_cache):
    """No test may touch the user's real database, settings, cache or log folder."""
    monkeypatch.setenv("AIDF_DB", str(tmp_path / "aidf-test.sqlite3"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_catalog_cache))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("AIDF_LOG_DIR", str(tmp_path / "logs"))


@pytest.fixture
def llm_server():
    """A scripted OpenAI-compatible server on 127.0.0.1 (tests/llm_server.py), one per test.

    Queue replies on it, point an LlmClient at `llm_server.url`, read `llm_server.requests`.
    """
    from tests.llm_server import LlmTestServer

    with LlmTestServer() as server:
        yield server
