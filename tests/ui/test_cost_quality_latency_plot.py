"""The Cost-Quality-Latency plot panel: points, limits, front, pick, hover and the comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.catalog import Catalog, LatencyProfile, ModelInfo, QualityScore
from core.frameworks import cost_quality_latency as cql
from ui.plots.common import png_bytes
from ui.plots.cost_quality_latency import (
    BUCKETS,
    CostQualityLatencyPanel,
    bucket_of,
    comparison_plot,
)

MINI = ModelInfo(
    id="gpt-4o-mini",
    provider="openai",
    input_cost_per_token=1.5e-7,
    output_cost_per_token=6e-7,
    quality=QualityScore(score=0.8),
    latency=LatencyProfile(ttft_ms=300, output_tokens_per_second=200),
)
GPT4O = ModelInfo(
    id="gpt-4o",
    provider="openai",
    input_cost_per_token=2.5e-6,
    output_cost_per_token=1e-5,
    input_cost_per_token_batch=1.25e-6,
    output_cost_per_token_batch=5e-6,
    quality=QualityScore(score=0.9),
)
OPENAI = Catalog([GPT4O, MINI])


@pytest.fixture
def panel(qtbot):
    p = CostQualityLatencyPanel()
    qtbot.addWidget(p)
    p.resize(900, 520)
    p.show()
    qtbot.waitExposed(p)
    return p


def shown(panel, r: cql.Result, qtbot) -> None:
    panel.update_result(r)
    qtbot.wait(1)  # one event-loop turn: the view box applies the new ranges


def points_of(item) -> tuple[list[float], list[float]]:
    x, y = item.getData()  # an emptied PlotDataItem gives (None, None)
    return list(x if x is not None else []), list(y if y is not None else [])


def test_points_are_grouped_by_latency_and_feasibility(panel, qtbot):
    """Defaults (10 s, $0.01, 0.7): gpt-4o real-time 5.5 s and mini real-time 2.3 s are
    feasible; both batch options (24 h) are not. All four are on the Pareto front."""
    r = cql.compute(cql.Inputs(), OPENAI)
    shown(panel, r, qtbot)
    plot = panel.scatter
    counts = {key: len(points_of(g)[0]) for key, g in plot.groups.items()}
    assert sum(counts.values()) == r.n_options == 4
    assert counts[(1, True)] == 1  # mini, 1-3 s, feasible
    assert counts[(2, True)] == 1  # gpt-4o, 3-10 s, feasible
    assert counts[(len(BUCKETS) - 1, False)] == 2  # both batch options, faded
    assert len(points_of(plot.rings)[0]) == r.n_pareto == 4


def test_limits_region_front_and_pick_sit_where_the_numbers_say(panel, qtbot):
    """Cap line at log10(0.01) = -2, quality line at 0.7, region from the left edge to the cap.
    Staircase within 10 s: mini ($0.000465, 0.8) then gpt-4o ($0.00775, 0.9); the pick is
    gpt-4o real-time."""
    r = cql.compute(cql.Inputs(), OPENAI)
    shown(panel, r, qtbot)
    plot = panel.scatter
    assert plot.cap.value() == pytest.approx(-2)
    assert plot.floor.value() == pytest.approx(0.7)
    region_x, _ = points_of(plot.region)
    assert region_x[-1] == pytest.approx(-2)
    assert plot.region.opts["fillLevel"] == pytest.approx(0.7)
    xs, ys = points_of(plot.frontier)
    a, b = math.log10(0.000465), math.log10(0.00775)
    assert xs[:3] == pytest.approx([a, b, b])
    assert ys == pytest.approx([0.8, 0.8, 0.9, 0.9])
    px, py = points_of(plot.pick)
    assert px == pytest.approx([b]) and py == pytest.approx([0.9])
    assert plot.pick_label.toPlainText() == "pick: gpt-4o (real-time)"
    assert plot.readout.text().startswith("Pick: gpt-4o (real-time) · $0.00775 a request")


def hover_at(hover, plot, cost_per_request: float, quality: float) -> str:
    """The pointer over a cost (log axis) and quality; the readout's text."""
    hover(plot.plot, math.log10(cost_per_request), quality)
    return plot.readout.text()


