"""pyqtgraph's private methods the plots override, behind a check of the installed version.

`PlotAxis` is every plot's axis. Inside WRITTEN_FOR it overrides pyqtgraph's undocumented
`_updateLabel`, `_updateWidth`, `_updateHeight`, `generateDrawSpecs` and `drawPicture` (and
reads the `picture` and `style` they use) to skip relaying out an unchanged label, to tell the
plot when new tick labels widen it, and to draw the grid faster with the same pixels (the pixel
tests in tests/ui/test_plot_drawing.py compare it with pyqtgraph's own drawing). Outside it,
a warning is logged and the axis is pyqtgraph's own with only its drawing cached (public API):
slower repaints, a plot that learns of a wider axis at its next update, the same picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QMenu

from core.compat import within

# 0.13.7 is the oldest pyqtgraph the app supports and 0.14.0 the one the overrides were checked
# against; pyproject pins below 0.15, where pyqtgraph may rename what they override.
WRITTEN_FOR = ((0, 13, 7), (0, 15))
_FALLBACK = "axes are drawn by pyqtgraph's own code: slower repaints, the same picture"


class CachedAxis(pg.AxisItem):
    """An axis that keeps its drawing as a pixmap.

    Drawing an axis's tick text is most of a plot's repaint (bench/edit_bench.py records how
    much); cached as a pixmap, an axis whose range did not change repaints for free.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.keep_cache(True)

    def keep_cache(self, keep: bool) -> None:
        """Cache the drawing, or drop it: with the grid on, an axis draws across the whole
        plot, so its pixmap is the plot's size, held in Qt's pixmap cache for a plot nobody
        sees (a hidden tab's) as well."""
        self.setCacheMode(
            QGraphicsItem.CacheMode.DeviceCoordinateCache
            if keep
            else QGraphicsItem.CacheMode.NoCache
        )


class _FastAxis(CachedAxis):
    """A cached axis that draws its grid lines the fast way, through pyqtgraph's private methods.

    The grid is the axis's tick lines stretched across the view and faded, and Qt's raster
    engine draws a translucent aliased line pixel by pixel, slowly (bench/edit_bench.py records
    how slowly). The same pixels come ten times faster as a translucent one-pixel-high
    rectangle for a horizontal line, and as an opaque line in the colour it shows over the
    background for a vertical one. The vertical lines are drawn first and the axes sit under
    the data (`ui.plots.common.axes_under_data`), so crossings still darken and no opaque line
    covers a curve or a bar.
    """

    def _updateLabel(self):  # noqa: N802 (pyqtgraph override)
        # pyqtgraph lays the label's HTML out again on every range change (for its SI prefix);
        # a label whose text did not change keeps its layout, the ticks are still redrawn.
        html = self.labelString()
        if html != getattr(self, "_label_html", None):
            self._label_html = html
            super()._updateLabel()
        else:
            self.picture = None
            self.update()

    def _updateWidth(self):  # noqa: N802 (pyqtgraph override)
        # New tick labels can widen the axis while the plot paints: the plot's minimum grows.
        super()._updateWidth()
        self._tell_views()

    def _updateHeight(self):  # noqa: N802 (pyqtgraph override)
        super()._updateHeight()
        self._tell_views()

    def _tell_views(self) -> None:
        scene = self.scene()
        for view in scene.views() if scene is not None else ():
            check = getattr(view, "check_minimum", None)  # ui.plots.common.Plot
            if check is not None:
                check()

    def generateDrawSpecs(self, p):  # noqa: N802 (pyqtgraph override)
        specs = super().generateDrawSpecs(p)
        if specs is None or self.orientation not in ("bottom", "top"):
            return specs
        axis_spec, tick_specs, text_specs = specs
        background = pg.mkColor(pg.getConfigOption("background"))
        return axis_spec, opaque_lines(tick_specs, background), text_specs

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802, N803 (pyqtgraph override)
        # pyqtgraph's drawing, with horizontal tick lines filled as rectangles.
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        axis_pen, start, end = axisSpec
        p.setPen(axis_pen)
        p.drawLine(start, end)
        fills: dict[int, QColor | None] = {}  # per pen (one a tick level): its fill colour
        for tick_pen, a, b in tickSpecs:
            key = id(tick_pen)
            if key not in fills:
                fills[key] = tick_pen.color() if _plain(tick_pen) else None
            colour = fills[key]
            y = a.y()
            if colour is not None and y == b.y():
                # An aliased one-pixel line covers the pixels both its ends fall in, from
                # floor(x0) to floor(x1) in the row floor(y): where this fill lands.
                x0, x1 = (a.x(), b.x()) if a.x() <= b.x() else (b.x(), a.x())
                p.fillRect(QRectF(x0 - 0.5, y - 0.5, x1 - x0 + 1.0, 1.0), colour)
            else:
                p.setPen(tick_pen)
                p.drawLine(a, b)
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        p.setPen(self.textPen())
        p.setClipRect(self.boundingRect().toAlignedRect())
        for rect, flags, text in textSpecs:
            p.drawText(rect, int(flags), text)


