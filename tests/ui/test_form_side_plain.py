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
