"""The RAG vs Fine-tuning plot panel: cost curves, crossover, hover readouts, score bars."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pytest

from core.frameworks import rag_vs_finetuning as rvf
from ui.plots.common import png_bytes
from ui.plots.rag_vs_finetuning import RagVsFinetuningPanel, comparison_plot, short_count


@pytest.fixture
def panel(qtbot):
    p = RagVsFinetuningPanel()
    qtbot.addWidget(p)
    p.resize(900, 800)
    p.show()
    qtbot.waitExposed(p)
    return p


@pytest.fixture
def defaults():
    return rvf.compute(rvf.Inputs())


def test_cost_curves_are_the_result_series(panel, defaults):
    panel.update_result(defaults)
    series = {
        "rag": defaults.rag_monthly,
        "fine-tuning": defaults.fine_tuning_monthly,
        "hybrid": defaults.hybrid_monthly,
    }
    for option, curve in panel.cost.curves.items():
        np.testing.assert_array_equal(curve.xData, defaults.volumes)
        np.testing.assert_array_equal(curve.yData, series[option])
    item = panel.cost.plot.getPlotItem()
    assert item.ctrl.logXCheck.isChecked() and item.ctrl.logYCheck.isChecked()


def test_crossover_is_marked_where_the_result_puts_it(panel, defaults):
    """Defaults: 340.4167 / 0.00012 = 2,836,805.6 requests a month at $2,283.85 a month."""
    panel.update_result(defaults)
    xs, ys = panel.cost.crossover.xData, panel.cost.crossover.yData
    assert xs[0] == pytest.approx(2_836_805.56, abs=0.01)
    assert ys[0] == pytest.approx(2283.85, abs=0.01)
    label = panel.cost.crossover_label
    assert label.isVisible() and "2.84M" in label.toPlainText()
    assert label.pos().x() == pytest.approx(math.log10(xs[0]))
    assert panel.cost.volume_line.value() == pytest.approx(6)  # log10 of 1,000,000


def test_no_crossover_hides_the_marker_and_keeps_the_items(panel, defaults):
    """top_k 1 x 100 tokens: RAG's requests are the cheaper (0.00027 < 0.00051): never."""
    panel.update_result(defaults)
    curves = dict(panel.cost.curves)
    never = rvf.compute(rvf.Inputs(top_k=1, chunk_tokens=100))
    panel.update_result(never)
    assert panel.cost.crossover.xData is None or len(panel.cost.crossover.xData) == 0
    assert not panel.cost.crossover_label.isVisible()
    assert panel.cost.curves == curves  # updated in place, not rebuilt
    np.testing.assert_array_equal(panel.cost.curves["rag"].yData, never.rag_monthly)


def test_readout_names_the_three_costs_at_the_entered_volume(panel, defaults):
    """1,000,000 requests: RAG 496.667 + 630 = $1,127; FT 837.083 + 510 = $1,347;
    hybrid 1,333.75 + 1,260 = $2,594 a month."""
    panel.update_result(defaults)
    assert panel.cost.readout.text() == (
        "1,000,000 requests a month: RAG $1,127 · fine-tuning $1,347 · hybrid $2,594 a month · "
        "cheapest: RAG"
    )


def test_hover_moves_the_readout_and_the_cheapest_changes_past_the_crossover(
    qtbot, panel, defaults, hover
):
    """At 100M requests: RAG 496.667 + 63,000 = $63,497; FT 837.083 + 51,000 = $51,837:
    past the 2.84M crossover fine-tuning is the cheapest. At 100k: RAG $560 is."""
    panel.update_result(defaults)
    panel.cost.plot.resize(800, 400)
    view = panel.cost.plot.getPlotItem().vb
    # The view ranges itself over the new data on its next paint (10^4 .. 10^9 requests).
    qtbot.waitUntil(lambda: view.viewRange()[0][0] < 5 and view.viewRange()[0][1] > 8.5)
    middle = float(np.mean(view.viewRange()[1]))
    # The readout shows the first sample at or after the pointer: aimed half a pixel before a
    # sample, the pointer lands on the pixel that reads it.
    half_pixel = view.viewPixelSize()[0] / 2
    hover(panel.cost.plot, math.log10(1e8) - half_pixel, middle)
    high = panel.cost.readout.text()
    assert high.startswith("100,000,000 requests a month")
    assert "RAG $63,497" in high and "fine-tuning $51,837" in high
    assert high.endswith("cheapest: fine-tuning")
    assert panel.cost.hover_line.isVisible()
    assert panel.cost.hover_line.value() == pytest.approx(8)
    hover(panel.cost.plot, math.log10(1e5) - half_pixel, middle)
    low = panel.cost.readout.text()
    assert low.startswith("100,000 requests a month") and low.endswith("cheapest: RAG")


