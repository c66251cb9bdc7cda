"""The Experiments lift plot's verdict stays inside the plot however narrow the plot is, as
long as it fits (issue 16: at 2x scaling 'Ship: +5.0 pp (95% interval +1.4 to +8.8 pp)' ran
off the right side of a 296-pixel view)."""

from __future__ import annotations

import pytest

from core.frameworks import experiments
from ui.experiments.plots import LiftPlot


@pytest.mark.parametrize("width", [300, 420, 900])
def test_the_verdict_label_stays_inside_the_view(qtbot, width):
    plot = LiftPlot()
    qtbot.addWidget(plot)
    plot.resize(width, 240)
    result = experiments.compute(experiments.Inputs())
    assert result.lift_pct is not None  # the defaults have observed outcomes
    plot.update_result(result)
    plot.show()
    qtbot.waitExposed(plot)

    def inside() -> bool:
        view = plot.plot.getPlotItem().getViewBox().sceneBoundingRect()
        return view.contains(plot.label.sceneBoundingRect())

    # The view takes its size and range on the next turns of the event loop.
    qtbot.waitUntil(inside, timeout=2_000)
    assert plot.label.toPlainText().startswith("Ship: +5.0 pp")
