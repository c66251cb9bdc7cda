"""Cost-Quality-Latency: which model and mode meet the budgets, and which two corners to favour."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from core import analysis
from core.catalog import Catalog, LatencyProfile, ModelInfo
from core.frameworks.common import (
    Figure,
    FrameworkInputs,
    FrameworkResult,
    counted,
    duration,
    format_number,
    money,
    param,
    usd,
)

ID = "cost_quality_latency"
TITLE = "Cost-Quality-Latency"
GUIDE = (
    "Use this to choose a model and a serving mode when cost per request, latency and quality "
    "pull against each other. Every candidate model is costed from the catalog's per-token "
    "prices for your request size, in real time (latency = time to first token + output tokens "
    "/ output speed) and, when batch is acceptable, as a batch job (latency = the batch "
    "turnaround; priced from the catalog's batch prices, or the real-time price less the batch "
    "discount where the catalog has none). Options within all three limits are feasible; the "
    "Pareto front holds those no other option beats on cost, latency and quality at once. As in "
    "the source's triangle you optimise two corners and give up the third: quality + cost "
    "(highest quality, then cheapest: batch wins when the latency budget allows it), quality + "
    "latency (highest quality, then fastest) or cost + latency (cheapest that meets the minimum "
    "quality, then fastest). When nothing is feasible it shows, for each limit alone, the "
    "smallest change that would make some option feasible. Candidates default to every model "
    "with a quality score; models without a measured latency use the default latency profile. "
    "A model whose context or output limit is smaller than the request is never feasible; "
    "large prompts pay the catalog's higher prices above a size threshold (e.g. 200,000 input "
    "tokens), and the share of the prompt served from a prompt cache pays the cached-input "
    "price."
)

Priority = Literal["quality_cost", "quality_latency", "cost_latency"]
Mode = Literal["real-time", "batch"]
Constraint = Literal["cost", "latency", "quality"]

DAYS_PER_MONTH = 30.4
MS_PER_HOUR = 3_600_000.0
#: A value this close to its limit (relative; absolute for quality) meets it: a cap typed as
#: the exact cost of a request must not fail on the last bit of a float sum.
TOLERANCE = 1e-9
#: The scatter's values are rounded to this many significant digits: plenty for a plot and
#: its hover text, and a whole-catalog result stays a few hundred kB.
SCATTER_DIGITS = 4
#: Rows kept in full in the result (the scatter keeps every option as plain arrays).
TOP_FEASIBLE_ROWS = 20
TOP_OVERALL_ROWS = 10
MAX_PARETO_ROWS = 40

_CONSTRAINTS: tuple[Constraint, ...] = ("cost", "latency", "quality")
_FIELDS = {
    "cost": "max_cost_per_request_usd",
    "latency": "max_latency_ms",
    "quality": "min_quality",
}
_LIMIT_NAMES = {"cost": "cost cap", "latency": "latency budget", "quality": "minimum quality"}
_PRIORITY_TEXT = {
    "quality_cost": (
        "quality + cost (latency is the corner given up)",
        "the highest-quality feasible option, the cheapest among equals",
    ),
    "quality_latency": (
        "quality + latency (cost is the corner given up)",
        "the highest-quality feasible option, the fastest among equals",
    ),
    "cost_latency": (
        "cost + latency (quality is the corner given up)",
        "the cheapest option that meets every limit, the fastest among equals",
    ),
}

WORKLOAD = "Workload"
LIMITS = "Constraints"
CHOICE = "Candidates and priority"
BATCH = "Batch"
ASSUME = "Assumptions"


class Inputs(FrameworkInputs):
    input_tokens_per_request: int = param(
        1500,
        ge=0,
        le=10_000_000,
        step=100,
        unit="tokens",
        group=WORKLOAD,
        title="Input tokens per request",
        description="Prompt tokens sent with each request (system prompt, context and question).",
    )
    output_tokens_per_request: int = param(
        400,
        ge=0,
        le=1_000_000,
        step=50,
        unit="tokens",
        group=WORKLOAD,
        title="Output tokens per request",
        description="Tokens the model writes in each answer; they set the streaming time too.",
    )
    cached_input_pct: float = param(
        0,
        ge=0,
        le=100,
        step=5,
        unit="%",
        group=WORKLOAD,
        title="Prompt served from cache",
        description="Share of each request's input tokens the provider serves from its prompt "
        "cache (a system prompt or context repeated across requests), in percent. Cached tokens "
        "are billed at the catalog's cached-input price; a model without one bills them at its "
        "full input price. Batch options use the cache only where the catalog has a batch "
        "cached price.",
    )
    requests_per_day: float = param(
        10_000,
        ge=0,
        le=1e10,
        step=1000,
        unit="requests/day",
        group=WORKLOAD,
        title="Requests per day",
        description="How many requests a day; scales the daily and monthly cost (30.4 days).",
    )
    max_cost_per_request_usd: float = param(
        0.01,
        gt=0,
        le=1000,
        step=0.001,
        unit="$/request",
        group=LIMITS,
        title="Max cost per request",
        description="The most one request may cost, in dollars (input and output tokens).",
    )
    max_latency_ms: float = param(
        10_000,
        gt=0,
        le=2_592_000_000,
        step=500,
        unit="ms",
        group=LIMITS,
        title="Max latency",
        description="The longest a request may take until its answer is complete, in "
        "milliseconds (an hour is 3.6 million; a day, enough for a 24-hour batch, 86.4 "
        "million). Exports and the card show it as a duration (24 h).",
    )
    min_quality: float = param(
        0.7,
        ge=0,
        le=1,
        step=0.05,
        unit="of 1",
        group=LIMITS,
        title="Min quality",
        description="The lowest acceptable quality score (0..1, from the catalog's quality "
        "scores).",
    )
    priority: Priority = param(
        "quality_cost",
        unit="",
        group=CHOICE,
        title="Optimise for",
        description="Which two corners of the triangle to optimise, as in the source's table. "
        "Quality + cost gives up latency (batch, overnight): the highest quality, then the "
        "cheapest. Quality + latency gives up cost (the big model, streaming): the highest "
        "quality, then the fastest. Cost + latency gives up quality (a smaller model): the "
        "cheapest that meets the minimum quality, then the fastest.",
    )
    candidate_models: list[str] = param(
        [],
        unit="",
        group=CHOICE,
        title="Candidate models",
        description="Catalog models to compare. Empty: every model with a quality score. Models "
        "without a quality score are listed and skipped.",
        choices="catalog_models",
        empty_text="All models with a quality score",
    )
    batch_acceptable: bool = param(
        True,
        group=BATCH,
        title="Batch is acceptable",
        description="Also consider running each model as a batch job (cheaper, but answers "
        "arrive after the batch turnaround).",
    )
    batch_turnaround_hours: float = param(
        24,
        gt=0,
        le=720,
        step=1,
        unit="hours",
        group=BATCH,
        title="Batch turnaround",
        description="How long a batch job takes to return, in hours (OpenAI's and Anthropic's "
        "batch APIs promise results within 24 hours). This is the latency of every batch option.",
        applies_when=("batch_acceptable", True),
    )
    batch_discount_pct: float = param(
        50,
        ge=0,
        le=100,
        step=5,
        unit="%",
        group=BATCH,
        title="Batch discount",
        description="Discount on the real-time price for batch jobs of models the catalog has "
        "no batch price for, in percent (50 is the usual batch discount).",
        applies_when=("batch_acceptable", True),
    )
    default_ttft_ms: float = param(
        500,
        ge=0,
        le=600_000,
        step=50,
        unit="ms",
        group=ASSUME,
        title="Default time to first token",
        description="Time to first token assumed for models without a measured latency "
        "profile, in milliseconds.",
    )
    default_output_tokens_per_second: float = param(
        80,
        gt=0,
        le=1_000_000,
        step=10,
        unit="tokens/s",
        group=ASSUME,
        title="Default output speed",
        description="Output speed assumed for models without a measured latency profile, in "
        "tokens per second.",
    )


class Miss(BaseModel):
    """How far one option is past one limit: `by` in the limit's unit, `by_pct` of the limit."""

    model_config = ConfigDict(frozen=True)

    constraint: Constraint
    limit: float
    value: float
    by: float
    by_pct: float


