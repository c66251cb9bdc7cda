"""One chat completion straight to an OpenAI-compatible server, without litellm (issue 20).

litellm costs about ten times a plain HTTP client's CPU per call and seconds to import; for a
model litellm has nothing model-specific about (an unpriced model behind a base URL, see
`LlmClient.needs_litellm`) this sends the request litellm would send and reads the reply into
the fields the client reads, with litellm's outcomes: the same body on the wire, the same
reply size cap, and the same failure kinds, status codes, retry advice and detail text for
every HTTP status (tests/core/test_direct_chat_equivalence.py compares both on each case).
A reply of any shape but the plain one is handed back raw for litellm to read, so the odd
cases (reasoning tags, hostile types) keep litellm's own reading.

No litellm and no Qt here; aiohttp is imported on the first call.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import ssl

FailureKind = Literal[
    "auth",
    "rate_limit",
    "timeout",
    "connection",
    "not_found",
    "bad_request",
    "context_window",
    "server",
    "provider",
]

# Settings litellm reads for its HTTP clients (verification, ciphers, proxies from the
# environment, its transport): while any is set, its calls may differ from ours, so litellm
# makes them. SSL_CERT_FILE is read here as litellm reads it.
LITELLM_HTTP_SETTINGS = (
    "SSL_VERIFY",
    "SSL_CERTIFICATE",
    "SSL_ECDH_CURVE",
    "SSL_SECURITY_LEVEL",
    "DISABLE_AIOHTTP_TRANSPORT",
    "AIOHTTP_TRUST_ENV",
    "DISABLE_AIOHTTP_TRUST_ENV",
    "AIOHTTP_SO_KEEPALIVE",
)

# litellm's words for a refused or dropped connection (the OpenAI SDK's APIConnectionError).
CONNECTION_ERROR = "Connection error."

# The error texts litellm reads as a context-window failure, whatever the status
# (litellm_core_utils/exception_mapping_utils.py, is_error_str_context_window_exceeded).
_CONTEXT_WINDOW_TEXTS = (
    "exceed context limit",
    "this model's maximum context length is",
    "requested token count exceeds the model's maximum context length",
    "string too long. expected a string with maximum length",
    "model's maximum context limit",
    "is longer than the model's context length",
    "input tokens exceed the configured limit",
    "`inputs` tokens + `max_new_tokens` must be",
    "exceeds the available context size",
    "exceeds the maximum number of tokens allowed",
    '"code": "context_length_exceeded"',
    "prompt is too long",
)
_TIMEOUT_TEXTS = (
    "Request Timeout Error",
    "Request timed out",
    "Timed out generating response",
    "The read operation timed out",
)
# Finish reasons litellm passes through unchanged (others it maps, e.g. "eos" to "stop").
_PLAIN_FINISH_REASONS = frozenset({"stop", "length", "tool_calls", "content_filter"})
_REASONING_TAG = re.compile(
    r"<(?:think|thinking|budget:thinking)>.*?</(?:think|thinking|budget:thinking)>", re.DOTALL
)
_MESSAGE_KEYS = frozenset({"role", "content", "tool_calls", "refusal", "annotations"})
_USAGE_DETAIL_KEYS = frozenset(
    {"total_tokens", "prompt_tokens_details", "completion_tokens_details"}
)


@dataclass
class DirectFailure(Exception):
    """A failed call, as litellm's exception for it would be classified.

    `detail` is the provider's message as litellm words it after its class-name prefix (the
    client strips that prefix the same way for both paths).
    """

    kind: FailureKind
    status_code: int | None
    detail: str
    retryable: bool
    retry_after_s: float | None = None


class ReplyTooLarge(Exception):
    """The body passed its cap: `seen` bytes (declared or read so far)."""

    def __init__(self, seen: int, declared: bool) -> None:
        super().__init__(f"{seen} bytes")
        self.seen = seen
        self.declared = declared


def chat_url(api_base: str) -> str:
    """Where the OpenAI SDK posts a chat completion for this base URL.

    The SDK gives the path a trailing slash and appends the route to the raw path and query,
    so a query ends up before the route ("/v1/?k=1chat/completions"): kept as it does, for a
    gateway that reads its key there sees what it saw through litellm.
    """
    parts = urlsplit(api_base)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    head = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return head + (f"?{parts.query}" if parts.query else "") + "chat/completions"


def plain_base_url(api_base: str) -> bool:
    """Whether the base URL is a well-formed http(s) URL with a host (and a valid port, if
    any): litellm's clients word each malformed URL in its own way, so those stay with it."""
    try:
        parts = urlsplit(api_base)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port_ok


