"""The Build vs Buy tab driven as a user would: typing, undo, invalid values, hover."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt


@pytest.fixture
def tab(window):
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    return tab


def test_defaults_show_the_worked_example(tab):
    """5e-6 $/token x 500e9 tokens = $2,500,000 a year; 500k / (2.5M - 100k) = 0.21 y."""
    card = tab.card
    assert card.badge.text() == "BUILD"
    assert card.figure_text("api_annual_cost") == "$2,500,000"
    assert card.figure_text("custom_annual_cost") == "$200,000"
    assert card.figure_text("breakeven_years") == "0.21 years (2.5 months)"


def test_editing_a_field_updates_card_and_plot(qtbot, tab):
    """Training $5M: breakeven 5,000,000 / 2,400,000 = 2.083 years, still under 3: build.
    Training $10M: 10,000,000 / 2,400,000 = 4.17 years, over the horizon: buy."""
    tab.set_field_text("training_cost", "5,000,000")
    assert tab.card.figure_text("breakeven_years") == "2.08 years"
    xs, _ = tab.panel.cumulative.marker.getData()
    assert xs[0] == pytest.approx(5_000_000 / 2_400_000)
    assert tab.card.badge.text() == "BUILD"

    tab.set_field_text("training_cost", "10M")
    assert tab.card.figure_text("breakeven_years") == "4.17 years"
    assert tab.card.badge.text() == "BUY"
    assert "later than the 3-year" in tab.card.rationale.text()


def test_invalid_value_is_marked_and_last_result_stays(qtbot, tab, window):
    tab.set_field_text("training_cost", "2,400,000")  # breakeven exactly 1 year
    assert tab.card.figure_text("breakeven_years") == "1.00 years"
    tab.set_field_text("training_cost", "-5")
    error = tab.form.fields["training_cost"].error
    assert error.isVisibleTo(tab) and error.text() == "must be at least $0"
    assert tab.card.figure_text("breakeven_years") == "1.00 years"
    assert tab.card.stale_banner.isVisibleTo(tab)
    assert tab.inputs.training_cost == 2_400_000

    tab.set_field_text("training_cost", "lots")
    assert error.text() == "must be a number"

    tab.set_field_text("training_cost", "1,200,000")  # 1.2M / 2.4M = 0.5 years
    assert not error.isVisibleTo(tab)
    assert not tab.card.stale_banner.isVisibleTo(tab)
    assert tab.card.figure_text("breakeven_years") == "0.50 years (6.0 months)"


def test_undo_and_redo_restore_inputs_and_result(qtbot, tab, window):
    assert not window.isWindowModified()
    tab.set_field_text("serving_cost_per_year", "3,000,000")  # dearer than the API: never
    assert tab.card.figure_text("breakeven_years") == "never"
    assert tab.card.badge.text() == "BUY"
    assert window.isWindowModified()
    assert window.tabs.tabText(window.tabs.currentIndex()).endswith("*")

    window.act_undo.trigger()
    assert tab.form.fields["serving_cost_per_year"].widget.text() == "100,000"
    assert tab.card.figure_text("breakeven_years") == "0.21 years (2.5 months)"
    assert not window.isWindowModified()

    window.act_redo.trigger()
    assert tab.form.fields["serving_cost_per_year"].widget.text() == "3,000,000"
    assert tab.card.badge.text() == "BUY"


def test_typing_in_one_field_is_one_undo_step(qtbot, tab, window):
    for text in ("6", "60", "600", "600,000"):
        tab.set_field_text("training_cost", text)
    tab.set_field_text("serving_cost_per_year", "200,000")
    assert tab.undo_stack.count() == 2
    window.act_undo.trigger()
    window.act_undo.trigger()
    assert tab.inputs.training_cost == 500_000


def test_arrow_keys_step_a_number_field(qtbot, tab):
    widget = tab.form.widget("decision_horizon_years")
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_Up)
    assert tab.inputs.decision_horizon_years == 3.5
    qtbot.keyClick(widget, Qt.Key.Key_Down)
    qtbot.keyClick(widget, Qt.Key.Key_Down)
    assert tab.inputs.decision_horizon_years == 2.5


def test_extensions_change_the_curves(qtbot, tab):
    """Discounting at 10% a year: the 3-year API total falls below the nominal $7.5M."""
    tab.set_field_text("discount_rate_pct", "10")
    assert tab.result.curve_basis == "present value"
    assert tab.result.buy_pv < 7_500_000
    assert "present value" in tab.panel.cumulative.plot.getPlotItem().getAxis("left").labelText


def test_hover_readout_names_both_costs(qtbot, tab, hover):
    """At year 1: buy 2.5M; build 500k + 100k = 600k; building saves 1.9M."""
    cumulative = tab.panel.cumulative
    cumulative.plot.resize(800, 400)
    view = cumulative.plot.getPlotItem().vb
    # The readout shows the first month at or after the pointer: aimed half a pixel before
    # year 1, the pointer lands on the pixel that reads it.
    hover(cumulative.plot, 1.0 - view.viewPixelSize()[0] / 2, float(np.mean(view.viewRange()[1])))
    text = cumulative.readout.text()
    assert "Year 1.00" in text
    assert "buy $2,500,000" in text and "build $600,000" in text
    assert "building saves $1,900,000" in text


def test_window_title_names_the_scenario(tab, window):
    assert window.windowTitle().startswith("Untitled")
    assert "Build vs Buy" in window.windowTitle()


def test_reset_to_defaults_is_undoable(qtbot, tab, window):
    tab.set_field_text("training_cost", "900,000")
    window.act_reset.trigger()
    assert tab.inputs.training_cost == 500_000
    assert tab.form.fields["training_cost"].widget.text() == "500,000"
    window.act_undo.trigger()
    assert tab.inputs.training_cost == 900_000


def test_values_shown_after_undo_read_back_exactly(qtbot, tab, window):
    """A restored value must not be rounded by its display: editing another field afterwards
    must keep it exactly (the form re-reads every field on each edit)."""
    tab.set_field_text("training_cost", "1234567.5")
    tab.set_field_text("serving_cost_per_year", "100,001")
    window.act_undo.trigger()
    window.act_redo.trigger()
    window.act_undo.trigger()
    tab.set_field_text("decision_horizon_years", "4")
    assert tab.inputs.training_cost == 1234567.5


def test_fields_that_do_not_apply_are_greyed_out(qtbot, tab, window):
    """The entered serving cost is ignored once serving is estimated from GPUs, and the GPU
    fields only matter then; undo brings the switch and the greying back."""
    gpu_switch = tab.form.widget("use_gpu_estimate")
    serving = tab.form.widget("serving_cost_per_year")
    gpu_price = tab.form.widget("gpu_hourly_price")
    assert serving.isEnabled() and not gpu_price.isEnabled()
    gpu_switch.click()
    assert tab.inputs.use_gpu_estimate
    assert not serving.isEnabled() and gpu_price.isEnabled()
    window.act_undo.trigger()
    assert not gpu_switch.isChecked()
    assert serving.isEnabled() and not gpu_price.isEnabled()
