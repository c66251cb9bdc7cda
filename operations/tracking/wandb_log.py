"""Runs, comparisons and decisions logged to Weights & Biases, offline unless the user chose
online.

Each record becomes one W&B run: its params as the run's config (with our tags beside them
under "tags", so a team can filter by dataset hash or verdict), its metrics as the summary, its
tables as `wandb.Table`s and its text files (a decision's Markdown and HTML record, a
comparison's verdict) as an artifact of type "<kind>-record". The job type says which record
it is (run, comparison, decision).

Offline by default: the run is written to a folder beside the database and `wandb sync
<folder>` uploads it later. Online only when the user asked for it: WANDB_MODE=online in the
environment or `mode="online"`. wandb is imported only here, inside the function that logs;
its service process is shut down after each record and the process hooks it replaces are put
back, so nothing of it outlives the call.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from operations.tracking.records import DecisionRecord, Logged, Record, Table
from storage.paths import resolve_db_path

if TYPE_CHECKING:
    import wandb

#: The W&B project every record goes to unless WANDB_PROJECT or the caller names another.
PROJECT = "ai-decision-frameworks"
#: wandb refuses longer tags (its limit); a longer "key:value" stays in the config only.
_TAG_LIMIT = 64
_ARTIFACT_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class WandbLogged(Logged):
    """Where a record went in W&B. `where` is the offline run's folder (or the online run's
    page); `sync_command` the command that uploads an offline run later ("" when online)."""

    mode: str = "offline"
    sync_command: str = ""


def default_dir() -> Path:
    """The folder offline runs go to: the database's folder (wandb adds its `wandb/`)."""
    return resolve_db_path(None).parent


def chosen_mode(mode: str | None = None) -> str:
    """`mode` if given, else the user's WANDB_MODE, else offline: nothing leaves the machine
    unless the user configured W&B to send it."""
    return mode or os.environ.get("WANDB_MODE", "") or "offline"


def wandb_tags(record: Record) -> list[str]:
    """The record's kind and its tags as "key:value" labels W&B can filter on; a label over
    W&B's length limit is left out (the full value is in the config's "tags")."""
    labels = [record.kind]
    for key, value in record.tags.items():
        label = f"{key}:{value}"
        if len(label) <= _TAG_LIMIT:
            labels.append(label)
    return labels


def artifact_name(record: Record) -> str:
    """A W&B artifact name (letters, digits, dot, dash, underscore) from the record's name,
    a decision's from its scenario's: each saved version logged becomes the next version of
    one artifact, so W&B shows the decision's history."""
    stem = record.tags.get("scenario", record.name)
    base = _ARTIFACT_NAME.sub("-", f"{record.kind}-{stem}").strip("-.")
    return base[:128] or record.kind


def log(
    record: Record,
    directory: str | os.PathLike[str] | None = None,
    *,
    mode: str | None = None,
    project: str | None = None,
) -> WandbLogged:
    """Log `record` as one W&B run in `directory` (default: beside the database) and return
    where it went. Raises TrackerMissing when wandb is not installed."""
    from operations.tracking import INSTALL_HINT, TrackerMissing

    try:
        import wandb
    except ImportError as exc:
        raise TrackerMissing(f"Weights & Biases is not installed: {INSTALL_HINT['wandb']}") from exc

    _no_analytics()
    folder = Path(directory) if directory is not None else default_dir()
    folder.mkdir(parents=True, exist_ok=True)
    run_mode = chosen_mode(mode)
    # wandb's service connection replaces sys.excepthook and sys.exit for good (to learn the
    # process's exit code); the app's crash dialog and exit codes must stay the app's.
    hooks = (sys.excepthook, sys.exit)
    try:
        # Online without credentials, wandb would ask for a key on the terminal the app was
        # started from, blocking the worker thread; say what to do instead.
        if run_mode == "online" and not wandb.login(prompt=False, verify=False):
            raise RuntimeError(
                "W&B is set to log online but has no API key: run `wandb login` or set "
                "WANDB_API_KEY, or log offline (unset WANDB_MODE) and sync later"
            )
        run = wandb.init(
            project=project or os.environ.get("WANDB_PROJECT") or PROJECT,
            name=record.name,
            notes=record.ref,
            job_type=record.kind,
            tags=wandb_tags(record),
            config={**record.params, "tags": dict(record.tags)},
            dir=str(folder),
            mode=run_mode,  # type: ignore[arg-type]
            settings=_settings(),
        )
        try:
            _write(wandb, run, record)
        except BaseException:
            run.finish(exit_code=1)
            raise
        run.finish()
        offline = run.offline
        run_folder = str(run.settings.sync_dir)
        return WandbLogged(
            tool="wandb",
            run_id=run.id,
            where=run_folder if offline else (run.url or run_folder),
            mode="offline" if offline else "online",
            sync_command=f"wandb sync {shlex.quote(run_folder)}" if offline else "",
        )
    finally:
        # wandb keeps a service process for the next run; the app logs rarely, so stop it.
        wandb.teardown()
        sys.excepthook, sys.exit = hooks


def _no_analytics() -> None:
    """Turn off wandb's own usage analytics for this process: they are sent to W&B's servers
    (even for an offline run, when the environment does not say offline), and the app sends
    nothing the user did not ask for. Versions without them have nothing to turn off."""
    try:
        from wandb.analytics.opentelemetry import opentelemetry_proxy
    except ImportError:
        return
    opentelemetry_proxy.disable()


def _settings() -> wandb.Settings:
    """Only the record goes in: no code, git state, pip freeze, system metrics (which probe
    cloud metadata addresses) or console capture."""
    from wandb import Settings

    return Settings(
        silent=True,
        console="off",
        save_code=False,
        disable_code=True,
        disable_git=True,
        disable_job_creation=True,
        x_disable_stats=True,
        x_disable_meta=True,
        x_disable_machine_info=True,
        x_save_requirements=False,
    )


def _write(wandb: Any, run: Any, record: Record) -> None:
    """The summary, the tables (one history step) and the text files of `record` into `run`."""
    for name, value in record.metrics.items():
        run.summary[name] = value
    tables = {name: _table(wandb, table) for name, table in record.tables.items()}
    if tables:
        run.log(tables)
    if not record.artifacts:
        return
    artifact = wandb.Artifact(
        artifact_name(record),
        type=f"{record.kind}-record",
        description=record.ref,
        metadata={"ref": record.ref, **record.tags},
    )
    for file_name, text in record.artifacts.items():
        with artifact.new_file(file_name, mode="w", encoding="utf-8") as handle:
            handle.write(text)
    if isinstance(record, DecisionRecord):
        # The decision's figures travel with its record, so the artifact alone says what was
        # decided on what evidence. A fresh table: one already logged would be stored as a
        # reference to the run's copy, not as a file of the artifact.
        for name, table in record.tables.items():
            artifact.add(_table(wandb, table), name)
    run.log_artifact(artifact)


def _table(wandb: Any, table: Table) -> Any:
    """`table` as a wandb.Table; a column may hold None beside numbers or text."""
    return wandb.Table(
        columns=list(table.columns),
        data=[list(row) for row in table.rows],
        allow_mixed_types=True,
    )
