"""The registry names every framework without importing it; what it names is what loads."""

from __future__ import annotations

import ast
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


def _catalog_row_fields(module: frameworks.Framework) -> list[str]:
    return [
        name
        for name, info in module.Inputs.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("catalog_rows")
    ]


@pytest.mark.parametrize("entry", frameworks.ENTRIES, ids=lambda e: e.id)
def test_rows_from_catalog_is_there_iff_declared_and_an_input_asks_for_it(entry):
    module = entry.load()
    has_hook = callable(getattr(module, "rows_from_catalog", None))
    assert has_hook == entry.catalog_rows
    assert bool(_catalog_row_fields(module)) == entry.catalog_rows
    hook = entry.rows_from_catalog()
    assert (hook is module) if entry.catalog_rows else hook is None


def test_every_entry_is_held_to_its_protocol_by_the_type_checker():
    """The TYPE_CHECKING block at the end of core/frameworks/__init__.py assigns each module to
    the protocol its entry declares; mypy then checks it. Here: no entry is left out of it."""
    source = (ROOT / "core" / "frameworks" / "__init__.py").read_text()
    block = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.If)
        and ast.unparse(node.test) == "TYPE_CHECKING"
        and any(isinstance(n, ast.AnnAssign) for n in node.body)
    )
    checked = {
        node.value.id: ast.unparse(node.annotation).split("[")[0]
        for node in block.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Name)
    }
    assert checked == {
        e.id: "FillsRowsFromCatalog"
        if e.catalog_rows
        else "ComputesInStages"
        if e.staged
        else "FrameworkModule"
        for e in frameworks.ENTRIES
    }


@pytest.mark.parametrize("entry", frameworks.ENTRIES, ids=lambda e: e.id)
def test_stages_are_there_iff_declared(entry):
    module = entry.load()
    has_stages = callable(getattr(module, "compute_first", None))
    assert has_stages == callable(getattr(module, "complete", None)) == entry.staged
    assert (entry.stages() is module) if entry.staged else entry.stages() is None


def test_an_entry_is_found_by_its_id():
    assert frameworks.entry("agents").title == "Agents"
    with pytest.raises(KeyError, match="unknown framework 'nope'"):
        frameworks.entry("nope")
