"""The one door to language models: a small chat-completion client over litellm.

litellm is imported here and nowhere else, lazily on the first call, because importing it costs
seconds; everything else in the app receives an `LlmClient` and never sees litellm. A chat
completion litellm has nothing model-specific to add to (an unpriced model behind an
OpenAI-compatible base URL) goes straight to the server instead (core/direct_chat.py), with
litellm's outcomes and without its import (`LlmClient.needs_litellm`). The API key
lives only in the client's memory: it is never logged, shown by `repr`, or put in an error.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
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
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from core import direct_chat
from core.compat import litellm as compat
from core.compat.litellm import LitellmEventLoop

# A provider's failure as the direct path names it too, or one of the client's own.
ErrorKind = Literal[direct_chat.FailureKind, "cancelled", "malformed", "too_large"]

# A base URL given without a key gets this one instead of the environment's: a key meant for
# one provider must never be sent to whatever server the user typed in. Local servers ignore it.
_PLACEHOLDER_KEY = "no-key"
_MAX_DETAIL_CHARS = 400
_RETRY_WAIT_POLL_S = 0.05
_T = TypeVar("_T")
# Keys litellm reads from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...) never pass
# through the client, yet a provider may echo one back in an error: hide those values too.
_SECRET_VARIABLE = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
_MIN_SECRET_CHARS = 8
_SECRET_SUFFIXES = ("KEY", "TOKEN", "SECRET", "PASSWORD")
# Query parameters gateways carry credentials in (api-key, access_token, X-Amz-Signature, sig...).
# A name counts when it ends with the word, so max_tokens=256 is left alone.
_CREDENTIAL_WORD = (
    r"(?:key|token|secret|password|passwd|pwd|auth|authorization|signature|sig|credential)"
)
_CREDENTIAL_PARAM = re.compile(_CREDENTIAL_WORD + "$", re.IGNORECASE)
# A URL-borne secret this short (a user name "bob") would blank ordinary words if replaced.
_MIN_URL_SECRET_CHARS = 4
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
# A credential-named parameter written without its URL (in an error that quotes a path).
_PARAM_IN_TEXT = re.compile(
    r"(?P<name>[\w.-]*?" + _CREDENTIAL_WORD + r")=(?P<value>[^&\s'\"<>]+)", re.IGNORECASE
)
HIDDEN = "[hidden key]"

Transport = Literal["auto", "litellm"]

# What a reply may hold before it is refused: 16 bytes per allowed token is four times the
# longest token any tokenizer emits as UTF-8, and the slack covers JSON framing and tool-call
# names; the absolute cap bounds what one stored sample can cost in memory and on disk.
REPLY_BYTES_PER_TOKEN = 16
REPLY_SLACK_BYTES = 60 * 1024
REPLY_MAX_BYTES = 8 * 1024 * 1024
# A call without max_tokens (the agent trial) may still not send more than this.
REPLY_DEFAULT_MAX_BYTES = 1024 * 1024
MAX_TOOL_CALLS_PER_REPLY = 64
# No real count of tokens reaches this; a larger one is a broken or hostile server.
_MAX_REPORTED_TOKENS = 1_000_000_000


_litellm_lock = threading.Lock()
_litellm_module: ModuleType | None = None


def _litellm() -> ModuleType:
    """litellm, imported on first use with its offline price map and quiet console output."""
    global _litellm_module
    with _litellm_lock:
        if _litellm_module is None:
            # Without this, the import tries to fetch the price map over the network.
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            # Automatic collections during the import walk its ever larger heap again and
            # again for almost no garbage (about 2,000 objects): a fifth of the import's CPU
            # (bench/runner.py); compat.prepare collects once after it. Left as it is when
            # collection is already off (the window collects on the GUI thread itself).
            collecting = gc.isenabled()
            gc.disable()
            try:
                import litellm
            finally:
                if collecting:
                    gc.enable()

            litellm.suppress_debug_info = True
            # A malformed reply already becomes an LlmError that says what was wrong; pydantic's
            # warning about the same reply, printed on stderr, would only be noise.
            warnings.filterwarnings(
                "ignore", message="Pydantic serializer warnings", category=UserWarning
            )
            # litellm's streaming types use typing's ReadOnly, which pydantic warns about on
            # the first stream: about litellm's own classes, nothing the user can act on.
            warnings.filterwarnings(
                "ignore", message=r"Item '\w+' on TypedDict class", category=UserWarning
            )
            # litellm's per-call work that is ours to switch off (bench/runner.py records
            # what each saved). Message redaction deep-copies every request and reply for
            # logging payloads that nobody reads (we register no callbacks, so nothing is ever
            # written). Its OpenAI client is already cached per key, base URL, timeout and
            # event loop; `_litellm_cost` reads the price it stamps on each reply instead of
            # pricing it twice; and `litellm_model` registers a local server's unknown model
            # once, so pricing a reply is not a failed walk through the whole price map.
            litellm.turn_off_message_logging = False
            compat.prepare()
            _litellm_module = litellm
        return _litellm_module


def preload_litellm() -> None:
    """Start importing litellm on a thread of its own, once, so the import (seconds) overlaps
    what a command does before its first model call: reading the dataset, the estimate, the
    user's answer to "Run it?". The first `_litellm()` waits for it there; an import that
    fails fails again on that call, where it is reported. Call it after the command's own
    imports, so the two threads seldom import the same module at once."""
    global _preloading
    with _preload_lock:
        if _preloading is not None or _litellm_module is not None:
            return
        _preloading = threading.Thread(target=_import_quietly, name="litellm-import", daemon=True)
        _preloading.start()


_preload_lock = threading.Lock()
_preloading: threading.Thread | None = None


def _import_quietly() -> None:
    with contextlib.suppress(Exception):  # the first real call imports again and reports it
        _litellm()


def _body_cap(max_tokens: int | None) -> int:
    # JSON escaping can triple text (an emoji's 4 bytes become a 12-byte surrogate pair); the
    # exact check on the parsed reply follows, this only keeps the rest off the wire.
    return 3 * reply_cap_bytes(max_tokens) + 64 * 1024


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


@dataclass
class StreamedCompletion:
    """One streamed reply, timed: `chunk_times_s` are the seconds from sending the request to
    each chunk that carried text, in order. Token counts are the server's usage when it sent
    one (`usage_reported`), else 0 input tokens and one output token per text chunk."""

    content: str
    input_tokens: int
    output_tokens: int
    chunk_times_s: list[float]
    total_s: float
    usage_reported: bool
    finish_reason: str | None = None


@dataclass(frozen=True)
class BatchJob:
    """A provider's batch as its Batch API reports it (OpenAI's batch object, the fields we use).

    `status` is the provider's word (validating, in_progress, finalizing, completed, failed,
    expired, cancelling, cancelled); `total`, `completed` and `failed` its request counts;
    `errors` the reasons a batch failed as a whole (validation), as plain sentences.
    """

    id: str
    status: str
    input_file_id: str | None
    output_file_id: str | None
    error_file_id: str | None
    total: int
    completed: int
    failed: int
    errors: tuple[str, ...] = ()


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


async def _asleep_polling(seconds: float, cancelled: Callable[[], bool] | None) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        _raise_if_cancelled(cancelled)
        await asyncio.sleep(min(left, _RETRY_WAIT_POLL_S))
    _raise_if_cancelled(cancelled)


async def _retried(
    attempt: Callable[[], Awaitable[Any]],
    policy: _RetryPolicy,
    wait_or_raise: Callable[[_Failure, int, _RetryPolicy], float],
    cancelled: Callable[[], bool] | None,
    before_attempt: Callable[[], Awaitable[None]] | None,
) -> tuple[Any, int, float]:
    """Call `attempt` until it returns a reply (anything but a _Failure), waiting between
    attempts as `wait_or_raise` says (it raises the LlmError when there is no next one); a
    TimeoutError out of an attempt is a missed deadline, retried. Returns the reply, the
    attempts made and the milliseconds of the whole call, retries included: what the user
    waited. Both paths of `LlmClient.acomplete` retry through this one loop."""
    started = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        if before_attempt is not None:
            await before_attempt()
        try:
            outcome = await attempt()
        except TimeoutError:
            outcome = _Failure("timeout", None, "deadline", retryable=True)
        if not isinstance(outcome, _Failure):
            return outcome, attempts, (time.perf_counter() - started) * 1000.0
        await _asleep_polling(wait_or_raise(outcome, attempts, policy), cancelled)


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

    `transport` "auto" sends a chat completion straight to an OpenAI-compatible `api_base`
    (core/direct_chat.py) when litellm has nothing model-specific to add (`needs_litellm`),
    with litellm's outcomes (tests/core/test_direct_chat_equivalence.py); "litellm" always
    calls through litellm. Streaming and the Batch API always go through litellm.
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
        transport: Transport = "auto",
    ) -> None:
        if not timeout_s > 0:
            raise ValueError("timeout_s must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be zero or more")
        if prices is not None and not all(p >= 0 and p != float("inf") for p in prices):
            raise ValueError("prices must be finite and non-negative USD per token")
        self._api_base = (api_base or "").strip() or None
        self._key = _Secret((api_key or "").strip() or None)
        self._url_secrets = _Secret("\n".join(url_secrets(self._api_base)) or None)
        self._timeout_s = float(timeout_s)
        self._prices = None if prices is None else (float(prices[0]), float(prices[1]))
        self._max_retries = int(max_retries)
        self._retry_backoff_s = float(retry_backoff_s)
        self._max_retry_wait_s = float(max_retry_wait_s)
        if transport not in ("auto", "litellm"):
            raise ValueError('transport must be "auto" or "litellm"')
        self._transport: Transport = transport

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
            f"LlmClient(api_base={redact_url(self._api_base)!r}, api_key={key}, "
            f"timeout_s={self._timeout_s:g}, prices={self._prices!r})"
        )

    @property
    def transport(self) -> Transport:
        return self._transport

    def litellm_model(self, model: str) -> str:
        """The model name as litellm is asked for it (adds "openai/" for a bare model + api_base).

        Imports litellm (to know its provider names) when an api_base is set and the model has
        a prefix other than "openai/".
        """
        model = model.strip()
        if self._api_base is None:
            return model
        prefix, sep, _ = model.partition("/")
        if prefix == "openai" or (sep and prefix in _provider_names()):
            return model
        return f"openai/{model}"

    def needs_litellm(self, model: str) -> bool:
        """Whether a chat completion of `model` must go through litellm; False when this client
        sends it straight to its base URL instead (streaming, batches and probes always use
        litellm). Imports nothing.

        Direct needs all of: transport "auto"; a well-formed http(s) base URL; a bare or
        "openai/" model that litellm's price map lacks (so litellm has no price or rule of its
        own for it); no litellm callback registered; none of litellm's HTTP settings in the
        environment; and the litellm version the direct path was checked against.
        """
        model = model.strip()
        if self._transport != "auto" or self._api_base is None or not model:
            return True
        bare = model.removeprefix("openai/")
        if "/" in bare or not compat.direct_path_allowed():
            return True
        if direct_chat.litellm_settings_in_environment():
            return True
        if not direct_chat.plain_base_url(self._api_base):
            return True
        loaded = sys.modules.get("litellm")
        if loaded is not None and compat.listened(loaded):
            return True
        if _litellm_module is not None:
            # Names we registered as free are in its map only because we put them there.
            priced = {f"openai/{bare}", bare} - _free_models
            return any(name in _litellm_module.model_cost for name in priced)
        return _bundled_price_map_has(bare)

    def complete(
        self,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        temperature: float = 0.0,
        *,
        cancelled: Callable[[], bool] | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        """One chat completion. Raises LlmError (never anything else) when the call fails.

        Runs `acomplete` on an event loop of its own, so the client's timeout is a deadline for
        each whole attempt. `cancelled` is polled every 50 ms during the call and while waiting
        to retry: a cancel abandons the request in flight at once and raises
        LlmError(kind="cancelled"). `latency_ms` is the wall time of the whole call, retries
        included: what the user waited.
        """

        request = self.acomplete(
            model,
            messages,
            tools=tools,
            temperature=temperature,
            max_tokens=max_tokens,
            cancelled=cancelled,
        )
        return _run_cancellable(request, cancelled, "Cancelled while waiting for the model.")

    async def acomplete(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
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
        client's for this call; the timeout is a deadline for each whole attempt (a server
        that sends one byte a second is cut there), not only for each read. `before_attempt` is
        awaited before every attempt, retries included, so a caller's rate limiter also paces
        the retries. Waiting to retry is an `asyncio.sleep`, so cancelling the task ends the
        call at once; `cancelled` is polled during that wait as well. A reply that is malformed
        (negative or non-integer token counts, no choices, content that is not text) or larger
        than `reply_cap_bytes(max_tokens)` raises LlmError ("malformed", "too_large"). Raises
        LlmError, or CancelledError when the task is cancelled.
        """
        if not self.needs_litellm(model):
            return await self._acomplete_direct(
                model,
                messages,
                tools,
                temperature,
                max_tokens,
                _RetryPolicy.of(self, timeout_s, max_retries, retry_backoff_s, max_retry_wait_s),
                cancelled,
                before_attempt,
            )
        litellm = self._loaded_litellm(model)
        policy = _RetryPolicy.of(self, timeout_s, max_retries, retry_backoff_s, max_retry_wait_s)
        request = self._request(model, messages, tools, temperature, max_tokens, policy.timeout_s)
        # litellm's price for the reply is read only when we have none of our own.
        priced_here = self._prices is not None or request["model"] in _free_models

        async def attempt() -> Any:
            limit = compat.ReplyLimit(_body_cap(max_tokens))
            token = compat.reply_limit.set(limit)
            try:
                # httpx's timeout restarts with every byte read; this one does not. A timeout
                # scope, not wait_for: the call stays in this task instead of a new one each.
                async with asyncio.timeout(policy.timeout_s):
                    with compat.lean_call(priced_by_caller=priced_here):
                        return await litellm.acompletion(**request)
            except TimeoutError:
                raise
            except Exception as exc:  # every provider failure becomes an LlmError
                if limit.seen is not None:
                    raise self._oversized_body(limit, max_tokens) from None
                return _classify(exc, litellm)
            finally:
                compat.reply_limit.reset(token)

        response, attempts, latency_ms = await _retried(
            attempt, policy, self._retry_wait_or_raise, cancelled, before_attempt
        )
        return self._completion(response, litellm, latency_ms, attempts, max_tokens)

    async def _acomplete_direct(
        self,
        model: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        temperature: float,
        max_tokens: int | None,
        policy: _RetryPolicy,
        cancelled: Callable[[], bool] | None,
        before_attempt: Callable[[], Awaitable[None]] | None,
    ) -> Completion:
        """`acomplete` straight to the base URL (core/direct_chat.py), retried and worded as
        the litellm path retries and words it. A reply of an odd shape is read by litellm."""
        api_base = self._api_base
        assert api_base is not None
        body = direct_chat.request_body(model.strip(), messages, temperature, max_tokens, tools)
        key = self._key.value or _PLACEHOLDER_KEY
        cap = _body_cap(max_tokens)
        litellm: ModuleType | None = None

        async def attempt() -> Any:
            nonlocal litellm
            try:
                async with asyncio.timeout(policy.timeout_s):
                    fields, raw = await direct_chat.post_chat(api_base, key, body, cap)
                if fields is None:
                    # Off the loop: the first import takes seconds.
                    litellm = await asyncio.to_thread(self._loaded_litellm, model)
                    fields = compat.read_reply(litellm, raw)
                return fields
            except TimeoutError:
                raise
            except direct_chat.ReplyTooLarge as exc:
                limit = compat.ReplyLimit(cap, exc.seen, exc.declared)
                raise self._oversized_body(limit, max_tokens) from None
            except direct_chat.DirectFailure as exc:
                detail = _detail(Exception(f"OpenAIException - {exc.detail}"))
                return _Failure(exc.kind, exc.status_code, detail, exc.retryable, exc.retry_after_s)
            except Exception as exc:  # litellm's reading of an odd reply failed
                return _classify(exc, litellm or self._loaded_litellm(model))

        response, attempts, latency_ms = await _retried(
            attempt, policy, self._retry_wait_or_raise, cancelled, before_attempt
        )
        # What litellm gives a model its price map lacks (`_register_unpriced`): nothing.
        return self._completion(response, None, latency_ms, attempts, max_tokens)

    def stream(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        max_tokens: int,
        deadline_s: float,
        cancelled: Callable[[], bool] | None = None,
        temperature: float = 0.0,
    ) -> StreamedCompletion:
        """One streamed chat completion, each text chunk timed, for measuring latency.

        Made once, never retried (a retry would hide the latency being measured). The whole
        request, from sending it to the last chunk, must end within `deadline_s`: a stream
        that stalls raises LlmError(kind="timeout") saying how many chunks had come.
        `cancelled` is polled every 50 ms and between chunks; a cancel abandons the stream at
        once and raises LlmError(kind="cancelled"). Other failures are LlmErrors as for
        `complete`.
        """

        request = self.astream(
            model,
            messages,
            max_tokens=max_tokens,
            deadline_s=deadline_s,
            cancelled=cancelled,
            temperature=temperature,
        )
        return _run_cancellable(request, cancelled, "Cancelled while the model was streaming.")

    async def astream(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        max_tokens: int,
        deadline_s: float,
        cancelled: Callable[[], bool] | None = None,
        temperature: float = 0.0,
    ) -> StreamedCompletion:
        """`stream` on the running event loop through `litellm.acompletion(stream=True)`."""
        if not deadline_s > 0:
            raise ValueError("deadline_s must be positive")
        litellm = self._loaded_litellm(model)
        request = self._request(model, messages, None, temperature, max_tokens, deadline_s)
        request["stream"] = True
        # OpenAI sends the token counts of a stream only when asked, in one last chunk.
        request["stream_options"] = {"include_usage": True}
        cap = reply_cap_bytes(max_tokens)
        parts: list[str] = []
        times: list[float] = []
        size = 0
        usage: Any = None
        finish_reason: str | None = None
        started = time.perf_counter()
        try:
            async with asyncio.timeout(deadline_s):
                response = await litellm.acompletion(**request)
                async for chunk in response:
                    if cancelled is not None and cancelled():
                        raise LlmError("Cancelled while the model was streaming.", kind="cancelled")
                    usage = getattr(chunk, "usage", None) or usage
                    choices = getattr(chunk, "choices", None) or []
                    if not choices:
                        continue
                    reason = getattr(choices[0], "finish_reason", None)
                    finish_reason = reason if isinstance(reason, str) else finish_reason
                    text = getattr(getattr(choices[0], "delta", None), "content", None)
                    if not isinstance(text, str) or not text:
                        continue
                    times.append(time.perf_counter() - started)
                    parts.append(text)
                    size += len(text.encode("utf-8", "replace"))
                    if size > cap:
                        raise self._bad_reply(
                            "too_large",
                            f"the streamed reply exceeds the {describe_bytes(cap)} allowed for "
                            f"max_tokens {max_tokens:,}",
                        )
        except TimeoutError:
            got = f"{len(times):,} text chunk{'s' if len(times) != 1 else ''}"
            raise LlmError(
                f"The stream did not finish within the deadline of {deadline_s:g} s "
                f"({got} received); it was stopped there.",
                kind="timeout",
            ) from None
        except LlmError:
            raise
        except Exception as exc:  # every provider failure becomes an LlmError
            failure = _classify(exc, litellm)
            raise LlmError(
                self._message(failure, 1, deadline_s),
                kind=failure.kind,
                status_code=failure.status_code,
            ) from None
        total_s = time.perf_counter() - started
        input_tokens = _token_count(usage, "prompt_tokens")
        output_tokens = _token_count(usage, "completion_tokens")
        if isinstance(input_tokens, str) or isinstance(output_tokens, str):
            problem = input_tokens if isinstance(input_tokens, str) else output_tokens
            raise self._bad_reply("malformed", str(problem))
        reported = usage is not None and output_tokens > 0
        return StreamedCompletion(
            content=self._scrub("".join(parts)),
            input_tokens=input_tokens,
            output_tokens=output_tokens if reported else len(times),
            chunk_times_s=times,
            total_s=total_s,
            usage_reported=reported,
            finish_reason=finish_reason,
        )

    def redact(self, text: str) -> str:
        """`text` with this client's API key replaced, shortened to a readable length."""
        return self._redact(text)

    # Batch API (OpenAI's /v1/files and /v1/batches, or an OpenAI-compatible server's)

    def upload_batch_file(
        self, data: bytes, filename: str, *, cancelled: Callable[[], bool] | None = None
    ) -> str:
        """Upload a JSONL batch input file (purpose "batch"); returns the provider's file id."""
        found = self._batch_call(
            "upload the batch file",
            "acreate_file",
            cancelled,
            file=(filename, data, "application/jsonl"),
            purpose="batch",
        )
        return str(found.id)

    def create_batch(
        self,
        input_file_id: str,
        *,
        metadata: dict[str, str] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> BatchJob:
        """Start a chat-completions batch over an uploaded file, in the 24 h window."""
        found = self._batch_call(
            "create the batch",
            "acreate_batch",
            cancelled,
            completion_window="24h",
            endpoint="/v1/chat/completions",
            input_file_id=input_file_id,
            metadata=metadata,
        )
        return self._batch_job(found)

    def retrieve_batch(
        self, batch_id: str, *, cancelled: Callable[[], bool] | None = None
    ) -> BatchJob:
        """The batch as the provider reports it now (one poll)."""
        return self._batch_job(
            self._batch_call("check the batch", "aretrieve_batch", cancelled, batch_id=batch_id)
        )

    def cancel_batch(
        self, batch_id: str, *, cancelled: Callable[[], bool] | None = None
    ) -> BatchJob:
        """Ask the provider to cancel the batch (it reports "cancelling", then "cancelled")."""
        return self._batch_job(
            self._batch_call("cancel the batch", "acancel_batch", cancelled, batch_id=batch_id)
        )

    def batch_file_content(
        self, file_id: str, *, cancelled: Callable[[], bool] | None = None
    ) -> bytes:
        """The bytes of a batch's output or error file."""
        found = self._batch_call(
            "download the batch's results", "afile_content", cancelled, file_id=file_id
        )
        content = getattr(found, "content", None)
        if isinstance(content, bytes):
            return content
        raise self._bad_reply("malformed", "the file's content is not bytes")

    def _batch_call(
        self, what: str, name: str, cancelled: Callable[[], bool] | None, **arguments: Any
    ) -> Any:
        """One files or batches call, retried as a chat call is (rate limits, 5xx, timeouts);
        raises LlmError saying what could not be done."""
        litellm = self._loaded_litellm("batch")
        policy = _RetryPolicy.of(self, None, None, None, None)
        request: dict[str, Any] = {
            "custom_llm_provider": "openai",
            **arguments,
            "timeout": policy.timeout_s,
            # Retries are ours, so the SDK's hidden ones must not multiply them.
            "max_retries": 0,
        }
        if self._api_base is not None:
            request["api_base"] = self._api_base
            request["api_key"] = self._key.value or _PLACEHOLDER_KEY
        elif self._key.value is not None:
            request["api_key"] = self._key.value

        async def call() -> Any:
            attempt = 0
            while True:
                attempt += 1
                try:
                    async with asyncio.timeout(policy.timeout_s):
                        return await getattr(litellm, name)(**request)
                except TimeoutError:
                    failure = _Failure("timeout", None, "deadline", retryable=True)
                except Exception as exc:  # every provider failure becomes an LlmError
                    failure = _classify(exc, litellm)
                try:
                    wait = self._retry_wait_or_raise(failure, attempt, policy)
                except LlmError as exc:
                    text = str(exc)
                    raise LlmError(
                        f"Could not {what}: {text[0].lower()}{text[1:]}",
                        kind=exc.kind,
                        status_code=exc.status_code,
                        attempts=exc.attempts,
                    ) from None
                await _asleep_polling(wait, cancelled)

        future = asyncio.run_coroutine_threadsafe(call(), _batch_event_loop())
        while True:
            try:
                return future.result(timeout=_RETRY_WAIT_POLL_S)
            except TimeoutError:
                if cancelled is not None and cancelled():
                    future.cancel()
                    raise LlmError(f"Cancelled while trying to {what}.", kind="cancelled") from None

    def _batch_job(self, raw: Any) -> BatchJob:
        batch_id, status = getattr(raw, "id", None), getattr(raw, "status", None)
        if not isinstance(batch_id, str) or not isinstance(status, str):
            raise self._bad_reply("malformed", "the batch has no id or status")
        counts = getattr(raw, "request_counts", None)
        errors = getattr(getattr(raw, "errors", None), "data", None) or []
        return BatchJob(
            id=batch_id,
            status=status,
            input_file_id=_text_or_none(getattr(raw, "input_file_id", None)),
            output_file_id=_text_or_none(getattr(raw, "output_file_id", None)),
            error_file_id=_text_or_none(getattr(raw, "error_file_id", None)),
            total=_count_or_zero(counts, "total"),
            completed=_count_or_zero(counts, "completed"),
            failed=_count_or_zero(counts, "failed"),
            errors=tuple(
                self._redact(str(getattr(e, "message", None) or getattr(e, "code", None) or e))
                for e in errors
            ),
        )

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
        name = self.litellm_model(model)
        if self._api_base is not None and name.startswith("openai/"):
            _register_unpriced(name, name.removeprefix("openai/"))
        request: dict[str, Any] = {
            "model": name,
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
        who = f"the server at {redact_url(self._api_base)}" if self._api_base else "the provider"
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
            case "malformed":
                text = f"the server's reply was malformed: {detail}"
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
        text = redact(text, self._secrets())
        if len(text) > _MAX_DETAIL_CHARS:
            text = text[: _MAX_DETAIL_CHARS - 1] + "…"
        return text

    def _secrets(self) -> list[str]:
        """The key given here and those written into the base URL."""
        return [self._key.value or "", *(self._url_secrets.value or "").split("\n")]

    def _scrub(self, text: str) -> str:
        """A reply's text with any key it echoes (ours, the URL's, the environment's) hidden."""
        return _replace_secrets(text, [*self._secrets(), *_environment_secrets()])

    def _completion(
        self,
        response: Any,
        litellm: ModuleType | None,
        latency_ms: float,
        attempts: int,
        max_tokens: int | None = None,
    ) -> Completion:
        choices = getattr(response, "choices", None)
        if not isinstance(choices, list) or not choices:
            raise self._bad_reply("malformed", "it has no choices")
        message = getattr(choices[0], "message", None)
        content = getattr(message, "content", None)
        if content is not None and not isinstance(content, str):
            raise self._bad_reply(
                "malformed", f"choices[0].message.content is {type(content).__name__}, not text"
            )
        raw_calls = getattr(message, "tool_calls", None) or []
        if not isinstance(raw_calls, list):
            raise self._bad_reply("malformed", "choices[0].message.tool_calls is not a list")
        if len(raw_calls) > MAX_TOOL_CALLS_PER_REPLY:
            raise self._bad_reply(
                "too_large",
                f"the reply asks for {len(raw_calls):,} tool calls; at most "
                f"{MAX_TOOL_CALLS_PER_REPLY} are accepted in one reply",
            )
        usage = getattr(response, "usage", None)
        input_tokens = _token_count(usage, "prompt_tokens")
        output_tokens = _token_count(usage, "completion_tokens")
        if isinstance(input_tokens, str) or isinstance(output_tokens, str):
            problem = input_tokens if isinstance(input_tokens, str) else output_tokens
            raise self._bad_reply("malformed", str(problem))
        calls = [_tool_call(raw, i) for i, raw in enumerate(raw_calls)]
        size = len((content or "").encode("utf-8", "replace")) + sum(
            len(c.raw_arguments.encode("utf-8", "replace")) + len(c.name) for c in calls
        )
        cap = reply_cap_bytes(max_tokens)
        if size > cap:
            asked = f"max_tokens {max_tokens:,}" if max_tokens is not None else "a call"
            raise self._bad_reply(
                "too_large",
                f"the reply of {describe_bytes(size)} exceeds the {describe_bytes(cap)} "
                f"allowed for {asked}",
            )
        if self._prices is not None:
            cost = input_tokens * self._prices[0] + output_tokens * self._prices[1]
        elif litellm is None:
            cost = 0.0
        else:
            cost = _litellm_cost(litellm, response)
        finish_reason = getattr(choices[0], "finish_reason", None)
        return Completion(
            content=self._scrub(content or ""),
            tool_calls=[self._scrubbed_call(call) for call in calls],
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=cost,
            latency_ms=latency_ms,
            attempts=attempts,
            finish_reason=finish_reason if isinstance(finish_reason, str) else None,
        )

    def _oversized_body(self, limit: compat.ReplyLimit, max_tokens: int | None) -> LlmError:
        cap = describe_bytes(reply_cap_bytes(max_tokens))
        asked = f"max_tokens {max_tokens:,}" if max_tokens is not None else "a call"
        assert limit.seen is not None
        if limit.declared:
            detail = (
                f"the reply of {describe_bytes(limit.seen)} exceeds the {cap} allowed for {asked}"
            )
        else:
            detail = (
                f"the reply exceeds the {cap} allowed for {asked} (reading stopped after "
                f"{describe_bytes(limit.seen)})"
            )
        return self._bad_reply("too_large", detail)

    def _bad_reply(self, kind: ErrorKind, detail: str) -> LlmError:
        text = self._redact(detail)
        if kind == "malformed":
            message = f"The server's reply was malformed: {text}."
        else:
            message = text[0].upper() + text[1:] + "."
        return LlmError(message, kind=kind)

    def _scrubbed_call(self, call: ToolCall) -> ToolCall:
        raw = self._scrub(call.raw_arguments)
        if raw == call.raw_arguments:
            return call
        arguments, error = parse_tool_arguments(raw)
        return ToolCall(call.id, self._scrub(call.name), arguments, raw, error)


def _token_count(usage: Any, name: str) -> int | str:
    """usage.<name> as a count (0 when the server sent none), or why it is not one."""
    value = getattr(usage, name, None) if usage is not None else None
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"usage.{name} is {type(value).__name__}, not a number"
    if isinstance(value, float) and not value.is_integer():
        return f"usage.{name} is {value!r}, not a whole number"
    if not 0 <= value <= _MAX_REPORTED_TOKENS:
        shown = f"{value:,}" if abs(value) < 10**15 else f"{value:.3g}"
        return f"usage.{name} is {shown}"
    return int(value)


_batch_loop_lock = threading.Lock()
_batch_loop: asyncio.AbstractEventLoop | None = None


def _batch_event_loop() -> asyncio.AbstractEventLoop:
    """The one event loop every Batch API call runs on, in a daemon thread of its own.

    litellm builds a new OpenAI SDK client for each files or batches call, and the SDK closes
    a client on whichever loop is running when it is garbage-collected: with a loop per call
    that is a later, different loop, and the close fails with "Event loop is closed". One
    loop for them all outlives every client it made.
    """
    global _batch_loop
    with _batch_loop_lock:
        if _batch_loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="batch-api-loop", daemon=True).start()
            atexit.register(_stop_batch_loop, loop)
            _batch_loop = loop
        return _batch_loop


def _stop_batch_loop(loop: asyncio.AbstractEventLoop) -> None:
    """End the tasks litellm left on the batch loop (its logging worker waits forever), so
    the process exits without "Task was destroyed but it is pending" on stderr."""

    async def finish() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    with contextlib.suppress(Exception):  # exiting: nothing is left to report it to
        asyncio.run_coroutine_threadsafe(finish(), loop).result(timeout=2)
    loop.call_soon_threadsafe(loop.stop)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _count_or_zero(counts: Any, name: str) -> int:
    value = _token_count(counts, name)
    return value if isinstance(value, int) else 0


def _environment_secrets() -> list[str]:
    """Values of environment variables named like credentials (…_API_KEY, …_TOKEN, …)."""
    # Every reply is scrubbed with these: the cheap suffix test spares the regex (and
    # os.environ's per-item decoding of values) for the names that cannot match.
    return [
        value.strip()
        for name in list(os.environ)
        if name.upper().endswith(_SECRET_SUFFIXES) and _SECRET_VARIABLE.search(name)
        for value in [os.environ.get(name, "")]
        if len(value.strip()) >= _MIN_SECRET_CHARS
    ]


def missing_api_keys(model: str) -> list[str]:
    """The environment variables litellm would read `model`'s API key from, when none of them
    is set: a call at the provider (no base URL) would fail for each request after its
    retries. [] when a key is set or the provider is unknown. Other missing settings (a base
    URL, a region) are not listed: providers such as Ollama have defaults for them."""
    try:
        found = _litellm().validate_environment(model=model)
    except Exception:  # litellm refusing the name is the run's error to report, not this one's
        return []
    missing = found.get("missing_keys") if isinstance(found, dict) else None
    return [
        name
        for name in missing or []
        if isinstance(name, str) and name.upper().endswith(("_KEY", "_TOKEN"))
    ]


def redact_url(url: str | None) -> str | None:
    """`url` with its user info and credential-named query values replaced by "[hidden]".

    The rest (scheme, host, port, path, other parameters) stays, so a message can still say
    which server it was: http://bob:sk-1@host/v1?api-key=sk-2&v=1 becomes
    http://[hidden]@host/v1?api-key=[hidden]&v=1.
    """
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")
    except ValueError:  # not parseable as a URL: hide every credential-looking parameter
        return _PARAM_IN_TEXT.sub(lambda m: f"{m['name']}=[hidden]", url)
    netloc = f"[hidden]@{host[2]}" if host[1] else parts.netloc
    query = "&".join(
        f"{name}=[hidden]" if _CREDENTIAL_PARAM.search(name) else piece
        for piece in parts.query.split("&")
        if piece
        for name in [piece.partition("=")[0]]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str | None) -> list[str]:
    """The credentials written into a URL: the user info's password (or a lone user name, which
    is how some gateways take a key) and the values of credential-named query parameters, each
    as written and percent-decoded."""
    if not url:
        return []
    try:
        parts = urlsplit(url.strip())
        pairs = parse_qsl(parts.query, keep_blank_values=False)
        raw_pairs = [p.partition("=")[::2] for p in parts.query.split("&") if p]
    except ValueError:
        return []
    found: list[str] = []
    userinfo = parts.netloc.rpartition("@")[0]
    if userinfo:
        user, _, password = userinfo.partition(":")
        found += [password] if password else [user]
    found += [value for name, value in [*pairs, *raw_pairs] if _CREDENTIAL_PARAM.search(name)]
    found += [unquote(value) for value in found]
    return [v for v in dict.fromkeys(found) if len(v) >= _MIN_URL_SECRET_CHARS]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every credential removed: URLs' user info and credential-named query values,
    such parameters written without a URL, and each of `secrets` and the environment's keys
    (values of variables named like ..._API_KEY or ..._TOKEN) wherever they appear.

    The one redaction rule for anything written or shown: errors, stop reasons, logs, exports.
    """
    text = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)) or "", text)
    text = _PARAM_IN_TEXT.sub(lambda m: f"{m['name']}=[hidden]", text)
    return _replace_secrets(text, [*secrets, *_environment_secrets()])


def _replace_secrets(text: str, secrets: Iterable[str]) -> str:
    # Longest first, so a key that contains another is hidden whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


def reply_cap_bytes(max_tokens: int | None) -> int:
    """The most bytes of text and tool-call arguments a reply may hold for this max_tokens:
    16 per token plus 60 KiB, at most 8 MiB (1 MiB when no max_tokens was asked for)."""
    if max_tokens is None:
        return REPLY_DEFAULT_MAX_BYTES
    return min(REPLY_MAX_BYTES, REPLY_BYTES_PER_TOKEN * max_tokens + REPLY_SLACK_BYTES)


def describe_bytes(size: int) -> str:
    """A byte count in the unit a person reads it in: 512 bytes, 64 KB, 50 MB (1 KB = 1024)."""
    if size < 1024:
        return f"{size:,} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.0f} KB"
    return f"{size / (1024 * 1024):,.1f} MB".replace(".0 MB", " MB")


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
    """litellm's price for the reply, or 0 for a model its price map does not know."""
    try:
        cost = compat.reply_cost(litellm, response)
    except Exception:  # an unpriced model (a local server) is normal
        return 0.0
    return cost if cost >= 0 and cost != float("inf") else 0.0


_registered_lock = threading.Lock()
_registered: set[str] = set()
# The names registered as free: their calls cost 0, so litellm need not price them.
_free_models: set[str] = set()


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
        _free_models.add(name)


def _bundled_price_map_has(bare: str) -> bool:
    """Whether litellm's bundled price map names the model (bare or as "openai/<bare>"), read
    without importing litellm. True (litellm decides) unless the map is the offline one, as
    the app sets it: otherwise litellm may load another map at import."""
    if os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP", "").strip().lower() != "true":
        return True
    names = _bundled_price_names()
    return names is None or bare in names or f"openai/{bare}" in names


@functools.cache
def _bundled_price_names() -> frozenset[str] | None:
    import importlib.util

    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, "model_prices_and_context_window_backup.json")
        try:
            with open(path, encoding="utf-8") as handle:
                return frozenset(json.load(handle))
        except (OSError, ValueError):
            continue
    return None


