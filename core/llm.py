"""The one door to language models: a small chat-completion client over litellm.

litellm is imported here and nowhere else, lazily on the first call, because importing it costs
seconds; everything else in the app receives an `LlmClient` and never sees litellm. The API key
lives only in the client's memory: it is never logged, shown by `repr`, or put in an error.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import json
import logging
import os
import random
import re
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, TypeVar

ErrorKind = Literal[
    "auth",
    "rate_limit",
    "timeout",
    "connection",
    "not_found",
    "bad_request",
    "context_window",
    "server",
    "provider",
    "cancelled",
]

# A base URL given without a key gets this one instead of the environment's: a key meant for
# one provider must never be sent to whatever server the user typed in. Local servers ignore it.
_PLACEHOLDER_KEY = "no-key"
_MAX_DETAIL_CHARS = 400
_RETRY_WAIT_POLL_S = 0.05
# Keys litellm reads from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...) never pass
# through the client, yet a provider may echo one back in an error: hide those values too.
_SECRET_VARIABLE = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
_MIN_SECRET_CHARS = 8

_T = TypeVar("_T")

_litellm_lock = threading.Lock()
_litellm_module: ModuleType | None = None


def _litellm() -> ModuleType:
    """litellm, imported on first use with its offline price map and quiet console output."""
    global _litellm_module
    with _litellm_lock:
        if _litellm_module is None:
            # Without this, the import tries to fetch the price map over the network.
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            litellm.suppress_debug_info = True
            # litellm's per-call work that is ours to switch off. Message redaction deep-copies
            # every request and reply for logging payloads that nobody reads (we register no
            # callbacks, so nothing is ever written): leaving messages in those in-memory
            # payloads saves about 0.7 ms of CPU a call. Its OpenAI client is already cached
            # per key, base URL, timeout and event loop; `_litellm_cost` reads the price it
            # stamps on each reply instead of pricing it twice; and `litellm_model` registers
            # a local server's unknown model once, so pricing a reply is not a failed walk
            # through the whole price map (about 0.4 ms a call).
            litellm.turn_off_message_logging = False
            # The import leaves about 370,000 objects (modules, classes, the price map) that
            # live as long as the process, and every full garbage collection walks them all:
            # about 210 ms here, a pause that stalls every request in flight (it struck one
            # 500-request run in three at C=50) and the GUI with them. One collection now
            # (the same 210 ms, once, beside an import of seconds) clears what is already
            # garbage; freezing the survivors keeps them out of every later collection. Objects
            # made after this point are collected as usual.
            gc.collect()
            gc.freeze()
            _litellm_module = litellm
        return _litellm_module


# The loop kind asyncio.run makes on this platform, so a LitellmEventLoop differs from it in
# run_in_executor alone.
if sys.platform == "win32":
    _PlatformLoop = asyncio.ProactorEventLoop
else:
    _PlatformLoop = asyncio.SelectorEventLoop


class LitellmEventLoop(_PlatformLoop):
    """An event loop for making many `LlmClient.acomplete` calls at once.

    litellm.acompletion hands its synchronous request preparation (about 0.7 ms of CPU, no
    I/O for an OpenAI-compatible server) to the loop's default executor and awaits it. On a
    thread that work competes with the loop for the GIL, and the result comes back through one
    more pass of the loop; at 50 concurrent calls each call waited about 10 ms longer for it
    (5% of a 200 ms round trip). This loop runs litellm's own functions in place instead and
    hands back a finished future; anything else (aiohttp's DNS look-ups, the OpenAI SDK's
    platform probe) still goes to the executor's threads, so nothing else blocking lands on the
    loop. The price: a provider whose preparation blocks (a cloud credential refresh) holds the
    loop while it does.
    """

    def run_in_executor(
        self, executor: Executor | None, func: Callable[..., _T], *args: Any
    ) -> asyncio.Future[_T]:
        if executor is not None or not _is_litellm_function(func):
            return super().run_in_executor(executor, func, *args)
        future: asyncio.Future[_T] = self.create_future()
        try:
            future.set_result(func(*args))
        except Exception as exc:  # as a worker thread would: the awaiting caller gets it
            future.set_exception(exc)
        return future


def _is_litellm_function(fn: Callable[..., Any]) -> bool:
    """True for litellm's own code, also as partial(Context.run, partial(litellm function))."""
    while isinstance(fn, functools.partial):
        runs_in_context = isinstance(getattr(fn.func, "__self__", None), contextvars.Context)
        fn = fn.args[0] if runs_in_context and fn.args else fn.func
    module = getattr(fn, "__module__", None) or ""
    return module == "litellm" or module.startswith("litellm.")


