"""Architecture Patterns: one model for all, a model per task type, or cheap-first escalation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from core import analysis
from core.frameworks.common import (
    Figure,
    FrameworkInputs,
    FrameworkResult,
    TableRecord,
    count,
    duration,
    format_number,
    money,
    param,
    probability,
    usd,
)

if TYPE_CHECKING:
    from core.catalog import Catalog, ModelInfo

ID = "architecture_patterns"
TITLE = "Architecture Patterns"
GUIDE = (
    "Use this to choose how requests reach models. Monolithic sends every request to one model: "
    "one thing to operate. Modular puts a classifier in front and routes each task type to its "
    "own model (the source's pipeline: summarisation and translation to gpt-4o-mini, coding and "
    "reasoning to gpt-4o); a request the classifier gets wrong is answered by the fallback model, "
    "so it pays the classifier and the fallback. Hierarchical lets a cheap model answer first and "
    "escalates a share of requests to a strong model, which then pays for both models and waits "
    "for both. For each pattern you get the cost per request and per month, the mean latency, "
    "the share of requests answered by a model whose quality meets the task's required quality, "
    "and what there is to operate; every model beyond the first costs the entered operations "
    "budget a month. The recommendation is the cheapest pattern, operations included, whose "
    "quality share meets your target (and latency limit, if set); ties go to fewer models. "
    "Prices, quality and latency come from the catalog where it has them, else from the model "
    "profiles you enter (the defaults are illustrative: replace them with your own)."
)

Pattern = Literal["monolithic", "modular", "hierarchical"]
PATTERNS: tuple[Pattern, Pattern, Pattern] = ("monolithic", "modular", "hierarchical")
PATTERN_LABELS: dict[str, str] = {
    "monolithic": "Monolithic",
    "modular": "Modular",
    "hierarchical": "Hierarchical",
}
DataSource = Literal["catalog", "entered"]

DAYS_PER_MONTH = 30.4
PER_MILLION = 1_000_000
#: Monthly costs within this relative distance of the cheapest tie; fewer models then win.
TIE = 1e-9
MAX_TASK_TYPES = 50
MAX_PROFILES = 100
#: The slowest output speed a model may have, entered or from the catalog.
MIN_TOKENS_PER_SECOND = 0.01

TASKS = "Task mix"
PROFILES = "Model profiles"
TRAFFIC = "Traffic"
MONO = "Monolithic"
MODULAR = "Modular"
HIER = "Hierarchical"
OPS = "Operations"
DECISION = "Decision"


class TaskType(TableRecord):
    """One kind of request in the traffic: how much of it, how big, how good it must be."""

    name: str = Field(
        min_length=1,
        max_length=80,
        title="Task type",
        description="A name for the kind of request (unique in the table).",
    )
    share_pct: float = Field(
        ge=0,
        le=100,
        title="Share of traffic (%)",
        description="Percent of requests of this type. The column is divided by its sum, so "
        "shares that do not add up to 100 keep their proportions.",
    )
    input_tokens: int = Field(
        ge=0,
        le=10_000_000,
        title="Input tokens",
        description="Prompt tokens of a typical request of this type.",
    )
    output_tokens: int = Field(
        ge=0,
        le=10_000_000,
        title="Output tokens",
        description="Answer tokens of a typical request of this type (they also set latency).",
    )
    required_quality: float = Field(
        ge=0,
        le=1,
        title="Required quality (0-1)",
        description="The lowest model quality (same 0-1 scale as the model profiles) that "
        "serves this type well enough; a request answered by a weaker model counts as below "
        "its required quality.",
    )
    model: str = Field(
        min_length=1,
        max_length=200,
        title="Modular: model",
        description="The model that serves this type in the modular pattern: an id listed in "
        "the model profiles (and, for current prices, in the catalog).",
    )
    escalation_pct: float = Field(
        ge=0,
        le=100,
        title="Hierarchical: escalated (%)",
        description="Percent of this type's requests the cheap model hands on to the strong "
        "one, when escalation is set per task type.",
    )


class ModelProfile(TableRecord):
    """What you entered for a model: used where the catalog has no price, score or profile."""

    model: str = Field(
        min_length=1,
        max_length=200,
        title="Model",
        description="The model id, as in the catalog (unique in the table).",
    )
    input_usd_per_million_tokens: float = Field(
        ge=0,
        le=1_000_000,
        title="Input $ per million tokens",
        description="Price of a million input tokens, in dollars (the catalog's price replaces "
        "it when the catalog has the model).",
    )
    output_usd_per_million_tokens: float = Field(
        ge=0,
        le=1_000_000,
        title="Output $ per million tokens",
        description="Price of a million output tokens, in dollars (the catalog's price replaces "
        "it when the catalog has the model).",
    )
    quality: float = Field(
        ge=0,
        le=1,
        title="Quality (0-1)",
        description="How good the model is at your tasks, 0 to 1 (the catalog's quality score "
        "replaces it when there is one).",
    )
    ttft_ms: float = Field(
        ge=0,
        le=600_000,
        title="Time to first token (ms)",
        description="Milliseconds before the first output token (the catalog's latency "
        "profile replaces it when there is one).",
    )
    output_tokens_per_second: float = Field(
        ge=MIN_TOKENS_PER_SECOND,
        le=1_000_000,
        title="Output speed (tokens/s)",
        description="Output tokens generated per second; latency = time to first token + "
        "output tokens / speed.",
    )


def _default_mix() -> list[TaskType]:
    """The source's four task types with its routing; shares, sizes and bars are examples.

    Summarisation and translation go to gpt-4o-mini and tolerate its quality; coding and
    reasoning go to gpt-4o and need more than gpt-4o-mini's 0.82, so a cheap-first hierarchy
    escalates half of them.
    """
    return [
        TaskType(
            name="summarization",
            share_pct=35,
            input_tokens=2000,
            output_tokens=300,
            required_quality=0.75,
            model="gpt-4o-mini",
            escalation_pct=10,
        ),
        TaskType(
            name="coding",
            share_pct=25,
            input_tokens=1500,
            output_tokens=600,
            required_quality=0.85,
            model="gpt-4o",
            escalation_pct=50,
        ),
        TaskType(
            name="translation",
            share_pct=20,
            input_tokens=600,
            output_tokens=600,
            required_quality=0.75,
            model="gpt-4o-mini",
            escalation_pct=10,
        ),
        TaskType(
            name="reasoning",
            share_pct=20,
            input_tokens=1000,
            output_tokens=500,
            required_quality=0.85,
            model="gpt-4o",
            escalation_pct=50,
        ),
    ]


def _default_profiles() -> list[ModelProfile]:
    """List prices of gpt-4o ($2.50/$10) and gpt-4o-mini ($0.15/$0.60 per million); quality and
    latency are the illustrative example scores the app ships (0.89 and 0.82; 450 ms + 90
    tokens/s and 400 ms + 110 tokens/s)."""
    return [
        ModelProfile(
            model="gpt-4o",
            input_usd_per_million_tokens=2.5,
            output_usd_per_million_tokens=10,
            quality=0.89,
            ttft_ms=450,
            output_tokens_per_second=90,
        ),
        ModelProfile(
            model="gpt-4o-mini",
            input_usd_per_million_tokens=0.15,
            output_usd_per_million_tokens=0.6,
            quality=0.82,
            ttft_ms=400,
            output_tokens_per_second=110,
        ),
    ]


def _model_field(default: str, group: str, title: str, description: str) -> Any:
    return param(
        default,
        unit="",
        group=group,
        title=title,
        choices="catalog_models",
        empty_text="Choose a model",
        description=description
        + " It needs a row in the model profiles (used where the catalog lacks its data).",
    )


class Inputs(FrameworkInputs):
    # The default profiles must be checked against an entered task mix (and entered models)
    # too, or a mix naming a model they lack reaches compute unchecked.
    model_config = ConfigDict(validate_default=True)

    task_mix: list[TaskType] = param(
        _default_mix(),
        group=TASKS,
        title="Task mix",
        description="One row per kind of request: share of traffic, tokens, required quality, "
        "the model the modular pattern routes it to, and how much of it a cheap-first hierarchy "
        "escalates.",
    )
    model_profiles: list[ModelProfile] = param(
        _default_profiles(),
        group=PROFILES,
        title="Model profiles",
        description="Entered price, quality and latency of every model the patterns use. The "
        "catalog's values replace them where the catalog has the model (its prices) and a "
        "quality score or latency profile for it; 'Add from catalog…' fills rows for scored "
        "catalog models.",
        catalog_rows=True,
    )
    requests_per_day: float = param(
        50_000,
        ge=0,
        le=1e10,
        step=1000,
        unit="requests/day",
        group=TRAFFIC,
        title="Requests per day",
        description="All requests of all types a day; a month is 30.4 days.",
    )
    monolith_model: str = _model_field(
        "gpt-4o",
        MONO,
        "Monolithic: model",
        "The one model that answers every request in the monolithic pattern (the source's "
        "'single large model').",
    )
    classifier_cost_per_request_usd: float = param(
        0.0001,
        ge=0,
        le=1,
        step=0.00005,
        unit="$/request",
        group=MODULAR,
        title="Classifier cost per request",
        description="What classifying one request costs, in dollars (a small hosted model, or "
        "a call to a cheap LLM); every modular request pays it.",
    )
    classifier_latency_ms: float = param(
        80,
        ge=0,
        le=600_000,
        step=10,
        unit="ms",
        group=MODULAR,
        title="Classifier latency",
        description="Milliseconds the classifier adds before the chosen model starts.",
    )
    classifier_accuracy: float = param(
        0.95,
        ge=0,
        le=1,
        step=0.01,
        unit="accuracy 0-1",
        group=MODULAR,
        title="Classifier accuracy",
        description="Share of requests the classifier routes to their own type's model. The "
        "rest are misrouted and answered by the fallback model (the source's default route, "
        "reasoning's gpt-4o), paying the classifier and the fallback.",
    )
    fallback_model: str = _model_field(
        "gpt-4o",
        MODULAR,
        "Modular: fallback model",
        "The model that answers misrouted requests in the modular pattern.",
    )
    cheap_model: str = _model_field(
        "gpt-4o-mini",
        HIER,
        "Hierarchical: cheap model",
        "The model that answers every request first in the hierarchical pattern.",
    )
    strong_model: str = _model_field(
        "gpt-4o",
        HIER,
        "Hierarchical: strong model",
        "The model escalated requests go on to; they pay both models and wait for both.",
    )
    escalate_per_task_type: bool = param(
        True,
        group=HIER,
        title="Escalation per task type",
        description="Use each task type's own escalation percent from the task mix; off, one "
        "overall percent applies to every type.",
    )
    escalation_pct: float = param(
        30,
        ge=0,
        le=100,
        step=5,
        unit="%",
        group=HIER,
        title="Escalated requests (overall)",
        description="Percent of all requests the cheap model hands on to the strong one.",
        applies_when=("escalate_per_task_type", False),
    )
    operations_cost_per_extra_model_usd_per_month: float = param(
        2000,
        ge=0,
        le=1e8,
        step=500,
        unit="$/month",
        group=OPS,
        title="Operating cost per extra model",
        description="What each model beyond the first costs to run a month: evaluation, "
        "monitoring, prompt upkeep, on-call. The modular classifier counts as a model; every "
        "pattern runs at least one model, so that one is not counted.",
    )
    target_quality_share_pct: float = param(
        95,
        ge=0,
        le=100,
        step=1,
        unit="%",
        group=DECISION,
        title="Target quality share",
        description="Percent of requests that must be answered by a model meeting their task's "
        "required quality; the cheapest pattern that reaches it is recommended.",
    )
    use_latency_limit: bool = param(
        False,
        group=DECISION,
        title="Limit the mean latency",
        description="Also require a pattern's mean latency to be at most the limit.",
    )
    max_mean_latency_ms: float = param(
        6000,
        ge=0,
        le=86_400_000,
        step=500,
        unit="ms",
        group=DECISION,
        title="Maximum mean latency",
        description="Longest acceptable mean time to a complete answer, in milliseconds.",
        applies_when=("use_latency_limit", True),
    )

    @field_validator("task_mix")
    @classmethod
    def _mix(cls, mix: list[TaskType]) -> list[TaskType]:
        if not mix:
            raise ValueError("add at least one task type")
        if len(mix) > MAX_TASK_TYPES:
            raise ValueError(f"at most {MAX_TASK_TYPES} task types (got {len(mix)})")
        _unique([t.name for t in mix], "task type names")
        if not sum(t.share_pct for t in mix) > 0:
            raise ValueError("the shares of traffic are all 0: give at least one type a share")
        return mix

    @field_validator("model_profiles")
    @classmethod
    def _profiles(cls, profiles: list[ModelProfile], info: ValidationInfo) -> list[ModelProfile]:
        if not profiles:
            raise ValueError("add at least one model profile")
        if len(profiles) > MAX_PROFILES:
            raise ValueError(f"at most {MAX_PROFILES} model profiles (got {len(profiles)})")
        _unique([p.model for p in profiles], "model profile ids")
        known = {p.model for p in profiles}
        missing = [t for t in info.data.get("task_mix", []) if t.model not in known]
        if missing:
            names = ", ".join(f"'{t.model}' (used by {t.name})" for t in missing)
            raise ValueError(f"add a profile for {names}: every model the patterns use needs one")
        return profiles

    @field_validator("monolith_model", "fallback_model", "cheap_model", "strong_model")
    @classmethod
    def _profiled(cls, model_id: str, info: ValidationInfo) -> str:
        model_id = model_id.strip()
        if not model_id:
            raise ValueError("choose a model")
        profiles = info.data.get("model_profiles")
        if profiles is not None and model_id not in {p.model for p in profiles}:
            raise ValueError(
                f"'{model_id}' has no row in the model profiles: add one ('Add from catalog…' "
                "fills it)"
            )
        return model_id


def _unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{what} must be unique: '{v}' appears twice")
        seen.add(v)


# --- Result ------------------------------------------------------------------------------------


class ModelUsed(BaseModel):
    """A model as the patterns priced it, and where each number came from."""

    model_config = ConfigDict(frozen=True)

    model: str
    input_cost_per_token: float
    output_cost_per_token: float
    quality: float
    ttft_ms: float
    output_tokens_per_second: float
    price_source: DataSource
    quality_source: DataSource
    latency_source: DataSource


class TaskOutcome(BaseModel):
    """One task type under one pattern: the averages over its requests."""

    model_config = ConfigDict(frozen=True)

    task: str
    share: float  # of all requests, 0..1 after normalising
    served_by: str
    cost_per_request_usd: float
    monthly_cost_usd: float
    latency_ms: float
    quality_met: float  # share of this type's requests answered at its required quality
    mean_quality: float


class PatternOutcome(BaseModel):
    """One pattern's economics, speed, quality and what it takes to operate."""

    model_config = ConfigDict(frozen=True)

    pattern: Pattern
    label: str
    models: list[str]
    components: int  # models to operate, the classifier included
    complexity: str
    cost_per_request_usd: float
    requests_cost_per_month_usd: float
    operations_cost_per_month_usd: float
    monthly_cost_usd: float
    mean_latency_ms: float
    quality_share: float
    mean_quality: float
    meets_quality: bool
    meets_latency: bool
    payoff_requests_per_month: float | None  # vs the monolith; None: never (or the monolith)
    tasks: list[TaskOutcome]

    @property
    def eligible(self) -> bool:
        return self.meets_quality and self.meets_latency


