"""Saving under a name in use asks: a new version of that scenario, or another name; and
Ctrl+S on the Models tab does not offer to save another tab's scenario."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.frameworks import build_vs_buy, rag_vs_finetuning
from tests.ui.conftest import wait_idle


def _answers(window, *choices):
    """Script the 'name already used' question; record what it was asked."""
    asked = []
    queue = list(choices)

    def ask(taken, same_framework):
        asked.append((taken.name, same_framework))
        return queue.pop(0)

    window._ask_taken_name = ask
    return asked


def test_save_as_a_taken_name_can_save_a_new_version_of_it(qtbot, window, store, answer_prompts):
    store.create("build_vs_buy", "Plan", build_vs_buy.Inputs().model_dump(mode="json"))
    tab = window.tab_for("build_vs_buy")
    window.tabs.setCurrentWidget(tab)
    tab.set_field_text("training_cost", "700,000")
    asked = _answers(window, "version")
    answer_prompts(text="plan")  # names ignore case
    window.act_save_as.trigger()
    wait_idle(qtbot, window)
    assert asked == [("Plan", True)]
    saved = store.get_by_name("Plan")
    assert store.count() == 1 and saved.version == 2
    assert saved.inputs["training_cost"] == 700_000
    assert tab.scenario.id == saved.id and not tab.dirty


def test_save_as_a_taken_name_can_choose_another(qtbot, window, store, answer_prompts, monkeypatch):
    store.create("rag_vs_finetuning", "Plan", rag_vs_finetuning.Inputs().model_dump(mode="json"))
    window.tabs.setCurrentWidget(window.tab_for("build_vs_buy"))
    asked = _answers(window, "rename")
    names = iter(["Plan", "Plan B"])
    defaults = []

    def get_text(parent, title, label, text=""):
        defaults.append(text)
        return next(names), True

    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    window.act_save_as.trigger()
    wait_idle(qtbot, window)
    assert asked == [("Plan", False)]  # another framework's scenario: no version offered
    assert defaults[1] == "Plan (2)"
    assert sorted(s.name for s in store.list()) == ["Plan", "Plan B"]
    assert store.get_by_name("Plan").framework_id == "rag_vs_finetuning"


def test_the_question_names_the_scenario_as_plain_text(qtbot, window, store, monkeypatch):
    taken = store.create("build_vs_buy", "<b>Plan</b>", {})
    shown = []

    def fake_exec(box):
        shown.append((box.text(), box.textFormat(), [b.text() for b in box.buttons()]))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    assert window._ask_taken_name(taken, same_framework=True) is None
    text, fmt, buttons = shown[0]
    assert text.startswith("A scenario named “<b>Plan</b>” already exists (Build vs Buy")
    assert fmt == Qt.TextFormat.PlainText
    assert "Save as version 2 of it" in buttons and "Choose another name" in buttons


def test_ctrl_s_on_the_models_tab_offers_nothing(qtbot, window):
    """The conftest fails the test if any prompt opens."""
    tab = window.tab_for("build_vs_buy")
    tab.set_field_text("training_cost", "700,000")
    window.tabs.setCurrentWidget(window.models_tab)
    assert not window.act_save.isEnabled() and not window.act_save_as.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    window.tabs.setCurrentWidget(tab)
    assert window.act_save.isEnabled() and tab.dirty
