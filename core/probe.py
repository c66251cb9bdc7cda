"""Latency measured, not guessed: a model's time to first token and output speed, from a few
streamed requests of a known size.

The probe sends one short warm-up request (not measured: it pays for litellm's first-call set-up
and the connection, which no later request pays), then `requests` streamed requests one after
another on the same connection, each asking the model to count for exactly `output_tokens`
tokens (max_tokens stops it there) after a prompt of about `input_tokens` tokens. Per request:

- time to first token (TTFT) = from sending the request to the first chunk carrying text;
- output speed = the output tokens after the first text chunk / the time from the first text
  chunk to the last (tokens per second of generation, TTFT excluded). A chunk may carry several
  tokens: the tokens after the first chunk are the output tokens x (chunks - 1) / chunks.

Across requests: p50 and p95 of TTFT (the slow tail is the high one), and p50 and the slow-tail
speed, the speed 95% of requests reached (the 5th percentile of speed), so both "p95"s describe
the slow 5%. The p50s become the catalog's latency profile, which the frameworks use.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.catalog import LatencyProfile, ModelInfo
from core.compat.litellm import LitellmEventLoop
from core.llm import LlmClient, LlmError, StreamedCompletion
from core.stats import percentile

_CANCEL_POLL_S = 0.05
#: The warm-up asks for one token after a prompt of about this many.
WARMUP_INPUT_TOKENS = 12
WARMUP_OUTPUT_TOKENS = 1
# The instruction and the chat framing take about this many of the prompt's input tokens.
_INSTRUCTION_TOKENS = 40
# Common English words that are one token each, with their leading space, in the GPT, Llama
# and Claude tokenisers: the filler that brings the prompt to its size.
_FILLER = (" the", " quick", " brown", " fox", " jumps", " over", " a", " lazy", " dog", " again")
_INSTRUCTION = (
    "Count upward from 1, the numbers separated by spaces, and keep counting until you are "
    "stopped. Write nothing else. Ignore the filler text after this line."
)


class ProbeSettings(BaseModel):
    """How many requests of which size, and each one's deadline."""

    model_config = ConfigDict(frozen=True)

    requests: int = Field(default=5, ge=1, le=100, description="streamed requests measured")
    input_tokens: int = Field(
        default=1000, ge=1, le=200_000, description="prompt size, tokens (approximate)"
    )
    output_tokens: int = Field(
        default=200, ge=2, le=32_000, description="tokens each reply streams (max_tokens)"
    )
    deadline_s: float = Field(
        default=60, gt=0, le=3600, description="seconds a whole request may take"
    )


def probe_messages(input_tokens: int) -> list[dict[str, Any]]:
    """The counting prompt, padded with one-token filler words to about `input_tokens`."""
    words = max(0, input_tokens - _INSTRUCTION_TOKENS)
    filler = "".join(_FILLER[i % len(_FILLER)] for i in range(words))
    text = _INSTRUCTION + ("\n" + filler.strip() if filler else "")
    return [{"role": "user", "content": text}]


def estimate_cost(model: ModelInfo | None, settings: ProbeSettings) -> float | None:
    """USD the probe costs at the catalog's prices (the warm-up included): every request at
    its full size. None when the catalog has no usable price for the model."""
    if model is None or model.usable_prices is None:
        return None
    measured = settings.requests * model.cost_per_request(
        settings.input_tokens, settings.output_tokens
    )
    return measured + model.cost_per_request(WARMUP_INPUT_TOKENS, WARMUP_OUTPUT_TOKENS)


@dataclass(frozen=True)
class ProbeSample:
    """One measured request: its TTFT (ms) and output speed (tokens/s), or why it failed."""

    number: int
    ttft_ms: float | None = None
    output_tokens_per_second: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    total_ms: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.ttft_ms is not None

    def line(self) -> str:
        """The request in one line, units stated."""
        if self.error is not None:
            return f"request {self.number}: failed: {self.error}"
        speed = (
            f"{self.output_tokens_per_second:,.1f} tokens/s"
            if self.output_tokens_per_second is not None
            else "speed not measurable (one text chunk)"
        )
        return (
            f"request {self.number}: first token {self.ttft_ms:,.0f} ms, {speed}, "
            f"{self.output_tokens:,} output tokens in {self.total_ms:,.0f} ms"
        )


@dataclass(frozen=True)
class ProbeProgress:
    """Reported after each request: how many of how many are done, and the last one."""

    done: int
    total: int
    sample: ProbeSample


