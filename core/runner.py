"""The evaluation runner: a variant over dataset items through an LlmClient, concurrently.

Each item becomes one chat request; the runner holds the concurrency, requests-per-minute and
tokens-per-minute limits, retries through the client, answers from a response cache keyed by
the full request, stops at a spend cap or on cancel, and hands every finished item to the
caller as it lands, or in batches at most 0.1 s old (one transaction a batch for a store), so
little finished is ever lost. It runs its own asyncio event loop, so it is called from a
worker thread and never from the GUI thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from core import direct_chat
from core.compat.litellm import LitellmEventLoop
from core.evaluation import (
    CachedResponse,
    DatasetItem,
    PromptError,
    RunProgress,
    RunSettings,
    Sample,
    Variant,
    render_prompt,
)
from core.llm import LlmClient, LlmError

log = logging.getLogger(__name__)

OutcomeStatus = Literal["running", "completed", "partial", "cancelled", "spend_cap", "failed"]

# A rough rule for English text with GPT-style tokenisers; good enough for a budget and for
# pacing a tokens-per-minute limit, and corrected by the real counts after each call.
CHARS_PER_TOKEN = 4
_PROGRESS_INTERVAL_S = 0.05
# How long a finished sample may wait to be stored in a batch (`on_samples`): one transaction
# per batch instead of one per sample, at the price of these seconds' samples in a crash.
_STORE_INTERVAL_S = 0.1
_CANCEL_POLL_S = 0.05
_SPACING_SHARE = 0.8


class ResponseCache(Protocol):
    """Where answers are kept between runs, keyed by `request_key`."""

    def get(self, key: str) -> CachedResponse | None: ...

    def put(self, key: str, response: CachedResponse) -> None: ...


def messages_for(variant: Variant, item: DatasetItem) -> list[dict[str, Any]]:
    """The chat messages sent for one item. Raises PromptError when the template cannot fill."""
    user = {"role": "user", "content": render_prompt(variant.prompt_template, item)}
    if variant.system_prompt:
        return [{"role": "system", "content": variant.system_prompt}, user]
    return [user]


def request_key(client_or_model_name: LlmClient | str, variant: Variant, item: DatasetItem) -> str:
    """SHA-256 over everything that decides the answer, and never the key.

    That is the model name as litellm is asked for it, the base URL, the messages (system
    prompt included), temperature and max_tokens. Given a client, its base URL and model
    naming are used; given a litellm model name, the variant's base URL.
    """
    if isinstance(client_or_model_name, LlmClient):
        model = client_or_model_name.litellm_model(variant.model)
        api_base = client_or_model_name.api_base
    else:
        model, api_base = client_or_model_name, variant.api_base
    return _key(model, api_base, variant, messages_for(variant, item))


def _key(model: str, api_base: str | None, variant: Variant, messages: list[dict[str, Any]]) -> str:
    request = {
        "model": model,
        "api_base": api_base,
        "messages": messages,
        "temperature": variant.temperature,
        "max_tokens": variant.max_tokens,
    }
    text = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def estimated_input_tokens(messages: list[dict[str, Any]]) -> int:
    """About one token per CHARS_PER_TOKEN characters of the messages' text, at least 1."""
    chars = sum(len(m["content"]) for m in messages)
    return max(1, math.ceil(chars / CHARS_PER_TOKEN))


@dataclass(frozen=True)
class CostEstimate:
    """What a run would send and cost before it starts.

    `usd` is None when the price is unknown (a local server, a model without a price);
    `unrenderable` items would become error samples and send nothing; `basis` says how the
    figures were made, in a sentence to show beside them.
    """

    requests: int
    input_tokens: int
    output_tokens: int
    usd: float | None
    unrenderable: int
    basis: str


def prompt_problem(variant: Variant, items: Sequence[DatasetItem]) -> str | None:
    """Why the template cannot be filled for some items (the first such item, and how many),
    or None when every item renders: a run should be refused before it stores error samples."""
    failures: list[str] = []
    for item in items:
        try:
            messages_for(variant, item)
        except PromptError as exc:
            failures.append(str(exc))
    if not failures:
        return None
    more = (
        f" ({len(failures):,} of {len(items):,} items cannot be filled)"
        if len(failures) > 1
        else ""
    )
    return failures[0] + more


