"""Agents: does the task need an agent at all, and what does its loop cost per task?"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict

from core.frameworks.common import (
    CHOICE_LABELS,
    Figure,
    FrameworkInputs,
    FrameworkResult,
    count,
    counted,
    duration,
    format_number,
    param,
    per_million,
    probability,
    usd,
)

if TYPE_CHECKING:
    from core.agent_loop import Measured
    from core.catalog import Catalog, ModelInfo

ID = "agents"
TITLE = "Agents"
GUIDE = (
    "Use this before building an agent: a loop in which a model plans, calls tools, reads their "
    "results and tries again until it answers. The questionnaire holds the source's criteria. "
    "Good fit: multi-step workflows (research, code generation), dynamic planning (the steps "
    "are not known in advance), tool use (API calls, file operations), adaptive reasoning "
    "(learning from mistakes). Poor fit: single-turn classification, simple generation, "
    "latency under a second, cost-critical operations. The verdict is a single call, a fixed "
    "workflow (a chain of known steps) or an agent, with the reason for each answer. The loop "
    "economics then price the agent: every iteration is one model call that re-sends the whole "
    "history, so cost grows faster than the number of iterations; the number of iterations "
    "varies from task to task (a lognormal with your mean and p95, stopped at the maximum), and "
    "the cost and latency per task are given as expected, p95 and worst case (every iteration "
    "up to the maximum) against your budgets. An agent that fits but breaks a budget at p95 is "
    "recommended as a fixed workflow instead. Run an agent trial (the page beside the plots) to "
    "measure real iterations, tokens and cost, and feed them back with 'Use measured values'. "
    "Start simple; add agentic patterns only when needed."
)

Verdict = Literal["single_call", "fixed_workflow", "agent"]
FitKind = Literal["good", "poor"]

#: The verdicts as a reader sees them: the app's one table of choice labels.
VERDICT_LABELS: dict[str, str] = {code: CHOICE_LABELS[code] for code in get_args(Verdict)}
#: The same names inside a sentence.
VERDICT_NAMES: dict[str, str] = {
    "single_call": "a single call",
    "fixed_workflow": "a fixed workflow",
    "agent": "an agent",
}

DAYS_PER_MONTH = 30.4
_NORMAL = NormalDist()
#: The standard normal's 95th percentile.
Z95 = _NORMAL.inv_cdf(0.95)
#: A latency budget below this is a "latency under a second" requirement (the source's line).
SUB_SECOND_MS = 1000.0
#: A figure this close to its budget (relative) meets it: a budget typed as the exact cost of
#: a task must not fail on the last bit of a float sum.
TOLERANCE = 1e-9

FIT = "Fit assessment"
MODEL = "Model"
LOOP = "Agent loop"
BUDGETS = "Workload and budgets"


class Inputs(FrameworkInputs):
    multi_step_workflow: bool = param(
        True,
        group=FIT,
        title="Multi-step workflow",
        description="The task takes several model steps, as research or code generation does "
        "(good fit for an agent). Unticked: one request answers it.",
    )
    steps_known_in_advance: bool = param(
        False,
        group=FIT,
        title="Steps known in advance",
        description="The sequence of steps is the same for every task and can be written down "
        "beforehand. Unticked means dynamic planning: the next step depends on what the last "
        "one found (good fit for an agent); ticked, a fixed workflow does the job.",
        applies_when=("multi_step_workflow", True),
    )
    needs_tool_use: bool = param(
        True,
        group=FIT,
        title="Tool use",
        description="The task calls tools: APIs, file operations, searches, a calculator (good "
        "fit for an agent, though tools at known points fit a fixed workflow too).",
    )
    learns_from_mistakes: bool = param(
        True,
        group=FIT,
        title="Learns from mistakes",
        description="Adaptive reasoning: the task must look at a result, notice it is wrong and "
        "try again (a failing test, an empty search), so how many attempts it takes is not "
        "known (good fit for an agent).",
    )
    single_turn_classification: bool = param(
        False,
        group=FIT,
        title="Single-turn classification",
        description="The task is to label or route one input in one turn (poor fit for an "
        "agent: one call does it).",
    )
    simple_generation: bool = param(
        False,
        group=FIT,
        title="Simple generation",
        description="The task is to write one piece of text from one prompt: a summary, an "
        "email, a description (poor fit for an agent: one call does it).",
    )
    needs_sub_second_latency: bool = param(
        False,
        group=FIT,
        title="Latency under a second",
        description="Users need the answer in under a second (poor fit: a loop of model calls "
        "cannot promise that). A latency budget under 1,000 ms below counts as ticked.",
    )
    cost_critical: bool = param(
        False,
        group=FIT,
        title="Cost-critical",
        description="Every cent per task matters, e.g. a high-volume, low-margin operation (poor "
        "fit: an agent's cost per task is open-ended and grows with every iteration).",
    )
    model: str = param(
        "gpt-4o",
        unit="",
        group=MODEL,
        title="Model",
        choices="catalog_models",
        empty_text="Use the entered prices",
        description="The catalog model the agent runs on (the source's loop uses gpt-4o). Its "
        "catalog prices, and its latency profile if it has one, replace the entered ones below; "
        "a model missing from the catalog, or none, uses the entered values.",
    )
    input_cost_per_token: float = param(
        2.5e-6,
        ge=0,
        le=1,
        step=1e-7,
        unit="$/token",
        group=MODEL,
        title="Input price",
        description="What the model charges per input token, in dollars (example: gpt-4o's "
        "$2.50 per million). Used when the model is not in the catalog.",
    )
    output_cost_per_token: float = param(
        10e-6,
        ge=0,
        le=1,
        step=1e-7,
        unit="$/token",
        group=MODEL,
        title="Output price",
        description="What the model charges per output token, in dollars (example: gpt-4o's "
        "$10 per million). Used when the model is not in the catalog.",
    )
    ttft_ms: float = param(
        450,
        ge=0,
        le=600_000,
        step=50,
        unit="ms",
        group=MODEL,
        title="Time to first token",
        description="How long one model call takes to start answering, in milliseconds. Used "
        "when the catalog has no latency profile for the model.",
    )
    output_tokens_per_second: float = param(
        90,
        # Not just > 0: a vanishing speed (5e-324) makes the latency overflow to infinity.
        ge=0.01,
        le=1_000_000,
        step=10,
        unit="tokens/s",
        group=MODEL,
        title="Output speed",
        description="How fast the model writes, in tokens per second. Used when the catalog has "
        "no latency profile for the model.",
    )
    expected_iterations: float = param(
        4,
        ge=1,
        le=1000,
        step=0.5,
        unit="iterations",
        group=LOOP,
        title="Expected iterations",
        description="Mean number of iterations (model calls) a task needs before the agent "
        "answers, e.g. measured by agent trials.",
    )
    p95_iterations: float = param(
        8,
        ge=1,
        le=1000,
        step=1,
        unit="iterations",
        group=LOOP,
        title="p95 iterations",
        description="95 tasks in 100 need at most this many iterations: the spread of a "
        "lognormal with the expected iterations as its mean. Not above the mean: every task "
        "takes the mean. A lognormal's p95 can be at most 3.87 times its mean; a larger value "
        "is capped there.",
    )
    max_iterations: int = param(
        10,
        ge=1,
        le=200,
        step=1,
        unit="iterations",
        group=LOOP,
        title="Max iterations",
        description="The loop stops after this many iterations even without an answer (10 in "
        "the source's agent loop): the worst case.",
    )
    input_tokens_per_step: float = param(
        2000,
        ge=0,
        le=10_000_000,
        step=100,
        unit="tokens",
        group=LOOP,
        title="Base input tokens per step",
        description="What the first call sends: system prompt, tool definitions and the task. "
        "Every later call sends this again plus the history.",
    )
    output_tokens_per_step: float = param(
        180,
        ge=0,
        le=1_000_000,
        step=10,
        unit="tokens",
        group=LOOP,
        title="Output tokens per step",
        description="What the model writes in one iteration: its reasoning and a tool call, or "
        "the answer. It joins the history the next call re-sends.",
    )
    context_growth_tokens_per_step: float = param(
        800,
        ge=0,
        le=10_000_000,
        step=100,
        unit="tokens",
        group=LOOP,
        title="Context growth per step",
        description="Tokens each iteration adds to the history besides the model's own output: "
        "mostly the tool's result. Call k sends the base input + (k - 1) x (this + output "
        "tokens per step).",
    )
    tool_latency_ms: float = param(
        500,
        ge=0,
        le=3_600_000,
        step=50,
        unit="ms",
        group=LOOP,
        title="Tool latency per call",
        description="How long one tool call takes, in milliseconds. Every iteration but the "
        "last calls one tool.",
    )
    tasks_per_day: float = param(
        1000,
        ge=0,
        le=1e9,
        step=100,
        unit="tasks/day",
        group=BUDGETS,
        title="Tasks per day",
        description="How many tasks the agent runs a day; scales the daily and monthly cost "
        "(30.4 days a month).",
    )
    max_cost_per_task_usd: float = param(
        0.15,
        gt=0,
        le=10_000,
        step=0.01,
        unit="$/task",
        group=BUDGETS,
        title="Cost budget per task",
        description="The most one task may cost, in dollars (all its model calls).",
    )
    max_latency_per_task_ms: float = param(
        30_000,
        gt=0,
        le=86_400_000,
        step=1000,
        unit="ms",
        group=BUDGETS,
        title="Latency budget per task",
        description="The longest one task may take until its answer, in milliseconds (all its "
        "model and tool calls, one after another). Under 1,000 ms counts as a latency "
        "requirement under a second.",
    )


class FitCriterion(BaseModel):
    """One of the source's criteria: whether the task shows it, and what that means."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    kind: FitKind
    present: bool
    reason: str