@dataclass
class ToolCall:
    """One tool call the model asked for.

    `arguments` is the parsed JSON object, or None when `raw_arguments` is not a JSON object;
    `error` then says why, in words the model can act on.
    """

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str
    error: str | None = None


@dataclass
class Completion:
    """One model reply: its text, tool calls, token counts, cost in USD and wall time in ms."""

    content: str
    tool_calls: list[ToolCall]
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    attempts: int = 1
    finish_reason: str | None = None


class LlmError(Exception):
    """A model call that failed, worded for the user; never contains the API key.

    `kind` says what went wrong (auth, rate_limit, timeout, connection, not_found, bad_request,
    context_window, server, provider, cancelled); `status_code` is the HTTP status when known.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind = "provider",
        status_code: int | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.status_code = status_code
        self.attempts = attempts


@dataclass(frozen=True)
class _Failure:
    kind: ErrorKind
    status_code: int | None
    detail: str
    retryable: bool
    retry_after_s: float | None = None


@dataclass(frozen=True)
class _RetryPolicy:
    timeout_s: float
    max_retries: int
    backoff_s: float
    max_wait_s: float

    @staticmethod
    def of(
        client: LlmClient,
        timeout_s: float | None,
        max_retries: int | None,
        backoff_s: float | None,
        max_wait_s: float | None,
    ) -> _RetryPolicy:
        """The client's policy with the given overrides (None keeps the client's)."""
        return _RetryPolicy(
            client.timeout_s if timeout_s is None else float(timeout_s),
            client._max_retries if max_retries is None else int(max_retries),
            client._retry_backoff_s if backoff_s is None else float(backoff_s),
            client._max_retry_wait_s if max_wait_s is None else float(max_wait_s),
        )


def _raise_if_cancelled(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise LlmError("Cancelled while waiting to retry the model call.", kind="cancelled")


def _sleep_polling(seconds: float, cancelled: Callable[[], bool] | None) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        _raise_if_cancelled(cancelled)
        time.sleep(min(left, _RETRY_WAIT_POLL_S))
    _raise_if_cancelled(cancelled)


async def _asleep_polling(seconds: float, cancelled: Callable[[], bool] | None) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        _raise_if_cancelled(cancelled)
        await asyncio.sleep(min(left, _RETRY_WAIT_POLL_S))
    _raise_if_cancelled(cancelled)


@dataclass(repr=False)
class _Secret:
    """Holds the key so that no repr, vars() dump or traceback frame prints it."""

    value: str | None = field(default=None)

    def __repr__(self) -> str:
        return "<hidden>" if self.value else "<none>"


class LlmClient:
    """Chat completions through litellm, to a provider or an OpenAI-compatible `api_base`.

    With `api_base` set, a model without a litellm provider prefix is sent as
    ``openai/<model>`` (the OpenAI-compatible protocol), and only the key given here is used.
    Without it, litellm picks the provider from the model name and the key from its usual
    environment variable unless one is given here. `prices` are USD per input token and per
    output token; without them the cost is litellm's for models its price map knows, else 0.

    Rate limits (429), server errors (5xx), timeouts and connection failures are retried up to
    `max_retries` times, waiting the server's Retry-After (at most `max_retry_wait_s`) or an
    exponential backoff from `retry_backoff_s` with jitter. Safe to share between threads.
    """

    def __init__(
        self,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60,
        prices: tuple[float, float] | None = None,
        max_retries: int = 2,
        retry_backoff_s: float = 0.5,
        max_retry_wait_s: float = 30.0,
    ) -> None:
        if not timeout_s > 0:
            raise ValueError("timeout_s must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be zero or more")
        if prices is not None and not all(p >= 0 and p != float("inf") for p in prices):
            raise ValueError("prices must be finite and non-negative USD per token")
        self._api_base = (api_base or "").strip() or None
        self._key = _Secret((api_key or "").strip() or None)
        self._timeout_s = float(timeout_s)
        self._prices = None if prices is None else (float(prices[0]), float(prices[1]))
        self._max_retries = int(max_retries)
        self._retry_backoff_s = float(retry_backoff_s)
        self._max_retry_wait_s = float(max_retry_wait_s)

    @property
    def api_base(self) -> str | None:
        return self._api_base

    @property
    def has_api_key(self) -> bool:
        return self._key.value is not None

    @property
    def timeout_s(self) -> float:
        return self._timeout_s

    @property
    def prices(self) -> tuple[float, float] | None:
        return self._prices

    def __repr__(self) -> str:
        key = "set" if self.has_api_key else "not set"
        return (
            f"LlmClient(api_base={self._api_base!r}, api_key={key}, "
            f"timeout_s={self._timeout_s:g}, prices={self._prices!r})"
        )

    def litellm_model(self, model: str) -> str:
        """The model name as litellm is asked for it (adds "openai/" for a bare model + api_base).

        Imports litellm (to know its provider names) when an api_base is set.
        """
        model = model.strip()
        if self._api_base is None:
            return model
        prefix, sep, _ = model.partition("/")
        if sep and prefix in _provider_names():
            return model
        _register_unpriced(f"openai/{model}", model)
        return f"openai/{model}"

    def complete(
        self,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        temperature: float = 0.0,
        *,
        cancelled: Callable[[], bool] | None = None,
    ) -> Completion:
        """One chat completion. Raises LlmError (never anything else) when the call fails.

        `cancelled` is polled while waiting to retry, so a cancel does not sit out a long
        Retry-After; a cancel raises LlmError(kind="cancelled"). `latency_ms` is the wall time of
        the whole call, retries included: what the user waited.
        """
        litellm = self._loaded_litellm(model)
        policy = _RetryPolicy.of(self, None, None, None, None)
        request = self._request(model, messages, tools, temperature, None, None)
        started = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = litellm.completion(**request)
                break
            except Exception as exc:  # every provider failure becomes an LlmError
                failure = _classify(exc, litellm)
            _sleep_polling(self._retry_wait_or_raise(failure, attempt, policy), cancelled)
        latency_ms = (time.perf_counter() - started) * 1000.0
        return self._completion(response, litellm, latency_ms, attempt)

    async def acomplete(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        timeout_s: float | None = None,
        max_retries: int | None = None,
        cancelled: Callable[[], bool] | None = None,
        retry_backoff_s: float | None = None,
        max_retry_wait_s: float | None = None,
        before_attempt: Callable[[], Awaitable[None]] | None = None,
    ) -> Completion:
        """`complete` on the running event loop through `litellm.acompletion`.

        `timeout_s`, `max_retries`, `retry_backoff_s` and `max_retry_wait_s` override the
        client's for this call. `before_attempt` is awaited before every attempt, retries
        included, so a caller's rate limiter also paces the retries. Waiting to retry is an
        `asyncio.sleep`, so cancelling the task ends the call at once; `cancelled` is polled
        during that wait as well. Raises LlmError, or CancelledError when the task is cancelled.
        """
        litellm = self._loaded_litellm(model)
        policy = _RetryPolicy.of(self, timeout_s, max_retries, retry_backoff_s, max_retry_wait_s)
        request = self._request(model, messages, None, temperature, max_tokens, policy.timeout_s)
        started = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            if before_attempt is not None:
                await before_attempt()
            try:
                response = await litellm.acompletion(**request)
                break
            except Exception as exc:  # every provider failure becomes an LlmError
                failure = _classify(exc, litellm)
            wait = self._retry_wait_or_raise(failure, attempt, policy)
            await _asleep_polling(wait, cancelled)
        latency_ms = (time.perf_counter() - started) * 1000.0
        return self._completion(response, litellm, latency_ms, attempt)

    def redact(self, text: str) -> str:
        """`text` with this client's API key replaced, shortened to a readable length."""
        return self._redact(text)

    # Internals

    def _loaded_litellm(self, model: str) -> ModuleType:
        if not model.strip():
            raise LlmError("No model given: enter a model name.", kind="bad_request")
        try:
            return _litellm()
        except ImportError as exc:
            raise LlmError(
                f"litellm could not be loaded ({exc}); reinstall the app's dependencies.",
                kind="provider",
            ) from None

    def _request(
        self,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        temperature: float,
        max_tokens: int | None,
        timeout_s: float | None,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.litellm_model(model),
            "messages": messages,
            "temperature": temperature,
            "timeout": self._timeout_s if timeout_s is None else timeout_s,
            # Retries are ours, so the SDK's hidden ones must not multiply them.
            "max_retries": 0,
            # Some models refuse e.g. temperature; dropping it beats failing the call.
            "drop_params": True,
        }
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        if tools:
            request["tools"] = tools
        if self._api_base is not None:
            request["api_base"] = self._api_base
            request["api_key"] = self._key.value or _PLACEHOLDER_KEY
        elif self._key.value is not None:
            request["api_key"] = self._key.value
        return request

    def _retry_wait_or_raise(self, failure: _Failure, attempt: int, policy: _RetryPolicy) -> float:
        """Seconds to wait before the next attempt, or the LlmError when there is none."""
        if not failure.retryable or attempt > policy.max_retries:
            raise LlmError(
                self._message(failure, attempt, policy.timeout_s),
                kind=failure.kind,
                status_code=failure.status_code,
                attempts=attempt,
            ) from None
        if failure.retry_after_s is not None:
            wait = failure.retry_after_s
        else:
            wait = policy.backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)
        return min(max(wait, 0.0), policy.max_wait_s)

    def _message(self, failure: _Failure, attempts: int, timeout_s: float) -> str:
        detail = self._redact(failure.detail)
        who = f"the server at {self._api_base}" if self._api_base else "the provider"
        tries = f" (after {attempts} attempts)" if attempts > 1 else ""
        status = f"HTTP {failure.status_code}: " if failure.status_code else ""
        match failure.kind:
            case "auth":
                text = (
                    f"{who} refused the API key ({status}{detail}). Check the key, and that the "
                    "model and base URL belong to the same provider."
                )
            case "rate_limit":
                text = f"rate limited by {who}{tries} ({status}{detail}). Wait and try again."
            case "timeout":
                text = f"the model did not answer within {timeout_s:g} s{tries}."
            case "connection":
                text = f"could not connect to {who}{tries} ({detail}). Is it running?"
            case "not_found":
                text = (
                    f"model or endpoint not found at {who} ({status}{detail}). Check the model "
                    "name and the base URL."
                )
            case "context_window":
                text = f"the conversation is too long for the model ({status}{detail})."
            case "bad_request":
                text = f"{who} rejected the request ({status}{detail})."
            case "server":
                text = f"{who} failed{tries} ({status}{detail})."
            case _:
                text = f"the model call failed ({detail})."
        return text[0].upper() + text[1:]

    def _redact(self, text: str) -> str:
        secrets = [self._key.value or "", *_environment_secrets()]
        # Longest first, so a key that contains another is hidden whole.
        for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
            text = text.replace(secret, "[hidden key]")
        if len(text) > _MAX_DETAIL_CHARS:
            text = text[: _MAX_DETAIL_CHARS - 1] + "…"
        return text

    def _completion(
        self, response: Any, litellm: ModuleType, latency_ms: float, attempts: int
    ) -> Completion:
        choices = getattr(response, "choices", None) or []
        message = choices[0].message if choices else None
        content = (getattr(message, "content", None) or "") if message is not None else ""
        raw_calls = (getattr(message, "tool_calls", None) or []) if message is not None else []
        usage = getattr(response, "usage", None)
        input_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        output_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        if self._prices is not None:
            cost = input_tokens * self._prices[0] + output_tokens * self._prices[1]
        else:
            cost = _litellm_cost(litellm, response)
        return Completion(
            content=content if isinstance(content, str) else str(content),
            tool_calls=[_tool_call(raw, i) for i, raw in enumerate(raw_calls)],
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=cost,
            latency_ms=latency_ms,
            attempts=attempts,
            finish_reason=getattr(choices[0], "finish_reason", None) if choices else None,
        )


