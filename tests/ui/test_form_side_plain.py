"""The form side of a framework tab is plain text before its first measure."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea

from core.frameworks import ENTRIES
from ui.framework_tab import FrameworkTab, _GuideLabel


def test_the_form_sides_labels_are_plain_when_the_tab_is_built(qtbot):
    """The window makes every label still left to Qt's guess plain once a tab is built; a new
    text format drops the label's measured sizes, which the tab's scroll area and splitters
    have asked for by then (the guide's are costly). The tab's own form side needs none."""
    for entry in ENTRIES[:2]:
        tab = FrameworkTab(entry.load())
        qtbot.addWidget(tab)
        page = tab.findChild(QScrollArea).widget()
        labels = page.findChildren(QLabel)
        assert any(isinstance(label, _GuideLabel) for label in labels)
        assert tab.form.fields  # the field labels are among them
        guessed = [lb.text() for lb in labels if lb.textFormat() == Qt.TextFormat.AutoText]
        assert guessed == []


def test_the_tabs_labels_wear_their_style_sheets(qtbot):
    """Their style sheets go on once they are in place (Qt polishes a widget with a style sheet
    again on each new parent); they still style them."""
    from PySide6.QtGui import QColor, QFont, QPalette

    from ui.form import _Section

    tab = FrameworkTab(ENTRIES[0].load())
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    qtbot.waitExposed(tab)
    text = QPalette.ColorRole.WindowText
    guide = tab.findChild(_GuideLabel)
    assert guide.palette().color(text) == QColor("#5f6368")
    assert guide.contentsMargins().left() == 6
    assert tab.notes_hidden.palette().color(text) == QColor("#b3261e")
    assert tab.form.form_error.palette().color(text) == QColor("#b3261e")
    sections = tab.findChildren(_Section)
    assert sections
    assert all(s.toggle.font().weight() == QFont.Weight.DemiBold for s in sections)
    readout = tab.panel.findChild(QLabel, "readout")
    assert readout.palette().color(text) == QColor("#3c4043")
    assert readout.contentsMargins().left() == 6
