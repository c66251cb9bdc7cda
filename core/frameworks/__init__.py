"""The framework registry: every implemented framework, in tab order, and the typed contract
each framework module keeps.

Each framework module exposes ID, TITLE, GUIDE, Inputs (pydantic), Result (pydantic),
compute(inputs, catalog=None) -> Result and summarize(inputs, result) -> str: the
`FrameworkModule` protocol. A framework whose table inputs take "Add from catalog…" also
exposes rows_from_catalog (the `FillsRowsFromCatalog` protocol) and says so in its entry.

Adding a framework: its module, one `Entry` line in ENTRIES, one line in the type check at the
end of this file (mypy checks the module against the protocol its entry declares), and one
line in the window's declaration of its UI parts (ui.plots.registry.FRAMEWORK_UIS).

The modules are imported when first asked for: building a framework's pydantic models costs a
few milliseconds each, and the window's start-up needs only the tab it shows. `ENTRIES` names
every framework without importing it; `REGISTRY` (every module, in order), `get` (one module)
and `ids` serve everything else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import BaseModel

    from core.catalog import Catalog, ModelInfo
    from core.frameworks.common import FrameworkResult

InputsT = TypeVar("InputsT", bound="BaseModel")
ResultT = TypeVar("ResultT", bound="FrameworkResult")


class FrameworkModule(Protocol[InputsT, ResultT]):
    """What a framework module is: its names, its models and its two functions."""

    ID: str
    TITLE: str
    GUIDE: str
    Inputs: type[InputsT]
    Result: type[ResultT]

    def compute(self, inputs: InputsT, catalog: Catalog | None = None) -> ResultT: ...

    def summarize(self, inputs: InputsT, result: ResultT) -> str: ...


class FillsRowsFromCatalog(FrameworkModule[InputsT, ResultT], Protocol[InputsT, ResultT]):
    """A framework whose table inputs (those declared `catalog_rows=True`) can be filled from
    catalog models: the rows to add to `field` for `models`, given the current inputs."""

    def rows_from_catalog(
        self, field: str, models: list[ModelInfo], inputs: InputsT
    ) -> list[dict[str, Any]]: ...


class ComputesInStages(FrameworkModule[InputsT, ResultT], Protocol[InputsT, ResultT]):
    """A framework whose compute is a quick first stage and a slow completion (a Monte
    Carlo): the window shows compute_first's result at once and complete's when it comes.
    compute(x) == complete(x, compute_first(x)); complete reads no catalog and returns None
    when `cancelled()` turns true on the way."""

    def compute_first(self, inputs: InputsT, catalog: Catalog | None = None) -> ResultT: ...

    def complete(
        self, inputs: InputsT, first: ResultT, cancelled: Callable[[], bool] | None = None
    ) -> ResultT | None: ...


#: Any framework, seen through the bases its models share (what the window, the command line
#: and the reports hold; each module's own types are checked at the end of this file).
Framework = FrameworkModule["BaseModel", "FrameworkResult"]
#: A framework with rows_from_catalog, seen the same way.
RowsFromCatalog = FillsRowsFromCatalog["BaseModel", "FrameworkResult"]
#: A framework computing in two stages, seen the same way.
Staged = ComputesInStages["BaseModel", "FrameworkResult"]


class Entry(NamedTuple):
    """A framework named without importing it: its id and tab title (a test checks they match
    the module's ID and TITLE), and the optional hooks its module provides."""

    id: str
    title: str
    #: The module has rows_from_catalog (it fills table inputs from catalog models).
    catalog_rows: bool = False
    #: compute reads the catalog's quality scores (others read prices and latency only): its
    #: card and exports say which quality source the result used.
    reads_quality: bool = False
    #: The module computes in two stages (compute_first, complete: ComputesInStages).
    staged: bool = False

    def load(self) -> Framework:
        # Each module is checked against its protocol statically (below), not here.
        return cast(Framework, importlib.import_module(f"{__name__}.{self.id}"))

    def rows_from_catalog(self) -> RowsFromCatalog | None:
        """The loaded module, as the hook it declares, or None when it declares none."""
        return cast(RowsFromCatalog, self.load()) if self.catalog_rows else None

    def stages(self) -> Staged | None:
        """The loaded module, as the two stages it declares, or None when it computes at once."""
        return cast(Staged, self.load()) if self.staged else None


ENTRIES: tuple[Entry, ...] = (
    Entry("cost_quality_latency", "Cost-Quality-Latency", reads_quality=True),
    Entry("rag_vs_finetuning", "RAG vs Fine-tuning"),
    Entry("model_selection", "Model Selection", catalog_rows=True),
    Entry("build_vs_buy", "Build vs Buy", staged=True),
    Entry("agents", "Agents"),
    Entry("architecture_patterns", "Architecture Patterns", catalog_rows=True, reads_quality=True),
    Entry("experiments", "Experiments"),
)

_IDS = frozenset(e.id for e in ENTRIES)


def __getattr__(name: str) -> Any:
    # PEP 562: `REGISTRY` imports every framework module on first use.
    if name == "REGISTRY":
        registry: tuple[Framework, ...] = tuple(e.load() for e in ENTRIES)
        globals()["REGISTRY"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def entry(framework_id: str) -> Entry:
    """The entry with this id; KeyError names the known ids when it is unknown."""
    for e in ENTRIES:
        if framework_id == e.id:
            return e
    known = ", ".join(e.id for e in ENTRIES)
    raise KeyError(f"unknown framework '{framework_id}' (known: {known})")


def get(framework_id: str) -> Framework:
    """The framework module with this id; KeyError names the known ids when it is unknown."""
    return entry(framework_id).load()


def ids() -> set[str]:
    return set(_IDS)


if TYPE_CHECKING:
    # The type checker holds each module to the protocol its entry declares, with the module's
    # own Inputs and Result (a test checks that every entry has its line here).
    from core.frameworks import (
        agents,
        architecture_patterns,
        build_vs_buy,
        cost_quality_latency,
        experiments,
        model_selection,
        rag_vs_finetuning,
    )

    _cost_quality_latency: FrameworkModule[
        cost_quality_latency.Inputs, cost_quality_latency.Result
    ] = cost_quality_latency
    _rag_vs_finetuning: FrameworkModule[rag_vs_finetuning.Inputs, rag_vs_finetuning.Result] = (
        rag_vs_finetuning
    )
    _model_selection: FillsRowsFromCatalog[model_selection.Inputs, model_selection.Result] = (
        model_selection
    )
    _build_vs_buy: ComputesInStages[build_vs_buy.Inputs, build_vs_buy.Result] = build_vs_buy
    _agents: FrameworkModule[agents.Inputs, agents.Result] = agents
    _architecture_patterns: FillsRowsFromCatalog[
        architecture_patterns.Inputs, architecture_patterns.Result
    ] = architecture_patterns
    _experiments: FrameworkModule[experiments.Inputs, experiments.Result] = experiments
