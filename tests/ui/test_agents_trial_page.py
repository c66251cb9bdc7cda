"""The agent trial is a page beside the loop plots: at 1280x800 its fields and Run button are
on screen without scrolling (under the plots and the card it had about 60 px, the Run button
scrolled out of sight; issue 16)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect

from core.frameworks import agents
from tests.ui.conftest import wait_idle


def _on_screen(widget, area) -> bool:
    shown = QRect(widget.mapTo(area.viewport(), QPoint(0, 0)), widget.size())
    return widget.isVisible() and area.viewport().rect().contains(shown)


def test_the_trial_page_shows_its_fields_and_run_button_at_1280x800(qtbot, window):
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1280, 800), timeout=5_000)
    index = [window.tabs.tabText(i) for i in range(window.tabs.count())].index(agents.TITLE)
    window.tabs.setCurrentIndex(index)
    wait_idle(qtbot, window)
    panel = window.tabs.currentWidget().panel
    assert panel.pages.tabText(panel.pages.currentIndex()) == "Loop estimate"
    panel.pages.setCurrentIndex(1)
    trial = panel.trial
    area = panel.pages.currentWidget()
    qtbot.waitUntil(lambda: trial.run_button.isVisible(), timeout=2_000)
    for widget in (trial.task_edit, trial.model_edit, trial.run_button, trial.measured_button):
        assert _on_screen(widget, area), widget.objectName()
