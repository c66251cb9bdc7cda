"""Build vs Buy: when does training and serving your own model beat paying an API per token?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict

from core import analysis, stats
from core.frameworks.common import (
    Figure,
    FrameworkInputs,
    FrameworkResult,
    format_value,
    money,
    param,
    probability,
    years_text,
)

ID = "build_vs_buy"
TITLE = "Build vs Buy"
GUIDE = (
    "Use this when you could either keep paying a model API per token or train and serve a model "
    "of your own. Buying costs the API price times your token volume, every year. Building costs "
    "a one-off training bill plus the yearly cost of serving it. Building wins when it breaks even "
    "sooner than your decision horizon. Optional extensions add volume growth, API price changes, "
    "retraining and team costs, discounting and a GPU-based serving estimate; the uncertainty "
    "ranges drive the tornado chart and the Monte Carlo simulation."
)

#: With extensions, the breakeven is searched on monthly cash flows this far ahead.
SEARCH_YEARS = 50
HOURS_PER_YEAR = 8760.0

CORE = "Core"
EXT = "Extensions"
GPU = "Self-hosting estimate"
UNC = "Uncertainty"


class Inputs(FrameworkInputs):
    api_cost_per_token: float = param(
        5e-6,
        ge=0,
        le=1,
        step=1e-7,
        unit="$/token",
        group=CORE,
        title="API cost per token",
        description="What the API charges per token (blended input and output), in dollars.",
    )
    inference_volume_per_year: float = param(
        500e9,
        ge=0,
        le=1e16,
        step=1e9,
        unit="tokens/year",
        group=CORE,
        title="Inference volume per year",
        description="Tokens you expect to process in the first year.",
    )
    training_cost: float = param(
        500_000,
        ge=0,
        le=1e11,
        step=10_000,
        unit="$",
        group=CORE,
        title="Training cost",
        description="One-off cost to build the custom model (data, compute, engineering), paid up "
        "front.",
    )
    serving_cost_per_year: float = param(
        100_000,
        ge=0,
        le=1e11,
        step=10_000,
        unit="$/year",
        group=CORE,
        title="Serving cost per year",
        description="Yearly cost to host and serve the custom model (ignored when the GPU-based "
        "estimate is switched on).",
        applies_when=("use_gpu_estimate", False),
    )
    amortization_years: float = param(
        5,
        ge=0.5,
        le=30,
        step=1,
        unit="years",
        group=CORE,
        title="Amortisation period",
        description="Years over which the training cost is spread when quoting a yearly cost of "
        "building. It does not change the breakeven.",
    )
    decision_horizon_years: float = param(
        3,
        gt=0,
        le=30,
        step=0.5,
        unit="years",
        group=CORE,
        title="Decision horizon",
        description="Build only if building breaks even within this many years.",
    )
    volume_growth_pct_per_year: float = param(
        0,
        ge=-90,
        le=1000,
        step=5,
        unit="%/year",
        group=EXT,
        title="Volume growth",
        description="Yearly change of the token volume, in percent (20 = 20% more each year).",
    )
    api_price_change_pct_per_year: float = param(
        0,
        ge=-90,
        le=1000,
        step=5,
        unit="%/year",
        group=EXT,
        title="API price change",
        description="Yearly change of the API price per token, in percent (-30 = 30% cheaper "
        "each year).",
    )
    retraining_cost_per_year: float = param(
        0,
        ge=0,
        le=1e11,
        step=10_000,
        unit="$/year",
        group=EXT,
        title="Retraining cost per year",
        description="Yearly cost of keeping the custom model current (retraining, evaluation).",
    )
    team_cost_per_year: float = param(
        0,
        ge=0,
        le=1e11,
        step=10_000,
        unit="$/year",
        group=EXT,
        title="Team cost per year",
        description="Yearly cost of the people who run the custom model in production.",
    )
    months_to_production: int = param(
        0,
        ge=0,
        le=120,
        step=1,
        unit="months",
        group=EXT,
        title="Months to production",
        description="How long building takes before the custom model serves traffic; until then "
        "the API is still paid (the source puts building at 6-18 months).",
    )
    discount_rate_pct: float = param(
        0,
        ge=0,
        le=100,
        step=1,
        unit="%/year",
        group=EXT,
        title="Discount rate",
        description="Yearly discount rate for present values; above zero the decision and the "
        "breakeven use discounted cash flows.",
    )
    use_gpu_estimate: bool = param(
        False,
        group=GPU,
        title="Estimate serving from GPUs",
        description="Replace the serving cost per year with an estimate from GPU price, "
        "throughput and utilisation (it then grows with the volume).",
    )
    gpu_hourly_price: float = param(
        2.5,
        ge=0,
        le=1000,
        step=0.1,
        unit="$/GPU-hour",
        group=GPU,
        title="GPU hourly price",
        description="What one GPU costs per hour.",
        applies_when=("use_gpu_estimate", True),
    )
    gpu_tokens_per_second: float = param(
        2500,
        ge=0.01,
        le=1e7,
        step=100,
        unit="tokens/s per GPU",
        group=GPU,
        title="Throughput per GPU",
        description="Tokens one GPU serves per second at full load.",
        applies_when=("use_gpu_estimate", True),
    )
    gpu_utilisation_pct: float = param(
        50,
        ge=0.01,
        le=100,
        step=5,
        unit="%",
        group=GPU,
        title="GPU utilisation",
        description="Average share of the paid GPU time spent serving (idle time is paid too).",
        applies_when=("use_gpu_estimate", True),
    )
    api_cost_uncertainty_pct: float = param(
        20,
        ge=0,
        le=99,
        step=5,
        unit="± %",
        group=UNC,
        title="API price uncertainty",
        description="How far the API price may be off, either way, in percent.",
    )
    volume_uncertainty_pct: float = param(
        30,
        ge=0,
        le=99,
        step=5,
        unit="± %",
        group=UNC,
        title="Volume uncertainty",
        description="How far the token volume may be off, either way, in percent.",
    )
    training_cost_uncertainty_pct: float = param(
        30,
        ge=0,
        le=99,
        step=5,
        unit="± %",
        group=UNC,
        title="Training cost uncertainty",
        description="How far the training cost may be off, either way, in percent.",
    )
    serving_cost_uncertainty_pct: float = param(
        20,
        ge=0,
        le=99,
        step=5,
        unit="± %",
        group=UNC,
        title="Serving cost uncertainty",
        description="How far the serving cost (or the GPU price) may be off, either way.",
    )
    plot_horizon_years: float = param(
        5,
        ge=1,
        le=30,
        step=1,
        unit="years",
        group=UNC,
        title="Plot horizon",
        description="How many years the cost curves and the Monte Carlo look ahead (at least the "
        "decision horizon).",
    )
    monte_carlo_draws: int = param(
        10_000,
        ge=100,
        le=100_000,
        step=1000,
        unit="draws",
        group=UNC,
        title="Monte Carlo draws",
        description="Number of random draws of the uncertain inputs (triangular distributions "
        "between the low and high values, peaked at the entered value).",
    )
    seed: int = param(
        0,
        ge=0,
        le=2**31 - 1,
        step=1,
        unit="",
        group=UNC,
        title="Random seed",
        description="Seed of the Monte Carlo draws; the same seed gives the same answer.",
    )


class TornadoBar(BaseModel):
    model_config = ConfigDict(frozen=True)

    input: str
    label: str
    low_value: float
    high_value: float
    breakeven_low_years: float | None
    breakeven_high_years: float | None
    savings_low: float
    savings_high: float


class MonteCarlo(BaseModel):
    model_config = ConfigDict(frozen=True)

    draws: int
    seed: int
    search_years: float
    p_build_cheaper: float
    breakeven_p10_years: float | None
    breakeven_p50_years: float | None
    breakeven_p90_years: float | None
    never_within_search: int
    histogram_edges_years: list[float]
    histogram_counts: list[int]


class Result(FrameworkResult):
    recommendation: Literal["build", "buy"]
    api_annual_cost: float
    custom_annual_cost: float
    serving_cost_year1: float
    gpus_year1: float | None
    breakeven_years: float | None
    horizon_years: float
    buy_total: float
    build_total: float
    buy_pv: float
    build_pv: float
    savings: float
    curve_basis: Literal["nominal", "present value"]
    months: list[float]
    buy_cumulative: list[float]
    build_cumulative: list[float]
    tornado: list[TornadoBar]
    #: None only in a first-stage result (compute_first): its Monte Carlo is still to come.
    #: compute() always fills it, so every saved or exported result has it.
    monte_carlo: MonteCarlo | None = None


@dataclass(frozen=True)
class _Params:
    """The numbers the cash-flow model needs; the uncertain ones may be arrays of draws."""

    price: Any
    volume: Any
    training: Any
    serving: Any  # $/year, or $/GPU-hour when gpu is set
    growth: float
    price_change: float
    retraining_per_year: float
    team_per_year: float
    discount: float
    gpu_tokens_per_hour: float | None
    launch_months: int = 0

    @classmethod
    def of(cls, x: Inputs) -> _Params:
        gpu = x.gpu_tokens_per_second * x.gpu_utilisation_pct / 100 * 3600
        return cls(
            price=x.api_cost_per_token,
            volume=x.inference_volume_per_year,
            training=x.training_cost,
            serving=x.gpu_hourly_price if x.use_gpu_estimate else x.serving_cost_per_year,
            growth=x.volume_growth_pct_per_year / 100,
            price_change=x.api_price_change_pct_per_year / 100,
            retraining_per_year=x.retraining_cost_per_year,
            team_per_year=x.team_cost_per_year,
            discount=x.discount_rate_pct / 100,
            gpu_tokens_per_hour=gpu if x.use_gpu_estimate else None,
            launch_months=x.months_to_production,
        )

    @property
    def neutral(self) -> bool:
        """True when only the source's core inputs are in play (closed-form breakeven)."""
        return (
            self.growth == 0
            and self.price_change == 0
            and self.retraining_per_year == 0
            and self.team_per_year == 0
            and self.discount == 0
            and self.gpu_tokens_per_hour is None
            and self.launch_months == 0
        )

    @property
    def running_per_year(self) -> float:
        return self.retraining_per_year + self.team_per_year

    def serving_per_year(self, volume: Any) -> Any:
        if self.gpu_tokens_per_hour is None:
            return self.serving
        return volume / self.gpu_tokens_per_hour * self.serving