class ContextMiss(BaseModel):
    """A request the model cannot take: `tokens` of input (or output) over its `limit`.

    No limit of cost, latency or quality makes such an option feasible.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["input", "output"]
    tokens: int
    limit: int

    def text(self, model: str) -> str:
        """'300,000 input tokens exceed gpt-4o's 128,000-token context'."""
        window = "context" if self.kind == "input" else "output limit"
        return f"{self.tokens:,} {self.kind} tokens exceed {model}'s {self.limit:,}-token {window}"


CachedPrice = Literal["catalog", "input price", "not applied"]
#: What a cached-input price note says in an option's row.
CACHED_PRICE_TEXT: dict[str, str] = {
    "catalog": "cached tokens at the catalog's cached-input price",
    "input price": "no cached price in the catalog: cached tokens at the full input price",
    "not applied": "no batch cached price in the catalog: batch bills every input token at "
    "the batch input price",
}


class OptionRow(BaseModel):
    """One model in one mode, with everything the decision looked at.

    The cost split (input served fresh, input served from cache, output) adds up to
    `cost_per_request`; None in results saved before the split was recorded.
    """

    model_config = ConfigDict(frozen=True)

    model: str
    provider: str
    mode: Mode
    batch_price: Literal["catalog", "discount"] | None
    cost_per_request: float
    cost_per_day: float
    cost_per_month: float
    latency_ms: float
    latency_assumed: bool
    quality: float
    feasible: bool
    pareto: bool
    #: 1-based place in the priority order, with the limits ignored.
    rank: int
    misses: list[Miss]
    input_cost: float | None = None
    cached_input_cost: float | None = None
    output_cost: float | None = None
    #: How its cached input tokens were priced (None: no prompt cache share).
    cached_price: CachedPrice | None = None
    #: The size tier the request was billed at (its threshold in input tokens; None: base).
    tier_above_tokens: int | None = None
    #: Why the model cannot take the request at all (empty: it can).
    context_misses: list[ContextMiss] = []

    @property
    def label(self) -> str:
        return f"{self.model} ({self.mode})"

    @property
    def fits(self) -> bool:
        return not self.context_misses

    def context_text(self) -> str:
        return "; ".join(c.text(self.model) for c in self.context_misses)


class Relaxation(BaseModel):
    """The smallest change of one limit alone that makes some option feasible (None: none)."""

    model_config = ConfigDict(frozen=True)

    constraint: Constraint
    field: str
    limit: float
    needed: float | None
    change: float | None
    change_pct: float | None
    model: str | None
    mode: Mode | None


class Scatter(BaseModel):
    """Every option as parallel arrays (the plot's points); `model_index` points into `models`."""

    model_config = ConfigDict(frozen=True)

    models: list[str]
    model_index: list[int]
    batch: list[bool]
    cost_per_request: list[float]
    latency_ms: list[float]
    quality: list[float]
    feasible: list[bool]
    pareto: list[bool]
    #: False where the model cannot take the request (context or output limit); empty in
    #: results saved before limits were checked.
    fits: list[bool] = []


class Result(FrameworkResult):
    priority: Priority
    max_cost_per_request_usd: float
    max_latency_ms: float
    min_quality: float
    pick: OptionRow | None
    #: The limits that stop a better pick (empty: none does): those `better_option` misses,
    #: or `tie_option` when nothing is better on the priority's first corner.
    binding: list[Constraint]
    #: The nearest option better on the priority's first corner (quality, or cost for
    #: cost_latency); among equals the one nearest to meeting every limit.
    better_option: OptionRow | None
    #: An option as good on the first corner and better on the second, kept out by a limit.
    tie_option: OptionRow | None
    #: When nothing is feasible: the option nearest to meeting every limit.
    closest: OptionRow | None
    options: list[OptionRow]
    relaxations: list[Relaxation]
    n_candidates: int
    n_options: int
    n_feasible: int
    n_pareto: int
    n_latency_assumed: int
    #: Options whose model cannot take the request (context or output limit).
    n_too_long: int = 0
    unknown_models: list[str]
    unscored_models: list[str]
    invalid_models: list[str]
    scatter: Scatter
    #: Best quality per cost among options within the latency budget (a staircase, cost up).
    frontier_cost: list[float]
    frontier_quality: list[float]
    catalog_source: str
    price_date: dt.date | None


