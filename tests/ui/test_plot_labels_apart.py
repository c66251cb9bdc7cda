"""Plot labels stay apart: a line's label never covers a point's name."""

from __future__ import annotations

import pytest

from core.frameworks import architecture_patterns as arch
from ui.plots.architecture_patterns import CostQualityPlot


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