def request_body(
    model: str,
    messages: list[dict[str, Any]],
    temperature: float,
    max_tokens: int | None,
    tools: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The JSON body litellm sends for `openai/<model>`: the model without its prefix, then
    the messages, temperature, max_tokens and tools when given, in that order."""
    body: dict[str, Any] = {
        "model": model.removeprefix("openai/"),
        "messages": messages,
        "temperature": temperature,
    }
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if tools:
        body["tools"] = tools
    return body


# The session of the innermost `session_scope`: one per run (its event loop), kept alive.
_scope: contextvars.ContextVar[_Sessions | None] = contextvars.ContextVar(
    "aidf_direct_sessions", default=None
)


class _Sessions:
    """One aiohttp session, made on first use, and the proxies the environment named then."""

    def __init__(self) -> None:
        self._session: Any = None
        self._proxies: dict[str, str] = {}

    def get(self) -> Any:
        if self._session is None:
            import urllib.request  # here: the window's start-up imports this module

            self._session = _new_session()
            # Read once here, not by aiohttp's trust_env, which looks them up (and ~/.netrc)
            # on a thread for every request.
            self._proxies = urllib.request.getproxies_environment()
        return self._session

    def proxy(self, url: str) -> str | None:
        """The proxy for `url` by HTTP(S)_PROXY / ALL_PROXY and NO_PROXY, as httpx reads them."""
        if not self._proxies:
            return None
        import urllib.request

        parts = urlsplit(url)
        if urllib.request.proxy_bypass_environment(parts.netloc, self._proxies):  # type: ignore[attr-defined]
            return None
        return self._proxies.get(parts.scheme) or self._proxies.get("all")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


@contextlib.asynccontextmanager
async def session_scope() -> AsyncIterator[None]:
    """Calls inside share one HTTP session (kept-alive connections), closed on leaving.

    Tasks started inside inherit it. A call outside any scope opens a session of its own and
    closes it when it ends.
    """
    sessions = _Sessions()
    token = _scope.set(sessions)
    try:
        yield
    finally:
        _scope.reset(token)
        await sessions.close()


def _new_session() -> Any:
    import aiohttp

    # No connection limit: the runner bounds concurrency. Certificates from SSL_CERT_FILE or
    # certifi, as litellm's clients verify them.
    connector = aiohttp.TCPConnector(limit=0, ssl=_ssl_context())
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=None),
        skip_auto_headers=("User-Agent",),
    )


_ssl: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    global _ssl
    if _ssl is None:
        import ssl

        cafile = os.environ.get("SSL_CERT_FILE")
        if not (cafile and os.path.exists(cafile)):
            try:
                import certifi

                cafile = certifi.where()
            except ImportError:
                cafile = None
        _ssl = ssl.create_default_context(cafile=cafile)
    return _ssl


async def post_chat(
    api_base: str, api_key: str, body: dict[str, Any], body_cap: int
) -> tuple[SimpleNamespace | None, Any]:
    """POST the body; returns (the reply's fields, the parsed JSON).

    The fields are None when the reply is not of the plain shape (see `plain_reply`): the
    caller has litellm read the JSON then. Raises DirectFailure for an HTTP error or a failed
    connection, ReplyTooLarge past `body_cap` bytes. The deadline is the caller's.
    """
    import aiohttp

    shared = _scope.get()
    sessions = shared if shared is not None else _Sessions()
    session = sessions.get()
    headers = {
        "Authorization": f"Bearer {api_key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        url = chat_url(api_base)
        proxy = sessions.proxy(url)
        async with session.post(url, data=data, headers=headers, proxy=proxy) as response:
            raw = await _read_capped(response, body_cap)
            status = response.status
            retry_after = response.headers.get("retry-after")
            content_type = response.headers.get("content-type", "").lower()
    except aiohttp.ClientError:
        raise DirectFailure("connection", None, CONNECTION_ERROR, retryable=True) from None
    except ValueError as exc:
        # The HTTP client refusing the request (credentials in the URL beside the key's
        # header): litellm, whose transport is aiohttp too, reports its words as a 500.
        raise DirectFailure("server", 500, str(exc), retryable=True) from None
    finally:
        if shared is None:
            await sessions.close()
    if not 200 <= status < 300:
        raise status_failure(status, raw, retry_after)
    if "json" not in content_type:
        # The SDK hands back such a body as text, which litellm finds is no chat completion.
        text = raw.decode("utf-8", "replace")
        return None, text
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        # A JSON reply that does not parse: litellm reports the parser's words as a 500.
        raise DirectFailure("server", 500, str(exc), retryable=True) from None
    return plain_reply(parsed), parsed


async def _read_capped(response: Any, cap: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise ReplyTooLarge(int(declared), declared=True)
    chunks: list[bytes] = []
    read = 0
    async for chunk in response.content.iter_any():
        read += len(chunk)
        if read > cap:
            raise ReplyTooLarge(read, declared=False)
        chunks.append(chunk)
    return b"".join(chunks)


def status_failure(status: int, raw: bytes, retry_after: str | None) -> DirectFailure:
    """An HTTP error status as litellm maps the OpenAI SDK's error for it.

    The SDK's text is "Error code: <status>" plus " - <error.message>" for a JSON body that
    has one; litellm shows the body's message (or that text) and picks its exception by the
    text first (rate limit, context window, timeout words) and the status second.
    """
    text = raw.decode("utf-8", "replace").strip()
    error_str = f"Error code: {status}"
    message: Any = None
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text  # the SDK's text stays "Error code: N": a page of HTML says nothing
    else:
        error = body.get("error", body) if isinstance(body, dict) else None
        inner = error.get("message") if isinstance(error, dict) else None
        if isinstance(inner, str) and inner:
            error_str += f" - {inner}"
        body = error if isinstance(body, dict) else body
    if isinstance(body, dict):
        message = body.get("message") or None
        if message is None and isinstance(body.get("error"), dict):
            message = body["error"].get("message")
    if message is None:
        message = error_str
    # litellm renames the SDK's class in the text ("OPENAI" to the provider's name is a no-op).
    detail = str(message).replace("openai.OpenAIError", "openai.openaiError")
    wait = _retry_after_s(retry_after)
    lower = error_str.lower()
    if any(words in error_str for words in _TIMEOUT_TEXTS):
        return DirectFailure("timeout", None, detail, retryable=True)
    if _is_rate_limit(error_str, status):
        return DirectFailure("rate_limit", 429, detail, True, wait)
    if "string_above_max_length" not in lower and any(t in lower for t in _CONTEXT_WINDOW_TEXTS):
        return DirectFailure("context_window", status, detail, retryable=False)
    if _context_window_pattern(lower):
        return DirectFailure("context_window", status, detail, retryable=False)
    if "invalid_request_error" in error_str and "model_not_found" in error_str:
        return DirectFailure("not_found", status, detail, retryable=False)
    if "A timeout occurred" in error_str:
        return DirectFailure("timeout", None, detail, retryable=True)
    if "invalid_request_error" in error_str and "Incorrect API key provided" not in error_str:
        if status == 401:
            return DirectFailure("auth", 401, detail, retryable=False)
        if status == 404:
            return DirectFailure("not_found", 404, detail, retryable=False)
        return DirectFailure("bad_request", status, detail, retryable=False)
    if "Request too large" in error_str:
        return DirectFailure("rate_limit", 429, detail, True, wait)
    match status:
        case 400 | 422:
            return DirectFailure("bad_request", status, detail, retryable=False)
        case 401:
            return DirectFailure("auth", 401, detail, retryable=False)
        case 404:
            return DirectFailure("not_found", 404, detail, retryable=False)
        case 408 | 504:
            return DirectFailure("timeout", None, detail, retryable=True)
        case 429:
            return DirectFailure("rate_limit", 429, detail, True, wait)
    if status >= 500:
        return DirectFailure("server", status, detail, True, wait)
    return DirectFailure("provider", status, detail, retryable=False)


def _is_rate_limit(error_str: str, status: int) -> bool:
    if re.search(r"\b429\b", error_str) and status == 429:
        return True
    lower = error_str.lower()
    return bool(re.search(r"rate[\s_\-]*limit", lower)) or "service tier capacity exceeded" in lower


def _context_window_pattern(lower: str) -> bool:
    return (
        ("current length is" in lower and "while limit is" in lower)
        or ("maximum input length is" in lower and "tokens" in lower)
        or ("input too long:" in lower and "input tokens, limit is" in lower)
    )


def _retry_after_s(value: str | None) -> float | None:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def plain_reply(body: Any) -> SimpleNamespace | None:
    """The reply as the attributes `LlmClient` reads (choices[0].message.content and
    tool_calls, finish_reason, usage), when it is of the plain shape on which litellm's own
    reading changes none of them; None for anything else.

    Plain: every choice a message with text or null content not opening with a reasoning
    tag, tool calls with an id, a name and a string of arguments that is a JSON object or
    not JSON at all, a finish reason litellm keeps as it is (or none), and whole-number
    token counts (or none). litellm renames finish reasons, splits reasoning tags off the
    content, unpacks "multi_tool_use.parallel" calls, invents tool-call ids and validates
    numbers; such replies are left to it.
    """
    if not isinstance(body, dict) or body.get("error") is not None:
        return None
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        return None
    read = [_plain_choice(choice) for choice in choices]
    if any(choice is None for choice in read):
        return None
    usage = body.get("usage")
    if usage is not None:
        if not isinstance(usage, dict) or not set(usage) <= {
            "prompt_tokens",
            "completion_tokens",
            *_USAGE_DETAIL_KEYS,
        }:
            return None
        counts = [usage.get("prompt_tokens"), usage.get("completion_tokens")]
        if not all(c is None or (isinstance(c, int) and not isinstance(c, bool)) for c in counts):
            return None
        if any(usage.get(k) is not None for k in _USAGE_DETAIL_KEYS - {"total_tokens"}):
            return None
        usage = SimpleNamespace(prompt_tokens=counts[0], completion_tokens=counts[1])
    return SimpleNamespace(choices=read, usage=usage)


def _plain_choice(choice: Any) -> SimpleNamespace | None:
    if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
        return None
    message = choice["message"]
    if not set(message) <= _MESSAGE_KEYS or message.get("refusal") is not None:
        return None
    content = message.get("content")
    if content is not None and (
        not isinstance(content, str) or _REASONING_TAG.match(content) is not None
    ):
        return None
    raw_calls = message.get("tool_calls")
    calls: list[SimpleNamespace] = []
    if raw_calls is not None:
        if not isinstance(raw_calls, list):
            return None
        for raw in raw_calls:
            call = _plain_tool_call(raw)
            if call is None:
                return None
            calls.append(call)
    reason = choice.get("finish_reason")
    if reason is None or reason == "stop":
        reason = "tool_calls" if calls else "stop"
    elif reason not in _PLAIN_FINISH_REASONS:
        return None
    return SimpleNamespace(
        message=SimpleNamespace(content=content, tool_calls=calls or None), finish_reason=reason
    )


def _plain_tool_call(raw: Any) -> SimpleNamespace | None:
    if not isinstance(raw, dict) or raw.get("type", "function") != "function":
        return None
    function = raw.get("function")
    call_id = raw.get("id")
    if not isinstance(function, dict) or not isinstance(call_id, str) or not call_id:
        return None
    name, arguments = function.get("name"), function.get("arguments")
    if not isinstance(name, str) or name == "multi_tool_use.parallel":
        return None
    if not isinstance(arguments, str):
        return None
    try:
        parsed = json.loads(arguments)
    except ValueError:
        parsed = {}
    if not isinstance(parsed, dict):
        return None
    return SimpleNamespace(id=call_id, function=SimpleNamespace(name=name, arguments=arguments))


def litellm_settings_in_environment() -> bool:
    """Whether a setting litellm's HTTP clients read (certificates, transport) is set."""
    return any(os.environ.get(name) for name in LITELLM_HTTP_SETTINGS)
