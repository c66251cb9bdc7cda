"""Writing decision summaries (Markdown, HTML, PDF) and plot images to files.

Qt is imported inside the functions that need it, so the command line can write a Markdown
summary without loading PySide6.
"""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from core import APP_NAME
from core.files import write_atomic
from core.frameworks import Framework
from core.frameworks.common import FrameworkResult
from core.report import SummaryMeta, render_html, render_markdown

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

FORMATS = ("md", "html", "pdf")
PLOT_FORMATS = (".png", ".svg")

PDF_RESOLUTION_DPI = 300
#: The size report plots are drawn at, in pixels: drawn 1:1.25 across the page's 640-pixel
#: text width, their 10-pixel labels print at about 6 pt (at 900 pixels wide, 5 pt).
REPORT_PLOT_PX = (800, 360)

# The application made here must outlive the call that made it, or Qt tears it down mid-export.
_app: QCoreApplication | None = None


def ensure_qt_app() -> QCoreApplication:
    """The running Qt application, or a new offscreen QApplication when there is none.

    Headless callers (the command line, tests) get the offscreen platform whatever the
    environment says, because an export never shows a window and must not need a display.
    """
    global _app
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is not None:
        if not isinstance(existing, QGuiApplication):
            # Text layout and plot rendering need fonts and a platform plugin.
            raise RuntimeError("exporting needs a QGuiApplication, but a QCoreApplication runs")
        return existing
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(_headless_message)
    _app = QApplication([APP_NAME, "-platform", "offscreen"])
    return _app


#: Qt messages that the offscreen platform prints for every widget rendered off screen; they
#: say nothing a command-line user could act on.
_OFFSCREEN_NOISE = ("This plugin does not support propagateSizeHints()",)


def _headless_message(mode: Any, context: Any, message: str) -> None:
    if message not in _OFFSCREEN_NOISE:
        print(message, file=sys.stderr)


class ExportCancelled(Exception):
    """The user stopped the export; nothing was written."""


