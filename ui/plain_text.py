"""Showing outside text (names from a scenario file, notes, a server's error) as text.

Qt treats a label's, tooltip's or message box's text as HTML when `Qt.mightBeRichText` says it
looks like markup, and pyqtgraph's titles and legend entries are always HTML. A name such as
`<img src="/dev/zero">` then makes Qt read that file to draw it. Labels showing such text are
set to plain text; where a widget only takes HTML (pyqtgraph, a tooltip), the text is escaped.
Invisible controls (NUL, bidirectional overrides) are shown by their code, so a name cannot
reorder what is drawn around it or hide part of itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from core.text import visible


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as markup."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def make_plain(*labels: QLabel | QMessageBox) -> None:
    """Set labels (or message boxes) to show their text literally."""
    for label in labels:
        label.setTextFormat(Qt.TextFormat.PlainText)


#: What html.escape(text, quote=True) replaces, in its order (the ampersand first). The html
#: module is not imported for it: its entity table costs about 9M instructions on the way to
#: the first window, where nothing else needs it.
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


def html_text(text: object) -> str:
    """Outside text as an HTML fragment showing it literally (for pyqtgraph and rich labels)."""
    out = visible(str(text))
    for char, entity in _ESCAPES:
        out = out.replace(char, entity)
    return out


def literal_html(text: str) -> str:
    """Rich text that shows `text` literally, line breaks kept: for a tooltip or a message box
    whose text Qt would otherwise sniff for markup.

    Escaping alone would show `&lt;` for a text Qt does not take for markup; wrapping it in a
    paragraph makes it always rich, so the escapes always resolve."""
    if not text:
        return ""
    return f"<p style='white-space:pre-wrap'>{html_text(text)}</p>"


#: A tooltip is sniffed the same way.
tooltip = literal_html


def plain_labels(root: QWidget) -> None:
    """Every label under root still left to Qt's guess (AutoText) shows its text literally.

    Labels meant as rich text say so (RichText) and escape what they insert."""
    for label in root.findChildren(QLabel):
        if label.textFormat() == Qt.TextFormat.AutoText:
            label.setTextFormat(Qt.TextFormat.PlainText)
