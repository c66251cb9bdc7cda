"""The model catalog: prices, limits and capabilities per model, with the user's measurements.

This module holds the data model every framework reads (`ModelInfo`, `Catalog`). Loading the
public price map and merging the user's own data (custom models, price overrides, quality
scores, latency profiles) produce a `Catalog`; frameworks receive it as a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Source = Literal["entered", "imported", "measured", "example"]


class QualityScore(BaseModel):
    """How good a model is at the user's task, 0..1, and where that number came from."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=0, le=1)
    benchmark: str = ""
    source: Source = "entered"
    date: dt.date = Field(default_factory=dt.date.today)


class LatencyProfile(BaseModel):
    """Time to first token and output speed: latency = ttft + output tokens / speed."""

    model_config = ConfigDict(frozen=True)

    ttft_ms: float = Field(ge=0, le=600_000)
    output_tokens_per_second: float = Field(gt=0, le=1_000_000)
    source: Source = "entered"
    date: dt.date = Field(default_factory=dt.date.today)

    def latency_ms(self, output_tokens: float) -> float:
        return self.ttft_ms + output_tokens / self.output_tokens_per_second * 1000


class ModelInfo(BaseModel):
    """One chat model. Prices are dollars per token; None means the price map has none."""

    model_config = ConfigDict(frozen=True)

    id: str
    provider: str
    input_cost_per_token: float = Field(ge=0)
    output_cost_per_token: float = Field(ge=0)
    input_cost_per_token_batch: float | None = Field(default=None, ge=0)
    output_cost_per_token_batch: float | None = Field(default=None, ge=0)
    cache_read_input_token_cost: float | None = Field(default=None, ge=0)
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    supports_function_calling: bool = False
    supports_vision: bool = False
    deprecation_date: dt.date | None = None
    custom: bool = False
    price_overridden: bool = False
    quality: QualityScore | None = None
    latency: LatencyProfile | None = None

    @property
    def has_batch(self) -> bool:
        return self.input_cost_per_token_batch is not None

    def cost_per_request(self, input_tokens: float, output_tokens: float) -> float:
        return input_tokens * self.input_cost_per_token + output_tokens * self.output_cost_per_token


class Catalog:
    """An immutable set of models, looked up by id; `price_date` says which price map."""

    def __init__(
        self,
        models: Iterable[ModelInfo] = (),
        *,
        source: str = "entered",
        price_date: dt.date | None = None,
    ) -> None:
        self._models: dict[str, ModelInfo] = {m.id: m for m in models}
        self.source = source
        self.price_date = price_date

    def __len__(self) -> int:
        return len(self._models)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._models.values())

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._models

    @property
    def models(self) -> list[ModelInfo]:
        return list(self._models.values())

    def get(self, model_id: str) -> ModelInfo:
        try:
            return self._models[model_id]
        except KeyError:
            raise KeyError(f"unknown model '{model_id}'") from None

    def with_quality(self) -> list[ModelInfo]:
        """Models the user has scored: the default candidates of the frameworks."""
        return [m for m in self._models.values() if m.quality is not None]

    def replace(self, models: Iterable[ModelInfo]) -> Catalog:
        """A new catalog with these models added or replaced (same source and price date)."""
        merged = dict(self._models)
        merged.update({m.id: m for m in models})
        return Catalog(merged.values(), source=self.source, price_date=self.price_date)
