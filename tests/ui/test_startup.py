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
heavy = [m for m in ("litellm", "markdown_it", "openai") if m in sys.modules]
print("HEAVY:" + ",".join(heavy))
plots = [m for m in sys.modules if m.startswith("ui.plots.") or m == "ui.compare"]
print("PLOTS:" + ",".join(sorted(plots)))
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


def test_window_shows_with_only_the_first_tabs_plots_imported(tmp_path):
    """A fresh start shows the first tab (cost-quality-latency): its plot module is the one
    imported, with the shared helpers; the other tabs' plots and the Compare dialog wait."""
    line = next(x for x in _start(tmp_path) if x.startswith("PLOTS:"))
    assert line[6:].split(",") == [
        "ui.plots.common",
        "ui.plots.cost_quality_latency",
        "ui.plots.registry",
    ]