class Result(FrameworkResult):
    recommendation: Verdict
    #: What the questionnaire alone says; the recommendation may differ on the economics.
    verdict: Verdict
    verdict_reason: str
    criteria: list[FitCriterion]
    good_fit_count: int
    poor_fit_count: int
    overridden_by_budget: bool
    model: str
    prices_from_catalog: bool
    input_cost_per_token: float
    output_cost_per_token: float
    latency_from_catalog: bool
    step_latency_ms: float
    tool_latency_ms: float
    mean_iterations: float
    p95_iterations: int
    max_iterations: int
    spread_sigma: float
    spread_capped: bool
    #: Share of tasks that would need more than max_iterations and are stopped unanswered.
    stopped_share: float
    expected_cost_per_task: float
    p95_cost_per_task: float
    worst_cost_per_task: float
    expected_latency_ms: float
    p95_latency_ms: float
    worst_latency_ms: float
    single_call_cost: float
    single_call_latency_ms: float
    daily_cost: float
    monthly_cost: float
    max_cost_per_task_usd: float
    max_latency_per_task_ms: float
    p95_within_budget: bool
    worst_within_budget: bool
    #: The most iterations whose cost and latency both stay within the budgets (0: not one).
    iterations_within_budget: int
    context_window_tokens: int | None
    #: The first iteration whose prompt no longer fits the model's context window.
    context_overflow_at: int | None
    # Series over iterations 1..max_iterations: a task stopped after k iterations.
    iterations: list[int]
    cumulative_cost: list[float]
    cumulative_latency_ms: list[float]
    step_input_tokens: list[float]
    probability: list[float]


