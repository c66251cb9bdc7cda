"""The Model Selection plot panel: stacked score bars, the weight map, hover and compare."""

from __future__ import annotations

import numpy as np
import pytest

from core import analysis
from core.frameworks import model_selection as msel
from core.frameworks.model_selection import Candidate, Inputs, compute
from ui.plots.common import png_bytes
from ui.plots.model_selection import (
    MAX_NAME_PX,
    ModelSelectionPanel,
    candidate_colour,
    comparison_plot,
    to_weights,
    to_xy,
)


@pytest.fixture
def panel(qtbot):
    p = ModelSelectionPanel()
    qtbot.addWidget(p)
    p.resize(1000, 450)
    p.show()
    qtbot.waitExposed(p)
    return p


def bar_data(panel, criterion):
    opts = panel.bars.bars[criterion].opts
    return np.asarray(opts["x0"]), np.asarray(opts["width"]), np.asarray(opts["y"])


def test_stacked_bars_add_up_to_the_totals(panel):
    """Defaults: gpt-4o-mini on top with 0.325 + 0.3 + 0.1896 = 0.8146 (see the core tests)."""
    r = compute(Inputs())
    panel.update_result(r)
    q0, qw, y = bar_data(panel, "quality")
    l0, lw, _ = bar_data(panel, "latency")
    c0, cw, _ = bar_data(panel, "cost")
    assert y.tolist() == [2.0, 1.0, 0.0]  # rank 1 drawn on top
    np.testing.assert_allclose(q0, 0)
    np.testing.assert_allclose(l0, qw)
    np.testing.assert_allclose(c0, qw + lw)
    np.testing.assert_allclose(c0 + cw, [c.total for c in r.ranked])
    assert (qw[0], lw[0], cw[0]) == pytest.approx((0.325, 0.3, 0.2 * 0.9479505530))
    ticks = panel.bars.plot.getPlotItem().getAxis("left")._tickLevels[0]
    assert [t[1] for t in ticks] == [
        "1. gpt-4o-mini",
        "2. gpt-4o",
        "3. llama-3.1-8b-instruct",
    ]
    assert [t.toPlainText() for t in panel.bars.labels] == ["0.815", "0.500", "0.455"]


def test_gated_candidates_are_listed_without_a_bar(panel):
    r = compute(Inputs(gate_latency=True, max_latency_ms=2000))
    panel.update_result(r)
    _, widths, y = bar_data(panel, "quality")
    assert len(widths) == 2 and y.tolist() == [2.0, 1.0]
    ticks = panel.bars.plot.getPlotItem().getAxis("left")._tickLevels[0]
    assert (0.0, "gpt-4o (gated: latency)") in ticks


def test_long_names_widen_the_axis_then_are_elided(panel):
    """pyqtgraph drops a tick label wider than its axis: the axis grows to fit, up to a limit."""
    axis = panel.bars.plot.getPlotItem().getAxis("left")
    panel.update_result(compute(Inputs()))
    narrow = axis.fixedWidth
    long_name = "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo-with-a-long-suffix"
    extra = Candidate(name=long_name, accuracy=0.8, avg_latency_ms=900, cost_usd=0.0004)
    panel.update_result(compute(Inputs(candidates=[*Inputs().candidates, extra])))
    assert axis.fixedWidth > narrow
    assert axis.fixedWidth <= MAX_NAME_PX + 16
    labels = [text for _, text in axis._tickLevels[0]]
    shown = next(t for t in labels if t.startswith("2. together_ai"))
    assert "…" in shown and shown.endswith("long-suffix")


def test_weight_map_colours_each_winner_region(panel):
    r = compute(Inputs())
    panel.update_result(r)
    wm = panel.weight_map
    counts = [len(s.getData()[0]) for s in wm.series[: len(r.weight_map.names)]]
    assert sum(counts) == len(analysis.simplex_grid(msel.MAP_RESOLUTION)) == 3321
    assert counts == [r.weight_map.winners.count(i) for i in range(3)]
    assert all(counts)  # each of the three wins somewhere
    # Each region is drawn in its candidate's colour.
    for i, name in enumerate(r.weight_map.names):
        row = r.row(name)
        brush = wm.series[i].opts["brush"]
        assert brush.color().name() == candidate_colour(row.input_index)
    # The current weights are starred where 0.5 / 0.3 / 0.2 sits in the triangle.
    x, y = wm.current.getData()
    assert (x[0], y[0]) == pytest.approx((0.5 * 0.5 + 0.2, np.sqrt(3) / 2 * 0.5))
    legend = [label.text for _, label in wm.legend.items]
    assert legend == [*r.weight_map.names, "current weights"]
    # The dashed line runs to the nearest weights where gpt-4o ties.
    fx, fy = wm.flip_marker.getData()
    assert (fx[0], fy[0]) == pytest.approx(tuple(np.ravel(to_xy(r.flip.weights.as_array()))))
    assert wm.flip_label.toPlainText() == "gpt-4o ties here"


