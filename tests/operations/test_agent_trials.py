"""Agent trial operations without a window: prices, run and store, list, open, measure, delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.agent_loop import TrialConfig
from core.frameworks import agents
from core.llm import LlmClient
from operations import agent_trials
from storage import TraceStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "trials.sqlite3"
    TraceStore(path).close()
    return path


def test_the_estimates_prices_cost_its_own_model_or_any_model_behind_a_base_url():
    """The default estimate prices gpt-4o at $2.50 / $10 per million tokens."""
    estimate = agents.compute(agents.Inputs())
    own = TrialConfig(task="t", model=estimate.model)
    prices, words = agent_trials.trial_prices(own, estimate)
    assert prices == (estimate.input_cost_per_token, estimate.output_cost_per_token)
    assert words == "costed at the loop estimate's prices ($2.50/$10.00 per million tokens)"
    served = TrialConfig(task="t", model="local-model", api_base="http://127.0.0.1:1/v1")
    assert agent_trials.trial_prices(served, estimate)[0] == prices
    other = TrialConfig(task="t", model="gpt-4o-mini")
    assert agent_trials.trial_prices(other, estimate) == (None, "costed at litellm's prices")
    assert agent_trials.trial_prices(own, None) == (None, "costed at litellm's prices")


def test_a_trial_is_run_stored_listed_opened_measured_and_deleted(db_path, llm_server):
    """One calculator call then the answer; priced at $1 / $2 per million tokens:
    (50 + 80) x 1e-6 + (5 + 3) x 2e-6 = 0.000146."""
    llm_server.reply_tool_calls(
        ("calculator", {"expression": "6*7"}), input_tokens=50, output_tokens=5
    )
    llm_server.reply_text("42", input_tokens=80, output_tokens=3)
    config = TrialConfig(task="What is 6 times 7?", model="test-model", api_base=llm_server.url)
    client = LlmClient(api_base=config.api_base, prices=(1e-6, 2e-6))
    seen: list[str] = []
    everyone = "the answered trials of every model"

    trial_id, outcome = agent_trials.run_and_store(
        config, client, db_path, lambda step: seen.append(step.kind), lambda: False
    )

    assert seen == ["tool_call", "tool_result", "answer"]
    assert outcome.status == "answered" and outcome.cost_usd == pytest.approx(0.000146)
    (listed,) = agent_trials.list_trials(db_path)
    assert listed.id == trial_id and listed.model == "test-model"
    assert [s.kind for s in agent_trials.trial_steps(db_path, trial_id)] == seen
    measured, which = agent_trials.measure_trials(db_path, "test-model")
    assert measured is not None and measured.trials == 1
    assert which == "the answered trials of test-model"
    # A model with no trial of its own is measured over every model's trials.
    assert agent_trials.measure_trials(db_path, "other")[1] == everyone
    agent_trials.delete_trial(db_path, trial_id)
    assert agent_trials.list_trials(db_path) == []
    assert agent_trials.measure_trials(db_path, None) == (None, everyone)