class _Curves(NamedTuple):
    buy: np.ndarray | None  # None when only the difference was asked for
    build: np.ndarray | None
    diff: np.ndarray  # buy - build: positive once building has paid for itself

    def costs(self) -> tuple[np.ndarray, np.ndarray]:
        """The buy and build curves, which only a call with with_costs computes."""
        if self.buy is None or self.build is None:
            raise ValueError("these curves were computed without the costs")
        return self.buy, self.build


def _cumulative(p: _Params, months: int, with_costs: bool = True) -> _Curves:
    """Cumulative cost of buying and of building at month 0..months (rows = draws).

    Month m (1-based) belongs to year y = (m-1) // 12. In it the volume is V/12 * (1+g)^y and
    the API price p * (1+c)^y; buying pays their product. Building pays the training cost at
    month 0 and the team's cost (/12) every month. Until the model is live (the first L =
    months_to_production months) it still pays the API; after that it pays serving (S/12, or
    the month's GPU-hours x GPU price) and retraining (/12). Each month's flow is discounted by
    (1+r)^(-m/12) (end-of-month payments).

    Every flow is an uncertain amount times a fixed monthly shape, so the cumulative curves of
    all draws are outer products of a few 1-D cumulative sums: the Monte Carlo stays cheap.
    """
    m = np.arange(1, months + 1)
    year = (m - 1) // 12
    disc = (1 + p.discount) ** (-m / 12)
    volume_shape = (1 + p.growth) ** year / 12
    live = (m > p.launch_months).astype(float)

    def cum(flow: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(flow)])

    api_unit = cum(volume_shape * (1 + p.price_change) ** year * disc)  # x price x volume
    api_before_live = cum(volume_shape * (1 + p.price_change) ** year * disc * (1 - live))
    monthly = cum(disc / 12)
    monthly_live = cum(disc / 12 * live)

    col = np.atleast_1d
    spend = (col(p.price) * col(p.volume))[:, None]
    training = col(p.training)[:, None]
    if p.gpu_tokens_per_hour is None:
        serving = col(p.serving)[:, None] * monthly_live
    else:
        gpu_cost_per_volume = (col(p.volume) * col(p.serving) / p.gpu_tokens_per_hour)[:, None]
        serving = gpu_cost_per_volume * cum(volume_shape * disc * live)
    fixed = p.retraining_per_year * monthly_live + p.team_per_year * monthly
    # buy - build, formed without subtracting the API spend both sides share before launch
    # (at 1e15 $/year that subtraction alone leaves dollars of rounding noise).
    gain_unit = cum(volume_shape * (1 + p.price_change) ** year * disc * live)
    # Built in place: at 10,000 draws each fresh array costs more in page faults than in maths.
    cost = serving  # a fresh (draws x months) array, reused
    cost += fixed
    cost += training
    diff = spend * gain_unit
    tolerance = diff + cost
    tolerance *= 1e-9
    diff -= cost
    # Gaps within float noise of the amounts (both sums of non-negative flows) are equal costs,
    # not a crossing.
    diff[np.abs(diff) <= tolerance] = 0.0
    if not with_costs:
        return _Curves(None, None, diff)
    buy = np.broadcast_to(spend * api_unit, diff.shape)
    build = np.broadcast_to(spend * api_before_live + cost, diff.shape)
    return _Curves(buy, build, diff)


