"""The edit path's shortcuts change nothing a user sees once the window settles.

Build vs Buy's Monte Carlo waits for a pause in the edits (framework_tab.COMPLETE_AFTER_MS);
a wrapping label's height is kept per width for its text (ui.plots.common.HeightBox). After
an edit and the pause, every plot and the card show what a tab that computed the new inputs
whole from the start shows.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel

from core.frameworks import build_vs_buy as bvb
from tests.ui.conftest import hold_monte_carlo, wait_idle
from ui.framework_tab import FrameworkTab
from ui.plots.common import SUBTITLE_BELOW, SUBTITLE_ON_LINE, HeightBox


@pytest.fixture
def tab(qtbot, window):
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: not tab.completing)
    return tab


def settle(qtbot, window, tab) -> None:
    qtbot.waitUntil(lambda: not tab.completing and window.runner.pending == 0)
    wait_idle(qtbot, window)


def plot_data(panel) -> dict[str, object]:
    """What each Build vs Buy plot draws: curves, marker, bars and lines, and titles."""
    mc = panel.monte_carlo
    return {
        # The data given, not pyqtgraph's display copy (clipped to the view of a plot never
        # shown).
        "buy": [panel.cumulative.buy.xData.tolist(), panel.cumulative.buy.yData.tolist()],
        "build": [panel.cumulative.build.xData.tolist(), panel.cumulative.build.yData.tolist()],
        "marker": [a.tolist() for a in panel.cumulative.marker.getData()],
        "horizon": panel.cumulative.horizon.value(),
        "low": {
            k: np.asarray(v).tolist()
            for k, v in panel.tornado.low.opts.items()
            if k in ("x0", "x1", "y")
        },
        "high": {
            k: np.asarray(v).tolist()
            for k, v in panel.tornado.high.opts.items()
            if k in ("x0", "x1", "y")
        },
        "labels": [
            (t.textItem.toPlainText(), t.pos().x(), t.pos().y()) for t in panel.tornado.labels
        ],
        "bars": {k: np.asarray(mc.bars.opts[k]).tolist() for k in ("x", "height", "width")},
        "bars_shown": mc.bars.isVisible(),
        "lines": {k: (line.isVisible(), line.value()) for k, line in mc.lines.items()},
        # On one line or two, by the plot's width.
        "title": mc.plot.getPlotItem().titleLabel.text.replace(SUBTITLE_BELOW, SUBTITLE_ON_LINE),
    }


def card_text(tab) -> dict[str, str]:
    card = tab.card
    figures = {key: card.figure_text(key) for key in card._figure_labels}
    return {
        "badge": card.badge.text(),
        "headline": card.headline.text(),
        "rationale": card.rationale.text(),
        **figures,
    }


def test_after_edits_and_the_pause_every_plot_shows_the_new_inputs(qtbot, window, tab):
    """Three quick edits, then the pause: the card and the three plots are those of a tab
    opened on the last inputs (the whole result, Monte Carlo included)."""
    for text in ("4,000,000", "5,000,000", "6,000,000"):
        tab.set_field_text("training_cost", text)
    assert tab.completing  # the simulation waits for the pause
    settle(qtbot, window, tab)
    assert tab.inputs.training_cost == 6_000_000
    fresh = FrameworkTab(tab.framework)  # no services: computes whole, on this thread
    qtbot.addWidget(fresh)
    fresh.apply_inputs(tab.inputs, update_form=True)
    fresh.resize(tab.size())
    assert fresh.result == bvb.compute(tab.inputs) == tab.result
    assert card_text(tab) == card_text(fresh)
    assert plot_data(tab.panel) == plot_data(fresh.panel)
    assert list(tab.panel.monte_carlo.bars.opts["height"]) == (
        bvb.compute(tab.inputs).monte_carlo.histogram_counts
    )


def test_a_superseded_edit_never_shows_its_simulation(qtbot, window, tab, monkeypatch):
    """Two edits with a turn of the event loop between: whether or not the first one's
    simulation started, only the last one's whole result is ever shown."""
    ran: list[float] = []
    real = bvb.complete

    def complete(inputs, first, cancelled=None):
        ran.append(inputs.training_cost)
        return real(inputs, first, cancelled)

    monkeypatch.setattr(bvb, "complete", complete)
    shown: list[bvb.Result] = []
    show = tab.card.show_result
    monkeypatch.setattr(tab.card, "show_result", lambda r: (shown.append(r), show(r)))
    tab.set_field_text("training_cost", "5,000,000")
    qtbot.wait(0)
    tab.set_field_text("training_cost", "10,000,000")
    settle(qtbot, window, tab)
    assert ran[-1] == 10_000_000
    wholes = [r for r in shown if r.monte_carlo is not None]
    assert wholes == [bvb.compute(tab.inputs)]
    assert tab.card.figure_text("breakeven_years") == "4.17 years"
    assert tab.card.figure_text("p_build_cheaper") != bvb.SIMULATING


def test_a_wrapping_label_box_follows_its_text_and_font(qtbot):
    """The kept heights are the label's own at each width, for each text and font."""
    label = QLabel()
    label.setWordWrap(True)
    box = HeightBox(label)
    qtbot.addWidget(box)
    long = " ".join(["a reason that wraps"] * 20)
    for text in ("short", long, f"<ul><li>{long}</li><li>{long}</li></ul>", "short"):
        label.setText(text)
        for width in (120, 300, 120):
            assert box.heightForWidth(width) == label.heightForWidth(width)
    before = box.heightForWidth(200)
    font = QFont(label.font())
    font.setPointSize(font.pointSize() * 2)
    label.setFont(font)
    assert box.heightForWidth(200) == label.heightForWidth(200) > before


def test_the_card_keeps_its_height_until_the_simulation_comes(qtbot, window, tab, monkeypatch):
    """A first stage's reasons are a line shorter than the whole result's: the card keeps its
    height meanwhile (one layout of the tab an edit, not two), then fits the whole result."""
    release = hold_monte_carlo(monkeypatch)
    settle(qtbot, window, tab)
    before, rationale = tab.card.height(), tab.card.rationale_box.height()
    tab.set_field_text("training_cost", "5,000,000")
    qtbot.wait(100)  # past the pause: the simulation is under way, held
    assert tab.completing and tab.card.height() == before
    assert tab.card.rationale_box.height() == rationale
    release.set()
    settle(qtbot, window, tab)
    card = tab.card
    assert card.held_height == card.rationale_box.held_height == 0
    assert card.heightForWidth(card.width()) == (
        card.content.heightForWidth(card.width() - card._frame().width()) + card._frame().height()
    )
