"""Build vs Buy in two stages: the decision, curves and tornado at once, the Monte Carlo after.

What the user may see: a first-stage result (its Monte Carlo figures say "simulating…" and no
histogram shows), or a whole one, and never numbers of two different inputs at once.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.frameworks import build_vs_buy as bvb
from core.frameworks.common import format_figure
from tests.ui.conftest import wait_idle

MC_FIGURES = ("p_build_cheaper", "breakeven_p50_years")


@pytest.fixture
def tab(qtbot, window):
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.card.figure_text("p_build_cheaper") != bvb.SIMULATING)
    return tab


@pytest.fixture
def held(monkeypatch):
    """Completions wait until `release` is set; each call's inputs and cancel flag are kept."""
    release = threading.Event()
    calls: list[tuple[bvb.Inputs, object]] = []
    real = bvb.complete

    def complete(inputs, first, cancelled=None):
        calls.append((inputs, cancelled))
        release.wait(10)
        return real(inputs, first, cancelled)

    monkeypatch.setattr(bvb, "complete", complete)
    return release, calls


def shown_figures(tab) -> dict[str, str]:
    return {key: tab.card.figure_text(key) for key in MC_FIGURES}


def whole_figures(inputs) -> dict[str, str]:
    whole = bvb.compute(inputs)
    return {key: format_figure(whole.figure(key)) for key in MC_FIGURES}


def test_the_first_stage_shows_at_once_and_the_simulation_follows(qtbot, window, tab, held):
    """Training $5M: the card has the breakeven (5M / 2.4M = 2.08 years) before the Monte Carlo
    has run; its figures say it is simulating and the histogram of the old inputs is gone."""
    release, _calls = held
    tab.set_field_text("training_cost", "5,000,000")
    assert tab.card.figure_text("breakeven_years") == "2.08 years"
    assert tab.card.badge.text() == "BUILD"
    assert shown_figures(tab) == {key: bvb.SIMULATING for key in MC_FIGURES}
    assert bvb.SIMULATING in tab.card.rationale.text()
    mc_plot = tab.panel.monte_carlo
    assert not mc_plot.bars.isVisible()
    assert not any(line.isVisible() for line in mc_plot.lines.values())
    assert bvb.SIMULATING in mc_plot.plot.getPlotItem().titleLabel.text

    release.set()
    qtbot.waitUntil(lambda: shown_figures(tab)["p_build_cheaper"] != bvb.SIMULATING)
    assert shown_figures(tab) == whole_figures(tab.inputs)
    whole = bvb.compute(tab.inputs)
    assert mc_plot.bars.isVisible()
    assert list(mc_plot.bars.opts["height"]) == whole.monte_carlo.histogram_counts
    assert "Monte Carlo draws" in tab.card.rationale.text()
    assert tab.result == whole


def test_the_monte_carlo_plot_keeps_its_minimum_while_simulating(qtbot, window, tab, held):
    """The placeholder's title ("simulating…") is shorter than the histogram's: the plot keeps
    the minimum size it had, so neither stage lays the splitters (and the whole tab) out; with
    the histogram back its minimum is fitted to what it shows again."""
    release, _calls = held
    plot = tab.panel.monte_carlo.plot
    whole_minimum = plot.minimumSizeHint()
    tab.set_field_text("training_cost", "5,000,000")
    assert bvb.SIMULATING in plot.getPlotItem().titleLabel.text
    assert plot.minimumSizeHint() == whole_minimum
    release.set()
    qtbot.waitUntil(lambda: shown_figures(tab)["p_build_cheaper"] != bvb.SIMULATING)
    assert plot.held_minimum.isNull()
    plot.setTitle("<span style='font-size:11pt'>M</span>")  # a short title: a smaller minimum
    assert plot.minimumSizeHint().width() < whole_minimum.width()


