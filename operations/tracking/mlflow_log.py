"""Records logged to MLflow: params, metrics and tags in one batch, tables with log_table,
artifacts as text files; a comparison refers to its two runs by their MLflow ids when they
were logged to the same tracking store, else by ours.

mlflow is imported only inside `log` (the mlflow-skinny client is enough; a table falls back
to the same JSON without pandas). Each call uses its own MlflowClient, never the fluent API's
global active run, so worker threads can log side by side.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from core.llm import redact, redact_url, url_secrets
from operations.tracking import INSTALL_HINT, TrackerError, TrackerMissing
from operations.tracking.records import ComparisonRecord, DecisionRecord, Logged, Record, Table

if TYPE_CHECKING:
    from mlflow import MlflowClient

#: Each kind of record's MLflow experiment: runs and comparisons of a dataset side by side
#: (MLflow compares the runs of one experiment), decisions together.
EXPERIMENT_PREFIX = "AI Decision Frameworks"
# MLflow's own limits (mlflow.utils.validation): longer values are refused, not cut.
_MAX_PARAM = 6000
_MAX_TAG = 8000
_MAX_KEY = 250
_BAD_KEY_CHARS = re.compile(r"[^/\w.\- :]")


def experiment_name(record: Record) -> str:
    """The MLflow experiment a record goes to."""
    if isinstance(record, DecisionRecord):
        return f"{EXPERIMENT_PREFIX}: decisions"
    dataset = record.tags.get("dataset", "")
    return f"{EXPERIMENT_PREFIX}: {dataset}" if dataset else EXPERIMENT_PREFIX


def mlflow_key(name: str) -> str:
    """A name MLflow accepts as a param, metric or tag key: characters it refuses become "_"
    and path-like pieces ("..", a leading "/") are defused."""
    key = _BAD_KEY_CHARS.sub("_", name).strip("/") or "_"
    key = "/".join(part if part not in ("", ".", "..") else "_" for part in key.split("/"))
    return key[:_MAX_KEY]


def mlflow_keys(names: Iterable[str]) -> list[str]:
    """`mlflow_key` of each name, made unique ("a?b" and "a*b" become "a_b" and "a_b.2"):
    MLflow refuses a batch that names a key twice."""
    seen: set[str] = set()
    out = []
    for name in names:
        key = base = mlflow_key(name)
        count = 1
        while key in seen:
            count += 1
            key = f"{base[: _MAX_KEY - 8]}.{count}"
        seen.add(key)
        out.append(key)
    return out


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _client(tracking_uri: str | None) -> MlflowClient:
    # Telemetry off unless the user chose otherwise: logging evidence must not phone home.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # The faces say where the run went themselves; MLflow would print it to stdout again.
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    # MLflow retries a request 7 times with doubling waits (minutes for a server that is
    # down); two retries ride out a blip and the user hears of a dead server soon.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise TrackerMissing(f"MLflow is not installed: {INSTALL_HINT['mlflow']}") from None
    return MlflowClient(tracking_uri=tracking_uri)


def _local_artifacts(tracking_uri: str | None) -> str | None:
    """For a local SQLite store, the artifacts folder beside it (MLflow's default would be
    ./mlruns under whatever folder the app was started from)."""
    prefix = "sqlite:///"
    if not tracking_uri or not tracking_uri.startswith(prefix):
        return None
    # sqlite:////abs/path: what follows the three slashes is the file's own path.
    db_file = Path(unquote(tracking_uri[len(prefix) :].split("?", 1)[0])).resolve()
    return (db_file.parent / "mlflow-artifacts").as_uri()


def _experiment_id(client: MlflowClient, name: str, tracking_uri: str | None) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    return str(client.create_experiment(name, artifact_location=_local_artifacts(tracking_uri)))


def _find_run(client: MlflowClient, experiment_id: str, run_id: int, dataset_hash: str) -> str:
    """The newest MLflow run logged for our run `run_id` of that dataset version, or ""."""
    found = client.search_runs(
        [experiment_id],
        filter_string=(
            f"tags.record = 'run' AND tags.run_id = '{run_id}' "
            f"AND tags.dataset_hash = '{dataset_hash}'"
        ),
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return str(found[0].info.run_id) if found else ""


def _log_table(client: MlflowClient, mlflow_run_id: str, name: str, table: Table) -> None:
    artifact = f"{name}.json"
    try:
        client.log_table(mlflow_run_id, data=table.as_columns(), artifact_file=artifact)
    except ImportError:  # mlflow-skinny without pandas: the same "split" JSON log_table writes
        data = {"columns": list(table.columns), "data": [list(row) for row in table.rows]}
        client.log_dict(mlflow_run_id, data, artifact)


def log(record: Record, tracking_uri: str | None = None) -> Logged:
    """Log `record` as one MLflow run in its experiment (see `experiment_name`) at
    `tracking_uri` (None: MLflow's own default, MLFLOW_TRACKING_URI). Raises TrackerMissing
    without mlflow and TrackerError when the server refuses or cannot be reached. Blocks on
    the network: call it off the GUI thread."""
    client = _client(tracking_uri)
    try:
        return _log(client, record, tracking_uri)
    except Exception as exc:
        # MLflow's messages quote the request URL, user info and all.
        raise TrackerError(redact(str(exc), url_secrets(tracking_uri))) from None


def _log(client: MlflowClient, record: Record, tracking_uri: str | None) -> Logged:
    from mlflow.entities import Metric, Param, RunTag

    experiment_id = _experiment_id(client, experiment_name(record), tracking_uri)
    tags = dict(record.tags)
    if isinstance(record, ComparisonRecord):
        for role, ref in (("baseline", record.baseline), ("variant", record.variant)):
            if ref is not None:
                found = _find_run(client, experiment_id, ref.run_id, ref.dataset_hash)
                if found:
                    tags[f"{role}_mlflow_run_id"] = found
    tags["ref"] = record.ref
    run = client.create_run(experiment_id, run_name=_cut(record.name, _MAX_KEY))
    mlflow_run_id = str(run.info.run_id)
    status = "FAILED"
    try:
        now = int(time.time() * 1000)  # MLflow's metric timestamps: milliseconds
        client.log_batch(
            mlflow_run_id,
            metrics=[
                Metric(k, float(v), now, 0)
                for k, v in zip(mlflow_keys(record.metrics), record.metrics.values(), strict=True)
            ],
            params=[
                Param(k, _cut(redact(str(v)), _MAX_PARAM))
                for k, v in zip(mlflow_keys(record.params), record.params.values(), strict=True)
            ],
            tags=[
                RunTag(k, _cut(redact(v), _MAX_TAG))
                for k, v in zip(mlflow_keys(tags), tags.values(), strict=True)
            ],
        )
        for name, table in record.tables.items():
            _log_table(client, mlflow_run_id, name, table)
        for file_name, text in record.artifacts.items():
            client.log_text(mlflow_run_id, text, file_name)
        status = "FINISHED"
    finally:
        client.set_terminated(mlflow_run_id, status)
    return Logged("mlflow", mlflow_run_id, _run_url(client, experiment_id, mlflow_run_id))


def _run_url(client: MlflowClient, experiment_id: str, mlflow_run_id: str) -> str:
    """Where a user sees the run: the server's page, or the local store's address."""
    uri = str(client.tracking_uri)
    if uri.startswith(("http://", "https://")):
        return f"{redact_url(uri.rstrip('/'))}/#/experiments/{experiment_id}/runs/{mlflow_run_id}"
    # A database URI may carry a password (postgresql://user:pw@host/db); a SQLite path none,
    # and urlsplit would drop the slashes of sqlite:////abs/path.
    return (redact_url(uri) or "") if "@" in uri else uri
