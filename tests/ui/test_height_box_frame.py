"""A HeightBox keeps what its frame takes around the held widget, and measures it anew when
the frame, the style or the margins change."""

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QFrame, QLabel

from ui.plots.common import HeightBox
from ui.result_card import ResultCard


def _measured(box: HeightBox) -> QSize:
    return box.size() - box.contentsRect().size()


def test_the_kept_frame_follows_frame_style_and_margins(qtbot):
    label = QLabel("Some words that wrap")
    label.setWordWrap(True)
    box = HeightBox(label)
    qtbot.addWidget(box)
    box.resize(200, 80)
    box.show()
    qtbot.waitExposed(box)
    assert box._frame() == _measured(box) == QSize(0, 0)
    changes = (
        lambda: box.setFrameShape(QFrame.Shape.Box),
        lambda: box.setLineWidth(3),
        lambda: box.setStyleSheet("HeightBox { border: 5px solid red; }"),
        lambda: box.setContentsMargins(7, 2, 4, 9),
        lambda: box.setStyleSheet(""),
        lambda: box.setFrameShape(QFrame.Shape.NoFrame),
        lambda: box.setContentsMargins(0, 0, 0, 0),
    )
    seen = set()
    for change in changes:
        change()
        assert box._frame() == _measured(box)
        height = label.heightForWidth(box.width() - _measured(box).width())
        assert box.heightForWidth(box.width()) == height + _measured(box).height()
        seen.add((box._frame().width(), box._frame().height()))
    assert len(seen) >= 4  # the changes did change the frame
    box.hide()  # hidden: no resize, the ContentsRectChange alone
    box.setContentsMargins(1, 1, 1, 1)
    assert box._frame() == _measured(box) == QSize(2, 2)


def test_the_result_cards_hint_follows_its_border(qtbot):
    card = ResultCard()
    qtbot.addWidget(card)
    card.resize(500, 300)
    card.show()
    qtbot.waitExposed(card)
    before = card.minimumSizeHint()
    card.setStyleSheet("#resultCard { border: 6px solid #dadce0; }")
    frame = _measured(card)
    assert card._frame() == frame
    scroll_bar = card.scroll_area.verticalScrollBar().sizeHint().width()
    least = card.content.minimumSizeHint()
    need = card.content.heightForWidth(card.width() - frame.width()) + frame.height()
    assert card.minimumSizeHint() == QSize(least.width() + frame.width() + scroll_bar, need)
    assert card.minimumSizeHint().width() > before.width()
