"""One framework's tab: the generated form, the result card and the framework's plots.

The tab owns the open scenario's working state (its inputs, last valid result and an undo
stack with one command per field edit). Saving and loading are the main window's job.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.catalog import Catalog
from core.evidence import Drift, Evidence, check_drift, quality_basis, read, record
from core.frameworks import Framework, Staged, entry
from core.frameworks.common import FrameworkResult
from core.scenario import Scenario
from core.text import code_point, hidden_characters
from core.validation import field_errors
from ui.form import FormProviders, InputForm, keep_window_shortcuts
from ui.list_editors import ModelPickerDialog
from ui.memory import release_freed_memory
from ui.plain_text import plain_label, plain_labels
from ui.plots.registry import inputs_suggested, panel_for
from ui.result_card import ResultCard
from ui.services import AppServices
from ui.tasks import WidgetGuard

#: Keystrokes in one field within this many seconds are one undo step.
MERGE_SECONDS = 2.0
#: Typing commits to the undo stack after this pause (or when the field is left): "500B" is
#: never committed as "500" on the way (the preview follows every keystroke meanwhile).
COMMIT_MS = 800


class SetInputsCommand(QUndoCommand):
    """One user edit: the whole inputs model before and after (cheap, and undo is exact)."""

    ID = 4242

    def __init__(
        self,
        tab: FrameworkTab,
        field: str | None,
        before: BaseModel,
        after: BaseModel,
        *,
        applied: bool = True,
        text: str | None = None,
    ) -> None:
        """`field` None means a whole-form change (never merged); `applied` says the form
        already shows `after` (true for typing, false for programmatic changes)."""
        super().__init__(
            text or f"Edit {tab.form.fields[field].label.text() if field else 'inputs'}"
        )
        self.tab = tab
        self.field = field
        self.before = before
        self.after = after
        self.at = time.monotonic()
        self.sealed = field is None
        self._first = applied

    def id(self) -> int:  # noqa: A003 (Qt API)
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt API)
        if (
            not isinstance(other, SetInputsCommand)
            or self.sealed
            or other.field != self.field
            or other.at - self.at > MERGE_SECONDS
        ):
            return False
        self.after = other.after
        self.at = other.at
        return True

    def redo(self) -> None:
        # The first redo happens on push, when the form and the result already show it.
        if self._first and self.tab.inputs == self.after:
            self.tab.committed = self.after
        else:
            self.tab.apply_inputs(self.after, update_form=not self._first)
        self._first = False

    def undo(self) -> None:
        self.tab.apply_inputs(self.before, update_form=True)


class UseTodaysCatalogCommand(QUndoCommand):
    """Recompute a saved result with today's catalog instead of its evidence: one step,
    undone by going back to the evidence."""

    def __init__(self, tab: FrameworkTab) -> None:
        super().__init__("Recompute with today's catalog")
        self.tab = tab
        self.before = tab.pinned

    def redo(self) -> None:
        self.tab.set_pinned(None)

    def undo(self) -> None:
        self.tab.set_pinned(self.before)


class _FirstStage:
    """A framework computing in stages, seen as its first stage: what the evidence recorder and
    the drift check call (the completion reads no catalog, so the first stage's is all)."""

    def __init__(self, stages: Staged) -> None:
        self.stages = stages

    def compute(self, inputs: BaseModel, catalog: Catalog | None = None) -> FrameworkResult:
        return self.stages.compute_first(inputs, catalog)


#: Pause in the edits before a staged framework's completion (Build vs Buy's Monte Carlo)
#: starts. Started at once, on the next turn, a completion under way or landing held up the
#: next keystroke's result when keys came faster than it (key repeat, quick typing): its
#: worker held the interpreter lock while the window painted, and its result, shown late,
#: repainted the card and plot a second time. Below the ~100 ms an answer still reads as
#: immediate, above a key repeat's interval (30-40 ms).
COMPLETE_AFTER_MS = 50
#: The most of the result side the card may take for its texts (the plots keep the rest).
CARD_SHARE = 0.55
#: Pause after the last keystroke before the notes are scanned for invisible controls: a long
#: note in a script other than ASCII takes too long to scan on every key (bench/edit_bench.py
#: has the figures).
HIDDEN_CHECK_MS = 250


class _GuideLabel(QLabel):
    """The framework's guide above its form: a paragraph (up to ~1,400 characters) that wraps.

    QLabel lays its text out again on every heightForWidth, and the layouts ask it about 17
    times at 4 widths on the way to the first paint (the scroll area fitting its page, the
    splitters, the tab's first show): its heights are kept per width while everything else
    they depend on stays the same."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._hfw_key: tuple[object, ...] | None = None
        self._hfw: dict[int, int] = {}

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        m = self.contentsMargins()
        key = (
            self.text(),
            self.font().key(),
            (m.left(), m.top(), m.right(), m.bottom()),
            self.margin(),
            self.indent(),
            self.frameWidth(),
            self.wordWrap(),
            self.alignment(),
            self.textFormat(),
            self.minimumSize(),
            self.maximumWidth(),
        )
        if key != self._hfw_key:
            self._hfw_key = key
            self._hfw = {}
        height = self._hfw.get(width)
        if height is None:
            height = self._hfw[width] = super().heightForWidth(width)
        return height


class FrameworkTab(QWidget):
    """Form on the left; result card and plots on the right; updates as the user types."""

    result_changed = Signal(object)
    dirty_changed = Signal(bool)

    def __init__(
        self,
        framework: Framework,
        parent: QWidget | None = None,
        catalog: Catalog | None = None,
        services: AppServices | None = None,
    ) -> None:
        super().__init__(parent)
        self.framework = framework
        #: Today's catalog. Until the real one has loaded (in the background) frameworks see
        #: an empty one.
        self.catalog = catalog or Catalog()
        self._catalog_loaded = catalog is not None
        #: The evidence the shown result is computed from instead of today's catalog (a saved
        #: version's, so it reopens exactly); None: today's catalog.
        self.pinned: Evidence | None = None
        #: Why the open version has no evidence to compute from ("": it has).
        self.missing_evidence = ""
        self.drift: Drift | None = None
        self.undo_stack = QUndoStack(self)
        self.scenario: Scenario | None = None
        self.inputs: BaseModel = framework.Inputs()
        #: The inputs at the top of the undo stack; `inputs` runs ahead of them while the user
        #: types (the preview), until the pause or the leaving of the field commits.
        self.committed: BaseModel = self.inputs
        self._pending_field: str | None = None
        self._typing = False
        self._commit_timer = QTimer(self)
        self._commit_timer.setSingleShot(True)
        self._commit_timer.setInterval(COMMIT_MS)
        self._commit_timer.timeout.connect(self.commit_pending)
        self._services = services
        #: A framework computing in stages shows its first stage's result at once; the
        #: completion runs on the worker threads, started once the edits pause for
        #: COMPLETE_AFTER_MS.
        self._stages = entry(framework.ID).stages()
        self._computes: Any = framework if self._stages is None else _FirstStage(self._stages)
        #: The cancel flag of the completion under way (None: the result shown is whole).
        self._completing: threading.Event | None = None
        self._complete_timer = QTimer(self)
        self._complete_timer.setSingleShot(True)
        self._complete_timer.setInterval(COMPLETE_AFTER_MS)
        self._complete_timer.timeout.connect(self._start_completion)
        # A closed window does not wait for a completion: destroying the tab cancels it.
        self._alive = WidgetGuard()
        self.destroyed.connect(self._alive.cancel)
        self._result: FrameworkResult
        #: The catalog rows the shown result read (what a save stores).
        self.evidence: Evidence
        self._compute()
        self.invalid: dict[str, str] = {}

        self._fills_rows = entry(framework.ID).rows_from_catalog()
        providers = FormProviders(
            model_ids=lambda: [m.id for m in self.catalog],
            rows_from_catalog=None if self._fills_rows is None else self._rows_from_catalog,
        )
        self.form = InputForm(framework.Inputs, providers=providers)
        self.form.set_values(self.inputs.model_dump())
        self.form.edited.connect(self._on_edited)
        self.form.finished.connect(lambda _name: self.commit_pending())
        guide = _GuideLabel(framework.GUIDE)
        guide.setWordWrap(True)
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addWidget(guide)
        # The labels' style sheets go on once they are in place: Qt polishes a widget with a
        # style sheet of its own again each time it gets a new parent.
        guide.setStyleSheet("color: #5f6368; padding: 6px;")
        left_lay.addWidget(self.form)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText(
            "Notes: context, constraints, who decided and why. Saved with the scenario and "
            "quoted in the decision summary."
        )
        self.notes.setMaximumHeight(110)
        self.notes.setToolTip("Free-text notes saved with the scenario and shown in exports.")
        # Tab moves on (a tab character in a decision note is never what was meant), and the
        # window's shortcuts work from inside the notes too.
        self.notes.setTabChangesFocus(True)
        self.notes.setAccessibleName("Notes")
        keep_window_shortcuts(self.notes)
        self._notes_dirty = False
        self.notes.textChanged.connect(self._on_notes_changed)
        notes_label = QLabel("Notes")
        notes_label.setBuddy(self.notes)
        left_lay.addWidget(notes_label)
        notes_label.setStyleSheet("font-weight: 600; padding-left: 6px;")
        left_lay.addWidget(self.notes)
        # Notes keep what was typed or imported, but an invisible control (a bidi override,
        # NUL) is named here, as the exports show it: the editor would draw it as nothing.
        self.notes_hidden = plain_label()
        self.notes_hidden.setObjectName("notesHidden")
        self.notes_hidden.setWordWrap(True)
        self.notes_hidden.hide()
        left_lay.addWidget(self.notes_hidden)
        self.notes_hidden.setStyleSheet("color: #b3261e; padding-left: 6px;")
        self._hidden_check = QTimer(self)
        self._hidden_check.setSingleShot(True)
        self._hidden_check.setInterval(HIDDEN_CHECK_MS)
        self._hidden_check.timeout.connect(self._show_hidden_characters)
        self.notes.textChanged.connect(self._hidden_check.start)
        # The window sets every label left to Qt's guess to plain text once the tab is built
        # (plain_labels), and a new text format drops what a label knows of its size: the
        # scroll area and the splitters below have measured the form's by then, the guide's
        # ~1,400 characters among them (~10M instructions measured again on the first show).
        # Plain from the start, the form is measured once.
        plain_labels(left)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        scroll.setMinimumWidth(380)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        right = QSplitter(Qt.Orientation.Vertical)
        self.card = ResultCard(right)  # the splitter's first widget (see ResultCard)
        self.card.recompute_requested.connect(self.recompute_with_today)
        self.panel = panel_for(framework.ID, services)
        suggested = inputs_suggested(framework.ID, self.panel)
        if suggested is not None:  # e.g. measured agent trials filling the loop estimate
            suggested.connect(self.apply_suggestion)
        # The card takes the height its texts need, up to a little over half of the side, and
        # never so much that the plots get less than their minimum.
        self.card.height_cap = lambda: min(
            int(right.height() * CARD_SHARE),
            right.height() - self.panel.minimumSizeHint().height() - right.handleWidth(),
        )
        self._right = right
        right.addWidget(self.panel)
        self.panel.card_compact.connect(self._compact_card)
        right.setStretchFactor(0, 0)
        right.setStretchFactor(1, 1)
        right.setChildrenCollapsible(False)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        # A table input (candidates, task mix) needs room; plain forms stay narrow.
        wide = any(f.wide for f in self.form.fields.values())
        splitter.setSizes([560, 840] if wide else [420, 980])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(splitter)

        self.undo_stack.cleanChanged.connect(lambda _clean: self.dirty_changed.emit(self.dirty))
        self._show_result()
        # Building the tab freed megabytes of temporaries: give them back after its first paint.
        QTimer.singleShot(0, release_freed_memory)

    def _compact_card(self, compact: bool) -> None:
        """The card at its verdict line (or back in full) and the panel given the rest: the
        splitter keeps its sizes when a child's hint changes, so they are set here."""
        self.card.set_compact(compact)
        layout = self.card.content.layout()
        if layout is not None:
            layout.activate()  # the hint below counts the figures shown (or hidden) just now
        total = sum(self._right.sizes())
        card = self.card.minimumSizeHint().height()
        self._right.setSizes([card, max(total - card, 0)])

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if event.size().height() != event.oldSize().height():
            self.card.updateGeometry()  # its height cap follows the tab's height

    # ----- state -------------------------------------------------------------------------

    @property
    def no_evidence(self) -> bool:
        """The open version has no evidence: its result is computed with today's catalog."""
        return bool(self.missing_evidence)

    @property
    def result(self) -> FrameworkResult:
        """The whole result of the current inputs, what saves, drafts and exports read: a
        completion still under way is finished here, at once, and shown."""
        self.finish_pending()
        return self._result

    @property
    def completing(self) -> bool:
        """The result shown is a first stage: its completion is waiting for a pause in the
        edits or under way."""
        return self._completing is not None

    @property
    def dirty(self) -> bool:
        """Unsaved: committed edits, notes, or typing not committed yet (invalid text too)."""
        return not self.undo_stack.isClean() or self._notes_dirty or self._typing

    def _show_hidden_characters(self) -> None:
        found = hidden_characters(self.notes.toPlainText())
        if found:
            codes = ", ".join(code_point(ch) for ch in found[:8])
            more = f" and {len(found) - 8} more" if len(found) > 8 else ""
            self.notes_hidden.setText(
                f"The notes contain invisible control characters ({codes}{more}), which can "
                "hide or reorder text; exports show each one as ⟨U+…⟩."
            )
        self.notes_hidden.setVisible(bool(found))

    def _on_notes_changed(self) -> None:
        if not self._notes_dirty:
            self._notes_dirty = True
            self.dirty_changed.emit(True)

    @property
    def display_name(self) -> str:
        return self.scenario.name if self.scenario else "Untitled"

    def _on_edited(self, name: str, _raw: Any) -> None:
        """Preview every change at once; commit a choice at once and typing on a pause."""
        raw = self.form.values()
        try:
            candidate = self.framework.Inputs.model_validate(raw)
        except ValidationError as exc:
            self._commit_timer.stop()
            self._pending_field = None
            self.invalid = field_errors(exc, self.framework.Inputs)
            self.form.show_errors(self.invalid)
            if self.inputs != self.committed:
                # "Showing the last valid result" is the one from before this edit, not a
                # prefix typed on the way ("12" of "12x").
                self._preview(self.committed)
            self._show_invalid()
            self._set_typing(True)
            return
        was_invalid = bool(self.invalid)
        if was_invalid:
            self.invalid = {}
            self.form.show_errors({})
        if candidate != self.inputs:
            self._preview(candidate)
        elif was_invalid:
            self._show_result()  # clears the stale banner
        self._pending_field = name
        self._set_typing(self.inputs != self.committed)
        if self.form.is_typed(name):
            self._commit_timer.start()
        else:
            self.commit_pending()

    def _show_invalid(self) -> None:
        """The card keeps the last valid result and names the first invalid field."""
        name, message = next(iter(self.invalid.items()))
        self.card.stale(f"{self._title_of(name)}: {message}")

    def _preview(self, inputs: BaseModel) -> None:
        """Show the result of `inputs` without an undo step (yet)."""
        self.inputs = inputs
        self._compute()
        self._show_result()

    def _set_typing(self, typing: bool) -> None:
        # Told only when it changes: every listener (the tab's title, the window's) relays out
        # the tab bar, which repaints the whole page, plots included, on every keystroke.
        was = self.dirty
        self._typing = typing
        if self.dirty != was:
            self.dirty_changed.emit(self.dirty)

    def commit_pending(self) -> None:
        """Make the previewed typing one undo step (a pause, leaving the field, a save)."""
        self._commit_timer.stop()
        name, self._pending_field = self._pending_field, None
        if self.invalid or self.inputs == self.committed:
            return
        was = self.dirty
        self.undo_stack.push(SetInputsCommand(self, name, self.committed, self.inputs))
        self._typing = False
        if self.dirty != was:  # the stack's cleanChanged has told of its own change
            self.dirty_changed.emit(self.dirty)

    def _title_of(self, name: str) -> str:
        field = self.form.fields.get(name)
        return field.label.text() if field else name

    def apply_inputs(self, inputs: BaseModel, update_form: bool) -> None:
        """Make `inputs` current, recompute, redraw (undo/redo and loading come through here)."""
        self._commit_timer.stop()
        self._pending_field = None
        self._typing = False
        self.inputs = self.committed = inputs
        if update_form:
            self.form.set_values(inputs.model_dump())
            self.invalid = {}
            self.form.show_errors({})
        self._compute()
        self._show_result()

    def _compute(self) -> None:
        """The result of the current inputs, from the pinned evidence or today's catalog, and
        (when pinned) what today's catalog would change in it."""
        basis = self.catalog if self.pinned is None else self.pinned.catalog(self.catalog)
        self._cancel_completion()
        self._result, self.evidence = record(self._computes, self.inputs, basis)
        self.drift = None
        if self.pinned is not None and self._catalog_loaded:
            # Against the rows this result read (the pinned ones, and today's for ids the
            # saved version never looked up).
            self.drift = check_drift(
                self._computes, self.inputs, self._result, self.evidence, self.catalog
            )
        if self._stages is not None:
            self._completing = threading.Event()
            self._complete_timer.start()

    def _cancel_completion(self) -> None:
        """A newer computation supersedes the completion under way: it stops between blocks
        and its answer, tagged with its flag, is never shown."""
        self._complete_timer.stop()
        if self._completing is not None:
            self._completing.set()
            self._completing = None

    def _start_completion(self) -> None:
        cancel, stages = self._completing, self._stages
        if cancel is None or stages is None:
            return
        work = functools.partial(stages.complete, self.inputs, self._result, cancel.is_set)

        def done(whole: FrameworkResult | None) -> None:
            # Only the completion of what is shown now: a superseded one has another flag.
            if whole is not None and self._completing is cancel:
                self._completing = None
                self._show_completed(whole)

        if self._services is None:  # a tab on its own (tests, tools): on this thread
            done(work())
            return
        self._alive.event = cancel  # a closing window stops it between blocks too
        self._services.runner.submit(work, self._alive.guard(done), self._alive.guard(self._failed))

    def finish_pending(self) -> None:
        """Finish a completion under way on this thread and show it: a save or an export of
        the plots wants the whole result of the inputs on screen now."""
        stages = self._stages
        if self._completing is None or stages is None:
            return
        self._cancel_completion()
        whole = stages.complete(self.inputs, self._result)
        assert whole is not None  # nothing can cancel it
        self._show_completed(whole)

    def _failed(self, exc: Exception) -> None:
        if self._completing is not None:
            # The first stage stays: its figures are right, the simulation's are missing (a
            # save or an export runs it again, and says why it cannot).
            self.card.stale_banner.setText(f"The simulation failed, its figures are missing: {exc}")
            self.card.stale_banner.show()

    def _show_completed(self, whole: FrameworkResult) -> None:
        self._result = whole
        self.card.hold_size(False)
        self.card.show_result(whole)
        if self.invalid:  # typed while it ran: the card still says the field is wrong
            self._show_invalid()
        self.panel.update_completed(whole)

    def _show_result(self) -> None:
        # A first stage keeps the card's height and its figures' widths until its completion
        # comes (which fits the card again): the tab is laid out once, not twice, an edit.
        self.card.hold_size(self._completing is not None)
        self.card.show_result(self._result)
        notes = [self.missing_evidence] if self.missing_evidence else []
        self.card.show_basis(
            self.drift.text if self.drift is not None else None,
            notes,
            self.evidence.example_models(),
            quality_basis(self.evidence, self.framework.ID),
        )
        self.panel.update_result(self._result)
        self.result_changed.emit(self._result)

    def apply_suggestion(self, values: dict[str, Any]) -> None:
        """Set several inputs at once from the panel (one undoable step; invalid ones ignored
        with the reason shown, like a bad edit)."""
        try:
            after = self.framework.Inputs.model_validate({**self.inputs.model_dump(), **values})
        except ValidationError as exc:
            errors = field_errors(exc, self.framework.Inputs)
            self.card.stale("; ".join(f"{k}: {v}" for k, v in errors.items()))
            return
        if after != self.inputs:
            self.undo_stack.push(
                SetInputsCommand(
                    self, None, self.inputs, after, applied=False, text="Use measured values"
                )
            )

    def set_catalog(self, catalog: Catalog) -> None:
        """The catalog loaded or changed (not an edit, so no undo step). A saved scenario shown
        as saved keeps its result: it is pinned to the evidence it was computed from, and the
        card says what today's catalog would change. Anything else is recomputed."""
        if self.pinned is None and self._catalog_loaded and self.scenario and not self.dirty:
            self.pinned = self.evidence
        self.catalog = catalog
        self._catalog_loaded = True
        self._compute()
        self._show_result()
        release_freed_memory()  # what loading the catalog of thousands of models freed

    def set_pinned(self, evidence: Evidence | None) -> None:
        """Compute from this evidence (None: today's catalog); the undo command's setter."""
        self.pinned = evidence
        self._compute()
        self._show_result()

    def recompute_with_today(self) -> None:
        """The drift notice's button: today's catalog, as one undoable step (the tab becomes
        unsaved)."""
        if self.pinned is not None:
            self.undo_stack.push(UseTodaysCatalogCommand(self))

    def _rows_from_catalog(self, field: str) -> list[dict[str, Any]] | None:
        """Ask which catalog models to add to a table input, and let the framework fill rows."""
        if self._fills_rows is None:
            return None
        picker = ModelPickerDialog([m.id for m in self.catalog], [], self)
        picker.setWindowTitle("Add models from the catalog")
        if picker.exec() != ModelPickerDialog.DialogCode.Accepted:
            return None
        models = [self.catalog.get(i) for i in picker.chosen() if i in self.catalog]
        return self._fills_rows.rows_from_catalog(field, models, self.inputs)

    # ----- scenarios ---------------------------------------------------------------------

    def load(self, scenario: Scenario | None, inputs: BaseModel | None = None) -> None:
        """Show a scenario (or a fresh one with the defaults); history starts clean."""
        self.scenario = scenario
        self.undo_stack.clear()
        self.pinned, self.missing_evidence = (
            read(scenario.evidence) if scenario is not None else (None, "")
        )
        self.apply_inputs(inputs if inputs is not None else self.framework.Inputs(), True)
        self.notes.blockSignals(True)
        self.notes.setPlainText(scenario.notes if scenario else "")
        self.notes.blockSignals(False)
        self._notes_dirty = False
        self.undo_stack.setClean()
        self.dirty_changed.emit(False)

    def payload(self) -> tuple[dict[str, Any], dict[str, Any], str]:
        """What a save stores: the inputs, the result they give and the notes."""
        self.commit_pending()
        return (
            self.inputs.model_dump(mode="json"),
            self.result.model_dump(mode="json"),
            self.notes.toPlainText(),
        )

    def evidence_payload(self) -> dict[str, Any]:
        """What a save stores beside the result: the catalog rows it was computed from."""
        return self.evidence.to_json()

    def forget_changes(self) -> None:
        """The user chose to discard: no longer dirty (the inputs stay on screen)."""
        self._commit_timer.stop()
        self._pending_field = None
        self._typing = False
        self.committed = self.inputs
        self._notes_dirty = False
        self.undo_stack.setClean()
        self.dirty_changed.emit(False)

    def mark_saved(self, scenario: Scenario) -> None:
        self.scenario = scenario
        # From now on the tab shows a saved version: a catalog change reports drift instead
        # of changing it.
        saved, _ = read(scenario.evidence)
        if saved is not None:
            self.missing_evidence = ""
            self.pinned = saved
            self._compute()
            self._show_result()
        top = self.undo_stack.command(self.undo_stack.index() - 1)
        if isinstance(top, SetInputsCommand):
            top.sealed = True  # the next edit starts a new undo step after a save
        self._notes_dirty = False
        self.undo_stack.setClean()
        # Typing since the save was taken (it runs in the background) is still unsaved.
        self.dirty_changed.emit(self.dirty)

    def set_field_text(self, name: str, text: str) -> None:
        """Type into a numeric field and leave it, as a user would (used by tests): the edit
        is committed at once, as leaving the field does."""
        widget = self.form.widget(name)
        assert isinstance(widget, QLineEdit), f"{name} is not typed into"
        widget.setFocus()
        widget.setText(text)
        self.commit_pending()
