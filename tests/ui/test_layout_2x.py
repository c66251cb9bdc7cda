"""The layout checks again at 2x scaling (a laptop's HiDPI screen): QT_SCALE_FACTOR is read
when the application starts, so they run in a fresh process. At 2x the Model Selection
corner labels and the Experiments verdict fell off their plots (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_layout_holds_at_2x_scaling():
    env = {**os.environ, "QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "tests/ui/test_layout_sizes.py"]
        + ["-k", "1280 or 1920"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout
