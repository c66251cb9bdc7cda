"""The framework registry: every implemented framework, in tab order.

Each framework module exposes ID, TITLE, GUIDE, Inputs (pydantic), Result (pydantic),
compute(inputs, catalog=None) -> Result and summarize(inputs, result) -> str.

The modules are imported when first asked for: building a framework's pydantic models costs a
few milliseconds each, and the window's start-up needs only the tab it shows. `ENTRIES` names
every framework without importing it; `REGISTRY` (every module, in order), `get` (one module)
and `ids` serve everything else.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pydantic import BaseModel


class Framework(Protocol):
    ID: str
    TITLE: str
    GUIDE: str
    Inputs: type[BaseModel]
    Result: type[BaseModel]

    def compute(self, inputs: Any, catalog: Any = None) -> Any: ...

    def summarize(self, inputs: Any, result: Any) -> str: ...


@dataclass(frozen=True)
class Entry:
    """A framework named without importing it: its id and tab title (a test checks they match
    the module's ID and TITLE)."""

    id: str
    title: str

    def load(self) -> Framework:
        module: Any = importlib.import_module(f"{__name__}.{self.id}")
        return module  # type: ignore[no-any-return]


ENTRIES: tuple[Entry, ...] = (
    Entry("cost_quality_latency", "Cost-Quality-Latency"),
    Entry("rag_vs_finetuning", "RAG vs Fine-tuning"),
    Entry("model_selection", "Model Selection"),
    Entry("build_vs_buy", "Build vs Buy"),
    Entry("agents", "Agents"),
    Entry("architecture_patterns", "Architecture Patterns"),
    Entry("experiments", "Experiments"),
)

_IDS = frozenset(e.id for e in ENTRIES)


def __getattr__(name: str) -> Any:
    # PEP 562: `REGISTRY` imports every framework module on first use.
    if name == "REGISTRY":
        registry: tuple[ModuleType, ...] = tuple(e.load() for e in ENTRIES)  # type: ignore[misc]
        globals()["REGISTRY"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(framework_id: str) -> Framework:
    """The framework module with this id; KeyError names the known ids when it is unknown."""
    for entry in ENTRIES:
        if framework_id == entry.id:
            return entry.load()
    known = ", ".join(e.id for e in ENTRIES)
    raise KeyError(f"unknown framework '{framework_id}' (known: {known})")


def ids() -> set[str]:
    return set(_IDS)
