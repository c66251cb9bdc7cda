"""The registry names every framework without importing it; what it names is what loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import core.frameworks as frameworks

ROOT = Path(__file__).resolve().parents[2]


def test_entries_name_each_module_by_its_own_id_and_title_in_tab_order():
    loaded = [entry.load() for entry in frameworks.ENTRIES]
    assert [(m.ID, m.TITLE) for m in loaded] == [(e.id, e.title) for e in frameworks.ENTRIES]
    assert list(frameworks.REGISTRY) == loaded
    assert frameworks.ids() == {e.id for e in frameworks.ENTRIES}
    assert frameworks.get("build_vs_buy").TITLE == "Build vs Buy"


def test_an_unknown_id_names_the_known_ones():
    with pytest.raises(KeyError, match=r"unknown framework 'cost' \(known: cost_quality_latency"):
        frameworks.get("cost")


def test_asking_for_one_framework_imports_only_that_one():
    code = (
        "import sys; from core.frameworks import get, ids; ids(); get('agents'); "
        "print(sorted(m for m in sys.modules if m.startswith('core.frameworks.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "['core.frameworks.agents', 'core.frameworks.common']"
