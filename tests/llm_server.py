"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for tests and benchmarks.

Each test queues the replies the "model" gives, in order; the server answers every
``POST /v1/chat/completions`` (or ``/chat/completions``) with the next one and records each
request, so a test can assert exactly what the client sent. Nothing here touches the internet.

    server.reply_tool_calls(("calculator", {"expression": "2+2"}), input_tokens=50)
    server.reply_text("4", input_tokens=80, output_tokens=3)
    ...  # point the client at server.url ("http://127.0.0.1:PORT/v1")
    assert server.requests[1]["messages"][-1]["role"] == "tool"

Or compute every reply from its request, after a fixed latency, with failures on demand:

    server = LlmTestServer(responder=lambda body: Reply(last_user_text(body).upper()),
                           latency_s=0.05)
    server.fail(Reply(status=429, retry_after_s=0.1), first=2)  # the first two requests
    server.fail(Reply(status=500), matching="poison")           # any prompt containing it
    ...
    assert server.max_in_flight <= 4

A request with "stream": true gets the reply as server-sent chat.completion.chunk events, at a
scripted first-token delay and token rate, or stalling part-way (see Reply):

    server.set_default(Reply(first_token_s=0.2, tokens_per_s=50))  # counts to max_tokens
    server.reply(Reply(stall_after=3))  # three tokens, then silence until the client hangs up

