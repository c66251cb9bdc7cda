"""The generic form builder works for any Inputs model, not only Build vs Buy's."""

from __future__ import annotations

from typing import Literal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton

from core.frameworks.common import FrameworkInputs, param
from ui.form import InputForm, parse_number


class Demo(FrameworkInputs):
    requests_per_day: int = param(
        1000,
        ge=1,
        le=10**9,
        step=100,
        unit="requests/day",
        description="How many requests arrive per day.",
    )
    priority: Literal["quality_cost", "quality_latency", "cost_latency"] = param(
        "quality_cost", group="Choice", description="Which two corners to optimise."
    )
    batch_ok: bool = param(False, group="Choice", description="Whether batch is acceptable.")
    turnaround_hours: float = param(
        24,
        ge=0,
        le=48,
        unit="h",
        group="Choice",
        applies_when=("batch_ok", True),
        description="Batch turnaround.",
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5e-6", 5e-6),
        ("500,000", 500_000),
        ("500B", 500e9),
        (" 2.5k ", 2500),
        ("$1_000", 1000),
        ("20%", 20),
        ("abc", None),
        ("", None),
        ("1e400", None),
        ("5e", None),
    ],
)
def test_numbers_are_read_the_way_people_type_them(text, value):
    assert parse_number(text) == value


def test_widgets_follow_the_field_types(qtbot):
    form = InputForm(Demo)
    qtbot.addWidget(form)
    assert isinstance(form.widget("requests_per_day"), QLineEdit)
    assert isinstance(form.widget("priority"), QComboBox)
    assert isinstance(form.widget("batch_ok"), QCheckBox)
    assert list(form.sections) == ["Inputs", "Choice"]
    combo = form.widget("priority")
    assert [combo.itemData(i) for i in range(combo.count())] == [
        "quality_cost",
        "quality_latency",
        "cost_latency",
    ]
    # The codes are the values; a reader sees words.
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Quality + cost (latency is the corner given up)",
        "Quality + latency (cost is the corner given up)",
        "Cost + latency (quality is the corner given up)",
    ]
    assert "How many requests arrive per day." in form.widget("requests_per_day").toolTip()
    assert "Allowed: at least 1" in form.widget("requests_per_day").toolTip()
    assert form.fields["requests_per_day"].unit.text() == "requests/day"


def test_values_round_trip_and_edits_are_reported(qtbot):
    form = InputForm(Demo)
    qtbot.addWidget(form)
    form.set_values(Demo().model_dump())
    assert Demo.model_validate(form.values()) == Demo()
    with qtbot.waitSignal(form.edited) as signal:
        form.widget("priority").setCurrentIndex(2)
    assert signal.args == ["priority", "cost_latency"]
    assert not form.widget("turnaround_hours").isEnabled()
    form.widget("batch_ok").click()
    assert form.widget("turnaround_hours").isEnabled()
    assert Demo.model_validate(form.values()).batch_ok is True


def test_an_integer_field_refuses_fractions_in_plain_words(qtbot):
    from pydantic import ValidationError

    from core.validation import field_errors

    form = InputForm(Demo)
    qtbot.addWidget(form)
    form.widget("requests_per_day").setText("2.5")
    with pytest.raises(ValidationError) as exc:
        Demo.model_validate(form.values())
    errors = field_errors(exc.value)
    form.show_errors(errors)
    assert form.fields["requests_per_day"].error.text() == "must be a whole number"


class Row(FrameworkInputs):
    name: str = param("model", description="Candidate name.", title="Name")
    accuracy: float = param(0.8, ge=0, le=1, description="Share correct.", title="Accuracy")
    mode: Literal["realtime", "batch"] = param("realtime", description="Mode.", title="Mode")


class WithLists(FrameworkInputs):
    rows: list[Row] = param([Row(name="a", accuracy=0.9)], description="Candidates.")
    models: list[str] = param([], description="Models to consider.", choices="catalog_models")