class _Options:
    """Every candidate in every mode as arrays, index i = one option."""

    def __init__(self, x: Inputs, models: Sequence[ModelInfo]) -> None:
        # One pass per attribute: the cheapest way through thousands of pydantic models.
        n = len(models)

        def column(values: Iterable[float | None]) -> np.ndarray:
            return np.fromiter((math.nan if v is None else v for v in values), float, n)

        tokens_in = float(x.input_tokens_per_request)
        tokens_out = float(x.output_tokens_per_request)
        # Cached tokens are a share of the prompt, so they count towards a tier's threshold.
        tokens_cached = tokens_in * x.cached_input_pct / 100.0
        tokens_fresh = tokens_in - tokens_cached
        price_in = column(m.input_cost_per_token for m in models)
        price_out = column(m.output_cost_per_token for m in models)
        batch_in = column(m.input_cost_per_token_batch for m in models)
        batch_out = column(m.output_cost_per_token_batch for m in models)
        # Each column is a pass over thousands of models: the cached prices only when used.
        if tokens_cached > 0:
            cached = column(m.cache_read_input_token_cost for m in models)
            batch_cached = column(m.cache_read_input_token_cost_batch for m in models)
        else:
            cached, batch_cached = np.full(n, math.nan), np.full(n, math.nan)
        tier = np.zeros(n, dtype=np.int64)
        batch_tiered = np.zeros(n, dtype=bool)
        # Few models have size tiers (about 250 of 3,300), so a loop over them is cheap.
        for i, m in enumerate(models):
            t = m.tier_at(tokens_in) if m.price_tiers else None
            if t is None:
                continue
            tier[i] = t.above_tokens
            price_in[i], price_out[i] = t.input_cost_per_token, t.output_cost_per_token
            b = (t.input_cost_per_token_batch, t.output_cost_per_token_batch)
            batch_tiered[i] = b != (m.input_cost_per_token_batch, m.output_cost_per_token_batch)
            for target, value in (
                (cached, t.cache_read_input_token_cost),
                (batch_in, b[0]),
                (batch_out, b[1]),
                (batch_cached, t.cache_read_input_token_cost_batch),
            ):
                target[i] = math.nan if value is None else value
        max_in = column(m.max_input_tokens for m in models)
        max_out = column(m.max_output_tokens for m in models)
        # Unknown limits (NaN) compare False: they never rule a model out.
        self.in_too_long = tokens_in > max_in
        self.out_too_long = tokens_out > max_out
        self.max_in, self.max_out = max_in, max_out
        quality = column(m.quality.score if m.quality is not None else None for m in models)
        profiles = [m.latency for m in models]
        ttft = column(p.ttft_ms if p is not None else None for p in profiles)
        speed = column(p.output_tokens_per_second if p is not None else None for p in profiles)
        measured = ~np.isnan(ttft)
        ttft = np.where(measured, ttft, x.default_ttft_ms)
        speed = np.where(measured, speed, x.default_output_tokens_per_second)
        has_cached = ~np.isnan(cached)
        with np.errstate(all="ignore"):
            fresh = [tokens_fresh * price_in]
            from_cache = [tokens_cached * np.where(has_cached, cached, price_in)]
            output = [tokens_out * price_out]
            latency = [ttft + tokens_out / speed * 1000.0]
        # 0: cache priced at a cached price, 1: at the input price, 2: not applied.
        cache_rule = [np.where(has_cached, 0, 1)]
        index = [np.arange(n)]
        batch = [np.zeros(n, dtype=bool)]
        assumed = [~measured]
        from_catalog = [np.zeros(n, dtype=bool)]
        tiers = [tier]
        if x.batch_acceptable:
            keep = 1.0 - x.batch_discount_pct / 100.0
            catalog_in, catalog_out = ~np.isnan(batch_in), ~np.isnan(batch_out)
            # Caching applies to a batch job only at the catalog's batch cached price.
            batch_cache = catalog_in & ~np.isnan(batch_cached)
            with np.errstate(all="ignore"):
                b_in = np.where(catalog_in, batch_in, price_in * keep)
                b_out = np.where(catalog_out, batch_out, price_out * keep)
                fresh.append(np.where(batch_cache, tokens_fresh, tokens_in) * b_in)
                from_cache.append(np.where(batch_cache, tokens_cached * batch_cached, 0.0))
                output.append(tokens_out * b_out)
            cache_rule.append(np.where(batch_cache, 0, 2))
            latency.append(np.full(n, x.batch_turnaround_hours * MS_PER_HOUR))
            index.append(np.arange(n))
            batch.append(np.ones(n, dtype=bool))
            assumed.append(np.zeros(n, dtype=bool))
            from_catalog.append(catalog_in | catalog_out)
            # A catalog batch price is tiered only where the map tiers the batch price.
            tiers.append(np.where(catalog_in | catalog_out, np.where(batch_tiered, tier, 0), tier))
        self.cost_fresh = np.concatenate(fresh)
        self.cost_cached = np.concatenate(from_cache)
        self.cost_output = np.concatenate(output)
        self.cost = self.cost_fresh + self.cost_cached + self.cost_output
        self.latency = np.concatenate(latency)
        self.model = np.concatenate(index)
        self.quality = quality[self.model]
        self.batch = np.concatenate(batch)
        self.assumed = np.concatenate(assumed)
        self.batch_from_catalog = np.concatenate(from_catalog)
        self.cache_rule = np.concatenate(cache_rule)
        self.tier = np.concatenate(tiers)
        # Overflowing prices or broken measurements would poison every comparison: drop them.
        valid = np.isfinite(self.cost) & np.isfinite(self.latency) & np.isfinite(self.quality)
        self.invalid_models = sorted({models[i].id for i in self.model[~valid]})
        if not valid.all():
            for name in (
                "cost",
                "cost_fresh",
                "cost_cached",
                "cost_output",
                "latency",
                "model",
                "quality",
                "batch",
                "assumed",
                "batch_from_catalog",
                "cache_rule",
                "tier",
            ):
                setattr(self, name, getattr(self, name)[valid])
        self.fits = ~(self.in_too_long | self.out_too_long)[self.model]
        self.per_day = self.cost * x.requests_per_day
        self.per_month = self.per_day * DAYS_PER_MONTH
        limits = (x.max_cost_per_request_usd, x.max_latency_ms, x.min_quality)
        self.ok = np.column_stack(
            [
                self.cost <= limits[0] * (1 + TOLERANCE),
                self.latency <= limits[1] * (1 + TOLERANCE),
                self.quality >= limits[2] - TOLERANCE,
            ]
        )
        self.over = np.column_stack(
            [
                np.where(self.ok[:, 0], 0.0, self.cost - limits[0]),
                np.where(self.ok[:, 1], 0.0, self.latency - limits[1]),
                np.where(self.ok[:, 2], 0.0, limits[2] - self.quality),
            ]
        )
        self.limits = limits
        self.feasible = self.ok.all(axis=1) & self.fits
        self.values = np.column_stack([self.cost, self.latency, self.quality])
        # A model that cannot take the request is no alternative to one that can: the front
        # and everything derived from it hold only options that fit.
        self.pareto = np.zeros(len(self.cost), dtype=bool)
        self.pareto[self.fits] = analysis.pareto_mask(
            self.values[self.fits], maximise=[False, False, True]
        )
        self.order = _priority_order(x.priority, self)
        self.rank = np.empty(self.order.size, dtype=int)
        self.rank[self.order] = np.arange(self.order.size)

    def __len__(self) -> int:
        return int(self.cost.size)

    def relative_over(self) -> np.ndarray:
        """Each miss as a fraction of its limit (limits of 0 cannot be missed by a fraction)."""
        limits = np.asarray(self.limits)
        return self.over / np.where(limits > 0, limits, 1.0)


