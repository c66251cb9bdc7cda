"""Every input gets a name a screen reader can say: its label where the layout puts one beside
it (which also becomes the label's buddy, so clicking the label focuses the input), else its
placeholder or tooltip.

Panels lay their controls out in grids and rows with a QLabel to the left of each input; one
pass over a finished page names them all, instead of each panel naming its own.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

#: The kinds of widget that take typed or chosen input.
INPUTS = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


def inputs_of(root: QWidget) -> list[QWidget]:
    """The inputs under `root`, without the editors inside a combo or spin box."""
    found: list[QWidget] = []
    for kind in INPUTS:
        for widget in root.findChildren(kind):
            if not isinstance(widget.parentWidget(), QComboBox | QAbstractSpinBox):
                found.append(widget)
    return found


def name_inputs(root: QWidget) -> None:
    """Name each unnamed input under `root` (see the module docstring)."""
    buddy_of = {lab.buddy(): lab for lab in root.findChildren(QLabel) if lab.buddy() is not None}
    for widget in inputs_of(root):
        if widget.accessibleName():
            continue
        label = buddy_of.get(widget) or _label_beside(widget)
        if label is not None:
            label.setBuddy(widget)
            widget.setAccessibleName(_words(label.text()))
            continue
        placeholder = getattr(widget, "placeholderText", lambda: "")()
        tip = widget.toolTip().split("\n", 1)[0]
        widget.setAccessibleName(placeholder or tip or widget.objectName().replace("_", " "))


def _words(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(":").strip()


def _label_beside(widget: QWidget) -> QLabel | None:
    """The QLabel just before `widget` in its layout: the grid cell to its left, the form
    row's label, or the item before it in a row."""
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    found = _find(layout, widget) if layout is not None else None
    if found is None:
        return None
    owner, index = found
    before: QWidget | None = None
    if isinstance(owner, QFormLayout):
        before = owner.labelForField(widget)
    elif isinstance(owner, QGridLayout):
        # PySide6's stub says object; Qt returns (row, column, row span, column span).
        row, column, _, _ = cast(tuple[int, int, int, int], owner.getItemPosition(index))
        item = owner.itemAtPosition(row, column - 1) if column > 0 else None
        before = item.widget() if item is not None else None
    elif index > 0:
        item = owner.itemAt(index - 1)
        before = item.widget() if item is not None else None
    if not isinstance(before, QLabel):
        return None
    text = before.text().strip()
    # A sentence beside an input is a status or a hint ("Select a run to see its figures."),
    # not its name.
    return before if text and not text.endswith((".", "!", "?")) else None


def _find(layout: QLayout, widget: QWidget) -> tuple[QLayout, int] | None:
    """The layout (nested anywhere in `layout`) holding `widget`, and the item's index."""
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        if item.widget() is widget:
            return layout, i
        inner = item.layout()
        if inner is not None:
            found = _find(inner, widget)
            if found is not None:
                return found
    return None
