"""A run through a provider's Batch API: the JSONL request file, batch prices, and the results
read back as samples.

OpenAI's Batch API (and OpenAI-compatible servers that copy it) takes a JSONL file with one
chat request per line, answers within a 24-hour window at about half the real-time price,
and returns an output file (one line per answered request) and an error file (failed
requests, and on expiry the requests it never ran). A line's `custom_id` is the dataset
item's id, which ties each answer back to its item; the file holds no API key (the key is
only in the upload's Authorization header). Pure: the files are bytes in and out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.catalog import ModelInfo
from core.evaluation import DatasetItem, RunStatus, Sample, Variant
from core.runner import CostEstimate, messages_for

#: The share of the real-time price a batch costs when the price map has no batch price:
#: OpenAI, Anthropic, Google and Mistral all bill their batch APIs at 50%.
DEFAULT_BATCH_SHARE = 0.5
COMPLETION_WINDOW = "24h"
ENDPOINT = "/v1/chat/completions"

#: The provider's batch statuses, by what they mean for us.
PENDING_STATUSES = frozenset({"validating", "in_progress", "finalizing", "cancelling"})
FINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})
# A server's error text is shown in a table cell: long ones are cut here.
_MAX_ERROR_CHARS = 400


class BatchError(ValueError):
    """A run that cannot go through a Batch API, said so the user can act on it."""


@dataclass(frozen=True)
class BatchPrices:
    """USD per input and output token for a batch, and where the figures come from."""

    input: float
    output: float
    basis: str

    @property
    def pair(self) -> tuple[float, float]:
        return (self.input, self.output)


def batch_prices(
    model: ModelInfo | None, realtime: tuple[float, float] | None
) -> BatchPrices | None:
    """The catalog's batch prices (litellm's `input_cost_per_token_batches` and
    `output_cost_per_token_batches`) when it has both, else DEFAULT_BATCH_SHARE of the
    real-time prices, each stated as such; None when no real-time price is known either."""
    if model is not None and (
        model.input_cost_per_token_batch is not None
        and model.output_cost_per_token_batch is not None
    ):
        return BatchPrices(
            model.input_cost_per_token_batch,
            model.output_cost_per_token_batch,
            "the catalog's batch price",
        )
    if realtime is None:
        return None
    share = DEFAULT_BATCH_SHARE
    return BatchPrices(
        realtime[0] * share,
        realtime[1] * share,
        f"{share:.0%} of the real-time price (the catalog has no batch price for this model)",
    )


def batch_model(variant: Variant) -> str:
    """The model name written into each request line: the provider's own name, without
    litellm's "openai/" prefix. Raises BatchError for a model of a provider whose Batch API
    is not OpenAI's (no base URL and another litellm provider prefix)."""
    model = variant.model.strip()
    prefix, sep, rest = model.partition("/")
    if sep and prefix == "openai":
        return rest
    if sep and not variant.api_base:
        raise BatchError(
            f"{model} is not an OpenAI model: batch runs go to OpenAI's Batch API or to an "
            "OpenAI-compatible server's (give its base URL)"
        )
    return model


def request_lines(variant: Variant, items: Sequence[DatasetItem]) -> bytes:
    """The batch input file: one JSON line per item, in order, `custom_id` the item's id.

    Each body is the chat request the real-time runner sends (messages from the template,
    temperature, max_tokens). Raises PromptError for an item the template cannot fill (the
    run is refused before this, by the same check) and BatchError for a model no Batch API
    here serves.
    """
    model = batch_model(variant)
    lines = []
    for item in items:
        body = {
            "model": model,
            "messages": messages_for(variant, item),
            "temperature": variant.temperature,
            "max_tokens": variant.max_tokens,
        }
        line = {"custom_id": item.id, "method": "POST", "url": ENDPOINT, "body": body}
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    return "".join(lines).encode("utf-8")


@dataclass(frozen=True)
class BatchEstimate:
    """The same run priced in real time and through the Batch API, side by side (USD)."""

    realtime: CostEstimate
    batch_usd: float | None
    prices: BatchPrices | None

    @property
    def saving_usd(self) -> float | None:
        if self.realtime.usd is None or self.batch_usd is None:
            return None
        return self.realtime.usd - self.batch_usd

    def text(self) -> str:
        """One sentence: real-time cost, batch cost and the batch price's source."""
        if self.realtime.usd is None or self.batch_usd is None or self.prices is None:
            return "Real time and batch: unknown cost (no price is known for this model)."
        return (
            f"Real time about ${self.realtime.usd:.4g}; through the Batch API about "
            f"${self.batch_usd:.4g} ({self.prices.basis}), results within 24 h."
        )


def estimate_batch(realtime: CostEstimate, prices: BatchPrices | None) -> BatchEstimate:
    """The real-time estimate's tokens at batch prices: input x prices.input + output x
    prices.output (USD per token)."""
    usd = None
    if prices is not None:
        usd = realtime.input_tokens * prices.input + realtime.output_tokens * prices.output
    return BatchEstimate(realtime, usd, prices)