def _breakeven_years(p: _Params) -> float | None:
    """Years until building's cumulative cost drops below buying's, or None for never.

    Core inputs only: training_cost / (api_annual - serving_cost_per_year) when the API is
    dearer than serving, else never (the source divides by zero or goes negative there).
    With extensions: the first crossing of the monthly cumulative curves within SEARCH_YEARS.
    """
    if p.neutral:
        api = p.price * p.volume
        margin = api - p.serving
        # 5e-6 x 20e9 is 100,000.00000000001: equal costs must not differ by float noise.
        if margin <= 1e-9 * max(api, p.serving):
            return None
        years = float(p.training / margin)
        return years if np.isfinite(years) else None
    month = analysis.first_crossing(_cumulative(p, SEARCH_YEARS * 12, False).diff)[0]
    return float(month / 12) if np.isfinite(month) else None


def _totals_at(p: _Params, horizon_years: float) -> tuple[float, float, float]:
    """Cumulative buy cost, build cost and their difference at the horizon."""
    months = int(np.ceil(horizon_years * 12))
    curves = _cumulative(p, months)
    t = np.arange(months + 1)
    at = horizon_years * 12
    rows = (*curves.costs(), curves.diff)
    buy, build, diff = (analysis.interpolate_at(t, c[0], at) for c in rows)
    return buy, build, diff