def _priority_order(priority: Priority, o: _Options) -> np.ndarray:
    """Option indices best first by the priority, limits ignored; full ties by model, then mode.

    Every key of the three objectives is used, so the first feasible option in this order is
    never dominated by another option: a dominating one would be feasible too and come first.
    """
    tie = o.model * 2 + o.batch
    keys = {
        "quality_cost": (tie, o.latency, o.cost, -o.quality),
        "quality_latency": (tie, o.cost, o.latency, -o.quality),
        "cost_latency": (tie, -o.quality, o.latency, o.cost),
    }[priority]
    return np.lexsort(keys)


def compute(inputs: Inputs, catalog: Catalog | None = None) -> Result:
    """Cost, latency and quality of every candidate in every mode; feasible set, front, pick.

    Per option (units: dollars, milliseconds, quality score 0..1), with cached = input tokens x
    cache share and uncached = input tokens - cached:
      cost per request = uncached x input price + cached x cached price + output tokens x output
      price, where the cached price is the catalog's cached-input price, or the input price for
      a model without one (a share of 0 gives input tokens x input price + output x output);
      per day = cost per request x requests per day; per month = per day x 30.4.
      Prices are those of the model's highest size tier whose threshold the input tokens
      exceed (strictly, as litellm's cost calculator), for the whole request, cached tokens
      included (a tier without its own cached price keeps the lower tier's, as litellm does).
      real-time latency = time to first token + output tokens / output tokens per second x 1000
      (the catalog's latency profile, else the default one); batch latency = turnaround x 3.6e6.
      Batch prices are the catalog's batch prices (a size tier's batch prices where the map
      has them, else its flat batch price: litellm's rule), else the real-time price at this
      size x (1 - discount). The cache counts in batch only at the catalog's batch cached
      price (`cache_read_input_token_cost_batches`); otherwise a batch job bills every input
      token at the batch input price (litellm would bill them at the real-time cached price;
      we do not assume a provider discounts cache reads inside batch jobs).
    Fits: input tokens <= the model's context (max input tokens) and output tokens <= its
    max output tokens; an unknown limit rules nothing out. An option that does not fit is
    never feasible, never on the front, never named as a better option or a relaxation.
    Feasible: it fits, cost <= max cost, latency <= max latency, quality >= min quality (within
    1e-9).
    Pareto front: among options that fit, those no other option matches or beats on all three
    with one strictly better.
    Pick: the first feasible option in the priority order (see _priority_order), hence always on
    the front. With no feasible option the pick is "none" and, for each limit alone, the
    smallest relaxation that admits some option is reported with that option.
    A missing catalog counts as an empty one; the result then says there is nothing to compare.
    """
    x = inputs
    catalog = catalog if catalog is not None else Catalog()
    if x.candidate_models:
        wanted = list(dict.fromkeys(x.candidate_models))
        known = [catalog.get(i) for i in wanted if i in catalog]
        unknown = [i for i in wanted if i not in catalog]
    else:
        known, unknown = catalog.with_quality(), []
    models = [m for m in known if m.quality is not None]
    unscored = [m.id for m in known if m.quality is None]
    o = _Options(x, models)

    pick_index: int | None = None
    feasible_in_order = o.order[o.feasible[o.order]]
    if feasible_in_order.size:
        pick_index = int(feasible_in_order[0])

    def row(i: int) -> OptionRow:
        return _row(x, models, o, i)

    pick = row(pick_index) if pick_index is not None else None
    better_index, tie_index = _nearest_better(o, x.priority, pick_index)
    binding: list[Constraint] = []
    stopped = better_index if better_index is not None else tie_index
    if stopped is not None:
        binding = [c for j, c in enumerate(_CONSTRAINTS) if not o.ok[stopped, j]]
    relaxations: list[Relaxation] = []
    named: list[int] = []
    closest_index = None
    if pick_index is None and len(o):
        relaxations, named = _relaxations(models, o)
        closest_index = _closest(o)
    better = row(better_index) if better_index is not None else None
    tie = row(tie_index) if tie_index is not None else None
    closest = row(closest_index) if closest_index is not None else None

    kept = _kept_rows(o, [pick_index, better_index, tie_index, closest_index, *named])
    options = [row(i) for i in kept]
    frontier = _frontier(o)

    if pick is not None and pick_index is not None:
        above = int(o.rank[pick_index])
        rationale, headline = _explain(x, catalog, o, pick, better, tie, binding, above)
    else:
        rationale, headline = _explain_none(x, catalog, o, relaxations, closest, len(models))
    rationale += _notes(unknown, unscored, o.invalid_models)
    figures = _figures(pick, o)
    return Result(
        recommendation=pick.label if pick is not None else "none",
        headline=headline,
        rationale=rationale,
        figures=figures,
        priority=x.priority,
        max_cost_per_request_usd=x.max_cost_per_request_usd,
        max_latency_ms=x.max_latency_ms,
        min_quality=x.min_quality,
        pick=pick,
        binding=binding,
        better_option=better,
        tie_option=tie,
        closest=closest,
        options=options,
        relaxations=relaxations,
        n_candidates=len(models),
        n_options=len(o),
        n_feasible=int(o.feasible.sum()),
        n_pareto=int(o.pareto.sum()),
        n_latency_assumed=int(o.assumed.sum()),
        n_too_long=int((~o.fits).sum()),
        unknown_models=unknown,
        unscored_models=unscored,
        invalid_models=o.invalid_models,
        # Built from numpy's own lists, so pydantic's check of thousands of values is skipped.
        scatter=Scatter.model_construct(
            models=[m.id for m in models],
            model_index=o.model.tolist(),
            batch=o.batch.tolist(),
            cost_per_request=_significant(o.cost).tolist(),
            latency_ms=_significant(o.latency).tolist(),
            quality=_significant(o.quality).tolist(),
            feasible=o.feasible.tolist(),
            pareto=o.pareto.tolist(),
            # Kept only when it says something: most requests fit every model.
            fits=[] if o.fits.all() else o.fits.tolist(),
        ),
        frontier_cost=frontier[0],
        frontier_quality=frontier[1],
        catalog_source=catalog.source,
        price_date=catalog.price_date,
    )


