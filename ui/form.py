"""The one generic form builder: any framework's pydantic Inputs model becomes a form, and back.

Numbers are typed into line edits (they take 5e-6, 500,000 and 500B alike; Up/Down step them),
booleans are check boxes, Literal/Enum fields are combo boxes. Fields sit in collapsible
groups named by each field's `group` metadata. Validation is pydantic's own: the form reports
raw values and shows the messages it is handed next to the offending field.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.frameworks.common import choice_label, format_number
from core.validation import limit_words
from ui.list_editors import ModelChoiceCombo, ModelListEditor, RecordsEditor
from ui.numbers import parse_number
from ui.plain_text import plain_label


def _choices(annotation: Any) -> list[Any] | None:
    """The allowed values of a Literal or Enum field, else None."""
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return list(annotation)
    return None


def _list_item(annotation: Any) -> Any | None:
    """The item type of a list field (list[str], list[Record]), else None."""
    if typing.get_origin(annotation) is list:
        args = typing.get_args(annotation)
        return args[0] if args else None
    return None


class FormProviders(NamedTuple):
    """What a form may need from outside: catalog model ids, and catalog rows for a table."""

    model_ids: Callable[[], list[str]] = lambda: []
    rows_from_catalog: Callable[[str], list[dict[str, Any]] | None] | None = None


def _is_bool(annotation: Any) -> bool:
    return annotation is bool


def _numeric_kind(annotation: Any) -> type | None:
    if annotation in (int, float):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and args[0] in (int, float):
            return args[0]
    return None


def _bounds(info: FieldInfo) -> dict[str, float]:
    out: dict[str, float] = {}
    for meta in info.metadata:
        for key in ("ge", "gt", "le", "lt"):
            value = getattr(meta, key, None)
            if value is not None:
                out[key] = value
    return out


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) else {}


def field_title(name: str, info: FieldInfo) -> str:
    return info.title or name.replace("_", " ").capitalize()


def field_tooltip(info: FieldInfo) -> str:
    parts = [info.description or ""]
    b = _bounds(info)
    unit = _extra(info).get("unit", "")
    # In the words an error uses: "at least 0, at most 10,000,000 tokens".
    limits = [limit_words(key, b[key], unit) for key in ("ge", "gt", "le", "lt") if key in b]
    if limits:
        parts.append("Allowed: " + ", ".join(limits) + ".")
    if info.default is not None and not isinstance(info.default, (list, dict)):
        default = info.default
        shown = format_number(default) if isinstance(default, (int, float)) else str(default)
        parts.append(f"Default: {shown}.")
    return "\n".join(p for p in parts if p)


#: Keys an editor keeps even when the window has an action on them: what people expect a text
#: field to do with them.
_EDITING_KEYS = (
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
    QKeySequence.StandardKey.SelectAll,
)


def is_window_shortcut(widget: QWidget, event: QKeyEvent) -> bool:
    """The key is an enabled shortcut of the widget's window (Ctrl+E: export), other than a
    standard editing key."""
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    plain = modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
    function_key = Qt.Key.Key_F1 <= event.key() <= Qt.Key.Key_F35
    # Typing (every key press is offered as an override first) never asks the window.
    if (plain and not function_key) or any(event.matches(k) for k in _EDITING_KEYS):
        return False
    pressed = QKeySequence(event.keyCombination())
    return any(
        action.isEnabled() and shortcut.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
        for action in widget.window().findChildren(QAction)
        for shortcut in action.shortcuts()
    )


class _WindowShortcutsFirst(QObject):
    """Lets the window's shortcuts through an editor that claims the same keys: on X11 a line
    edit takes Ctrl+E as "end of line" (and a text box more), so Ctrl+E in Training cost moved
    the cursor instead of exporting, and the next typing went into the field."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and isinstance(watched, QWidget)
            and is_window_shortcut(watched, event)
        ):
            event.ignore()  # not the editor's: the window's shortcut runs
            return True
        return False


