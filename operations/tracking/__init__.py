"""Evidence out to experiment trackers: runs, comparisons and decisions logged to MLflow or
Weights & Biases.

`records` builds the neutral records from the store; `mlflow_log` and `wandb_log` each send
them with their tool's own client, imported only when something is logged (start-up never
imports a tracker). `log` picks the tool.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the records pull in the engine; the menu needs only the names here
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


def target(to: Tool, given: str | None, db_path: Path) -> str | None:
    """Where a record goes when the user named `given` or nothing: for MLflow the given URI,
    else MLFLOW_TRACKING_URI, else the local store beside the database; for W&B the given
    folder, else the database's folder (the one --db names, which wandb_log cannot know)."""
    if given:
        return given
    if to == "mlflow":
        return os.environ.get("MLFLOW_TRACKING_URI") or default_mlflow_uri(db_path)
    return str(Path(db_path).resolve().parent)


class TrackerMissing(ImportError):
    """The tracker's package is not installed; the message says how to install it."""


class TrackerError(Exception):
    """The tracker refused the record or could not be reached; the message is the tool's,
    with every credential (of the tracking URI, of the environment) removed."""


def log(record: Record, to: Tool = "mlflow", tracking_uri: str | None = None) -> Logged:
    """Log `record` to `to` (its server or store at `tracking_uri`, or the tool's default).
    Raises TrackerMissing when the tool's package is not installed, TrackerError when the
    tool refuses the record or its server cannot be reached. Blocks on the network:
    call it off the GUI thread."""
    if to == "mlflow":
        from operations.tracking import mlflow_log

        return mlflow_log.log(record, tracking_uri)
    if to == "wandb":
        from operations.tracking import wandb_log

        try:
            return wandb_log.log(record, tracking_uri)
        except TrackerMissing:
            raise
        except Exception as exc:  # wandb's own errors, as MLflow's become TrackerError
            from core.llm import redact

            raise TrackerError(redact(str(exc))) from None
    raise ValueError(f"unknown tracker {to!r}: use one of {', '.join(TOOLS)}")