def _significant(values: np.ndarray, digits: int = SCATTER_DIGITS) -> np.ndarray:
    """Values rounded to `digits` significant digits, each the double nearest its decimal.

    An integer times or divided by an exact power of ten is correctly rounded, so the stored
    JSON reads 0.000465, not 0.00046500000000000003.
    """
    v = np.asarray(values, dtype=float)
    out = v.copy()
    nonzero = v != 0
    exponent = np.floor(np.log10(np.abs(v[nonzero]))).astype(int) - (digits - 1)
    # Below 1e-300 the scale would overflow; such values round to 0.
    exponent = np.maximum(exponent, -300)
    w = v[nonzero]
    up = exponent >= 0
    scale_up = 10.0 ** exponent[up]
    scale_down = 10.0 ** -exponent[~up]
    w[up] = np.round(w[up] / scale_up) * scale_up
    w[~up] = np.round(w[~up] * scale_down) / scale_down
    out[nonzero] = w
    return out


def _row(x: Inputs, models: Sequence[ModelInfo], o: _Options, i: int) -> OptionRow:
    m = models[int(o.model[i])]
    batch = bool(o.batch[i])
    values = (float(o.cost[i]), float(o.latency[i]), float(o.quality[i]))
    misses = []
    for j, c in enumerate(_CONSTRAINTS):
        if o.ok[i, j]:
            continue
        limit = o.limits[j]
        by = float(o.over[i, j])
        misses.append(
            Miss(
                constraint=c,
                limit=limit,
                value=values[j],
                by=by,
                by_pct=by / limit * 100 if limit > 0 else 0.0,
            )
        )
    return OptionRow(
        model=m.id,
        provider=m.provider,
        mode="batch" if batch else "real-time",
        batch_price=("catalog" if o.batch_from_catalog[i] else "discount") if batch else None,
        cost_per_request=values[0],
        cost_per_day=float(o.per_day[i]),
        cost_per_month=float(o.per_month[i]),
        latency_ms=values[1],
        latency_assumed=bool(o.assumed[i]),
        quality=values[2],
        feasible=bool(o.feasible[i]),
        pareto=bool(o.pareto[i]),
        rank=int(o.rank[i]) + 1,
        misses=misses,
        input_cost=float(o.cost_fresh[i]),
        cached_input_cost=float(o.cost_cached[i]),
        output_cost=float(o.cost_output[i]),
        cached_price=_CACHE_RULES[int(o.cache_rule[i])] if x.cached_input_pct > 0 else None,
        tier_above_tokens=int(o.tier[i]) or None,
        context_misses=_context_misses(x, o, int(o.model[i])),
    )


_CACHE_RULES: tuple[CachedPrice, ...] = ("catalog", "input price", "not applied")


def _context_misses(x: Inputs, o: _Options, m: int) -> list[ContextMiss]:
    out = []
    if o.in_too_long[m]:
        limit = int(o.max_in[m])
        out.append(ContextMiss(kind="input", tokens=x.input_tokens_per_request, limit=limit))
    if o.out_too_long[m]:
        limit = int(o.max_out[m])
        out.append(ContextMiss(kind="output", tokens=x.output_tokens_per_request, limit=limit))
    return out


def _relaxations(models: Sequence[ModelInfo], o: _Options) -> tuple[list[Relaxation], list[int]]:
    """Per limit alone: the option the smallest change admits, and the limit that admits it.

    Only options that fit the request count: no limit makes the others feasible. Returns the
    relaxations and the indices of the options they name.
    """
    fit = np.nonzero(o.fits)[0]
    if fit.size == 0:
        return [], []
    # The priority order restricted to the fitting options, as positions among them.
    position = np.full(len(o), -1)
    position[fit] = np.arange(fit.size)
    order = position[o.order[o.fits[o.order]]]
    local = analysis.smallest_relaxations(o.values[fit], o.ok[fit], [True, True, False], order)
    found = [
        None if hit is None else analysis.RelaxedLimit(int(fit[hit.row]), hit.limit)
        for hit in local
    ]
    out = []
    for j, (c, hit) in enumerate(zip(_CONSTRAINTS, found, strict=True)):
        limit = o.limits[j]
        if hit is None:
            out.append(
                Relaxation(
                    constraint=c,
                    field=_FIELDS[c],
                    limit=limit,
                    needed=None,
                    change=None,
                    change_pct=None,
                    model=None,
                    mode=None,
                )
            )
            continue
        change = hit.limit - limit
        out.append(
            Relaxation(
                constraint=c,
                field=_FIELDS[c],
                limit=limit,
                needed=hit.limit,
                change=change,
                change_pct=change / limit * 100 if limit > 0 else 0.0,
                model=models[int(o.model[hit.row])].id,
                mode="batch" if o.batch[hit.row] else "real-time",
            )
        )
    return out, [hit.row for hit in found if hit is not None]


def _nearest_better(
    o: _Options, priority: Priority, pick: int | None
) -> tuple[int | None, int | None]:
    """What a limit keeps the pick from: a step up on the first corner, and a tie-break win.

    The step up: among options strictly better on the first corner (higher quality; lower
    cost for cost_latency), those with the smallest improvement, and of them the one whose
    misses, each relative to its limit, add up to the least (the cheapest way up). The tie:
    among options equal on the first corner but ranked above the pick, the nearest to meeting
    every limit likewise. All of them are infeasible, or they would have been picked.
    """
    if pick is None:
        return None, None
    primary = o.cost if priority == "cost_latency" else -o.quality
    at = primary[pick]
    miss = o.relative_over().sum(axis=1)
    # An option the request does not fit is not kept out by a limit: it is never named.
    primary = np.where(o.fits, primary, np.inf)

    def nearest(candidates: np.ndarray) -> int | None:
        if candidates.size == 0:
            return None
        least = miss[candidates].min()
        tied = candidates[miss[candidates] == least]
        return int(tied[np.argmin(o.rank[tied])])

    up = np.nonzero(primary < at)[0]
    step = up[primary[up] == primary[up].max()] if up.size else up
    level = np.nonzero((primary == at) & (o.rank < o.rank[pick]))[0]
    return nearest(step), nearest(level)


def _closest(o: _Options) -> int | None:
    """The option that fits the request whose misses, each as a fraction of its limit, add
    up to the least (None: none fits)."""
    if not o.fits.any():
        return None
    total = np.where(o.fits, o.relative_over().sum(axis=1), np.inf)
    best = total.min()
    tied = np.nonzero(total == best)[0]
    return int(tied[np.argmin(o.rank[tied])])


