"""litellm's internals the client relies on, behind a check of the installed litellm version.

Five private uses, each with a public path it falls back to outside WRITTEN_FOR:
- a response hook on the httpx clients litellm builds for OpenAI-compatible servers
  (`BaseOpenAILLM._get_async_http_client`), so an oversized reply is cut while it is read;
  without it the parsed reply is still refused (core.llm checks it), only after it was read;
- the price litellm stamps on each reply (`response._hidden_params["response_cost"]`); without
  it the reply is priced again through the public `litellm.completion_cost`;
- running litellm's own request preparation in place when it hands it to the event loop's
  executor (`LitellmEventLoop`); without it the work goes to the executor's threads as usual;
- marking each call as one litellm need not log (`litellm._internal_context.internal_sub_call`,
  the mark litellm puts on its own nested calls): no success or failure logging task per call,
  since we register no callbacks and nothing reads what it builds; without it litellm logs;
- skipping litellm's pricing of a reply the caller prices itself (`Logging.
  response_cost_calculator`, see `lean_call`); without it litellm prices and we ignore it.
Also here: the one-off garbage-collector freeze after the import, a process-wide setting made
for litellm's import alone. core.llm imports litellm; this module only reaches into it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar, TypeVarTuple

from core.compat import installed_version, within

# The range these internals were read and tested in: 1.110.2 when this was written. litellm
# moves private code within minor releases, so the range ends a few minors on rather than at
# the next major; a newer litellm works through the public paths, with a warning in the log,
# until someone checks the three uses above against it and widens the range.
WRITTEN_FOR = ((1, 110), (1, 120))
_FALLBACK = (
    "oversized replies are refused after reading instead of while reading, replies are "
    "priced again, request preparation runs in the executor's threads, and litellm logs and "
    "prices every call"
)

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")

# Whether the private paths are used; decided by `prepare` once litellm is imported.
_private = False


def uses_private_paths(version: str | None = None) -> bool:
    """Whether the installed litellm (or `version`) is one these internals were written for;
    warns once when it is not."""
    if version is None:
        version = installed_version("litellm")
    return within("litellm", version, WRITTEN_FOR, _FALLBACK)


def prepare(version: str | None = None) -> None:
    """Set up what the client needs right after `import litellm`; `version` stands in for the
    installed one (tests)."""
    global _private, _prepared
    # The import leaves about 370,000 objects (modules, classes, the price map) that live as
    # long as the process, and every full garbage collection walks them all, a pause that
    # stalls every request in flight and the GUI with them (bench/runner.py records how long).
    # One collection now, beside an import of seconds, clears what is already garbage; freezing
    # the survivors keeps them out of every later collection. Objects made after this point are
    # collected as usual.
    # The collection runs only on the main thread: in the window litellm is imported by a
    # worker, and a collection there would free Qt objects off the GUI thread (ui/garbage.py);
    # freezing alone is safe anywhere (it moves objects, frees none).
    if threading.current_thread() is threading.main_thread():
        gc.collect()
    gc.freeze()
    _private = uses_private_paths(version)
    _prepared = True
    if _private:
        _install_reply_limit()
        _install_caller_pricing()


_prepared = False


def direct_path_allowed() -> bool:
    """Whether the direct path (core/direct_chat.py) may stand in for litellm: its reading of
    replies and errors was checked against the litellm versions in WRITTEN_FOR alone. Known
    without importing litellm: from `prepare` once it ran, else the installed version."""
    if _prepared:
        return _private
    return _installed_within()


@functools.cache
def _installed_within() -> bool:
    return uses_private_paths()


def reply_cost(litellm: ModuleType, response: Any) -> float:
    """litellm's price for the reply in USD (may raise for a model it has no price for).

    litellm prices every reply itself and stamps the figure on it (None when it has no price);
    reading that instead of pricing again saves CPU on every call, more for an unpriced model,
    whose failed look-up walks litellm's whole price map (bench/runner.py records how much).
    """
    if _private:
        hidden = getattr(response, "_hidden_params", None) or {}
        if isinstance(hidden, dict) and "response_cost" in hidden:
            return float(hidden["response_cost"] or 0.0)
    return float(litellm.completion_cost(completion_response=response))


# Set by `lean_call` around a call the caller prices itself; litellm's pricing hook reads it in
# the request's task.
_priced_by_caller: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "aidf_priced_by_caller", default=False
)


@contextlib.contextmanager
def lean_call(*, priced_by_caller: bool) -> Iterator[None]:
    """Around one `litellm.acompletion`: skip litellm's per-call work whose result nobody reads.

    litellm builds a logging payload for every call (in a task of its own, after the reply)
    for callbacks we never register, and prices every reply, walking its price map, even when
    the caller prices it from the catalog (`priced_by_caller`); together about a quarter of
    the CPU a call costs (bench/runner.py records how much). Outputs, token counts, errors and
    the caller's costs are the same (tests/core/test_lean_calls.py). While anything (a tracing
    library) has registered a litellm callback, litellm logs and prices as usual. Outside
    WRITTEN_FOR this does nothing.
    """
    if not _private:
        yield
        return
    import litellm
    from litellm._internal_context import internal_sub_call

    heard = listened(litellm)
    # A listener may read litellm's price too, so it prices as usual then.
    token = _priced_by_caller.set(priced_by_caller and not heard)
    try:
        with contextlib.nullcontext() if heard else internal_sub_call():
            yield
    finally:
        _priced_by_caller.reset(token)


def listened(litellm: ModuleType) -> bool:
    """Whether anything (a tracing library) has registered a litellm callback."""
    return any(getattr(litellm, name, None) for name in _CALLBACK_LISTS)


def read_reply(litellm: ModuleType, body: Any) -> Any:
    """A chat completion's parsed JSON read as litellm reads an OpenAI-compatible reply: the
    SDK's lenient construction, litellm's conversion to its ModelResponse, and any failure
    raised as the litellm exception `acompletion` would raise (the direct path hands odd
    replies here, so they keep litellm's reading). Needs the private paths."""
    from litellm.litellm_core_utils.llm_response_utils.convert_dict_to_response import (
        convert_to_model_response_object,
    )
    from litellm.llms.openai.common_utils import OpenAIError, model_dump_provider_response
    from openai._models import construct_type
    from openai.types.chat import ChatCompletion

    try:
        parsed = construct_type(type_=ChatCompletion, value=body)
        if not hasattr(parsed, "model_dump"):
            raise OpenAIError(
                status_code=500,
                message=f"Empty or invalid response from LLM endpoint. Received: {parsed!r}. "
                "Check the reverse proxy or model server configuration.",
            )
        return convert_to_model_response_object(
            response_object=model_dump_provider_response(parsed),
            model_response_object=litellm.ModelResponse(),
            hidden_params={"headers": {}},
            _response_headers={},
        )
    except Exception as exc:  # mapped as litellm.acompletion maps it
        wrapped = (
            exc
            if isinstance(exc, OpenAIError)
            else OpenAIError(
                status_code=getattr(exc, "status_code", 500),
                message=getattr(exc, "message", str(exc)),
            )
        )
        raise litellm.exception_type(
            model="openai/reply", original_exception=wrapped, custom_llm_provider="openai"
        ) from None


# Where litellm keeps the callbacks a library or user registers; any entry means someone
# reads its logging.
_CALLBACK_LISTS = (
    "callbacks",
    "success_callback",
    "failure_callback",
    "input_callback",
    "service_callback",
    "_async_success_callback",
    "_async_failure_callback",
    "_async_input_callback",
)


def _install_caller_pricing() -> None:
    """Make litellm's per-reply pricing answer "no price" (None, as for a stream) inside a
    `lean_call` whose caller prices the reply itself."""
    try:
        from litellm.litellm_core_utils.litellm_logging import Logging
    except ImportError:
        return
    price = getattr(Logging, "response_cost_calculator", None)
    if price is None or getattr(price, "_aidf_caller_priced", False):
        return

    @functools.wraps(price)
    def response_cost_calculator(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _priced_by_caller.get():
            return None
        return price(self, *args, **kwargs)

    response_cost_calculator._aidf_caller_priced = True  # type: ignore[attr-defined]
    Logging.response_cost_calculator = response_cost_calculator


@dataclass
class ReplyLimit:
    """The most bytes of HTTP body one call reads, and how many there were when it tripped."""

    body_cap: int
    seen: int | None = None
    declared: bool = False


# Set by the client around each attempt; the HTTP client's hook reads it in the request's task.
reply_limit: contextvars.ContextVar[ReplyLimit | None] = contextvars.ContextVar(
    "aidf_reply_limit", default=None
)


class ReplyTooLarge(Exception):
    """Raised inside the HTTP client to stop reading a body past its cap."""


def _install_reply_limit() -> None:
    """Make litellm's OpenAI-compatible HTTP clients stop reading a reply at its cap.

    litellm builds those httpx clients itself; a response hook added to each one refuses a
    body whose Content-Length is over the cap before reading it, and wraps the body stream so
    an undeclared one is cut at the cap. Without the hook (a litellm that builds its clients
    elsewhere) the parsed reply is still refused, only after it was read.
    """
    try:
        import httpx
        from litellm.llms.openai.common_utils import BaseOpenAILLM
    except ImportError:
        return
    build = getattr(BaseOpenAILLM, "_get_async_http_client", None)
    if build is None or getattr(build, "_aidf_capped", False):
        return

    class CappedStream(httpx.AsyncByteStream):
        def __init__(self, inner: Any, limit: ReplyLimit) -> None:
            self._inner = inner
            self._limit = limit

        async def __aiter__(self) -> Any:
            read = 0
            async for chunk in self._inner:
                read += len(chunk)
                if read > self._limit.body_cap:
                    self._limit.seen = read
                    raise ReplyTooLarge()
                yield chunk

        async def aclose(self) -> None:
            await self._inner.aclose()

    async def refuse_oversized(response: httpx.Response) -> None:
        limit = reply_limit.get()
        if limit is None:
            return
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit.body_cap:
            limit.seen, limit.declared = int(declared), True
            await response.aclose()
            raise ReplyTooLarge()
        response.stream = CappedStream(response.stream, limit)

    def capped(*args: Any, **kwargs: Any) -> Any:
        client = build(*args, **kwargs)
        hooks = getattr(client, "event_hooks", None)
        if isinstance(hooks, dict) and refuse_oversized not in hooks.get("response", []):
            hooks.setdefault("response", []).append(refuse_oversized)
            client.event_hooks = hooks
        return client

    # A mark on the function, so a second install finds it in place (functions take attributes).
    capped._aidf_capped = True  # type: ignore[attr-defined]
    BaseOpenAILLM._get_async_http_client = staticmethod(capped)


# The loop kind asyncio.run makes on this platform, so a LitellmEventLoop differs from it in
# run_in_executor alone.
if sys.platform == "win32":
    _PlatformLoop = asyncio.ProactorEventLoop
else:
    _PlatformLoop = asyncio.SelectorEventLoop


class LitellmEventLoop(_PlatformLoop):
    """An event loop for making many `LlmClient.acomplete` calls at once.

    litellm.acompletion hands its synchronous request preparation (CPU only, no I/O for an
    OpenAI-compatible server) to the loop's default executor and awaits it. On a thread that
    work competes with the loop for the GIL, and the result comes back through one more pass of
    the loop, which adds to every call's wait at high concurrency (bench/runner.py records
    how much). This loop runs litellm's own functions in place instead and hands back a finished
    future; anything else (aiohttp's DNS look-ups, the OpenAI SDK's platform probe) still goes
    to the executor's threads, so nothing else blocking lands on the loop. The price: a
    provider whose preparation blocks (a cloud credential refresh) holds the loop while it
    does. Outside WRITTEN_FOR it is the platform's plain loop.
    """

    def run_in_executor(
        self, executor: Executor | None, func: Callable[[*_Ts], _T], *args: *_Ts
    ) -> asyncio.Future[_T]:
        if executor is not None or not _private or not _is_litellm_function(func):
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