class Result(FrameworkResult):
    recommendation: Pattern
    target_quality_share: float
    max_mean_latency_ms: float | None
    requests_per_month: float
    patterns: list[PatternOutcome]
    models: list[ModelUsed]
    task_names: list[str]
    modular_payoff_requests_per_day: float | None
    modular_saving_per_request_usd: float

    def pattern(self, pattern: str) -> PatternOutcome:
        for p in self.patterns:
            if p.pattern == pattern:
                return p
        raise KeyError(pattern)

    def model(self, model_id: str) -> ModelUsed:
        for m in self.models:
            if m.model == model_id:
                return m
        raise KeyError(model_id)


# --- Model data --------------------------------------------------------------------------------


def _resolve(profile: ModelProfile, catalog: Catalog | None) -> ModelUsed:
    """The catalog's price, quality score and latency profile where it has them, else the
    entered profile's. A catalog price beyond $1 a token, or a speed under the entered bound of
    0.01 tokens/s (latencies of 1e300 ms overflow their sums), is a data error and not used."""
    info: ModelInfo | None = None
    if catalog is not None and profile.model in catalog:
        info = catalog.get(profile.model)
    price_in = profile.input_usd_per_million_tokens / PER_MILLION
    price_out = profile.output_usd_per_million_tokens / PER_MILLION
    price_source: DataSource = "entered"
    quality_source: DataSource = "entered"
    latency_source: DataSource = "entered"
    quality = profile.quality
    ttft, speed = profile.ttft_ms, profile.output_tokens_per_second
    if info is not None:
        if info.usable_prices is not None:
            price_in, price_out = info.usable_prices
            price_source = "catalog"
        if info.quality is not None:
            quality, quality_source = info.quality.score, "catalog"
        lat = info.latency
        if lat is not None and lat.output_tokens_per_second >= MIN_TOKENS_PER_SECOND:
            ttft, speed = lat.ttft_ms, lat.output_tokens_per_second
            latency_source = "catalog"
    return ModelUsed(
        model=profile.model,
        input_cost_per_token=price_in,
        output_cost_per_token=price_out,
        quality=quality,
        ttft_ms=ttft,
        output_tokens_per_second=speed,
        price_source=price_source,
        quality_source=quality_source,
        latency_source=latency_source,
    )