@dataclass(frozen=True)
class BatchResults:
    """A finished batch read back: one sample per submitted item, in submission order.

    `answered` and `failed` count samples; `unread` the lines that were not valid results
    (not JSON, no known custom_id), each reason in `problems`.
    """

    samples: list[Sample]
    answered: int
    failed: int
    unread: int
    problems: list[str]


def parse_results(
    output: bytes | None,
    errors: bytes | None,
    item_ids: Sequence[str],
    prices: BatchPrices | None,
    *,
    not_run: str,
    max_reply_bytes: int | None = None,
) -> BatchResults:
    """Samples from a batch's output and error files (either may be absent).

    An output line with status 200 and a chat completion becomes an answer: its text, its
    usage's prompt and completion tokens, and cost = tokens x `prices` (0 without prices).
    A line with an `error` or a status other than 200 becomes an error sample with the
    provider's message. An item no line answers gets the error `not_run` (an expired or
    cancelled batch never ran it). Latency is 0: a batch reports no time per request. A
    reply over `max_reply_bytes` of text is refused as a real-time one would be.
    """
    wanted = set(item_ids)
    found: dict[str, Sample] = {}
    problems: list[str] = []
    unread = 0
    for name, data in (("output", output), ("error", errors)):
        for number, raw in enumerate((data or b"").splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                record = None
            custom_id = record.get("custom_id") if isinstance(record, dict) else None
            if not isinstance(custom_id, str) or custom_id not in wanted:
                unread += 1
                problems.append(f"{name} file line {number}: not a result for an item of this run")
                continue
            assert isinstance(record, dict)
            sample = _sample(custom_id, record, prices, max_reply_bytes)
            # An answer wins over an error line for the same item (a retried request).
            if custom_id not in found or found[custom_id].error is not None:
                found[custom_id] = sample
    samples = [found.get(i) or Sample(item_id=i, error=not_run, attempts=0) for i in item_ids]
    failed = sum(1 for s in samples if s.error is not None)
    return BatchResults(samples, len(samples) - failed, failed, unread, problems)


def _sample(
    item_id: str,
    record: dict[str, Any],
    prices: BatchPrices | None,
    max_reply_bytes: int | None,
) -> Sample:
    error = record.get("error")
    if error not in (None, {}, ""):
        return Sample(item_id=item_id, error=_error_text(error))
    response = record.get("response")
    response = response if isinstance(response, dict) else {}
    status = response.get("status_code")
    body = response.get("body")
    body = body if isinstance(body, dict) else {}
    if status != 200:
        detail = _error_text(body.get("error")) if body.get("error") else "no reply"
        shown = f"HTTP {status}" if isinstance(status, int) else "No status"
        return Sample(item_id=item_id, error=f"The batch request failed ({shown}: {detail})")
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return Sample(item_id=item_id, error=_malformed("it has no choices[0].message"))
    if content is not None and not isinstance(content, str):
        return Sample(item_id=item_id, error=_malformed("the message content is not text"))
    text = content or ""
    if max_reply_bytes is not None and len(text.encode("utf-8", "replace")) > max_reply_bytes:
        return Sample(
            item_id=item_id,
            error=_malformed(f"the reply exceeds the {max_reply_bytes:,} bytes allowed"),
        )
    found = body.get("usage")
    usage: dict[str, Any] = found if isinstance(found, dict) else {}
    tokens = [usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)]
    if not all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in tokens):
        return Sample(item_id=item_id, error=_malformed(f"its token counts are {tokens!r}"))
    input_tokens, output_tokens = tokens
    cost = 0.0
    if prices is not None:
        cost = input_tokens * prices.input + output_tokens * prices.output
    return Sample(
        item_id=item_id,
        output=text,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=cost,
        latency_ms=0.0,
    )


def _error_text(error: object) -> str:
    if isinstance(error, dict):
        message = error.get("message")
        code = error.get("code")
        parts = [str(p) for p in (code, message) if isinstance(p, str | int) and str(p)]
        text = ": ".join(parts) or json.dumps(error)[:_MAX_ERROR_CHARS]
    else:
        text = str(error)
    text = " ".join(text.split())
    if len(text) > _MAX_ERROR_CHARS:
        text = text[: _MAX_ERROR_CHARS - 1] + "…"
    return text


def _malformed(why: str) -> str:
    return f"The batch's reply for this item was malformed: {why}."


def run_status(batch_status: str, answered: int, total: int) -> tuple[RunStatus, str]:
    """The run's status and stop reason once its batch ended, by what was stored: every item
    answered ("completed"), some ("partial"), none ("failed", or "cancelled" when the batch
    was cancelled)."""
    failed = total - answered
    ended = {
        "completed": "The batch completed",
        "expired": "The batch expired before it finished (24 h window)",
        "cancelled": "The batch was cancelled",
        "failed": "The batch failed",
    }.get(batch_status, f"The batch ended ({batch_status})")
    again = (
        " Resume the run to re-run the failed items in real time, or send them as a new batch."
        if failed
        else ""
    )
    summary = f"{ended}: {answered:,} of {total:,} items answered, {failed:,} not.{again}"
    if failed == 0:
        return "completed", summary
    if answered:
        return "partial", summary
    return ("cancelled" if batch_status == "cancelled" else "failed"), summary