def keep_window_shortcuts(editor: QWidget) -> None:
    """Give the window's shortcuts precedence over `editor`'s own key bindings."""
    editor.installEventFilter(_WindowShortcutsFirst(editor))


class NumberEdit(QLineEdit):
    """A line edit for numbers with Up/Down (and PageUp/PageDown x10) stepping."""

    def __init__(self, step: float, integer: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.step = step
        self.integer = integer
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        keep_window_shortcuts(self)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            # Ctrl+PageDown switches tabs; it must never step the value.
            super().keyPressEvent(event)
            return
        factor = {
            Qt.Key.Key_Up: 1,
            Qt.Key.Key_Down: -1,
            Qt.Key.Key_PageUp: 10,
            Qt.Key.Key_PageDown: -10,
        }.get(Qt.Key(event.key()))
        value = parse_number(self.text())
        if factor is None or value is None:
            super().keyPressEvent(event)
            return
        new = value + factor * self.step
        if self.integer:
            new = round(new)
        self.setText(format_number(new))


class _Section(QWidget):
    """A titled group of fields that folds away."""

    def __init__(self, title: str, expanded: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setText(title)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(expanded)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        # Made inside the section: a parentless widget shown here (an expanded section) would
        # open as a window of its own for a moment and take the keyboard from the main window.
        self.body = QWidget(self)
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(14, 2, 4, 8)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.body.setVisible(expanded)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.toggle)
        lay.addWidget(self.body)
        # Styled in place: Qt polishes a widget with a style sheet again on each new parent.
        self.toggle.setStyleSheet("QToolButton { border: none; font-weight: 600; }")
        self.toggle.toggled.connect(self._on_toggled)

    def _on_toggled(self, on: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.body.setVisible(on)


def _coloured(label: QLabel, colour: str) -> QLabel:
    """`label` in `colour`, through its palette: a style sheet of its own costs a label about
    12 kB more (its own style object and rule caches), times every field of every tab."""
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
    label.setPalette(palette)
    return label


class _Field:
    """One input's widget, its error label (made at its first error), and how to read and
    write its value."""

    def __init__(
        self, name: str, info: FieldInfo, annotation: Any, providers: FormProviders
    ) -> None:
        self.name = name
        self.info = info
        self.choices = _choices(annotation)
        self.kind = _numeric_kind(annotation)
        item = _list_item(annotation)
        record = item if isinstance(item, type) and issubclass(item, BaseModel) else None
        self.wide = record is not None
        tooltip = field_tooltip(info)
        self._error: QLabel | None = None
        #: Where the error label goes under the widget, once there is an error.
        self.cell: QGridLayout | None = None
        self.widget: QWidget
        if record is not None:
            rows = providers.rows_from_catalog if _extra(info).get("catalog_rows") else None
            self.widget = RecordsEditor(record, (lambda: rows(name)) if rows else None)
        elif annotation is str and _extra(info).get("choices") == "catalog_models":
            self.widget = ModelChoiceCombo(
                providers.model_ids, _extra(info).get("empty_text", "None")
            )
        elif item is not None:
            self.widget = ModelListEditor(
                providers.model_ids,
                _extra(info).get("empty_text", "All models with a quality score"),
            )
        elif _is_bool(annotation):
            self.widget = QCheckBox()
        elif self.choices is not None:
            combo = QComboBox()
            for choice in self.choices:
                combo.addItem(choice_label(choice), choice)
            self.widget = combo
        else:
            extra = _extra(info)
            edit = NumberEdit(float(extra.get("step", 1)), self.kind is int)
            self.widget = edit
        self.widget.setObjectName(name)
        self.widget.setToolTip(tooltip)
        unit = _extra(info).get("unit", "")
        self.unit = _coloured(QLabel(unit), "#5f6368")
        self.unit.setToolTip(tooltip)
        self.unit.setMinimumWidth(70)
        self.label = QLabel(field_title(name, info))
        self.label.setToolTip(tooltip)
        # A screen reader names the input by its label, and the label's click focuses it.
        self.label.setBuddy(self.widget)
        self.widget.setAccessibleName(self.label.text())
        self.widget.setAccessibleDescription(info.description or "")

    @property
    def error(self) -> QLabel:
        """The label under the widget that shows its error (hidden while there is none)."""
        if self._error is None:
            # Errors quote what was typed or imported (a duplicate name): never markup.
            error = _coloured(plain_label(), "#b3261e")
            error.setObjectName(f"error_{self.name}")
            error.setWordWrap(True)
            font = error.font()
            font.setPixelSize(11)
            error.setFont(font)
            error.hide()
            if self.cell is not None:
                self.cell.addWidget(error, 1, 0, 1, 2)
            self._error = error
        return self._error

    def error_text(self) -> str:
        error = self._error
        return error.text() if error is not None and (error.isVisible() or error.text()) else ""

    def raw(self) -> Any:
        w = self.widget
        if isinstance(w, RecordsEditor | ModelListEditor | ModelChoiceCombo):
            return w.value()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentData()
        assert isinstance(w, NumberEdit), "every other kind of field returned above"
        text = w.text()
        number = parse_number(text)
        if number is None:
            return text  # pydantic names it: "Input should be a valid number"
        if self.kind is int and number.is_integer():
            return int(number)
        return number

    def set(self, value: Any) -> None:
        w = self.widget
        w.blockSignals(True)
        try:
            if isinstance(w, RecordsEditor | ModelListEditor | ModelChoiceCombo):
                w.set_value(value)
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QComboBox):
                index = w.findData(value)
                w.setCurrentIndex(max(index, 0))
            elif isinstance(w, NumberEdit):
                w.setText(format_number(value))
        finally:
            w.blockSignals(False)

    def show_error(self, message: str | None) -> None:
        if message is None and self._error is None:
            return  # no error now nor before: nothing to clear
        self.error.setText(message or "")
        # A screen reader hears the error with the field, not only as red text beside it.
        self.widget.setAccessibleDescription(
            f"Error: {message}" if message else self.info.description or ""
        )
        self.error.setVisible(bool(message))
        invalid = "true" if message else "false"
        self.widget.setProperty("invalid", invalid)
        if isinstance(self.widget, QLineEdit):
            self.widget.setStyleSheet(
                "QLineEdit { border: 1px solid #b3261e; background: #fdecea; }" if message else ""
            )


def _top(key: str) -> str:
    return key.split(".", 1)[0]


def _nested_message(key: str, message: str) -> str:
    parts = key.split(".")
    if len(parts) >= 2 and parts[1].isdigit():
        where = f"row {int(parts[1]) + 1}" + (
            f", {parts[2].replace('_', ' ')}" if len(parts) > 2 else ""
        )
        return f"{where}: {message}"
    return message


class InputForm(QWidget):
    """A form over one pydantic Inputs model.

    `edited(name, raw_value)` fires whenever the user changes a field (each keystroke in a
    number field); `finished(name)` when the user leaves a number field or presses Return;
    `values()` gives the raw values of every field for validation; `set_values` writes without
    firing `edited`.
    """

    edited = Signal(str, object)
    finished = Signal(str)

    def __init__(
        self,
        model: type[BaseModel],
        parent: QWidget | None = None,
        providers: FormProviders | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.providers = providers or FormProviders()
        self.fields: dict[str, _Field] = {}
        self.sections: dict[str, _Section] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        hints = typing.get_type_hints(model)
        for name, info in model.model_fields.items():
            group = _extra(info).get("group", "Inputs")
            if group not in self.sections:
                section = _Section(group, expanded=not self.sections)
                self.sections[group] = section
                lay.addWidget(section)
            field = _Field(name, info, hints.get(name, info.annotation), self.providers)
            self.fields[name] = field
            # One widget per row, the error label below the input when there is one: each
            # widget more is about 10 kB, times every field of every tab.
            cell = QWidget()
            field.cell = QGridLayout(cell)
            field.cell.setContentsMargins(0, 0, 0, 0)
            field.cell.setVerticalSpacing(1)
            field.cell.addWidget(field.widget, 0, 0)
            field.cell.addWidget(field.unit, 0, 1)
            field.cell.setColumnStretch(0, 1)
            if field.wide:  # a table needs the full width of the form
                cell.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
                # The unit column's minimum would keep 70 px empty beside a unitless table.
                field.unit.setVisible(bool(field.unit.text()))
                self.sections[group].form.addRow(field.label)
                self.sections[group].form.addRow(cell)
            else:
                self.sections[group].form.addRow(field.label, cell)
            self._connect(field)
        self.form_error = plain_label()
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        lay.addWidget(self.form_error)
        self.form_error.setStyleSheet("color: #b3261e;")  # in place (see _Section)
        lay.addStretch(1)
        self._update_applicable()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.NoFrame)
        lay.addWidget(line)

    def _update_applicable(self) -> None:
        """Grey out fields that do not apply given the current switches (applies_when)."""
        for field in self.fields.values():
            rule = _extra(field.info).get("applies_when")
            if not rule or rule["field"] not in self.fields:
                continue
            applies = self.fields[rule["field"]].raw() == rule["value"]
            for w in (field.widget, field.label, field.unit):
                w.setEnabled(applies)
            note = "" if applies else " (not used with the current settings)"
            field.widget.setToolTip(field_tooltip(field.info) + note)

    def _connect(self, field: _Field) -> None:
        w = field.widget

        def emit(*_: Any) -> None:
            self._update_applicable()
            self.edited.emit(field.name, field.raw())

        if isinstance(w, RecordsEditor | ModelListEditor | ModelChoiceCombo):
            w.changed.connect(emit)
        elif isinstance(w, QCheckBox):
            w.toggled.connect(emit)
        elif isinstance(w, QComboBox):
            w.currentIndexChanged.connect(emit)
        elif isinstance(w, NumberEdit):
            # textChanged, not textEdited: the field's own Ctrl+Z changes the text too, and a
            # step (Up/Down) is a setText; `set` blocks signals, so loading never fires.
            w.textChanged.connect(emit)
            w.editingFinished.connect(lambda: self.finished.emit(field.name))

    def values(self) -> dict[str, Any]:
        return {name: f.raw() for name, f in self.fields.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.fields:
                self.fields[name].set(value)
        self._update_applicable()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Mark each bad field with its message; messages for no single field go below.

        Errors inside a list ('candidates.1.accuracy') are shown at the list as 'row 2,
        accuracy: …'.
        """
        errors = {_top(k): _nested_message(k, v) for k, v in reversed(list(errors.items()))}
        for name, field in self.fields.items():
            field.show_error(errors.get(name))
        loose = [
            f"{k}: {v}" if k != "(input)" else v for k, v in errors.items() if k not in self.fields
        ]
        self.form_error.setText("\n".join(loose))
        self.form_error.setVisible(bool(loose))
        for name in errors:
            if name in self.fields:
                section = self._section_of(name)
                if section and not section.toggle.isChecked():
                    section.toggle.setChecked(True)

    def _section_of(self, name: str) -> _Section | None:
        group = _extra(self.fields[name].info).get("group", "Inputs")
        return self.sections.get(group)

    def widget(self, name: str) -> QWidget:
        return self.fields[name].widget

    def is_typed(self, name: str) -> bool:
        """The field is typed into key by key (a number), not set in one go (a choice)."""
        return isinstance(self.fields[name].widget, NumberEdit)

    def error_text(self, name: str) -> str:
        return self.fields[name].error_text()