def estimate_cost(
    variant: Variant,
    items: Sequence[DatasetItem],
    prices: tuple[float, float] | None,
    *,
    expected_output_tokens: int | None = None,
) -> CostEstimate:
    """Requests, tokens and USD for running `variant` over `items` once, with no cache hits.

    Input tokens: ceil(characters of system prompt + rendered prompt / 4) per item. Output
    tokens: `expected_output_tokens` per item when given, else the variant's max_tokens (the
    most it can cost). USD: input x prices[0] + output x prices[1], USD per token.
    """
    requests = input_tokens = unrenderable = 0
    for item in items:
        try:
            messages = messages_for(variant, item)
        except PromptError:
            unrenderable += 1
            continue
        requests += 1
        input_tokens += estimated_input_tokens(messages)
    per_item = variant.max_tokens if expected_output_tokens is None else expected_output_tokens
    output_tokens = requests * per_item
    usd = None if prices is None else input_tokens * prices[0] + output_tokens * prices[1]
    output_basis = (
        f"{per_item:,} output tokens per request (the expected figure)"
        if expected_output_tokens is not None
        else f"{per_item:,} output tokens per request (max_tokens, the most it can be)"
    )
    return CostEstimate(
        requests=requests,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        usd=usd,
        unrenderable=unrenderable,
        basis=(
            f"Input tokens estimated at {CHARS_PER_TOKEN} characters per token of the system "
            f"and rendered prompt; {output_basis}; no cache hits."
            + ("" if prices is not None else " No price is known for this model.")
        ),
    )


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended.

    `status`, when every item was run, is what was stored: "completed" when every item has an
    answer, "partial" when some are errors, "failed" when none has an answer (resumed items
    count as answered). `done` counts items finished, resumed ones (skip_ids) included, as
    progress does; `errors` and `cached` count this run's samples; `spend_usd` is what this
    run paid.
    """

    status: OutcomeStatus
    done: int
    total: int
    errors: int
    cached: int
    spend_usd: float
    elapsed_s: float
    stop_reason: str


class _Bucket:
    """A token bucket refilled at `per_minute / 60` a second, holding one second's worth.

    Takes wait in arrival order. A take larger than the bucket waits for a full bucket and
    leaves it in debt, so the average rate still holds.
    """

    def __init__(self, per_minute: float) -> None:
        self._rate = per_minute / 60.0
        self._capacity = max(1.0, self._rate)
        self._level = self._capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._level = min(self._capacity, self._level + (now - self._stamp) * self._rate)
        self._stamp = now

    async def take(self, amount: float) -> None:
        async with self._lock:
            need = min(amount, self._capacity)
            self._refill()
            while self._level < need:
                await asyncio.sleep((need - self._level) / self._rate)
                self._refill()
            self._level -= amount

    def give_back(self, amount: float) -> None:
        """Correct an estimate after the fact (negative: it took more than estimated)."""
        self._refill()
        self._level = min(self._capacity, self._level + amount)


class _Spacing:
    """Spaces request starts by the CPU one request costs this thread, once that is known.

    Without it a fast server keeps a full batch of replies arriving together: the loop spends
    its CPU on the whole batch before any worker sends again, so every round trip is followed
    by a stretch with nothing in flight. Spaced starts keep replies arriving one CPU-slice
    apart, so each is handled while the others wait on the network. The gap never exceeds
    0.8 x latency / concurrency, so it never holds the rate below what the concurrency allows.
    """

    def __init__(self, concurrency: int) -> None:
        self._concurrency = concurrency
        self._cpu_started = time.thread_time()
        self._finished = 0
        self._gap = 0.0
        self._next = 0.0

    def observe(self, latency_s: float) -> None:
        self._finished += 1
        cpu_per_request = (time.thread_time() - self._cpu_started) / self._finished
        self._gap = min(cpu_per_request, _SPACING_SHARE * latency_s / self._concurrency)

    async def wait(self) -> None:
        now = time.monotonic()
        start = max(now, self._next)
        self._next = start + self._gap
        if start > now:
            await asyncio.sleep(start - now)


class _Run:
    """The state of one `EvalRunner.run` call, inside its event loop."""

    def __init__(
        self,
        runner: EvalRunner,
        variant: Variant,
        items: Sequence[DatasetItem],
        on_sample: Callable[[Sample], None] | None,
        on_samples: Callable[[list[Sample]], None] | None,
        cache: ResponseCache | None,
        skip_ids: Collection[str],
        progress: Callable[[RunProgress], None] | None,
        cancelled: Callable[[], bool] | None,
        prices: tuple[float, float] | None,
    ) -> None:
        self.client = runner.client
        self.settings = runner.settings
        self.variant = variant
        self.on_sample = on_sample
        self.on_samples = on_samples
        # Landed and counted, waiting for the next batch to `on_samples`, since `unsaved_since`.
        self.unsaved: list[Sample] = []
        self.unsaved_since = 0.0
        self.cache = cache if self.settings.use_cache else None
        self.progress = progress
        self.cancelled = cancelled
        self.prices = prices
        skip = set(skip_ids)
        self.todo: Iterator[DatasetItem] = iter([i for i in items if i.id not in skip])
        self.total = len(items)
        self.done = self.total - sum(1 for i in items if i.id not in skip)
        self.resumed = self.done
        self.errors = self.cached = self.ok = 0
        self.spend = 0.0
        self.first_error: str | None = None
        self.status: OutcomeStatus = "running"
        self.stop_reason = ""
        self.started = time.perf_counter()
        self.last_report = 0.0
        self.model = self.client.litellm_model(variant.model)
        rpm, tpm = self.settings.requests_per_minute, self.settings.tokens_per_minute
        self.requests_bucket = _Bucket(rpm) if rpm else None
        self.tokens_bucket = _Bucket(tpm) if tpm else None
        self.spacing = _Spacing(max(1, self.settings.concurrency))

    # Scheduling

    async def run(self) -> None:
        workers = [
            asyncio.create_task(self.worker()) for _ in range(max(1, self.settings.concurrency))
        ]
        watcher = asyncio.create_task(self.watch_cancel(workers))
        storing = None if self.on_samples is None else asyncio.create_task(self.keep_storing())
        try:
            ended = await asyncio.gather(*workers, return_exceptions=True)
        finally:
            # Also when the run itself is cancelled (Ctrl-C): what landed is stored.
            watcher.cancel()
            if storing is not None:
                storing.cancel()
            self.store_batch()
        crashed = [e for e in ended if isinstance(e, Exception)]
        if crashed:
            log.error("a run's worker failed unexpectedly", exc_info=crashed[0])
        if crashed and self.status == "running":
            # Never claim the items a dead worker left behind were done.
            self.status = "failed"
            self.stop_reason = self.left_off(
                "Stopped: a worker failed unexpectedly "
                f"({self.client.redact(f'{type(crashed[0]).__name__}: {crashed[0]}')})"
            )
        if self.status == "running":
            self.finish_status()
        self.report(final=True)

    async def watch_cancel(self, workers: list[asyncio.Task[None]]) -> None:
        if self.cancelled is None:
            return
        while not self.cancel_requested():
            await asyncio.sleep(_CANCEL_POLL_S)
        for task in workers:
            task.cancel()

    def cancel_requested(self) -> bool:
        if self.status == "running" and self.cancelled is not None and self.cancelled():
            self.status = "cancelled"
            self.stop_reason = self.left_off("Cancelled")
        return self.status == "cancelled"

    async def worker(self) -> None:
        for item in self.todo:
            if self.status != "running" or self.cancel_requested():
                return
            if self.at_spend_cap():
                self.status = "spend_cap"
                cap = self.settings.spend_cap_usd
                self.stop_reason = self.left_off(
                    f"Stopped at the spend cap: ${self.spend:.4f} spent of the ${cap:.4f} cap"
                )
                return
            try:
                sample = await self.sample(item)
            except Exception as exc:  # a bug or a reply no check foresaw: this item's error only
                log.warning("item %s failed unexpectedly", item.id, exc_info=True)
                detail = self.client.redact(f"{type(exc).__name__}: {exc}")
                sample = Sample(item_id=item.id, error=f"The item failed unexpectedly ({detail}).")
            self.land(sample)
            if sample.attempts == 0:
                # Sent nothing (a cache hit, a prompt that cannot be filled), so it never
                # waited: a long stretch of them would hold the loop and the replies due on it.
                await asyncio.sleep(0)

    def at_spend_cap(self) -> bool:
        cap = self.settings.spend_cap_usd
        return cap > 0 and self.spend >= cap

    def left_off(self, why: str) -> str:
        missing = self.total - self.done
        return f"{why}; {self.done:,} of {self.total:,} items done, {missing:,} not run."

    def finish_status(self) -> None:
        """The status by what was stored: every item answered, some, or none."""
        run_here = self.done - self.resumed
        answered = self.resumed + run_here - self.errors
        if run_here and answered == 0:
            self.status = "failed"
            self.stop_reason = (
                f"Every one of the {run_here:,} requests failed; the first error: "
                f"{self.first_error}"
            )
        elif self.errors:
            self.status = "partial"
            self.stop_reason = (
                f"{answered:,} of {self.total:,} items answered, {self.errors:,} failed (the "
                f"first: {self.first_error}); {self.cached:,} from the cache, "
                f"${self.spend:.4f} spent. Resume the run to retry the failed items."
            )
        else:
            self.status = "completed"
            self.stop_reason = (
                f"All {self.total:,} items answered: {self.cached:,} from the cache, "
                f"${self.spend:.4f} spent."
            )

    # One item

    async def sample(self, item: DatasetItem) -> Sample:
        try:
            messages = messages_for(self.variant, item)
        except PromptError as exc:
            return Sample(item_id=item.id, error=str(exc), attempts=0)
        key = None
        if self.cache is not None:
            key = _key(self.model, self.client.api_base, self.variant, messages)
            hit = self.cache.get(key)
            if hit is not None:
                return Sample(
                    item_id=item.id,
                    output=hit.output,
                    input_tokens=hit.input_tokens,
                    output_tokens=hit.output_tokens,
                    cached=True,
                    cached_cost_usd=hit.cost_usd,
                    attempts=0,
                )
        estimate = 0
        if self.tokens_bucket is not None:
            estimate = estimated_input_tokens(messages) + self.variant.max_tokens
            await self.tokens_bucket.take(estimate)
        await self.spacing.wait()
        try:
            completion = await self.client.acomplete(
                self.variant.model,
                messages,
                temperature=self.variant.temperature,
                max_tokens=self.variant.max_tokens,
                timeout_s=self.settings.timeout_s,
                max_retries=self.settings.max_retries,
                retry_backoff_s=self.settings.retry_backoff_s,
                max_retry_wait_s=self.settings.max_retry_wait_s,
                before_attempt=self.pace if self.requests_bucket is not None else None,
            )
        except LlmError as exc:
            return Sample(item_id=item.id, error=str(exc), attempts=exc.attempts)
        except Exception as exc:  # a bug below us must not end the run or lose the others
            log.warning("the model call for item %s failed unexpectedly", item.id, exc_info=True)
            detail = self.client.redact(f"{type(exc).__name__}: {exc}")
            return Sample(item_id=item.id, error=f"The model call failed unexpectedly ({detail}).")
        self.spacing.observe(completion.latency_ms / (1000.0 * completion.attempts))
        if self.tokens_bucket is not None:
            self.tokens_bucket.give_back(
                estimate - completion.input_tokens - completion.output_tokens
            )
        cost = completion.cost_usd
        if self.prices is not None:
            cost = completion.input_tokens * self.prices[0]
            cost += completion.output_tokens * self.prices[1]
        if key is not None and self.cache is not None:
            self.cache.put(
                key,
                CachedResponse(
                    output=completion.content,
                    input_tokens=completion.input_tokens,
                    output_tokens=completion.output_tokens,
                    cost_usd=cost,
                ),
            )
        return Sample(
            item_id=item.id,
            output=completion.content,
            latency_ms=completion.latency_ms,
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
            cost_usd=cost,
            attempts=completion.attempts,
        )

    async def pace(self) -> None:
        assert self.requests_bucket is not None
        await self.requests_bucket.take(1)

    def land(self, sample: Sample) -> None:
        if self.on_sample is not None:
            try:
                self.on_sample(sample)
            except Exception as exc:  # storage failed: running on would lose what it finishes
                self.storage_failed(exc)
                return
        else:
            if not self.unsaved:
                self.unsaved_since = time.perf_counter()
            self.unsaved.append(sample)
        self.done += 1
        self.spend += sample.cost_usd
        if sample.cached:
            self.cached += 1
        if sample.error is not None:
            self.errors += 1
            if self.first_error is None:
                self.first_error = sample.error
        self.report(last=sample)
        # The periodic batch waits for a loop that is free; this one does not.
        if self.unsaved and time.perf_counter() - self.unsaved_since >= _STORE_INTERVAL_S:
            self.store_batch()

    async def keep_storing(self) -> None:
        while True:
            await asyncio.sleep(_STORE_INTERVAL_S)
            self.store_batch()

    def store_batch(self) -> None:
        if not self.unsaved or self.on_samples is None:
            return
        batch, self.unsaved = self.unsaved, []
        try:
            self.on_samples(batch)
        except Exception as exc:
            # Counted when they landed but not stored, so not done: a resume runs them again.
            # Their cost stays in the spend: it was paid.
            self.done -= len(batch)
            self.errors -= sum(1 for s in batch if s.error is not None)
            self.cached -= sum(1 for s in batch if s.cached)
            self.storage_failed(exc)

    def storage_failed(self, exc: Exception) -> None:
        log.error("a finished item could not be stored", exc_info=True)
        if self.status == "running":
            self.status = "failed"
            self.stop_reason = self.left_off(
                f"Stopped: a finished item could not be stored ({exc})"
            )

    def report(self, *, final: bool = False, last: Sample | None = None) -> None:
        if self.progress is None:
            return
        now = time.perf_counter()
        if not final and now - self.last_report < _PROGRESS_INTERVAL_S:
            return
        self.last_report = now
        finished_here = self.done - self.resumed
        left = self.total - self.done
        seconds_left = None
        if finished_here and not final:
            seconds_left = left * (now - self.started) / finished_here
        elif final:
            seconds_left = 0.0 if left == 0 else None
        report = RunProgress(
            done=self.done,
            total=self.total,
            errors=self.errors,
            spend_usd=self.spend,
            cached=self.cached,
            seconds_left=seconds_left,
            last=last,
        )
        try:
            self.progress(report)
        except Exception:  # a broken display must not stop a run whose samples are stored
            log.warning("the run's progress display failed", exc_info=True)
            return


async def _in_session_scope(work: Awaitable[None]) -> None:
    # The run's direct calls share one HTTP session (kept-alive connections), closed with it.
    async with direct_chat.session_scope():
        await work


class EvalRunner:
    """Runs a variant over dataset items through `client` with the limits in `settings`."""

    def __init__(self, client: LlmClient, settings: RunSettings) -> None:
        self.client = client
        self.settings = settings

    def run(
        self,
        variant: Variant,
        items: Sequence[DatasetItem],
        *,
        on_sample: Callable[[Sample], None] | None = None,
        on_samples: Callable[[list[Sample]], None] | None = None,
        cache: ResponseCache | None = None,
        skip_ids: Collection[str] = (),
        progress: Callable[[RunProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        prices: tuple[float, float] | None = None,
    ) -> RunOutcome:
        """Run every item not in `skip_ids`; blocks until the run ends. Call it off the GUI.

        Each finished item goes to `on_sample` as it lands, failures as samples with `error`
        set; nothing but a failing `on_sample` stops the run early, besides a cancel or the
        spend cap. Given `on_samples` instead, the finished items go in batches, each within
        `_STORE_INTERVAL_S` (0.1 s) of landing and the rest before the run returns; a batch that
        fails stops the run the same way and its items do not count as done. Progress and the
        spend cap count an item as it lands either way. `prices` (USD per input and output
        token) override the client's cost.
        """
        if (on_sample is None) == (on_samples is None):
            raise TypeError("give one of on_sample and on_samples")
        run = _Run(
            self,
            variant,
            items,
            on_sample,
            on_samples,
            cache,
            skip_ids,
            progress,
            cancelled,
            prices,
        )
        with asyncio.Runner(loop_factory=LitellmEventLoop) as loop:
            loop.run(_in_session_scope(run.run()))
        return RunOutcome(
            status=run.status,
            done=run.done,
            total=run.total,
            errors=run.errors,
            cached=run.cached,
            spend_usd=run.spend,
            elapsed_s=time.perf_counter() - run.started,
            stop_reason=run.stop_reason,
        )