def _kept_rows(o: _Options, named: Sequence[int | None]) -> list[int]:
    """The best feasible, the best overall and the front's best by priority, and named options.

    Feasible rows first, each group in priority order: the rows a reader scans for the pick.
    """
    order = o.order
    chosen = set(order[o.feasible[order]][:TOP_FEASIBLE_ROWS].tolist())
    chosen.update(order[:TOP_OVERALL_ROWS].tolist())
    chosen.update(order[o.pareto[order]][:MAX_PARETO_ROWS].tolist())
    chosen.update(int(i) for i in named if i is not None)
    return sorted(chosen, key=lambda i: (not o.feasible[i], o.rank[i]))


def _frontier(o: _Options) -> tuple[list[float], list[float]]:
    """The cost-quality staircase of the options within the latency budget.

    Sorted by cost (then quality down, latency up), an option is on it when its quality beats
    every cheaper one's. Each such point is also on the three-way Pareto front.
    """
    idx = np.nonzero(o.ok[:, 1] & o.fits)[0]
    if idx.size == 0:
        return [], []
    idx = idx[np.lexsort((o.latency[idx], -o.quality[idx], o.cost[idx]))]
    q = o.quality[idx]
    best_before = np.concatenate([[-np.inf], np.maximum.accumulate(q)[:-1]])
    on = idx[q > best_before]
    return o.cost[on].tolist(), o.quality[on].tolist()


def _figures(pick: OptionRow | None, o: _Options) -> list[Figure]:
    none = "none feasible"

    def value(attr: str) -> float | None:
        return float(getattr(pick, attr)) if pick is not None else None

    return [
        Figure(
            key="cost_per_request",
            label="Cost per request",
            value=value("cost_per_request"),
            unit="usd",
            none_text=none,
        ),
        Figure(
            key="cost_per_day",
            label="Cost per day",
            value=value("cost_per_day"),
            unit="usd",
            none_text=none,
        ),
        Figure(
            key="cost_per_month",
            label="Cost per month (30.4 days)",
            value=value("cost_per_month"),
            unit="usd",
            none_text=none,
        ),
        Figure(
            key="latency_ms",
            label="Latency",
            value=value("latency_ms"),
            unit="ms",
            none_text=none,
        ),
        Figure(
            key="quality",
            label="Quality (0..1)",
            value=value("quality"),
            unit="ratio",
            none_text=none,
        ),
        Figure(
            key="feasible_options",
            label="Feasible options",
            value=float(o.feasible.sum()),
            unit="count",
        ),
        Figure(key="options", label="Options compared", value=float(len(o)), unit="count"),
        Figure(
            key="pareto_options",
            label="Options on the Pareto front",
            value=float(o.pareto.sum()),
            unit="count",
        ),
    ]


# --- Sentences -------------------------------------------------------------------------------


def _limit_text(c: Constraint, value: float) -> str:
    if c == "cost":
        return usd(value)
    if c == "latency":
        return duration(value)
    return f"{value:.3g}"


def _signed_pct(value: float | None) -> str:
    v = value or 0.0
    return ("+" if v > 0 else "") + _pct(v)


def _pct(value: float) -> str:
    return f"{value:.3g}%" if abs(value) < 1000 else f"{value:,.0f}%"


def _miss_text(m: Miss) -> str:
    """How an option misses a limit; ten times the limit or more reads as a multiple."""
    if m.constraint == "quality":
        return f"scores {m.value:.3g}, {m.by:.3g} below the {m.limit:.3g} minimum"
    if m.constraint == "cost":
        what, limit = f"costs {usd(m.value)} a request", f"the {usd(m.limit)} cap"
        by = usd(m.by)
    else:
        what, limit = f"takes {duration(m.value)}", f"the {duration(m.limit)} budget"
        by = duration(m.by)
    if m.value >= 10 * m.limit:
        times = m.value / m.limit
        return (
            f"{what}, {times:,.0f} times {limit}"
            if times >= 100
            else f"{what}, {times:.3g} times {limit}"
        )
    return f"{what}, {by} ({_pct(m.by_pct)}) over {limit}"


def _latency_text(x: Inputs, r: OptionRow, profile: LatencyProfile | None) -> str:
    """The pick's latency and where it came from: an example profile is not a measurement."""
    if r.mode == "batch":
        return f"{duration(r.latency_ms)} (the batch turnaround)"
    if r.latency_assumed:
        return (
            f"{duration(r.latency_ms)} (assumed, no measured latency: "
            f"{format_number(x.default_ttft_ms)} ms to first token + "
            f"{x.output_tokens_per_request:,} tokens at "
            f"{format_number(x.default_output_tokens_per_second)} tokens/s)"
        )
    if profile is None:  # a row always has the profile it was computed from; kept total
        return f"{duration(r.latency_ms)} (its latency profile)"
    return (
        f"{duration(r.latency_ms)} ({profile.source} latency profile, {profile.date.isoformat()}: "
        f"{format_number(profile.ttft_ms)} ms to first token + {x.output_tokens_per_request:,} "
        f"tokens at {format_number(profile.output_tokens_per_second)} tokens/s)"
    )


