"""How a run calls the model: concurrency, rate limits, timeout, retries, spend cap, cache."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QWidget

from core.evaluation import RunSettings
from ui.experiments.fields import dspin, spin


class RunSettingsForm(QGroupBox):
    """The run's limits; the judge on the Compare page calls with the same ones."""

    def __init__(self) -> None:
        super().__init__("Limits")
        self._build_fields()
        grid = QGridLayout(self)
        cells: list[tuple[str, QWidget]] = [
            ("Concurrency", self.concurrency_spin),
            ("Requests/min", self.rpm_spin),
            ("Tokens/min", self.tpm_spin),
            ("Timeout (s)", self.timeout_spin),
            ("Retries", self.retries_spin),
            ("Spend cap", self.spend_cap_spin),
        ]
        # Two pairs a row: the limits stay no taller than the variant's fields, and the variant
        # keeps the width its model name and URL need beside them on a laptop screen.
        for i, (label, widget) in enumerate(cells):
            grid.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            grid.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        grid.addWidget(self.cache_check, 3, 0, 1, 4)
        grid.setRowStretch(4, 1)

    def _build_fields(self) -> None:
        self.concurrency_spin = spin(
            "run_concurrency_spin", 1, 500, 8, "Requests in flight at once"
        )
        self.rpm_spin = spin(
            "run_rpm_spin", 0, 1_000_000, 0, "Requests per minute at most (0: no limit)"
        )
        self.tpm_spin = spin(
            "run_tpm_spin", 0, 100_000_000, 0, "Tokens per minute at most (0: no limit)"
        )
        self.timeout_spin = dspin(
            "run_timeout_spin", 1, 3600, 60, "Seconds one request may take", decimals=0, step=5
        )
        self.retries_spin = spin(
            "run_retries_spin", 0, 20, 4, "Retries on rate limits, server errors and timeouts"
        )
        self.spend_cap_spin = dspin(
            "run_spend_cap_spin",
            0,
            100_000,
            5,
            "The run starts no new request once it has spent this much (0: no cap)",
        )
        self.spend_cap_spin.setPrefix("$")
        self.cache_check = QCheckBox("Use the response cache")
        self.cache_check.setObjectName("run_cache_check")
        self.cache_check.setChecked(True)
        self.cache_check.setToolTip(
            "An identical request answered before is taken from the cache: free and instant."
        )

    def settings(self) -> RunSettings:
        """The settings the fields describe (their bounds are the model's)."""
        return RunSettings(
            concurrency=self.concurrency_spin.value(),
            requests_per_minute=self.rpm_spin.value(),
            tokens_per_minute=self.tpm_spin.value(),
            timeout_s=self.timeout_spin.value(),
            max_retries=self.retries_spin.value(),
            spend_cap_usd=self.spend_cap_spin.value(),
            use_cache=self.cache_check.isChecked(),
        )
