"""The Architecture Patterns plot panel: stacked cost bars, the cost-quality scatter, hover,
compare, images; and the form the generic builder makes of its inputs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFontMetrics

from core.frameworks.architecture_patterns import Inputs, TaskType, compute
from ui.form import FormProviders, InputForm
from ui.list_editors import ModelChoiceCombo, RecordsEditor
from ui.plots.architecture_patterns import (
    OPERATIONS_COLOUR,
    ArchitecturePatternsPanel,
    comparison_plot,
    task_colour,
)
from ui.plots.common import png_bytes


@pytest.fixture
def panel(qtbot):
    p = ArchitecturePatternsPanel()
    qtbot.addWidget(p)
    p.resize(1100, 460)
    p.show()
    qtbot.waitExposed(p)
    return p


def bars(panel, i):
    opts = panel.bars.task_bars[i].opts
    return np.asarray(opts["x"]), np.asarray(opts["y0"]), np.asarray(opts["height"])


def test_bars_stack_each_task_type_and_operations_to_the_total(panel):
    """Defaults (see the core tests): totals $12,521, $10,836.35 and $6,397.36 a month;
    operations $0, $4,000 and $2,000 on top of the four task types."""
    r = compute(Inputs())
    panel.update_result(r)
    assert len(panel.bars.task_bars) == 4
    x, y0, h = bars(panel, 0)
    assert x.tolist() == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(y0, 0)
    np.testing.assert_allclose(h, [o.tasks[0].monthly_cost_usd for o in r.patterns])
    top = np.zeros(3)
    for i in range(4):
        _, y0, h = bars(panel, i)
        np.testing.assert_allclose(y0, top)
        top = top + h
    ops = panel.bars.operations.opts
    np.testing.assert_allclose(ops["y0"], top)
    np.testing.assert_allclose(ops["height"], [0, 4000, 2000])
    np.testing.assert_allclose(top + np.asarray(ops["height"]), [12521, 10836.352, 6397.36])
    assert [label.toPlainText() for label in panel.bars.totals] == ["$12.5k", "$10.8k ★", "$6.4k"]
    legend = [label.text for _, label in panel.bars.legend.items]
    assert legend == [*r.task_names, "operating extra models"]
    assert panel.bars.task_bars[1].opts["brush"] == task_colour(1)
    assert panel.bars.operations.opts["brush"] == OPERATIONS_COLOUR


def test_fewer_task_types_empty_the_spare_bars(panel):
    panel.update_result(compute(Inputs()))
    one = Inputs().task_mix[0].model_copy(update={"share_pct": 100})
    r = compute(Inputs(task_mix=[one]))
    panel.update_result(r)
    assert len(panel.bars.task_bars) == 4  # created once, reused
    for i in range(1, 4):
        assert len(bars(panel, i)[0]) == 0
    assert [label.text for _, label in panel.bars.legend.items] == [
        "summarization",
        "operating extra models",
    ]


def test_hover_over_a_bar_segment_reads_it_out(panel, hover):
    """Modular's coding segment (0.25 x (0.0001 + 0.00975) x 1.52M = $3,743, 34.5% of
    $10,836) sits above summarization's 0.35 x (0.0001 + 0.000856) x 1.52M = $509."""
    r = compute(Inputs())
    panel.update_result(r)
    assert panel.bars.readout.text().startswith("Recommended ★ Modular · $10,836 a month")
    mod = r.pattern("modular")
    summ, coding = mod.tasks[0].monthly_cost_usd, mod.tasks[1].monthly_cost_usd
    assert summ == pytest.approx(0.35 * 0.000956 * 1_520_000)
    assert coding == pytest.approx(0.25 * 0.00985 * 1_520_000)
    bars = panel.bars

    def hover_at(pattern_index: float, dollars: float) -> str:
        hover(bars.plot, pattern_index, dollars)
        return bars.readout.text()

    text = hover_at(1, summ + coding / 2)
    assert text.startswith(f"Modular · coding: ${coding:,.0f} a month (34.5% of $10,836)")
    assert "gpt-4o · 100% at required quality" in text
    text = hover_at(2, 6397.36 - 1000)  # inside hierarchical's operations block
    assert text.startswith("Hierarchical · operations: $2,000 a month (31.3% of $6,397)")
    # Above a bar: that pattern's summary; between bars: the recommendation again.
    assert hover_at(0, 14_000).startswith("Monolithic · $12,521 a month · 100%")
    assert hover_at(0.5, 1000).startswith("Recommended ★ Modular")


def test_scatter_places_each_pattern_and_the_target(panel):
    """x = total a month, y = percent at required quality; hierarchical at 77.5% under the 95%
    line; the star sits on the pick."""
    r = compute(Inputs())
    panel.update_result(r)
    sc = panel.scatter
    for o in r.patterns:
        x, y = sc.points[o.pattern].getData()
        assert (x[0], y[0]) == pytest.approx((o.monthly_cost_usd, o.quality_share * 100))
    assert sc.points["hierarchical"].getData()[1][0] == pytest.approx(77.5)
    px, py = sc.pick.getData()
    assert (px[0], py[0]) == pytest.approx((10836.352, 100))
    assert sc.target.value() == pytest.approx(95)
    assert sc.target.label.format == "target 95.0%"
    assert sc.labels["modular"].toPlainText() == "Modular"


