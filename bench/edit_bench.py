"""Edit-to-result in every framework tab, and pan/zoom repaints of every plot (offscreen).

Measured on the development machine when each tuning went in (the code points here instead of
quoting figures that age):
- plot axes (ui/plots/pyqtgraph_compat.py): drawing an axis's tick text took about 1.6 ms an
  axis, most of a plot's repaint, hence the pixmap cache; Qt's raster engine drew one
  translucent aliased grid line across a plot in about 60 µs, a whole grid in 2 to 6 ms, and
  the same pixels as one-pixel-high rectangles or opaque lines ten times faster;
- the cost-quality-latency scatter (ui/plots/cost_quality_latency.py): per-point brushes cost
  pyqtgraph about 60 ms at 6,800 points, a uniform item a few; adding an item to a plot about
  0.5 ms;
- build vs buy's Monte Carlo (core/frameworks/build_vs_buy.py): blocks of 2,000 draws (1 MB
  arrays) ran at half the speed of blocks of 500 on an EPYC with 1 MB of L2 a core, 8.2 against
  3.8 ms for 10,000 draws;
- a Build vs Buy edit (ui/framework_tab.py, ui/result_card.py, ui/plots/build_vs_buy.py), on
  a shared 2-core machine, GUI-thread CPU: 27 -> 18 ms back to back and 29-42 -> 23-26 ms from
  a settled tab. The Monte Carlo started on the next turn held the interpreter lock while the
  next edit painted; the placeholder for it laid the plot and card out twice;
- a pan or zoom (ui/plots/common.py, make_plot): pyqtgraph mapped a new range to pixels only
  in the next paint, where the items following the range moved and asked for a second paint;
  mapped when the range changes, the whole-catalog scatter painted 42 instead of 63 times in
  21 zooms, about 12 instead of 18 ms a zoom;
- the scan of notes for hidden characters (core/text.py, ui/framework_tab.py): a 9 MB note
  took 7 ms in ASCII through bytes.translate against 280 ms through the pattern, and 280 ms in
  other scripts, so the tab scans after a pause instead of on every key.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from core.catalog import Catalog

Row = tuple[str, list[float], str, list[float], str]
EDITS = 21


def _numeric_edit(tab: Any) -> tuple[str, list[str]]:
    """A number field of the tab and two valid values for it, typed as a user would."""
    from ui.form import NumberEdit

    defaults = tab.framework.Inputs().model_dump()
    for name, field in tab.form.fields.items():
        value = defaults.get(name)
        if not isinstance(field.widget, NumberEdit) or isinstance(value, bool) or not value:
            continue
        other = value * 1.1 if isinstance(value, float) else value + 1
        try:
            tab.framework.Inputs.model_validate({**defaults, name: other})
        except ValueError:
            continue
        return name, [str(other), str(value)]
    raise LookupError(f"{tab.framework.ID} has no numeric field to edit")


def _points(plot: Any) -> int:
    """Points in the plot's longest series."""
    longest = 0
    for item in plot.getPlotItem().items:
        data = getattr(item, "getData", None)
        if data is not None:
            x = data()[0]
            longest = max(longest, 0 if x is None else len(x))
    return longest


def _clock(app: Any, action: Any, widget: Any) -> float:
    """Seconds from the action until its repaints are done.

    A pyqtgraph view asks for its repaint from a queued scene signal, so the paint comes on
    the second pass over the event queue; `action=None` times a full repaint of `widget`.
    """
    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtWidgets import QWidget

    timer = QElapsedTimer()
    timer.start()
    if action is None:
        widget.update()
        for child in widget.findChildren(QWidget):
            child.update()
    else:
        action()
    app.processEvents()
    app.processEvents()
    return timer.nsecsElapsed() / 1e9


def _edit_times(app: Any, window: Any, tab: Any) -> tuple[str, list[float], list[float]]:
    """Each edit from a settled tab, as a user's next key comes after the last one's whole
    result: back to back, a staged framework's completion (which waits for a pause) never
    ran, and the edit that replaces a whole result by a first stage went untimed."""
    name, values = _numeric_edit(tab)
    edits = []
    for i in range(EDITS):
        _settle_tab(app, window, tab)
        edits.append(_clock(app, lambda v=values[i % 2]: tab.set_field_text(name, v), tab))
    _settle_tab(app, window, tab)
    bare = [_clock(app, None, tab) for _ in range(EDITS)]
    return name, edits, bare


def _settle_tab(app: Any, window: Any, tab: Any) -> None:
    """Until the tab shows its whole result and no background task is left."""
    while tab.completing or window.runner.pending:
        app.processEvents()
    app.processEvents()


def _whole_times(app: Any, window: Any, tab: Any) -> list[float]:
    """Seconds from an edit until the whole result is painted: a staged framework's completion
    (Build vs Buy's Monte Carlo) waits for a pause in the edits, runs on a worker and is shown
    after the first stage, which edit-to-result times. Each edit starts from a settled tab, as
    a user's next edit comes after the last one's result."""
    from PySide6.QtCore import QElapsedTimer

    name, values = _numeric_edit(tab)
    out = []
    for i in range(EDITS):
        _settle_tab(app, window, tab)
        timer = QElapsedTimer()
        timer.start()
        tab.set_field_text(name, values[i % 2])
        _settle_tab(app, window, tab)
        app.processEvents()
        out.append(timer.nsecsElapsed() / 1e9)
    return out