def test_score_bars_are_the_dimension_scores_and_totals(panel, defaults):
    panel.update_result(defaults)
    for option, bar in panel.scores.bars.items():
        expected = [d.score_of(option).score for d in defaults.dimensions]
        expected.append(defaults.option(option).total_score)
        np.testing.assert_allclose(bar.opts["height"], expected)
    ticks = panel.scores.plot.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == [
        "Time 17%",
        "Latency 17%",
        "Cost 17%",
        "Currency 17%",
        "Quality 17%",
        "Fit 17%",
        "Total",
    ]


def test_score_hover_explains_each_option(panel, defaults, hover):
    """Knowledge currency: fine-tuning 10 / (1 + 4 x 3) = 0.77, and why."""
    panel.update_result(defaults)
    panel.scores.plot.resize(800, 400)
    hover(panel.scores.plot, 3, 5.0)
    text = panel.scores.readout.text()
    assert text.startswith("Knowledge currency (17% of the weight).")
    assert "Fine-tuning 0.8: knowledge changes 4 times a month" in text
    hover(panel.scores.plot, 6, 5.0)
    total = panel.scores.readout.text()
    assert total.startswith("Weighted total (0-10): RAG 8.35, Fine-tuning 4.76, Hybrid 6.13")


def test_plots_are_titled_and_render(panel, defaults):
    panel.update_result(defaults)
    plots = panel.plots()
    assert [t for t, _ in plots] == ["Monthly cost against volume", "Scores by dimension"]
    for _, widget in plots:
        assert isinstance(widget, pg.PlotWidget)
        assert png_bytes(widget)[:4] == b"\x89PNG"


def test_a_free_scenario_draws_without_warnings(panel):
    """All prices and fixed costs 0 and no requests: zero costs on a log axis must not break."""
    free = rvf.Inputs(
        base_input_cost_per_token=0,
        base_output_cost_per_token=0,
        finetuned_input_cost_per_token=0,
        finetuned_output_cost_per_token=0,
        vector_store_cost_per_month=0,
        embedding_cost_per_month=0,
        rag_setup_cost=0,
        data_preparation_cost=0,
        training_cost_per_token=0,
        requests_per_month=0,
    )
    r = rvf.compute(free)
    panel.update_result(r)
    assert not panel.cost.volume_line.isVisible()
    assert panel.cost.readout.text().endswith("cheapest: RAG")
    assert png_bytes(panel.cost.plot)[:4] == b"\x89PNG"


def test_comparison_plot_draws_every_scenario(qtbot, defaults):
    """Two scenarios: 3 curves each plus one crossover marker each."""
    dearer = rvf.compute(rvf.Inputs(data_preparation_cost=40_000))
    plot = comparison_plot([("A", defaults), ("B", dearer)])
    qtbot.addWidget(plot)
    items = plot.getPlotItem().listDataItems()
    names = [i.name() for i in items if i.name()]
    assert names == [
        "A: RAG",
        "A: fine-tuning",
        "A: hybrid",
        "B: RAG",
        "B: fine-tuning",
        "B: hybrid",
    ]
    markers = [i for i in items if not i.name()]
    assert [m.xData[0] for m in markers] == pytest.approx(
        [defaults.crossover_requests_per_month, dearer.crossover_requests_per_month]
    )


@pytest.mark.parametrize(
    ("value", "text"), [(1, "1"), (350, "350"), (12_000, "12k"), (1_500_000, "1.5M"), (3e9, "3B")]
)
def test_short_count(value, text):
    assert short_count(value) == text