def _explain(
    x: Inputs,
    catalog: Catalog,
    o: _Options,
    pick: OptionRow,
    better: OptionRow | None,
    tie: OptionRow | None,
    binding: list[Constraint],
    ranked_above: int,
) -> tuple[list[str], str]:
    """Why the pick: its cost, latency and quality, the priority, and the binding limit."""
    m = catalog.get(pick.model)
    corners, rule = _PRIORITY_TEXT[x.priority]
    if pick.mode == "batch":
        price = (
            "at the catalog's batch prices"
            if pick.batch_price == "catalog"
            else f"at the real-time price less the {format_number(x.batch_discount_pct)}% "
            "batch discount"
        )
    else:
        prices = m.tier_at(x.input_tokens_per_request) or m
        price = (
            f"({x.input_tokens_per_request:,} input tokens at "
            f"${prices.input_cost_per_token * 1e6:,.4g} per million and "
            f"{x.output_tokens_per_request:,} output tokens at "
            f"${prices.output_cost_per_token * 1e6:,.4g} per million)"
        )
    out = [
        f"{pick.label} costs {usd(pick.cost_per_request)} a request {price}: "
        f"{money(pick.cost_per_day)} a day and {money(pick.cost_per_month)} a month at "
        f"{format_number(x.requests_per_day)} requests a day.",
        *_split_text(x, pick),
        f"It answers in {_latency_text(x, pick, m.latency)}, within the "
        f"{duration(x.max_latency_ms)} budget, and scores {pick.quality:.3g} against the "
        f"{x.min_quality:.3g} minimum.",
        f"Optimising {corners}: the pick is {rule}; {counted(int(o.feasible.sum()), 'option')} "
        f"of {len(o):,} {'is' if o.feasible.sum() == 1 else 'are'} feasible.",
    ]
    by_cost = x.priority == "cost_latency"
    corner = "cost" if by_cost else "quality"
    same = ""
    if tie is not None:
        same = (
            f"at the same {corner}, {tie.label} ({usd(tie.cost_per_request)} a request, "
            f"{duration(tie.latency_ms)}, quality {tie.quality:.3g}) ranks higher by this "
            f"priority but {_misses_text(tie)}."
        )
    if better is None and tie is None:
        too_long = int((~o.fits[o.order[:ranked_above]]).sum())
        out.append(
            "No limit binds: no option ranks above it by this priority even with the limits "
            "ignored."
            if too_long == 0
            else "No limit binds: the options ranked above it by this priority are models the "
            f"request does not fit ({counted(too_long, 'option')}; "
            f"{_request_text(x)} exceed their context or output limit)."
        )
    else:
        names = " and the ".join(_LIMIT_NAMES[c] for c in binding)
        lead = f"The binding constraint is the {names}: "
        if better is not None:
            step = (
                f"the next step down in cost, {better.label} at "
                f"{usd(better.cost_per_request)} a request"
                if by_cost
                else f"the next step up in quality, {better.label} at {better.quality:.3g}"
            )
            out.append(f"{lead}{step}, {_misses_text(better)}.")
            if same:
                out.append(same[0].upper() + same[1:])
        else:
            out.append(lead + same)
        out[-1] += _excluded_counts(o, ranked_above)
    headline = (
        f"{pick.label}: quality {pick.quality:.3g}, {usd(pick.cost_per_request)} a request, "
        f"{duration(pick.latency_ms)}"
    )
    return out, headline


def _split_text(x: Inputs, r: OptionRow) -> list[str]:
    """The sentence on a price tier and the prompt cache, when either shaped the cost."""
    if r.input_cost is None or (r.tier_above_tokens is None and r.cached_price is None):
        return []
    parts = []
    if r.tier_above_tokens is not None:
        # xAI's tiers start at their threshold: a request of exactly that size reaches it.
        verb = "exceed" if x.input_tokens_per_request > r.tier_above_tokens else "reach"
        parts.append(
            f"Its {x.input_tokens_per_request:,} input tokens {verb} "
            f"{r.tier_above_tokens:,}, so the whole request is billed at the model's prices above "
            f"{r.tier_above_tokens:,} input tokens."
        )
    if r.cached_price is not None:
        cached = x.input_tokens_per_request * x.cached_input_pct / 100
        fresh = x.input_tokens_per_request - cached
        parts.append(
            f"Cost split per request: {usd(r.input_cost)} for {format_number(fresh)} uncached "
            f"input tokens, {usd(r.cached_input_cost or 0.0)} for {format_number(cached)} "
            f"input tokens served from the cache ({format_number(x.cached_input_pct)}%; "
            f"{CACHED_PRICE_TEXT[r.cached_price]}) and {usd(r.output_cost or 0.0)} for "
            f"{x.output_tokens_per_request:,} output tokens."
        )
    return [" ".join(parts)]


def _misses_text(r: OptionRow) -> str:
    """Why an option is out: the request it cannot take first, then each limit it misses."""
    texts = [r.context_text()] if r.context_misses else []
    return "; ".join(texts + [_miss_text(m) for m in r.misses])


def _excluded_counts(o: _Options, ranked_above: int) -> str:
    """How many of the options ranked above the pick each limit rules out."""
    if ranked_above < 2:
        return ""
    above = o.order[:ranked_above]
    parts = [
        f"{int((~o.ok[above, j]).sum()):,} miss the {_LIMIT_NAMES[c]}"
        for j, c in enumerate(_CONSTRAINTS)
        if (~o.ok[above, j]).any()
    ]
    too_long = int((~o.fits[above]).sum())
    if too_long:
        parts.append(f"{too_long:,} cannot take a request this size")
    return f" Of the {ranked_above:,} options ranked above the pick, " + ", ".join(parts) + "."


def _request_text(x: Inputs) -> str:
    return f"{x.input_tokens_per_request:,} input and {x.output_tokens_per_request:,} output tokens"


def _explain_none(
    x: Inputs,
    catalog: Catalog,
    o: _Options,
    relaxations: list[Relaxation],
    closest: OptionRow | None,
    n_models: int,
) -> tuple[list[str], str]:
    """Why there is no pick: nothing to compare, or each limit's smallest relaxation."""
    if n_models == 0 or len(o) == 0:
        if x.candidate_models:
            why = "none of the named candidate models is in the catalog with a quality score"
        elif len(catalog) == 0:
            why = "the model catalog is empty"
        else:
            why = "no model in the catalog has a quality score"
        return (
            [
                f"There is nothing to compare: {why}. Add quality scores on the Models tab "
                "(entered, imported from CSV or measured) or name candidate models that have one."
            ],
            "No candidate models to compare",
        )
    limits = (
        f"cost at most {usd(x.max_cost_per_request_usd)} a request, latency at most "
        f"{duration(x.max_latency_ms)}, quality at least {x.min_quality:.3g}"
    )
    if not o.fits.any():
        largest = int(np.nanmax(o.max_in)) if not np.isnan(o.max_in).all() else None
        widest = (
            f"; the largest context among them is {largest:,} tokens"
            if largest is not None and o.in_too_long.any()
            else ""
        )
        return (
            [
                f"No candidate model can take a request of {_request_text(x)}: it exceeds "
                f"the context or output limit of every one{widest}. No change of the cost, "
                "latency or quality limit helps; shorten the request or add a model with a "
                "longer context."
            ],
            "Nothing is feasible: no candidate model fits a request this size",
        )
    out = [f"None of the {counted(len(o), 'option')} meets all three limits ({limits})."]
    too_long = int((~o.fits).sum())
    if too_long:
        out.append(
            f"{counted(too_long, 'option')} cannot take a request of {_request_text(x)} (context "
            "or output limit) and no limit change makes them feasible; the changes below "
            "consider the others."
        )
    helpful = [r for r in relaxations if r.needed is not None]
    for r in relaxations:
        name = _LIMIT_NAMES[r.constraint]
        if r.needed is None:
            others = " and the ".join(_LIMIT_NAMES[c] for c in _CONSTRAINTS if c != r.constraint)
            which = "option that fits the request" if too_long else "option"
            out.append(
                f"Changing the {name} alone cannot help: no {which} meets both the {others}."
            )
            continue
        verb = "Lowering" if r.constraint == "quality" else "Raising"
        out.append(
            f"{verb} the {name} from {_limit_text(r.constraint, r.limit)} to "
            f"{_limit_text(r.constraint, r.needed)} ({_signed_pct(r.change_pct)}) makes "
            f"{r.model} ({r.mode}) feasible."
        )
    if helpful:
        best = min(helpful, key=lambda r: abs(r.change_pct or 0.0))
        verb = "lower" if best.constraint == "quality" else "raise"
        headline = (
            f"Nothing is feasible: the smallest change is to {verb} the "
            f"{_LIMIT_NAMES[best.constraint]} to {_limit_text(best.constraint, best.needed or 0)} "
            f"({_signed_pct(best.change_pct)})"
        )
    else:
        headline = "Nothing is feasible, and relaxing one limit alone is not enough"
    if closest is not None:
        misses = "; ".join(_miss_text(m) for m in closest.misses)
        out.append(f"The option nearest to meeting every limit is {closest.label}: it {misses}.")
    return out, headline


