"""Every registered framework gets the same treatment: a tab, compare, exports, examples."""

from __future__ import annotations

from pathlib import Path

import pytest

import resources
from core.frameworks import REGISTRY
from tests.ui.conftest import wait_idle
from ui.compare import CompareDialog

IDS = [m.ID for m in REGISTRY]


def test_tabs_follow_the_registry(window):
    titles = [window.tabs.tabText(i).rstrip(" *") for i in range(len(REGISTRY))]
    assert titles == [m.TITLE for m in REGISTRY]


@pytest.mark.parametrize("framework_id", IDS)
def test_compare_two_scenarios(qtbot, window, store, framework_id):
    tab = window.tab_for(framework_id)
    window.tabs.setCurrentWidget(tab)
    defaults = tab.framework.Inputs().model_dump(mode="json")
    store.create(framework_id, "First", defaults)
    store.create(framework_id, "Second", defaults)
    window.act_compare.trigger()
    wait_idle(qtbot, window)
    dialog = next(d for d in window.findChildren(CompareDialog) if d.isVisible())
    assert dialog.inputs_model.rowCount() == len(tab.framework.Inputs.model_fields)
    assert dialog.inputs_model.differing() == []
    assert dialog.figures_model.rowCount() >= 2
    assert dialog.plot is not None
    dialog.close()


@pytest.mark.parametrize("framework_id", IDS)
def test_export_html_carries_the_headline_and_plots(qtbot, window, tmp_path: Path, framework_id):
    tab = window.tab_for(framework_id)
    window.tabs.setCurrentWidget(tab)
    out = tmp_path / "summary.html"
    window.export_summary(str(out))
    wait_idle(qtbot, window)
    qtbot.waitUntil(out.exists)
    text = out.read_text()
    assert tab.result.headline.split(":")[0] in text
    assert text.count("data:image/png;base64,") == len(tab.panel.plots())


@pytest.mark.parametrize("framework_id", IDS)
def test_every_framework_ships_an_example(framework_id):
    import json

    found = [
        f
        for f in resources.example_scenarios()
        if json.loads(f.read_text())["scenario"]["framework_id"] == framework_id
    ]
    assert found, f"no example scenario for {framework_id}"


def test_a_tab_not_built_yet_shows_its_guide_when_the_pointer_rests_on_it(window):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication

    from core.frameworks import agents

    index = IDS.index(agents.ID)
    bar = window.tabs.tabBar()
    assert index not in window._built and bar.tabToolTip(index) == ""
    centre = bar.tabRect(index).center()
    QApplication.sendEvent(bar, QHelpEvent(QEvent.Type.ToolTip, centre, bar.mapToGlobal(centre)))
    assert bar.tabToolTip(index) == agents.GUIDE
    assert index not in window._built  # hovering does not build the tab


def test_a_built_tab_carries_its_guide_as_tooltip(window):
    for index, module in enumerate(REGISTRY):
        window.tabs.setCurrentIndex(index)
        assert window.tabs.tabToolTip(index) == module.GUIDE
