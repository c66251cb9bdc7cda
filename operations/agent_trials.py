"""Agent trials: run a task through the tool-calling loop and store its trace; list, open and
delete stored trials; measure them for the loop estimate.

Each function opens the trace store itself, so a worker thread can call it with nothing but
the database path; nothing here holds an API key (it lives in the client only).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.agent_loop import AgentStep, Measured, TrialConfig, TrialOutcome, run_trial
from core.frameworks import agents
from core.frameworks.common import money
from core.llm import LlmClient
from storage import TraceStore
from storage.traces import TrialSummary


def trial_prices(
    config: TrialConfig, estimate: agents.Result | None
) -> tuple[tuple[float, float] | None, str]:
    """Per-token prices (input, output) to cost the trial with, and how to name them.

    The loop estimate's prices cost the trial when it runs the estimate's model, or any model
    behind a base URL (litellm has no price for a local server); otherwise (None) litellm's
    price map does.
    """
    if estimate is not None and (config.model == estimate.model or config.api_base):
        per_million = (
            f"{money(estimate.input_cost_per_token * 1e6)}/"
            f"{money(estimate.output_cost_per_token * 1e6)}"
        )
        return (
            (estimate.input_cost_per_token, estimate.output_cost_per_token),
            f"costed at the loop estimate's prices ({per_million} per million tokens)",
        )
    return None, "costed at litellm's prices"


def run_and_store(
    config: TrialConfig,
    client: LlmClient,
    db_path: Path,
    on_step: Callable[[AgentStep], None],
    cancelled: Callable[[], bool],
) -> tuple[int, TrialOutcome]:
    """Run the trial (each step reported as it happens) and store it; returns its id and
    outcome. A cancelled or failed trial is stored too, with the steps it reached."""
    outcome = run_trial(config, client, on_step=on_step, cancelled=cancelled)
    with TraceStore(db_path) as store:
        return store.save_trial(config, outcome), outcome


def list_trials(db_path: Path) -> list[TrialSummary]:
    """The stored trials, most recent first."""
    with TraceStore(db_path) as store:
        return store.list_trials()


def trial_steps(db_path: Path, trial_id: int) -> list[AgentStep]:
    """The steps of one stored trial, in order."""
    with TraceStore(db_path) as store:
        return store.get_steps(trial_id)


def delete_trial(db_path: Path, trial_id: int) -> None:
    """Delete a stored trial and its steps."""
    with TraceStore(db_path) as store:
        store.delete_trial(trial_id)


def measure_trials(db_path: Path, model: str | None) -> tuple[Measured | None, str]:
    """What the stored answered trials of `model` measured (of every model when `model` has
    none or is None), and which trials those were, in words; None when none is stored."""
    with TraceStore(db_path) as store:
        found = store.measured(model) if model else None
        if found is not None:
            return found, f"the answered trials of {model}"
        return store.measured(), "the answered trials of every model"
