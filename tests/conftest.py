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


#: Fixtures that mean a test builds Qt objects (tests/ui builds them all the same).
QT_FIXTURES = frozenset({"qtbot", "qapp", "qtmodeltester", "window"})
#: Whether a test since the last full collection built Qt objects (they may sit in cycles).
_qt_garbage_possible = True


def _uses_qt(request: pytest.FixtureRequest) -> bool:
    path = request.node.path.as_posix()
    return "/tests/ui/" in path or not QT_FIXTURES.isdisjoint(request.fixturenames)


@pytest.fixture(autouse=True)
def _collection_on_the_main_thread(request: pytest.FixtureRequest):
    """Cycles holding Qt objects are collected on the main thread, never by a worker thread or
    a test server's thread that happens to allocate: a collection there frees Qt objects off the
    GUI thread, which deadlocked the suite (ui/garbage.py does the same for the app). A Qt test
    runs with automatic collection off and the due generations are collected after it (after
    its fixtures closed its windows); a headless test runs with collection on, as the command
    line does (a long run's cycles are freed as it goes), once a full collection on this thread
    has freed whatever Qt cycles earlier tests left."""
    global _qt_garbage_possible
    qt = _uses_qt(request)
    if qt:
        gc.disable()
        _qt_garbage_possible = True
    else:
        if _qt_garbage_possible:
            gc.collect()
            _qt_garbage_possible = False
        gc.enable()
    yield
    if qt:
        from ui.garbage import collect_due

        collect_due()
    gc.disable()  # until the next test decides


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