@dataclass(frozen=True)
class _Mix:
    """The task mix as arrays, one entry per task type."""

    names: list[str]
    share: np.ndarray  # normalised to sum 1
    tokens_in: np.ndarray
    tokens_out: np.ndarray
    required: np.ndarray
    escalation: np.ndarray  # 0..1, per type (overall: the same for all)

    def cost(self, m: ModelUsed | _RowModels) -> np.ndarray:
        return self.tokens_in * m.input_cost_per_token + self.tokens_out * m.output_cost_per_token

    def latency(self, m: ModelUsed | _RowModels) -> np.ndarray:
        return m.ttft_ms + self.tokens_out / m.output_tokens_per_second * 1000.0

    def meets(self, m: ModelUsed | _RowModels) -> np.ndarray:
        return (m.quality >= self.required).astype(float)


@dataclass(frozen=True)
class _RowModels:
    """One model per task type (the modular routing table), as arrays aligned with the mix."""

    input_cost_per_token: np.ndarray
    output_cost_per_token: np.ndarray
    ttft_ms: np.ndarray
    output_tokens_per_second: np.ndarray
    quality: np.ndarray

    @classmethod
    def of(cls, models: list[ModelUsed]) -> _RowModels:
        def column(name: str) -> np.ndarray:
            return np.array([getattr(m, name) for m in models], dtype=float)

        return cls(
            input_cost_per_token=column("input_cost_per_token"),
            output_cost_per_token=column("output_cost_per_token"),
            ttft_ms=column("ttft_ms"),
            output_tokens_per_second=column("output_tokens_per_second"),
            quality=column("quality"),
        )


