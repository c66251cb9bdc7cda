"""PDF exports load nothing but the app's own plots, lay out long notes in linear time and
can be cancelled from the window.

The attacks: notes with `![x](/dev/zero)` aborted the PDF export after reading 8.5 GB; with a
local path the file was embedded in the PDF; 1 MB of notes took 50 s and 2 MB 134 s.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import pytest
from PySide6.QtGui import QTextDocument

from core.frameworks import build_vs_buy
from core.report import SummaryMeta, render_html
from tests.ui.conftest import wait_idle
from tests.ui.test_hostile_text import FifoWatch
from tests.ui.test_hostile_text import fifo_watch as fifo_watch  # the fixture
from ui.export import (
    PDF_PARAGRAPH_CHARS,
    ExportCancelled,
    html_to_pdf,
    render_plot_images,
    write_summary,
)


def _images_in(pdf: bytes) -> int:
    """Images in the PDF bigger than the 1 x 1 pixel placeholder of a refused one."""
    sizes = zip(
        re.findall(rb"/Width\s+(\d+)\b", pdf), re.findall(rb"/Height\s+(\d+)\b", pdf), strict=True
    )
    return sum(1 for w, h in sizes if (int(w), int(h)) != (1, 1))


def _png(tmp_path: Path) -> Path:
    """A real PNG on disk, as a note or a name might point at."""
    from PySide6.QtGui import QColor, QImage

    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    path = tmp_path / "secret.png"
    assert image.save(str(path))
    return path


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _decision(notes: str):
    inputs = build_vs_buy.Inputs()
    result = build_vs_buy.compute(inputs)
    meta = SummaryMeta(scenario_name="plan", notes=notes, date=dt.date(2026, 12, 3))
    return build_vs_buy, inputs, result, meta


def test_the_pdf_loader_refuses_files_and_servers_in_raw_html(
    qapp, tmp_path: Path, fifo_watch: FifoWatch
) -> None:
    """Even HTML that names them directly (not through the report) loads no file."""
    png = _png(tmp_path)
    page = (
        f'<p>a</p><img src="{fifo_watch.fifo}"><img src="{png}"><img src="file://{png}">'
        '<img src="http://127.0.0.1:9/pixel.png"><p style="background-image: url(/dev/zero)">b</p>'
    )
    pdf = html_to_pdf(page)
    assert _images_in(pdf) == 0
    assert _images_in(html_to_pdf(f'<img src="data:image/png;base64,{_b64(png)}">')) == 0
    allowed = html_to_pdf(
        f'<img src="data:image/png;base64,{_b64(png)}">', images=[png.read_bytes()]
    )
    assert _images_in(allowed) == 1  # the control: the same image, when it is the app's
    assert fifo_watch.opens() == 0


def test_a_pdf_embeds_the_plots_and_nothing_a_note_points_at(
    qapp, tmp_path: Path, fifo_watch: FifoWatch
) -> None:
    png = _png(tmp_path)
    notes = (
        f"![zero](/dev/zero) ![fifo]({fifo_watch.fifo}) ![local]({png}) ![web](http://x.test/p.png)"
    )
    framework, inputs, result, meta = _decision(notes)
    plots = render_plot_images(framework.ID, result)
    out = tmp_path / "summary.pdf"
    write_summary(out, "pdf", framework, inputs, result, meta, plots)
    assert _images_in(out.read_bytes()) == len(plots) > 0
    assert fifo_watch.opens() == 0


def test_pdf_export_reports_each_page_and_stops_when_cancelled(qapp, tmp_path: Path) -> None:
    decision = _decision("A line of notes.\n" * 4000)
    out = tmp_path / "summary.pdf"
    seen: list[tuple[int, int]] = []
    write_summary(out, "pdf", *decision, progress=lambda done, pages: seen.append((done, pages)))
    pages = seen[-1][1]
    assert pages > 1 and seen == [(i, pages) for i in range(1, pages + 1)]

    asked: list[int] = []

    def cancel_after_two() -> bool:
        asked.append(1)
        return len(asked) > 2

    old = out.read_bytes()
    with pytest.raises(ExportCancelled):
        write_summary(out, "pdf", *decision, cancelled=cancel_after_two)
    assert len(asked) == 3  # asked before each page: two drawn, stopped before the third
    assert out.read_bytes() == old  # the file is left as it was
    assert [p.name for p in tmp_path.iterdir()] == ["summary.pdf"]


@pytest.mark.parametrize("notes", ["word " * 60_000, "A line of notes.\n" * 20_000])
def test_no_paragraph_qt_lays_out_is_longer_than_the_limit(qapp, notes: str) -> None:
    """The superlinear step was Qt's layout of one huge paragraph (markdown joins a note's
    lines into one): 1 MB took 12 s in one paragraph, 2 s in paragraphs of 2,000 characters.
    The page the PDF is made from has no block much over the limit, whatever the notes."""
    page = render_html(*_decision(notes), paragraph_chars=PDF_PARAGRAPH_CHARS)
    document = QTextDocument()
    document.setHtml(page)
    longest = 0
    block = document.begin()
    while block.isValid():
        longest = max(longest, block.length())
        block = block.next()
    assert PDF_PARAGRAPH_CHARS // 2 < longest <= PDF_PARAGRAPH_CHARS + 1


def test_window_pdf_export_can_be_cancelled(qtbot, window, tmp_path: Path) -> None:
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    tab.notes.setPlainText("A long note about the plan.\n" * 20_000)
    out = tmp_path / "summary.pdf"
    window.export_summary(str(out))
    dialog = window.export_progress
    assert dialog is not None
    dialog.canceled.emit()  # as its Cancel button does; layout alone takes a while
    wait_idle(qtbot, window)
    assert not out.exists()
    assert window.statusBar().currentMessage() == f"Export cancelled: {out} was not written"
    assert window.export_progress is None
    tab.notes.setPlainText("")


def test_window_pdf_export_finishes_with_its_progress_closed(qtbot, window, tmp_path) -> None:
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    out = tmp_path / "summary.pdf"
    window.export_summary(str(out))
    wait_idle(qtbot, window)
    assert out.read_bytes().startswith(b"%PDF-")
    assert window.export_progress is None
    assert window.statusBar().currentMessage() == f"Decision summary written to {out}"