def test_hover_names_the_option_under_the_mouse(panel, qtbot, hover):
    """Over gpt-4o-mini real-time: $0.000465, 300 + 400 / 200 tokens/s = 2.3 s, 0.8."""
    shown(panel, cql.compute(cql.Inputs(), OPENAI), qtbot)
    text = hover_at(hover, panel.scatter, 0.000465, 0.8)
    assert text == (
        "gpt-4o-mini (real-time) · $0.000465 a request · 2.3 s · quality 0.8 · feasible · Pareto"
    )
    batch = hover_at(hover, panel.scatter, 0.003875, 0.9)
    assert batch.startswith("gpt-4o (batch) · $0.003875 a request · 24 h")
    assert "not feasible" in batch
    # Far from every point the readout goes back to the pick.
    assert hover_at(hover, panel.scatter, 0.0015, 0.75).startswith("Pick: gpt-4o (real-time)")


def test_hover_says_a_request_does_not_fit_and_splits_a_cached_cost(panel, qtbot, hover):
    """200,000 input tokens, 50% cached, real time, gpt-4o limited to a 128,000-token context.

    gpt-4o: 100,000 x 2.5e-6 + 100,000 x 1.25e-6 + 400 x 1e-5 = 0.25 + 0.125 + 0.004
    = $0.379, over its context. gpt-4o-mini (no limit known, no cached price): 200,000 x 1.5e-7
    + 400 x 6e-7 = 0.03 + 0.00024 = $0.03024, picked; its cached half at the input price.
    """
    limited = GPT4O.model_copy(
        update={"max_input_tokens": 128_000, "cache_read_input_token_cost": 1.25e-6}
    )
    x = cql.Inputs(
        input_tokens_per_request=200_000,
        cached_input_pct=50,
        max_cost_per_request_usd=1.0,
        batch_acceptable=False,
    )
    shown(panel, cql.compute(x, Catalog([limited, MINI])), qtbot)
    text = hover_at(hover, panel.scatter, 0.379, 0.9)
    assert text.startswith("gpt-4o (real-time) · $0.379 a request")
    assert "not feasible: the request exceeds its context or output limit" in text
    (left, _), (bottom, _) = panel.scatter.plot.getPlotItem().vb.viewRange()
    pick = hover_at(hover, panel.scatter, 10**left, bottom)  # far from every point: the pick
    assert pick.startswith(
        "Pick: gpt-4o-mini (real-time) · $0.03024 a request ($0.015 uncached input + $0.015 "
        "cached input + $0.00024 output)"
    )


def test_nothing_feasible_hides_the_pick_and_shows_the_advice(panel, qtbot):
    """Min quality 0.95: nothing qualifies; lowering it to gpt-4o's 0.9 is the smallest change."""
    r = cql.compute(cql.Inputs(min_quality=0.95), OPENAI)
    shown(panel, r, qtbot)
    assert points_of(panel.scatter.pick) == ([], [])
    assert not panel.scatter.pick_label.isVisible()
    assert panel.scatter.readout.text().startswith(
        "Nothing is feasible: the smallest change is to lower the minimum quality to 0.9"
    )
    assert sum(len(points_of(g)[0]) for (_, ok), g in panel.scatter.groups.items() if ok) == 0


def test_an_empty_result_draws_an_empty_plot(panel, qtbot, hover):
    r = cql.compute(cql.Inputs(), Catalog())
    shown(panel, r, qtbot)
    assert all(points_of(g) == ([], []) for g in panel.scatter.groups.values())
    assert points_of(panel.scatter.frontier) == ([], [])
    assert panel.scatter.readout.text().startswith("No candidate models to compare")
    assert hover_at(hover, panel.scatter, 0.001, 0.5).startswith("No candidate models")


def test_replotting_reuses_the_same_items(panel, qtbot):
    """Items are reused; a latency group's item is added the first time it has points (here
    the batch options turn feasible) and kept from then on."""
    shown(panel, cql.compute(cql.Inputs(), OPENAI), qtbot)
    before = list(panel.scatter.plot.getPlotItem().items)
    shown(panel, cql.compute(cql.Inputs(max_latency_ms=86_400_000), OPENAI), qtbot)
    after = list(panel.scatter.plot.getPlotItem().items)
    added = [it for it in after if it not in before]
    assert after[: len(before)] == before
    assert added == [panel.scatter.groups[(len(BUCKETS) - 1, True)]]
    # With a day to spare the pick moves to gpt-4o batch at $0.003875.
    px, _ = points_of(panel.scatter.pick)
    assert px == pytest.approx([math.log10(0.003875)])
    shown(panel, cql.compute(cql.Inputs(), OPENAI), qtbot)
    assert list(panel.scatter.plot.getPlotItem().items) == after


