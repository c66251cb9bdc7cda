"""Shared plot styling: a light theme, money and year axes, a hover readout, PNG rendering."""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QObject,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QHideEvent, QResizeEvent, QShowEvent, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.frameworks.common import short_count
from ui.plots.pyqtgraph_compat import CachedAxis, LazyMenuViewBox, PlotAxis

pg.setConfigOptions(antialias=True, background="w", foreground="#202124")

BLUE = "#1a73e8"
ORANGE = "#e8710a"
GREEN = "#188038"
RED = "#d93025"
GREY = "#5f6368"
LIGHT = "#dadce0"
#: What each experiment verdict is drawn in, wherever it shows: the result card's badge, the
#: compare page, the lift plot and the history table.
VERDICT_COLOURS = {"ship": GREEN, "do_not_ship": RED, "need_more_data": ORANGE}


def short_money(value: float) -> str:
    """$1.2M, $350k, -$4.5B: compact money for axes and bar labels."""
    sign = "-" if value < 0 else ""
    return f"{sign}${short_count(abs(value))}"


def axes_under_data(item: pg.PlotItem) -> None:
    """Draw the plot's axes, and so its grid, before the view and its data (pyqtgraph draws
    them above, where the grid's opaque vertical lines would cross every curve); the bottom
    and top axes first, so the translucent horizontal lines darken the vertical ones."""
    view = item.getViewBox().zValue()
    for side, z in (
        ("bottom", view - 2),
        ("top", view - 2),
        ("left", view - 1),
        ("right", view - 1),
    ):
        item.getAxis(side).setZValue(z)


def set_axes(plot: pg.PlotWidget, **axes: pg.AxisItem) -> None:
    """Replace some of the plot's axes (by side) with the plot's tick font and stacking."""
    item = plot.getPlotItem()
    item.setAxisItems(axes)
    for axis in axes.values():
        axis.setTickFont(tick_font())
    axes_under_data(item)


def sample_at(samples: np.ndarray, x: float) -> int:
    """Index of the first of the sorted `samples` at or after x (the last one past the end).

    x comes from the pointer mapped through the view, so a pointer on a sample can land a
    rounding error past it; that error is forgiven, or the readout would skip a sample.
    """
    i = np.searchsorted(samples, x - 1e-9 * max(1.0, abs(x)))
    return int(np.clip(i, 0, len(samples) - 1))


