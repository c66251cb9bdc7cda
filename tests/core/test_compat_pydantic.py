"""pydantic's plugin loader is stood in for while plugins are off (core/compat/pydantic.py):
the same answer, none, without the import of importlib.metadata it brings; otherwise pydantic's
own loader answers. Each case runs in a fresh interpreter: the loader is imported once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import logging, sys
logging.basicConfig(level=logging.WARNING, format="LOG:%(message)s", stream=sys.stdout)
import core
from core.compat import pydantic as shim
if sys.argv[1] == "elsewhere":
    shim.WRITTEN_FOR = ((9, 0), (9, 1))
from pydantic import BaseModel, ValidationError

class Point(BaseModel):
    x: int

print("VALID:" + str(Point(x="3").x))
try:
    Point(x="three")
except ValidationError as exc:
    print("INVALID:" + str(exc.error_count()))
loader = sys.modules[shim.LOADER]
print("OWN:" + str(getattr(loader, "__file__", "").endswith("_loader.py")))
print("METADATA:" + str("importlib.metadata" in sys.modules))
print("PLUGINS:" + str(list(loader.get_plugins())))
print("GROUP:" + loader.PYDANTIC_ENTRY_POINT_GROUP)  # any other name: the loader's own
print("OWN_AFTER:" + str(sys.modules[shim.LOADER].__file__.endswith("_loader.py")))
"""


def _probe(case: str, **env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, case],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_with_plugins_off_the_stand_in_answers_none_without_importlib_metadata():
    lines = _probe("default")
    assert lines[:5] == ["VALID:3", "INVALID:1", "OWN:False", "METADATA:False", "PLUGINS:[]"]
    assert not any(line.startswith("LOG:") for line in lines)
    # A name the stand-in lacks is pydantic's loader's, which then takes its place.
    assert lines[5:] == ["GROUP:pydantic", "OWN_AFTER:True"]


def test_plugins_left_on_by_the_user_are_asked_of_pydantics_own_loader():
    """A value the user set is kept (core/__init__.py): an empty one leaves plugins on."""
    lines = _probe("default", PYDANTIC_DISABLE_PLUGINS="")
    assert lines[:3] == ["VALID:3", "INVALID:1", "OWN:True"]
    assert "METADATA:True" in lines


def test_another_pydantic_takes_its_own_loader_and_says_so():
    lines = _probe("elsewhere")
    warnings = [line for line in lines if line.startswith("LOG:")]
    lines = [line for line in lines if line not in warnings]
    assert lines[:3] == ["VALID:3", "INVALID:1", "OWN:True"]
    assert "PLUGINS:[]" in lines  # plugins are still off: pydantic's loader says so itself
    assert len(warnings) == 1 and "pydantic" in warnings[0] and "plugin loader" in warnings[0]