def _savings(p: _Params, horizon_years: float) -> float:
    return _totals_at(p, horizon_years)[2]


def _savings_rows(p: _Params, horizon_years: float) -> list[float]:
    """_savings of each row of `p` (its uncertain inputs arrays)."""
    months = int(np.ceil(horizon_years * 12))
    diff = _cumulative(p, months, with_costs=False).diff
    t = np.arange(months + 1)
    return [analysis.interpolate_at(t, row, horizon_years * 12) for row in diff]


def _breakevens(p: _Params, n: int) -> list[float | None]:
    """_breakeven_years of each of the n rows of `p` (its uncertain inputs arrays)."""
    if p.neutral:  # the closed form, row by row
        return [
            _breakeven_years(
                replace(
                    p,
                    price=float(p.price[i]),
                    volume=float(p.volume[i]),
                    training=float(p.training[i]),
                    serving=float(p.serving[i]),
                )
            )
            for i in range(n)
        ]
    months = analysis.first_crossing(_cumulative(p, SEARCH_YEARS * 12, False).diff)
    return [float(m / 12) if np.isfinite(m) else None for m in months]


_TORNADO_LABELS = {
    "price": "API cost per token",
    "volume": "Inference volume",
    "training": "Training cost",
    "serving": "Serving cost",
    "gpu": "GPU hourly price",
}


def _uncertain(x: Inputs) -> dict[str, float]:
    return {
        "price": x.api_cost_uncertainty_pct / 100,
        "volume": x.volume_uncertainty_pct / 100,
        "training": x.training_cost_uncertainty_pct / 100,
        "serving": x.serving_cost_uncertainty_pct / 100,
    }


def _tornado(x: Inputs, p: _Params) -> list[TornadoBar]:
    base = {"price": p.price, "volume": p.volume, "training": p.training, "serving": p.serving}
    ranges = {k: (base[k] * (1 - u), base[k] * (1 + u)) for k, u in _uncertain(x).items()}
    # Every input at its low and at its high value, a row each, through the cash-flow model in
    # one pass (as the Monte Carlo's draws): eight passes of one row were most of the tab's
    # first stage. Row by row the arithmetic is the same, so are the figures.
    rows = [{**base, name: value} for name, ends in ranges.items() for value in ends]
    column = {k: np.array([row[k] for row in rows], dtype=float) for k in base}
    q = replace(
        p,
        price=column["price"],
        volume=column["volume"],
        training=column["training"],
        serving=column["serving"],
    )
    found = dict(
        zip(
            (tuple(row.values()) for row in rows),
            zip(_breakevens(q, len(rows)), _savings_rows(q, x.decision_horizon_years), strict=True),
            strict=True,
        )
    )

    def evaluate(values: dict[str, float]) -> tuple[float | None, float]:
        return found[tuple(values[k] for k in base)]

    bars = []
    for s in analysis.tornado(base, ranges, evaluate):
        label_key = "gpu" if s.name == "serving" and p.gpu_tokens_per_hour else s.name
        bars.append(
            TornadoBar(
                input=s.name,
                label=_TORNADO_LABELS[label_key],
                low_value=s.low_value,
                high_value=s.high_value,
                breakeven_low_years=s.primary_low,
                breakeven_high_years=s.primary_high,
                savings_low=float(s.secondary_low or 0.0),
                savings_high=float(s.secondary_high or 0.0),
            )
        )
    return bars


# Draws per block: 500 x 61 months of float64 is 244 kB an array, so the few arrays a block
# works on stay in a 1 MB L2 cache (2,000 a block, 1 MB an array, ran at half the speed:
# bench/edit_bench.py has the figures).
_MC_BLOCK = 500


