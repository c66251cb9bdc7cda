"""What a run sends: the dataset, the model and where it is served, the prompt and sampling."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
)

from core.evaluation import Variant
from storage.experiments import DatasetInfo
from ui.experiments.fields import dspin, spin


class VariantForm(QGroupBox):
    """The run's dataset and variant. The API key typed here stays in this widget's memory."""

    def __init__(self) -> None:
        super().__init__("Variant")
        self.dataset_combo = QComboBox()
        self.dataset_combo.setObjectName("run_dataset_combo")
        self.dataset_combo.setToolTip("The dataset whose every item the variant answers")
        self._build_model_fields()
        self._build_prompt_fields()
        form = QFormLayout(self)
        form.addRow("Dataset", self.dataset_combo)
        form.addRow("Run name", self.name_edit)
        form.addRow("Model", self.model_edit)
        form.addRow("Base URL", self.base_url_edit)
        form.addRow("API key", self.api_key_edit)
        form.addRow("Prompt template", self.template_edit)
        form.addRow("System prompt", self.system_edit)
        sampling = QHBoxLayout()
        sampling.addWidget(self.temperature_spin, 1)
        sampling.addWidget(QLabel("Max tokens"))
        sampling.addWidget(self.max_tokens_spin, 1)
        form.addRow("Temperature", sampling)

    def _build_model_fields(self) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("run_name_edit")
        self.name_edit.setPlaceholderText("e.g. baseline, or shorter prompt")
        self.name_edit.setToolTip("A name for this run (the model's name when left empty)")
        self.model_edit = QLineEdit()
        self.model_edit.setObjectName("run_model_edit")
        self.model_edit.setPlaceholderText("e.g. gpt-4o-mini, or the model a local server serves")
        self.model_edit.setToolTip("The model as litellm names it (provider/model)")
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setObjectName("run_base_url_edit")
        self.base_url_edit.setPlaceholderText("optional: http://127.0.0.1:8000/v1")
        self.base_url_edit.setToolTip(
            "Optional base URL of an OpenAI-compatible server. Empty: the provider litellm "
            "picks from the model name."
        )
        self.api_key_edit = QLineEdit()
        self.api_key_edit.setObjectName("run_api_key_edit")
        self.api_key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key_edit.setPlaceholderText("optional: from the environment otherwise")
        self.api_key_edit.setToolTip(
            "API key for this session only: kept in memory, never saved to the database, "
            "settings, logs or exports."
        )

    def _build_prompt_fields(self) -> None:
        self.template_edit = QPlainTextEdit("Answer briefly.\n\n{input}")
        self.template_edit.setObjectName("run_template_edit")
        self.template_edit.setMaximumHeight(70)
        self.template_edit.setToolTip(
            "The user message for each item: {input} is the item's input and {name} any other "
            "column of the dataset; {{ and }} are literal braces."
        )
        self.system_edit = QLineEdit()
        self.system_edit.setObjectName("run_system_edit")
        self.system_edit.setPlaceholderText("optional system prompt")
        self.temperature_spin = dspin(
            "run_temperature_spin", 0, 2, 0, "Sampling temperature (0 for repeatable answers)"
        )
        self.max_tokens_spin = spin(
            "run_max_tokens_spin", 1, 100_000, 256, "The most output tokens one answer may take"
        )

    def show_datasets(self, datasets: list[DatasetInfo]) -> None:
        """List the datasets, keeping the chosen one when it is still there."""
        current = self.dataset_combo.currentData()
        self.dataset_combo.clear()
        for d in datasets:
            self.dataset_combo.addItem(f"{d.name} v{d.version} ({d.item_count:,} items)", d.id)
        index = self.dataset_combo.findData(current)
        self.dataset_combo.setCurrentIndex(max(index, 0))

    def dataset_id(self) -> int | None:
        dataset_id: int | None = self.dataset_combo.currentData()
        return dataset_id

    def api_key(self) -> str | None:
        return self.api_key_edit.text().strip() or None

    def variant(self) -> Variant:
        """The variant the fields describe; raises ValidationError when they do not make one."""
        model = self.model_edit.text().strip()
        return Variant(
            name=self.name_edit.text().strip() or model or "run",
            model=model,
            prompt_template=self.template_edit.toPlainText(),
            system_prompt=self.system_edit.text(),
            temperature=self.temperature_spin.value(),
            max_tokens=self.max_tokens_spin.value(),
            api_base=self.base_url_edit.text().strip() or None,
        )
