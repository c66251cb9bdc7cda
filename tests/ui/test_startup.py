"""Start-up stays light: the window shows without importing litellm or rendering a report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from pathlib import Path
from ui.app import make_app
app = make_app()
from storage import ScenarioStore
from ui.main_window import MainWindow
w = MainWindow(ScenarioStore(Path(sys.argv[1])))
w.show()
app.processEvents()
optional = ("mlflow", "wandb", "deepeval")  # integrations: imported only when used
# asyncio (with ssl) comes with the model-calling layer, which no first paint needs.
heavy = [
    m
    for m in ("litellm", "markdown_it", "openai", "pandas", "asyncio", *optional)
    if m in sys.modules
]
print("HEAVY:" + ",".join(heavy))
plots = [m for m in sys.modules if m.startswith("ui.plots.") or m == "ui.compare"]
print("PLOTS:" + ",".join(sorted(plots)))
frameworks = [m for m in sys.modules if m.startswith("core.frameworks.")]
print("FRAMEWORKS:" + ",".join(sorted(set(frameworks) - {"core.frameworks.common"})))
print("SQLITE_UTILS:" + str("sqlite_utils" in sys.modules))
# The catalog's and the drafts' tables (and the score files the catalog's brings) are opened
# after the first paint.
deferred = (
    "ui.models.tab",
    "operations.scenarios",
    "storage.catalog",
    "storage.drafts",
    "core.score_files",
    "html",  # its entity table: html_text escapes without it
    # pydantic's plugin loader brings it (core/compat/pydantic.py stands in while plugins are
    # off); the catalog reads litellm's version with it after the paint.
    "importlib.metadata",
    "email",
)
print("DEFERRED:" + ",".join(m for m in deferred if m in sys.modules))
from core.catalog import ModelInfo
from core.evidence import Evidence
print("BUILT:" + str((Evidence.__pydantic_complete__, ModelInfo.__pydantic_complete__)))
# After the first paint the start-up work runs: the catalog arrives and the store is queried.
import time
deadline = time.monotonic() + 60
while w.runner.pending and time.monotonic() < deadline:
    app.processEvents(); time.sleep(0.01)
later = (
    w.runner.pending,
    "sqlite_utils" in sys.modules,
    w.catalog is not None,
    w.tabs.widget(w.tabs.count() - 1) is w.models_tab and len(w.models_tab.catalog or ()) > 0,
)
print("LATER:" + ",".join(map(str, later)))
"""


def _start(tmp_path: Path) -> list[str]:
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "start.sqlite3")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_window_shows_without_litellm_or_report_renderer(tmp_path):
    """litellm costs ~2.5 s and 185 MB to import: it must never sit on the start-up path."""
    line = next(x for x in _start(tmp_path) if x.startswith("HEAVY:"))
    assert line == "HEAVY:", f"imported on the start-up path: {line[6:]}"


def test_the_first_paint_builds_no_catalog_or_evidence_schema(tmp_path):
    """The first compute records the evidence it read (none, from the empty catalog): it must
    not validate anything, which would build the Evidence and catalog model schemas before the
    window paints (about 80M instructions, 3% of the start-up)."""
    line = next(x for x in _start(tmp_path) if x.startswith("BUILT:"))
    assert line == "BUILT:(False, False)"


def test_window_shows_with_only_the_first_tabs_plots_imported(tmp_path):
    """A fresh start shows the first tab (cost-quality-latency): its plot module is the one
    imported, with the shared helpers; the other tabs' plots and the Compare dialog wait."""
    line = next(x for x in _start(tmp_path) if x.startswith("PLOTS:"))
    assert line[6:].split(",") == [
        "ui.plots.common",
        "ui.plots.cost_quality_latency",
        "ui.plots.pyqtgraph_compat",
        "ui.plots.registry",
    ]


def test_window_paints_before_any_query_or_other_framework(tmp_path):
    """Until the first paint only the shown tab's framework is imported and the database has
    been checked with the standard library alone; the catalog load and the first queries
    (sqlite-utils) start right after it and finish."""
    _start(tmp_path)  # the first start creates the database (its tables need sqlite-utils)
    lines = _start(tmp_path)
    line = next(x for x in lines if x.startswith("FRAMEWORKS:"))
    assert line[11:].split(",") == ["core.frameworks.cost_quality_latency"]
    assert "SQLITE_UTILS:False" in lines
    assert "LATER:0,True,True,True" in lines


def test_the_models_tab_and_scenario_commands_wait_for_their_first_use(tmp_path):
    """The Models tab (its table, filters and commands) is built when the catalog arrives
    after the first paint, or when shown; the scenario operations load with the first command
    that needs them: neither is imported for the first paint."""
    lines = _start(tmp_path)
    assert "DEFERRED:" in lines
    assert "LATER:0,True,True,True" in lines


def test_a_window_reopened_on_the_models_tab_shows_it_built(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from core.frameworks import ENTRIES
    from storage import ScenarioStore
    from ui.main_window import MainWindow
    from ui.models.tab import ModelsTab

    store = ScenarioStore(tmp_path / "models.sqlite3")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("window/last_tab", len(ENTRIES))
    window = MainWindow(store, settings=settings)
    qtbot.addWidget(window)
    assert window.tabs.currentIndex() == len(ENTRIES)
    assert isinstance(window.tabs.currentWidget(), ModelsTab)
    assert window.tabs.currentWidget() is window.models_tab
    assert window.tabs.tabText(len(ENTRIES)) == "Models" and window.tabs.tabToolTip(len(ENTRIES))
    assert not window.act_save.isEnabled()
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=10_000)
    store.close()


def test_a_window_never_shown_still_loads_the_catalog_and_offers_its_drafts(qtbot, tmp_path):
    """Start-up work waits for the first paint; a window that is never painted gets it after
    a moment anyway."""
    from PySide6.QtCore import QSettings

    from storage import ScenarioStore
    from ui.main_window import MainWindow

    store = ScenarioStore(tmp_path / "hidden.sqlite3")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(store, settings=settings)
    qtbot.addWidget(window)
    # Held, not lost: the catalog, the examples offer, the drafts and the collector's start.
    assert window.runner.pending == 4 and window.catalog is None
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=10_000)
    assert window.catalog is not None and len(window.catalog) > 1000
    assert not window.isVisible()
    store.close()
