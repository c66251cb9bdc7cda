"""Which plot panel belongs to which framework, and rendering a result's plots to images."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ui.plots import (
    agents,
    architecture_patterns,
    build_vs_buy,
    cost_quality_latency,
    experiments,
    model_selection,
    rag_vs_finetuning,
)
from ui.plots.common import png_bytes

PANELS: dict[str, type[QWidget]] = {
    "cost_quality_latency": cost_quality_latency.CostQualityLatencyPanel,
    "rag_vs_finetuning": rag_vs_finetuning.RagVsFinetuningPanel,
    "model_selection": model_selection.ModelSelectionPanel,
    "build_vs_buy": build_vs_buy.BuildVsBuyPanel,
    "agents": agents.AgentsPanel,
    "architecture_patterns": architecture_patterns.ArchitecturePatternsPanel,
    "experiments": experiments.ExperimentsPanel,
}
COMPARISONS: dict[str, Callable[[list[tuple[str, Any]]], pg.PlotWidget]] = {
    "cost_quality_latency": cost_quality_latency.comparison_plot,
    "rag_vs_finetuning": rag_vs_finetuning.comparison_plot,
    "model_selection": model_selection.comparison_plot,
    "build_vs_buy": build_vs_buy.comparison_plot,
    "agents": agents.comparison_plot,
    "architecture_patterns": architecture_patterns.comparison_plot,
    "experiments": experiments.comparison_plot,
}


def panel_for(framework_id: str, services: Any = None) -> QWidget:
    """The framework's plot panel; panels that run work of their own (an agent trial) take the
    app's services (`ui.services.AppServices`) as the keyword `services`."""
    cls = PANELS[framework_id]
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
