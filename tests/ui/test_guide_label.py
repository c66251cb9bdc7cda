"""The framework guide's kept heights are QLabel's own, and follow its text and style."""

from PySide6.QtWidgets import QLabel

from core.frameworks import ENTRIES
from ui.framework_tab import _GuideLabel


def _plain(text: str, style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


def test_the_kept_heights_are_qlabels_and_follow_text_and_padding(qtbot):
    guide_text = ENTRIES[0].load().GUIDE
    guide = _GuideLabel(guide_text)
    guide.setWordWrap(True)
    qtbot.addWidget(guide)
    plain = _plain(guide_text)
    qtbot.addWidget(plain)
    for width in (200, 380, 200, 600, 380):
        assert guide.heightForWidth(width) == plain.heightForWidth(width)
    guide.setText("short")
    assert guide.heightForWidth(380) == _plain("short").heightForWidth(380)
    guide.setText(guide_text)
    guide.setStyleSheet("padding: 12px;")
    guide.ensurePolished()
    padded = _plain(guide_text, "padding: 12px;")
    padded.ensurePolished()
    assert guide.heightForWidth(380) == padded.heightForWidth(380)
    assert guide.heightForWidth(380) > plain.heightForWidth(380)
