"""A table input (Model Selection's candidates, a task mix) takes the form's whole width: the
column of unit labels the number fields share is not kept empty beside it (issue 16: at
1280x800 the candidate table stopped 70 px short of the form and cut its cost column)."""

from __future__ import annotations

from core.frameworks import model_selection
from ui.form import InputForm


def test_a_table_without_a_unit_takes_the_forms_whole_width(qtbot):
    form = InputForm(model_selection.Inputs)
    qtbot.addWidget(form)
    form.set_values(model_selection.Inputs().model_dump())
    form.resize(540, 900)
    form.show()
    qtbot.waitExposed(form)
    field = form.fields["candidates"]
    editor = form.widget("candidates")
    row = editor.parentWidget()
    assert not field.unit.isVisible()
    assert editor.geometry().right() == row.rect().right()
    # A number field keeps its unit beside it (in a section shown collapsed).
    assert not form.fields["input_tokens_per_request"].unit.isHidden()