@dataclass(frozen=True)
class _PerType:
    """Per task type averages of one pattern (arrays over the task types)."""

    cost: np.ndarray
    latency: np.ndarray
    met: np.ndarray
    quality: np.ndarray
    served_by: list[str]
    models: list[str]
    classifier: bool


def _monolithic(mix: _Mix, m: ModelUsed) -> _PerType:
    n = len(mix.names)
    return _PerType(
        cost=mix.cost(m),
        latency=mix.latency(m),
        met=mix.meets(m),
        quality=np.full(n, m.quality),
        served_by=[m.model] * n,
        models=[m.model],
        classifier=False,
    )


def _modular(
    mix: _Mix,
    routed: list[ModelUsed],
    fallback: ModelUsed,
    accuracy: float,
    classifier_cost: float,
    classifier_ms: float,
) -> _PerType:
    """Routed right (accuracy a): the type's model; misrouted (1 - a): the fallback; both pay
    the classifier's cost and latency first."""
    a = accuracy
    own = _RowModels.of(routed)
    own_cost, own_latency, own_met = mix.cost(own), mix.latency(own), mix.meets(own)
    served = []
    for m in routed:
        if m.model == fallback.model or a >= 1:
            served.append(m.model)
        elif a <= 0:
            served.append(f"fallback {fallback.model}")
        else:
            served.append(f"{m.model}, {probability(1 - a)} misrouted to {fallback.model}")
    models = list(dict.fromkeys([*(m.model for m in routed), fallback.model]))
    return _PerType(
        cost=classifier_cost + a * own_cost + (1 - a) * mix.cost(fallback),
        latency=classifier_ms + a * own_latency + (1 - a) * mix.latency(fallback),
        met=a * own_met + (1 - a) * mix.meets(fallback),
        quality=a * own.quality + (1 - a) * fallback.quality,
        served_by=served,
        models=models,
        classifier=True,
    )


def _hierarchical(mix: _Mix, cheap: ModelUsed, strong: ModelUsed) -> _PerType:
    """Every request pays the cheap model; an escalated share e also pays (and waits for) the
    strong one, which then gives the answer."""
    e = mix.escalation
    served = [
        cheap.model
        if x <= 0
        else f"{cheap.model}, all escalated to {strong.model}"
        if x >= 1
        else f"{cheap.model}, {probability(x)} escalated to {strong.model}"
        for x in e
    ]
    return _PerType(
        cost=mix.cost(cheap) + e * mix.cost(strong),
        latency=mix.latency(cheap) + e * mix.latency(strong),
        met=(1 - e) * mix.meets(cheap) + e * mix.meets(strong),
        quality=(1 - e) * cheap.quality + e * strong.quality,
        served_by=served,
        models=list(dict.fromkeys([cheap.model, strong.model])),
        classifier=False,
    )


def _complexity(pattern: Pattern, models: list[str], components: int, ops: float) -> str:
    names = ", ".join(models)
    what = f"{len(models)} model{'s' if len(models) != 1 else ''} ({names})"
    if pattern == "modular":
        what += " and a classifier to monitor for drift"
    elif pattern == "hierarchical":
        what += " and an escalation rule to tune"
    extra = components - 1
    if extra <= 0:
        return what
    return f"{what}: {extra} beyond the first model, {money(ops)} a month"


# --- Compute -----------------------------------------------------------------------------------


