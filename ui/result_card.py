"""The result card: the recommendation, its headline, the key figures and the rationale."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.evidence import EXAMPLE_WARNING
from core.frameworks.common import (
    CHOICE_LABELS,
    FrameworkResult,
    format_figure,
    recommendation_label,
)
from ui.plain_text import html_text, make_plain
from ui.plots.common import VERDICT_COLOURS, HeightBox

_BADGE = {
    "build": "#188038",
    "buy": "#1a73e8",
    "rag": "#1a73e8",
    "fine-tuning": "#188038",
    "hybrid": "#8430ce",
    "single_call": "#1a73e8",
    "fixed_workflow": "#8430ce",
    "agent": "#188038",
    "monolithic": "#1a73e8",
    "modular": "#188038",
    "hierarchical": "#8430ce",
    "none": "#b3261e",
    **VERDICT_COLOURS,
}
_NEUTRAL = "#3c4043"  # a model id or any other pick
#: Figures side by side on a line of the card (each a name and its value).
_COLUMNS = 2
#: Qt's "no maximum width" (QWIDGETSIZE_MAX, which PySide6 does not export).
_NO_CAP = 16_777_215


class FigureName(QLabel):
    """A figure's name: on one line when the card has the room, wrapped at its spaces when it
    has not. The names give way, so the figures' values (never wrapped) are never cut off:
    on one line each, two columns of Build vs Buy's figures needed 879-895 px, more than a
    1280 px window leaves the card beside the form."""

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        # Beside a value on the first line, when the name takes two.
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        #: What the kept one-line size was measured for, and the size (see sizeHint).
        self._hint_key: tuple[object, ...] | None = None
        self._hint = QSize()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        """The name on one line: a wrapping QLabel prefers a quarter of 80 characters, which
        would wrap every long name when the card is wide enough for it. Kept per text and
        font: the layouts ask several times an edit, and a name rarely changes."""
        margins = self.contentsMargins()
        key = (self.text(), self.font().key(), margins.left(), margins.right(), self.margin())
        if self._hint_key != key:
            line = self.fontMetrics().boundingRect(QRect(0, 0, 10_000, 1_000), 0, self.text())
            width = line.width() + margins.left() + margins.right() + 2 * self.margin()
            self._hint_key = key
            self._hint = QSize(width, super().minimumSizeHint().height())
        return QSize(self._hint)


class _CardContent(QWidget):
    """The card's texts, inside its scroll area."""

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        """The height at the width the content has, not at the width its layout prefers: Qt's
        hint lays the texts out at that width (the reasons, rich text, ~1M instructions each
        time), another width than the card's, after every new text, and the scroll area that
        asks (through qSmartMinSize and qSmartMaxSize, for a widget it resizes) reads neither
        size of a widget whose size policy lets it shrink and grow."""
        layout = self.layout()
        if layout is None or self.width() <= 0:
            return super().sizeHint()
        return QSize(layout.sizeHint().width(), self.heightForWidth(self.width()))


