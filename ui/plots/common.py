"""Shared plot styling: a light theme, money and year axes, a hover readout, PNG rendering."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsItem, QSplitter, QVBoxLayout, QWidget

pg.setConfigOptions(antialias=True, background="w", foreground="#202124")

BLUE = "#1a73e8"
ORANGE = "#e8710a"
GREEN = "#188038"
RED = "#d93025"
GREY = "#5f6368"
LIGHT = "#dadce0"


def short_money(value: float) -> str:
    """$1.2M, $350k, -$4.5B: compact money for axes and bar labels."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= limit:
            return f"{sign}${v / limit:.3g}{suffix}"
    return f"{sign}${v:.3g}"


class MoneyAxis(pg.AxisItem):
    """An axis whose tick labels read as dollars."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        return [short_money(v * scale) for v in values]


def make_plot(
    title: str, x_label: str, y_label: str, money_axis: str | None = "left"
) -> pg.PlotWidget:
    axes = {money_axis: MoneyAxis(orientation=money_axis)} if money_axis else {}
    plot = pg.PlotWidget(axisItems=axes)
    plot.setObjectName(title)
    item = plot.getPlotItem()
    item.setTitle(f"<span style='font-size:11pt; font-weight:600'>{title}</span>")
    item.setLabel("bottom", x_label)
    item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(True)
    font = QFont()
    font.setPointSize(9)
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setTickFont(font)
        # Drawing an axis's tick text is most of a plot's repaint (about 1.6 ms an axis);
        # cached as a pixmap, an axis whose range did not change repaints for free.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.setMinimumHeight(220)
    return plot


def pen(color: str, width: float = 2.0, dashed: bool = False) -> QColor:
    p = pg.mkPen(color=color, width=width)
    if dashed:
        p.setStyle(Qt.PenStyle.DashLine)
    return p


def vline(
    color: str = GREY, dashed: bool = True, label: str | None = None, label_at: float = 0.95
) -> pg.InfiniteLine:
    opts = {"position": label_at, "color": color, "fill": (255, 255, 255, 200), "movable": False}
    return pg.InfiniteLine(
        angle=90, movable=False, pen=pen(color, 1.2, dashed), label=label, labelOpts=opts
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
    """Widgets side by side (or stacked) that the user can resize."""
    split = QSplitter(orientation)
    for w in widgets:
        split.addWidget(w)
    for i, factor in enumerate(stretch):
        split.setStretchFactor(i, factor)
    return split


class PlotPanel(QWidget):
    """A framework's plots. Each part has a `.plot` and `update_result(result)`; the panel feeds
    every part the same result and lists the plots (titled) for export and reports."""

    def _arrange(self, parts: list[tuple[str, QWidget]], body: QWidget) -> None:
        self.parts = parts
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(body)

    def update_result(self, result: object) -> None:
        for _, part in self.parts:
            part.update_result(result)  # type: ignore[attr-defined]

    def plots(self) -> list[tuple[str, pg.PlotWidget]]:
        return [(title, part.plot) for title, part in self.parts]  # type: ignore[attr-defined]