The OpenAI Batch API's files and batches routes are served too, each request line answered
through the same script (tests/llm_batches.py; `server.batches` sets how batches behave).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.llm_batches import BatchService

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass(frozen=True)
class ScriptedToolCall:
    """One tool call in a reply; `arguments` is sent verbatim when it is already a string."""

    name: str
    arguments: dict[str, Any] | str
    id: str | None = None


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request.

    With `status` 200 the body is a chat completion carrying `content` and/or `tool_calls`;
    any other status answers with an OpenAI-style error body (`error_message`), plus a
    Retry-After header when `retry_after_s` is set. `delay_s` is slept before answering.
    """

    content: str | None = None
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    input_tokens: int = 10
    output_tokens: int = 5
    status: int = 200
    error_message: str = "scripted error"
    retry_after_s: float | None = None
    delay_s: float = 0.0
    model: str | None = None
    # Hostile modes. `usage` replaces the usage object (e.g. {"prompt_tokens": -1}); `body`
    # replaces the whole 200 body, sent as JSON with NaN allowed (missing choices, wrong
    # types); `content_bytes` pads the content with "x" to that many bytes, streamed in chunks
    # so the server never holds it; `dribble_s` sends the headers at once and then the body
    # one byte every `dribble_s` seconds; `echo_key` makes the content repeat the request's
    # Authorization header and query string, as a provider that echoes credentials would.
    # Error texts with markup are plain `error_message`s: Reply(status=500, error_message="<b>").
    usage: dict[str, Any] | None = None
    body: Any = None
    content_bytes: int = 0
    dribble_s: float = 0.0
    echo_key: bool = False
    # No Content-Length: the body runs until the server closes the connection, so a client
    # cannot refuse it by its declared size (with `content_bytes`).
    undeclared_length: bool = False
    # Streaming (a request with "stream": true) sends `content`, or else the counting "1 2 3 …"
    # up to the request's max_tokens (`output_tokens` without one), one token per SSE chunk:
    # the headers and the role chunk at once, the first token `first_token_s` after the
    # request arrived, then `tokens_per_s` tokens a second (0: no wait) on a fixed schedule,
    # so the rate holds however long each write takes. `stall_after` tokens, then nothing more
    # until the client hangs up or the server stops. The usage chunk comes when the request
    # asks for it (stream_options.include_usage), as OpenAI's does.
    first_token_s: float = 0.0
    tokens_per_s: float = 0.0
    stall_after: int | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; header names are lower case; `received_at` is monotonic."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float = 0.0


Responder = Callable[[dict[str, Any]], Reply]


@dataclass
class _Failure:
    """A failure rule: `reply` for the next `remaining` requests, or for prompts matching."""

    reply: Reply
    remaining: int | None
    matching: str | None

    def applies(self, body: dict[str, Any]) -> bool:
        if self.matching is not None:
            return self.matching in last_user_text(body)
        return bool(self.remaining)


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last user message in a request body ("" when there is none)."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    queue: collections.deque[Reply] = field(default_factory=collections.deque)
    default: Reply | None = None
    responder: Responder | None = None
    latency_s: float = 0.0
    failures: list[_Failure] = field(default_factory=list)
    recorded: list[RecordedRequest] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    served: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    padding_sent: int = 0
    dribbles_finished: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    def next_reply(self, body: dict[str, Any]) -> Reply | None:
        """Failure rules first, then the queue, the responder, the default. Holds the lock."""
        for rule in self.failures:
            if rule.applies(body):
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule.reply
        if self.queue:
            return self.queue.popleft()
        if self.responder is not None:
            return self.responder(body)
        return self.default


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End the kept-alive connections: each holds a thread waiting for a next request
        that never comes (a pooled client outlives its test), hundreds over a whole suite."""
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) closes the socket under a delayed reply.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LlmTestServer:
    """The server, serving from a daemon thread on an ephemeral port until `stop()`.

    Requests are answered concurrently (ThreadingHTTPServer), so a delayed reply does not hold
    up the others; queued replies are handed out in arrival order. With the queue empty the
    `default` reply is used if one is set, otherwise the request fails with HTTP 500 and a
    message saying the script ran out, so a test that makes one call too many fails loudly.

    `responder` computes the reply from the request body when the queue is empty; `latency_s`
    is slept before every reply that sets no `delay_s` of its own.
    """

    def __init__(self, *, responder: Responder | None = None, latency_s: float = 0.0) -> None:
        self._state = _State(responder=responder, latency_s=latency_s)
        self.batches = BatchService(self._answer_line)
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self._state, self.batches))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL a client uses as its api_base."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> LlmTestServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"llm-test-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.stopping.set()  # a stalled stream lets go
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LlmTestServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer_line(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A batch's request line answered as /v1/chat/completions would answer it (without
        delays or streaming: a batch reply is a whole JSON body)."""
        with self._state.lock:
            self._state.recorded.append(RecordedRequest("batch", {}, body, time.monotonic()))
            reply = self._state.next_reply(body)
            serial = next(self._state.ids)
            self._state.served += 1
        if reply is None:
            return 500, _error_body("test server: no scripted reply left", "server_error")
        if reply.status != 200:
            return reply.status, _error_body(reply.error_message, "scripted")
        return 200, reply.body if reply.body is not None else _completion(reply, body, serial)

    # Scripting

    def reply(self, reply: Reply) -> None:
        with self._state.lock:
            self._state.queue.append(reply)

    def reply_text(
        self, content: str, *, input_tokens: int = 10, output_tokens: int = 5, delay_s: float = 0
    ) -> None:
        self.reply(
            Reply(
                content=content,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                delay_s=delay_s,
            )
        )

    def reply_tool_calls(
        self,
        *calls: tuple[str, dict[str, Any] | str] | ScriptedToolCall,
        content: str | None = None,
        input_tokens: int = 10,
        output_tokens: int = 5,
        delay_s: float = 0,
    ) -> None:
        """One assistant turn asking for these tools, e.g. ("calculator", {"expression": "1"})."""
        scripted = tuple(
            call if isinstance(call, ScriptedToolCall) else ScriptedToolCall(*call)
            for call in calls
        )
        self.reply(
            Reply(
                content=content,
                tool_calls=scripted,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                delay_s=delay_s,
            )
        )

    def reply_malformed_tool_call(
        self,
        name: str,
        raw_arguments: str = '{"expression": "1+',
        *,
        input_tokens: int = 10,
        output_tokens: int = 5,
    ) -> None:
        """A tool call whose arguments string is not valid JSON."""
        self.reply_tool_calls(
            ScriptedToolCall(name, raw_arguments),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        )

    def reply_error(
        self,
        status: int,
        message: str = "scripted error",
        *,
        retry_after_s: float | None = None,
        delay_s: float = 0,
    ) -> None:
        """An HTTP error, e.g. 429 with Retry-After, or 500."""
        self.reply(
            Reply(
                status=status,
                error_message=message,
                retry_after_s=retry_after_s,
                delay_s=delay_s,
            )
        )

    def set_default(self, reply: Reply | None) -> None:
        """The reply used whenever the queue is empty (None: an empty queue is an error)."""
        with self._state.lock:
            self._state.default = reply

    def set_responder(self, responder: Responder | None, *, latency_s: float | None = None) -> None:
        """Compute replies from requests (None: back to the queue and default only)."""
        with self._state.lock:
            self._state.responder = responder
            if latency_s is not None:
                self._state.latency_s = latency_s

    def fail(self, reply: Reply, *, first: int | None = None, matching: str | None = None) -> None:
        """Answer `reply` (e.g. a 429, a 500, a long delay) to the next `first` requests, or to
        every request whose last user message contains `matching`. Checked before the queue."""
        if (first is None) == (matching is None):
            raise ValueError("give exactly one of first= or matching=")
        with self._state.lock:
            self._state.failures.append(_Failure(reply, first, matching))

    @property
    def pending(self) -> int:
        """Queued replies not yet served."""
        with self._state.lock:
            return len(self._state.queue)

    # Inspection

    @property
    def recorded(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.recorded)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The JSON body of every request received, in arrival order."""
        return [r.body for r in self.recorded]

    @property
    def served(self) -> int:
        """Chat requests answered so far (errors included)."""
        with self._state.lock:
            return self._state.served

    @property
    def padding_sent(self) -> int:
        """Bytes of `content_bytes` padding written to clients so far (a client that stops
        reading early makes the writes fail, so this stays far below what was asked)."""
        with self._state.lock:
            return self._state.padding_sent

    @property
    def dribbles_finished(self) -> int:
        """Dribbled replies written to their last byte. A client that holds its deadline or
        its Cancel hangs up long before: the count stays 0 while it answers in time."""
        with self._state.lock:
            return self._state.dribbles_finished

    @property
    def max_in_flight(self) -> int:
        """The most chat requests that were being answered at one moment."""
        with self._state.lock:
            return self._state.max_in_flight


