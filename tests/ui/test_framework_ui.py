"""Each framework's UI parts are declared once (ui.plots.registry.FRAMEWORK_UIS): every
framework has its declaration, every declared path imports, and each optional hook of a
panel is there exactly when it is declared."""

from __future__ import annotations

import inspect

import pytest
from PySide6.QtCore import Signal

from core.frameworks import ENTRIES
from ui.plots import registry
from ui.plots.common import PlotPanel


def test_every_framework_declares_its_ui_once():
    declared = [ui.id for ui in registry.FRAMEWORK_UIS]
    assert sorted(declared) == sorted(e.id for e in ENTRIES)
    assert len(set(declared)) == len(declared)
    with pytest.raises(KeyError, match="no UI declared for framework 'nope'"):
        registry.ui_for("nope")


@pytest.mark.parametrize("ui", registry.FRAMEWORK_UIS, ids=lambda ui: ui.id)
def test_declared_paths_import_and_hooks_are_there_iff_declared(ui):
    cls = registry.panel_class(ui.id)
    assert issubclass(cls, PlotPanel)
    assert callable(registry.comparison_plot(ui.id))
    assert ("services" in inspect.signature(cls.__init__).parameters) == ui.takes_services
    assert isinstance(getattr(cls, "inputs_suggested", None), Signal) == ui.suggests_inputs


@pytest.mark.parametrize("ui", registry.FRAMEWORK_UIS, ids=lambda ui: ui.id)
def test_a_panel_without_services_shows_plots_and_offers_its_declared_signal(qtbot, ui):
    panel = registry.panel_for(ui.id)
    qtbot.addWidget(panel)
    suggested = registry.inputs_suggested(ui.id, panel)
    assert (suggested is not None) == ui.suggests_inputs
    assert panel.plots()