#: The points each item was last given through set_points.
_SHOWN: weakref.WeakKeyDictionary[object, tuple[np.ndarray, np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def set_points(item: pg.PlotDataItem | pg.ScatterPlotItem, x: object, y: object) -> None:
    """Give a curve or scatter these points, unless it shows them already: pyqtgraph redoes
    its per-point work, its bounds and the view's auto-range on every call, changed or not.
    An item fed here is fed only here."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    shown = _SHOWN.get(item)
    if shown is not None and np.array_equal(shown[0], xs) and np.array_equal(shown[1], ys):
        return
    _SHOWN[item] = (xs.copy(), ys.copy())
    item.setData(xs, ys)


def set_line_label(line: pg.InfiniteLine, text: str) -> None:
    """Label a line, unless it reads so already (each setting places the label again)."""
    if line.label.format != text:
        line.label.setFormat(text)


def set_title(plot: pg.PlotWidget, html: str, keep_lines: bool = False) -> None:
    """Title the plot, unless it already has this title (each setting lays the HTML out).

    `keep_lines`: a subtitle shown below the title stays below, for a title shown briefly (a
    placeholder while a result completes): another height of title lays the whole plot out
    and redraws it, twice in a row."""
    label = plot.getPlotItem().titleLabel
    shown = label.text.replace(SUBTITLE_BELOW, SUBTITLE_ON_LINE)
    if shown != html or not label.isVisible():
        below = keep_lines and SUBTITLE_BELOW in label.text and label.isVisible()
        plot.getPlotItem().setTitle(
            html.replace(SUBTITLE_ON_LINE, SUBTITLE_BELOW) if below else html
        )
        if not isinstance(plot, Plot):
            plot.updateGeometry()  # a longer title needs a wider plot
            return
        if not below:
            plot.fit_title()
        plot.check_minimum()  # a longer title needs a wider plot


def set_axis_label(plot: pg.PlotWidget, side: str, text: str) -> None:
    """Label an axis, unless it already has this label (each setting redraws the axis)."""
    axis = plot.getPlotItem().getAxis(side)
    if axis.labelText != text:
        plot.getPlotItem().setLabel(side, text)


def tick_font() -> QFont:
    font = QFont()
    font.setPointSize(9)
    return font


class MoneyAxis(PlotAxis):
    """An axis whose tick labels read as dollars."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        return [short_money(v * scale) for v in values]


#: A title's subtitle (a colour key, a count) follows it on its line when the plot is wide
#: enough, and goes below it otherwise.
SUBTITLE_ON_LINE = "<span style='font-size:9pt'> — "
SUBTITLE_BELOW = "<span style='font-size:9pt'><br>"


class Plot(pg.PlotWidget):
    """A plot whose minimum size is what its title, axes and legend take: narrower than that,
    pyqtgraph lays the plot out wider than the view and cuts off its right side (the last
    x tick, the longest bar, the end of the title). A subtitle goes under the title rather
    than widen the plot."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("viewBox", LazyMenuViewBox())
        super().__init__(*args, **kwargs)
        # The background is one solid colour: Qt's cached copy of it, a pixmap the size of
        # the view (1.4 MB for a 900 x 400 plot), draws it no faster than filling it.
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        self._keep_axis_caches(True)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt API)
        # A plot of a tab or page not shown keeps no axis drawings: they are redrawn (a few
        # milliseconds) when it shows again, and until then the memory is free.
        super().hideEvent(event)
        self._keep_axis_caches(False)

    def _keep_axis_caches(self, keep: bool) -> None:
        item = self.getPlotItem()
        if item is None:
            return
        for side in ("left", "bottom", "top", "right"):
            axis = item.getAxis(side)
            if isinstance(axis, CachedAxis):
                axis.keep_cache(keep)

    def _title_width(self, html: str) -> float:
        # Layouts ask for the minimum often; a title is laid out once per text (both of its
        # forms are asked for, and a few recent titles are kept).
        known: dict[str, float] = self.__dict__.setdefault("_title_widths", {})
        if html not in known:
            if len(known) >= 8:
                known.clear()
            doc = QTextDocument()
            doc.setDefaultFont(self.getPlotItem().titleLabel.item.font())
            doc.setHtml(html)
            known[html] = doc.size().width()
        return known[html]

    def _without_title(self) -> tuple[float, float]:
        """The least width of the plot's parts other than its title, and its title's."""
        item = self.getPlotItem()
        least = item.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        label = item.titleLabel
        if not label.isVisible():
            return least, 0.0
        title = label.minimumWidth()
        return least - title, self._title_width(
            label.text.replace(SUBTITLE_ON_LINE, SUBTITLE_BELOW)
        )

    #: The least minimum size the plot keeps meanwhile (see hold_minimum).
    held_minimum = QSize(0, 0)

    def hold_minimum(self, hold: bool) -> None:
        """Keep the minimum size the plot has now (`hold`) while it shows a placeholder, or
        fit it to what it shows again. A placeholder's title is shorter than the one it stands
        for: its smaller minimum, and the larger one back a moment later, each laid out the
        splitters around the plot, and through them the whole tab, which redrew all of it."""
        self.held_minimum = QSize(0, 0)
        if hold:
            self.held_minimum = self.minimumSizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        if self.getPlotItem() is None:  # asked while pyqtgraph builds the view
            return super().minimumSizeHint()
        others, title = self._without_title()
        height = self.getPlotItem().effectiveSizeHint(Qt.SizeHint.MinimumSize).height()
        frame = 2 * self.frameWidth()
        needed = QSize(math.ceil(others + title) + frame, math.ceil(height) + frame)
        return super().minimumSizeHint().expandedTo(needed).expandedTo(self.held_minimum)

    def check_minimum(self) -> None:
        """Pass a new minimum up (an axis widened by its new tick labels, a longer title): the
        layouts above hear of it only when it changed, not on every update of the data."""
        least = self.minimumSizeHint()
        if least != getattr(self, "_told_minimum", None):
            self._told_minimum = least
            self.updateGeometry()

    def fit_title(self) -> None:
        """The subtitle on the title's line when it fits there, below it otherwise."""
        item = self.getPlotItem()
        if item is None:
            return
        text = item.titleLabel.text
        one_line = text.replace(SUBTITLE_BELOW, SUBTITLE_ON_LINE)
        if not item.titleLabel.isVisible() or SUBTITLE_ON_LINE not in one_line:
            return
        others, _ = self._without_title()
        room = self.width() - 2 * self.frameWidth() - others
        fitted = (
            one_line
            if self._title_width(one_line) <= room
            else one_line.replace(SUBTITLE_ON_LINE, SUBTITLE_BELOW)
        )
        if fitted != text:
            item.setTitle(fitted)
            # A longer title widened the plot past the view (Qt keeps a widget at its
            # minimum): give it the view's size again now that the title fits.
            item.setGeometry(self.range)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        # The title first: pyqtgraph then sizes the plot to the view, and a one-line title
        # wider than the view would hold it wider.
        self.fit_title()
        super().resizeEvent(event)


def make_plot(
    title: str,
    x_label: str,
    y_label: str,
    money_axis: str | None = "left",
    *,
    bottom: PlotAxis | None = None,
) -> Plot:
    """A plot with the app's look. `bottom` is an axis of the caller's own for the x axis,
    made part of the plot from the start, as set_axes would leave it once the plot is made:
    with no grid of its own and pyqtgraph's SI prefix."""
    # The top and right axes are hidden but follow every range change too: as PlotAxis
    # they skip pyqtgraph's relabelling of an unchanged label.
    # Each side's axis is made once (an axis lays its label out twice as it is made).
    axes: dict[str, pg.AxisItem] = {}
    for side in ("left", "bottom", "top", "right"):
        if side == "bottom" and bottom is not None:
            axes[side] = bottom
        elif side == money_axis:
            axes[side] = MoneyAxis(orientation=side)
        else:
            axes[side] = PlotAxis(orientation=side)
    plot = Plot(axisItems=axes)
    plot.setObjectName(title)
    # A plot's few dozen items move on every update and zoom; keeping Qt's spatial index of
    # them up to date costs more than finding one among a few dozen without it.
    plot.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
    item = plot.getPlotItem()
    item.hideAxis("top")
    item.hideAxis("right")
    item.setTitle(f"<span style='font-size:11pt; font-weight:600'>{title}</span>")
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(True)
    for side in ("left", "bottom"):
        item.getAxis(side).setTickFont(tick_font())
        # Our labels state their unit: pyqtgraph's own scaling would turn a score of 0.9 into
        # "900" under "(x0.001)".
        item.getAxis(side).enableAutoSIPrefix(False)
    if bottom is not None:
        bottom.setGrid(False)
        bottom.enableAutoSIPrefix(True)
    axes_under_data(item)
    # pyqtgraph maps a new range to pixels only in the next paint, and the items that follow
    # the range (labels, lines) move inside that paint and ask for a second one: a pan or
    # zoom painted the plot twice. Mapping at once lets the first paint find everything placed.
    item.vb.sigRangeChanged.connect(_map_range_now)
    plot.setMinimumHeight(220)
    return plot


def _map_range_now(view: pg.ViewBox, *_: object) -> None:
    view.updateMatrix()


def pen(color: str, width: float = 2.0, dashed: bool = False) -> QColor:
    p = pg.mkPen(color=color, width=width)
    if dashed:
        p.setStyle(Qt.PenStyle.DashLine)
    return p


def keep_label_inside(line: pg.InfiniteLine) -> pg.InfiniteLine:
    """Anchor the line's label at its own position along the line: a label 12% along the
    view sits 12% into its text, so it stays inside the view whenever it fits (pyqtgraph
    centres it, and a label near an end hung half outside: "udget $0.15", "target 95.0%")."""
    label = getattr(line, "label", None)  # a line made without a label has none
    if label is not None:
        along = label.orthoPos
        if line.angle % 180 == 0:
            label.anchors = [(along, y) for _, y in label.anchors]
        else:
            label.anchors = [(x, 1 - along) for x, _ in label.anchors]
        label.updatePosition()
    return line


#: Each slid label's anchors as made, whichever side of its line it was last moved to.
_USUAL_ANCHORS: weakref.WeakKeyDictionary[pg.InfLineLabel, list[tuple[float, float]]] = (
    weakref.WeakKeyDictionary()
)


#: Where each slid label was last put: (place, flipped).
_LAST_PLACES: weakref.WeakKeyDictionary[pg.InfLineLabel, tuple[float, bool]] = (
    weakref.WeakKeyDictionary()
)


def scene_rects(rects: Iterable[QRectF]) -> np.ndarray:
    """Rectangles as rows of (left, top, right, bottom), for `slide_line_label`."""
    rows = [(r.left(), r.top(), r.right(), r.bottom()) for r in rects]
    return np.array(rows, dtype=float).reshape(-1, 4)


def slide_line_label(
    line: pg.InfiniteLine, places: Sequence[float], taken: np.ndarray
) -> tuple[float, bool]:
    """Move the line's label along it to the first of `places` (shares of the view) where
    it covers none of the `taken` scene rectangles (rows of left, top, right, bottom: points,
    other labels), on its usual side of the line or else the other, or to the least covered
    place; it stays inside the view. Returns (place, flipped). Call it when the view's
    mapping changes (ViewBox.sigTransformChanged): text items follow a new mapping lazily."""
    label = line.label
    usual = _USUAL_ANCHORS.setdefault(label, list(label.anchors))

    def covered_here() -> float:
        label.updateTransform(force=True)  # on the view's mapping now
        box = label.sceneBoundingRect()
        wide = np.minimum(taken[:, 2], box.right()) - np.maximum(taken[:, 0], box.left())
        tall = np.minimum(taken[:, 3], box.bottom()) - np.maximum(taken[:, 1], box.top())
        return float(np.sum(np.clip(wide, 0, None) * np.clip(tall, 0, None)))

    def covered(choice: tuple[float, bool]) -> float:
        place, flipped = choice
        # pyqtgraph picks one of the two anchors by the view's side; swapped, the other side.
        label.anchors = usual[::-1] if flipped else list(usual)
        label.setPosition(place)
        keep_label_inside(line)
        return covered_here()

    # Still free at the first choice, where it was last put: that is where sliding would put
    # it again, after setting and laying it out there (about 0.9M instructions a line on
    # every new mapping of the view: each first paint, zoom and pan).
    first = (places[0], False)
    if _LAST_PLACES.get(label) == first and covered_here() == 0:
        return first
    best, least = first, math.inf
    for choice in [(place, flipped) for flipped in (False, True) for place in places]:
        area = covered(choice)
        if area < least:
            best, least = choice, area
        if area == 0:
            break
    else:
        covered(best)
    _LAST_PLACES[label] = best
    return best


def vline(
    color: str = GREY, dashed: bool = True, label: str | None = None, label_at: float = 0.95
) -> pg.InfiniteLine:
    opts = {"position": label_at, "color": color, "fill": (255, 255, 255, 200), "movable": False}
    return keep_label_inside(
        pg.InfiniteLine(
            angle=90, movable=False, pen=pen(color, 1.2, dashed), label=label, labelOpts=opts
        )
    )


def png_bytes(widget: QWidget) -> bytes:
    """Render a widget to PNG bytes (for reports)."""
    image = widget.grab()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def splitter(
    orientation: Qt.Orientation, *widgets: QWidget, stretch: tuple[int, ...] = ()
) -> QSplitter:
    """Widgets side by side (or stacked) that the user can resize, none below its minimum
    (a collapsed plot or form is squeezed to nothing rather than hidden)."""
    split = QSplitter(orientation)
    split.setChildrenCollapsible(False)
    for w in widgets:
        split.addWidget(w)
    for i, factor in enumerate(stretch):
        split.setStretchFactor(i, factor)
    return split


def scrolling(page: QWidget) -> QScrollArea:
    """`page` at the size it is given, or scrolled once it is smaller than its minimum: on a
    laptop screen its fields scroll instead of being squeezed below their height."""
    area = QScrollArea()
    area.setObjectName(f"{page.objectName() or type(page).__name__}_scroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(page)
    return area


#: What changes a label's height at a width other than its text.
_RELAYOUT_EVENTS = (
    QEvent.Type.FontChange,
    QEvent.Type.StyleChange,
    QEvent.Type.ContentsRectChange,
    QEvent.Type.LayoutDirectionChange,
)


class HeightBox(QFrame):
    """Holds one widget and lays it out itself: the layout around the box hears of a change
    of the widget (a label's new text) only when the height it needs at the box's width
    changes, or its minimum size no longer fits.

    Qt passes each label's new text up through every layout to the window, and the tab
    widget above repaints its whole page (form, scroll bars, every plot) on each such
    request: a readout or result card updated on every edit and pointer move would repaint
    the whole tab each time.
    """

    def __init__(self, inner: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inner = inner
        inner.setParent(self)
        policy = QSizePolicy(inner.sizePolicy())
        policy.setHeightForWidth(inner.hasHeightForWidth())
        self.setSizePolicy(policy)
        self._told: tuple[int, int, bool] | None = None
        #: A wrapping label's height at each width asked, for the text it has now (see
        #: heightForWidth); emptied when its text, font, style or margins change.
        self._heights: dict[int, int] = {}
        self._heights_of = ""
        #: What the frame takes around the held widget (see _frame); None: to measure.
        self._frame_size: QSize | None = None
        if isinstance(inner, QLabel):
            inner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.inner and event.type() in _RELAYOUT_EVENTS:
            self._heights.clear()
        return False

    def _frame(self) -> QSize:
        """What the frame takes around the held widget (not to be changed by the caller).

        That is the box's contents margins, where QFrame keeps its frame's widths too: a new
        frame, style or margin sets them anew and sends a ContentsRectChange, which forgets
        the size kept here. The layouts ask some 300 times on the way to the first paint, and
        each measure made five Qt objects (about 20,000 instructions)."""
        if self._frame_size is None:
            self._frame_size = self.size() - self.contentsRect().size()
        return self._frame_size

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self.inner.sizeHint() + self._frame()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self.inner.minimumSizeHint() + self._frame()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt API)
        return self.inner.hasHeightForWidth()

    #: The least height the box keeps meanwhile (0: none; see ResultCard.hold_size).
    held_height = 0

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        return max(self._fitted_height(width), self.held_height)

    def _fitted_height(self, width: int) -> int:
        frame = self._frame()
        inner = width - frame.width()
        label = self.inner
        if not isinstance(label, QLabel) or not label.wordWrap():
            return self.inner.heightForWidth(inner) + frame.height()
        # The layouts above ask a dozen times per edit, and a label lays its text out again
        # on each question (a rich-text rationale about 0.2 ms a time).
        if label.text() != self._heights_of:
            self._heights.clear()
            self._heights_of = label.text()
        height = self._heights.get(inner)
        if height is None:
            if len(self._heights) >= 16:
                self._heights.clear()
            height = self._heights[inner] = label.heightForWidth(inner)
        return height + frame.height()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        # New margins come with a resize of a shown box before their ContentsRectChange.
        self._frame_size = None
        self.inner.setGeometry(self.contentsRect())

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.LayoutRequest:
            needs = self._needs()
            if needs != self._told:
                self._told = needs
                self.updateGeometry()
            self.inner.setGeometry(self.contentsRect())
            return True
        if kind == QEvent.Type.ContentsRectChange:
            self._frame_size = None
        elif kind in (QEvent.Type.Polish, QEvent.Type.Show):
            # What changed while the box was hidden was never passed up (Qt posts no
            # request to a hidden parent): pass it up before the first layout and on showing.
            self._told = self._needs()
            self.updateGeometry()
        return super().event(event)

    def _needs(self) -> tuple[int, int, bool]:
        width = self.width()
        if isinstance(self.inner, QLabel) and self.inner.wordWrap():
            # A wrapping label fits any width down to its longest word, and its minimum
            # costs Qt five text layouts after each new text: only its height is watched.
            return self.heightForWidth(width), 0, False
        if self.hasHeightForWidth():
            height = self.heightForWidth(width)
        else:
            height = self.sizeHint().height()
        least = self.minimumSizeHint()
        return height, least.height(), least.width() > width


class PlotPart(Protocol):
    """One plot of a panel: its plot widget, and how it shows a result."""

    plot: pg.PlotWidget

    def update_result(self, result: Any) -> None: ...


class PlotPanel(QWidget):
    """A framework's plots. Each part has a `.plot` and `update_result(result)`; the panel feeds
    every part the same result and lists the plots (titled) for export and reports."""

    #: True while the panel shows a view that is not about the form's result (a workbench
    #: page): the tab then keeps only the result card's verdict line, so the view has the room.
    card_compact = Signal(bool)

    def _arrange(self, parts: Sequence[tuple[str, PlotPart]], body: QWidget) -> None:
        self.parts = parts
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(body)

    def update_result(self, result: object) -> None:
        self._update_parts(self.parts, result)

    def update_completed(self, result: object) -> None:
        """A staged framework's whole result, after update_result had its first stage: every
        part again, unless the panel knows which of them the completion changes."""
        self.update_result(result)

    @staticmethod
    def _update_parts(parts: Sequence[tuple[str, PlotPart]], result: object) -> None:
        for _, part in parts:
            part.update_result(result)
        # Settle each shown view now (its auto-range, its items' transforms): pyqtgraph does
        # this at the start of a paint, and what changes there asks for a second paint.
        for _, part in parts:
            plot = part.plot
            if plot.isVisible():
                plot.scene().prepareForPaint()
            if isinstance(plot, Plot):
                plot.check_minimum()

    def plots(self) -> list[tuple[str, pg.PlotWidget]]:
        return [(title, part.plot) for title, part in self.parts]
