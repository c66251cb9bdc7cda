"""Log to MLflow… / Log to W&B…: a run, a comparison or a decision sent to an experiment
tracker (operations/tracking) from the Experiments pages and the File menu.

Where records go is a setting (QSettings): an MLflow tracking URI (empty: MLFLOW_TRACKING_URI,
else the SQLite store mlflow.db beside the database) and a W&B folder (empty: beside the
database, offline unless WANDB_MODE says online). Logging runs on the app's worker threads;
the trackers are imported there, never on the GUI thread or at start-up. A tracker that is not
installed is named in the menu with the command that installs it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMenu,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from operations.tracking import INSTALL_HINT, TOOLS, Tool, default_mlflow_uri
from ui.plain_text import literal_html, plain_label

TOOL_NAMES = {"mlflow": "MLflow", "wandb": "W&B"}
SETTING_KEYS = {"mlflow": "tracking/mlflow_uri", "wandb": "tracking/wandb_dir"}

#: What a page hands the menu: a description of what is selected and the worker-side function
#: that builds its record from the store; None when nothing is selected.
RecordSource = Callable[[], "tuple[str, Callable[[], Any]] | None"]
Submit = Callable[..., None]


def installed(tool: Tool) -> bool:
    """Whether the tracker's package is there, without importing it."""
    return importlib.util.find_spec(tool) is not None


def saved_target(settings: QSettings, tool: Tool) -> str:
    """The user's chosen destination for `tool`; "" means the default."""
    return str(settings.value(SETTING_KEYS[tool], "", type=str) or "").strip()