def test_a_list_of_records_is_an_editable_table(qtbot):
    form = InputForm(WithLists)
    qtbot.addWidget(form)
    form.set_values(WithLists().model_dump())
    editor = form.widget("rows")
    model = editor.model
    assert [model.headerData(i, Qt.Orientation.Horizontal) for i in range(3)] == [
        "Name",
        "Accuracy",
        "Mode",
    ]
    with qtbot.waitSignal(form.edited):
        qtbot.mouseClick(editor.findChild(QPushButton, "addRow"), Qt.MouseButton.LeftButton)
    assert len(WithLists.model_validate(form.values()).rows) == 2
    model.setData(model.index(1, 1), "1.5")
    from pydantic import ValidationError

    from core.validation import field_errors

    with pytest.raises(ValidationError) as exc:
        WithLists.model_validate(form.values())
    form.show_errors(field_errors(exc.value))
    assert form.fields["rows"].error.text().startswith("row 2, accuracy: ")
    model.setData(model.index(1, 1), "0.75")
    parsed = WithLists.model_validate(form.values())
    assert parsed.rows[1].accuracy == 0.75


def test_a_list_of_model_ids_uses_the_picker(qtbot):
    from ui.form import FormProviders

    form = InputForm(WithLists, providers=FormProviders(model_ids=lambda: ["m-a", "m-b", "m-c"]))
    qtbot.addWidget(form)
    editor = form.widget("models")
    assert editor.summary.text() == "All models with a quality score"
    dialog = editor.open_picker()
    qtbot.keyClicks(dialog.search, "m-b")
    assert dialog.proxy.rowCount() == 1
    dialog.set_checked("m-b", True)
    with qtbot.waitSignal(form.edited):
        dialog.accept()
    assert WithLists.model_validate(form.values()).models == ["m-b"]
    assert editor.summary.text() == "m-b"


class WithBase(FrameworkInputs):
    base_model: str = param(
        "", description="Base model.", choices="catalog_models", empty_text="Use the entered prices"
    )


def test_a_single_model_id_is_a_combo_that_reads_the_catalog_late(qtbot):
    from ui.form import FormProviders

    ids: list[str] = []
    form = InputForm(WithBase, providers=FormProviders(model_ids=lambda: ids))
    qtbot.addWidget(form)
    combo = form.widget("base_model")
    assert form.values() == {"base_model": ""}
    assert combo.currentText() == "Use the entered prices"
    ids.extend(["gpt-4o-mini", "gpt-4o"])  # the catalog arrives after the form was built
    combo.showPopup()
    combo.hidePopup()
    with qtbot.waitSignal(form.edited):
        combo.setCurrentIndex(combo.findData("gpt-4o-mini"))
    assert WithBase.model_validate(form.values()).base_model == "gpt-4o-mini"
    form.set_values({"base_model": ""})
    assert form.values() == {"base_model": ""}


def test_background_tasks_report_progress_in_order_before_done(qtbot):
    from ui.tasks import TaskRunner

    runner = TaskRunner()
    seen: list[object] = []

    def work(report):
        for i in range(3):
            report(i)
        return "finished"

    runner.submit(work, seen.append, on_progress=seen.append)
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert seen == [0, 1, 2, "finished"]


def test_add_from_catalog_only_on_tables_that_ask_for_it(qtbot):
    from ui.form import FormProviders

    class Two(FrameworkInputs):
        filled: list[Row] = param([], description="From the catalog.", catalog_rows=True)
        typed: list[Row] = param([], description="Typed in.")

    form = InputForm(Two, providers=FormProviders(rows_from_catalog=lambda field: []))
    qtbot.addWidget(form)
    assert form.widget("filled").findChild(QPushButton, "addFromCatalog") is not None
    assert form.widget("typed").findChild(QPushButton, "addFromCatalog") is None


def test_a_name_with_a_bidi_override_is_a_field_error_naming_it(qtbot):
    """Typed or pasted into a table cell, U+202E draws as nothing: the row's field says so by
    its code point (issue 14), and the error label shows it as text."""
    from pydantic import ValidationError

    from core.validation import field_errors

    form = InputForm(WithLists)
    qtbot.addWidget(form)
    form.set_values(WithLists().model_dump())
    model = form.widget("rows").model
    model.setData(model.index(0, 0), "gpt\u202e-4o")
    with pytest.raises(ValidationError) as exc:
        WithLists.model_validate(form.values())
    form.show_errors(field_errors(exc.value))
    error = form.fields["rows"].error
    assert error.text().startswith("row 1, name: Text should have no invisible control")
    assert "(found U+202E)" in error.text()
    assert error.textFormat() == Qt.TextFormat.PlainText