def test_an_edit_during_a_pending_simulation_supersedes_it(qtbot, window, tab, held):
    """The first edit's simulation is still running when the second edit comes: it is told to
    stop, and whatever it returns is never shown; the second edit's figures are."""
    release, calls = held
    shown: list[bvb.Result] = []
    show = tab.card.show_result
    tab.card.show_result = lambda r: (shown.append(r), show(r))
    tab.set_field_text("training_cost", "5,000,000")
    qtbot.waitUntil(lambda: len(calls) == 1)  # the first simulation is under way
    first_inputs, first_cancelled = calls[0]
    tab.set_field_text("training_cost", "10,000,000")
    assert first_cancelled()  # asked to stop between blocks of draws
    assert shown_figures(tab) == {key: bvb.SIMULATING for key in MC_FIGURES}
    release.set()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: shown_figures(tab)["p_build_cheaper"] != bvb.SIMULATING)
    assert tab.inputs.training_cost == 10_000_000
    assert shown_figures(tab) == whole_figures(tab.inputs)
    assert tab.card.figure_text("breakeven_years") == "4.17 years"
    wholes = [r for r in shown if r.monte_carlo is not None]
    assert wholes and all(r == bvb.compute(tab.inputs) for r in wholes)
    assert first_inputs.training_cost == 5_000_000


def test_a_result_read_while_simulating_is_whole_and_shown(qtbot, window, tab, held):
    """A save, a draft or an export reads tab.result: the simulation is finished on the spot
    (the held one is dropped) and the card and plot show the same whole result."""
    release, _calls = held
    tab.set_field_text("volume_growth_pct_per_year", "20")
    assert shown_figures(tab)["p_build_cheaper"] == bvb.SIMULATING
    monkey_free = bvb.compute(tab.inputs)
    release.set()  # the synchronous completion below goes through the patched one too
    assert tab.result == monkey_free
    assert shown_figures(tab) == whole_figures(tab.inputs)
    assert tab.panel.monte_carlo.bars.isVisible()
    wait_idle(qtbot, window)
    assert shown_figures(tab) == whole_figures(tab.inputs)


def test_export_right_after_an_edit_has_the_whole_numbers(qtbot, window, tab, held, tmp_path):
    """Exported while the simulation is held: the summary still has the Monte Carlo of the
    inputs it shows (and its section), not a placeholder."""
    release, _calls = held
    tab.set_field_text("training_cost", "5,000,000")
    release.set()
    out = tmp_path / "decision.md"
    window.export_summary(str(out), "md")
    qtbot.waitUntil(out.exists)
    wait_idle(qtbot, window)
    text = Path(out).read_text()
    whole = bvb.compute(tab.inputs)
    assert bvb.SIMULATING not in text
    assert "### Monte Carlo" in text
    assert f"{whole.monte_carlo.draws:,} draws (seed 0)" in text
    assert whole.rationale[-1] in text


def test_an_invalid_field_stays_marked_when_the_simulation_lands(qtbot, window, tab, held):
    """Typing '12x' while the last valid edit is simulating: when the simulation comes, the
    card keeps saying the field is wrong."""
    release, _calls = held
    tab.set_field_text("training_cost", "5,000,000")
    tab.set_field_text("serving_cost_per_year", "12x")
    assert tab.card.stale_banner.isVisibleTo(tab)
    release.set()
    qtbot.waitUntil(lambda: shown_figures(tab)["p_build_cheaper"] != bvb.SIMULATING)
    assert tab.card.stale_banner.isVisibleTo(tab)
    assert "must be a number" in tab.card.stale_banner.text()


def test_a_failed_simulation_says_so_and_keeps_the_first_stage(qtbot, window, tab, monkeypatch):
    def complete(inputs, first, cancelled=None):
        raise RuntimeError("no memory left")

    monkeypatch.setattr(bvb, "complete", complete)
    tab.set_field_text("training_cost", "5,000,000")
    qtbot.waitUntil(lambda: tab.card.stale_banner.isVisibleTo(tab))
    assert "simulation failed" in tab.card.stale_banner.text()
    assert "no memory left" in tab.card.stale_banner.text()
    assert tab.card.figure_text("breakeven_years") == "2.08 years"
    wait_idle(qtbot, window)