def compute(inputs: Inputs, catalog: Catalog | None = None) -> Result:
    """Cost, latency, quality and operations of the three patterns over the task mix.

    Per task type i (share s_i after dividing the shares by their sum), per model m:
      cost_m(i)    = input_tokens_i x input price_m + output_tokens_i x output price_m  ($)
      latency_m(i) = ttft_m + output_tokens_i / speed_m x 1000                          (ms)
      meets_m(i)   = 1 if quality_m >= required_i else 0
    Monolithic (model M): cost_M(i), latency_M(i), meets_M(i).
    Modular (type model R_i, fallback F, classifier cost k, latency t, accuracy a): a request
      routed right is answered by R_i, a misrouted one (1 - a) by F; both pay the classifier:
      cost = k + a cost_R(i) + (1 - a) cost_F(i); latency = t + a lat_R(i) + (1 - a) lat_F(i);
      met  = a meets_R(i) + (1 - a) meets_F(i).
    Hierarchical (cheap C, strong S, escalated share e_i): every request runs C, escalated ones
      also run S, which answers them: cost = cost_C(i) + e_i cost_S(i); latency = lat_C(i) +
      e_i lat_S(i); met = (1 - e_i) meets_C(i) + e_i meets_S(i).
    A pattern's figures are the share-weighted means over the types; quality share = sum s_i
    met_i, mean quality = the answering model's quality, averaged the same way.
    Month = 30.4 days; requests cost a month = cost per request x requests a day x 30.4.
    Operations: the distinct models a pattern runs, plus the classifier for modular; each
    beyond the first costs the operating budget a month. Total = requests cost + operations.
    Recommendation: among the patterns whose quality share reaches the target (and whose mean
    latency is within the limit, if set), the lowest total a month; totals within 1e-9 of each
    other tie and the pattern with fewer models to operate wins, then the order monolithic,
    modular, hierarchical. If none qualifies: of the patterns reaching the quality target (only
    the latency limit failed) the fastest; if none reaches it, the highest quality share (then
    the cheaper, then fewer models).
    Pay-off: modular against the monolith, extra operations / saving per request = the monthly
    volume from which modular is no dearer (None, "never", when it saves nothing per request).
    `catalog` is optional: where it has a model, its prices, quality score and latency profile
    replace the entered profile's (each one separately).
    """
    x = inputs
    mix_rows = x.task_mix
    shares = np.array([t.share_pct for t in mix_rows], dtype=float)
    overall = x.escalation_pct / 100
    mix = _Mix(
        names=[t.name for t in mix_rows],
        share=shares / shares.sum(),
        tokens_in=np.array([t.input_tokens for t in mix_rows], dtype=float),
        tokens_out=np.array([t.output_tokens for t in mix_rows], dtype=float),
        required=np.array([t.required_quality for t in mix_rows], dtype=float),
        escalation=np.array(
            [t.escalation_pct / 100 if x.escalate_per_task_type else overall for t in mix_rows]
        ),
    )
    profiles = {p.model: p for p in x.model_profiles}
    used_ids = list(
        dict.fromkeys(
            [
                x.monolith_model,
                *(t.model for t in mix_rows),
                x.fallback_model,
                x.cheap_model,
                x.strong_model,
            ]
        )
    )
    models = {mid: _resolve(profiles[mid], catalog) for mid in used_ids}

    per_type = {
        "monolithic": _monolithic(mix, models[x.monolith_model]),
        "modular": _modular(
            mix,
            [models[t.model] for t in mix_rows],
            models[x.fallback_model],
            x.classifier_accuracy,
            x.classifier_cost_per_request_usd,
            x.classifier_latency_ms,
        ),
        "hierarchical": _hierarchical(mix, models[x.cheap_model], models[x.strong_model]),
    }
    per_month = x.requests_per_day * DAYS_PER_MONTH
    target = x.target_quality_share_pct / 100
    limit = x.max_mean_latency_ms if x.use_latency_limit else None

    outcomes: list[PatternOutcome] = []
    mono_per_request = float(mix.share @ per_type["monolithic"].cost)
    for pattern in PATTERNS:
        p = per_type[pattern]
        s = mix.share
        per_request = float(s @ p.cost)
        components = len(p.models) + (1 if p.classifier else 0)
        ops = max(components - 1, 0) * x.operations_cost_per_extra_model_usd_per_month
        quality_share = float(s @ p.met)
        latency = float(s @ p.latency)
        payoff = None
        if pattern != "monolithic":
            payoff = analysis.payback_quantity(
                ops, mono_per_request - per_request, scale=max(mono_per_request, per_request)
            )
        tasks = [
            TaskOutcome(
                task=mix.names[i],
                share=float(s[i]),
                served_by=p.served_by[i],
                cost_per_request_usd=float(p.cost[i]),
                monthly_cost_usd=float(s[i] * p.cost[i] * per_month),
                latency_ms=float(p.latency[i]),
                quality_met=float(p.met[i]),
                mean_quality=float(p.quality[i]),
            )
            for i in range(len(mix.names))
        ]
        outcomes.append(
            PatternOutcome(
                pattern=pattern,
                label=PATTERN_LABELS[pattern],
                models=p.models,
                components=components,
                complexity=_complexity(pattern, p.models, components, ops),
                cost_per_request_usd=per_request,
                requests_cost_per_month_usd=per_request * per_month,
                operations_cost_per_month_usd=ops,
                monthly_cost_usd=per_request * per_month + ops,
                mean_latency_ms=latency,
                # Float sums of shares can land a hair under an exactly-met target.
                quality_share=min(quality_share, 1.0),
                mean_quality=float(s @ p.quality),
                meets_quality=quality_share >= target - 1e-12,
                meets_latency=limit is None or latency <= limit,
                payoff_requests_per_month=payoff,
                tasks=tasks,
            )
        )

    pick = _choose(outcomes)
    modular = next(o for o in outcomes if o.pattern == "modular")
    mono = outcomes[0]
    payoff_month = modular.payoff_requests_per_month
    used = [models[mid] for mid in used_ids]
    return Result(
        recommendation=pick.pattern,
        headline=_headline(pick, target),
        rationale=_rationale(x, outcomes, pick, target, limit, used, per_type),
        figures=_figures(outcomes, pick),
        target_quality_share=target,
        max_mean_latency_ms=limit,
        requests_per_month=per_month,
        patterns=outcomes,
        models=used,
        task_names=mix.names,
        modular_payoff_requests_per_day=(
            payoff_month / DAYS_PER_MONTH if payoff_month is not None else None
        ),
        modular_saving_per_request_usd=mono.cost_per_request_usd - modular.cost_per_request_usd,
    )