def _handler_for(state: _State, batches: BatchService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: test output stays readable."""

        def _batch_route(self, method: str, raw: bytes) -> bool:
            """Serve a files or batches route; False for any other path."""
            headers = {name.lower(): value for name, value in self.headers.items()}
            found = batches.handle(method, self.path.partition("?")[0], headers, raw)
            if found is None:
                return False
            status, data, content_type = found
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return True

        def do_GET(self) -> None:
            if not self._batch_route("GET", b""):
                self._send_json(404, _error_body(f"no route {self.path}", "not_found"))

        def do_POST(self) -> None:
            path, _, query = self.path.partition("?")
            path = path.rstrip("/")
            # The OpenAI SDK appends the route to a base URL's query (/v1/?api-key=K + route
            # gives "?api-key=Kchat/completions"): served like a gateway reading its key there.
            if query.endswith("chat/completions"):
                path = CHAT_PATHS[0]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if path not in CHAT_PATHS and self._batch_route("POST", raw):
                return
            if path not in CHAT_PATHS:
                self._send_json(404, _error_body(f"no route {path}", "not_found"))
                return
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._send_json(
                    400, _error_body("request body is not a JSON object", "invalid_request")
                )
                return
            with state.lock:
                headers = {name.lower(): value for name, value in self.headers.items()}
                state.recorded.append(RecordedRequest(path, headers, body, time.monotonic()))
                reply = state.next_reply(body)
                serial = next(state.ids)
                latency_s = state.latency_s
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            self._counting = True
            try:
                self._answer(reply, body, serial, latency_s)
            finally:
                self._count_served()  # a reply that never went out whole counts too
                with state.lock:
                    state.in_flight -= 1

        #: A chat request is being answered and has not been counted in `served` yet.
        _counting = False

        def _count_served(self) -> None:
            """Count the chat request answered, before its reply's last bytes go out: a client
            holding the whole reply finds it counted (counted after the write, a test that read
            `served` as soon as its run ended raced the server's thread, and lost on a busy
            machine)."""
            if self._counting:
                self._counting = False
                with state.lock:
                    state.served += 1

        def _answer(
            self, reply: Reply | None, body: dict[str, Any], serial: int, latency_s: float
        ) -> None:
            if reply is None:
                self._send_json(
                    500, _error_body("test server: no scripted reply left", "server_error")
                )
                return
            delay_s = reply.delay_s or latency_s
            if delay_s > 0:
                time.sleep(delay_s)
            if reply.status != 200:
                extra = {}
                if reply.retry_after_s is not None:
                    extra["Retry-After"] = f"{reply.retry_after_s:g}"
                self._send_json(reply.status, _error_body(reply.error_message, "scripted"), extra)
                return
            if body.get("stream"):
                self._send_stream(reply, body, serial)
                return
            payload = reply.body if reply.body is not None else _completion(reply, body, serial)
            if reply.echo_key and reply.body is None:
                query = self.path.partition("?")[2]
                echoed = f"auth={self.headers.get('Authorization', '')} query={query}"
                payload["choices"][0]["message"]["content"] = echoed
            if reply.content_bytes or reply.dribble_s or reply.undeclared_length:
                self._send_hostile(payload, reply)
                return
            self._send_json(200, payload)

        def _send_hostile(self, payload: dict[str, Any], reply: Reply) -> None:
            """A padded and/or dribbled 200: the padding goes where the content's marker is."""
            marker = "\u0000PAD\u0000"
            if reply.content_bytes:
                payload["choices"][0]["message"]["content"] = marker
            head, found, tail = json.dumps(payload).partition(json.dumps(marker)[1:-1])
            parts = (head.encode(), tail.encode())
            pad = reply.content_bytes if found else 0
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if reply.undeclared_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(parts[0]) + pad + len(parts[1])))
            self.end_headers()
            self.wfile.flush()
            try:
                if reply.dribble_s:
                    for byte in parts[0] + b"x" * pad + parts[1]:
                        self.wfile.write(bytes((byte,)))
                        self.wfile.flush()
                        time.sleep(reply.dribble_s)
                    with state.lock:
                        state.dribbles_finished += 1
                    return
                self.wfile.write(parts[0])
                chunk = b"x" * (1 << 20)
                left = pad
                while left > 0:
                    self.wfile.write(chunk[: min(left, len(chunk))])
                    with state.lock:
                        state.padding_sent += min(left, len(chunk))
                    left -= len(chunk)
                self._count_served()
                self.wfile.write(parts[1])
            except OSError:  # the client gave up on purpose (a cap or a deadline held)
                return

        def _send_stream(self, reply: Reply, body: dict[str, Any], serial: int) -> None:
            """The reply as server-sent events of chat.completion.chunk objects, timed as the
            reply says (see Reply)."""
            arrived = time.monotonic()
            tokens = _stream_tokens(reply, body)
            model = reply.model or str(body.get("model", "test-model"))
            options = body.get("stream_options")
            usage = isinstance(options, dict) and bool(options.get("include_usage"))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            # No length: the stream runs until the server closes the connection.
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            try:
                self._event(_chunk(serial, model, {"role": "assistant", "content": ""}))
                for i, token in enumerate(tokens):
                    if reply.stall_after is not None and i >= reply.stall_after:
                        state.stopping.wait(600)
                        return
                    due = arrived + reply.first_token_s
                    if reply.tokens_per_s > 0:
                        due += i / reply.tokens_per_s
                    if (wait := due - time.monotonic()) > 0:
                        time.sleep(wait)
                    self._event(_chunk(serial, model, {"content": token}))
                self._event(_chunk(serial, model, {}, finish_reason="stop"))
                if usage:
                    counts = {
                        "prompt_tokens": reply.input_tokens,
                        "completion_tokens": len(tokens),
                        "total_tokens": reply.input_tokens + len(tokens),
                    }
                    self._event({**_chunk(serial, model, {}), "choices": [], "usage": counts})
                self._count_served()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except OSError:  # the client hung up (its deadline or its cancel held)
                return

        def _event(self, payload: dict[str, Any]) -> None:
            self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
            self.wfile.flush()

        def _send_json(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self._count_served()
            self.wfile.write(data)

    return Handler


def _completion(reply: Reply, request: dict[str, Any], serial: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or f"call_{serial}_{i}",
                "type": "function",
                "function": {
                    "name": call.name,
                    "arguments": call.arguments
                    if isinstance(call.arguments, str)
                    else json.dumps(call.arguments),
                },
            }
            for i, call in enumerate(reply.tool_calls)
        ]
    return {
        "id": f"chatcmpl-test-{serial}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model or str(request.get("model", "test-model")),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": reply.usage
        if reply.usage is not None
        else {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def _stream_tokens(reply: Reply, request: dict[str, Any]) -> list[str]:
    """The tokens a streamed reply sends: its content word by word, else "1 2 3 …" up to the
    request's max_tokens."""
    if reply.content is not None:
        words = reply.content.split(" ")
        return [w if i == 0 else " " + w for i, w in enumerate(words)]
    asked = request.get("max_tokens")
    count = asked if isinstance(asked, int) and asked > 0 else reply.output_tokens
    return [str(i + 1) if i == 0 else f" {i + 1}" for i in range(count)]


def _chunk(
    serial: int, model: str, delta: dict[str, Any], finish_reason: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-test-{serial}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _error_body(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
