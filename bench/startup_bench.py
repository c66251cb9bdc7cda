"""Start-up and memory: the app's window against a bare PySide6 + pyqtgraph one, alternately.

Measured on the development machine when each tuning went in (the code points here):
- pydantic's look-up of plugins when it builds its first model (core/__init__.py): about 7 ms
  on the way to the first window;
- reading the catalog snapshot with one validator call over the whole list (core/catalog.py):
  about 20 ms for 3,400 models, faster than a model_construct loop;
- automatic garbage collection paused from the start's first import to the window's first
  paint (ui/__init__.py; main.py and this bench's window both start so): 78 passes over the
  start-up's long-lived objects, about 33M instructions. The bare window keeps Python's
  default; its passes cost it about 90M, a full one inside pyqtgraph's import among them (the
  app's order of imports never reached a full pass), so against a bare window paused the same
  way the ratio would read about 0.06 higher;
- pydantic's plugin loader stood in for while plugins are off (core/compat/pydantic.py): the
  importlib.metadata it imported, about 30M instructions;
- the window's small record classes as NamedTuples instead of frozen dataclasses: about 27M.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7

_RSS = """
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
"""

_BARE_TO_PAINT = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget
import pyqtgraph as pg
app = QApplication([])
w = QMainWindow(); tabs = QTabWidget(); tabs.addTab(pg.PlotWidget(), "Plot")
w.setCentralWidget(tabs); w.resize(1200, 800); w.show()
app.processEvents(); w.grab()
elapsed = time.perf_counter() - t0
"""
BARE_WINDOW = (
    _BARE_TO_PAINT
    + _RSS
    + """
import json; print(json.dumps({"start": elapsed, "rss": rss()}))
"""
)

# The window's start-up work (the catalog load, the first queries) starts on worker threads
# once the window has painted, or 250 ms after it was built. Left to itself it would start
# inside this script's processEvents() and run beside grab(): the wall clock would count its
# contention for the interpreter, and callgrind (which counts every thread, and runs so slowly
# that the 250 ms go by while the window is still being built) a varying share of a 790M-
# instruction catalog load (1.51x-1.85x between two runs). The script holds it until the
# figure is taken: what is measured is the first paint, and only the work that precedes it.
_APP_TO_PAINT = """
import time, sys; t0 = time.perf_counter()
from ui import pause_collection; pause_collection()  # as main._gui does first
from pathlib import Path
from ui.app import make_app, open_store
from ui.tasks import TaskRunner
start_held, TaskRunner.start_held = TaskRunner.start_held, lambda self: None
app = make_app()
from ui.main_window import MainWindow
w = MainWindow(open_store(Path(sys.argv[1])))  # as ui.app.run does
w.resize(1200, 800); w.show()
app.processEvents(); w.grab()
elapsed = time.perf_counter() - t0
TaskRunner.start_held = start_held
assert "litellm" not in sys.modules, "litellm imported on the start-up path"
"""
# Stop at the first painted window, skipping the interpreter's teardown.
_EXIT_NOW = "\nimport os; os._exit(0)\n"
APP_WINDOW = (
    _APP_TO_PAINT
    + _RSS
    + """
def settle():
    while w.runner.pending:
        app.processEvents(); time.sleep(0.005)
    app.processEvents()
w.runner.start_held()  # what the first paint would have started
settle()  # the catalog has loaded in the background: the app as it sits idle
idle = rss()
for i in range(w.tabs.count()):
    w.tabs.setCurrentIndex(i); settle(); w.grab()
import json; print(json.dumps({"start": elapsed, "rss": idle, "rss_tabs": rss()}))
"""
)


def _run(
    code: str, home: Path, *args: str, under: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    # A fresh HOME: no saved window state or last tab from earlier runs. Bytecode is cached
    # as on an installed copy (a shell may say PYTHONDONTWRITEBYTECODE; an edited module would
    # then be compiled again on every start).
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run(
        [*under, sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out


def _measured(out: subprocess.CompletedProcess[str]) -> dict[str, float]:
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def measure(runs: int = RUNS) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """(bare, app) measurements, the two processes alternating so both see the same machine.

    The app opens an existing database, as every start after the first does.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "start.sqlite3"
        _run(
            "import sys; from pathlib import Path; from storage import ScenarioStore; "
            "ScenarioStore(Path(sys.argv[1])).close()",
            folder,
            str(db),
        )
        bare, app = [], []
        _run(BARE_WINDOW, folder)  # warm-up: the file cache and compiled bytecode
        _run(APP_WINDOW, folder, str(db))
        for _ in range(runs):
            bare.append(_measured(_run(BARE_WINDOW, folder)))
            app.append(_measured(_run(APP_WINDOW, folder, str(db))))
    return bare, app


def instructions() -> tuple[int, int] | None:
    """(bare, app) instructions executed up to the first painted window, counted by
    valgrind's callgrind: one run each, nearly free of the noise wall-clock time has on a
    busy machine. None where valgrind is not installed."""
    if shutil.which("valgrind") is None:
        return None
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "start.sqlite3"
        _run(_APP_TO_PAINT + _EXIT_NOW, folder, str(db))  # creates the database, compiles
        for code, args in ((_BARE_TO_PAINT, ()), (_APP_TO_PAINT, (str(db),))):
            out = _run(
                code + _EXIT_NOW,
                folder,
                *args,
                under=("valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/cg.out"),
            )
            found = re.search(r"Collected : (\d+)", out.stderr)
            if found is None:
                return None
            counts.append(int(found.group(1)))
    return counts[0], counts[1]
