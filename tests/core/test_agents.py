"""Agents engine: the fit verdicts of the source's lists, hand-checked loop costs, properties."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core.agent_loop import Measured
from core.catalog import Catalog, LatencyProfile, ModelInfo
from core.frameworks import agents
from core.frameworks.agents import (
    Inputs,
    compute,
    iteration_probabilities,
    lognormal_sigma,
    suggested_inputs,
    summarize,
)

# The source's good-fit examples: research and code generation are multi-step, plan as they go,
# call tools and learn from their mistakes.
RESEARCH = {
    "multi_step_workflow": True,
    "steps_known_in_advance": False,
    "needs_tool_use": True,
    "learns_from_mistakes": True,
}
NO_SIGNS = {
    "multi_step_workflow": False,
    "steps_known_in_advance": False,
    "needs_tool_use": False,
    "learns_from_mistakes": False,
}


def run(**changes):
    return compute(Inputs(**changes))


def normal_cdf(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


# --- Fit verdicts from the source's lists ---------------------------------------------------------


def test_research_task_is_an_agent():
    r = run(**RESEARCH)
    assert r.verdict == "agent"
    assert r.recommendation == "agent"
    assert r.good_fit_count == 4
    assert r.poor_fit_count == 0
    assert r.verdict_reason == (
        "An agent: the task takes several steps and calls tools; the steps are not known in "
        "advance and it must learn from its mistakes."
    )
    assert r.rationale[0] == r.verdict_reason


def test_code_generation_with_a_known_write_test_fix_cycle_is_an_agent_by_its_retries():
    """Steps known (write, run the tests, fix) but how many fixes it takes is not."""
    r = run(**{**RESEARCH, "steps_known_in_advance": True})
    assert r.verdict == "agent"
    assert "it must learn from its mistakes" in r.verdict_reason
    assert "not known in advance" not in r.verdict_reason


def test_dynamic_planning_alone_is_an_agent():
    r = run(**{**NO_SIGNS, "multi_step_workflow": True})
    assert r.verdict == "agent"
    assert r.verdict_reason == (
        "An agent: the task takes several steps; the steps are not known in advance."
    )


def test_known_steps_with_tools_are_a_fixed_workflow():
    known = {"multi_step_workflow": True, "steps_known_in_advance": True, "needs_tool_use": True}
    r = run(**{**NO_SIGNS, **known})
    assert r.verdict == r.recommendation == "fixed_workflow"
    assert r.headline == "Fixed workflow: the steps are known in advance"
    assert "with tools called at their known points" in r.verdict_reason
    assert not r.overridden_by_budget


def test_one_step_with_a_tool_is_a_single_call():
    r = run(**{**NO_SIGNS, "needs_tool_use": True})
    assert r.verdict == r.recommendation == "single_call"
    assert r.headline == "Single call: one request answers the task"
    assert "one function call in that request" in r.verdict_reason


@pytest.mark.parametrize(
    ("field", "headline"),
    [
        ("single_turn_classification", "Single call: a single-turn classification needs no loop"),
        ("simple_generation", "Single call: a simple generation needs no loop"),
    ],
)
def test_single_turn_poor_fits_are_a_single_call_even_with_agent_signs(field, headline):
    r = run(**{**RESEARCH, field: True})
    assert r.verdict == r.recommendation == "single_call"
    assert r.headline == headline
    assert r.poor_fit_count == 1
    # Ticking multi-step as well is a contradiction the reason names.
    assert "untick the single-turn answers" in r.verdict_reason


@pytest.mark.parametrize(
    ("changes", "blocker", "headline"),
    [
        (
            {"needs_sub_second_latency": True},
            "latency under a second",
            "Fixed workflow: an agent fits, but the answer is needed in under a second",
        ),
        (
            {"max_latency_per_task_ms": 800},
            "latency under a second",
            "Fixed workflow: an agent fits, but the answer is needed in under a second",
        ),
        (
            {"cost_critical": True},
            "cost-critical",
            "Fixed workflow: an agent fits, but cost is critical",
        ),
    ],
)
def test_sub_second_latency_and_cost_critical_rule_out_the_open_loop(changes, blocker, headline):
    r = run(**RESEARCH, **changes)
    assert r.verdict == r.recommendation == "fixed_workflow"
    assert f"but {blocker} rules out an open-ended loop" in r.verdict_reason
    assert r.headline == headline


def test_a_sub_second_budget_is_named_as_the_reason():
    r = run(max_latency_per_task_ms=800)
    criterion = next(c for c in r.criteria if c.key == "needs_sub_second_latency")
    assert criterion.present
    assert (
        criterion.reason == "The latency budget (800 ms) is under a second: poor fit for an agent."
    )


def test_every_criterion_states_its_reason():
    r = run()
    assert [c.label for c in r.criteria] == [
        "Multi-step workflow",
        "Dynamic planning",
        "Tool use",
        "Learning from mistakes",
        "Single-turn classification",
        "Simple generation",
        "Latency under a second",
        "Cost-critical",
    ]
    assert [c.kind for c in r.criteria] == ["good"] * 4 + ["poor"] * 4
    assert all(c.reason.endswith(".") for c in r.criteria)


# --- Loop economics, by hand ----------------------------------------------------------------------


def test_default_loop_by_hand():
    """Defaults: gpt-4o's $2.50/$10 per million tokens (entered: no catalog), base 2,000 input
    tokens, 180 output and 800 context growth per step, 450 ms ttft at 90 tokens/s, 500 ms per
    tool call, mean 4 and p95 8 iterations, at most 10; budgets $0.15 and 30 s a task.

    Call k sends 2,000 + (k - 1) x (800 + 180) tokens, so a task of k iterations sends
    2,000 k + 980 k (k - 1) / 2 input tokens and 180 k output tokens:
      cost(k) = 2.5e-6 x (2,000 k + 490 k (k - 1)) + 1e-5 x 180 k
              = 0.0068 k + 0.001225 k (k - 1)
      cost(1) = 0.0068; cost(8) = 0.0544 + 0.0686 = 0.123; cost(9) = 0.0612 + 0.0882 = 0.1494;
      cost(10) = 0.068 + 0.11025 = 0.17825.
    One call takes 450 + 180 / 90 x 1000 = 2,450 ms; every iteration but the last a 500 ms tool:
      latency(k) = 2,450 k + 500 (k - 1): latency(8) = 23,100; latency(9) = 26,050;
      latency(10) = 29,000 ms.
    p95 = 8 iterations: $0.123 and 23.1 s, within both budgets, so an agent. The worst case
    ($0.17825) breaks the $0.15 cost budget; 9 iterations ($0.1494, 26.05 s) keep within both.
    """
    r = run()
    assert r.input_cost_per_token == 2.5e-6
    assert r.output_cost_per_token == 1e-5
    assert not r.prices_from_catalog
    assert r.step_latency_ms == pytest.approx(2450)
    assert r.iterations == list(range(1, 11))
    assert r.step_input_tokens[0] == 2000
    assert r.step_input_tokens[9] == pytest.approx(2000 + 9 * 980)
    assert r.cumulative_cost[0] == pytest.approx(0.0068)
    assert r.single_call_cost == pytest.approx(0.0068)
    assert r.cumulative_cost[7] == pytest.approx(0.123)
    assert r.cumulative_cost[8] == pytest.approx(0.1494)
    assert r.cumulative_latency_ms[8] == pytest.approx(26_050)
    assert r.p95_iterations == 8
    assert r.p95_cost_per_task == pytest.approx(0.123)
    assert r.p95_latency_ms == pytest.approx(23_100)
    assert r.worst_cost_per_task == pytest.approx(0.17825)
    assert r.worst_latency_ms == pytest.approx(29_000)
    assert r.p95_within_budget
    assert not r.worst_within_budget
    assert r.iterations_within_budget == 9
    assert r.recommendation == "agent"
    assert r.headline == "Agent: within budget at p95 ($0.123 and 23.1 s a task)"
    assert any(
        "breaks the $0.15 cost budget; 9 iterations keep within both budgets" in s
        for s in r.rationale
    )
    assert any("The model gpt-4o is not in the catalog" in s for s in r.rationale)


def test_no_spread_puts_every_task_on_the_mean_by_hand():
    """p95 = mean = 4: every task takes 4 iterations.
    cost(4) = 0.0068 x 4 + 0.001225 x 12 = 0.0272 + 0.0147 = 0.0419;
    latency(4) = 2,450 x 4 + 500 x 3 = 11,300 ms;
    daily = 0.0419 x 1,000 = $41.90; monthly = 41.90 x 30.4 = $1,273.76.
    """
    r = run(p95_iterations=4)
    assert r.spread_sigma == 0
    assert r.probability == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert r.mean_iterations == 4
    assert r.expected_cost_per_task == pytest.approx(0.0419)
    assert r.expected_latency_ms == pytest.approx(11_300)
    assert r.p95_cost_per_task == pytest.approx(0.0419)
    assert r.daily_cost == pytest.approx(41.9)
    assert r.monthly_cost == pytest.approx(1273.76)
    assert r.figure("monthly_cost").value == pytest.approx(1273.76)
    assert r.stopped_share == 0


def test_lognormal_spread_by_hand():
    """Mean 4, p95 8: Z95 sigma - sigma^2 / 2 = ln 2, so
    sigma = 1.644854 - sqrt(1.644854^2 - 2 ln 2) = 1.644854 - sqrt(1.319249) = 0.496268;
    mu = ln 4 - sigma^2 / 2 = 1.386294 - 0.123141 = 1.263153 (and exp(mu + Z95 sigma) = 8).
    P(1 iteration) = P(X < 1.5) = Phi((ln 1.5 - mu) / sigma) = Phi(-1.72828) = 0.041969;
    P(10, the cap) = P(X >= 9.5) = 1 - Phi((ln 9.5 - mu) / sigma) = 0.023233;
    stopped unanswered = P(X >= 10.5) = 1 - Phi((ln 10.5 - mu) / sigma) = 0.014160.
    The expected cost is sum_k P(k) cost(k) = $0.046095 (the cap and the rounding leave a
    mean of 3.961 iterations).
    """
    sigma, capped = lognormal_sigma(4, 8)
    assert sigma == pytest.approx(0.496268, abs=1e-6)
    assert not capped
    mu = math.log(4) - sigma**2 / 2
    assert mu == pytest.approx(1.263153, abs=1e-6)
    assert math.exp(mu + agents.Z95 * sigma) == pytest.approx(8)
    probs, stopped = iteration_probabilities(4, sigma, 10)
    assert probs[0] == pytest.approx(0.041969, abs=1e-6)
    assert probs[9] == pytest.approx(0.023233, abs=1e-6)
    assert stopped == pytest.approx(0.014160, abs=1e-6)
    assert probs.sum() == pytest.approx(1)
    r = run()
    assert r.spread_sigma == pytest.approx(sigma)
    assert r.probability == pytest.approx(list(probs))
    by_hand = sum(p * (0.0068 * k + 0.001225 * k * (k - 1)) for k, p in enumerate(probs, 1))
    assert r.expected_cost_per_task == pytest.approx(by_hand)
    assert r.expected_cost_per_task == pytest.approx(0.046095, abs=1e-6)
    assert r.mean_iterations == pytest.approx(3.9613, abs=1e-4)
    assert r.stopped_share == pytest.approx(0.014160, abs=1e-6)
    assert any("1.4% of tasks would need more than 10 iterations" in s for s in r.rationale)


def test_a_p95_beyond_any_lognormal_is_capped_and_said():
    """p95 / mean = 5 > exp(Z95^2 / 2) = 3.87: sigma is capped at Z95 = 1.645."""
    r = run(expected_iterations=2, p95_iterations=10, max_iterations=50)
    assert r.spread_capped
    assert r.spread_sigma == pytest.approx(agents.Z95)
    # The widest lognormal with mean 2 has its p95 at 2 x 3.87 = 7.74, i.e. 8 iterations.
    assert r.p95_iterations == 8
    assert any("beyond any lognormal" in s for s in r.rationale)


def test_a_p95_below_the_mean_means_no_spread():
    assert lognormal_sigma(5, 3) == (0.0, False)


def test_tasks_needing_more_than_the_maximum_are_stopped_there():
    """Mean 12 with no spread and at most 10: every task stops at 10, unanswered."""
    r = run(expected_iterations=12, p95_iterations=12)
    assert r.stopped_share == 1
    assert r.p95_iterations == 10
    assert r.expected_cost_per_task == pytest.approx(r.worst_cost_per_task)
    assert any("100% of tasks would need more than 10" in s for s in r.rationale)


def test_a_p95_over_budget_turns_an_agent_into_a_fixed_workflow():
    """Budget $0.10: at p95 (8 iterations) the agent costs $0.123, over it."""
    r = run(max_cost_per_task_usd=0.10)
    assert r.verdict == "agent"
    assert r.recommendation == "fixed_workflow"
    assert r.overridden_by_budget
    assert r.headline == (
        "Fixed workflow: an agent fits, but at p95 it costs $0.123 a task, over the $0.10 budget"
    )
    assert any(
        s.startswith("Rule: an agent is recommended only when its p95 task keeps within")
        and "it costs $0.123, over the $0.10 cost budget" in s
        for s in r.rationale
    )
    # cost(7) = 0.0476 + 0.001225 x 42 = 0.09905 <= 0.10; cost(8) = 0.123 is the first over.
    assert r.iterations_within_budget == 7


def test_a_p95_over_the_latency_budget_says_so():
    """latency(8) = 23,100 ms > 20 s."""
    r = run(max_latency_per_task_ms=20_000)
    assert r.recommendation == "fixed_workflow"
    assert r.headline == (
        "Fixed workflow: an agent fits, but at p95 it takes 23.1 s, over the 20 s budget"
    )


def test_not_one_iteration_within_budget_is_said():
    r = run(max_cost_per_task_usd=0.005)
    assert r.iterations_within_budget == 0
    assert any(s.startswith("Not even one iteration keeps within") for s in r.rationale)


def test_single_call_verdict_still_shows_what_the_agent_would_cost():
    r = run(single_turn_classification=True)
    assert r.recommendation == "single_call"
    assert any(
        "The loop figures show what an agent would cost instead of a single call; one model "
        "call costs $0.0068 and takes 2.45 s." in s
        for s in r.rationale
    )


def test_budget_exactly_at_the_p95_cost_meets_it():
    assert run(max_cost_per_task_usd=0.123).recommendation == "agent"


# --- Catalog ----------------------------------------------------------------------------------


def catalog(**extra):
    info = ModelInfo(
        id="acme/agent-1",
        provider="acme",
        input_cost_per_token=1e-6,
        output_cost_per_token=2e-6,
        max_input_tokens=5000,
        supports_function_calling=True,
        latency=LatencyProfile(ttft_ms=200, output_tokens_per_second=100),
        **extra,
    )
    return Catalog([info])


def test_catalog_prices_and_latency_override_and_the_rationale_says_so():
    """acme/agent-1 at $1/$2 per million, 200 ms + 180 / 100 s = 2,000 ms a call:
    cost(8) = 1e-6 x (2,000 x 8 + 490 x 56) + 2e-6 x 180 x 8 = 0.04344 + 0.00288 = 0.04632;
    latency(8) = 2,000 x 8 + 500 x 7 = 19,500 ms.
    The prompt of call k is 2,000 + 980 (k - 1): call 5 sends 5,920 > the 5,000-token window.
    """
    r = compute(Inputs(model="acme/agent-1"), catalog())
    assert r.prices_from_catalog and r.latency_from_catalog
    assert r.input_cost_per_token == 1e-6
    assert r.step_latency_ms == pytest.approx(2000)
    assert r.p95_cost_per_task == pytest.approx(0.04632)
    assert r.p95_latency_ms == pytest.approx(19_500)
    assert r.context_window_tokens == 5000
    assert r.context_overflow_at == 5
    assert any(
        "The catalog prices of acme/agent-1 ($1.00/$2.00 per million input/output tokens) "
        "replace the entered prices." in s
        for s in r.rationale
    )
    assert any("from the catalog's latency profile of acme/agent-1" in s for s in r.rationale)
    assert any("At iteration 5 the prompt (5,920 tokens) no longer fits" in s for s in r.rationale)


def test_a_catalog_model_without_function_calling_is_flagged():
    info = catalog().get("acme/agent-1").model_copy(update={"supports_function_calling": False})
    r = compute(Inputs(model="acme/agent-1"), Catalog([info]))
    assert any("does not list function calling" in s for s in r.rationale)


def test_no_model_uses_the_entered_values_quietly():
    r = compute(Inputs(model=""), catalog())
    assert not r.prices_from_catalog
    assert not any("catalog" in s for s in r.rationale)


# --- Measured values, summary, validation -------------------------------------------------------


def measured(**changes):
    values = {
        "model": "m",
        "trials": 3,
        "mean_iterations": 2.3333333,
        "p95_iterations": 2.9,
        "mean_input_tokens_per_step": 700.0,
        "mean_output_tokens_per_step": 42.4,
        "mean_cost_per_trial_usd": 0.01,
        "mean_latency_per_trial_ms": 900.0,
        "first_step_input_tokens": 520.4,
        "context_growth_tokens_per_step": 300.0,
        "mean_tool_latency_ms": 3.2,
    }
    return Measured(**{**values, **changes})


def test_measured_values_map_onto_the_loop_inputs():
    """Growth measured per call (300) includes the model's own output (42.4): 300 - 42.4 = 258."""
    values = suggested_inputs(measured())
    assert values == {
        "expected_iterations": 2.33,
        "p95_iterations": 2.9,
        "input_tokens_per_step": 520,
        "output_tokens_per_step": 42,
        "context_growth_tokens_per_step": 258,
        "tool_latency_ms": 3,
    }
    Inputs(**values)  # every value is within its bounds


