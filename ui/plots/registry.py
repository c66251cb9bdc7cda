"""Which plot panel belongs to which framework, and rendering a result's plots to images.

Entries are "module:attribute" paths, imported on first use: start-up imports the plot module
of the tab it shows and no other. A framework's plots are one line in each mapping.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ui.plots.common import png_bytes

#: framework id -> its plot panel class (a QWidget with update_result and plots).
PANELS: dict[str, str] = {
    "cost_quality_latency": "ui.plots.cost_quality_latency:CostQualityLatencyPanel",
    "rag_vs_finetuning": "ui.plots.rag_vs_finetuning:RagVsFinetuningPanel",
    "model_selection": "ui.plots.model_selection:ModelSelectionPanel",
    "build_vs_buy": "ui.plots.build_vs_buy:BuildVsBuyPanel",
    "agents": "ui.plots.agents:AgentsPanel",
    "architecture_patterns": "ui.plots.architecture_patterns:ArchitecturePatternsPanel",
    "experiments": "ui.plots.experiments:ExperimentsPanel",
}
#: framework id -> the function plotting two results side by side (the Compare dialog).
COMPARISON_PLOTS: dict[str, str] = {
    "cost_quality_latency": "ui.plots.cost_quality_latency:comparison_plot",
    "rag_vs_finetuning": "ui.plots.rag_vs_finetuning:comparison_plot",
    "model_selection": "ui.plots.model_selection:comparison_plot",
    "build_vs_buy": "ui.plots.build_vs_buy:comparison_plot",
    "agents": "ui.plots.agents:comparison_plot",
    "architecture_patterns": "ui.plots.architecture_patterns:comparison_plot",
    "experiments": "ui.plots.experiments:comparison_plot",
}


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def panel_class(framework_id: str) -> type[QWidget]:
    """The framework's plot panel class; KeyError for a framework without plots."""
    cls: type[QWidget] = _load(PANELS[framework_id])
    return cls


def comparison_plot(
    framework_id: str,
) -> Callable[[list[tuple[str, Any]]], pg.PlotWidget] | None:
    """The framework's side-by-side plot of labelled results, or None when it has none."""
    path = COMPARISON_PLOTS.get(framework_id)
    return None if path is None else _load(path)


def __getattr__(name: str) -> Any:
    # COMPARISONS, resolved to functions, is what ui.compare reads; building it imports every
    # plot module, so it is built when the Compare dialog asks, not when this module loads.
    if name == "COMPARISONS":
        return {fid: _load(path) for fid, path in COMPARISON_PLOTS.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def panel_for(framework_id: str, services: Any = None) -> QWidget:
    """The framework's plot panel; panels that run work of their own (an agent trial) take the
    app's services (`ui.services.AppServices`) as the keyword `services`."""
    cls = panel_class(framework_id)
    if services is not None and "services" in inspect.signature(cls.__init__).parameters:
        return cls(services=services)  # type: ignore[call-arg]
    return cls()


def images_for(
    framework_id: str, result: Any, size: tuple[int, int] = (900, 420)
) -> list[tuple[str, bytes]]:
    """Render each plot of a result offscreen to PNG bytes, titled, for reports."""
    panel = panel_for(framework_id)
    panel.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    panel.show()
    try:
        panel.update_result(result)  # type: ignore[attr-defined]
        images = []
        for title, plot in panel.plots():  # type: ignore[attr-defined]
            plot.resize(*size)
            images.append((title, png_bytes(plot)))
        return images
    finally:
        panel.close()
        panel.deleteLater()
