"""Sequential A/B runs: baseline and variant over a dataset's items in a seeded random order,
both arms per item, stopping as soon as the anytime-valid verdict (core.sequential) is settled.

Each arm is an ordinary stored run, called through the same runner, cache and prices as
`operations.runs`, so Compare and History see both; a run stopped early is kept as a cancelled
run (resumable) whose stop reason says why. The sequential outcome (where it stopped, the
interval, the verdict, the fixed-size plan and what stopping saved against it) is kept in the
experiment record's comparison JSON under "sequential".

Items are asked for in rounds of `settings.concurrency` items per arm (both arms answer a
round before it is read), so a round keeps the runner's concurrency; the sequence is read pair
by pair in the seeded order and stops at the first settled pair. The rest of that round was
paid for and is stored, and counted as spent, but the verdict is the one at the stopping pair.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from core import metrics, stats
from core.comparison import compare_runs
from core.evaluation import DatasetItem, RunSettings, RunStatus, Sample, Variant
from core.runner import EvalRunner, estimate_cost
from core.sequential import Look, SequentialTest, fixed_plan, horizon_for
from operations.runs import CatalogLoader, RunPlan, client_for, plan_run
from storage.experiments import ExperimentRecord, ExperimentStore

Stop = Literal["settled", "exhausted", "cancelled", "spend_cap", "failed"]

#: How each way of ending reads in a run's stop reason and the summary.
STOP_LABELS: dict[str, str] = {
    "settled": "the verdict was settled",
    "exhausted": "every planned item was run before the verdict was settled",
    "cancelled": "cancelled",
    "spend_cap": "the spend cap was reached",
    "failed": "an arm answered none of a round's items",
}


@dataclass(frozen=True)
class SequentialPlan:
    """A sequential run checked and priced before it starts: the two arms' plans over the
    items in their seeded order (at most `max_items`), the horizon the bets are tuned for, and
    the estimate for calling every one of them (the most it can cost)."""

    dataset_id: int
    baseline: RunPlan
    variant: RunPlan
    metric: str
    pattern: str | None
    alpha: float
    min_lift: float
    seed: int
    horizon: int

    @property
    def items(self) -> list[DatasetItem]:
        return self.baseline.items

    @property
    def refusal(self) -> str | None:
        return self.baseline.refusal or self.variant.refusal

    @property
    def estimate_usd(self) -> float | None:
        costs = (self.baseline.estimate.usd, self.variant.estimate.usd)
        return None if None in costs else sum(c for c in costs if c is not None)


def plan_sequential(
    store: ExperimentStore,
    dataset_id: int,
    baseline: Variant,
    variant: Variant,
    settings: RunSettings,
    catalog: CatalogLoader,
    *,
    metric: str = "exact_match",
    pattern: str | None = None,
    alpha: float = 0.05,
    min_lift: float = 0.02,
    max_items: int | None = None,
    seed: int = 0,
    api_key: str | None = None,
    variant_api_key: str | None = None,
) -> SequentialPlan:
    """The items in a random order fixed by `seed`, the first `max_items` of them (all when
    None), and both arms planned over them. `min_lift` is in score units (0.02 for 2 points).
    `api_key` is a session key for both arms, unless `variant_api_key` gives the variant its
    own (two providers).
    Raises ValueError for a metric a sequential run cannot score item by item (a judged one),
    a bad alpha or minimum lift, or no items."""
    spec = metrics.get_metric(metric)
    if spec.needs_judge:
        raise ValueError(
            f"{spec.label} is graded by a judge model after the run; a sequential run scores "
            "each pair as it lands: choose a metric computed from the output"
        )
    if pattern:
        metrics.compile_pattern(pattern)
    if not 0 < alpha < 1:
        raise ValueError(f"the significance level must be between 0 and 1 (got {alpha})")
    if not 0 <= min_lift < 1:
        raise ValueError(f"the minimum lift must be 0 to 100 points (got {100 * min_lift:g})")
    if max_items is not None and max_items < 1:
        raise ValueError(f"the most items to run must be at least 1 (got {max_items})")
    items = store.items(dataset_id)
    order = list(items)
    random.Random(seed).shuffle(order)
    order = order[:max_items] if max_items is not None else order
    if not order:
        raise ValueError("the dataset has no items")
    arms = []
    for arm, key in ((baseline, api_key), (variant, variant_api_key or api_key)):
        plan = plan_run(store, dataset_id, arm, settings, catalog, api_key=key)
        arms.append(
            dataclasses.replace(plan, items=order, estimate=estimate_cost(arm, order, plan.prices))
        )
    return SequentialPlan(
        dataset_id=dataset_id,
        baseline=arms[0],
        variant=arms[1],
        metric=metric,
        pattern=pattern,
        alpha=alpha,
        min_lift=min_lift,
        seed=seed,
        horizon=horizon_for(min_lift, len(order), alpha=alpha),
    )


@dataclass(frozen=True)
class SequentialProgress:
    """After each pair: the look (lift, interval, verdict so far), pairs read of the items
    planned, and what both arms have spent (USD)."""

    look: Look
    total: int
    spend_usd: float
    plan_n: int | None


@dataclass(frozen=True)
class SequentialOutcome:
    """How a sequential run ended.

    `look` is the sequence at the stopping pair (None when no pair was completed); `called`
    the items both arms answered (at least `look.n`: the rest of the last round); `plan_n` the
    fixed-size plan for the minimum lift at the baseline's observed pass rate; `items_saved`
    min(plan_n, total) - called (a plan beyond the items planned could only have run them
    all; negative: more than the plan) and `money_saved_usd` that many pairs at
    the run's cost per pair (None without a plan or a known price). `record_id` is the
    experiment kept in the history (None when no pair was completed). `path` is every look.
    """

    stop: Stop
    baseline_run_id: int
    variant_run_id: int
    look: Look | None
    called: int
    total: int
    spend_usd: float
    plan_n: int | None
    items_saved: int | None
    money_saved_usd: float | None
    record_id: int | None
    path: list[Look] = field(default_factory=list)
    alpha: float = 0.05

    def verdict_text(self) -> str:
        """The verdict at the stopping pair, and why it stopped when it was not settled."""
        if self.look is None:
            return f"No pair was completed ({STOP_LABELS[self.stop]}): no verdict."
        text = self.look.sentence(self.alpha)
        if not self.look.settled:
            text += f" Stopped: {STOP_LABELS[self.stop]}."
        return text

    def summary(self) -> str:
        """The final verdict line, e.g. "Ship after 120 items: better, +6.0 pp (...). Saved
        176 items ($0.35) against the fixed-size plan (n = 296)."."""
        if self.look is None:
            return self.verdict_text()
        saved = savings_sentence(self.plan_n, self.items_saved, self.money_saved_usd, self.total)
        return f"{self.verdict_text()} {saved}"