def test_measured_values_without_growth_or_tools_leave_those_inputs_alone():
    values = suggested_inputs(
        measured(context_growth_tokens_per_step=None, mean_tool_latency_ms=None)
    )
    assert "context_growth_tokens_per_step" not in values
    assert "tool_latency_ms" not in values


def test_measured_values_are_kept_within_the_bounds():
    values = suggested_inputs(measured(mean_iterations=5000.0, context_growth_tokens_per_step=1))
    assert values["expected_iterations"] == 1000
    assert values["context_growth_tokens_per_step"] == 0
    Inputs(**values)


def test_summary_has_the_sections_and_figures():
    x = Inputs()
    text = summarize(x, compute(x))
    for heading in (
        "### Fit assessment",
        "### Considered options",
        "### Loop economics",
        "### Assumptions",
    ):
        assert heading in text
    assert "| p95 | 8 | $0.123 | 23.1 s | yes |" in text
    assert "| Worst (max iterations) | 10 | $0.1783 | 29 s | no |" in text
    assert "Recommended: **Agent**." in text


def test_inputs_are_validated():
    with pytest.raises(ValidationError):
        Inputs(max_iterations=0)
    with pytest.raises(ValidationError):
        Inputs(expected_iterations=0.5)
    with pytest.raises(ValidationError):
        Inputs(max_cost_per_task_usd=0)
    with pytest.raises(ValidationError):
        Inputs(unknown=1)


