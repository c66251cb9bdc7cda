"""The framework registry: every implemented framework module, in tab order.

Each module exposes ID, TITLE, GUIDE, Inputs (pydantic), Result (pydantic),
compute(inputs, catalog=None) -> Result and summarize(inputs, result) -> str.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Protocol

from pydantic import BaseModel

from core.frameworks import (
    agents,
    architecture_patterns,
    build_vs_buy,
    cost_quality_latency,
    experiments,
    model_selection,
    rag_vs_finetuning,
)


class Framework(Protocol):
    ID: str
    TITLE: str
    GUIDE: str
    Inputs: type[BaseModel]
    Result: type[BaseModel]

    def compute(self, inputs: Any, catalog: Any = None) -> Any: ...

    def summarize(self, inputs: Any, result: Any) -> str: ...


REGISTRY: tuple[ModuleType, ...] = (
    cost_quality_latency,
    rag_vs_finetuning,
    model_selection,
    build_vs_buy,
    agents,
    architecture_patterns,
    experiments,
)


def get(framework_id: str) -> Framework:
    """The framework module with this id; KeyError names the known ids when it is unknown."""
    for module in REGISTRY:
        if framework_id == module.ID:
            return module  # type: ignore[return-value]
    known = ", ".join(m.ID for m in REGISTRY)
    raise KeyError(f"unknown framework '{framework_id}' (known: {known})")


def ids() -> set[str]:
    return {m.ID for m in REGISTRY}
