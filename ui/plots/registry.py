"""Each framework's parts in the window, declared in one place, and rendering a result's plots
to images.

A framework's UI is one `FrameworkUi` line in FRAMEWORK_UIS: its plot panel, its side-by-side
comparison plot and the optional hooks its panel has. Paths are "module:attribute", imported on
first use: start-up imports the plot module of the tab it shows and no other. A test checks
that every framework has its line, every path imports, and each hook is there iff declared.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

import pyqtgraph as pg
from PySide6.QtCore import Qt, SignalInstance

from ui.plots.common import PlotPanel, png_bytes

if TYPE_CHECKING:
    from ui.services import AppServices

#: Labelled results -> one plot of them side by side (the Compare dialog).
ComparisonPlot = Callable[[list[tuple[str, Any]]], pg.PlotWidget]


class TakesServices(Protocol):
    """A panel class whose panel runs work of its own (an agent trial, the Experiments
    workbench) when given the app's services; without them it shows only its plots."""

    def __call__(self, *, services: AppServices | None = None) -> PlotPanel: ...


class SuggestsInputs(Protocol):
    """A panel that proposes input values (input name -> value) from what it measured; the
    tab applies them as one undoable change."""

    inputs_suggested: SignalInstance


class FrameworkUi(NamedTuple):
    """A framework's parts in the window (the id is the core framework's ID)."""

    id: str
    #: "module:Class" of its PlotPanel subclass.
    panel: str
    #: "module:function" plotting labelled results side by side (a ComparisonPlot).
    comparison_plot: str
    #: The panel class is TakesServices.
    takes_services: bool = False
    #: The panel is SuggestsInputs.
    suggests_inputs: bool = False


FRAMEWORK_UIS: tuple[FrameworkUi, ...] = (
    FrameworkUi(
        "cost_quality_latency",
        panel="ui.plots.cost_quality_latency:CostQualityLatencyPanel",
        comparison_plot="ui.plots.cost_quality_latency:comparison_plot",
    ),
    FrameworkUi(
        "rag_vs_finetuning",
        panel="ui.plots.rag_vs_finetuning:RagVsFinetuningPanel",
        comparison_plot="ui.plots.rag_vs_finetuning:comparison_plot",
    ),
    FrameworkUi(
        "model_selection",
        panel="ui.plots.model_selection:ModelSelectionPanel",
        comparison_plot="ui.plots.model_selection:comparison_plot",
    ),
    FrameworkUi(
        "build_vs_buy",
        panel="ui.plots.build_vs_buy:BuildVsBuyPanel",
        comparison_plot="ui.plots.build_vs_buy:comparison_plot",
    ),
    FrameworkUi(
        "agents",
        panel="ui.plots.agents:AgentsPanel",
        comparison_plot="ui.plots.agents:comparison_plot",
        takes_services=True,
        suggests_inputs=True,
    ),
    FrameworkUi(
        "architecture_patterns",
        panel="ui.plots.architecture_patterns:ArchitecturePatternsPanel",
        comparison_plot="ui.plots.architecture_patterns:comparison_plot",
    ),
    FrameworkUi(
        "experiments",
        panel="ui.experiments.plots:ExperimentsPanel",
        comparison_plot="ui.experiments.plots:comparison_plot",
        takes_services=True,
        suggests_inputs=True,
    ),
)


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def ui_for(framework_id: str) -> FrameworkUi:
    """The framework's UI declaration; KeyError for an id without one."""
    for declared in FRAMEWORK_UIS:
        if declared.id == framework_id:
            return declared
    raise KeyError(f"no UI declared for framework '{framework_id}'")


def panel_class(framework_id: str) -> type[PlotPanel]:
    """The framework's plot panel class; KeyError for a framework without one."""
    cls: type[PlotPanel] = _load(ui_for(framework_id).panel)
    return cls


def comparison_plot(framework_id: str) -> ComparisonPlot:
    """The framework's side-by-side plot of labelled results."""
    make: ComparisonPlot = _load(ui_for(framework_id).comparison_plot)
    return make


def panel_for(framework_id: str, services: AppServices | None = None) -> PlotPanel:
    """The framework's plot panel; a panel declared `takes_services` gets the app's services
    (`ui.services.AppServices`), and with them runs work of its own."""
    cls = panel_class(framework_id)
    if ui_for(framework_id).takes_services:
        return cast(TakesServices, cls)(services=services)
    return cls()


def inputs_suggested(framework_id: str, panel: PlotPanel) -> SignalInstance | None:
    """The panel's signal proposing input values, or None when its framework declares none."""
    if not ui_for(framework_id).suggests_inputs:
        return None
    return cast(SuggestsInputs, panel).inputs_suggested


def images_for(
    framework_id: str, result: Any, size: tuple[int, int] = (900, 420)
) -> list[tuple[str, bytes]]:
    """Render each plot of a result offscreen to PNG bytes, titled, for reports."""
    panel = panel_for(framework_id)
    panel.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    panel.show()
    try:
        panel.update_result(result)
        images = []
        for title, plot in panel.plots():
            plot.resize(*size)
            images.append((title, png_bytes(plot)))
        return images
    finally:
        panel.close()
        panel.deleteLater()