def test_every_input_has_a_unit_bounds_a_description_and_a_group():
    for name, info in Inputs.model_fields.items():
        extra = info.json_schema_extra
        assert isinstance(extra, dict) and extra["group"], name
        assert info.description, name
        if info.annotation in (int, float):
            assert extra["unit"] or "tokens" in name or "usd" in name, name
            assert any(hasattr(m, "le") and m.le is not None for m in info.metadata), name


def test_result_is_json_serialisable():
    r = run()
    assert agents.Result.model_validate_json(r.model_dump_json()) == r


# --- Properties -----------------------------------------------------------------------------------


def _bounded(name):
    info = Inputs.model_fields[name]
    low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
    if low is None:
        low = next(m.gt for m in info.metadata if getattr(m, "gt", None) is not None) * 1.001 + 1e-9
    high = next(m.le for m in info.metadata if getattr(m, "le", None) is not None)
    if info.annotation is int:
        return st.integers(int(math.ceil(low)), int(high))
    return st.one_of(
        st.sampled_from([float(low), float(high)]),
        st.floats(float(low), float(high), allow_nan=False, allow_infinity=False),
    )


_FIELDS = {
    name: (st.booleans() if info.annotation is bool else _bounded(name))
    for name, info in Inputs.model_fields.items()
    if name != "model"
}
inputs_strategy = st.fixed_dictionaries(_FIELDS).map(lambda d: Inputs(model="", **d))


