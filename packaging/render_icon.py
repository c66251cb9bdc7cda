"""Render the application icon's PNG from its SVG with Qt: `python packaging/render_icon.py`.

The PNG is committed next to the SVG (resources/icons/) so the window icon loads without the
SVG image plugin and desktops that want a bitmap get one; run this after editing the SVG.
tests/test_packaging.py checks that the committed PNG is this rendering of the SVG.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "ai-decision-frameworks.svg"
PNG = ICONS / "ai-decision-frameworks.png"
SIZE_PX = 256


def render(svg: bytes, size_px: int = SIZE_PX) -> QImage:
    """The SVG drawn on a transparent square of `size_px` pixels, antialiased."""
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("the icon's SVG does not parse")
    image = QImage(size_px, size_px, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    if not render(SVG.read_bytes()).save(str(PNG), "PNG"):
        print(f"error: could not write {PNG}", file=sys.stderr)
        return 1
    print(f"wrote {PNG} ({SIZE_PX} x {SIZE_PX} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
