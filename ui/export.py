"""Writing decision summaries (Markdown, HTML, PDF) and plot images to files.

Qt is imported inside the functions that need it, so the command line can write a Markdown
summary without loading PySide6.
"""

from __future__ import annotations

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


def write_summary(
    path: Path,
    fmt: str,
    framework: Framework,
    inputs: BaseModel,
    result: FrameworkResult,
    meta: SummaryMeta,
    images: Sequence[tuple[str, bytes]] = (),
) -> None:
    """Write the decision summary to path as "md", "html" or "pdf", atomically.

    Images (title, PNG bytes) go into the HTML and PDF; Markdown carries text only.
    Raises ValueError for an unknown format and OSError when the file cannot be written.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "md":
        data = render_markdown(framework, inputs, result, meta).encode("utf-8")
    elif fmt == "html":
        data = render_html(framework, inputs, result, meta, images).encode("utf-8")
    elif fmt == "pdf":
        page = render_html(framework, inputs, result, meta, images)
        data = html_to_pdf(page, title=f"{meta.scenario_name}: {framework.TITLE}")
    else:
        raise ValueError(f"unknown summary format '{fmt}' (use one of: {', '.join(FORMATS)})")
    _write_atomically(Path(path), lambda tmp: tmp.write_bytes(data))


def html_to_pdf(page: str, title: str = "") -> bytes:
    """Lay out an HTML page on A4 with Qt's own rich-text engine and return the PDF bytes."""
    ensure_qt_app()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator(APP_NAME)
    writer.setResolution(PDF_RESOLUTION_DPI)
    # No page margins of our own: QTextDocument.print_ paginates the text itself with 2 cm
    # margins and page numbers, and core.report sizes the plots to fit that text width.
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setHtml(page)
    document.print_(writer)
    # The writer flushes the last page only when it is destroyed.
    del writer
    buffer.close()
    return bytes(data.data())


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
