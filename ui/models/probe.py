"""The Models tab's "Measure latency…": the probe's settings and estimated cost in a dialog that
is the confirmation, then the streamed requests on a worker with a progress dialog and Cancel,
and the measured profile saved through the tab's queue of changes (operations/probe.py)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QProgressDialog,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.catalog import ModelInfo
from ui.models.saving import CatalogEdit, SavingQueue
from ui.plain_text import plain_label
from ui.tasks import WidgetGuard

if TYPE_CHECKING:
    from core.probe import ProbeProgress, ProbeResult, ProbeSettings
    from operations import probe as probe_ops

# The probe's engine (core.probe: asyncio, the litellm layer) is imported when a probe is
# asked for: the Models tab is built at start-up, and the first paint does not need it.


class ProbeDialog(QDialog):
    """Where to reach the model, how many requests of which size, and what that costs at the
    catalog's prices; Measure starts it. The API key typed here stays in memory only."""

    def __init__(self, model: ModelInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Measure latency of {model.id}")
        self.model = model
        from core.probe import ProbeSettings

        defaults = ProbeSettings()
        self.api_base = QLineEdit()
        self.api_base.setObjectName("probe_api_base")
        self.api_base.setPlaceholderText("optional: an OpenAI-compatible server, e.g. http://…/v1")
        self.api_key = QLineEdit()
        self.api_key.setObjectName("probe_api_key")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("optional: from the environment otherwise")
        self.api_key.setToolTip("For this probe only: kept in memory, never saved")
        self.requests = _spin(1, 100, defaults.requests, " requests")
        self.input_tokens = _spin(1, 200_000, defaults.input_tokens, " tokens")
        self.input_tokens.setToolTip("The prompt's size, about (one-token filler words)")
        self.output_tokens = _spin(2, 32_000, defaults.output_tokens, " tokens")
        self.output_tokens.setToolTip("Tokens each reply streams: max_tokens stops it there")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 3600)
        self.timeout.setValue(defaults.deadline_s)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("Seconds a whole request may take: a stalled stream ends there")
        form = QFormLayout()
        form.addRow("Base URL", self.api_base)
        form.addRow("API key", self.api_key)
        form.addRow("Requests", self.requests)
        form.addRow("Input (prompt)", self.input_tokens)
        form.addRow("Output per request", self.output_tokens)
        form.addRow("Deadline per request", self.timeout)
        self.estimate = plain_label("")
        self.estimate.setObjectName("probe_estimate")
        self.estimate.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Measure")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.estimate)
        # Wide enough for a base URL and the estimate's sentence on two or three lines.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 72)
        lay.addWidget(self.buttons)
        for spin in (self.requests, self.input_tokens, self.output_tokens):
            spin.valueChanged.connect(self._update_estimate)
        self.timeout.valueChanged.connect(self._update_estimate)
        self.api_base.textChanged.connect(self._update_estimate)
        self._update_estimate()

    def settings(self) -> ProbeSettings:
        from core.probe import ProbeSettings

        return ProbeSettings(
            requests=self.requests.value(),
            input_tokens=self.input_tokens.value(),
            output_tokens=self.output_tokens.value(),
            deadline_s=self.timeout.value(),
        )

    def plan(self) -> probe_ops.ProbePlan:
        """The probe as set, priced; the key check waits for the worker (it loads litellm)."""
        from core.probe import estimate_cost
        from operations import probe as probe_ops

        settings = self.settings()
        api_base = self.api_base.text().strip() or None
        return probe_ops.ProbePlan(
            self.model, settings, api_base, estimate_cost(self.model, settings)
        )

    def key(self) -> str | None:
        return self.api_key.text().strip() or None

    def _update_estimate(self, *_: Any) -> None:
        self.estimate.setText(self.plan().describe())


def _spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    return spin