class ResultCard(HeightBox):
    """Shows one FrameworkResult; `stale(message)` keeps it but says the inputs are invalid.

    Every edit changes the card's texts; as a HeightBox the card relays out the window only
    when the height it needs changes. Its texts scroll when the tab gives the card less height
    than they need (its share of a laptop screen), instead of losing their last lines."""

    #: The drift notice's "Recompute with today's catalog" was pressed.
    recompute_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        scroll = QScrollArea()
        scroll.setObjectName("resultCardScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setStyleSheet("QScrollArea, #resultCardContent { background: transparent; }")
        super().__init__(scroll)
        self.scroll_area = scroll
        self.setObjectName("resultCard")
        self.content = _CardContent()
        self.content.setObjectName("resultCardContent")
        scroll.setWidget(self.content)
        if parent is not None:
            # Into its parent before its style sheet and its texts: a card with a style sheet
            # of its own, moved into a parent once made, had its whole tree polished again
            # (about 7M instructions at start-up).
            self.setParent(parent)
        # A new text lays out the content inside the scroll area: the card hears of it there.
        scroll.viewport().installEventFilter(self)
        self.content.installEventFilter(self)  # another width: the names wrap otherwise
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#resultCard { background: #ffffff; border: 1px solid #dadce0; border-radius: 6px; }"
        )
        self.badge = QLabel()
        self.badge.setObjectName("recommendation")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setMinimumWidth(90)
        self.headline = QLabel()
        self.headline.setObjectName("headline")
        self.headline.setWordWrap(True)
        self.stale_banner = QLabel()
        self.stale_banner.setObjectName("staleBanner")
        self.stale_banner.setWordWrap(True)
        self.stale_banner.hide()
        # What the result rests on: drift against today's catalog (with the button that
        # recomputes), a version saved before evidence was kept, illustrative example scores.
        self.drift_text = QLabel()
        self.drift_text.setObjectName("driftNotice")
        self.drift_text.setWordWrap(True)
        self.drift_text.setTextFormat(Qt.TextFormat.PlainText)
        self.recompute = QPushButton("Recompute with today's catalog")
        self.recompute.setObjectName("recomputeWithToday")
        self.recompute.setToolTip(
            "Show the result today's catalog gives (one step: Undo goes back to the saved one)"
        )
        self.recompute.clicked.connect(self.recompute_requested)
        self.drift_box = QFrame()
        drift_lay = QHBoxLayout(self.drift_box)
        drift_lay.setContentsMargins(8, 4, 8, 4)
        drift_lay.addWidget(self.drift_text, 1)
        drift_lay.addWidget(self.recompute, 0, Qt.AlignmentFlag.AlignVCenter)
        self.drift_box.hide()
        self.basis_note = QLabel()
        self.basis_note.setObjectName("basisNote")
        self.basis_note.setWordWrap(True)
        self.basis_note.setTextFormat(Qt.TextFormat.PlainText)
        self.basis_note.hide()
        # Which quality source the result used (the Models tab's choice), in words.
        self.quality_source = QLabel()
        self.quality_source.setObjectName("qualitySource")
        self.quality_source.setWordWrap(True)
        self.quality_source.setTextFormat(Qt.TextFormat.PlainText)
        self.quality_source.hide()
        self.figures = QGridLayout()
        self.figures.setHorizontalSpacing(18)
        self.figures.setVerticalSpacing(4)
        self.rationale = QLabel()
        self.rationale.setObjectName("rationale")
        self.rationale.setWordWrap(True)
        self.rationale.setTextFormat(Qt.TextFormat.RichText)
        self.rationale.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # At the top of its box when the box is held taller (hold_size), not centred.
        self.rationale.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        top = QHBoxLayout()
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        # The wrapping texts change on every edit: each in its own box, a new text lays
        # out the card only when it needs another height.
        top.addWidget(HeightBox(self.headline), 1)
        lay = QVBoxLayout(self.content)
        lay.setContentsMargins(12, 10, 12, 10)
        lay.addLayout(top)
        lay.addWidget(self.stale_banner)
        lay.addWidget(self.drift_box)
        lay.addWidget(self.basis_note)
        lay.addWidget(self.quality_source)
        # The figures and the reasons: left out while the tab shows a view that is not about
        # this result (set_compact), so that view gets the height.
        self.details = _CardContent()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addLayout(self.figures)
        self.rationale_box = HeightBox(self.rationale)
        details.addWidget(self.rationale_box)
        lay.addWidget(self.details)
        # Height beyond the texts' goes below them, not between the badge and the headline.
        lay.addStretch(1)
        # The style sheets go on once each widget is in its place: Qt polishes a widget with a
        # style sheet of its own again (and all under it) each time it gets a new parent.
        self.headline.setStyleSheet("font-size: 15px; font-weight: 600; color: #202124;")
        self.stale_banner.setStyleSheet(
            "background: #fef7e0; color: #7a4f01; border: 1px solid #f9ab00; border-radius: 4px;"
            " padding: 4px 8px;"
        )
        self.drift_box.setStyleSheet(
            "QFrame { background: #e8f0fe; border: 1px solid #1a73e8; border-radius: 4px; }"
            " QLabel { border: none; color: #174ea6; }"
        )
        self.basis_note.setStyleSheet("color: #7a4f01;")
        self.quality_source.setStyleSheet("color: #5f6368;")
        self.rationale.setStyleSheet("color: #3c4043;")
        # A recommendation or headline can carry a model or task name from a scenario file.
        make_plain(self.badge, self.headline, self.stale_banner)
        self.result: FrameworkResult | None = None
        self._figure_labels: dict[str, tuple[QLabel, QLabel]] = {}

    #: The most height the card may insist on (the rest of the tab needs room too); None: no cap.
    height_cap: Callable[[], int] | None = None

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt API)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        """What the texts need at `width`, without a scroll bar (or the held height)."""
        frame = self._frame()
        need = self.content.heightForWidth(width - frame.width()) + frame.height()
        return max(need, self.held_height)

    def hold_size(self, hold: bool) -> None:
        """Keep the card's height, its reasons' and the width of each figure's value (`hold`),
        or fit them to their texts again.

        A first stage's reasons are a line shorter than the whole result's that follows a
        moment later: fitted, they laid the tab out and redrew it all twice an edit. Its
        placeholders ("simulating…") are narrower than the figures they stand for: fitted,
        the columns (and the card's minimum width, and with it the splitters beside and
        under the card, 31 px at 1280x800) moved one way and back with the whole result."""
        for box in (self, self.rationale_box):
            box.held_height = box.height() if hold else 0
        for _name, value in self._figure_labels.values():
            # The text shown now is the last result's: the next one will be about as wide.
            least = max(value.minimumWidth(), value.minimumSizeHint().width()) if hold else 0
            value.setMinimumWidth(least)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        """As tall as its texts need at its width, within `height_cap` (the rest scrolls):
        the splitter above sizes the card by hints that know no width and would cut the last
        lines off, or leave blank space under a short headline."""
        frame = self._frame()
        least = self.content.minimumSizeHint()
        scroll_bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        hint_width = least.width() + frame.width() + scroll_bar
        width = self.width()
        if width <= 0:
            return QSize(hint_width, least.height() + frame.height())
        need = self.heightForWidth(width)
        if self.height_cap is not None:
            need = min(need, self.height_cap())
        return QSize(hint_width, need)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self.minimumSizeHint()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.content:
            if isinstance(event, QResizeEvent) and event.size().width() != event.oldSize().width():
                self._fit_names()
        elif event.type() == QEvent.Type.LayoutRequest:
            needs = self._needs()
            if needs != self._told:
                self._told = needs
                self.updateGeometry()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # another width, another height needed

    def show_result(self, result: FrameworkResult) -> None:
        self.result = result
        colour = _BADGE.get(result.recommendation, _NEUTRAL)
        # Keywords read as a verdict (BUILD, RAG, NEED MORE DATA); a model id keeps its own
        # spelling.
        known = result.recommendation in _BADGE or result.recommendation in CHOICE_LABELS
        verdict = recommendation_label(result.recommendation).upper()
        self.badge.setText(verdict if known else result.recommendation)
        style = (
            f"background: {colour}; color: white; font-weight: 700; font-size: 14px;"
            " border-radius: 4px; padding: 6px 10px;"
        )
        if self.badge.styleSheet() != style:  # a new style sheet polishes the label again
            self.badge.setStyleSheet(style)
        self.headline.setText(result.headline)
        if [f.key for f in result.figures] != list(self._figure_labels):
            self._rebuild_figures(result)
        for fig in result.figures:
            name, value = self._figure_labels[fig.key]
            name.setText(fig.label)
            value.setText(format_figure(fig))
        self._fit_names()
        items = "".join(
            f"<li style='margin-bottom:3px'>{html_text(s)}</li>" for s in result.rationale
        )
        self.rationale.setText(f"<ul style='margin-left:-20px'>{items}</ul>")
        self.stale_banner.hide()

    def show_basis(
        self,
        drift: str | None,
        notes: list[str],
        example_models: list[str],
        quality: str = "",
    ) -> None:
        """Say what the result rests on: `drift` (today's catalog would change it, with the
        recompute button), `notes` on its basis, the models whose figures are the shipped
        illustrative examples, and `quality`, which sources its quality scores came from."""
        self.quality_source.setText(quality)
        self.quality_source.setVisible(bool(quality))
        if drift is None:
            self.drift_box.hide()
        else:
            self.drift_text.setText(drift)
            self.drift_box.show()
        lines = list(notes)
        if example_models:
            shown = ", ".join(example_models[:6])
            if len(example_models) > 6:
                shown += f" and {len(example_models) - 6} more"
            lines.append(f"This result {EXAMPLE_WARNING} ({shown}).")
        self.basis_note.setText("\n".join(lines))
        self.basis_note.setVisible(bool(lines))

    def _rebuild_figures(self, result: FrameworkResult) -> None:
        """Lay out one label pair per figure; later results only change their text."""
        while self.figures.count():
            item = self.figures.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self._figure_labels = {}
        for i, fig in enumerate(result.figures):
            row, col = divmod(i, _COLUMNS)
            name = FigureName()
            value = QLabel()
            make_plain(value)
            value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            value.setObjectName(f"figure_{fig.key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.figures.addWidget(name, row, col * 2)
            self.figures.addWidget(value, row, col * 2 + 1)
            # Styled in place (see __init__).
            name.setStyleSheet("color: #5f6368;")
            value.setStyleSheet("font-weight: 600; color: #202124;")
            self._figure_labels[fig.key] = (name, value)

    def _fit_names(self) -> None:
        """Cap the figures' names at one width: the least that leaves every value its whole
        width, so that the longest names wrap first. QGridLayout alone takes what the line
        lacks from every name column alike, and wrapped names of all lengths (four of Build vs
        Buy's at 1280x800 where one does)."""
        pairs = list(self._figure_labels.values())
        layout = self.content.layout()
        if not pairs or layout is None:
            return
        margins = layout.contentsMargins()
        room = self.content.width() - margins.left() - margins.right()
        room -= (2 * _COLUMNS - 1) * self.figures.horizontalSpacing()
        names, values = [0] * _COLUMNS, [0] * _COLUMNS
        for i, (name, value) in enumerate(pairs):
            col = i % _COLUMNS
            names[col] = max(names[col], name.sizeHint().width())
            values[col] = max(values[col], value.sizeHint().width(), value.minimumWidth())
        short = sum(names) + sum(values) - room
        cap = _NO_CAP
        if short > 0:
            widest = sorted(names, reverse=True)
            # The width above which the widest names give up `short` between them.
            for n in range(1, len(widest) + 1):
                cap = (sum(widest[:n]) - short) // n
                if n == len(widest) or cap >= widest[n]:
                    break
        for name, _value in pairs:
            # Never below its longest word, which a cap would cut off.
            name.setMaximumWidth(max(cap, name.minimumSizeHint().width()))

    def set_compact(self, compact: bool) -> None:
        """Only the verdict and the headline (and any notice) while `compact`; the figures and
        reasons come back with the view they belong to."""
        if self.details.isHidden() != compact:
            self.details.setVisible(not compact)
            self.setToolTip("The figures and reasons are on the first page" if compact else "")
            self.updateGeometry()

    def stale(self, message: str) -> None:
        """Inputs are invalid: say so, keep the last good result on screen."""
        self.stale_banner.setText(
            f"Showing the last valid result. Fix the marked input to update it: {message}"
        )
        self.stale_banner.show()

    def figure_text(self, key: str) -> str:
        pair = self._figure_labels.get(key)
        return pair[1].text() if pair else ""
