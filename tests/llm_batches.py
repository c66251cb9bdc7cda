"""The OpenAI Batch API half of the test server: files and batches, answered from its script.

`LlmTestServer` serves these routes through `BatchService.handle`:

    POST /v1/files                    multipart upload (purpose=batch) -> a file object
    GET  /v1/files/{id}/content       the file's bytes (an input, output or error JSONL)
    POST /v1/batches                  {input_file_id, endpoint, completion_window} -> a batch
    GET  /v1/batches/{id}             the batch; each GET is one poll
    POST /v1/batches/{id}/cancel      the batch, "cancelling" (cancelled on the next poll)

Each JSONL request line is answered when the batch finishes, through the same script as
/v1/chat/completions (failure rules, queue, responder, default), so `server.fail(Reply(
status=500), matching="poison")` fails every line whose prompt contains "poison": such lines
go to the error file with their status and message, as OpenAI's do. What a batch does is set
with `BatchBehaviour` (server.batches.behaviour = BatchBehaviour(...)):

    BatchBehaviour(polls=3)                    in progress for two polls, completed on the third
    BatchBehaviour(expire_after_lines=2)       "expired": two lines answered, the rest in the
                                               error file as batch_expired
    BatchBehaviour(fail_batch="bad input")     "failed" at validation, no files
    BatchBehaviour(answered_before_cancel=1)   a cancel keeps one answered line
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: What answering one chat request gives: (HTTP status, JSON body).
Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]
#: What `handle` gives back: (HTTP status, body bytes, content type).
Response = tuple[int, bytes, str]


@dataclass
class BatchBehaviour:
    """How the next batches behave (see the module's docstring)."""

    polls: int = 1
    expire_after_lines: int | None = None
    fail_batch: str | None = None
    answered_before_cancel: int = 0


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    completion_window: str
    behaviour: BatchBehaviour
    created_at: int
    metadata: dict[str, Any] | None = None
    status: str = "validating"
    polls: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"total": 0, "completed": 0, "failed": 0}
    )
    errors: list[dict[str, Any]] = field(default_factory=list)
    finished_at: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "in_progress_at": self.created_at if self.polls else None,
            "expires_at": self.created_at + 86_400,
            "completed_at": self.finished_at.get("completed"),
            "failed_at": self.finished_at.get("failed"),
            "expired_at": self.finished_at.get("expired"),
            "cancelled_at": self.finished_at.get("cancelled"),
            "request_counts": dict(self.counts),
            "metadata": self.metadata,
        }


