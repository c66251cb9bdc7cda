"""Run every benchmark and print one table: median, spread, baseline, ratio, budget."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parent.parent

BARE_WINDOW = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget
import pyqtgraph as pg
app = QApplication([])
w = QMainWindow(); tabs = QTabWidget(); tabs.addTab(pg.PlotWidget(), "Plot")
w.setCentralWidget(tabs); w.resize(1200, 800); w.show()
app.processEvents(); w.grab()
print(time.perf_counter() - t0)
"""

APP_WINDOW = """
import time, sys; t0 = time.perf_counter()
from pathlib import Path
from ui.app import make_app
app = make_app()
from storage import ScenarioStore
from ui.main_window import MainWindow
w = MainWindow(ScenarioStore(Path(sys.argv[1])))
w.resize(1200, 800); w.show()
app.processEvents(); w.grab()
elapsed = time.perf_counter() - t0
assert "litellm" not in sys.modules, "litellm imported on the start-up path"
print(elapsed)
"""


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def process_time(code: str, *args: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def row(name: str, samples: list[float], base_name: str, base: list[float], budget: str) -> str:
    med = statistics.median(samples)
    spread = (max(samples) - min(samples)) / 2
    bmed = statistics.median(base) if base else float("nan")
    ratio = med / bmed if base else float("nan")
    return (
        f"| {name} | {med * 1e3:.2f} ms | ±{spread * 1e3:.2f} | {base_name} "
        f"{bmed * 1e3:.2f} ms | {ratio:.2f}x | {budget} |"
    )


def main() -> int:
    import json

    from core.catalog import QualityScore, load_catalog, with_examples
    from core.frameworks import REGISTRY
    from core.frameworks import build_vs_buy as bvb
    from core.frameworks import cost_quality_latency as cql
    from core.frameworks import model_selection as ms

    rows = []
    cache = Path(tempfile.mkdtemp())
    public = load_catalog(cache)  # writes the snapshot: what a second start reads
    snap = next(cache.glob("*.json"))
    loads = timed(lambda: load_catalog(cache), 15)
    raw = timed(lambda: json.loads(snap.read_text()), 15)
    rows.append(
        row(
            f"catalog load from snapshot ({len(public):,} models)",
            loads,
            "json.loads of the snapshot",
            raw,
            "< 100 ms",
        )
    )
    examples = (ROOT / "resources" / "catalog" / "examples.csv").read_text()
    example_catalog = with_examples(public, examples)

    for fw in REGISTRY:
        x = fw.Inputs()
        samples = timed(lambda fw=fw, x=x: fw.compute(x, example_catalog), 30)
        base = timed(lambda fw=fw, x=x: fw.Inputs.model_validate(x.model_dump()), 30)
        rows.append(
            row(f"compute {fw.ID} (defaults)", samples, "validate its inputs", base, "< 5 ms")
        )

    everyone = public.replace(
        m.model_copy(update={"quality": QualityScore(score=0.5 + (i % 50) / 100)})
        for i, m in enumerate(public)
    )
    whole = timed(lambda: cql.compute(cql.Inputs(), everyone), 15)
    eight = timed(lambda: cql.compute(cql.Inputs(), example_catalog), 15)
    rows.append(
        row(
            f"cost_quality_latency over all {len(everyone):,} models",
            whole,
            "the same over 8 scored models",
            eight,
            "< 20 ms",
        )
    )

    twenty = ms.Inputs(
        candidates=[
            ms.Candidate(
                name=f"model-{i}",
                accuracy=0.6 + i / 60,
                avg_latency_ms=300 + 97 * i,
                cost_usd=0.0001 * (1 + (i * 7) % 20),
            )
            for i in range(20)
        ]
    )
    wmap = timed(lambda: ms.compute(twenty), 30)
    three = timed(lambda: ms.compute(ms.Inputs()), 30)
    rows.append(
        row(
            "model_selection with its weight map, 20 models",
            wmap,
            "the same, 3 models",
            three,
            "< 50 ms",
        )
    )

    x = bvb.Inputs()
    p = bvb._Params.of(x)
    few = bvb.Inputs(monte_carlo_draws=100)
    mc = timed(lambda: bvb._monte_carlo(x, p, 5.0), 30)
    mc_few = timed(lambda: bvb._monte_carlo(few, p, 5.0), 30)
    rows.append(row("Monte Carlo, 10,000 draws", mc, "the same, 100 draws", mc_few, "< 50 ms"))

    from bench import storage_bench

    for name, samples, base_name, base, budget in storage_bench.rows(timed):
        rows.append(row(name, samples, base_name, base, budget))

    with tempfile.TemporaryDirectory() as tmp:
        bare, app = [], []
        for i in range(5):  # alternate so both see the same machine state
            bare.append(process_time(BARE_WINDOW))
            app.append(process_time(APP_WINDOW, str(Path(tmp) / f"start{i}.sqlite3")))
        rows.append(
            row(
                "start-up to first painted window",
                app,
                "bare PySide6+pyqtgraph window",
                bare,
                "< 1.5x",
            )
        )

    print(
        f"Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores"
    )
    print("| figure | median | spread | baseline (same run) | ratio | budget |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