class ProbeCommands(SavingQueue):
    """ "Measure latency…" on the selected model (ModelsTab builds on it)."""

    probe_progress: QProgressDialog | None = None
    _probe_guard: WidgetGuard | None = None

    if TYPE_CHECKING:
        # Provided by ModelsTab: the table's selection and its buttons.
        def selected_model(self) -> ModelInfo | None: ...
        def _update_buttons(self, *_: Any) -> None: ...

    @property
    def probing(self) -> bool:
        return self._probe_guard is not None

    def measure_latency(self) -> None:
        """Ask with the estimate, then measure off the GUI thread."""
        model = self.selected_model()
        if self._catalog is None or model is None or self.probing:
            return
        dialog = ProbeDialog(model, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.start_probe(dialog.plan(), dialog.key())

    def start_probe(self, plan: probe_ops.ProbePlan, api_key: str | None = None) -> None:
        """Run a confirmed probe: progress and Cancel in a dialog, the profile saved after."""
        if self._catalog is None or self.probing:
            return
        from operations import probe as probe_ops

        catalog = self._catalog
        guard = WidgetGuard()
        cancel = threading.Event()
        guard.event = cancel
        self.destroyed.connect(guard.cancel)
        self._probe_guard = guard
        total = plan.settings.requests
        progress = QProgressDialog(
            f"Measuring {plan.model.id}: warming up…", "Cancel", 0, total, self
        )
        progress.setObjectName("probe_progress")
        # The label shows the server's words when a request fails: never as markup.
        progress.setLabel(plain_label(f"Measuring {plan.model.id}: warming up…"))
        progress.setWindowTitle("Measure latency")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setMinimumDuration(0)
        progress.setValue(0)
        progress.canceled.connect(lambda: self._cancel_probe(cancel))
        self.probe_progress = progress
        progress.show()
        self._update_buttons()

        def work(report: Any) -> ProbeResult:
            # Checked here: the provider's key variables are known once litellm is loaded.
            checked = probe_ops.plan_probe(
                catalog, plan.model.id, plan.settings, api_base=plan.api_base, api_key=api_key
            )
            return probe_ops.run(checked, api_key=api_key, cancelled=cancel.is_set, progress=report)

        self.runner.submit(
            work,
            guard.guard(self._probe_done),
            guard.guard(self._probe_failed),
            guard.guard(self._probe_step),
        )

    def _cancel_probe(self, cancel: threading.Event) -> None:
        cancel.set()
        if self.probe_progress is not None:
            self.probe_progress.setLabelText("Cancelling: the request in flight is abandoned…")

    def _probe_step(self, step: ProbeProgress) -> None:
        if self.probe_progress is None:
            return
        self.probe_progress.setValue(step.done)
        self.probe_progress.setLabelText(
            f"Request {step.done} of {step.total} done.\n{step.sample.line()}"
        )

    def _end_probe(self) -> None:
        self._probe_guard = None
        progress, self.probe_progress = self.probe_progress, None
        if progress is not None:
            # Closing a progress dialog emits canceled: the probe is over, nothing to cancel.
            progress.canceled.disconnect()
            progress.close()
            progress.deleteLater()
        self._update_buttons()

    def _probe_failed(self, exc: Exception) -> None:
        self._end_probe()
        self._show_message(f"The latency probe did not run: {exc}", error=True)

    def _probe_done(self, result: ProbeResult) -> None:
        from operations import probe as probe_ops

        self._end_probe()
        lines = [s.line() for s in result.samples] + result.summary_lines()
        title = f"Latency of {result.model_id}"
        if result.cancelled:
            self._show_message(f"{result.stopped} Nothing was saved.", error=False)
            return
        if result.profile() is None:
            self._show_report(title, lines)
            self._show_message(
                f"Nothing was measured for {result.model_id}: see the report.", error=True
            )
            return

        def saved(profile: Any) -> None:
            self._show_report(title, lines)
            if profile is not None:
                self._show_message(
                    f"Measured {result.model_id}: first token {profile.ttft_ms:,.0f} ms, "
                    f"{profile.output_tokens_per_second:,.1f} tokens/s (p50s of "
                    f"{profile.requests} requests), saved as its latency profile.",
                    error=False,
                )

        self._queue_edit(
            CatalogEdit(
                f"save the measured latency of {result.model_id}",
                lambda store: probe_ops.save(store, result),
            ),
            saved,
        )