def _monte_carlo(
    x: Inputs, p: _Params, search_years: float, cancelled: Callable[[], bool] | None = None
) -> MonteCarlo | None:
    """Seeded Monte Carlo: every uncertain input drawn from a triangular distribution at once.

    None when `cancelled()` turns true (asked between blocks of draws): a newer edit in the
    window has made this one's answer useless.
    """
    rng = np.random.default_rng(x.seed)
    n = x.monte_carlo_draws
    u = _uncertain(x)
    drawn = replace(
        p,
        price=analysis.triangular(rng, p.price, u["price"], n),
        volume=analysis.triangular(rng, p.volume, u["volume"], n),
        training=analysis.triangular(rng, p.training, u["training"], n),
        serving=analysis.triangular(rng, p.serving, u["serving"], n),
    )
    months = int(np.ceil(search_years * 12))
    at = x.decision_horizon_years * 12
    lo = int(np.floor(at))
    hi = min(lo + 1, months)
    frac = at - lo
    if p.neutral:
        breakeven, savings = _straight_line_draws(drawn, months, lo, hi, frac)
        return _summary(x, n, search_years, breakeven, savings)
    crossings, savings_parts = [], []
    # Blocks of draws whose (draws x months) arrays fit in the CPU cache: the same arithmetic
    # row by row, well over twice as fast as one 10,000-row pass through main memory.
    for start in range(0, n, _MC_BLOCK):
        if cancelled is not None and cancelled():
            return None
        block = slice(start, start + _MC_BLOCK)
        part = replace(
            drawn,
            price=drawn.price[block],
            volume=drawn.volume[block],
            training=drawn.training[block],
            serving=drawn.serving[block],
        )
        diff = _cumulative(part, months, with_costs=False).diff
        crossings.append(analysis.first_crossing(diff))
        savings_parts.append(diff[:, lo] * (1 - frac) + diff[:, hi] * frac)
    breakeven = np.concatenate(crossings) / 12
    savings = np.concatenate(savings_parts)
    return _summary(x, n, search_years, breakeven, savings)


