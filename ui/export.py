"""Writing decision summaries (Markdown, HTML, PDF) and plot images to files.

Qt is imported inside the functions that need it, so the command line can write a Markdown
summary without loading PySide6.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from core import APP_NAME
from core.frameworks import Framework
from core.frameworks.common import FrameworkResult
from core.report import SummaryMeta, render_html, render_markdown

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

FORMATS = ("md", "html", "pdf")
PLOT_FORMATS = (".png", ".svg")

PDF_RESOLUTION_DPI = 300

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
            framework, inputs, result, meta, images, paragraph_chars=PDF_PARAGRAPH_CHARS
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
    _write_atomically(Path(path), lambda tmp: tmp.write_bytes(data))


#: The longest paragraph of notes laid out in one piece in a PDF (see core.report.render_html):
#: Qt's layout time grows with the square of a paragraph's length.
PDF_PARAGRAPH_CHARS = 2000
#: The layout QTextDocument.print_ gives a document without a page size, kept so exports look
#: as they did: a 2 mm printer margin, 2 cm text margins, the page number 5 pt below the text.
_PRINTER_MARGIN_MM = 2.0
_MARGIN_CM = 2.0
_PAGE_NUMBER_GAP_PT = 5.0


def html_to_pdf(
    page: str,
    title: str = "",
    images: Sequence[bytes] = (),
    *,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Lay out an HTML page on A4 with Qt's own rich-text engine and return the PDF bytes.

    The document loads no resource but the PNGs in `images` (embedded as data: URIs by
    core.report): a name or note pointing at /dev/zero, a local file or a server is never
    read. Safe off the GUI thread (QTextDocument, QPdfWriter and QPainter on a QPdfWriter are
    not GUI objects); `cancelled` and `progress` as in `write_summary`.
    """
    ensure_qt_app()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF
    from PySide6.QtGui import (
        QAbstractTextDocumentLayout,
        QColor,
        QFontMetricsF,
        QGuiApplication,
        QPageLayout,
        QPageSize,
        QPainter,
        QPalette,
        QPdfWriter,
    )

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator(APP_NAME)
    writer.setResolution(PDF_RESOLUTION_DPI)
    # The text's 2 cm margins are the document's own, as QTextDocument.print_ lays it out;
    # core.report sizes the plots to fit the width between them. The document is drawn here
    # page by page, instead of by print_, so that a long export can stop between pages.
    edge = _PRINTER_MARGIN_MM
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(edge, edge, edge, edge),
            QPageLayout.Unit.Millimeter,
        )
    )
    document = _document_class()({_data_uri(png) for png in images})
    # Laid out for the PDF's resolution, so fonts and images have their printed sizes.
    document.documentLayout().setPaintDevice(writer)
    document.setHtml(page)
    dpi = writer.logicalDpiY()
    # Frame margins are in screen pixels (the layout scales them to the device), as in print_.
    screen = QGuiApplication.primaryScreen()
    screen_dpi = round(screen.logicalDotsPerInchY()) if screen is not None else 96
    margin = int(_MARGIN_CM / 2.54 * screen_dpi)
    frame = document.rootFrame().frameFormat()
    frame.setMargin(margin)
    document.rootFrame().setFrameFormat(frame)
    sheet = QSizeF(writer.width(), writer.height())
    document.setPageSize(sheet)
    pages = document.pageCount()
    # The page number sits in the bottom margin, right-aligned, where print_ puts it.
    metrics = QFontMetricsF(document.defaultFont(), writer)
    device_margin = margin * dpi / screen_dpi
    number_at = QPointF(
        sheet.width() - device_margin,
        sheet.height() - device_margin + metrics.ascent() + _PAGE_NUMBER_GAP_PT * dpi / 72,
    )
    context = QAbstractTextDocumentLayout.PaintContext()
    # Black text whatever the desktop theme's palette says (a dark theme's is white).
    context.palette.setColor(QPalette.ColorRole.Text, QColor("black"))
    painter = QPainter(writer)
    try:
        for index in range(pages):
            if cancelled is not None and cancelled():
                raise ExportCancelled("the export was cancelled")
            if index:
                writer.newPage()
            view = QRectF(QPointF(0, index * sheet.height()), sheet)
            painter.save()
            painter.translate(0, -view.top())
            painter.setClipRect(view)
            context.clip = view
            document.documentLayout().draw(painter, context)
            painter.restore()
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

            def loadResource(self, kind: int, url: QUrl) -> Any:  # noqa: N802 (Qt API)
                if url.toString() in self.allowed:
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
    return images_for(framework_id, result)


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

    if hasattr(plot, "getPlotItem"):
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

    _write_atomically(path, export)


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file beside path, then rename it over path.

    A reader (or a crash) never sees a half-written file, and an old file survives a failure.
    The temporary file keeps path's suffix because exporters pick their format from it.
    """
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder {folder} does not exist")
    tmp = folder / f".{path.stem}.{secrets.token_hex(6)}.tmp{path.suffix}"
    # 0o666 lets the umask decide a new file's permissions, as for any file the user makes
    # (tempfile.mkstemp would leave a private 0600 report); an overwritten file keeps its own.
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        write(tmp)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, path.stat().st_mode & 0o777)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