@dataclass
class ProbeResult:
    """The measured requests and their percentiles; `stopped` says why the probe ended early
    (a cancel or an error), None when every request was made."""

    model_id: str
    settings: ProbeSettings
    samples: list[ProbeSample] = field(default_factory=list)
    stopped: str | None = None
    cancelled: bool = False
    date: dt.date = field(default_factory=dt.date.today)

    @property
    def measured(self) -> list[ProbeSample]:
        return [s for s in self.samples if s.ok]

    @property
    def failures(self) -> list[ProbeSample]:
        return [s for s in self.samples if not s.ok]

    def ttft_ms(self, q: float) -> float | None:
        """The q-th percentile of TTFT over the measured requests (ms)."""
        values = [s.ttft_ms for s in self.measured if s.ttft_ms is not None]
        return percentile(values, q) if values else None

    def speed(self, q: float) -> float | None:
        """The q-th percentile of output speed (tokens/s); the slow tail is q = 5."""
        values = [
            s.output_tokens_per_second
            for s in self.measured
            if s.output_tokens_per_second is not None
        ]
        return percentile(values, q) if values else None

    def profile(self) -> LatencyProfile | None:
        """The latency profile to store (source "measured"), or None when no request measured
        both a first token and a speed."""
        ttft, speed = self.ttft_ms(50), self.speed(50)
        if ttft is None or speed is None:
            return None
        inputs = [s.input_tokens for s in self.measured if s.input_tokens > 0]
        return LatencyProfile(
            ttft_ms=min(ttft, 600_000),
            output_tokens_per_second=min(speed, 1_000_000),
            ttft_p95_ms=min(self.ttft_ms(95) or ttft, 600_000),
            output_tokens_per_second_p95=min(self.speed(5) or speed, 1_000_000),
            input_tokens=round(statistics.median(inputs)) if inputs else self.settings.input_tokens,
            output_tokens=self.settings.output_tokens,
            requests=len(self.measured),
            source="measured",
            date=self.date,
        )

    def summary_lines(self) -> list[str]:
        """What was measured, in words with units (the CLI prints it, the tab shows it)."""
        lines: list[str] = []
        ttft50, ttft95 = self.ttft_ms(50), self.ttft_ms(95)
        speed50, speed_tail = self.speed(50), self.speed(5)
        n = len(self.measured)
        if ttft50 is not None and ttft95 is not None:
            lines.append(
                f"time to first token: p50 {ttft50:,.0f} ms, p95 {ttft95:,.0f} ms "
                f"({n} request{'s' if n != 1 else ''})"
            )
        if speed50 is not None and speed_tail is not None:
            lines.append(
                f"output speed: p50 {speed50:,.1f} tokens/s, p95 {speed_tail:,.1f} tokens/s "
                "(95% of requests were at least this fast)"
            )
        failed = len(self.failures)
        if failed:
            lines.append(f"{failed} request{'s' if failed != 1 else ''} failed")
        if self.stopped:
            lines.append(self.stopped)
        return lines


def sample_from(number: int, reply: StreamedCompletion) -> ProbeSample:
    """A request's figures from its streamed reply (see the module's definitions)."""
    times = reply.chunk_times_s
    if not times:
        return ProbeSample(number, error="the reply carried no text", total_ms=reply.total_s * 1e3)
    speed = None
    chunks = len(times)
    span_s = times[-1] - times[0]
    if chunks >= 2 and span_s > 0:
        after_first = reply.output_tokens * (chunks - 1) / chunks
        speed = after_first / span_s
    return ProbeSample(
        number,
        ttft_ms=times[0] * 1000,
        output_tokens_per_second=speed,
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
        total_ms=reply.total_s * 1000,
    )


def run_probe(
    client: LlmClient,
    model_id: str,
    settings: ProbeSettings,
    *,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[ProbeProgress], None] | None = None,
) -> ProbeResult:
    """Measure `model_id` through `client` (see the module docstring), one request at a time.

    A request that misses its deadline (a stalled stream) is reported as failed and the next
    one is made; any other failure (a refused key, an unknown model, a server error) ends the
    probe, as would every following request. A cancel, checked between chunks and every 50 ms,
    ends it at once; what was measured before stays in the result. Runs its own event loop:
    call it from a worker thread, never the GUI thread.
    """
    result = ProbeResult(model_id, settings)

    async def probe() -> None:
        try:
            await client.astream(
                model_id,
                probe_messages(WARMUP_INPUT_TOKENS),
                max_tokens=WARMUP_OUTPUT_TOKENS,
                deadline_s=settings.deadline_s,
                cancelled=cancelled,
            )
        except LlmError as exc:
            if exc.kind != "timeout":
                raise
        messages = probe_messages(settings.input_tokens)
        for number in range(1, settings.requests + 1):
            try:
                reply = await client.astream(
                    model_id,
                    messages,
                    max_tokens=settings.output_tokens,
                    deadline_s=settings.deadline_s,
                    cancelled=cancelled,
                )
            except LlmError as exc:
                if exc.kind != "timeout":
                    raise
                sample = ProbeSample(number, error=str(exc), total_ms=settings.deadline_s * 1e3)
            else:
                sample = sample_from(number, reply)
            result.samples.append(sample)
            if progress is not None:
                progress(ProbeProgress(number, settings.requests, sample))

    async def main() -> None:
        task = asyncio.ensure_future(probe())
        while cancelled is not None and not task.done():
            if cancelled():
                task.cancel()
                break
            await asyncio.wait({task}, timeout=_CANCEL_POLL_S)
        await task

    try:
        with asyncio.Runner(loop_factory=LitellmEventLoop) as runner:
            runner.run(main())
    except asyncio.CancelledError:
        result.cancelled = True
    except LlmError as exc:
        result.cancelled = exc.kind == "cancelled"
        if not result.cancelled:
            result.stopped = f"The probe stopped: {exc}"
    if result.cancelled:
        done = len(result.samples)
        result.stopped = f"Cancelled after {done} of {settings.requests} requests."
    return result


def probe_details(profile: LatencyProfile) -> str | None:
    """A measured profile's slow tail and what it was measured with, in words with units
    (the Models tab's tooltip); None for a profile no probe made."""
    if profile.ttft_p95_ms is None or profile.output_tokens_per_second_p95 is None:
        return None
    text = (
        f"p95: first token {profile.ttft_p95_ms:,.0f} ms, "
        f"{profile.output_tokens_per_second_p95:,.1f} tokens/s (the slow 5%)"
    )
    if profile.requests and profile.output_tokens:
        text += (
            f"\nMeasured with {profile.requests} streamed request"
            f"{'s' if profile.requests != 1 else ''} of about {profile.input_tokens or 0:,} "
            f"input and {profile.output_tokens:,} output tokens"
        )
    return text