def _finite(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


@settings(deadline=None, max_examples=150)
@given(inputs_strategy)
def test_never_raises_never_nan_and_series_rise(x):
    r = compute(x)
    assert _finite(r.model_dump())
    assert summarize(x, r)
    assert all(b >= a for a, b in zip(r.cumulative_cost, r.cumulative_cost[1:], strict=False))
    assert all(
        b >= a for a, b in zip(r.cumulative_latency_ms, r.cumulative_latency_ms[1:], strict=False)
    )
    assert sum(r.probability) == pytest.approx(1)
    assert min(r.probability) >= 0
    assert r.cumulative_cost[0] <= r.expected_cost_per_task * (1 + 1e-9) + 1e-300
    assert r.expected_cost_per_task <= r.worst_cost_per_task * (1 + 1e-9) + 1e-300
    assert r.p95_cost_per_task <= r.worst_cost_per_task
    assert 1 <= r.p95_iterations <= r.max_iterations
    assert 0 <= r.iterations_within_budget <= r.max_iterations
    assert r.recommendation in ("single_call", "fixed_workflow", "agent")


@settings(deadline=None, max_examples=100)
@given(inputs_strategy, st.floats(1, 50))
def test_more_iterations_are_never_cheaper(x, factor):
    """Scaling the mean and p95 by the same factor keeps sigma and shifts every task's
    iterations up (or equal), so the expected and p95 cost and latency never fall; a higher
    maximum never lowers the worst case."""
    more = x.model_copy(
        update={
            "expected_iterations": min(x.expected_iterations * factor, 1000),
            "p95_iterations": min(x.p95_iterations * factor, 1000),
        }
    )
    if more.p95_iterations / more.expected_iterations != pytest.approx(
        x.p95_iterations / x.expected_iterations
    ):
        return  # the bound cut one of them: a different spread, not "more iterations"
    base, bigger = compute(x), compute(more)
    assert bigger.expected_cost_per_task >= base.expected_cost_per_task * (1 - 1e-9)
    assert bigger.expected_latency_ms >= base.expected_latency_ms * (1 - 1e-9)
    assert bigger.p95_cost_per_task >= base.p95_cost_per_task
    longer = compute(x.model_copy(update={"max_iterations": min(x.max_iterations + 5, 200)}))
    assert longer.worst_cost_per_task >= base.worst_cost_per_task
    assert longer.worst_latency_ms >= base.worst_latency_ms


@settings(deadline=None, max_examples=100)
@given(inputs_strategy, st.floats(1, 100), st.floats(1, 100))
def test_more_budget_never_takes_the_agent_away(x, cost_factor, latency_factor):
    base = compute(x)
    roomier = compute(
        x.model_copy(
            update={
                "max_cost_per_task_usd": min(x.max_cost_per_task_usd * cost_factor, 10_000),
                "max_latency_per_task_ms": min(
                    x.max_latency_per_task_ms * latency_factor, 86_400_000
                ),
            }
        )
    )
    if base.recommendation == "agent":
        assert roomier.recommendation == "agent"
    assert roomier.iterations_within_budget >= base.iterations_within_budget


def test_small_costs_read_without_scientific_notation():
    """600 input and 10 output tokens at $0.15/$0.60 per million:
    600 x 0.15e-6 + 10 x 0.6e-6 = 0.00009 + 0.000006 = $0.000096 a call."""
    r = run(
        model="",
        single_turn_classification=True,
        input_cost_per_token=0.15e-6,
        output_cost_per_token=0.6e-6,
        input_tokens_per_step=600,
        output_tokens_per_step=10,
    )
    assert r.single_call_cost == pytest.approx(0.000096)
    assert any("one model call costs $0.000096 and takes" in s for s in r.rationale)