def test_scatter_hover_reads_out_the_nearest_pattern(panel, hover):
    panel.update_result(compute(Inputs()))
    hover(panel.scatter.plot, 6397.36, 77.5)
    text = panel.scatter.readout.text()
    assert text == (
        "Hierarchical · $6,397 a month · 77.5% at required quality (mean 0.840) · "
        "6,483 ms mean · 2 to operate"
    )
    hover(panel.scatter.plot, 1000, 85)
    far = panel.scatter.readout.text()
    assert far.startswith("Recommended ★ Modular")


def test_update_follows_a_new_result(panel):
    """At 5,000 a day the monolith is recommended: the star and readouts move with it."""
    panel.update_result(compute(Inputs()))
    r = compute(Inputs(requests_per_day=5000))
    assert r.recommendation == "monolithic"
    panel.update_result(r)
    assert panel.bars.totals[0].toPlainText().endswith("★")
    assert not panel.bars.totals[1].toPlainText().endswith("★")
    px, _ = panel.scatter.pick.getData()
    assert px[0] == pytest.approx(r.pattern("monolithic").monthly_cost_usd)
    assert panel.scatter.readout.text().startswith("Recommended ★ Monolithic")


def test_plots_are_listed_and_render(panel):
    panel.update_result(compute(Inputs()))
    titles = [t for t, _ in panel.plots()]
    assert titles == ["Monthly cost by task type", "Cost vs quality"]
    for _, plot in panel.plots():
        data = png_bytes(plot)
        assert data.startswith(b"\x89PNG")


def test_comparison_plot_puts_scenarios_side_by_side(qtbot):
    a = compute(Inputs())
    b = compute(Inputs(requests_per_day=5000))
    plot = comparison_plot([("50k a day", a), ("5k a day", b)])
    qtbot.addWidget(plot)
    legend = [label.text for _, label in plot.getPlotItem().legend.items]
    assert legend == ["50k a day: modular", "5k a day: monolithic"]
    items = [i for i in plot.getPlotItem().items if hasattr(i, "opts") and "height" in i.opts]
    heights = [list(np.asarray(i.opts["height"])) for i in items]
    assert heights[0] == pytest.approx([o.monthly_cost_usd for o in a.patterns])
    assert heights[1] == pytest.approx([o.monthly_cost_usd for o in b.patterns])


def test_the_form_builder_makes_tables_and_model_pickers(qtbot):
    """The task mix and model profiles become tables, the four model choices catalog pickers,
    and the form's values validate back to the defaults."""
    form = InputForm(Inputs, providers=FormProviders(model_ids=lambda: ["gpt-4o", "gpt-4o-mini"]))
    qtbot.addWidget(form)
    form.set_values(Inputs().model_dump())
    assert isinstance(form.widget("task_mix"), RecordsEditor)
    assert isinstance(form.widget("model_profiles"), RecordsEditor)
    for name in ("monolith_model", "fallback_model", "cheap_model", "strong_model"):
        assert isinstance(form.widget(name), ModelChoiceCombo)
    assert Inputs.model_validate(form.values()) == Inputs()
    table = form.widget("task_mix").model
    assert table.rowCount() == 4 and table.names == list(TaskType.model_fields)
    # Overall escalation only applies with per-type escalation off.
    assert not form.widget("escalation_pct").isEnabled()
    form.widget("escalate_per_task_type").setChecked(False)
    assert form.widget("escalation_pct").isEnabled()


def _cost_plot_overlaps(bars) -> list[str]:
    """What the legend covers (a bar segment or a total), and names under the bars that run
    into each other, in scene pixels."""
    from PySide6.QtCore import QRectF

    vb = bars.plot.getPlotItem().getViewBox()
    legend = bars.legend.sceneBoundingRect()
    found = []
    for k, item in enumerate([*bars.task_bars, bars.operations]):
        opts = item.opts
        for x, y0, h in zip(opts["x"], opts["y0"], opts["height"], strict=True):
            if h <= 0:
                continue
            rect = vb.mapViewToScene(QRectF(x - opts["width"] / 2, y0, opts["width"], h))
            if rect.boundingRect().intersects(legend):
                found.append(f"the legend covers segment {k} of bar {x:g}")
    for total in bars.totals:
        if total.sceneBoundingRect().intersects(legend):
            found.append(f"the legend covers the total {total.toPlainText()!r}")
    axis = bars.plot.getPlotItem().getAxis("bottom")
    metrics = QFontMetrics(axis.style["tickFont"] or axis.font())
    names = axis._tickLevels[0]
    centres = [vb.mapViewToScene(QPointF(x, 0)).x() for x, _ in names]
    for (a, name_a), (b, name_b) in zip(
        zip(centres, [n for _, n in names], strict=True),
        zip(centres[1:], [n for _, n in names[1:]], strict=True),
        strict=False,
    ):
        if b - a < (metrics.horizontalAdvance(name_a) + metrics.horizontalAdvance(name_b)) / 2:
            found.append(f"{name_a!r} and {name_b!r} run together under the bars")
    return found


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)], ids=["1280", "1920"])
def test_the_cost_legend_covers_no_bar_at_laptop_and_desktop_sizes(qtbot, window, width, height):
    """At 1280x800 the plot beside the form is about 370 px wide: the legend, in one column
    right of the bars, covered Hierarchical's bar and its "$6.4k"; it runs across the top
    now, in as many columns as fit, with the bars' range raised below it."""
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().toTuple() == (width, height), timeout=5_000)
    tab = window.tab_for("architecture_patterns")
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.panel.bars.result is not None, timeout=5_000)
    qtbot.wait(50)
    bars = tab.panel.bars
    assert bars.plot.getPlotItem().getViewBox().width() > 0
    assert _cost_plot_overlaps(bars) == []
