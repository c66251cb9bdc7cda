"""Plot labels stay apart and inside their plots: a line's label never covers a point's
name; Model Selection's bars say what each candidate costs, in dollars a request; the
Cost-Quality-Latency points carry their rank in the options table."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from core.catalog import Catalog, LatencyProfile, ModelInfo, QualityScore
from core.frameworks import architecture_patterns as arch
from core.frameworks import cost_quality_latency as cql
from core.frameworks import model_selection as msel
from core.frameworks.common import usd
from ui.plots.architecture_patterns import CostQualityPlot
from ui.plots.cost_quality_latency import CostQualityPlot as CqlPlot
from ui.plots.model_selection import ScoreBarsPlot


@pytest.mark.parametrize("size", [(360, 260), (420, 300), (900, 420)])
@pytest.mark.parametrize("target_pct", [80, 95, 97, 99])
def test_architecture_target_label_keeps_off_the_pattern_names(qtbot, size, target_pct) -> None:
    """Modular (the pick at $10.8k, 100%) sits just above a 95-99% target with its name under
    it, where the target's label used to print over it."""
    plot = CostQualityPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    plot.update_result(arch.compute(arch.Inputs(target_quality_share_pct=target_pct)))
    qtbot.wait(10)
    box = plot.target.label.sceneBoundingRect()
    assert box.width() > 0
    for name, label in plot.labels.items():
        assert not label.sceneBoundingRect().intersects(box), name
    # The label is still inside the plot's view.
    view = plot.plot.getPlotItem().vb.sceneBoundingRect()
    assert view.contains(box)


def test_architecture_target_label_moves_when_the_plot_is_resized(qtbot) -> None:
    plot = CostQualityPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 420)
    plot.show()
    qtbot.waitExposed(plot)
    plot.update_result(arch.compute(arch.Inputs(target_quality_share_pct=97)))
    plot.resize(360, 260)
    qtbot.wait(10)
    box = plot.target.label.sceneBoundingRect()
    assert not any(lb.sceneBoundingRect().intersects(box) for lb in plot.labels.values())


def test_architecture_target_label_follows_every_update(qtbot) -> None:
    """The label is placed after each update has moved everything: when the new ranges map
    the view anew (placed on the new mapping) and when they do not (only the target moved)."""
    plot = CostQualityPlot()
    qtbot.addWidget(plot)
    plot.resize(420, 300)
    plot.show()
    qtbot.waitExposed(plot)
    view = plot.plot.getPlotItem().vb
    for inputs in (
        arch.Inputs(target_quality_share_pct=80),
        arch.Inputs(target_quality_share_pct=97),  # the same ranges: the target alone moves
        arch.Inputs(target_quality_share_pct=97, requests_per_day=2_000_000),  # new ranges
    ):
        before = view.viewRange()
        plot.update_result(arch.compute(inputs))
        qtbot.wait(10)
        box = plot.target.label.sceneBoundingRect()
        plot._place_target_label()  # placing it again finds it where it is
        assert plot.target.label.sceneBoundingRect() == box, (inputs, before)
        assert not any(lb.sceneBoundingRect().intersects(box) for lb in plot.labels.values())


@pytest.mark.parametrize("size", [(260, 360), (420, 360), (900, 420)])
def test_model_selection_bars_say_each_cost_with_its_unit_inside_the_plot(qtbot, size) -> None:
    plot = ScoreBarsPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    result = msel.compute(msel.Inputs(gate_latency=True, max_latency_ms=3000))
    plot.update_result(result)
    qtbot.wait(10)
    shown = [m.toPlainText() for m in plot.measures if m.isVisible()]
    candidates = [*result.ranked, *result.gated_out]
    assert len(shown) == len(candidates) == 3
    for text, c in zip(shown, candidates, strict=True):
        assert text.startswith(f"{usd(c.cost_per_request_usd)} a request"), text
    view = plot.plot.getPlotItem().vb.sceneBoundingRect()
    for measure in plot.measures:
        assert view.contains(measure.sceneBoundingRect())


