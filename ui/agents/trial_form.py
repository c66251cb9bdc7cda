"""The agent trial's settings: one factory per field (with its tooltip and limits) and the
compact grid that lays them out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QToolButton,
)

from core.agent_loop import MAX_ITERATIONS_LIMIT


def task_edit() -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName("task_edit")
    edit.setPlaceholderText(
        "A task for the agent, e.g. What is 17% of 2,340, and what is today's date?"
    )
    edit.setMaximumHeight(54)
    edit.setToolTip(
        "What the agent should do. It can use a calculator, today's date and, with a notes "
        "file, a lookup in your notes."
    )
    return edit


def model_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName("model_edit")
    edit.setPlaceholderText("e.g. gpt-4o-mini, or the model name a local server serves")
    edit.setToolTip(
        "The model to run, as litellm names it (provider/model). Starts as the form's model."
    )
    return edit


def base_url_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName("base_url_edit")
    edit.setPlaceholderText("optional: http://127.0.0.1:8000/v1")
    edit.setToolTip(
        "Optional base URL of an OpenAI-compatible server (a local model server, a "
        "gateway). Empty: the provider litellm picks from the model name."
    )
    return edit


def api_key_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName("api_key_edit")
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText("optional: from the environment otherwise")
    edit.setToolTip(
        "API key for this session only: kept in memory, never saved to the database, "
        "settings, logs or exports. Empty: litellm reads the provider's environment "
        "variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)."
    )
    return edit


def notes_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName("notes_edit")
    edit.setPlaceholderText("optional: a text file the agent may search")
    edit.setToolTip(
        "A local text file the agent's lookup_notes tool searches (read-only). Empty: the "
        "tool is not offered."
    )
    return edit


def max_iterations_spin() -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName("max_iterations_spin")
    spin.setRange(1, MAX_ITERATIONS_LIMIT)
    spin.setValue(10)
    spin.setToolTip("The trial stops after this many model calls.")
    return spin


def cost_cap_spin() -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName("cost_cap_spin")
    spin.setRange(0.01, 100.0)
    spin.setDecimals(2)
    spin.setSingleStep(0.1)
    spin.setPrefix("$")
    spin.setValue(0.50)
    spin.setToolTip(
        "The trial makes no further model call once its cost reaches this many dollars."
    )
    return spin


def fields_grid(
    task: QPlainTextEdit,
    model: QLineEdit,
    base_url: QLineEdit,
    api_key: QLineEdit,
    notes: QLineEdit,
    browse: QToolButton,
) -> QGridLayout:
    """Task across the top, then model and base URL, then key and notes file, two pairs a
    row: compact, since the trial shares the panel's height with the plots."""
    notes_row = QHBoxLayout()
    notes_row.setContentsMargins(0, 0, 0, 0)
    notes_row.addWidget(notes)
    notes_row.addWidget(browse)
    grid = QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    grid.addWidget(buddy("Task", task), 0, 0, Qt.AlignmentFlag.AlignTop)
    grid.addWidget(task, 0, 1, 1, 3)
    grid.addWidget(buddy("Model", model), 1, 0)
    grid.addWidget(model, 1, 1)
    grid.addWidget(buddy("Base URL", base_url), 1, 2)
    grid.addWidget(base_url, 1, 3)
    grid.addWidget(buddy("API key", api_key), 2, 0)
    grid.addWidget(api_key, 2, 1)
    grid.addWidget(buddy("Notes file", notes), 2, 2)
    grid.addLayout(notes_row, 2, 3)
    grid.setColumnStretch(1, 1)
    grid.setColumnStretch(3, 1)
    return grid


def buddy(text: str, field: QPlainTextEdit | QLineEdit | QSpinBox | QDoubleSpinBox) -> QLabel:
    """The field's label, set as its buddy so assistive technology reads it as the field's name."""
    label = QLabel(text)
    label.setBuddy(field)
    return label