def _choose(outcomes: list[PatternOutcome]) -> PatternOutcome:
    """The rule in `compute`'s docstring: the cheapest eligible pattern (ties: fewer models,
    then order). With none eligible: of those reaching the quality target (so only the latency
    limit failed) the fastest; else the best quality share, then the cheaper."""
    order = {p: i for i, p in enumerate(PATTERNS)}

    def cheapest(options: list[PatternOutcome]) -> PatternOutcome:
        best = min(o.monthly_cost_usd for o in options)
        tied = [o for o in options if o.monthly_cost_usd <= best + TIE * abs(best)]
        return min(tied, key=lambda o: (o.components, order[o.pattern]))

    eligible = [o for o in outcomes if o.eligible]
    if eligible:
        return cheapest(eligible)
    good_enough = [o for o in outcomes if o.meets_quality]
    if good_enough:
        fastest = min(o.mean_latency_ms for o in good_enough)
        return cheapest([o for o in good_enough if o.mean_latency_ms <= fastest])
    top = max(o.quality_share for o in outcomes)
    return cheapest([o for o in outcomes if o.quality_share >= top - 1e-12])


def _headline(pick: PatternOutcome, target: float) -> str:
    share = probability(pick.quality_share)
    if pick.eligible:
        return (
            f"{pick.label}: {money(pick.monthly_cost_usd)} a month with {share} of requests at "
            "their required quality"
        )
    if pick.meets_quality:
        return (
            f"No pattern meets the latency limit: {pick.label} comes closest at "
            f"{duration(pick.mean_latency_ms)}"
        )
    return (
        f"No pattern reaches {probability(target)} at the required quality: {pick.label} comes "
        f"closest with {share}"
    )


def _shortfall(o: PatternOutcome) -> str:
    """Which task types fall short of their required quality, and how much of each."""
    short = [t for t in o.tasks if t.quality_met < 1 and t.share > 0]
    parts = [f"{probability(1 - t.quality_met)} of {t.task}" for t in short]
    if len(parts) > 1:
        parts = [", ".join(parts[:-1]) + " and " + parts[-1]]
    return f"{parts[0] if parts else 'no'} requests get a model below their required quality"


def _verdict(o: PatternOutcome, pick: PatternOutcome, target: float, limit: float | None) -> str:
    """Why a pattern that was not picked lost to the pick."""
    costs = f"{money(o.monthly_cost_usd)} a month, {probability(o.quality_share)} at quality"
    if not o.meets_quality:
        return f"{o.label} ({costs}) misses the {probability(target)} target: {_shortfall(o)}."
    if not o.meets_latency:
        assert limit is not None, "a pattern only misses the latency limit when there is one"
        return (
            f"{o.label} ({costs}) misses the latency limit: {duration(o.mean_latency_ms)} mean "
            f"against {duration(limit)}."
        )
    if not pick.eligible:
        return f"{o.label} ({costs})."
    diff = o.monthly_cost_usd - pick.monthly_cost_usd
    if diff > TIE * abs(pick.monthly_cost_usd):
        return f"{o.label} ({costs}) also qualifies but costs {money(diff)} a month more."
    return (
        f"{o.label} ({costs}) costs the same but has {o.components} to operate against "
        f"{pick.components}."
    )