def _straight_line_draws(
    d: _Params, months: int, lo: int, hi: int, frac: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each draw's breakeven (years; inf when none within `months`) and saving by building at
    the horizon, core inputs only, without the (draws x months) grid.

    With the core inputs building's lead over buying is a straight line in the month m,
    diff(m) = (price x volume - serving) x m/12 - training, so the crossing that _cumulative's
    grid interpolates is training / margin years exactly, and the grid is needed only at the
    horizon's two months and at the end of the search (whether the line crosses within it).
    Gaps within 1e-9 of the amounts are equal costs, as in _cumulative.
    """
    spend: np.ndarray = d.price * d.volume

    def gap(month: int) -> np.ndarray:
        # In place, one month at a time: a fresh 10,000-draw array costs more than its maths.
        years = month / 12
        buy = spend * years
        build: np.ndarray = d.serving * years
        build += d.training
        diff: np.ndarray = buy - build
        buy += build
        buy *= 1e-9
        diff[np.abs(diff) <= buy] = 0.0
        return diff

    # A line above zero at the end has a positive margin (training is never negative).
    crosses = gap(months) > 0
    breakeven = np.full(spend.shape, np.inf)
    breakeven[crosses] = d.training[crosses] / (spend - d.serving)[crosses]
    savings = gap(lo)
    savings *= 1 - frac
    savings += gap(hi) * frac
    return breakeven, savings


def _summary(
    x: Inputs, n: int, search_years: float, breakeven: np.ndarray, savings: np.ndarray
) -> MonteCarlo:
    """The Monte Carlo's figures from every draw's breakeven (years, inf: never) and saving."""
    p10, p50, p90 = stats.percentiles_or_none(breakeven, (10, 50, 90))
    finite = breakeven[np.isfinite(breakeven)]
    counts, edges = np.histogram(finite, bins=40, range=_histogram_range(finite, search_years))
    return MonteCarlo(
        draws=n,
        seed=x.seed,
        search_years=search_years,
        p_build_cheaper=float(np.mean(savings > 0)),
        breakeven_p10_years=p10,
        breakeven_p50_years=p50,
        breakeven_p90_years=p90,
        never_within_search=int(n - finite.size),
        histogram_edges_years=[float(e) for e in edges],
        histogram_counts=[int(c) for c in counts],
    )


def _histogram_range(values: np.ndarray, search_years: float) -> tuple[float, float]:
    """Bins span the simulated breakevens (not the whole search window) so the shape shows."""
    if values.size == 0:
        return 0.0, search_years
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return max(lo - 0.05, 0.0), hi + 0.05
    pad = (hi - lo) * 0.02
    return max(lo - pad, 0.0), hi + pad


def compute(inputs: Inputs, catalog: Any = None) -> Result:
    """Compare buying API access with building a custom model: compute_first, then complete
    (the window shows the first stage while the Monte Carlo runs; everything else uses this).
    """
    result = complete(inputs, compute_first(inputs, catalog))
    assert result is not None  # nothing can cancel it
    return result


#: What a first-stage result shows in place of a Monte Carlo figure.
SIMULATING = "simulating…"


def compute_first(inputs: Inputs, catalog: Any = None) -> Result:
    """Everything but the Monte Carlo (its figures read SIMULATING, monte_carlo is None):
    the decision, the cost curves and the tornado, a few milliseconds; complete() adds it.

    Core (the source's model, units in dollars, tokens and years):
      api_annual = api_cost_per_token x inference_volume_per_year
      custom_annual = training_cost / amortization_years + serving_cost_per_year
      breakeven_years = training_cost / (api_annual - serving_cost_per_year), or never (None)
      when api_annual <= serving_cost_per_year.
    The recommendation is "build" when building is cheaper over the decision horizon, which with
    the core inputs is exactly "breakeven < decision_horizon_years".
    Extensions (neutral at their defaults) switch to monthly cash flows (see _cumulative);
    with a discount rate above zero the totals, the decision and the breakeven use present
    values. The catalog is not needed: prices are entered.
    """
    x = inputs
    p = _Params.of(x)
    horizon = x.decision_horizon_years
    plot_years = max(x.plot_horizon_years, horizon)

    api_annual = x.api_cost_per_token * x.inference_volume_per_year
    serving_y1 = float(p.serving_per_year(x.inference_volume_per_year))
    custom_annual = x.training_cost / x.amortization_years + serving_y1 + p.running_per_year
    breakeven = _breakeven_years(p)

    nominal = replace(p, discount=0.0)
    buy_total, build_total, nominal_savings = _totals_at(nominal, horizon)
    buy_pv, build_pv, pv_savings = _totals_at(p, horizon)
    basis: Literal["nominal", "present value"] = "present value" if p.discount > 0 else "nominal"
    buy_dec, build_dec = (buy_pv, build_pv) if p.discount > 0 else (buy_total, build_total)
    savings = pv_savings if p.discount > 0 else nominal_savings
    # Core inputs: exactly the source's rule (summed monthly totals can tip a tie by float noise).
    sooner = breakeven is not None and breakeven < horizon
    build = sooner if p.neutral else savings > 0
    decision: Literal["build", "buy"] = "build" if build else "buy"

    plot_months = int(np.ceil(plot_years * 12))
    buy_curve, build_curve = _cumulative(p, plot_months).costs()
    tornado_bars = _tornado(x, p)
    gpus = (
        x.inference_volume_per_year / HOURS_PER_YEAR / p.gpu_tokens_per_hour
        if p.gpu_tokens_per_hour
        else None
    )

    rationale = _rationale(
        x,
        p,
        api_annual,
        serving_y1,
        custom_annual,
        breakeven,
        decision,
        buy_dec,
        build_dec,
        basis,
        tornado_bars,
        gpus,
    )
    if breakeven is None:
        headline = "Buy: building never pays back its training cost"
    elif decision == "build":
        headline = f"Build: it pays back in {years_text(breakeven)}"
    elif breakeven < horizon:
        headline = (
            f"Buy: building breaks even after {years_text(breakeven)} but costs more again by "
            f"the {horizon:g}-year horizon"
        )
    else:
        headline = f"Buy: building pays back only after {years_text(breakeven)}"

    figures = [
        Figure(key="api_annual_cost", label="API cost per year", value=api_annual, unit="usd"),
        Figure(
            key="custom_annual_cost",
            label="Custom cost per year (amortised)",
            value=custom_annual,
            unit="usd",
        ),
        Figure(
            key="breakeven_years",
            label="Breakeven",
            value=breakeven,
            unit="years",
            none_text="never",
        ),
        Figure(
            key="buy_horizon",
            label=f"Buy, total over {_years(horizon)} ({basis})",
            value=buy_dec,
            unit="usd",
        ),
        Figure(
            key="build_horizon",
            label=f"Build, total over {_years(horizon)} ({basis})",
            value=build_dec,
            unit="usd",
        ),
        Figure(
            key="savings", label="Saved by building over the horizon", value=savings, unit="usd"
        ),
        *_monte_carlo_figures(None, plot_years),
    ]
    return Result(
        recommendation=decision,
        headline=headline,
        rationale=rationale,
        figures=figures,
        api_annual_cost=api_annual,
        custom_annual_cost=custom_annual,
        serving_cost_year1=serving_y1,
        gpus_year1=gpus,
        breakeven_years=breakeven,
        horizon_years=horizon,
        buy_total=buy_total,
        build_total=build_total,
        buy_pv=buy_pv,
        build_pv=build_pv,
        savings=savings,
        curve_basis=basis,
        months=[float(m) for m in range(plot_months + 1)],
        buy_cumulative=[float(v) for v in buy_curve[0]],
        build_cumulative=[float(v) for v in build_curve[0]],
        tornado=tornado_bars,
    )


def complete(
    inputs: Inputs, first: Result, cancelled: Callable[[], bool] | None = None
) -> Result | None:
    """`first` (compute_first of these inputs) with its Monte Carlo figures, sentence and
    histogram; None when `cancelled()` turned true on the way. Reads no catalog."""
    x = inputs
    plot_years = max(x.plot_horizon_years, x.decision_horizon_years)
    mc = _monte_carlo(x, _Params.of(x), plot_years, cancelled)
    if mc is None:
        return None
    figures = [f for f in first.figures if f.key not in _MONTE_CARLO_KEYS]
    kept = first.rationale[:-1]  # its placeholder for the Monte Carlo's sentence is last
    # No validation again: every part is built and checked already.
    return first.model_copy(
        update={
            "monte_carlo": mc,
            "figures": figures + _monte_carlo_figures(mc, plot_years),
            "rationale": [*kept, _monte_carlo_sentence(mc)],
        }
    )


_MONTE_CARLO_KEYS = ("p_build_cheaper", "breakeven_p50_years")


def _monte_carlo_figures(mc: MonteCarlo | None, plot_years: float) -> list[Figure]:
    """The card's two Monte Carlo figures; while it runs (mc None) they say so."""
    return [
        Figure(
            key="p_build_cheaper",
            label="Chance building is cheaper (Monte Carlo)",
            value=None if mc is None else mc.p_build_cheaper * 100,
            unit="pct",
            none_text=SIMULATING,
        ),
        Figure(
            key="breakeven_p50_years",
            label="Breakeven P50 (Monte Carlo)",
            value=None if mc is None else mc.breakeven_p50_years,
            unit="years",
            none_text=SIMULATING if mc is None else f"not within {plot_years:g} years",
        ),
    ]


def _monte_carlo_sentence(mc: MonteCarlo) -> str:
    p50 = format_value(mc.breakeven_p50_years, "years", f"not within {mc.search_years:g} years")
    return (
        f"Across {mc.draws:,} Monte Carlo draws of the uncertain inputs, building is cheaper "
        f"within the horizon in {probability(mc.p_build_cheaper)} of cases "
        f"(median breakeven {p50})."
    )


def _rationale(
    x: Inputs,
    p: _Params,
    api_annual: float,
    serving_y1: float,
    custom_annual: float,
    breakeven: float | None,
    decision: str,
    buy_dec: float,
    build_dec: float,
    basis: str,
    tornado_bars: list[TornadoBar],
    gpus: float | None,
) -> list[str]:
    """The reasons, the last one a placeholder for the Monte Carlo's (complete() replaces it)."""
    h = x.decision_horizon_years
    out = [
        f"Buying costs {money(api_annual)} a year: {x.inference_volume_per_year:,.0f} tokens at "
        f"{money(x.api_cost_per_token * 1e6)} per million tokens.",
    ]
    serving_src = (
        f"{money(serving_y1)} a year to serve ({gpus:,.1f} GPUs at {money(x.gpu_hourly_price)} "
        f"an hour, {x.gpu_utilisation_pct:g}% utilised)"
        if gpus is not None
        else f"{money(serving_y1)} a year to serve"
    )
    out.append(
        f"Building costs {money(x.training_cost)} up front and {serving_src}; amortised over "
        f"{x.amortization_years:g} years that is {money(custom_annual)} a year."
    )
    if p.launch_months:
        out.append(
            f"Building takes {p.launch_months} months to reach production; until then the API "
            f"is still paid."
        )
    if breakeven is None:
        if p.neutral:
            out.append(
                f"The API ({money(api_annual)} a year) is not dearer than serving a custom model "
                f"({money(serving_y1)} a year), so building never earns back its training cost."
            )
        else:
            out.append(
                f"With the extensions applied ({_active_extensions(x)}), building's cumulative "
                f"cost never falls below buying's within {SEARCH_YEARS} years."
            )
    else:
        where = "within" if breakeven < h else "later than"
        again = (
            ", but its cumulative cost rises above buying's again before the horizon"
            if decision == "buy" and breakeven < h
            else ""
        )
        out.append(
            f"Building breaks even after {years_text(breakeven)}, {where} the {h:g}-year decision "
            f"horizon{again}."
        )
    verdict = "building saves" if decision == "build" else "buying saves"
    out.append(
        f"Over {h:g} years ({basis}) buying costs {money(buy_dec)} and building "
        f"{money(build_dec)}: {verdict} {money(abs(buy_dec - build_dec))}."
    )
    if tornado_bars:
        top = tornado_bars[0]
        out.append(
            f"The answer is most sensitive to {top.label.lower()}: from its low to its high value "
            f"the {h:g}-year saving from building moves from {money(top.savings_low)} to "
            f"{money(top.savings_high)}."
        )
    out.append(
        f"The Monte Carlo over {x.monte_carlo_draws:,} draws of the uncertain inputs is "
        f"{SIMULATING}"
    )
    return out


def _years(n: float) -> str:
    return f"{n:g} year" if n == 1 else f"{n:g} years"


def _active_extensions(x: Inputs) -> str:
    """The extensions that are not at their neutral default, named for a sentence."""
    names = []
    if x.volume_growth_pct_per_year:
        names.append(f"volume {x.volume_growth_pct_per_year:+g}% a year")
    if x.api_price_change_pct_per_year:
        names.append(f"API price {x.api_price_change_pct_per_year:+g}% a year")
    if x.retraining_cost_per_year or x.team_cost_per_year:
        names.append("retraining and team costs")
    if x.months_to_production:
        names.append(f"{x.months_to_production} months to production")
    if x.discount_rate_pct:
        names.append(f"discounting at {x.discount_rate_pct:g}%")
    if x.use_gpu_estimate:
        names.append("GPU-based serving")
    return ", ".join(names)


def summarize(inputs: Inputs, result: Result) -> str:
    """Markdown body of the decision summary: the options, the figures and the assumptions."""
    x, r = inputs, result
    mc = r.monte_carlo
    if mc is None:
        raise ValueError("a first-stage result has no Monte Carlo yet: summarise compute()'s")
    lines = [
        "### Considered options",
        "",
        "| Option | Cost per year (year 1) | Total over the horizon | Present value |",
        "|---|---|---|---|",
        f"| Buy (API) | {money(r.api_annual_cost)} | {money(r.buy_total)} | {money(r.buy_pv)} |",
        f"| Build (custom model) | {money(r.custom_annual_cost)} (amortised) | "
        f"{money(r.build_total)} | {money(r.build_pv)} |",
        "",
        f"Breakeven: **{format_value(r.breakeven_years, 'years', 'never')}** "
        f"against a decision horizon of {r.horizon_years:g} years.",
        "",
        "### Sensitivity (each input alone at its low and high value)",
        "",
        "| Input | Low → high | Breakeven (low / high) | Saving by building (low / high) |",
        "|---|---|---|---|",
    ]
    for b in r.tornado:
        lines.append(
            f"| {b.label} | {b.low_value:.4g} → {b.high_value:.4g} | "
            f"{format_value(b.breakeven_low_years, 'years', 'never')} / "
            f"{format_value(b.breakeven_high_years, 'years', 'never')} | "
            f"{money(b.savings_low)} / {money(b.savings_high)} |"
        )
    never = f"not within {mc.search_years:g} years"
    lines += [
        "",
        "### Monte Carlo",
        "",
        f"{mc.draws:,} draws (seed {mc.seed}): building is cheaper within the horizon in "
        f"**{probability(mc.p_build_cheaper)}** of cases. Breakeven P10 "
        f"{format_value(mc.breakeven_p10_years, 'years', never)}, P50 "
        f"{format_value(mc.breakeven_p50_years, 'years', never)}, P90 "
        f"{format_value(mc.breakeven_p90_years, 'years', never)}.",
        "",
        "### Assumptions",
        "",
        "- Training is paid up front; serving, retraining and team costs monthly.",
        f"- The custom model serves traffic after {x.months_to_production} months; until then "
        "the API is still paid.",
        "- The amortisation period only affects the quoted yearly cost of building, not the "
        "breakeven.",
        f"- Cash flows are compared on a {r.curve_basis} basis"
        + (f" at {x.discount_rate_pct:g}% a year." if x.discount_rate_pct else "."),
        "- Volume growth and API price changes step once a year.",
        "- Uncertain inputs follow triangular distributions between their low and high values.",
    ]
    if x.use_gpu_estimate:
        lines.append(
            f"- Serving estimated from GPUs: {x.gpu_tokens_per_second:g} tokens/s per GPU at "
            f"{x.gpu_utilisation_pct:g}% utilisation and {money(x.gpu_hourly_price)} an hour; "
            "the entered serving cost is ignored."
        )
    return "\n".join(lines)