def _zoom_times(app: Any, plot: Any) -> tuple[list[float], list[float]]:
    """Alternately zoom into the middle half of the view and back out, repainting each time."""
    vb = plot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    dx, dy = (x1 - x0) / 4, (y1 - y0) / 4
    views = [((x0, x1), (y0, y1)), ((x0 + dx, x1 - dx), (y0 + dy, y1 - dy))]

    def zoom(k: int) -> None:
        xr, yr = views[k % 2]
        vb.setRange(xRange=xr, yRange=yr, padding=0)

    moved = [_clock(app, lambda k=k: zoom(k), plot) for k in range(1, EDITS + 1)]
    still = [_clock(app, None, plot) for _ in range(EDITS)]
    return moved, still


def _hover_times(app: Any, plot: Any) -> tuple[list[float], list[float]]:
    """Move the pointer across the middle of the view, left to right, as the scene reports a
    real pointer (its mouse-moved signal, which the hover readouts follow)."""
    from PySide6.QtCore import QPointF

    rect = plot.getPlotItem().getViewBox().sceneBoundingRect()
    y = rect.center().y()
    points = [QPointF(rect.left() + rect.width() * (k + 1) / (EDITS + 1), y) for k in range(EDITS)]
    scene = plot.scene()
    moved = [_clock(app, lambda p=p: scene.sigMouseMoved.emit(p), plot) for p in points]
    still = [_clock(app, None, plot) for _ in range(EDITS)]
    return moved, still


def _settle(app: Any, window: Any) -> None:
    while window.runner.pending:
        app.processEvents()
    app.processEvents()


def rows(catalog: Catalog) -> list[Row]:
    """Per tab: edit-to-result (type into a field, then the result card and plots repainted)
    against a bare repaint of the same tab; then the slowest pan/zoom repaint of any plot, and
    the slowest pointer move over any plot (its hover readout and cursor redrawn)."""
    from PySide6.QtCore import QSettings

    from core.frameworks import REGISTRY, entry
    from storage import ScenarioStore
    from ui.app import make_app
    from ui.main_window import MainWindow

    app = make_app()
    out: list[Row] = []
    zooms: list[tuple[float, str, int, list[float], list[float]]] = []
    hovers: list[tuple[float, str, list[float], list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        store = ScenarioStore(Path(tmp) / "edit.sqlite3")
        window = MainWindow(store, settings=settings, load_catalog=lambda: catalog)
        window.resize(1400, 900)
        window.show()
        _settle(app, window)
        for index, module in enumerate(REGISTRY):
            window.tabs.setCurrentIndex(index)
            tab = window.tab_for(module.ID)
            _settle(app, window)
            name, edits, bare = _edit_times(app, window, tab)
            out.append(
                (
                    f"edit-to-result, {module.ID} ({name})",
                    edits,
                    "full repaint of the tab",
                    bare,
                    "< 16 ms",
                )
            )
            if entry(module.ID).stages() is not None:
                whole = _whole_times(app, window, tab)
                out.append(
                    (
                        f"edit to whole result, {module.ID} (its Monte Carlo shown)",
                        whole,
                        "edit-to-result",
                        edits,
                        "< 100 ms",
                    )
                )
            tab.forget_changes()
            for title, plot in tab.panel.plots():
                moved, still = _zoom_times(app, plot)
                where = f"{module.ID}: {title}"
                zooms.append((statistics.median(moved), where, _points(plot), moved, still))
                moved, still = _hover_times(app, plot)
                hovers.append((statistics.median(moved), where, moved, still))
        window.close()
        store.close()
    _, where, points, moved, still = max(zooms)
    out.append(
        (
            f"pan/zoom repaint, slowest plot ({where}, longest series {points:,} points)",
            moved,
            "full repaint of the plot",
            still,
            "< 16 ms",
        )
    )
    _, where, moved, still = max(hovers, key=lambda h: h[0])
    out.append(
        (
            f"hover readout and repaint, slowest plot ({where})",
            moved,
            "full repaint of the plot",
            still,
            "< 16 ms",
        )
    )
    return out


def whole_catalog_row(everyone: Catalog) -> Row:
    """Pan/zoom of the cost-quality-latency plot with every catalog model scored: the longest
    series the app draws (one point per model and mode)."""
    from core.frameworks import cost_quality_latency as cql
    from ui.app import make_app
    from ui.plots.registry import panel_for

    app = make_app()
    panel = panel_for(cql.ID)
    panel.resize(1000, 700)
    panel.show()
    panel.update_result(cql.compute(cql.Inputs(), everyone))
    app.processEvents()
    (title, plot), *_ = panel.plots()
    moved, still = _zoom_times(app, plot)
    panel.close()
    name = f"pan/zoom repaint, {cql.ID}: {title}, every model scored ({_points(plot):,} points)"
    return (name, moved, "full repaint of the plot", still, "< 16 ms")