@functools.cache
def _provider_names() -> frozenset[str]:
    # Asked on every request; litellm's provider list is fixed once it is imported.
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


# litellm's words when a 200 reply could not be read as a chat completion.
_UNREADABLE_REPLY = (
    "Invalid response object",
    "provider returned a response with no 'choices'",
    "provider returned 'choices' that is not",
    "Empty or invalid response from LLM endpoint",
)
_VALIDATION_ERROR = re.compile(
    r"validation error for (?P<model>\w+) (?P<field>[\w.]+) (?P<why>[^\[]*[^\[\s])"
    r"(?: \[type=[^,\]]*(?:, input_value=(?P<value>.*?), input_type=\w+)?\])?"
)


def _malformed_detail(detail: str) -> str | None:
    """What was wrong with a reply litellm could not read (no traceback), or None when the
    failure is something else."""
    if not any(marker in detail for marker in _UNREADABLE_REPLY):
        return None
    found = _VALIDATION_ERROR.search(detail)
    if found is not None:
        value = f" (it is {found['value']})" if found["value"] else ""
        why = found["why"].strip().rstrip(".")
        return f"{found['model'].lower()}.{found['field']}: {why[:1].lower()}{why[1:]}{value}"
    received = detail.find("Received:")
    if received >= 0:
        return "it is not a chat completion (" + detail[received:].split(". Check")[0] + ")"
    return detail.split(" Traceback")[0].removeprefix("litellm.APIError: LiteLLM: ")