# --- Fit assessment ------------------------------------------------------------------------------


def _criteria(x: Inputs) -> list[FitCriterion]:
    """The eight criteria as stated for this task (dynamic planning = steps not known)."""
    sub_second_budget = x.max_latency_per_task_ms < SUB_SECOND_MS
    sub_second = x.needs_sub_second_latency or sub_second_budget
    if x.needs_sub_second_latency:
        sub_second_reason = "Answers are needed in under a second: poor fit for an agent."
    elif sub_second_budget:
        sub_second_reason = (
            f"The latency budget ({duration(x.max_latency_per_task_ms)}) is under a second: "
            "poor fit for an agent."
        )
    else:
        sub_second_reason = "No sub-second latency requirement."
    dynamic = x.multi_step_workflow and not x.steps_known_in_advance
    if not x.multi_step_workflow:
        planning_reason = "With one step there is nothing to plan."
    elif dynamic:
        planning_reason = (
            "The steps are not known in advance: the next one depends on what the last one "
            "found (dynamic planning, good fit)."
        )
    else:
        planning_reason = "The steps are known in advance and can be written down as a chain."
    return [
        FitCriterion(
            key="multi_step_workflow",
            label="Multi-step workflow",
            kind="good",
            present=x.multi_step_workflow,
            reason="The task takes several steps (good fit)."
            if x.multi_step_workflow
            else "One request answers the task.",
        ),
        FitCriterion(
            key="steps_known_in_advance",
            label="Dynamic planning",
            kind="good",
            present=dynamic,
            reason=planning_reason,
        ),
        FitCriterion(
            key="needs_tool_use",
            label="Tool use",
            kind="good",
            present=x.needs_tool_use,
            reason="The task calls tools (good fit, though tools at known points fit a fixed "
            "workflow or a single function call too)."
            if x.needs_tool_use
            else "No tools to call.",
        ),
        FitCriterion(
            key="learns_from_mistakes",
            label="Learning from mistakes",
            kind="good",
            present=x.learns_from_mistakes,
            reason="The task must notice a wrong result and try again, so the number of "
            "attempts is open (adaptive reasoning, good fit)."
            if x.learns_from_mistakes
            else "No need to retry on a wrong result.",
        ),
        FitCriterion(
            key="single_turn_classification",
            label="Single-turn classification",
            kind="poor",
            present=x.single_turn_classification,
            reason="The task labels one input in one turn: poor fit, one call does it."
            if x.single_turn_classification
            else "Not a single-turn classification.",
        ),
        FitCriterion(
            key="simple_generation",
            label="Simple generation",
            kind="poor",
            present=x.simple_generation,
            reason="The task writes one text from one prompt: poor fit, one call does it."
            if x.simple_generation
            else "Not a simple generation.",
        ),
        FitCriterion(
            key="needs_sub_second_latency",
            label="Latency under a second",
            kind="poor",
            present=sub_second,
            reason=sub_second_reason,
        ),
        FitCriterion(
            key="cost_critical",
            label="Cost-critical",
            kind="poor",
            present=x.cost_critical,
            reason="Cost is critical: poor fit, an agent's cost per task is open-ended."
            if x.cost_critical
            else "Cost is not critical.",
        ),
    ]


def assess_fit(x: Inputs) -> tuple[Verdict, str, list[FitCriterion]]:
    """The questionnaire's verdict, the sentence saying why, and every criterion's reason.

    Rules, in order:
      1. Single-turn classification or simple generation: a single call (one request answers
         it; a tick on "multi-step" as well is named as a contradiction).
      2. Not a multi-step workflow: a single call (a tool it needs is one function call).
      3. Multi-step with neither dynamic planning (steps not known in advance) nor learning
         from mistakes: a fixed workflow, a chain of the known steps (tools called at their
         known points).
      4. Otherwise an agent fits, unless a poor-fit constraint rules out an open-ended loop:
         latency under a second (ticked, or a latency budget under 1,000 ms) or cost-critical
         gives a fixed workflow with a bounded number of calls.
      5. Otherwise: an agent.
    """
    criteria = _criteria(x)
    present = {c.key: c.present for c in criteria}
    single_turn = [
        c.label.lower()
        for c in criteria
        if c.key in ("single_turn_classification", "simple_generation") and c.present
    ]
    if single_turn:
        what = " and ".join(single_turn)
        reason = f"A single call: the task is a {what}, which one request answers."
        if x.multi_step_workflow:
            reason += (
                " It is also marked as a multi-step workflow; if it really takes several "
                "steps, untick the single-turn answers."
            )
        return "single_call", reason, criteria
    if not x.multi_step_workflow:
        reason = "A single call: the task is not a multi-step workflow, so one request answers it"
        if x.needs_tool_use:
            reason += " (the tool it needs is one function call in that request, no loop)"
        return "single_call", reason + ".", criteria
    dynamic = present["steps_known_in_advance"]
    if not dynamic and not x.learns_from_mistakes:
        tools = ", with tools called at their known points" if x.needs_tool_use else ""
        reason = (
            "A fixed workflow: the steps are known in advance and no step needs to retry on "
            f"a wrong result, so a chain of the known steps does the job{tools}."
        )
        return "fixed_workflow", reason, criteria
    why = " and ".join(
        w
        for w, on in (
            ("the steps are not known in advance", dynamic),
            ("it must learn from its mistakes", x.learns_from_mistakes),
        )
        if on
    )
    blockers = [
        c.label.lower()
        for c in criteria
        if c.key in ("needs_sub_second_latency", "cost_critical") and c.present
    ]
    if blockers:
        reason = (
            f"A fixed workflow: an agent fits ({why}), but {' and '.join(blockers)} rules out "
            "an open-ended loop; a chain of known steps with a bounded number of calls keeps "
            "within it."
        )
        return "fixed_workflow", reason, criteria
    tools = " and calls tools" if x.needs_tool_use else ""
    reason = f"An agent: the task takes several steps{tools}; {why}."
    return "agent", reason, criteria


