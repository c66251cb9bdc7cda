"""A result card made inside its splitter is the card made alone and added to it after."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter

from core.frameworks import agents
from ui.result_card import ResultCard


def _split(qtbot, in_place: bool) -> tuple[QSplitter, ResultCard]:
    split = QSplitter(Qt.Orientation.Vertical)
    qtbot.addWidget(split)
    if in_place:
        card = ResultCard(split)
    else:
        card = ResultCard()
        split.addWidget(card)
    split.addWidget(QLabel("the plots"))
    card.show_result(agents.compute(agents.Inputs()))
    card.show_basis("Today's catalog would change this", ["A note."], ["model-a"], "Measured")
    split.resize(700, 500)
    split.show()
    qtbot.waitExposed(split)
    return split, card


def test_a_card_made_in_its_splitter_looks_and_sits_as_one_added_after(qtbot):
    made_in, card_in = _split(qtbot, in_place=True)
    added, card_added = _split(qtbot, in_place=False)
    assert made_in.indexOf(card_in) == added.indexOf(card_added) == 0
    assert made_in.handle(1).objectName() == added.handle(1).objectName()
    assert made_in.sizes() == added.sizes()
    assert card_in.minimumSizeHint() == card_added.minimumSizeHint()
    assert card_in.grab().toImage() == card_added.grab().toImage()
    # Its style sheets hold in place: the white ground, the badge's colour.
    assert card_in.badge.styleSheet() == card_added.badge.styleSheet() != ""


def test_the_card_texts_wear_their_style_sheets(qtbot):
    """The style sheets go on once the widgets are in place; they still style them."""
    from PySide6.QtGui import QColor, QFont, QPalette

    _split_view, card = _split(qtbot, in_place=True)
    card.stale("a field is wrong")
    text = QPalette.ColorRole.WindowText
    assert card.headline.font().pixelSize() == 15
    assert card.headline.font().weight() == QFont.Weight.DemiBold
    assert card.rationale.palette().color(text) == QColor("#3c4043")
    assert card.basis_note.palette().color(text) == QColor("#7a4f01")
    assert card.quality_source.palette().color(text) == QColor("#5f6368")
    assert card.drift_text.palette().color(text) == QColor("#174ea6")
    assert card.stale_banner.palette().color(text) == QColor("#7a4f01")
    for name, value in card._figure_labels.values():
        assert name.palette().color(text) == QColor("#5f6368")
        assert value.font().weight() == QFont.Weight.DemiBold
