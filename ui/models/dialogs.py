"""The Models tab's dialogs: a custom model's fields, and an import's row-by-row report."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.catalog import PER_MILLION, ModelInfo
from ui.numbers import parse_number
from ui.plain_text import plain_label


class CustomModelDialog(QDialog):
    """Id, prices per million tokens, limits and capabilities of a self-hosted or fine-tuned
    model. OK checks every field and names the first problem instead of closing."""

    def __init__(
        self,
        taken_ids: set[str],
        model: ModelInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit custom model" if model else "Add custom model")
        self._taken = taken_ids
        self._editing = model
        self._result: ModelInfo | None = None
        self.model_id = QLineEdit()
        self.model_id.setPlaceholderText("e.g. my-org/llama-3.1-8b-finetune")
        self.prices: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Model id", self.model_id)
        for field, label, hint in (
            ("input_cost_per_token", "Input $/M tokens", "required, e.g. 0.20"),
            ("output_cost_per_token", "Output $/M tokens", "required, e.g. 0.60"),
            ("input_cost_per_token_batch", "Batch input $/M", "none"),
            ("output_cost_per_token_batch", "Batch output $/M", "none"),
            ("cache_read_input_token_cost", "Cached input $/M", "none"),
        ):
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            self.prices[field] = edit
            form.addRow(label, edit)
        self.context = QLineEdit()
        self.context.setPlaceholderText("e.g. 128k")
        self.max_output = QLineEdit()
        self.max_output.setPlaceholderText("e.g. 8k")
        form.addRow("Context (tokens)", self.context)
        form.addRow("Max output (tokens)", self.max_output)
        self.tools = QCheckBox("Supports tool calling")
        self.vision = QCheckBox("Accepts images")
        form.addRow("", self.tools)
        form.addRow("", self.vision)
        self.error = plain_label()  # quotes the validation error, with the id typed
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        if model is not None:
            self._fill(model)

    def _fill(self, model: ModelInfo) -> None:
        self.model_id.setText(model.id)
        self.model_id.setReadOnly(True)
        for field, edit in self.prices.items():
            value = getattr(model, field)
            edit.setText("" if value is None else f"{value * PER_MILLION:.10g}")
        self.context.setText("" if model.max_input_tokens is None else str(model.max_input_tokens))
        self.max_output.setText(
            "" if model.max_output_tokens is None else str(model.max_output_tokens)
        )
        self.tools.setChecked(model.supports_function_calling)
        self.vision.setChecked(model.supports_vision)

    def result_model(self) -> ModelInfo | None:
        """The model the user entered, once OK accepted it."""
        return self._result

    def accept(self) -> None:
        try:
            self._result = self._read()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        super().accept()

    def _read(self) -> ModelInfo:
        model_id = self.model_id.text().strip()
        if not model_id:
            raise ValueError("Give the model an id.")
        if self._editing is None and model_id in self._taken:
            raise ValueError(f"'{model_id}' is already in the catalog: choose another id.")
        values: dict[str, Any] = {}
        for field, edit in self.prices.items():
            text = edit.text().strip()
            if not text:
                if field in ("input_cost_per_token", "output_cost_per_token"):
                    raise ValueError("Enter the input and output prices (0 for a free model).")
                continue
            value = parse_number(text)
            if value is None or value < 0:
                raise ValueError(f"'{text}' is not a price: enter dollars per million tokens.")
            values[field] = value / PER_MILLION
        for name, edit, label in (
            ("max_input_tokens", self.context, "context"),
            ("max_output_tokens", self.max_output, "max output"),
        ):
            text = edit.text().strip()
            if not text:
                continue
            count = parse_number(text)
            if count is None or count < 1 or count != int(count):
                raise ValueError(f"'{text}' is not a token count for the {label}.")
            values[name] = int(count)
        base = self._editing
        return ModelInfo(
            id=model_id,
            provider="custom",
            custom=True,
            supports_function_calling=self.tools.isChecked(),
            supports_vision=self.vision.isChecked(),
            quality=base.quality if base else None,
            latency=base.latency if base else None,
            **values,
        )


class ImportReportDialog(QDialog):
    """What an import did, row by row; non-blocking so the table stays usable behind it."""

    def __init__(self, title: str, lines: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(620, 360)
        self.text = QPlainTextEdit("\n".join(lines))
        self.text.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)