# --- Loop economics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    input_price: float
    output_price: float
    step_latency_ms: float
    prices_from_catalog: bool
    latency_from_catalog: bool
    context_window: int | None
    notes: list[str]


def _model(x: Inputs, catalog: Catalog | None) -> _Model:
    """The catalog's prices and latency profile when it has the model, else the entered ones."""
    entered_latency = x.ttft_ms + x.output_tokens_per_step / x.output_tokens_per_second * 1000
    entered = _Model(
        input_price=x.input_cost_per_token,
        output_price=x.output_cost_per_token,
        step_latency_ms=entered_latency,
        prices_from_catalog=False,
        latency_from_catalog=False,
        context_window=None,
        notes=[],
    )
    entered_prices = (
        f"the entered prices ({per_million(x.input_cost_per_token)}/"
        f"{per_million(x.output_cost_per_token)} per million input/output tokens) are used"
    )
    if not x.model:
        return entered
    info: ModelInfo | None = (
        catalog.get(x.model) if catalog is not None and x.model in catalog else None
    )
    if info is None:
        note = f"The model {x.model} is not in the catalog, so {entered_prices}."
        return replace(entered, notes=[note])
    notes: list[str] = []
    catalog_prices = info.usable_prices
    usable = catalog_prices is not None
    prices = catalog_prices or (x.input_cost_per_token, x.output_cost_per_token)
    if usable:
        notes.append(
            f"The catalog prices of {x.model} ({per_million(prices[0])}/"
            f"{per_million(prices[1])} per million input/output tokens) replace the entered "
            "prices."
        )
    else:
        notes.append(f"The catalog prices of {x.model} are unusable, so {entered_prices}.")
    step_latency = entered_latency
    profile = info.latency
    from_profile = False
    if profile is not None:
        measured = profile.latency_ms(x.output_tokens_per_step)
        if math.isfinite(measured):
            step_latency = measured
            from_profile = True
            notes.append(
                f"Each model call takes {duration(step_latency)} from the catalog's latency "
                f"profile of {x.model} ({duration(profile.ttft_ms)} to the first token, "
                f"{profile.output_tokens_per_second:g} tokens/s)."
            )
    if not info.supports_function_calling:
        notes.append(
            f"The catalog does not list function calling for {x.model}: an agent needs native "
            "tool calls, so check it supports them (a trial below will show it)."
        )
    return _Model(
        input_price=prices[0],
        output_price=prices[1],
        step_latency_ms=step_latency,
        prices_from_catalog=usable,
        latency_from_catalog=from_profile,
        context_window=info.max_input_tokens,
        notes=notes,
    )


def lognormal_sigma(mean: float, p95: float) -> tuple[float, bool]:
    """The sigma of the lognormal with this mean and 95th percentile, and whether it was capped.

    With mu = ln(mean) - sigma^2 / 2 (so the mean is exact), the p95 is
    exp(mu + Z95 x sigma), so  Z95 x sigma - sigma^2 / 2 = ln(p95 / mean), whose smaller root is
    sigma = Z95 - sqrt(Z95^2 - 2 ln(p95 / mean)). The left side peaks at Z95^2 / 2, so a p95
    above exp(Z95^2 / 2) = 3.87 x the mean has no lognormal: sigma is capped at Z95. A p95 not
    above the mean gives sigma 0 (no spread).
    """
    if not p95 > mean:
        return 0.0, False
    gap = math.log(p95 / mean)
    room = Z95 * Z95 - 2.0 * gap
    if room <= 0:
        return Z95, True
    return Z95 - math.sqrt(room), False


def iteration_probabilities(
    mean: float, sigma: float, max_iterations: int
) -> tuple[np.ndarray, float]:
    """P(a task runs k iterations) for k = 1..max_iterations, and the share stopped at the cap.

    The iterations a task needs are X ~ lognormal(mu, sigma) with mean `mean`, rounded to the
    nearest whole number and at least 1; the loop stops at max_iterations, so all the mass
    from max_iterations - 0.5 up sits on the maximum. The share stopped unanswered is
    P(X >= max_iterations + 0.5). Sigma 0 puts every task on round(mean) (halves round up).
    """
    edges = np.arange(1, max_iterations, dtype=float) + 0.5  # between k and k + 1
    if sigma <= 0:
        cdf = (mean < edges).astype(float)
        stopped = 0.0 if mean < max_iterations + 0.5 else 1.0
    else:
        mu = math.log(mean) - sigma * sigma / 2
        cdf = np.array([_NORMAL.cdf((math.log(e) - mu) / sigma) for e in edges])
        stopped = 1.0 - _NORMAL.cdf((math.log(max_iterations + 0.5) - mu) / sigma)
    probs = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    return np.maximum(probs, 0.0), float(min(max(stopped, 0.0), 1.0))


