"""The data an evaluation is made of: dataset items, variants, run settings and run samples.

Shared by the parser (`core.datasets`), the runner (`core.runner`), the metrics and the store,
so each of them speaks the same plain models. Costs are USD, latencies milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class DatasetItem(_Frozen):
    """One example: the input, the expected answer and any named fields (metadata columns).

    `fields` values are usable in a prompt template by name (``{topic}``).
    """

    id: str = Field(min_length=1)
    input: str
    expected: str = ""
    fields: dict[str, str] = Field(default_factory=dict)


def content_hash(items: list[DatasetItem]) -> str:
    """SHA-256 of the items in order, independent of how the file was laid out."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(
            json.dumps(item.model_dump(), sort_keys=True, ensure_ascii=False).encode("utf-8")
        )
        digest.update(b"\n")
    return digest.hexdigest()


class PromptError(ValueError):
    """A prompt template that cannot be filled: a bad brace or a field the items lack."""


def template_fields(template: str) -> list[str]:
    """The field names in braces in a template, in order; `{{` and `}}` are literal braces.

    Raises PromptError for unbalanced braces, positional `{}` or attribute/index syntax.
    """
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise PromptError(f"The prompt template has a stray brace: {exc}.") from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier():
            raise PromptError(
                f"The prompt template has {{{name}}} in braces: use names like {{input}} "
                "or a column name; write {{ and }} for literal braces."
            )
        if spec or conversion:
            raise PromptError(f"The field {{{name}}} may not carry a format (':' or '!').")
        names.append(name)
    return names


def render_prompt(template: str, item: DatasetItem) -> str:
    """The template with ``{input}``, ``{id}`` and the item's named fields filled in."""
    values = {**item.fields, "input": item.input, "id": item.id}
    missing = [n for n in template_fields(template) if n not in values]
    if missing:
        raise PromptError(
            f"Item {item.id!r} has no field {missing[0]!r} used in the prompt template."
        )
    return template.format_map(values)


class Variant(_Frozen):
    """What is run on every item: a model, a prompt template and the call parameters.

    `api_base` points at an OpenAI-compatible server (a local one); no API key is ever part of
    a variant, so a variant can be stored and exported safely.
    """

    name: str = Field(min_length=1)
    model: str = Field(min_length=1)
    prompt_template: str = "{input}"
    system_prompt: str = ""
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(256, ge=1, le=1_000_000)
    api_base: str | None = None

    @field_validator("prompt_template")
    @classmethod
    def _template_parses(cls, value: str) -> str:
        template_fields(value)
        return value

    @field_validator("name", "model")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        return value


class RunSettings(_Frozen):
    """How the runner calls the model: concurrency, rate limits, timeouts, retries, spend cap.

    `requests_per_minute` and `tokens_per_minute` of 0 mean no limit; `spend_cap_usd` of 0
    means no cap.
    """

    concurrency: int = Field(8, ge=1, le=1000)
    requests_per_minute: int = Field(0, ge=0)
    tokens_per_minute: int = Field(0, ge=0)
    timeout_s: float = Field(60.0, gt=0, le=3600)
    max_retries: int = Field(4, ge=0, le=20)
    retry_backoff_s: float = Field(0.5, ge=0, le=60)
    max_retry_wait_s: float = Field(60.0, ge=0, le=3600)
    spend_cap_usd: float = Field(0.0, ge=0)
    use_cache: bool = True
    # "auto": straight to an OpenAI-compatible base URL when litellm has nothing
    # model-specific to add (core.llm.LlmClient.needs_litellm); "litellm": always through it.
    transport: Literal["auto", "litellm"] = "auto"


class Sample(_Frozen):
    """One finished item of a run: the output (or the error) and what it cost.

    `cached` is true when the answer came from the response cache: its cost was paid by an
    earlier run, so `cost_usd` is 0 here and `cached_cost_usd` keeps what it had cost.
    """

    item_id: str
    output: str = ""
    error: str | None = None
    latency_ms: float = Field(0.0, ge=0)
    input_tokens: int = Field(0, ge=0)
    output_tokens: int = Field(0, ge=0)
    cost_usd: float = Field(0.0, ge=0)
    cached: bool = False
    cached_cost_usd: float = Field(0.0, ge=0)
    attempts: int = Field(1, ge=0)

    @property
    def ok(self) -> bool:
        return self.error is None


# Must match the CHECK constraint on runs.status (storage.db, migration 4 and 8).
RunStatus = Literal[
    "running", "completed", "partial", "cancelled", "spend_cap", "failed", "imported"
]


class RunProgress(_Frozen):
    """A progress report: items done of total (this run, resumed items included), errors,
    spend so far, cache hits and the estimated seconds left (None until it can be told)."""

    done: int
    total: int
    errors: int
    spend_usd: float
    cached: int = 0
    seconds_left: float | None = None
    last: Sample | None = None


class CachedResponse(_Frozen):
    """A model's answer as kept in the response cache, with what it cost when it was paid."""

    output: str
    input_tokens: int = Field(0, ge=0)
    output_tokens: int = Field(0, ge=0)
    cost_usd: float = Field(0.0, ge=0)