def _model(name: str, price: float, quality: float) -> ModelInfo:
    return ModelInfo(
        id=name,
        provider="openai",
        input_cost_per_token=price,
        output_cost_per_token=4 * price,
        input_cost_per_token_batch=price / 2,
        output_cost_per_token_batch=2 * price,
        quality=QualityScore(score=quality),
        latency=LatencyProfile(ttft_ms=300, output_tokens_per_second=100),
    )


def test_cost_quality_points_carry_their_rank_in_the_options_table(qtbot) -> None:
    catalog = Catalog([_model(f"m{i}", 1e-7 * (i + 1), 0.8 + i / 100) for i in range(6)])
    plot = CqlPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 420)
    plot.show()
    result = cql.compute(cql.Inputs(), catalog)
    plot.update_result(result)
    shown = [label.toPlainText() for label in plot.rank_labels]
    ranks = {int(rank) for text in shown for rank in text.split(", ")}
    assert result.pick is not None
    assert len(result.options) > 6
    assert ranks == {o.rank for o in result.options} - {result.pick.rank}
    assert plot.pick_label.toPlainText() == f"pick: {result.pick.label}"
    # A shorter result hides the labels it no longer needs.
    plot.update_result(cql.compute(cql.Inputs(candidate_models=["m0"]), catalog))
    assert len(plot.rank_labels) < len(shown)
    assert all(label.isVisible() for label in plot.rank_labels)
    assert sum(label.isVisible() for label in plot._rank_pool) == len(plot.rank_labels)


@pytest.mark.parametrize("size", [(560, 340), (900, 420)])
def test_cost_quality_limit_labels_cover_no_point_or_number(qtbot, size) -> None:
    """The cheapest model just above the minimum quality sat under 'min quality 0.8'."""
    qualities = [0.81, 0.83, 0.86, 0.9, 0.93, 0.95]
    catalog = Catalog([_model(f"m{i}", 1e-7 * 2**i, q) for i, q in enumerate(qualities)])
    plot = CqlPlot()
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    plot.update_result(cql.compute(cql.Inputs(min_quality=0.8), catalog))
    qtbot.wait(10)
    vb = plot.plot.getPlotItem().vb
    points = [vb.mapViewToScene(QPointF(x, y)) for x, y in zip(plot._x, plot._y, strict=True)]
    for line in (plot.floor, plot.cap):
        box = line.label.sceneBoundingRect()
        assert vb.sceneBoundingRect().contains(box)
        assert not any(box.contains(p) for p in points)
        # Text boxes carry a few pixels of padding around the ink: those may touch.
        for text in plot.rank_labels:
            overlap = text.sceneBoundingRect().intersected(box)
            assert overlap.isEmpty() or min(overlap.width(), overlap.height()) < 4
    for text in plot.rank_labels:
        assert not any(text.sceneBoundingRect().contains(p) for p in points)


def test_cost_quality_legend_takes_a_corner_clear_of_the_points(qtbot) -> None:
    """Dear, weaker models fill the bottom right, where the legend sat over them."""
    qualities = [0.95, 0.62, 0.64, 0.66, 0.68, 0.7]
    catalog = Catalog([_model(f"m{i}", 1e-7 * 3**i, q) for i, q in enumerate(qualities)])
    plot = CqlPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 420)
    plot.show()
    qtbot.waitExposed(plot)
    plot.update_result(cql.compute(cql.Inputs(min_quality=0.6), catalog))
    qtbot.wait(10)
    vb = plot.plot.getPlotItem().vb
    box = plot.legend.sceneBoundingRect()
    assert vb.sceneBoundingRect().contains(box)
    points = [vb.mapViewToScene(QPointF(x, y)) for x, y in zip(plot._x, plot._y, strict=True)]
    assert not any(box.contains(p) for p in points)
