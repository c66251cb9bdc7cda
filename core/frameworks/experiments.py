"""Experiments: plan an A/B test on pass/fail outcomes and decide ship, do not ship or wait."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from core import stats
from core.frameworks.common import (
    Figure,
    FrameworkInputs,
    FrameworkResult,
    format_number,
    p_value,
    param,
    usd,
)

if TYPE_CHECKING:
    from core.catalog import Catalog
    from core.comparison import Comparison

ID = "experiments"
TITLE = "Experiments"
GUIDE = (
    "Use this to plan and decide an A/B experiment between a baseline (the prompt or model in "
    "use) and a variant, scored pass/fail item by item on the same dataset (evaluation-driven "
    "design). Before running, the planning inputs give the number of paired items needed to "
    "detect the lift you hope for (McNemar's test, Connor 1987); without a known discordance "
    "the two arms are assumed to pass and fail independently, which overestimates what a "
    "paired test needs. After running, enter the four paired counts (both pass, only the "
    "baseline, only the variant, both fail), from a comparison of two runs or your own "
    "logs: the lift gets McNemar's exact p-value and Tango's score interval at level "
    "1 - alpha (95% at alpha 0.05), which keeps its coverage even with few discordant items. "
    "The verdict is ship when the lift is significant at alpha, its interval lies above zero "
    "and it reaches your minimum worthwhile lift; do not ship when even the interval's upper "
    "end falls short of that minimum; need more data otherwise. Cost and latency per sample "
    "of each arm add the trade-off: what each extra passing item costs. Lifts are in "
    "percentage points (pp) of the pass rate."
)

#: The verdicts as a reader sees them (one table for the whole app, in core.stats).
LABELS = stats.VERDICT_LABELS
#: The significance test, as the verdict rule names it.
TEST_NAME = "McNemar's exact p"
#: Points on the samples-needed curve.
CURVE_POINTS = 60

PLANNING = "Planning"
DECISION = "Decision"
OBSERVED = "Observed outcomes"
TRADE_OFF = "Cost and latency"


class Inputs(FrameworkInputs):
    baseline_pass_rate_pct: float = param(
        70,
        ge=0,
        le=100,
        step=1,
        unit="%",
        group=PLANNING,
        title="Baseline pass rate",
        description="The share of items the baseline gets right today, in percent (from a "
        "previous run or an estimate). The plan's starting point.",
    )
    expected_lift_pct: float = param(
        5,
        ge=-100,
        le=100,
        step=0.5,
        unit="pp",
        group=PLANNING,
        title="Expected lift",
        description="The lift you hope the variant brings, in percentage points of the pass "
        "rate (70% to 75% is 5 points). The plan sizes the experiment to detect it.",
    )
    alpha: float = param(
        0.05,
        # Not just > 0: below about 1e-16, 1 - alpha / 2 rounds to 1 and the normal quantile
        # the sample sizes need does not exist.
        ge=1e-6,
        le=0.5,
        step=0.01,
        unit="probability",
        group=PLANNING,
        title="Significance level (alpha)",
        description="The chance of calling a difference that is not there (two-sided): the "
        "sample sizes use it, McNemar's p must be below it to ship, and the lift's interval "
        "has level 1 - alpha (0.05: a 95% interval). 0.05 is usual.",
    )
    power: float = param(
        0.8,
        ge=0.5,
        le=0.99,
        step=0.05,
        unit="probability",
        group=PLANNING,
        title="Power",
        description="The chance of detecting the lift when it is real, used for the sample "
        "sizes. 0.8 is usual; 0.9 needs about a third more items.",
    )
    known_discordance: bool = param(
        False,
        group=PLANNING,
        title="Discordance known",
        description="Ticked: plan with the discordance below (from a pilot run). Unticked: "
        "assume the arms pass and fail independently, a cautious plan (real arms agree more "
        "often, which needs fewer items).",
    )
    discordance_pct: float = param(
        14,
        ge=0,
        le=100,
        step=1,
        unit="%",
        group=PLANNING,
        title="Discordance",
        description="The share of items on which the two arms disagree (one passes, the other "
        "fails), in percent. It must be at least the size of the expected lift.",
        applies_when=("known_discordance", True),
    )
    min_lift_pct: float = param(
        2,
        ge=-100,
        le=100,
        step=0.5,
        unit="pp",
        group=DECISION,
        title="Minimum worthwhile lift",
        description="The smallest lift worth shipping for, in percentage points: below it the "
        "change is not worth its cost or risk. 0 ships any real improvement.",
    )
    both_pass: int = param(
        262,
        ge=0,
        le=100_000,
        unit="items",
        group=OBSERVED,
        title="Both pass",
        description="Paired items both the baseline and the variant got right.",
    )
    baseline_only: int = param(
        18,
        ge=0,
        le=100_000,
        unit="items",
        group=OBSERVED,
        title="Only the baseline passes",
        description="Paired items the baseline got right and the variant wrong (McNemar's b).",
    )
    variant_only: int = param(
        38,
        ge=0,
        le=100_000,
        unit="items",
        group=OBSERVED,
        title="Only the variant passes",
        description="Paired items the variant got right and the baseline wrong (McNemar's c).",
    )
    both_fail: int = param(
        82,
        ge=0,
        le=100_000,
        unit="items",
        group=OBSERVED,
        title="Both fail",
        description="Paired items both arms got wrong.",
    )
    compare_cost_latency: bool = param(
        True,
        group=TRADE_OFF,
        title="Compare cost and latency",
        description="Ticked: weigh the lift against what the variant costs and how long it "
        "takes per sample, entered below.",
    )
    baseline_cost_per_sample_usd: float = param(
        0.0004,
        ge=0,
        le=1000,
        step=0.0001,
        unit="$/sample",
        group=TRADE_OFF,
        title="Baseline cost per sample",
        description="What one answer of the baseline costs, in dollars (a run's cost per sample).",
        applies_when=("compare_cost_latency", True),
    )
    variant_cost_per_sample_usd: float = param(
        0.0006,
        ge=0,
        le=1000,
        step=0.0001,
        unit="$/sample",
        group=TRADE_OFF,
        title="Variant cost per sample",
        description="What one answer of the variant costs, in dollars.",
        applies_when=("compare_cost_latency", True),
    )
    baseline_latency_ms: float = param(
        800,
        ge=0,
        le=3_600_000,
        step=50,
        unit="ms",
        group=TRADE_OFF,
        title="Baseline latency (p50)",
        description="The baseline's median latency per sample, in milliseconds.",
        applies_when=("compare_cost_latency", True),
    )
    variant_latency_ms: float = param(
        950,
        ge=0,
        le=3_600_000,
        step=50,
        unit="ms",
        group=TRADE_OFF,
        title="Variant latency (p50)",
        description="The variant's median latency per sample, in milliseconds.",
        applies_when=("compare_cost_latency", True),
    )


class Result(FrameworkResult):
    recommendation: stats.Verdict
    n_items: int
    #: The significance level the verdict read the test at; the interval's level is 1 - alpha.
    alpha: float = 0.05
    #: Observed pass rates, lift and its (1 - alpha) interval in percent / percentage points;
    #: None before any outcome is entered.
    baseline_pass_rate_pct: float | None
    variant_pass_rate_pct: float | None
    lift_pct: float | None
    ci_low_pct: float | None
    ci_high_pct: float | None
    discordance_observed_pct: float | None
    mcnemar_p: float
    significant: bool
    min_lift_pct: float
    #: Paired items to detect the observed lift at the observed discordance (None: no lift).
    samples_needed_observed: int | None
    #: Paired items to detect the planned lift from the planned pass rate (None: not possible).
    samples_needed_planned: int | None
    planned_variant_rate_pct: float
    #: The lift the plan is sized for (the expected lift input), in percentage points.
    planned_lift_pct: float = 0.0
    plan_note: str
    cost_delta_per_sample_usd: float | None
    latency_delta_ms: float | None
    #: Extra cost of the variant per additional item it gets right (None: not a cost or no gain).
    cost_per_extra_pass_usd: float | None
    # The plot: paired items needed against the lift to detect (planning assumptions).
    curve_lift_pct: list[float]
    curve_samples_needed: list[float]


def _planned_samples(x: Inputs, lift_pct: float) -> int | None:
    """Paired items to detect `lift_pct` from the planned pass rate, or None when the plan
    cannot have that lift (no lift, a rate beyond 0-100%, a discordance below the lift)."""
    p, lift = x.baseline_pass_rate_pct / 100, lift_pct / 100
    discordance = x.discordance_pct / 100 if x.known_discordance else None
    if lift == 0 or not 0 <= p + lift <= 1:
        return None
    if discordance is not None and discordance < abs(lift):
        return None
    return stats.sample_size_for_lift(
        p, lift, alpha=x.alpha, power=x.power, discordance=discordance
    )


def _plan_note(x: Inputs, planned: int | None) -> str:
    lift = x.expected_lift_pct
    rate = x.baseline_pass_rate_pct
    if lift == 0:
        return "The plan has no expected lift: enter the lift you hope for to size it."
    if not 0 <= rate + lift <= 100:
        return (
            f"A lift of {_points(lift)} from a {_pct(rate)} pass rate is beyond 0-100%: "
            "lower the expected lift."
        )
    if x.known_discordance and x.discordance_pct < abs(lift):
        return (
            f"A {_pct(x.discordance_pct)} discordance cannot carry a lift of {_points(lift)}: "
            "the arms must disagree on at least that share of items."
        )
    if planned is None:
        return (
            f"A lift of {lift:+.3g} pp from a {_pct(rate)} pass rate is too small for any "
            "number of items to detect: enter a larger expected lift."
        )
    basis = (
        f"with a {_pct(x.discordance_pct)} discordance"
        if x.known_discordance
        else "assuming the arms pass and fail independently (a known discordance usually "
        "needs fewer)"
    )
    return (
        f"Planning: from a {_pct(rate)} pass rate, detecting a lift of {_points(lift)} with "
        f"{x.power:.0%} power at alpha {format_number(x.alpha)} takes about {planned:,} paired "
        f"items, {basis}."
    )


def _curve(x: Inputs, lift_pct: float | None) -> tuple[list[float], list[float]]:
    """Samples needed at positive lifts up to the largest the plan allows (or 20 points, or
    twice the planned or observed lift, whichever is more)."""
    room = 100 - x.baseline_pass_rate_pct
    if x.known_discordance:
        room = min(room, x.discordance_pct)
    span = max(20.0, 2 * abs(x.expected_lift_pct), 2 * abs(lift_pct or 0.0))
    top = min(room, span)
    if top <= 0:
        return [], []
    lifts, needed = [], []
    for lift in np.linspace(top / CURVE_POINTS, top, CURVE_POINTS).tolist():
        n = _planned_samples(x, lift)
        if n is not None:
            lifts.append(lift)
            needed.append(float(n))
    return lifts, needed


def compute(inputs: Inputs, catalog: Catalog | None = None) -> Result:
    """Plan the experiment and decide from its paired pass/fail counts.

    n = both_pass + baseline_only + variant_only + both_fail (paired items);
    pass rates: baseline (both_pass + baseline_only) / n, variant (both_pass + variant_only) / n;
    lift = (variant_only - baseline_only) / n, in percentage points (x 100);
    (1 - alpha) interval: Tango's score interval (stats.paired_proportion_ci) from b, c and n;
    McNemar's exact p from baseline_only and variant_only (significant when p < alpha);
    verdict = stats.verdict(lift, low, high, min_lift, p_value=p, alpha=alpha), in percentage
    points: ship when p < alpha, low > 0 and lift >= min_lift; do not ship when
    high < min_lift; need more data otherwise.
    Samples needed (stats.paired_sample_size, Connor 1987): at the observed lift with the
    observed discordant shares; planned, at the expected lift from the planned pass rate with
    the known discordance or, without it, independent arms (p10 = p (1 - q), p01 = (1 - p) q).
    Trade-off: cost and latency deltas = variant - baseline; cost per extra pass = cost delta /
    (lift as a share), when both are positive.
    No items entered: a plan only, need more data. `catalog` is not used.
    """
    x = inputs
    n = x.both_pass + x.baseline_only + x.variant_only + x.both_fail
    b, c = x.baseline_only, x.variant_only
    p_value = stats.mcnemar_exact(b, c)
    base_rate = var_rate = lift = low = high = discordance = None
    needed_observed = None
    verdict: stats.Verdict = "need_more_data"
    if n:
        base_rate = 100 * (x.both_pass + b) / n
        var_rate = 100 * (x.both_pass + c) / n
        discordance = 100 * (b + c) / n
        share, share_low, share_high = stats.paired_proportion_ci(b, c, n, alpha=x.alpha)
        lift, low, high = 100 * share, 100 * share_low, 100 * share_high
        verdict = stats.verdict(lift, low, high, x.min_lift_pct, p_value=p_value, alpha=x.alpha)
        needed_observed = stats.paired_sample_size(b / n, c / n, alpha=x.alpha, power=x.power)
    planned = _planned_samples(x, x.expected_lift_pct)
    plan_note = _plan_note(x, planned)

    cost_delta = latency_delta = per_pass = None
    if x.compare_cost_latency:
        cost_delta = x.variant_cost_per_sample_usd - x.baseline_cost_per_sample_usd
        latency_delta = x.variant_latency_ms - x.baseline_latency_ms
        if lift is not None and lift > 0 and cost_delta > 0:
            per_pass = cost_delta / (lift / 100)
    lifts, needed = _curve(x, lift)

    result = Result(
        recommendation=verdict,
        headline="",
        rationale=[],
        figures=[],
        n_items=n,
        alpha=x.alpha,
        baseline_pass_rate_pct=base_rate,
        variant_pass_rate_pct=var_rate,
        lift_pct=lift,
        ci_low_pct=low,
        ci_high_pct=high,
        discordance_observed_pct=discordance,
        mcnemar_p=p_value,
        significant=p_value < x.alpha,
        min_lift_pct=x.min_lift_pct,
        samples_needed_observed=needed_observed,
        samples_needed_planned=planned,
        planned_variant_rate_pct=x.baseline_pass_rate_pct + x.expected_lift_pct,
        planned_lift_pct=x.expected_lift_pct,
        plan_note=plan_note,
        cost_delta_per_sample_usd=cost_delta,
        latency_delta_ms=latency_delta,
        cost_per_extra_pass_usd=per_pass,
        curve_lift_pct=lifts,
        curve_samples_needed=needed,
    )
    return result.model_copy(
        update={
            "headline": _headline(result),
            "rationale": _rationale(x, result),
            "figures": _figures(result),
        }
    )


def _pct(value: float) -> str:
    return f"{value:.1f}%"


_points = stats.format_points


def _interval(r: Result) -> str:
    """ "95% interval +1.2 to +8.8 pp" (the level follows alpha)."""
    low, high = r.ci_low_pct or 0.0, r.ci_high_pct or 0.0
    return f"{stats.interval_level(r.alpha)} interval {_points(low)[:-3]} to {_points(high)}"


def _rule(x: Inputs) -> str:
    return stats.verdict_rule(x.alpha, x.min_lift_pct, TEST_NAME)


def _headline(r: Result) -> str:
    if r.lift_pct is None or r.ci_low_pct is None or r.ci_high_pct is None:
        if r.samples_needed_planned is None:
            return "Need more data: no outcomes entered yet"
        return f"Need more data: plan about {r.samples_needed_planned:,} paired items"
    interval = _interval(r)
    if r.recommendation == "ship":
        return f"Ship: a lift of {_points(r.lift_pct)} ({interval})"
    if r.recommendation == "do_not_ship":
        return (
            f"Do not ship: at most {_points(r.ci_high_pct)}, short of the "
            f"{_points(r.min_lift_pct)} minimum"
        )
    return f"Need more data: a lift of {_points(r.lift_pct)} ({interval}) is not settled"


def _rationale(x: Inputs, r: Result) -> list[str]:
    out: list[str] = []
    if (
        r.lift_pct is None
        or r.ci_low_pct is None
        or r.ci_high_pct is None
        or r.baseline_pass_rate_pct is None
        or r.variant_pass_rate_pct is None
    ):
        out.append(
            "No paired outcomes are entered yet, so this is a plan: run both arms on the same "
            "items and enter the four counts to get a verdict."
        )
        out.append(r.plan_note)
        return out
    n = r.n_items
    out.append(
        f"On {n:,} paired items the baseline passes {x.both_pass + x.baseline_only:,} "
        f"({_pct(r.baseline_pass_rate_pct)}) and the variant {x.both_pass + x.variant_only:,} "
        f"({_pct(r.variant_pass_rate_pct)}): a lift of {_points(r.lift_pct)} ({_interval(r)}, "
        "Tango's score interval)."
    )
    reading = "significant" if r.significant else "not significant"
    alpha = format_number(x.alpha)
    out.append(
        f"Only the baseline passes {x.baseline_only:,} items and only the variant "
        f"{x.variant_only:,}; McNemar's exact test gives p = {p_value(r.mcnemar_p)}, {reading} at "
        f"alpha {alpha}."
    )
    out.append(_rule(x))
    minimum = _points(r.min_lift_pct)
    if r.recommendation == "ship":
        out.append(
            f"Ship: p = {p_value(r.mcnemar_p)} is below {alpha}, the interval's lower end "
            f"({_points(r.ci_low_pct)}) is above 0 and the lift reaches the {minimum} minimum."
        )
    elif r.recommendation == "do_not_ship":
        out.append(
            f"Do not ship: even the interval's upper end ({_points(r.ci_high_pct)}) is below "
            f"the minimum worthwhile lift of {minimum}."
        )
    else:
        out.append(f"Need more data: {_wait_reason(r, alpha)}.")
    if r.samples_needed_observed is not None and r.discordance_observed_pct is not None:
        sentence = (
            f"Detecting a lift of {_points(r.lift_pct)} with {x.power:.0%} power at alpha "
            f"{format_number(x.alpha)} takes about {r.samples_needed_observed:,} paired items "
            f"at this run's {_pct(r.discordance_observed_pct)} discordance"
        )
        more = r.samples_needed_observed - n
        if r.recommendation == "need_more_data" and more > 0:
            sentence += f"; you have {n:,}, so about {more:,} more would settle it"
        out.append(sentence + ".")
    out.append(r.plan_note)
    if r.cost_delta_per_sample_usd is not None and r.latency_delta_ms is not None:
        out.append(_trade_off(x, r))
    return out


def _wait_reason(r: Result, alpha: str) -> str:
    """Why neither ship nor do not ship: the first condition of shipping that fails."""
    low, high, lift = r.ci_low_pct or 0.0, r.ci_high_pct or 0.0, r.lift_pct or 0.0
    minimum = _points(r.min_lift_pct)
    if low <= 0:
        return (
            f"the interval reaches down to {_points(low)}, so a lift above 0 is not "
            f"established, and up to {_points(high)}, so it may still reach the {minimum} minimum"
        )
    if not r.significant:
        return (
            f"the interval lies above 0 but McNemar's exact p = {p_value(r.mcnemar_p)} is not "
            f"below alpha {alpha}: with so few discordant items the two readings disagree, "
            "and a lift is claimed only when both hold"
        )
    return (
        f"the lift is real but at {_points(lift)} below the {minimum} minimum, while the "
        f"interval reaches up to {_points(high)}"
    )


def _trade_off(x: Inputs, r: Result) -> str:
    cost, latency = r.cost_delta_per_sample_usd or 0.0, r.latency_delta_ms or 0.0
    if cost == 0:
        cost_text = f"costs the same per sample ({usd(x.baseline_cost_per_sample_usd)})"
    else:
        cost_text = (
            f"costs {usd(abs(cost))} {'more' if cost > 0 else 'less'} per sample "
            f"({usd(x.variant_cost_per_sample_usd)} against {usd(x.baseline_cost_per_sample_usd)})"
        )
    if latency == 0:
        latency_text = f"is as fast at the median ({x.baseline_latency_ms:,.0f} ms)"
    else:
        latency_text = (
            f"is {abs(latency):,.0f} ms {'slower' if latency > 0 else 'faster'} at the median "
            f"({x.variant_latency_ms:,.0f} against {x.baseline_latency_ms:,.0f} ms)"
        )
    sentence = f"The variant {cost_text} and {latency_text}"
    if r.cost_per_extra_pass_usd is not None:
        sentence += (
            f"; at the observed lift each extra item it gets right costs "
            f"{usd(r.cost_per_extra_pass_usd)}"
        )
    return sentence + "."


def _figures(r: Result) -> list[Figure]:
    none = "no data" if r.n_items == 0 else "n/a"
    level = stats.interval_level(r.alpha)
    return [
        Figure(key="n_items", label="Paired items", value=r.n_items, unit="count"),
        Figure(
            key="baseline_pass_rate",
            label="Baseline pass rate",
            value=r.baseline_pass_rate_pct,
            unit="pct",
            none_text=none,
        ),
        Figure(
            key="variant_pass_rate",
            label="Variant pass rate",
            value=r.variant_pass_rate_pct,
            unit="pct",
            none_text=none,
        ),
        Figure(
            key="lift",
            label="Lift",
            value=r.lift_pct,
            unit="pp",
            none_text=none,
        ),
        Figure(
            key="ci_low",
            label=f"Lift, {level} interval low",
            value=r.ci_low_pct,
            unit="pp",
            none_text=none,
        ),
        Figure(
            key="ci_high",
            label=f"Lift, {level} interval high",
            value=r.ci_high_pct,
            unit="pp",
            none_text=none,
        ),
        Figure(key="mcnemar_p", label="McNemar exact p-value", value=r.mcnemar_p, unit="p_value"),
        Figure(
            key="samples_needed_observed",
            label="Paired items to detect the observed lift",
            value=r.samples_needed_observed,
            unit="count",
            none_text="no lift" if r.n_items else none,
        ),
        Figure(
            key="samples_needed_planned",
            label="Paired items to detect the planned lift",
            value=r.samples_needed_planned,
            unit="count",
            none_text="not possible",
        ),
        Figure(
            key="cost_delta_per_sample",
            label="Extra cost per sample (variant - baseline)",
            value=r.cost_delta_per_sample_usd,
            unit="usd",
            none_text="not entered",
        ),
        Figure(
            key="latency_delta",
            label="Extra latency at p50 (variant - baseline)",
            value=r.latency_delta_ms,
            unit="ms",
            none_text="not entered",
        ),
        Figure(
            key="cost_per_extra_pass",
            label="Cost per extra item passed",
            value=r.cost_per_extra_pass_usd,
            unit="usd",
            none_text="n/a",
        ),
    ]


def summarize(inputs: Inputs, result: Result) -> str:
    """Markdown body of the decision summary: the outcomes, the options, the plan, assumptions."""
    x, r = inputs, result
    lines = ["### Observed outcomes", ""]
    if r.n_items == 0 or r.lift_pct is None or r.ci_low_pct is None or r.ci_high_pct is None:
        lines += ["No paired outcomes entered yet: this summary is a plan.", ""]
    else:
        lines += [
            "| | Variant passes | Variant fails |",
            "|---|---|---|",
            f"| **Baseline passes** | {x.both_pass:,} | {x.baseline_only:,} |",
            f"| **Baseline fails** | {x.variant_only:,} | {x.both_fail:,} |",
            "",
            f"Pass rates: baseline {_pct(r.baseline_pass_rate_pct or 0.0)}, variant "
            f"{_pct(r.variant_pass_rate_pct or 0.0)} on {r.n_items:,} paired items. Lift "
            f"**{_points(r.lift_pct)}** ({_interval(r)}); McNemar's exact p = "
            f"{p_value(r.mcnemar_p)} ({'' if r.significant else 'not '}significant at alpha "
            f"{format_number(x.alpha)}).",
            "",
        ]
    ship_met = "yes" if r.recommendation == "ship" else "no"
    stop_met = "yes" if r.recommendation == "do_not_ship" else "no"
    wait_met = "yes" if r.recommendation == "need_more_data" else "no"
    minimum = _points(r.min_lift_pct)
    level = stats.interval_level(x.alpha)
    lines += [
        "### Considered options",
        "",
        "| Option | Condition | Met |",
        "|---|---|---|",
        f"| Ship the variant | McNemar's exact p below {format_number(x.alpha)}, {level} "
        f"interval above 0 and lift at least {minimum} | {ship_met} |",
        f"| Keep the baseline (do not ship) | interval's upper end below {minimum} | {stop_met} |",
        f"| Collect more data | neither of the above | {wait_met} |",
        "",
        f"Outcome: **{LABELS[r.recommendation]}**.",
        "",
    ]
    if r.cost_delta_per_sample_usd is not None and r.latency_delta_ms is not None:
        lines += [_trade_off(x, r), ""]
    lines += ["### Sample size", "", r.plan_note]
    if r.samples_needed_observed is not None and r.lift_pct is not None:
        lines += [
            "",
            f"At the observed lift ({_points(r.lift_pct)}) and discordance: about "
            f"{r.samples_needed_observed:,} paired items.",
        ]
    lines += [
        "",
        "### Assumptions",
        "",
        "- Each item is scored pass/fail for both arms on the same dataset (paired outcomes); "
        "the lift is in percentage points of the pass rate.",
        f"- The lift's {level} interval (level 1 - alpha, alpha {format_number(x.alpha)}) is "
        "Tango's score interval for a paired difference of proportions: every lift the score "
        "test does not reject at alpha. Alpha and power set the sample sizes.",
        "- McNemar's exact test: under no difference, each item only one arm passes is a fair "
        "coin; p = min(1, 2 P(X <= min(b, c))), X ~ Binomial(b + c, 1/2).",
        "- Sample sizes follow Connor (1987): n = (z(1 - alpha/2) sqrt(psi) + z(power) "
        "sqrt(psi - d^2))^2 / d^2, psi the discordant share, d the lift; the plan "
        + (
            f"uses a {_pct(x.discordance_pct)} discordance."
            if x.known_discordance
            else "assumes independent arms: psi = p (1 - q) + (1 - p) q."
        ),
        f"- Verdict. {_rule(x)}",
    ]
    return "\n".join(lines)


def suggested_inputs(comparison: Comparison) -> dict[str, Any]:
    """The inputs a comparison of two runs measured ("Use in the decision form"): the pass/fail
    counts at the comparison's threshold over the paired items, the minimum lift and alpha,
    and each arm's cost and median latency per sample (only those it measured)."""
    t = comparison.pass_threshold
    paired = [o for o in comparison.outcomes if o.kind != "error"]
    both_pass = sum(1 for o in paired if o.baseline >= t and o.variant >= t)
    both_fail = sum(1 for o in paired if o.baseline < t and o.variant < t)
    values: dict[str, Any] = {
        "both_pass": both_pass,
        "baseline_only": comparison.b,
        "variant_only": comparison.c,
        "both_fail": both_fail,
        "min_lift_pct": round(comparison.min_lift * 100, 4),
        # The form then reads the counts at the alpha the comparison was decided at.
        "alpha": comparison.alpha,
    }
    measured = {
        "baseline_cost_per_sample_usd": comparison.baseline.cost_per_sample_usd,
        "variant_cost_per_sample_usd": comparison.variant.cost_per_sample_usd,
        "baseline_latency_ms": comparison.baseline.latency_p50_ms,
        "variant_latency_ms": comparison.variant.latency_p50_ms,
    }
    known = {k: v for k, v in measured.items() if v is not None}
    if known:
        values["compare_cost_latency"] = True
        values.update(known)
    return values