def savings_sentence(plan_n: int | None, saved: int | None, money: float | None, total: int) -> str:
    """Items (and money) saved against the fixed-size plan of n items, in words; a plan
    beyond the `total` items planned is said to be, as it could only have run them all."""
    if plan_n is None or saved is None:
        return "No fixed-size plan to save against (it needs a minimum lift above 0)."
    cost = "" if money is None else f" (${abs(money):,.4f})"
    plan = f"n = {plan_n:,}" + (f", more than the {total:,} items" if plan_n > total else "")
    if saved >= 0:
        return f"Saved {saved:,} items{cost} against the fixed-size plan ({plan})."
    return f"Used {-saved:,} items{cost} more than the fixed-size plan ({plan})."


class _Arm:
    """One arm's stored run, its runner and the samples that have landed."""

    def __init__(
        self, store: ExperimentStore, plan: RunPlan, api_key: str | None, name: str
    ) -> None:
        self.store, self.plan = store, plan
        self.run_id = store.create_run(plan.dataset_id, plan.variant, plan.settings, name=name)
        client = client_for(plan.variant, plan.settings, plan.prices, api_key)
        self.runner = EvalRunner(client, plan.settings)
        self.samples: dict[str, Sample] = {}
        self.spend = 0.0
        self.paid = 0.0

    def land(self, sample: Sample) -> None:
        self.store.add_sample(self.run_id, sample)
        self.samples[sample.item_id] = sample
        self.spend += sample.cost_usd
        # What the call costs at its price, cached or not: the worth of a pair not needed.
        self.paid += sample.cost_usd + sample.cached_cost_usd

    def run(self, items: list[DatasetItem], cancelled: Callable[[], bool] | None) -> str:
        outcome = self.runner.run(
            self.plan.variant,
            items,
            on_sample=self.land,
            cache=self.store.cache if self.plan.settings.use_cache else None,
            cancelled=cancelled,
            prices=self.plan.prices,
        )
        return outcome.status


