"""The result card's numbers are never cut off, and a staged result lands without a jump.

At 1280x800 Build vs Buy's whole result (with the Monte Carlo figures) needed the card 879 px
wide on one line per figure; the card got 848 px and showed "0.21 years (2.5 montl". Its first
stage ("simulating…" in place of the Monte Carlo figures) needed less, so the splitter between
the form, the card and the plots moved when the second stage came.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QSplitter

from core.frameworks import build_vs_buy as bvb
from tests.ui.conftest import hold_monte_carlo, show_examples_at, wait_idle


def cut_labels(card, where: str) -> list[str]:
    """Each shown one-line label of the card whose text is wider than the label."""
    found = []
    for label in card.findChildren(QLabel):
        if not label.isVisibleTo(card) or not label.text() or label.wordWrap():
            continue
        need = label.fontMetrics().horizontalAdvance(label.text())
        have = label.contentsRect().width()
        if need > have:
            found.append(f"{where}: {label.text()!r} needs {need} px, has {have}")
    return found


def splitter_sizes(tab) -> list[list[int]]:
    return [split.sizes() for split in tab.findChildren(QSplitter)]


def settle(qtbot, window, tab) -> None:
    qtbot.waitUntil(lambda: not tab.completing and window.runner.pending == 0)
    wait_idle(qtbot, window)
    qtbot.wait(20)  # the layouts the result posted


@pytest.fixture
def bvb_tab(qtbot, window):
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1280, 800), timeout=5_000)
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    settle(qtbot, window, tab)
    return tab


@pytest.mark.parametrize("training", ["500,000", "2,000,000", "5,000,000"])
def test_the_whole_build_vs_buy_result_fits_at_1280x800(qtbot, window, bvb_tab, training):
    """2,000,000 needed the card 895 px wide: 'Breakeven P50 (Monte Carlo)  0.83 years (10.0
    months)' and 'Chance building is cheaper (Monte Carlo)' on one line each."""
    bvb_tab.set_field_text("training_cost", training)
    settle(qtbot, window, bvb_tab)
    card = bvb_tab.card
    assert card.figure_text("breakeven_p50_years") != bvb.SIMULATING
    assert not cut_labels(card, training), "\n".join(cut_labels(card, training))
    assert card.width() >= card.minimumSizeHint().width()


def test_the_second_stage_moves_no_splitter(qtbot, window, bvb_tab, monkeypatch):
    """The first stage reserves the room of the Monte Carlo figures it will show: the form,
    the card and the plots keep their sizes when the simulation lands."""
    release = hold_monte_carlo(monkeypatch)
    card = bvb_tab.card
    bvb_tab.set_field_text("training_cost", "600,000")
    qtbot.wait(150)  # past the pause: the simulation is under way, held
    assert bvb_tab.completing and card.figure_text("p_build_cheaper") == bvb.SIMULATING
    first = splitter_sizes(bvb_tab)
    release.set()
    settle(qtbot, window, bvb_tab)
    assert card.figure_text("p_build_cheaper") != bvb.SIMULATING
    assert splitter_sizes(bvb_tab) == first
    assert not cut_labels(card, "600,000")


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)], ids=["1280", "1920"])
def test_no_card_value_is_cut_on_any_tab(qtbot, window, width, height):
    show_examples_at(qtbot, window, width, height)
    found: list[str] = []
    for tab in window.framework_tabs:
        window.tabs.setCurrentWidget(tab)
        settle(qtbot, window, tab)
        found += cut_labels(tab.card, tab.framework.TITLE)
        if tab.card.width() < tab.card.minimumSizeHint().width():
            found.append(f"{tab.framework.TITLE}: card narrower than its minimum")
    assert not found, "\n".join(found)
