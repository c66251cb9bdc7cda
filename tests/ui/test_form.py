"""The generic form builder works for any Inputs model, not only Build vs Buy's."""

from __future__ import annotations

from typing import Literal

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

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
    assert "How many requests arrive per day." in form.widget("requests_per_day").toolTip()
    assert "≥ 1" in form.widget("requests_per_day").toolTip()
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


def test_an_integer_field_refuses_fractions_with_pydantics_message(qtbot):
    from pydantic import ValidationError

    from core.validation import field_errors

    form = InputForm(Demo)
    qtbot.addWidget(form)
    form.widget("requests_per_day").setText("2.5")
    with pytest.raises(ValidationError) as exc:
        Demo.model_validate(form.values())
    errors = field_errors(exc.value)
    form.show_errors(errors)
    assert "integer" in form.fields["requests_per_day"].error.text()