class TrackingDialog(QDialog):
    """Where records go: an MLflow tracking URI (a team server's URL, or a store URI) and the
    folder W&B writes offline runs to. Empty fields use the defaults shown in them."""

    def __init__(self, settings: QSettings, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tracking_dialog")
        self.setWindowTitle("Tracking settings")
        self.settings = settings
        self.mlflow_edit = QLineEdit(saved_target(settings, "mlflow"))
        self.mlflow_edit.setObjectName("mlflow_uri_edit")
        self.mlflow_edit.setPlaceholderText(default_mlflow_uri(db_path))
        self.mlflow_edit.setToolTip(
            "A tracking server's URL (http://host:5000) or a store URI. Empty: "
            "MLFLOW_TRACKING_URI, else the local store shown, beside the database"
        )
        self.wandb_edit = QLineEdit(saved_target(settings, "wandb"))
        self.wandb_edit.setObjectName("wandb_dir_edit")
        self.wandb_edit.setPlaceholderText(str(Path(db_path).resolve().parent))
        self.wandb_edit.setToolTip(
            "The folder W&B writes runs to; offline unless WANDB_MODE=online (upload an "
            "offline run later with wandb sync)"
        )
        self.setMinimumWidth(560)
        form = QFormLayout()
        form.addRow("MLflow tracking URI", self.mlflow_edit)
        form.addRow("W&B folder", self.wandb_edit)
        note = plain_label(
            "No API key is ever logged: a base URL is sent without its credentials. An "
            "MLflow server's own login comes from MLFLOW_TRACKING_USERNAME/PASSWORD or TOKEN."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(buttons)

    def accept(self) -> None:
        self.settings.setValue(SETTING_KEYS["mlflow"], self.mlflow_edit.text().strip())
        self.settings.setValue(SETTING_KEYS["wandb"], self.wandb_edit.text().strip())
        super().accept()


class TrackingMenu(QMenu):
    """Log to MLflow… | Log to W&B… | Tracking settings…, for what `source` says is selected."""

    def __init__(
        self,
        parent: QWidget,
        source: RecordSource,
        submit: Submit,
        db_path: Callable[[], Path],
        settings: Callable[[], QSettings] = QSettings,
    ) -> None:
        super().__init__("Log to", parent)
        self.setObjectName("tracking_menu")
        self._source, self._submit, self._db_path, self._settings = (
            source,
            submit,
            db_path,
            settings,
        )
        self.tool_actions = {}
        for tool in TOOLS:
            action = self.addAction(f"Log to {TOOL_NAMES[tool]}…")
            action.setObjectName(f"log_to_{tool}")
            action.triggered.connect(lambda _c=False, t=tool: self.log_to(t))
            self.tool_actions[tool] = action
        self.addSeparator()
        self.settings_action = self.addAction("Tracking settings…")
        self.settings_action.triggered.connect(self.edit_settings)
        self.aboutToShow.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Name a tracker that is not installed with the command that installs it."""
        for tool, action in self.tool_actions.items():
            name = TOOL_NAMES[tool]
            if installed(tool):
                action.setText(f"Log to {name}…")
                action.setToolTip(f"Send the selection to {name} (Tracking settings: where)")
                action.setEnabled(True)
            else:
                action.setText(f"Log to {name} (not installed: {INSTALL_HINT[tool]})")
                action.setToolTip(f"{name} is an optional extra: {INSTALL_HINT[tool]}")
                action.setEnabled(False)

    def edit_settings(self) -> None:
        TrackingDialog(self._settings(), self._db_path(), self.parentWidget()).exec()

    def log_to(self, tool: Tool) -> None:
        """Ask, then log the selection on a worker thread and say where it went."""
        from operations.tracking import target

        parent = self.parentWidget()
        name = TOOL_NAMES[tool]
        chosen = self._source()
        if chosen is None:
            QMessageBox.information(parent, f"Log to {name}", "Select something to log first.")
            return
        what, build = chosen
        where = target(tool, saved_target(self._settings(), tool) or None, self._db_path())
        shown_where = _shown_target(tool, where)
        answer = QMessageBox.question(
            parent,
            f"Log to {name}",
            literal_html(f"Log {what} to {name} at {shown_where}?"),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def work() -> Any:
            from operations.tracking import log

            return log(build(), to=tool, tracking_uri=where)

        def done(logged: Any) -> None:
            lines = [f"Logged {what} to {name} as run {logged.run_id}."]
            if logged.where:
                lines.append(f"Where: {logged.where}")
            sync = getattr(logged, "sync_command", "")
            if sync:
                lines.append(f"Offline: upload it with {sync}")
            QMessageBox.information(parent, f"Log to {name}", literal_html("\n".join(lines)))

        def failed(exc: Exception) -> None:
            QMessageBox.warning(
                parent, f"Log to {name}", literal_html(f"{name} did not take it: {exc}")
            )

        self._submit(work, done, failed)


def _shown_target(tool: Tool, where: str | None) -> str:
    from core.llm import redact_url

    if where is None:
        return "the folder beside the database (offline)"
    if tool == "mlflow" and where.startswith(("http://", "https://")):
        return redact_url(where) or where
    return where


def tracking_button(
    parent: QWidget,
    source: RecordSource,
    submit: Submit,
    db_path: Callable[[], Path],
    settings: Callable[[], QSettings] = QSettings,
) -> QToolButton:
    """A "Log to…" button whose menu logs what `source` says is selected."""
    button = QToolButton(parent)
    button.setObjectName("tracking_button")
    button.setText("Log to…")
    button.setToolTip("Log the selection to MLflow or Weights & Biases")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setMenu(TrackingMenu(button, source, submit, db_path, settings))
    return button


# ----- the Experiments pages' selections -----------------------------------------------------


def bench_button(page: Any, source: RecordSource) -> QToolButton:
    """A "Log to…" button on an Experiments page, logging through the workbench's workers."""

    def settings() -> QSettings:
        # The window's settings (a scratch file when the user's could not be read), so the
        # pages and File > Log to share one choice; QSettings() outside a window (tests).
        found = getattr(page.window(), "settings", None)
        return found if isinstance(found, QSettings) else QSettings()

    # The workbench is looked up when the user logs, not when the page is built: a page
    # shown on its own (a test, a future dialog) needs no workbench until then.
    return tracking_button(
        page,
        source,
        lambda *args, **kwargs: page.bench.submit(*args, **kwargs),
        lambda: Path(page.bench.services.db_path),
        settings,
    )


def run_source(page: Any) -> RecordSource:
    """The Runs page's selected run."""

    def source() -> tuple[str, Callable[[], Any]] | None:
        run = page.selected_run()
        if run is None:
            return None
        store, run_id = page.bench.store, run.id

        def build() -> Any:
            from operations.tracking.records import run_record

            return run_record(store(), run_id)

        return f"run {run_id} ({' '.join(run.name.split())})", build

    return source


def comparison_source(bench: Any, experiment_id: Callable[[], int | None]) -> RecordSource:
    """A comparison kept in the history, by its id (the Compare page's shown one, the History
    page's selected row), with the figures it was kept with."""

    def source() -> tuple[str, Callable[[], Any]] | None:
        chosen = experiment_id()
        if chosen is None:
            return None

        def build() -> Any:
            from operations.tracking.records import record_of_saved

            store = bench.store()
            kept = [e for e in store.experiments() if e.id == chosen]
            if not kept:
                raise LookupError(f"comparison {chosen} is no longer kept")
            return record_of_saved(store, kept[0])

        return f"comparison #{chosen}", build

    return source


def history_selection(page: Any) -> Callable[[], int | None]:
    """The History page's selected comparison's id."""

    def chosen() -> int | None:
        rows = page.view.selectionModel().selectedRows()
        record = page.model.row_at(rows[0]) if rows else None
        return None if record is None else record.id

    return chosen


# ----- the window's File menu --------------------------------------------------------------


def scenario_source(window: Any) -> RecordSource:
    """The current tab's saved scenario, its latest saved version (unsaved edits are not a
    decision yet), computed from the evidence it was saved with."""

    def source() -> tuple[str, Callable[[], Any]] | None:
        scenario = window.tab.scenario
        if scenario is None or scenario.id is None:
            return None
        store, scenario_id = window.store, scenario.id

        def build() -> Any:
            from core.catalog import Catalog
            from operations.scenarios import open_version
            from operations.tracking.records import decision_record

            catalog = window.catalog
            return decision_record(open_version(store.get(scenario_id), catalog or Catalog()))

        name = " ".join(scenario.name.split())
        return f"the decision '{name}' (its latest saved version)", build

    return source


def window_menu(window: Any) -> TrackingMenu:
    """The File menu's "Log to" submenu: the current scenario's decision."""
    return TrackingMenu(
        window,
        scenario_source(window),
        window.runner.submit,
        lambda: Path(window.store.path),
        lambda: window.settings,
    )