def _sources(used: list[ModelUsed]) -> str:
    """One sentence on where each model's price, quality and latency came from."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for m in used:
        groups.setdefault((m.price_source, m.quality_source, m.latency_source), []).append(m.model)
    parts = []
    for (price, quality, latency), ids in groups.items():
        names = ", ".join(ids)
        if price == quality == latency:
            where = "the catalog" if price == "catalog" else "the entered model profiles"
            parts.append(f"{names}: price, quality and latency from {where}")
            continue
        from_catalog = [
            w
            for w, s in (("price", price), ("quality", quality), ("latency", latency))
            if s == "catalog"
        ]
        entered = [
            w
            for w, s in (("price", price), ("quality", quality), ("latency", latency))
            if s == "entered"
        ]
        parts.append(
            f"{names}: {' and '.join(from_catalog)} from the catalog, "
            f"{' and '.join(entered)} from the entered profile"
        )
    return "Model data: " + "; ".join(parts) + "." + _example_note(used)


def _example_note(used: list[ModelUsed]) -> str:
    """A warning when an entered quality or latency is still the shipped illustrative default
    (the example scores, not anyone's measurement): it was otherwise called "entered"."""
    defaults = {p.model: p for p in _default_profiles()}
    shown = []
    for m in used:
        d = defaults.get(m.model)
        if d is None:
            continue
        quality = m.quality_source == "entered" and m.quality == d.quality
        latency = m.latency_source == "entered" and (m.ttft_ms, m.output_tokens_per_second) == (
            d.ttft_ms,
            d.output_tokens_per_second,
        )
        which = " and ".join(w for w, on in (("quality", quality), ("latency", latency)) if on)
        if which:
            shown.append(f"{m.model}'s {which}")
    if not shown:
        return ""
    return (
        f" The default profiles' figures ({'; '.join(shown)}) are illustrative example scores: "
        "replace them with your own measurements."
    )


def _rationale(
    x: Inputs,
    outcomes: list[PatternOutcome],
    pick: PatternOutcome,
    target: float,
    limit: float | None,
    used: list[ModelUsed],
    per_type: dict[str, _PerType],
) -> list[str]:
    gates = f"{probability(target)} of requests at their required quality"
    if limit is not None:
        gates += f" and a mean latency of at most {duration(limit)}"
    ops = (
        f" + {money(pick.operations_cost_per_month_usd)} of operations"
        if pick.operations_cost_per_month_usd > 0
        else ", no extra models to operate"
    )
    if pick.eligible:
        first = (
            f"{pick.label} is the cheapest pattern that reaches {gates}: "
            f"{money(pick.monthly_cost_usd)} a month ({money(pick.requests_cost_per_month_usd)} "
            f"of requests at {usd(pick.cost_per_request_usd)} each{ops}), "
            f"{probability(pick.quality_share)} at quality, {duration(pick.mean_latency_ms)} mean."
        )
    elif pick.meets_quality:
        first = (
            f"No pattern reaches {gates}; of those at the quality target {pick.label} is the "
            f"fastest, {duration(pick.mean_latency_ms)} mean for {money(pick.monthly_cost_usd)} a "
            "month."
        )
    else:
        first = (
            f"No pattern reaches {gates}; {pick.label} comes closest with "
            f"{probability(pick.quality_share)} at quality for {money(pick.monthly_cost_usd)} a "
            "month."
        )
        if not pick.meets_quality:
            first += (
                f" In it {_shortfall(pick)}: route or escalate more of them to a model that "
                "meets their bar, or lower the target."
            )
    out = [first]
    out.extend(_verdict(o, pick, target, limit) for o in outcomes if o is not pick)

    mono, modular = outcomes[0], outcomes[1]
    saving = mono.cost_per_request_usd - modular.cost_per_request_usd
    extra_ops = modular.operations_cost_per_month_usd - mono.operations_cost_per_month_usd
    payoff = modular.payoff_requests_per_month
    volume = f"you send {format_number(round(x.requests_per_day))} a day"
    if payoff is None:
        out.append(
            f"Modular never pays for its extra operations: its requests cost "
            f"{usd(modular.cost_per_request_usd)} each against the monolith's "
            f"{usd(mono.cost_per_request_usd)}, so it saves nothing per request."
        )
    elif payoff == 0:
        out.append(
            f"Modular saves {usd(saving)} a request over the monolith and adds no operating "
            "cost, so it is cheaper at any volume."
        )
    else:
        out.append(
            f"Modular saves {usd(saving)} a request over the monolith "
            f"({usd(modular.cost_per_request_usd)} against {usd(mono.cost_per_request_usd)}); "
            f"its {money(extra_ops)} a month of extra operations pays off from "
            f"{count(payoff)} requests a month ({count(payoff / DAYS_PER_MONTH)} a day); "
            f"{volume}."
        )

    fallback = x.fallback_model
    misroute = 1 - x.classifier_accuracy
    if misroute > 0:
        out.append(
            f"The classifier misroutes {probability(misroute)} of requests; the fallback "
            f"{fallback} answers them, after the classifier's "
            f"{usd(x.classifier_cost_per_request_usd)} and {duration(x.classifier_latency_ms)}."
        )
    weak = [
        (t.name, t.model, t.required_quality)
        for t in x.task_mix
        if not _model_meets(used, t.model, t.required_quality)
        and _model_meets(used, fallback, t.required_quality)
    ]
    if weak and x.classifier_accuracy > 0:
        names = ", ".join(f"{name} ({model}, needs {req:g})" for name, model, req in weak)
        out.append(
            f"Modular routes {names} to a model below the required quality while the fallback "
            f"{fallback} meets it: for these types a better classifier lowers the quality share."
        )
    hier = outcomes[2]
    out.append(
        f"Mean latency: monolithic {duration(mono.mean_latency_ms)}, modular "
        f"{duration(modular.mean_latency_ms)} (classifier included), hierarchical "
        f"{duration(hier.mean_latency_ms)} (escalated requests wait for both models)."
    )
    out.append(
        "To operate: " + "; ".join(f"{o.label.lower()} {o.complexity}" for o in outcomes) + "."
    )
    out.append(_sources(used))
    return out


def _model_meets(used: list[ModelUsed], model_id: str, required: float) -> bool:
    return next(m for m in used if m.model == model_id).quality >= required


def _figures(outcomes: list[PatternOutcome], pick: PatternOutcome) -> list[Figure]:
    modular = outcomes[1]
    payoff = modular.payoff_requests_per_month
    figures = [
        Figure(
            key="recommended_monthly_cost",
            label="Recommended: cost a month",
            value=pick.monthly_cost_usd,
            unit="usd",
        ),
        Figure(
            key="recommended_cost_per_request",
            label="Recommended: cost per request",
            value=pick.cost_per_request_usd,
            unit="usd",
        ),
        Figure(
            key="recommended_quality_share",
            label="Recommended: requests at required quality",
            value=pick.quality_share * 100,
            unit="pct",
        ),
        Figure(
            key="recommended_latency_ms",
            label="Recommended: mean latency",
            value=pick.mean_latency_ms,
            unit="ms",
        ),
        Figure(
            key="recommended_components",
            label="Recommended: models to operate",
            value=pick.components,
            unit="count",
        ),
    ]
    for o in outcomes:
        figures.append(
            Figure(
                key=f"{o.pattern}_monthly_cost",
                label=f"{o.label}: cost a month",
                value=o.monthly_cost_usd,
                unit="usd",
            )
        )
    for o in outcomes:
        figures.append(
            Figure(
                key=f"{o.pattern}_quality_share",
                label=f"{o.label}: requests at required quality",
                value=o.quality_share * 100,
                unit="pct",
            )
        )
    figures.append(
        Figure(
            key="modular_payoff_requests_per_day",
            label="Modular pays for its operations from (requests a day)",
            value=payoff / DAYS_PER_MONTH if payoff is not None else None,
            unit="count",
            none_text="never",
        )
    )
    return figures


# --- Catalog -----------------------------------------------------------------------------------


def profiles_from_catalog(models: list[ModelInfo]) -> list[ModelProfile]:
    """Model profiles from catalog models that have a quality score and a latency profile
    (the others would need invented numbers: score them in the Models tab first). Prices
    beyond a profile's bounds are skipped too."""
    out = []
    for m in models:
        if m.quality is None or m.latency is None:
            continue
        # 12 significant digits: $8e-07 a token reads $0.8, not 0.7999999999999999, per million.
        price_in = float(f"{m.input_cost_per_token * PER_MILLION:.12g}")
        price_out = float(f"{m.output_cost_per_token * PER_MILLION:.12g}")
        if not (price_in <= PER_MILLION and price_out <= PER_MILLION):
            continue
        if m.latency.output_tokens_per_second < MIN_TOKENS_PER_SECOND:
            continue
        out.append(
            ModelProfile(
                model=m.id,
                input_usd_per_million_tokens=price_in,
                output_usd_per_million_tokens=price_out,
                quality=m.quality.score,
                ttft_ms=m.latency.ttft_ms,
                output_tokens_per_second=m.latency.output_tokens_per_second,
            )
        )
    return out


def rows_from_catalog(field: str, models: list[ModelInfo], inputs: Inputs) -> list[dict[str, Any]]:
    """Rows for the "Add from catalog" button of the model profiles: scored models not yet
    listed. The task mix is filled by hand."""
    if field != "model_profiles":
        return []
    present = {p.model for p in inputs.model_profiles}
    return [p.model_dump() for p in profiles_from_catalog(models) if p.model not in present]


# --- Summary -----------------------------------------------------------------------------------


def summarize(inputs: Inputs, result: Result) -> str:
    """Markdown body of the decision summary: the three patterns, cost by task, assumptions."""
    x, r = inputs, result
    lines = [
        "### Considered options",
        "",
        "| Pattern | Models | Cost per request | Requests a month | Operations a month | "
        "Total a month | Mean latency | At required quality | Mean quality | To operate |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in r.patterns:
        mark = " (recommended)" if o.pattern == r.recommendation else ""
        lines.append(
            f"| {o.label}{mark} | {', '.join(o.models)} | {usd(o.cost_per_request_usd)} | "
            f"{money(o.requests_cost_per_month_usd)} | {money(o.operations_cost_per_month_usd)} | "
            f"**{money(o.monthly_cost_usd)}** | {duration(o.mean_latency_ms)} | "
            f"{probability(o.quality_share)} | {o.mean_quality:.3f} | {o.components} |"
        )
    lines += ["", "### Cost by task type", ""]
    lines += [
        "| Task type | Share | " + " | ".join(f"{o.label} a month" for o in r.patterns) + " |",
        "|---|---|" + "---|" * len(r.patterns),
    ]
    for i, name in enumerate(r.task_names):
        cells = " | ".join(money(o.tasks[i].monthly_cost_usd) for o in r.patterns)
        lines.append(f"| {name} | {probability(r.patterns[0].tasks[i].share)} | {cells} |")
    lines += ["", "### Who answers", ""]
    for o in r.patterns:
        served = "; ".join(
            f"{t.task}: {t.served_by} ({probability(t.quality_met)} at quality)" for t in o.tasks
        )
        lines.append(f"- {o.label}: {served}.")
    lines += ["", "### Operations", ""]
    lines += [f"- {o.label}: {o.complexity}." for o in r.patterns]
    payoff = r.modular_payoff_requests_per_day
    lines.append(
        "- Modular pays for its extra operations "
        + (
            "never (it saves nothing per request)."
            if payoff is None
            else f"from {count(payoff)} requests a day (you send "
            f"{format_number(round(x.requests_per_day))})."
        )
    )
    lines += ["", "### Model data", ""]
    lines.append(
        "| Model | Input $/M | Output $/M | Quality | Time to first token | Speed | Source |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for m in r.models:
        source = f"price {m.price_source}, quality {m.quality_source}, latency {m.latency_source}"
        lines.append(
            f"| {m.model} | {money(m.input_cost_per_token * PER_MILLION)} | "
            f"{money(m.output_cost_per_token * PER_MILLION)} | {m.quality:.2f} | "
            f"{duration(m.ttft_ms)} | {m.output_tokens_per_second:,.0f} tokens/s | {source} |"
        )
    escalation = (
        "each task type's own escalation percent"
        if x.escalate_per_task_type
        else f"{format_number(x.escalation_pct)}% of every type"
    )
    lines += [
        "",
        "### Assumptions",
        "",
        "- Shares of traffic are divided by their sum; every figure is a share-weighted mean "
        "over the task types.",
        "- A request is at its required quality when the model that answers it has a quality "
        "(one 0-1 score per model, not per task type) at or above the task's required quality.",
        "- Modular: every request pays the classifier "
        f"({usd(x.classifier_cost_per_request_usd)}, {duration(x.classifier_latency_ms)}); "
        f"{probability(x.classifier_accuracy)} reach their type's model, the rest are answered "
        f"by the fallback {x.fallback_model}.",
        f"- Hierarchical: {x.cheap_model} answers first and {escalation} goes on to "
        f"{x.strong_model}, paying both models and waiting for both; the strong model gets the "
        "same prompt (the cheap draft is not added to it) and its answer is the one kept.",
        "- Latency is time to first token + output tokens / speed, per model; a pattern's "
        "latency is the mean, not a percentile.",
        f"- A month is {DAYS_PER_MONTH} days. Every model beyond the first (the classifier "
        f"counts) costs {money(x.operations_cost_per_extra_model_usd_per_month)} a month to "
        "operate.",
        f"- Recommendation: the lowest total a month among patterns with at least "
        f"{probability(r.target_quality_share)} of requests at their required quality"
        + (
            f" and a mean latency of at most {duration(r.max_mean_latency_ms)}"
            if r.max_mean_latency_ms is not None
            else ""
        )
        + "; totals within 1e-9 tie and fewer models to operate win. With none qualifying: the "
        "fastest of those at the quality target, else the highest quality share.",
        "- Prices, quality scores and latency profiles come from the catalog where it has them, "
        "else from the entered model profiles (see Model data).",
    ]
    return "\n".join(lines)
