"""litellm's import on a thread of its own (core.llm.preload_litellm), in a fresh interpreter:
this test process has imported litellm long before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, threading
from core.llm import _litellm, preload_litellm
assert "litellm" not in sys.modules
preload_litellm()
preload_litellm()  # a second call starts nothing
importers = [t for t in threading.enumerate() if t.name == "litellm-import"]
# The main thread imports what a command imports meanwhile, then asks for litellm.
import core.runner, operations.runs, storage.experiments
module = _litellm()
assert module is sys.modules["litellm"] and _litellm() is module
for thread in importers:
    thread.join(timeout=60)
import gc
print(len(importers), module.__name__, sys.modules["litellm"].suppress_debug_info, gc.isenabled())
"""


def test_the_import_starts_once_in_the_background_and_the_first_call_waits_for_it() -> None:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "litellm", "True", "True"], "collection back on after"


def test_the_import_leaves_collection_off_when_it_was_off() -> None:
    """As in the window, which collects on the GUI thread itself (ui/garbage.py)."""
    script = (
        "import gc; gc.disable(); from core.llm import _litellm; _litellm(); print(gc.isenabled())"
    )
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "False"), done.stderr