def _notes(unknown: list[str], unscored: list[str], invalid: list[str]) -> list[str]:
    out = []
    if unknown:
        out.append(f"Not in the catalog, so not compared: {_names(unknown)}.")
    if unscored:
        out.append(
            f"Skipped for want of a quality score: {_names(unscored)} (score them on the "
            "Models tab)."
        )
    if invalid:
        out.append(f"Skipped for prices or measurements out of range: {_names(invalid)}.")
    return out


def _names(ids: list[str], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit:,} more" if len(ids) > limit else "")


def summarize(inputs: Inputs, result: Result) -> str:
    """Markdown body of the decision summary: the options, any relaxations, the assumptions."""
    x, r = inputs, result
    cached = x.cached_input_pct > 0
    lines = [
        "### Considered options",
        "",
        f"{counted(r.n_options, 'option')} ({counted(r.n_candidates, 'model')}"
        + (", real-time and batch" if x.batch_acceptable else ", real-time")
        + f"); {r.n_feasible:,} feasible, {r.n_pareto:,} on the Pareto front. Limits: cost at "
        f"most {usd(r.max_cost_per_request_usd)} a request, latency at most "
        f"{duration(r.max_latency_ms)}, quality at least {r.min_quality:.3g}. The table lists "
        "the pick, the best feasible options, the best by priority and the front."
        + (
            f" {counted(r.n_too_long, 'option')} cannot take a request of {_request_text(x)} "
            "(the model's context or output limit is smaller)."
            if r.n_too_long
            else ""
        ),
        "",
        "| Rank | Model | Mode | Cost per request | "
        + ("Uncached input | Cached input | Output | " if cached else "")
        + "Per month | Latency | Quality | Feasible | Pareto | Misses |",
        "|---|---|---|---|" + ("---|---|---|" if cached else "") + "---|---|---|---|---|---|",
    ]
    for o in r.options[:TOP_FEASIBLE_ROWS]:
        mark = " (pick)" if r.pick is not None and o == r.pick else ""
        assumed = " (assumed)" if o.latency_assumed else ""
        misses = _misses_text(o) or "none"
        tier = f" (above-{o.tier_above_tokens:,}-token prices)" if o.tier_above_tokens else ""
        split = ""
        if cached and o.input_cost is not None:
            note = {"input price": " (no cached price)", "not applied": " (not applied)"}
            split = (
                f"{usd(o.input_cost)} | {usd(o.cached_input_cost or 0.0)}"
                f"{note.get(o.cached_price or '', '')} | {usd(o.output_cost or 0.0)} | "
            )
        lines.append(
            f"| {o.rank} | {o.model}{mark} | {o.mode} | {usd(o.cost_per_request)}{tier} | "
            f"{split}{money(o.cost_per_month)} | {duration(o.latency_ms)}{assumed} | "
            f"{o.quality:.3g} | {'yes' if o.feasible else 'no'} | "
            f"{'yes' if o.pareto else 'no'} | {misses} |"
        )
    if len(r.options) > TOP_FEASIBLE_ROWS:
        lines += ["", f"{len(r.options) - TOP_FEASIBLE_ROWS:,} more options are in the app."]
    if r.relaxations:
        lines += [
            "",
            "### Smallest relaxations",
            "",
            "| Limit | Now | Needed | Change | Makes feasible |",
            "|---|---|---|---|---|",
        ]
        for rx in r.relaxations:
            if rx.needed is None:
                lines.append(
                    f"| {_LIMIT_NAMES[rx.constraint]} | {_limit_text(rx.constraint, rx.limit)} "
                    "| n/a | alone, no change helps | none |"
                )
            else:
                lines.append(
                    f"| {_LIMIT_NAMES[rx.constraint]} | {_limit_text(rx.constraint, rx.limit)} "
                    f"| {_limit_text(rx.constraint, rx.needed)} | {_signed_pct(rx.change_pct)} | "
                    f"{rx.model} ({rx.mode}) |"
                )
    dated = f", prices as of {r.price_date.isoformat()}" if r.price_date else ""
    lines += [
        "",
        "### Assumptions",
        "",
        f"- Prices per token from the model catalog (source: {r.catalog_source}{dated}); a "
        f"month is {DAYS_PER_MONTH} days.",
        "- Real-time latency is time to first token + output tokens / output speed, until the "
        "answer is complete.",
        f"- Models without a latency profile ({r.n_latency_assumed:,} here) are "
        f"assumed to take {format_number(x.default_ttft_ms)} ms to the first token and write "
        f"{format_number(x.default_output_tokens_per_second)} tokens/s.",
    ]
    if x.batch_acceptable:
        lines.append(
            f"- Batch answers arrive after the {format_number(x.batch_turnaround_hours)}-hour "
            "turnaround; batch prices are the catalog's, or the real-time price less "
            f"{format_number(x.batch_discount_pct)}% where it has none."
        )
    else:
        lines.append("- Batch processing is not acceptable, so only real-time options count.")
    lines.append(
        "- Quality scores come from the catalog (entered, imported or measured); models "
        "without one are skipped."
    )
    lines.append(
        "- A request whose input tokens exceed a price tier's threshold (litellm's prices "
        "above 128k or 200k input tokens) is billed wholly at that tier's prices. A "
        "model whose context (input) or output limit is smaller than the request cannot take "
        "it and is never feasible; an unknown limit rules nothing out."
    )
    if cached:
        lines.append(
            f"- {format_number(x.cached_input_pct)}% of each prompt is served from the cache, "
            "billed at the catalog's cached-input price, or at the full input price for models "
            "without one; batch jobs use the cache only at a batch cached price from the "
            "catalog."
        )
    return "\n".join(lines)