def loop_series(
    x: Inputs, input_price: float, output_price: float, step_latency_ms: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Iterations 1..max and, for a task stopped after k of them: cost, latency, k-th prompt.

    Call k sends the base input again plus the history so far, which every earlier call grew
    by its output and by the context growth (the tool result):
      input_k     = base + (k - 1) x (growth + output)
      cost(k)     = in_price x sum_{j=1..k} input_j + out_price x k x output
                  = in_price x (k x base + (growth + output) x k (k - 1) / 2)
                    + out_price x k x output
      latency(k)  = k x step latency + (k - 1) x tool latency
    (every iteration but the last calls one tool; the step latency is ttft + output / speed).
    """
    k = np.arange(1, x.max_iterations + 1, dtype=float)
    base, out, growth = (
        x.input_tokens_per_step,
        x.output_tokens_per_step,
        x.context_growth_tokens_per_step,
    )
    prompt = base + (k - 1) * (growth + out)
    sent = k * base + (growth + out) * k * (k - 1) / 2
    cost = input_price * sent + output_price * k * out
    latency = k * step_latency_ms + (k - 1) * x.tool_latency_ms
    return k, cost, latency, prompt


def compute(inputs: Inputs, catalog: Catalog | None = None) -> Result:
    """Assess whether the task needs an agent and price the agent's loop per task.

    Fit: the rules of `assess_fit` (single call, fixed workflow or agent).
    Loop (dollars, tokens, milliseconds; see `loop_series`): a task stopped after k iterations
    costs cost(k) = in_price x (k x base + (growth + output) x k (k - 1) / 2) + out_price x k x
    output and takes latency(k) = k x step latency + (k - 1) x tool latency.
    Iterations per task: the discretised, capped lognormal of `iteration_probabilities`, with
    the entered mean and p95 (`lognormal_sigma`).
      expected = sum_k P(k) x cost(k) (and latency); p95 = cost(k95), k95 = the smallest k with
      P(N <= k) >= 95%; worst = cost(max_iterations).
      daily = expected cost x tasks per day; monthly = daily x 30.4.
    Recommendation: the fit verdict, except that an agent whose p95 cost or p95 latency per
    task is over its budget is recommended as a fixed workflow (a chain of known steps bounds
    the calls); the loop's worst case over budget only adds the advice to cap it.
    `catalog` is optional: a catalog model replaces the entered prices, and its latency profile
    the entered ttft and speed.
    """
    x = inputs
    verdict, verdict_reason, criteria = assess_fit(x)
    m = _model(x, catalog)
    k, cost, latency, prompt = loop_series(x, m.input_price, m.output_price, m.step_latency_ms)
    sigma, capped = lognormal_sigma(x.expected_iterations, x.p95_iterations)
    probs, stopped = iteration_probabilities(x.expected_iterations, sigma, x.max_iterations)
    cumulative = np.cumsum(probs)
    k95 = int(np.searchsorted(cumulative, 0.95 - 1e-12) + 1)
    k95 = min(k95, x.max_iterations)
    mean_iterations = float(probs @ k)
    expected_cost = float(probs @ cost)
    expected_latency = float(probs @ latency)
    p95_cost, p95_latency = float(cost[k95 - 1]), float(latency[k95 - 1])
    worst_cost, worst_latency = float(cost[-1]), float(latency[-1])
    daily = expected_cost * x.tasks_per_day
    monthly = daily * DAYS_PER_MONTH

    budget_cost, budget_latency = x.max_cost_per_task_usd, x.max_latency_per_task_ms
    cost_ok = cost <= budget_cost * (1 + TOLERANCE)
    latency_ok = latency <= budget_latency * (1 + TOLERANCE)
    both_ok = cost_ok & latency_ok
    # Both series rise with k, so the affordable iterations are a prefix.
    within = int(np.argmin(both_ok)) if not both_ok.all() else x.max_iterations
    p95_ok = bool(both_ok[k95 - 1])
    worst_ok = bool(both_ok[-1])
    overflow = None
    if m.context_window is not None:
        over = np.nonzero(prompt > m.context_window)[0]
        overflow = int(over[0] + 1) if over.size else None

    recommendation: Verdict = verdict
    overridden = verdict == "agent" and not p95_ok
    if overridden:
        recommendation = "fixed_workflow"

    headline = _headline(
        x, verdict, recommendation, criteria, p95_cost, p95_latency, cost_ok, latency_ok, k95
    )
    rationale = [verdict_reason]
    rationale += _economics_sentences(
        x,
        m,
        k95,
        mean_iterations,
        expected_cost,
        expected_latency,
        p95_cost,
        p95_latency,
        worst_cost,
        worst_latency,
        stopped,
        daily,
        monthly,
    )
    rationale += _decision_sentences(
        x,
        verdict,
        recommendation,
        k95,
        p95_cost,
        p95_latency,
        bool(cost_ok[k95 - 1]),
        bool(latency_ok[k95 - 1]),
        worst_ok,
        worst_cost,
        worst_latency,
        within,
        float(cost[0]),
        float(latency[0]),
    )
    if capped:
        rationale.append(
            f"A p95 of {format_number(x.p95_iterations)} iterations is more than 3.87 times the "
            f"mean of {format_number(x.expected_iterations)}, beyond any lognormal: the spread "
            f"is capped at the widest one, whose p95 is {k95} iterations."
        )
    if overflow is not None:
        rationale.append(
            f"At iteration {overflow} the prompt ({prompt[overflow - 1]:,.0f} tokens) no longer "
            f"fits the {m.context_window:,} tokens of {x.model}'s context window: trim the "
            "history or lower the maximum iterations."
        )
    rationale += m.notes

    figures = [
        Figure(
            key="expected_cost", label="Cost per task, expected", value=expected_cost, unit="usd"
        ),
        Figure(key="p95_cost", label="Cost per task, p95", value=p95_cost, unit="usd"),
        Figure(
            key="worst_cost",
            label=f"Cost per task, worst ({x.max_iterations} iterations)",
            value=worst_cost,
            unit="usd",
        ),
        Figure(
            key="expected_latency",
            label="Latency per task, expected",
            value=expected_latency,
            unit="ms",
        ),
        Figure(key="p95_latency", label="Latency per task, p95", value=p95_latency, unit="ms"),
        Figure(
            key="worst_latency",
            label=f"Latency per task, worst ({x.max_iterations} iterations)",
            value=worst_latency,
            unit="ms",
        ),
        Figure(key="daily_cost", label="Cost per day", value=daily, unit="usd"),
        Figure(key="monthly_cost", label="Cost per month", value=monthly, unit="usd"),
        Figure(
            key="mean_iterations", label="Iterations, mean", value=mean_iterations, unit="ratio"
        ),
        Figure(key="p95_iterations", label="Iterations, p95", value=float(k95), unit="count"),
        Figure(
            key="stopped_share",
            label="Tasks stopped at max iterations",
            value=stopped * 100,
            unit="pct",
        ),
        Figure(
            key="iterations_within_budget",
            label="Iterations within both budgets",
            value=float(within),
            unit="count",
        ),
    ]
    return Result(
        recommendation=recommendation,
        headline=headline,
        rationale=rationale,
        figures=figures,
        verdict=verdict,
        verdict_reason=verdict_reason,
        criteria=criteria,
        good_fit_count=sum(c.present for c in criteria if c.kind == "good"),
        poor_fit_count=sum(c.present for c in criteria if c.kind == "poor"),
        overridden_by_budget=overridden,
        model=x.model,
        prices_from_catalog=m.prices_from_catalog,
        input_cost_per_token=m.input_price,
        output_cost_per_token=m.output_price,
        latency_from_catalog=m.latency_from_catalog,
        step_latency_ms=m.step_latency_ms,
        tool_latency_ms=x.tool_latency_ms,
        mean_iterations=mean_iterations,
        p95_iterations=k95,
        max_iterations=x.max_iterations,
        spread_sigma=sigma,
        spread_capped=capped,
        stopped_share=stopped,
        expected_cost_per_task=expected_cost,
        p95_cost_per_task=p95_cost,
        worst_cost_per_task=worst_cost,
        expected_latency_ms=expected_latency,
        p95_latency_ms=p95_latency,
        worst_latency_ms=worst_latency,
        single_call_cost=float(cost[0]),
        single_call_latency_ms=float(latency[0]),
        daily_cost=daily,
        monthly_cost=monthly,
        max_cost_per_task_usd=budget_cost,
        max_latency_per_task_ms=budget_latency,
        p95_within_budget=p95_ok,
        worst_within_budget=worst_ok,
        iterations_within_budget=within,
        context_window_tokens=m.context_window,
        context_overflow_at=overflow,
        iterations=[int(v) for v in k],
        cumulative_cost=[float(v) for v in cost],
        cumulative_latency_ms=[float(v) for v in latency],
        step_input_tokens=[float(v) for v in prompt],
        probability=[float(v) for v in probs],
    )


def _headline(
    x: Inputs,
    verdict: Verdict,
    recommendation: Verdict,
    criteria: list[FitCriterion],
    p95_cost: float,
    p95_latency: float,
    cost_ok: np.ndarray,
    latency_ok: np.ndarray,
    k95: int,
) -> str:
    if recommendation == "agent":
        return f"Agent: within budget at p95 ({usd(p95_cost)} and {duration(p95_latency)} a task)"
    if verdict == "agent":
        over = []
        if not cost_ok[k95 - 1]:
            over.append(
                f"costs {usd(p95_cost)} a task, over the {usd(x.max_cost_per_task_usd)} budget"
            )
        if not latency_ok[k95 - 1]:
            over.append(
                f"takes {duration(p95_latency)}, over the "
                f"{duration(x.max_latency_per_task_ms)} budget"
            )
        return f"Fixed workflow: an agent fits, but at p95 it {' and '.join(over)}"
    present = {c.key for c in criteria if c.present}
    if verdict == "single_call":
        if "single_turn_classification" in present:
            return "Single call: a single-turn classification needs no loop"
        if "simple_generation" in present:
            return "Single call: a simple generation needs no loop"
        return "Single call: one request answers the task"
    if not x.learns_from_mistakes and "steps_known_in_advance" not in present:
        return "Fixed workflow: the steps are known in advance"
    if "needs_sub_second_latency" in present:
        return "Fixed workflow: an agent fits, but the answer is needed in under a second"
    return "Fixed workflow: an agent fits, but cost is critical"


def _economics_sentences(
    x: Inputs,
    m: _Model,
    k95: int,
    mean_iterations: float,
    expected_cost: float,
    expected_latency: float,
    p95_cost: float,
    p95_latency: float,
    worst_cost: float,
    worst_latency: float,
    stopped: float,
    daily: float,
    monthly: float,
) -> list[str]:
    growth = x.context_growth_tokens_per_step + x.output_tokens_per_step
    out = [
        f"As an agent, each iteration is a model call that re-sends the history: call k sends "
        f"{x.input_tokens_per_step:,.0f} + (k - 1) x {growth:,.0f} tokens, so the last of "
        f"{x.max_iterations} calls sends "
        f"{x.input_tokens_per_step + (x.max_iterations - 1) * growth:,.0f}.",
        f"A task takes {counted(mean_iterations, 'iteration')} on average and {k95} at p95 "
        f"(stopped at {x.max_iterations}): expected {usd(expected_cost)} and "
        f"{duration(expected_latency)}, p95 {usd(p95_cost)} and {duration(p95_latency)}, "
        f"worst case {usd(worst_cost)} and {duration(worst_latency)}.",
    ]
    if stopped > 0.0005:
        out.append(
            f"{probability(stopped)} of tasks would need more than {x.max_iterations} "
            "iterations and are stopped without an answer."
        )
    out.append(
        f"At {x.tasks_per_day:,.0f} tasks a day the agent costs {usd(daily)} a day, "
        f"{usd(monthly)} a month (expected cost per task)."
    )
    return out


def _decision_sentences(
    x: Inputs,
    verdict: Verdict,
    recommendation: Verdict,
    k95: int,
    p95_cost: float,
    p95_latency: float,
    p95_cost_ok: bool,
    p95_latency_ok: bool,
    worst_ok: bool,
    worst_cost: float,
    worst_latency: float,
    within: int,
    one_cost: float,
    one_latency: float,
) -> list[str]:
    budgets = (
        f"the budgets of {usd(x.max_cost_per_task_usd)} and "
        f"{duration(x.max_latency_per_task_ms)} a task"
    )
    out = []
    if verdict == "agent" and recommendation == "fixed_workflow":
        misses = []
        if not p95_cost_ok:
            misses.append(
                f"costs {usd(p95_cost)}, over the {usd(x.max_cost_per_task_usd)} cost budget"
            )
        if not p95_latency_ok:
            misses.append(
                f"takes {duration(p95_latency)}, over the "
                f"{duration(x.max_latency_per_task_ms)} latency budget"
            )
        out.append(
            f"Rule: an agent is recommended only when its p95 task keeps within {budgets}. At "
            f"p95 ({k95} iterations) it {' and '.join(misses)}, so a fixed workflow (a chain "
            "of known steps, with a bounded number of calls) is recommended instead."
        )
    elif verdict == "agent":
        out.append(
            f"Rule: an agent is recommended only when its p95 task keeps within {budgets}; at "
            f"p95 ({k95} iterations) it costs {usd(p95_cost)} and takes "
            f"{duration(p95_latency)}."
        )
    else:
        out.append(
            f"The loop figures show what an agent would cost instead of "
            f"{VERDICT_NAMES[recommendation]}; one model call costs {usd(one_cost)} and takes "
            f"{duration(one_latency)}."
        )
    if within == 0:
        out.append(
            f"Not even one iteration keeps within {budgets}: one model call costs "
            f"{usd(one_cost)} and takes {duration(one_latency)}."
        )
    elif not worst_ok:
        broken = [
            f"the {usd(x.max_cost_per_task_usd)} cost budget"
            if worst_cost > x.max_cost_per_task_usd * (1 + TOLERANCE)
            else "",
            f"the {duration(x.max_latency_per_task_ms)} latency budget"
            if worst_latency > x.max_latency_per_task_ms * (1 + TOLERANCE)
            else "",
        ]
        out.append(
            f"The worst case ({x.max_iterations} iterations: {usd(worst_cost)}, "
            f"{duration(worst_latency)}) breaks {' and '.join(b for b in broken if b)}; "
            f"{counted(within, 'iteration')} {'keeps' if within == 1 else 'keep'} within both "
            "budgets, so cap the loop there."
        )
    else:
        out.append(
            f"Even the worst case ({x.max_iterations} iterations: {usd(worst_cost)}, "
            f"{duration(worst_latency)}) keeps within {budgets}."
        )
    return out


def suggested_inputs(measured: Measured) -> dict[str, float]:
    """Loop-economics inputs from measured agent trials (what "Use measured values" applies).

    expected_iterations <- mean iterations; p95_iterations <- p95 iterations;
    input_tokens_per_step <- mean input of the first call (the base: nothing re-sent yet);
    output_tokens_per_step <- mean output per call;
    context_growth_tokens_per_step <- measured growth of the input per call minus the output
    per call (the measured growth includes the model's own output, which this model counts
    separately), not below 0; left out when no trial made two calls;
    tool_latency_ms <- mean tool run time, left out when no tool ran.
    Values are rounded (iterations to 0.01, tokens and ms to whole numbers) and kept within
    the inputs' bounds.
    """

    def within(name: str, value: float) -> float:
        meta = Inputs.model_fields[name].metadata
        low = next((float(m.ge) for m in meta if getattr(m, "ge", None) is not None), 0.0)
        high = next((float(m.le) for m in meta if getattr(m, "le", None) is not None), value)
        return min(max(value, low), high)

    out = {
        "expected_iterations": round(measured.mean_iterations, 2),
        "p95_iterations": round(measured.p95_iterations, 2),
        "input_tokens_per_step": round(measured.first_step_input_tokens),
        "output_tokens_per_step": round(measured.mean_output_tokens_per_step),
    }
    if measured.context_growth_tokens_per_step is not None:
        growth = measured.context_growth_tokens_per_step - measured.mean_output_tokens_per_step
        out["context_growth_tokens_per_step"] = round(max(growth, 0.0))
    if measured.mean_tool_latency_ms is not None:
        out["tool_latency_ms"] = round(measured.mean_tool_latency_ms)
    return {name: within(name, float(value)) for name, value in out.items()}


def summarize(inputs: Inputs, result: Result) -> str:
    """Markdown body of the decision summary: the fit, the options, the loop and assumptions."""
    x, r = inputs, result
    lines = [
        "### Fit assessment",
        "",
        f"{r.verdict_reason}",
        "",
        "| Criterion | Kind | Present | Why |",
        "|---|---|---|---|",
    ]
    for c in r.criteria:
        kind = "good fit" if c.kind == "good" else "poor fit"
        lines.append(f"| {c.label} | {kind} | {'yes' if c.present else 'no'} | {c.reason} |")
    lines += [
        "",
        f"Good-fit signs: {r.good_fit_count} of 4; poor-fit signs: {r.poor_fit_count} of 4.",
        "",
        "### Considered options",
        "",
        "| Option | Fit verdict | Cost per task | Latency per task |",
        "|---|---|---|---|",
        f"| Single call | {'yes' if r.verdict == 'single_call' else 'no'} | "
        f"{usd(r.single_call_cost)} | {duration(r.single_call_latency_ms)} |",
        f"| Fixed workflow (a chain of known steps) | "
        f"{'yes' if r.verdict == 'fixed_workflow' else 'no'} | "
        f"{usd(r.single_call_cost)} per step, no re-sent history | depends on the chain |",
        f"| Agent (expected / p95 / worst) | {'yes' if r.verdict == 'agent' else 'no'} | "
        f"{usd(r.expected_cost_per_task)} / {usd(r.p95_cost_per_task)} / "
        f"{usd(r.worst_cost_per_task)} | {duration(r.expected_latency_ms)} / "
        f"{duration(r.p95_latency_ms)} / {duration(r.worst_latency_ms)} |",
        "",
        f"Recommended: **{VERDICT_LABELS[r.recommendation]}**"
        + (" (an agent fits, but breaks a budget at p95)." if r.overridden_by_budget else "."),
        "",
        "### Loop economics",
        "",
        "| Case | Iterations | Cost per task | Latency per task | Within budgets |",
        "|---|---|---|---|---|",
        f"| Expected | {count(r.mean_iterations)} (mean) | {usd(r.expected_cost_per_task)} | "
        f"{duration(r.expected_latency_ms)} | "
        f"{_yes(r.expected_cost_per_task, r.expected_latency_ms, r)} |",
        f"| p95 | {r.p95_iterations} | {usd(r.p95_cost_per_task)} | "
        f"{duration(r.p95_latency_ms)} | {'yes' if r.p95_within_budget else 'no'} |",
        f"| Worst (max iterations) | {r.max_iterations} | {usd(r.worst_cost_per_task)} | "
        f"{duration(r.worst_latency_ms)} | {'yes' if r.worst_within_budget else 'no'} |",
        "",
        f"Budgets: {usd(r.max_cost_per_task_usd)} and "
        f"{duration(r.max_latency_per_task_ms)} per task; {r.iterations_within_budget} "
        f"iterations keep within both. At {x.tasks_per_day:,.0f} tasks a day: "
        f"{usd(r.daily_cost)} a day, {usd(r.monthly_cost)} a month. "
        f"{probability(r.stopped_share)} of tasks are stopped unanswered at the maximum.",
        "",
        "### Assumptions",
        "",
        f"- Model: {r.model or 'none picked'}; prices "
        f"{per_million(r.input_cost_per_token)}/{per_million(r.output_cost_per_token)} per "
        f"million input/output tokens ({'catalog' if r.prices_from_catalog else 'entered'}); "
        f"one model call takes {duration(r.step_latency_ms)} "
        f"({'catalog latency profile' if r.latency_from_catalog else 'entered ttft and speed'}: "
        "time to first token + output tokens / speed; the prompt's length is not modelled).",
        f"- Call k sends {x.input_tokens_per_step:,.0f} base tokens + (k - 1) x "
        f"({x.context_growth_tokens_per_step:,.0f} context growth + "
        f"{x.output_tokens_per_step:,.0f} output) tokens: the whole history is re-sent and no "
        "prompt caching discount is applied.",
        f"- Every iteration but the last calls one tool taking {duration(x.tool_latency_ms)}; "
        "calls run one after another.",
        f"- Iterations per task follow a lognormal with mean "
        f"{format_number(x.expected_iterations)} and p95 {format_number(x.p95_iterations)} "
        f"(sigma {r.spread_sigma:.3f}"
        + (", capped" if r.spread_capped else "")
        + f"), rounded to whole iterations, at least 1, stopped at {r.max_iterations}.",
        f"- The daily cost uses the expected cost per task; a month is {DAYS_PER_MONTH} days.",
        "- Rule: an agent is recommended only when the fit says agent and its p95 task keeps "
        "within both budgets; otherwise a fixed workflow.",
    ]
    return "\n".join(lines)


def _yes(cost: float, latency: float, r: Result) -> str:
    ok = cost <= r.max_cost_per_task_usd * (1 + TOLERANCE) and latency <= (
        r.max_latency_per_task_ms * (1 + TOLERANCE)
    )
    return "yes" if ok else "no"