def _environment_secrets() -> list[str]:
    """Values of environment variables named like credentials (…_API_KEY, …_TOKEN, …)."""
    return [
        value.strip()
        for name, value in os.environ.items()
        if _SECRET_VARIABLE.search(name) and len(value.strip()) >= _MIN_SECRET_CHARS
    ]


def parse_tool_arguments(raw: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """A tool call's arguments string as a JSON object, or (None, why not).

    An empty string means no arguments: some servers send "" for a tool without parameters.
    """
    text = (raw or "").strip()
    if not text:
        return {}, None
    try:
        value = json.loads(text)
    except ValueError as exc:
        shown = text if len(text) <= 200 else text[:199] + "…"
        return None, f"The tool arguments are not valid JSON ({exc}): {shown}"
    if not isinstance(value, dict):
        return None, (
            f"The tool arguments must be a JSON object, not {type(value).__name__}: {text[:200]}"
        )
    return value, None


def _tool_call(raw: Any, position: int) -> ToolCall:
    function = getattr(raw, "function", None)
    name = str(getattr(function, "name", None) or "")
    raw_arguments = getattr(function, "arguments", None)
    if raw_arguments is not None and not isinstance(raw_arguments, str):
        # A few providers hand back an already-parsed object.
        raw_arguments = json.dumps(raw_arguments)
    arguments, error = parse_tool_arguments(raw_arguments)
    # The id ties our tool message to this call; some local servers leave it out.
    call_id = str(getattr(raw, "id", None) or f"call_{position}")
    return ToolCall(call_id, name, arguments, raw_arguments or "", error)


def _litellm_cost(litellm: ModuleType, response: Any) -> float:
    """litellm's price for the reply, or 0 for a model its price map does not know.

    litellm prices every reply itself and stamps the figure on it (None when it has no price);
    reading that instead of pricing again saves about 0.5 ms of CPU per call, more for an
    unpriced model, whose failed look-up walks litellm's whole price map.
    """
    hidden = getattr(response, "_hidden_params", None) or {}
    try:
        if "response_cost" in hidden:
            cost = float(hidden["response_cost"] or 0.0)
        else:
            cost = float(litellm.completion_cost(completion_response=response))
    except Exception:  # an unpriced model (a local server) is normal
        return 0.0
    return cost if cost >= 0 and cost != float("inf") else 0.0


_registered_lock = threading.Lock()
_registered: set[str] = set()


def _register_unpriced(name: str, bare: str) -> None:
    """Tell litellm a model it has no price for costs nothing (our client prices such calls
    itself), once per process; a model litellm already prices is left as it is."""
    with _registered_lock:
        if name in _registered:
            return
        _registered.add(name)
        litellm = _litellm()
        if name in litellm.model_cost or bare in litellm.model_cost:
            return
        # register_model warns that cache prices default to 0; for a free model that is moot.
        quiet = logging.getLogger("LiteLLM")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            litellm.register_model(
                {
                    name: {
                        "input_cost_per_token": 0.0,
                        "output_cost_per_token": 0.0,
                        "litellm_provider": "openai",
                        "mode": "chat",
                    }
                }
            )
        finally:
            quiet.setLevel(level)


def _provider_names() -> frozenset[str]:
    litellm = _litellm()
    return frozenset(getattr(p, "value", str(p)) for p in litellm.provider_list)


_LITELLM_PREFIX = re.compile(r"^(?:litellm\.)?\w*(?:Error|Exception|Timeout):\s*")
_PROVIDER_TAG = re.compile(r"^\w*Exception - ")


def _detail(exc: BaseException) -> str:
    """The provider's own words, without litellm's repeated class-name prefixes."""
    text = str(exc).strip()
    for _ in range(3):
        stripped = _LITELLM_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = _PROVIDER_TAG.sub("", text).strip()
    return " ".join(text.split()) or type(exc).__name__


def _classify(exc: Exception, litellm: ModuleType) -> _Failure:
    errors = litellm.exceptions
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    detail = _detail(exc)
    if isinstance(exc, errors.Timeout):
        return _Failure("timeout", None, detail, retryable=True)
    if isinstance(exc, errors.RateLimitError):
        return _Failure("rate_limit", 429, detail, True, _retry_after_s(exc))
    if isinstance(exc, errors.AuthenticationError | errors.PermissionDeniedError):
        return _Failure("auth", status, detail, retryable=False)
    if isinstance(exc, errors.NotFoundError):
        return _Failure("not_found", status, detail, retryable=False)
    if isinstance(exc, errors.ContextWindowExceededError):
        return _Failure("context_window", status, detail, retryable=False)
    if isinstance(exc, errors.BadRequestError | errors.UnprocessableEntityError):
        return _Failure("bad_request", status, detail, retryable=False)
    # litellm reports a refused connection as a 500 whose text is "Connection error."
    if isinstance(exc, errors.APIConnectionError) or detail.lower().startswith("connection error"):
        return _Failure("connection", None, detail, retryable=True)
    if status is not None and status >= 500:
        return _Failure("server", status, detail, True, _retry_after_s(exc))
    if isinstance(
        exc,
        errors.InternalServerError | errors.ServiceUnavailableError | errors.BadGatewayError,
    ):
        return _Failure("server", status, detail, retryable=True)
    return _Failure("provider", status, detail, retryable=False)


def _retry_after_s(exc: Exception) -> float | None:
    """The server's Retry-After in seconds (delta form only), when it sent one."""
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get("retry-after")
    except AttributeError:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None
