"""Evidence out to experiment trackers: runs, comparisons and decisions logged to MLflow or
Weights & Biases.

`records` builds the neutral records from the store; `mlflow_log` and `wandb_log` each send
them with their tool's own client, imported only when something is logged (start-up never
imports a tracker). `log` picks the tool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from operations.tracking.records import Logged, Record

Tool = Literal["mlflow", "wandb"]
TOOLS: tuple[Tool, ...] = ("mlflow", "wandb")
#: The package extra that brings each tool, for the message when it is not installed.
INSTALL_HINT = {
    "mlflow": "pip install 'ai-decision-frameworks[mlflow]'",
    "wandb": "pip install 'ai-decision-frameworks[wandb]'",
}


#: The local MLflow store's file name, beside the app's database.
MLFLOW_DB_NAME = "mlflow.db"


def default_mlflow_uri(db_path: Path) -> str:
    """The local MLflow store when the user named no server: a SQLite file beside the app's
    database (its artifacts in the folder mlflow-artifacts beside it). `mlflow ui
    --backend-store-uri` with this URI shows what was logged."""
    return f"sqlite:///{(Path(db_path).resolve().parent / MLFLOW_DB_NAME).as_posix()}"


class TrackerMissing(ImportError):
    """The tracker's package is not installed; the message says how to install it."""


def log(record: Record, to: Tool = "mlflow", tracking_uri: str | None = None) -> Logged:
    """Log `record` to `to` (its server or store at `tracking_uri`, or the tool's default).
    Raises TrackerMissing when the tool's package is not installed. Blocks on the network:
    call it off the GUI thread."""
    if to == "mlflow":
        from operations.tracking import mlflow_log

        return mlflow_log.log(record, tracking_uri)
    if to == "wandb":
        from operations.tracking import wandb_log  # type: ignore[attr-defined,unused-ignore]

        return wandb_log.log(record, tracking_uri)
    raise ValueError(f"unknown tracker {to!r}: use one of {', '.join(TOOLS)}")