def _classify(exc: Exception, litellm: ModuleType) -> _Failure:
    errors = litellm.exceptions
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    detail = _detail(exc)
    malformed = _malformed_detail(detail)
    if malformed is not None:
        # The server answered; asking again would only fetch the same broken reply.
        return _Failure("malformed", None, malformed, retryable=False)
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


def _run_cancellable(
    request: Coroutine[Any, Any, _T], cancelled: Callable[[], bool] | None, cancelled_text: str
) -> _T:
    """Run one request on its own litellm event loop from synchronous code, polling
    `cancelled` every _RETRY_WAIT_POLL_S: a cancel abandons the request in flight at once and
    raises LlmError(kind="cancelled") with `cancelled_text`."""

    async def call() -> _T:
        async with direct_chat.session_scope():
            return await cancellable()

    async def cancellable() -> _T:
        task = asyncio.ensure_future(request)
        while cancelled is not None and not task.done():
            if cancelled():
                task.cancel()
                break
            await asyncio.wait({task}, timeout=_RETRY_WAIT_POLL_S)
        try:
            return await task
        except asyncio.CancelledError:
            raise LlmError(cancelled_text, kind="cancelled") from None

    with asyncio.Runner(loop_factory=LitellmEventLoop) as runner:
        return runner.run(call())