def _plain(line_pen: QPen) -> bool:
    """A solid line one pixel wide in one colour."""
    return (
        line_pen.style() == Qt.PenStyle.SolidLine
        and line_pen.brush().style() == Qt.BrushStyle.SolidPattern
        and line_pen.widthF() <= 1
    )


Line = tuple[QPen, QPointF, QPointF]
Rgb = tuple[float, float, float]
Rgba = tuple[float, float, float, float]


def opaque_lines(lines: list[Line], background: QColor) -> list[Line]:
    """The (pen, start, end) lines redrawn opaque: every pixel in the colour the translucent
    lines gave it over `background`.

    Ticks drawn at one place start at one point and differ in length (a log axis draws each
    decade as a major and a minor tick), so where several overlap their colours composite,
    in drawing order; drawn longest first, each line carries the composite of itself and the
    lines longer than it. A pen that is not one plain colour is kept as it is.
    """
    # PySide6's stub types getRgbF as object; Qt returns (r, g, b, alpha).
    under = cast(Rgba, background.getRgbF())[:3]
    rgba: dict[int, Rgba | None] = {}  # per pen (a tick level)
    out: list[Line] = []
    groups: dict[tuple[float, float], list[int]] = {}
    for order, (line_pen, start, _) in enumerate(lines):
        key = id(line_pen)
        if key not in rgba:
            solid = line_pen.brush().style() == Qt.BrushStyle.SolidPattern
            rgba[key] = cast(Rgba, line_pen.color().getRgbF()) if solid else None
        if rgba[key] is None:
            out.append(lines[order])
        else:
            groups.setdefault((round(start.x(), 2), round(start.y(), 2)), []).append(order)
    pens: dict[tuple[int, Rgb], QPen] = {}
    for members in groups.values():
        by_length = (
            sorted(members, key=lambda i: -_length(lines[i])) if len(members) > 1 else members
        )
        for rank, i in enumerate(by_length):
            line_pen, start, end = lines[i]
            colour = under
            for j in sorted(by_length[: rank + 1]):
                # Grouped lines all have a colour: those without one went straight to `out`.
                colour = _over(rgba[id(lines[j][0])], colour)  # type: ignore[arg-type]
            pen_key = (id(line_pen), colour)
            if pen_key not in pens:
                pens[pen_key] = QPen(line_pen)
                pens[pen_key].setColor(QColor.fromRgbF(*colour))
            out.append((pens[pen_key], start, end))
    return out


def _length(line: Line) -> float:
    _, start, end = line
    return abs(end.x() - start.x()) + abs(end.y() - start.y())


def _over(top: tuple[float, float, float, float], under: Rgb) -> Rgb:
    """The colour `top` (r, g, b, alpha) gives drawn over the opaque `under`."""
    r, g, b, a = top
    return (r * a + under[0] * (1 - a), g * a + under[1] * (1 - a), b * a + under[2] * (1 - a))


def axis_class(version: str | None) -> type[CachedAxis]:
    """The axis for this pyqtgraph version: the fast one inside WRITTEN_FOR, else (with a
    warning) the cached one."""
    return _FastAxis if within("pyqtgraph", version, WRITTEN_FOR, _FALLBACK) else CachedAxis


if TYPE_CHECKING:
    # The checker needs one class to check subclasses against; the two share this base.
    PlotAxis = CachedAxis
else:
    PlotAxis = axis_class(pg.__version__)


class LazyMenuViewBox(pg.ViewBox):
    """A view whose right-click menu is built on the first right-click.

    pyqtgraph builds each view's menu with the view: a QMenu and two forms of a dozen widgets,
    about 300 kB a plot, and the window holds dozens of plots that are never right-clicked.
    Public API only: the menu is asked for through getMenu and getContextMenus.
    """

    menu: QMenu | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        enabled = kwargs.pop("enableMenu", True)
        super().__init__(*args, enableMenu=False, **kwargs)
        self.state["enableMenu"] = enabled

    def setMenuEnabled(self, enableMenu: bool = True) -> None:  # noqa: N802, N803 (pyqtgraph API)
        self.state["enableMenu"] = enableMenu
        if not enableMenu and self.menu is not None:
            self.menu.setParent(None)
            self.menu = None
        self.sigStateChanged.emit(self)

    def getMenu(self, ev: object) -> QMenu | None:  # noqa: N802 (pyqtgraph API)
        if self.menu is None and self.menuEnabled():
            from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu

            self.menu = ViewBoxMenu(self)
            self.updateViewLists()
        return self.menu

    def getContextMenus(self, event: object) -> list[QAction]:  # noqa: N802 (pyqtgraph API)
        menu = self.getMenu(event) if self.menuEnabled() else None
        return menu.actions() if menu is not None else []