class BatchService:
    """Files and batches in memory; thread-safe. `answer` answers one chat request body."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.behaviour = BatchBehaviour()
        self.files: dict[str, tuple[str, bytes]] = {}
        self.batches: dict[str, _Batch] = {}
        #: (method, path) of every files/batches request, in arrival order.
        self.calls: list[tuple[str, str]] = []
        #: The headers of every upload, lower-case names (a test checks no key is in a file).
        self.upload_headers: list[dict[str, str]] = []

    def input_lines(self, batch_id: str) -> list[dict[str, Any]]:
        """The request lines of a batch's input file, parsed."""
        with self._lock:
            batch = self.batches[batch_id]
            _, data = self.files[batch.input_file_id]
        return [json.loads(line) for line in data.decode().splitlines() if line.strip()]

    def handle(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> Response | None:
        """The answer to a files or batches route; None for any other path."""
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["v1"]:
            parts = parts[1:]
        if not parts or parts[0] not in ("files", "batches"):
            return None
        with self._lock:
            self.calls.append((method, path))
        if method == "POST" and parts == ["files"]:
            return self._upload(headers, raw)
        if method == "GET" and len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
            return self._content(parts[1])
        if method == "POST" and parts == ["batches"]:
            return self._create(raw)
        if method == "GET" and len(parts) == 2 and parts[0] == "batches":
            return self._retrieve(parts[1])
        if method == "POST" and len(parts) == 3 and parts[0] == "batches" and parts[2] == "cancel":
            return self._cancel(parts[1])
        return _json(404, _error(f"no route {method} {path}"))

    # Routes

    def _upload(self, headers: dict[str, str], raw: bytes) -> Response:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {headers.get('content-type', '')}\r\n\r\n".encode() + raw
        )
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[str(name)] = (
                part.get_filename(),
                payload if isinstance(payload, bytes) else b"",
            )
        if "file" not in fields or fields.get("purpose", (None, b""))[1] != b"batch":
            return _json(400, _error("expected a multipart file with purpose=batch"))
        filename, data = fields["file"]
        with self._lock:
            self.upload_headers.append(dict(headers))
            file_id = f"file-{next(self._ids)}"
            self.files[file_id] = (filename or "input.jsonl", data)
        return _json(200, _file_json(file_id, filename or "input.jsonl", len(data), "batch"))

    def _content(self, file_id: str) -> Response:
        with self._lock:
            found = self.files.get(file_id)
        if found is None:
            return _json(404, _error(f"no file {file_id}"))
        return 200, found[1], "application/octet-stream"

    def _create(self, raw: bytes) -> Response:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return _json(400, _error("request body is not JSON"))
        file_id = body.get("input_file_id")
        with self._lock:
            if file_id not in self.files:
                return _json(400, _error(f"no file {file_id}"))
            batch = _Batch(
                id=f"batch_{next(self._ids)}",
                input_file_id=file_id,
                endpoint=str(body.get("endpoint")),
                completion_window=str(body.get("completion_window")),
                behaviour=self.behaviour,
                created_at=int(time.time()),
                metadata=body.get("metadata"),
            )
            _, data = self.files[file_id]
            batch.counts["total"] = sum(1 for line in data.splitlines() if line.strip())
            self.batches[batch.id] = batch
            return _json(200, batch.as_json())

    def _retrieve(self, batch_id: str) -> Response:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return _json(404, _error(f"no batch {batch_id}"))
            if batch.status in ("validating", "in_progress", "finalizing", "cancelling"):
                batch.polls += 1
                self._advance(batch)
            return _json(200, batch.as_json())

    def _cancel(self, batch_id: str) -> Response:
        with self._lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return _json(404, _error(f"no batch {batch_id}"))
            if batch.status in ("validating", "in_progress", "finalizing"):
                batch.status = "cancelling"
            return _json(200, batch.as_json())

    # Running a batch

    def _advance(self, batch: _Batch) -> None:
        """One poll's step; holds the lock."""
        behaviour = batch.behaviour
        if batch.status == "cancelling":
            self._finish(batch, "cancelled", behaviour.answered_before_cancel, expired=False)
        elif behaviour.fail_batch is not None:
            batch.status = "failed"
            batch.finished_at["failed"] = int(time.time())
            batch.errors = [{"code": "invalid_request", "message": behaviour.fail_batch, "line": 1}]
        elif batch.polls < behaviour.polls:
            batch.status = "in_progress"
        elif behaviour.expire_after_lines is not None:
            self._finish(batch, "expired", behaviour.expire_after_lines, expired=True)
        else:
            self._finish(batch, "completed", None, expired=False)

    def _finish(self, batch: _Batch, status: str, answered: int | None, *, expired: bool) -> None:
        _, data = self.files[batch.input_file_id]
        lines = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
        outputs: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for number, line in enumerate(lines):
            custom_id = line.get("custom_id")
            if answered is not None and number >= answered:
                if expired:
                    errors.append(
                        {
                            "id": f"batch_req_{number}",
                            "custom_id": custom_id,
                            "response": None,
                            "error": {
                                "code": "batch_expired",
                                "message": "This request could not be executed before the "
                                "completion window expired.",
                            },
                        }
                    )
                continue
            # The chat script is the server's, under its own lock: release ours meanwhile.
            self._lock.release()
            try:
                status_code, body = self._answer(line.get("body") or {})
            finally:
                self._lock.acquire()
            record = {
                "id": f"batch_req_{number}",
                "custom_id": custom_id,
                "response": {
                    "status_code": status_code,
                    "request_id": f"req_{number}",
                    "body": body,
                },
                "error": None,
            }
            (outputs if status_code == 200 else errors).append(record)
        batch.counts["completed"] = len(outputs)
        batch.counts["failed"] = len(errors)
        if outputs:
            batch.output_file_id = self._store_file(batch.id + "_output.jsonl", outputs)
        if errors:
            batch.error_file_id = self._store_file(batch.id + "_error.jsonl", errors)
        batch.status = status
        batch.finished_at[status] = int(time.time())

    def _store_file(self, name: str, records: list[dict[str, Any]]) -> str:
        file_id = f"file-{next(self._ids)}"
        data = "".join(json.dumps(r) + "\n" for r in records).encode()
        self.files[file_id] = (name, data)
        return file_id


def _file_json(file_id: str, filename: str, size: int, purpose: str) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": int(time.time()),
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
    }


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None}}


def _json(status: int, payload: dict[str, Any]) -> Response:
    return status, json.dumps(payload).encode(), "application/json"