def execute_sequential(
    store: ExperimentStore,
    plan: SequentialPlan,
    *,
    api_key: str | None = None,
    variant_api_key: str | None = None,
    progress: Callable[[SequentialProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_created: Callable[[int, int], None] | None = None,
) -> SequentialOutcome:
    """Create both runs (telling `on_created` their ids), run them round by round until the
    verdict is settled, the items run out, a cancel or the spend cap (both arms' spend against
    `settings.spend_cap_usd`), then record both runs' ends and the experiment. Blocks: call
    it off the GUI thread."""
    if plan.refusal:
        raise ValueError(f"not started: {plan.refusal}")
    base = _Arm(store, plan.baseline, api_key, plan.baseline.variant.name)
    var = _Arm(store, plan.variant, variant_api_key or api_key, plan.variant.variant.name)
    if on_created is not None:
        on_created(base.run_id, var.run_id)
    test = SequentialTest(alpha=plan.alpha, min_lift=plan.min_lift, horizon=plan.horizon)
    order, settings = plan.items, plan.baseline.settings
    cap = settings.spend_cap_usd
    path: list[Look] = []
    differences: list[float] = []
    base_scores: list[float] = []
    stop: Stop | None = None
    read = 0
    try:
        while stop is None:
            if read >= len(order):
                stop = "exhausted"
            elif cancelled is not None and cancelled():
                stop = "cancelled"
            elif cap > 0 and base.spend + var.spend >= cap:
                stop = "spend_cap"
            if stop is not None:
                break
            batch = order[read : read + settings.concurrency]
            ended = {base.run(batch, cancelled), var.run(batch, cancelled)}
            if "failed" in ended:
                # A round with no answer from an arm (a server down, a bad key): reading its
                # errors as scores of 0 would settle a verdict about the outage.
                stop = "failed"
                break
            for item in batch:
                pair = _scores(plan, item, base.samples.get(item.id), var.samples.get(item.id))
                if pair is None:
                    break
                read += 1
                look = test.update(*pair)
                path.append(look)
                differences.append(pair[1] - pair[0])
                base_scores.append(pair[0])
                if progress is not None:
                    spent = base.spend + var.spend
                    planned = _plan_n(plan, base_scores, differences)
                    progress(SequentialProgress(look, len(order), spent, planned))
                if look.settled:
                    stop = "settled"
                    break
            if stop is None and "cancelled" in ended:
                stop = "cancelled"
            elif stop is None and "spend_cap" in ended:
                stop = "spend_cap"
    except KeyboardInterrupt:
        for arm in (base, var):
            store.finish_run(arm.run_id, "cancelled", "Interrupted; resume the run to finish it.")
        raise
    assert stop is not None
    called = sum(1 for i in order if i.id in base.samples and i.id in var.samples)
    last = path[-1] if path else None
    _finish_runs(store, plan, (base, var), stop, last)
    plan_n = _plan_n(plan, base_scores, differences)
    saved = None if plan_n is None else min(plan_n, len(order)) - called
    per_pair = (base.paid + var.paid) / called if called else 0.0
    known_price = plan.baseline.prices is not None or plan.variant.prices is not None
    money = None if saved is None or not (known_price or per_pair) else saved * per_pair
    outcome = SequentialOutcome(
        stop=stop,
        baseline_run_id=base.run_id,
        variant_run_id=var.run_id,
        look=last,
        called=called,
        total=len(order),
        spend_usd=base.spend + var.spend,
        plan_n=plan_n,
        items_saved=saved,
        money_saved_usd=money,
        record_id=None,
        path=path,
        alpha=plan.alpha,
    )
    if last is None:
        return outcome
    record_id = _record(store, plan, outcome, (base, var))
    return dataclasses.replace(outcome, record_id=record_id)


def _scores(
    plan: SequentialPlan, item: DatasetItem, base: Sample | None, var: Sample | None
) -> tuple[float, float] | None:
    """Both arms' scores of one item (an errored answer scores 0, as in every comparison);
    None until both have answered."""
    if base is None or var is None:
        return None
    predictions = [base.output if base.ok else None, var.output if var.ok else None]
    scored = metrics.score_outputs(plan.metric, predictions, [item.expected] * 2, plan.pattern)
    return scored[0], scored[1]


def _plan_n(plan: SequentialPlan, base_scores: list[float], differences: list[float]) -> int | None:
    """The fixed-size plan for the minimum lift, from what the run has seen: McNemar's at the
    baseline's pass rate so far for a pass/fail metric, the paired z-test on the differences'
    spread otherwise (None until two pairs, or without a minimum lift)."""
    if plan.min_lift <= 0 or not base_scores:
        return None
    if metrics.get_metric(plan.metric).pass_fail:
        rate = sum(base_scores) / len(base_scores)
        return fixed_plan(rate, plan.min_lift, alpha=plan.alpha)
    if len(differences) < 2:
        return None
    return stats.samples_needed_for_scores(differences, plan.min_lift, alpha=plan.alpha)


def _finish_runs(
    store: ExperimentStore,
    plan: SequentialPlan,
    arms: tuple[_Arm, _Arm],
    stop: Stop,
    look: Look | None,
) -> None:
    """Each run's end: completed, partial or failed when every item was asked for, like any
    run; otherwise cancelled (resumable), the reason saying why it stopped where it did."""
    total = len(store.items(plan.dataset_id))
    for arm in arms:
        done = len(arm.samples)
        errors = sum(1 for s in arm.samples.values() if not s.ok)
        status: RunStatus
        if done == total:
            status = "failed" if errors == done else ("partial" if errors else "completed")
        else:
            status = "spend_cap" if stop == "spend_cap" else "cancelled"
        where = f" at item {look.n:,}" if look is not None else ""
        verdict = f" ({stats.VERDICT_LABELS[look.verdict]})" if look is not None else ""
        reason = (
            f"Sequential run stopped{where}: {STOP_LABELS[stop]}{verdict}; {done:,} of "
            f"{total:,} items done, {errors:,} errors."
        )
        if status in ("cancelled", "spend_cap"):
            reason += " Resume the run to answer the rest."
        store.finish_run(arm.run_id, status, reason)


def _record(
    store: ExperimentStore,
    plan: SequentialPlan,
    outcome: SequentialOutcome,
    arms: tuple[_Arm, _Arm],
) -> int:
    """Keep the experiment in the history: the comparison of the pairs the sequence read
    (those before the stopping pair), its interval and verdict the anytime-valid ones, and
    the sequential figures under "sequential"."""
    look = outcome.look
    assert look is not None
    seen = plan.items[: look.n]
    base, var = arms
    comparison = compare_runs(
        seen,
        [base.samples[i.id] for i in seen],
        [var.samples[i.id] for i in seen],
        plan.metric,
        min_lift=plan.min_lift,
        pattern=plan.pattern,
        alpha=plan.alpha,
    )
    reasons = [
        look.sentence(plan.alpha),
        savings_sentence(
            outcome.plan_n, outcome.items_saved, outcome.money_saved_usd, outcome.total
        ),
        f"The interval is anytime-valid (a betting confidence sequence, Waudby-Smith and "
        f"Ramdas 2023): it holds however often it was looked at; the fixed-size McNemar p "
        f"({comparison.mcnemar_p:.3g}) does not, after stopping on the data, and is shown "
        "for reference only.",
    ]
    comparison = comparison.model_copy(
        update={"low": look.low, "high": look.high, "verdict": look.verdict, "reasons": reasons}
    )
    data: dict[str, Any] = comparison.model_dump(mode="json")
    data["sequential"] = {
        "stop": outcome.stop,
        "stopped_at": look.n,
        "called": outcome.called,
        "total": outcome.total,
        "seed": plan.seed,
        "alpha": plan.alpha,
        "min_lift": plan.min_lift,
        "horizon": plan.horizon,
        "lift": look.lift,
        "low": look.low,
        "high": look.high,
        "verdict": look.verdict,
        "finding": look.finding,
        "plan_n": outcome.plan_n,
        "items_saved": outcome.items_saved,
        "money_saved_usd": outcome.money_saved_usd,
        "spend_usd": outcome.spend_usd,
        "path": [[p.n, p.lift, p.low, p.high] for p in outcome.path],
    }
    record = ExperimentRecord.from_comparison(
        comparison,
        name=f"{plan.variant.variant.name} vs {plan.baseline.variant.name} (sequential)",
        dataset_id=plan.dataset_id,
        baseline_run_id=base.run_id,
        variant_run_id=var.run_id,
    )
    return store.save_experiment(dataclasses.replace(record, comparison=data))
