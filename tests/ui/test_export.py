"""Writing summaries and plot images to files: formats, atomic writes, Qt's PDF writer."""

from __future__ import annotations

import os
from pathlib import Path

import pyqtgraph as pg
import pytest

from core.files import write_atomic
from core.frameworks import build_vs_buy
from core.report import SummaryMeta, render_html
from ui.export import (
    ensure_qt_app,
    export_plot,
    html_to_pdf,
    render_plot_images,
    write_summary,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def decision():
    inputs = build_vs_buy.Inputs(serving_cost_per_year=3_000_000)
    result = build_vs_buy.compute(inputs)
    meta = SummaryMeta(scenario_name="Pricey serving", notes="Note <script>x()</script>")
    return build_vs_buy, inputs, result, meta


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".")]


def test_ensure_qt_app_reuses_the_running_application(qapp) -> None:
    assert ensure_qt_app() is qapp


def test_markdown_and_html_summaries(decision, tmp_path: Path) -> None:
    md, page = tmp_path / "s.md", tmp_path / "s.html"
    write_summary(md, "md", *decision)
    write_summary(page, "HTML", *decision, images=[("Plot", PNG_SIGNATURE + b"rest")])
    assert "Chosen option: **Buy**" in md.read_text(encoding="utf-8")
    html = page.read_text(encoding="utf-8")
    assert "Chosen option: <strong>Buy</strong>" in html
    assert "Note &lt;script&gt;x()&lt;/script&gt;" in html
    assert "data:image/png;base64," in html
    assert _leftovers(tmp_path) == []


def test_pdf_summary(qapp, decision, tmp_path: Path) -> None:
    out = tmp_path / "s.pdf"
    write_summary(out, "pdf", *decision)
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/Title (" in data
    assert len(data) > 10_000
    assert _leftovers(tmp_path) == []


def test_pdf_grows_with_the_embedded_plots(qapp, decision) -> None:
    images = render_plot_images(build_vs_buy.ID, decision[2])
    plain = html_to_pdf("<h1>Title</h1><p>Body</p>")
    assert plain.startswith(b"%PDF-")
    page = render_html(*decision, images=images)
    with_plots = html_to_pdf(page, images=[png for _, png in images])
    assert len(with_plots) > len(plain) + sum(len(png) for _, png in images) // 2
    # Only the images named to it are loaded: the same page without them has no plots.
    assert len(html_to_pdf(page)) < len(plain) + sum(len(png) for _, png in images) // 2


def test_unknown_format_is_refused_and_nothing_written(decision, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown summary format 'docx' \(use one of: md"):
        write_summary(tmp_path / "s.docx", "docx", *decision)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_a_clear_oserror(decision, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_summary(tmp_path / "nope" / "s.md", "md", *decision)


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("old summary")

    def half_write(tmp: Path) -> None:
        tmp.write_text("half of the new one")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, half_write)
    assert target.read_text() == "old summary"
    assert _leftovers(tmp_path) == []


def test_written_files_get_ordinary_permissions(decision, tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.md"
        write_summary(fresh, "md", *decision)
        kept = tmp_path / "kept.md"
        kept.write_text("")
        kept.chmod(0o600)
        write_summary(kept, "md", *decision)
    finally:
        os.umask(old_umask)
    assert fresh.stat().st_mode & 0o777 == 0o644
    assert kept.stat().st_mode & 0o777 == 0o600


def test_render_plot_images_gives_titled_pngs(qapp, decision) -> None:
    images = render_plot_images(build_vs_buy.ID, decision[2])
    assert images
    for title, png in images:
        assert title.strip()
        assert png.startswith(PNG_SIGNATURE)


@pytest.fixture
def plot(qtbot) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(640, 360)
    widget.plot([0, 1, 2, 3], [0, 1, 4, 9], name="squares")
    return widget


@pytest.mark.parametrize("suffix", [".png", ".svg", ".PNG"])
def test_export_plot(plot: pg.PlotWidget, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"plot{suffix}"
    export_plot(plot, out)
    data = out.read_bytes()
    if suffix.lower() == ".png":
        assert data.startswith(PNG_SIGNATURE)
    else:
        assert b"<svg" in data[:2000]
    assert _leftovers(tmp_path) == []


def test_export_plot_accepts_a_plot_item(plot: pg.PlotWidget, tmp_path: Path) -> None:
    out = tmp_path / "item.png"
    export_plot(plot.getPlotItem(), out)
    assert out.read_bytes().startswith(PNG_SIGNATURE)


def test_export_plot_refuses_other_formats(plot: pg.PlotWidget, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use one of \.png, \.svg"):
        export_plot(plot, tmp_path / "plot.jpg")
    assert list(tmp_path.iterdir()) == []
