"""Compare shows list-of-rows inputs (a task mix) as tables, A beside B, and every column of
its tables can be widened by the user, starting at its content's width."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTableView

from core.catalog import Catalog
from core.compare import table_inputs
from core.frameworks import get
from core.scenario import Scenario
from ui.compare import MAX_START_WIDTH, CompareDialog

ARCH = get("architecture_patterns")


def _scenario(sid: int, name: str, inputs: dict) -> Scenario:
    return Scenario(id=sid, name=name, framework_id=ARCH.ID, inputs=inputs)


def _two() -> tuple[Scenario, Scenario]:
    a = ARCH.Inputs()
    mix = [t.model_copy() for t in a.task_mix]
    mix[0] = mix[0].model_copy(update={"input_tokens": 9_000})
    b = a.model_copy(update={"task_mix": mix})
    return (
        _scenario(1, "Today's mix", a.model_dump(mode="json")),
        _scenario(2, "Longer summaries", b.model_dump(mode="json")),
    )


def test_table_inputs_give_each_row_of_both_sides():
    a = ARCH.Inputs()
    tables = {t.name: t for t in table_inputs(a, a)}
    mix = tables["task_mix"]
    assert len(mix.a) == len(a.task_mix) and not mix.differs
    assert mix.headers[0] == "Task type"
    assert mix.a[0][0] == a.task_mix[0].name
    assert mix.a[0][2] == f"{a.task_mix[0].input_tokens:,}"


def test_compare_shows_a_task_mix_as_tables_and_marks_the_row_that_differs(qtbot):
    a, b = _two()
    dialog = CompareDialog(ARCH, [a, b], a, catalog=Catalog())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    rows = {cells[0]: cells for cells, _ in dialog.inputs_model.rows}
    n = len(ARCH.Inputs().task_mix)
    assert rows["Task mix"][1:] == [f"{n:,} rows, in the table below"] * 2
    assert "Task mix" in dialog.inputs_model.differing()
    view_a = dialog.findChild(QTableView, "table_task_mix_a")
    view_b = dialog.findChild(QTableView, "table_task_mix_b")
    assert view_a is not None and view_b is not None
    assert view_a.isVisible() and view_b.isVisible()
    model_b = view_b.model()
    assert model_b.rowCount() == n
    assert model_b.headerData(0, Qt.Orientation.Horizontal) == "Task type"
    assert model_b.index(0, 2).data() == "9,000"
    assert [differs for _, differs in model_b.rows] == [True] + [False] * (n - 1)


def test_compare_columns_start_at_their_content_and_can_be_widened(qtbot):
    a, b = _two()
    dialog = CompareDialog(ARCH, [a, b], a, catalog=Catalog())
    qtbot.addWidget(dialog)
    dialog.resize(1280, 800)
    dialog.show()
    qtbot.waitExposed(dialog)
    views = [v for v in dialog.findChildren(QTableView) if v.isVisible()]
    assert len(views) >= 4  # inputs, figures, the task mix's A and B
    for view in views:
        header = view.horizontalHeader()
        last = view.model().columnCount() - 1
        for column in range(last):
            assert header.sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive
            assert 0 < view.columnWidth(column) <= MAX_START_WIDTH
    inputs_view = next(v for v in views if v.model() is dialog.inputs_model)
    before = inputs_view.columnWidth(1)
    inputs_view.horizontalHeader().resizeSection(1, before + 120)
    assert inputs_view.columnWidth(1) == before + 120