def test_triangle_coordinates_round_trip():
    """Corners: quality (0.5, √3/2), latency (0, 0), cost (1, 0); outside gives None."""
    for w in analysis.simplex_grid(7):
        x, y = to_xy(w)
        np.testing.assert_allclose(to_weights(float(x[0]), float(y[0])), w, atol=1e-12)
    assert to_weights(0.9, 0.8) is None
    assert to_weights(0.5, -0.1) is None


def hover_at_weights(hover, wm, quality: float, latency: float, cost: float) -> str:
    """The pointer over these weights of the triangle; the readout's text."""
    x, y = to_xy(np.array([quality, latency, cost]) / (quality + latency + cost))
    # Quality 0 is the triangle's bottom edge: aimed half a pixel above, the pointer's pixel
    # lies inside the triangle rather than a rounding below it.
    half_pixel = wm.plot.getPlotItem().vb.viewPixelSize()[1] / 2
    hover(wm.plot, float(x[0]), float(y[0]) + half_pixel)
    return wm.readout.text()


def test_hover_reads_out_weights_and_winner(panel, hover):
    r = compute(Inputs())
    panel.update_result(r)
    wm = panel.weight_map
    assert wm.readout.text() == "quality 0.50 · latency 0.30 · cost 0.20 → gpt-4o-mini"
    text = hover_at_weights(hover, wm, 0.9, 0.05, 0.05)
    assert text.startswith("quality 0.90 · latency 0.05 · cost 0.05")
    assert text.endswith("→ gpt-4o")
    assert hover_at_weights(hover, wm, 0.0, 0.1, 0.9).endswith("→ llama-3.1-8b-instruct")


def test_everything_gated_out_clears_the_map(panel, hover):
    panel.update_result(compute(Inputs()))
    r = compute(Inputs(gate_latency=True, max_latency_ms=1000))
    panel.update_result(r)
    assert all(len(s.getData()[0]) == 0 for s in panel.weight_map.series)
    assert len(panel.weight_map.current.getData()[0]) == 0
    assert panel.weight_map.readout.text().startswith("No candidate passes the gates")
    assert len(bar_data(panel, "quality")[1]) == 0
    assert hover_at_weights(hover, panel.weight_map, 1, 1, 1).startswith("No candidate")


def test_items_are_reused_across_updates(panel):
    panel.update_result(compute(Inputs()))
    bars = dict(panel.bars.bars)
    series = list(panel.weight_map.series)
    two = [Candidate(name="A", accuracy=0.9, avg_latency_ms=1000, cost_usd=0.001)]
    panel.update_result(compute(Inputs(candidates=two)))
    assert panel.bars.bars == bars
    assert panel.weight_map.series == series  # the spare series are emptied, not deleted
    assert len(series[1].getData()[0]) == 0


def test_plots_render_to_png(panel):
    panel.update_result(compute(Inputs()))
    titles = [title for title, _ in panel.plots()]
    assert titles == ["Weighted scores", "Who wins at which weights"]
    for _, plot in panel.plots():
        assert png_bytes(plot).startswith(b"\x89PNG")


def test_comparison_plot_puts_both_scenarios_side_by_side(qtbot):
    a = compute(Inputs())
    b = compute(Inputs(weight_quality=0.9, weight_latency=0.05, weight_cost=0.05))
    plot = comparison_plot([("Balanced", a), ("Quality first", b)])
    qtbot.addWidget(plot)
    bars = [i for i in plot.getPlotItem().items if hasattr(i, "opts") and "height" in i.opts]
    assert len(bars) == 2
    heights = [sorted(np.asarray(bar.opts["height"]).tolist()) for bar in bars]
    assert heights[0] == pytest.approx(sorted(c.total for c in a.ranked))
    assert heights[1] == pytest.approx(sorted(c.total for c in b.ranked))
    legend = [label.text for _, label in plot.getPlotItem().legend.items]
    assert legend == ["Balanced: gpt-4o-mini", "Quality first: gpt-4o"]


@pytest.mark.parametrize("size", [(507, 700), (330, 400), (900, 400)], ids=str)
def test_the_corner_labels_stay_inside_the_weight_map(qtbot, size):
    """A tall view kept the y range it was given last and narrowed x to match (the aspect is
    locked): 'latency = 1' fell off the left side (seen at 2x scaling)."""
    import pyqtgraph as pg

    from ui.plots.model_selection import WeightMapPlot

    plot = WeightMapPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.update_result(compute(Inputs()))
    plot.show()
    qtbot.waitExposed(plot)
    corners = [
        item
        for item in plot.plot.scene().items()
        if isinstance(item, pg.TextItem) and item.toPlainText().endswith(" = 1")
    ]
    assert len(corners) == 3

    def outside() -> list[str]:
        view = plot.plot.getPlotItem().getViewBox().sceneBoundingRect()
        return [c.toPlainText() for c in corners if not view.contains(c.sceneBoundingRect())]

    # The view takes its size and range on the next turns of the event loop.
    qtbot.waitUntil(lambda: not outside(), timeout=2_000)
