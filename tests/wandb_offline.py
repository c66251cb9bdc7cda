"""Reading an offline W&B run back, for the tests of what the app logged to W&B.

An offline run is a folder holding `run-<id>.wandb` (wandb's transaction log: LevelDB-style
blocks of `wandb.proto` Records, the very thing `wandb sync` uploads) and `files/` (the
tables' JSON). wandb ships no reader of that log any more, so this is a small one.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class OfflineRun:
    """What a run's transaction log says."""

    project: str = ""
    name: str = ""
    job_type: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    #: Artifact type to (name, {file path: staged local file}).
    artifacts: dict[str, tuple[str, dict[str, Path]]] = field(default_factory=dict)
    exited: bool = False


def _log_entries(path: Path) -> list[bytes]:
    """The records of a W&B transaction log: a 7-byte header (":W&B", magic 0xBEE1, version),
    then 32 KiB blocks of chunks, each with a 7-byte header (CRC, length, type: 1 full,
    2 first, 3 middle, 4 last); a block's tail under 7 bytes is padding."""
    raw = path.read_bytes()
    ident, magic, _version = struct.unpack("<4sHB", raw[:7])
    assert (ident, magic) == (b":W&B", 0xBEE1)
    block, header = 32768, 7
    pos, pending, out = 7, b"", []
    while pos + header <= len(raw):
        left = block - pos % block
        if left < header:
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", raw[pos : pos + header])
        if kind == 0:
            pos += left
            continue
        data = raw[pos + header : pos + header + length]
        pos += header + length
        if kind == 1:
            out.append(data)
        elif kind == 2:
            pending = data
        elif kind == 3:
            pending += data
        elif kind == 4:
            out.append(pending + data)
    return out


def read_offline_run(folder: Path) -> OfflineRun:
    """The run in `folder` (an offline-run-... folder) as its transaction log records it."""
    from wandb.proto import wandb_internal_pb2 as pb

    (log_file,) = folder.glob("run-*.wandb")
    run = OfflineRun()
    for data in _log_entries(log_file):
        record = pb.Record()
        record.ParseFromString(data)
        kind = record.WhichOneof("record_type")
        if kind == "run":
            r = record.run
            run.project, run.name, run.job_type = r.project, r.display_name, r.job_type
            run.notes, run.tags = r.notes, list(r.tags)
            for item in r.config.update:
                run.config[item.key] = json.loads(item.value_json)
        elif kind == "summary":
            for item in record.summary.update:
                key = item.key or ".".join(item.nested_key)
                run.summary[key] = json.loads(item.value_json)
        elif kind == "artifact":
            a = record.artifact
            files = {c.path: Path(c.local_path) for c in a.manifest.contents}
            run.artifacts[a.type] = (a.name, files)
        elif kind == "exit":
            run.exited = record.exit.exit_code == 0
    return run


def table_json(folder: Path, name: str) -> dict[str, Any]:
    """The JSON of the table logged as `name` in the run in `folder`."""
    (path,) = (folder / "files" / "media" / "table").glob(f"{name}_*.table.json")
    return json.loads(path.read_text(encoding="utf-8"))