def test_marks_made_with_the_first_points_keep_their_place(panel, qtbot):
    """The rings, the star and the pick's name are made with the first points (none at a
    start-up before the catalog loads): listed before the latency groups, as the plot's menu
    exports them, and drawn under the limit lines and the rank numbers."""
    shown(panel, cql.compute(cql.Inputs(), Catalog()), qtbot)
    plot = panel.scatter
    assert plot._marks is None
    shown(panel, cql.compute(cql.Inputs(), OPENAI), qtbot)
    data = [it for it in plot.plot.getPlotItem().items if hasattr(it, "implements")]
    assert data[:4] == [plot.region, plot.frontier, plot.rings, plot.pick]
    assert set(data[4:]) == set(plot.groups.values())
    drawn = plot.plot.getPlotItem().vb.childGroup.childItems()  # bottom to top
    over = [plot.rings, plot.pick, plot.pick_label, plot.cap, plot.floor, *plot.rank_labels]
    assert sorted(over, key=drawn.index) == over


def test_free_models_sit_at_a_tenth_of_the_cheapest_cost(panel, qtbot):
    """The log axis has no zero: a $0 self-hosted model is drawn at min(non-zero) / 10."""
    free = ModelInfo(
        id="self-hosted",
        provider="custom",
        input_cost_per_token=0,
        output_cost_per_token=0,
        quality=QualityScore(score=0.75),
    )
    r = cql.compute(cql.Inputs(batch_acceptable=False), Catalog([free, MINI]))
    shown(panel, r, qtbot)
    xs = sorted(x for g in panel.scatter.groups.values() for x in points_of(g)[0])
    assert xs[0] == pytest.approx(math.log10(0.000465 / 10))
    assert all(np.isfinite(xs))


def test_buckets_split_latencies_at_their_edges():
    assert bucket_of(np.array([999, 1000, 2999, 9999, 59_999, 3_599_999, 86_400_000])).tolist() == [
        0,
        1,
        1,
        2,
        3,
        4,
        5,
    ]


def test_plots_and_rendering(panel, qtbot):
    shown(panel, cql.compute(cql.Inputs(), OPENAI), qtbot)
    [(title, plot)] = panel.plots()
    assert title == "Cost vs quality"
    assert png_bytes(plot).startswith(b"\x89PNG")


def test_comparison_overlays_fronts_and_picks(qtbot):
    """A: 10 s budget, picks gpt-4o real-time ($0.00775). B: a day, picks gpt-4o batch."""
    a = cql.compute(cql.Inputs(), OPENAI)
    b = cql.compute(cql.Inputs(max_latency_ms=86_400_000), OPENAI)
    plot = comparison_plot([("A", a), ("B", b)])
    qtbot.addWidget(plot)
    names = [label.text for _, label in plot.getPlotItem().legend.items]
    assert names == [
        "A: Pareto front",
        "A: best quality per cost",
        "A: pick gpt-4o (real-time)",
        "B: Pareto front",
        "B: best quality per cost",
        "B: pick gpt-4o (batch)",
    ]
    stars = [
        it for it in plot.getPlotItem().items if getattr(it, "opts", {}).get("symbol") == "star"
    ]
    assert [points_of(s)[0] for s in stars] == [
        pytest.approx([math.log10(0.00775)]),
        pytest.approx([math.log10(0.003875)]),
    ]


class _Click:
    """A left click as pyqtgraph's legend sample receives it."""

    def button(self) -> Qt.MouseButton:
        return Qt.MouseButton.LeftButton

    def accept(self) -> None:
        pass


def test_legend_keys_and_what_a_click_on_each_hides(panel, qtbot):
    """The front line's sample hides the line; the others stand for no item of the plot (they
    draw their own look) and a click crosses out only themselves."""
    shown(panel, cql.compute(cql.Inputs(), OPENAI), qtbot)
    plot = panel.scatter
    entries = plot.legend.items
    assert [label.text for _, label in entries] == [
        "on the Pareto front (ringed)",
        "best quality per cost, within the latency budget",
        "within the cost and quality limits",
        "pick",
        "7: rank in the options table",
    ]
    items = plot.plot.getPlotItem().items
    for sample, _ in entries:
        sample.mouseClickEvent(_Click())
        assert not sample.item.isVisible()
    assert [it for it in items if not it.isVisible()] == [plot.frontier]
    for sample, _ in entries:
        sample.mouseClickEvent(_Click())
    assert all(it.isVisible() for it in items)