def write_summary(
    path: Path,
    fmt: str,
    framework: Framework,
    inputs: BaseModel,
    result: FrameworkResult,
    meta: SummaryMeta,
    images: Sequence[tuple[str, bytes]] = (),
    *,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the decision summary to path as "md", "html" or "pdf", atomically.

    Images (title, PNG bytes) go into the HTML and PDF; Markdown carries text only. A PDF is
    drawn page by page: `progress(done, pages)` hears of each page, and `cancelled()` is asked
    before each one (ExportCancelled then, and the file is left as it was).
    Raises ValueError for an unknown format and OSError when the file cannot be written.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "md":
        data = render_markdown(framework, inputs, result, meta).encode("utf-8")
    elif fmt == "html":
        data = render_html(framework, inputs, result, meta, images).encode("utf-8")
    elif fmt == "pdf":
        page = render_html(
            framework,
            inputs,
            result,
            meta,
            images,
            paragraph_chars=PDF_PARAGRAPH_CHARS,
            soft_break=_SOFT_BREAK,
        )
        data = html_to_pdf(
            page,
            title=f"{meta.scenario_name}: {framework.TITLE}",
            images=[png for _, png in images],
            cancelled=cancelled,
            progress=progress,
        )
    else:
        raise ValueError(f"unknown summary format '{fmt}' (use one of: {', '.join(FORMATS)})")
    write_atomic(Path(path), data)


#: The longest paragraph of notes laid out in one piece in a PDF (see core.report.render_html):
#: Qt's layout time grows with the square of a paragraph's length.
PDF_PARAGRAPH_CHARS = 2000
#: The page as QTextDocument.print_ laid it out, kept so exports look as they did: a 2 mm
#: printer margin, 2 cm text margins, the page number 5 pt below the text.
_PRINTER_MARGIN_MM = 2.0
_MARGIN_CM = 2.0
_PAGE_NUMBER_GAP_PT = 5.0
#: Where Qt may break a line in the PDF: at a word boundary only (its default also breaks
#: anywhere, and its tables then size columns as if every word could be split: "Laten cy").
#: core.report marks where long ids may break.
_SOFT_BREAK = "\u200b"


@dataclass(frozen=True)
class PageSlice:
    """The part of the laid-out document one PDF page shows, in device pixels: [top, bottom),
    and when the page starts inside a table, that table's header rows, drawn above."""

    top: float
    bottom: float
    header: tuple[float, float] | None = None


@dataclass
class _Piece:
    """Something never split across pages: a line of text, an image, a table row."""

    top: float
    bottom: float
    break_before: bool = False
    keep_with_next: bool = False
    #: The table's header rows (top, bottom), for a body row of a table that has them.
    header: tuple[float, float] | None = None
    row: bool = False
    #: The document position of the image this line holds, if it holds one.
    image: int | None = None
    texts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PdfLayout:
    """How a page of HTML is cut into PDF pages: each page's slice of the document and the
    text drawn on it, and every table row's extent (tests check no row is cut)."""

    slices: list[PageSlice]
    texts: list[str]
    rows: list[tuple[float, float]]


def html_to_pdf(
    page: str,
    title: str = "",
    images: Sequence[bytes] = (),
    *,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Lay out an HTML page on A4 with Qt's own rich-text engine and return the PDF bytes.

    Pages are cut between lines, images and table rows, never through one; a block styled
    `page-break-before: always` ends page 1 (later ones are ignored: it marks the end of the
    decision); a heading stays with what follows it; a table continued on a new page repeats
    its header row.

    The document loads no resource but the PNGs in `images` (embedded as data: URIs by
    core.report): a name or note pointing at /dev/zero, a local file or a server is never
    read. Safe off the GUI thread (QTextDocument, QPdfWriter and QPainter on a QPdfWriter are
    not GUI objects); `cancelled` and `progress` as in `write_summary`.
    """
    ensure_qt_app()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF
    from PySide6.QtGui import (
        QAbstractTextDocumentLayout,
        QColor,
        QFontMetricsF,
        QPainter,
        QPalette,
    )

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = _pdf_writer(buffer, title)
    document, margin = _laid_out(page, images, writer)
    width, height = writer.width(), writer.height()
    layout = _paginate(document, height - 2 * margin)
    pages = len(layout.slices)
    # The page number sits in the bottom margin, right-aligned, where print_ put it.
    metrics = QFontMetricsF(document.defaultFont(), writer)
    number_at = QPointF(
        width - margin,
        height - margin + metrics.ascent() + _PAGE_NUMBER_GAP_PT * writer.logicalDpiY() / 72,
    )
    context = QAbstractTextDocumentLayout.PaintContext()
    # Black text whatever the desktop theme's palette says (a dark theme's is white).
    context.palette.setColor(QPalette.ColorRole.Text, QColor("black"))
    painter = QPainter(writer)
    drawer = document.documentLayout()

    def draw(top: float, bottom: float, at: float) -> None:
        view = QRectF(0, top, width, bottom - top)
        painter.save()
        painter.translate(0, at - top)
        painter.setClipRect(view)
        # The layout draws every line that meets its clip, and a clipped line's text would
        # still be in the PDF (found by search, copied): the line starting at `bottom` only
        # touches the view, so the clip stops short of it.
        context.clip = view.adjusted(0, 0.5, 0, -0.5)
        drawer.draw(painter, context)
        painter.restore()

    try:
        for index, piece in enumerate(layout.slices):
            if cancelled is not None and cancelled():
                raise ExportCancelled("the export was cancelled")
            if index:
                writer.newPage()
            at = float(margin)
            if piece.header is not None:
                draw(*piece.header, at)
                at += piece.header[1] - piece.header[0]
            draw(piece.top, piece.bottom, at)
            painter.setFont(document.defaultFont())
            number = str(index + 1)
            painter.drawText(number_at - QPointF(metrics.horizontalAdvance(number), 0), number)
            if progress is not None:
                progress(index + 1, pages)
    finally:
        painter.end()
        # Both are objects of this thread (the document's layout keeps timers): they must go
        # here, not wherever an exception holding this frame is dropped (the GUI thread, for
        # a cancelled export). The writer flushes the last page only when it is destroyed.
        del document, writer
    buffer.close()
    return bytes(data.data())


def pdf_layout(page: str, images: Sequence[bytes] = ()) -> PdfLayout:
    """The pages `html_to_pdf` would cut this page into, without drawing them."""
    ensure_qt_app()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    buffer = QBuffer(QByteArray())
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = _pdf_writer(buffer, "")
    document, margin = _laid_out(page, images, writer)
    try:
        return _paginate(document, writer.height() - 2 * margin)
    finally:
        del document, writer


def _pdf_writer(device: Any, title: str) -> Any:
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    writer = QPdfWriter(device)
    writer.setTitle(title)
    writer.setCreator(APP_NAME)
    writer.setResolution(PDF_RESOLUTION_DPI)
    edge = _PRINTER_MARGIN_MM
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(edge, edge, edge, edge),
            QPageLayout.Unit.Millimeter,
        )
    )
    return writer


def _laid_out(page: str, images: Sequence[bytes], writer: Any) -> tuple[Any, int]:
    """The page as one long document as wide as the writer's page, and the text margin in
    device pixels (left and right are the document's; top and bottom are each page's)."""
    from PySide6.QtGui import QGuiApplication, QTextOption

    document = _document_class()({_data_uri(png) for png in images})
    # Laid out for the PDF's resolution, so fonts and images have their printed sizes.
    document.documentLayout().setPaintDevice(writer)
    option = QTextOption(document.defaultTextOption())
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    document.setDefaultTextOption(option)
    document.setHtml(page.replace("<wbr>", _SOFT_BREAK))
    # Frame margins are in screen pixels (the layout scales them to the device), as in print_.
    screen = QGuiApplication.primaryScreen()
    screen_dpi = round(screen.logicalDotsPerInchY()) if screen is not None else 96
    margin = int(_MARGIN_CM / 2.54 * screen_dpi)
    frame = document.rootFrame().frameFormat()
    frame.setLeftMargin(margin)
    frame.setRightMargin(margin)
    frame.setTopMargin(0)
    frame.setBottomMargin(0)
    document.rootFrame().setFrameFormat(frame)
    # No page height: one continuous layout, which _paginate cuts where nothing is split.
    document.setTextWidth(writer.width())
    device_margin = round(margin * writer.logicalDpiY() / screen_dpi)
    _fit_tables(
        document,
        writer.width() * (1 + _TABLE_SLACK) - device_margin,
        writer.width() - 2 * device_margin,
        writer.logicalDpiY() / screen_dpi,
    )
    _fit_first_page(document, writer.height() - 2 * device_margin)
    return document, device_margin


#: Font sizes (points) a table wider than the page is set in, in turn, until it fits: its
#: columns are at least as wide as their longest word, and the words are never split.
_NARROWER_TABLE_PT = (8.0, 7.0, 6.0)
#: How far past the text's right edge a table may end without being too wide, as a share of
#: the page's width (Qt draws a 100%-wide table's borders and spacing a little past it).
_TABLE_SLACK = 0.02


def _column_extents(table: Any, device: Any) -> tuple[list[float], list[float]]:
    """Each column's longest word and longest line, in device pixels, at the cells' fonts."""
    from PySide6.QtGui import QFontMetricsF

    columns = table.columns()
    least, most = [1.0] * columns, [1.0] * columns
    for row in range(table.rows()):
        for column in range(columns):
            cell = table.cellAt(row, column)
            if cell.columnSpan() != 1:
                continue
            block = cell.firstCursorPosition().block()
            last = cell.lastCursorPosition().position()
            while block.isValid() and block.position() <= last:
                line = 0.0
                fragments = block.begin()
                while not fragments.atEnd():
                    fragment = fragments.fragment()
                    metrics = QFontMetricsF(fragment.charFormat().font(), device)
                    text = fragment.text()
                    line += metrics.horizontalAdvance(text.replace(_SOFT_BREAK, ""))
                    for word in _WORD_BREAKS.split(text):
                        least[column] = max(least[column], metrics.horizontalAdvance(word))
                    fragments += 1
                most[column] = max(most[column], line)
                block = block.next()
    return [w * _WORD_SLACK for w in least], most


def _size_columns(table: Any, least: list[float], most: list[float], room: float) -> None:
    """Give the columns widths from their content, as a browser does: each at least its
    longest word, and the room left shared in proportion to how much more its longest line
    would take. Qt shares a table's width out about evenly, whatever the content."""
    from PySide6.QtGui import QTextLength

    if sum(most) <= room or sum(least) >= room:
        widths = most if sum(most) <= room else least
    else:
        spare = [m - w for m, w in zip(most, least, strict=True)]
        share = (room - sum(least)) / max(sum(spare), 1e-9)
        widths = [w + s * share for w, s in zip(least, spare, strict=True)]
    fmt = table.format()
    fmt.setColumnWidthConstraints(
        [QTextLength(QTextLength.Type.PercentageLength, 100 * w / sum(widths)) for w in widths]
    )
    table.setFormat(fmt)


#: Where a table cell's line may break: spaces and the soft breaks after an id's separators.
_WORD_BREAKS = re.compile(f"[\\s{_SOFT_BREAK}]+")
#: A longest word is given a little more than its measured width, so rounding in Qt's own
#: table layout never leaves it a pixel short (a word too long for its column overflows).
_WORD_SLACK = 1.03
#: A table whose longest words take more than this share of the width leaves too little for
#: the lines that wrap (the options table's model ids broke over six lines): it is set smaller.
_TIGHT_TABLE = 0.85


def _fit_tables(document: Any, right: float, width: float, scale: float) -> None:
    """Set each table that runs past `right` (a wide options table), or whose words leave
    too little room for its wrapping lines, in a smaller font; then size its columns from
    their content across the text `width` (device pixels; `scale` is device per screen pixel,
    the unit of the table's padding, spacing and borders)."""
    from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextTable

    layout = document.documentLayout()
    for table in document.rootFrame().childFrames():
        if not isinstance(table, QTextTable):
            continue
        fmt = table.format()
        overhead = (2 * fmt.cellPadding() + fmt.cellSpacing() + 2 * fmt.border()) * scale
        room = width - table.columns() * overhead - fmt.cellSpacing() * scale
        sizes = iter(_NARROWER_TABLE_PT)
        while True:
            least, most = _column_extents(table, layout.paintDevice())
            too_wide = layout.frameBoundingRect(table).right() > right
            tight = sum(most) > room and sum(least) > _TIGHT_TABLE * room
            points = next(sizes, None) if too_wide or tight else None
            if points is None:
                break
            cursor = QTextCursor(document)
            cursor.setPosition(table.firstPosition())
            cursor.setPosition(table.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
            smaller = QTextCharFormat()
            smaller.setFontPointSize(points)
            cursor.mergeCharFormat(smaller)
        _size_columns(table, least, most, room)


#: The smallest the first page's plot is drawn to keep it on that page, as a share of its size:
#: a 900-pixel plot across the 170 mm text prints its 10-pixel labels at about 5 pt, and much
#: below 0.7 of that they cannot be read, so the plot goes to page 2 at full size instead.
_SMALLEST_FIRST_PLOT = 0.7


def _fit_first_page(document: Any, height: float) -> None:
    """Shrink the plot that closes the first part (the decision, up to the first forced page
    break) just enough for that part to stay on one page, down to 0.7 of its size; a part
    that would need more keeps its plot full size on the next page."""
    from PySide6.QtGui import QTextCursor

    pieces = _pieces(document)
    first = next((i for i, p in enumerate(pieces) if p.break_before), len(pieces))
    if not first or pieces[first - 1].bottom <= height:
        return
    images = [(p, p.image) for p in pieces[:first] if p.image is not None]
    if not images:
        return
    plot, position = images[-1]
    tall = plot.bottom - plot.top
    scale = (tall - (pieces[first - 1].bottom - height)) / tall
    if scale < _SMALLEST_FIRST_PLOT:
        return
    cursor = QTextCursor(document)
    cursor.setPosition(position)
    cursor.setPosition(position + 1, QTextCursor.MoveMode.KeepAnchor)
    image = cursor.charFormat().toImageFormat()
    # A little under the exact share: the line around the image does not shrink with it.
    scale *= 0.98
    image.setWidth(image.width() * scale)
    image.setHeight(image.height() * scale)
    cursor.setCharFormat(image)


def _paginate(document: Any, height: float) -> PdfLayout:
    """Cut a laid-out document into slices at most `height` tall, between pieces."""
    pieces = _pieces(document)
    merged: list[_Piece] = []
    for piece in pieces:
        if merged and merged[-1].keep_with_next and not piece.break_before:
            last = merged[-1]
            last.bottom = max(last.bottom, piece.bottom)
            last.keep_with_next = piece.keep_with_next
            last.texts += piece.texts
        else:
            merged.append(piece)
    slices: list[PageSlice] = []
    texts: list[list[str]] = [[]]
    top, header = 0.0, None

    def close(at: float, next_header: tuple[float, float] | None) -> None:
        nonlocal top, header
        slices.append(PageSlice(top, at, header))
        texts.append([])
        top, header = at, next_header

    for piece in merged:
        room = height - (header[1] - header[0] if header else 0.0)
        # A forced break starts a new page only from the first: when the decision ran over
        # page 1, the appendix follows on the same page instead of leaving it mostly blank.
        forced = piece.break_before and not slices
        if texts[-1] and (forced or piece.bottom - top > room):
            close(piece.top, piece.header)
            room = height - (header[1] - header[0] if header else 0.0)
        # Taller than a page (a huge image or row): cut through it, as nothing else can be done.
        while piece.bottom - top > room:
            close(top + room, None)
            room = height
        texts[-1] += piece.texts
    end = max([top, *(p.bottom for p in pieces)])
    slices.append(PageSlice(top, end, header))
    rows = [(p.top, p.bottom) for p in pieces if p.row]
    return PdfLayout(slices, ["\n".join(t) for t in texts], rows)


def _pieces(document: Any) -> list[_Piece]:
    """The document as pieces in reading order: each line of a block outside tables (a
    heading's and an image's glued to what follows: a caption, a table), each table row."""
    from PySide6.QtGui import QTextCursor, QTextFormat

    layout = document.documentLayout()
    pieces: list[_Piece] = []
    block = document.begin()
    while block.isValid():
        table = QTextCursor(block).currentTable()
        if table is not None:
            pieces += _row_pieces(document, table)
            while block.isValid() and block.position() <= table.lastPosition():
                block = block.next()
            continue
        rect = layout.blockBoundingRect(block)
        form = block.blockFormat()
        # U+FFFC stands for an image; it stays with its caption.
        image = block.text().find("\ufffc")
        glued = form.headingLevel() > 0 or image >= 0
        lines = block.layout()
        count = lines.lineCount()
        for index in range(max(count, 1)):
            line = lines.lineAt(index) if count else None
            top = rect.top() + (line.y() if line is not None else 0.0)
            bottom = top + line.height() if line is not None else rect.bottom()
            pieces.append(
                _Piece(
                    top,
                    bottom,
                    break_before=index == 0
                    and bool(
                        form.pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
                    ),
                    # No line of a paragraph or list item alone at the foot or head of a
                    # page: its first two lines go together, and its last two, so one of up
                    # to three lines moves whole.
                    keep_with_next=glued or (index < count - 1 and index in (0, count - 2)),
                    image=block.position() + image if image >= 0 and index == 0 else None,
                    texts=[block.text()] if index == 0 else [],
                )
            )
        block = block.next()
    return pieces


def _row_pieces(document: Any, table: Any) -> list[_Piece]:
    """One piece per table row, from the border above it to the border below it; a page
    cut between rows goes through the middle of the border they share."""
    layout = document.documentLayout()
    frame = layout.frameBoundingRect(table)
    content: list[tuple[float, float, str]] = []
    for row in range(table.rows()):
        tops, bottoms, texts = [], [], []
        for column in range(table.columns()):
            cell = table.cellAt(row, column)
            if cell.row() != row or cell.column() != column:
                continue  # the rest of a spanned cell
            block = document.findBlock(cell.firstPosition())
            while block.isValid() and block.position() <= cell.lastPosition():
                rect = layout.blockBoundingRect(block)
                tops.append(rect.top())
                bottoms.append(rect.bottom())
                texts.append(block.text())
                block = block.next()
        if tops:
            content.append((min(tops), max(bottoms), " | ".join(texts)))
    bounds = [frame.top()]
    bounds += [(a[1] + b[0]) / 2 for a, b in zip(content, content[1:], strict=False)]
    bounds.append(frame.bottom())
    heads = min(table.format().headerRowCount(), len(content) - 1)
    header = (bounds[0], bounds[heads]) if heads > 0 else None
    return [
        _Piece(
            bounds[index],
            bounds[index + 1],
            keep_with_next=index < heads,
            header=header if index >= heads else None,
            row=True,
            texts=[text],
        )
        for index, (_, _, text) in enumerate(content)
    ]


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


_SafeDocument: type | None = None


def _document_class() -> type:
    """A QTextDocument that loads only the given data: URIs (made once Qt is imported).

    A refused image gets an empty placeholder: given nothing, Qt's image handler would read
    the image's file name itself."""
    global _SafeDocument
    if _SafeDocument is None:
        from PySide6.QtCore import QByteArray, QUrl
        from PySide6.QtGui import QColor, QImage, QTextDocument

        class SafeDocument(QTextDocument):
            def __init__(self, allowed: set[str]) -> None:
                super().__init__()
                self.allowed = allowed

            def loadResource(self, kind: int, url: QUrl | str) -> Any:  # noqa: N802 (Qt API)
                if (url.toString() if isinstance(url, QUrl) else url) in self.allowed:
                    return super().loadResource(kind, url)
                if kind == QTextDocument.ResourceType.ImageResource:
                    placeholder = QImage(1, 1, QImage.Format.Format_ARGB32)
                    placeholder.fill(QColor(0, 0, 0, 0))
                    return placeholder
                return QByteArray()

        _SafeDocument = SafeDocument
    return _SafeDocument


def render_plot_images(framework_id: str, result: FrameworkResult) -> list[tuple[str, bytes]]:
    """The framework's plots for this result as (title, PNG bytes), rendered offscreen."""
    ensure_qt_app()
    try:
        from ui.plots.registry import images_for
    except ModuleNotFoundError as exc:
        if exc.name not in ("ui.plots", "ui.plots.registry"):
            raise
        raise ImportError(
            "plot images are unavailable: the module ui.plots.registry is missing"
        ) from exc
    return images_for(framework_id, result, REPORT_PLOT_PX)


def export_plot(plot: Any, path: Path) -> None:
    """Save one plot (a pyqtgraph PlotWidget, PlotItem or scene) as .png or .svg, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PLOT_FORMATS:
        raise ValueError(
            f"cannot export a plot as '{path.suffix or path.name}': use one of "
            f"{', '.join(PLOT_FORMATS)}"
        )
    ensure_qt_app()
    import pyqtgraph as pg
    from pyqtgraph.exporters import ImageExporter, SVGExporter

    if isinstance(plot, pg.PlotWidget):
        item = plot.getPlotItem()
    elif isinstance(plot, pg.GraphicsView):
        item = plot.scene()
    else:
        item = plot
    exporter = ImageExporter(item) if suffix == ".png" else SVGExporter(item)

    def export(tmp: Path) -> None:
        # ImageExporter reports a failed save only through QImage.save's return value.
        if exporter.export(fileName=str(tmp)) is False or not tmp.stat().st_size:
            raise OSError(f"could not write the plot image {path}")

    write_atomic(path, export)
