"""Runs planned, started and resumed at the operations layer, through litellm's real HTTP path
to the local test server."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import Catalog, ModelInfo
from core.evaluation import DatasetItem, RunProgress, RunSettings, Variant
from operations.runs import catalog_prices, execute_run, plan_resume, plan_run
from storage import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

ITEMS = [DatasetItem(id=f"q{i}", input=f"question {i}", expected=f"QUESTION {i}") for i in range(5)]
SETTINGS = RunSettings(concurrency=2, retry_backoff_s=0.0, max_retries=0, timeout_s=10.0)
PRICED = Catalog(
    [
        ModelInfo(
            id="priced-model",
            provider="openai",
            input_cost_per_token=1e-6,
            output_cost_per_token=2e-6,
        )
    ]
)


def _variant(server: LlmTestServer, **fields: object) -> Variant:
    return Variant(name="upper", model="local-model", api_base=server.url, **fields)


def _store(tmp_path: Path) -> ExperimentStore:
    return ExperimentStore(tmp_path / "runs.sqlite3")


def test_a_run_is_planned_then_started_and_every_answer_is_stored(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """Five items, each answered in capitals; the plan counts five requests and the stored
    run is completed with five samples; progress and the new run's id reach the caller."""
    llm_server.set_responder(lambda body: Reply(last_user_text(body).upper()))
    created: list[int] = []
    seen: list[RunProgress] = []
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        plan = plan_run(store, dataset.id, _variant(llm_server), SETTINGS, lambda: None)
        assert (plan.problem, plan.run_id, plan.estimate.requests) == (None, None, 5)
        run_id, outcome = execute_run(store, plan, progress=seen.append, on_created=created.append)
        run, samples = store.run(run_id), store.samples(run_id)
    assert created == [run_id]
    assert (outcome.status, outcome.done, outcome.errors) == ("completed", 5, 0)
    assert (run.status, run.samples, run.name) == ("completed", 5, "upper")
    assert sorted(s.output for s in samples) == [f"QUESTION {i}" for i in range(5)]
    assert seen and seen[-1].done == 5
    assert llm_server.served == 5


def test_a_resume_runs_only_the_items_without_an_answer(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """The first two requests fail (500, no retries): the run is partial. The resume plans
    the two errored items only, sends two requests and completes the run."""
    llm_server.set_responder(lambda body: Reply(last_user_text(body).upper()))
    settings = SETTINGS.model_copy(update={"concurrency": 1})
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        llm_server.fail(Reply(status=500, error_message="down"), first=2)
        first = plan_run(store, dataset.id, _variant(llm_server), settings, lambda: None)
        run_id, outcome = execute_run(store, first)
        assert (outcome.status, outcome.errors) == ("partial", 2)
        served = llm_server.served

        again = plan_resume(store, run_id, settings, lambda: None)
        assert again.run_id == run_id and again.variant == first.variant
        assert sorted(again.skip) == ["q2", "q3", "q4"]
        assert [i.id for i in again.todo] == ["q0", "q1"] and again.estimate.requests == 2
        resumed_id, resumed = execute_run(store, again)
        run = store.run(run_id)
    assert resumed_id == run_id
    assert llm_server.served - served == 2
    assert (resumed.status, run.status, run.errors) == ("completed", "completed", 0)


def test_catalog_prices_apply_unless_a_base_url_is_set(tmp_path: Path) -> None:
    """A model the catalog prices is estimated at those prices; the same model behind a base
    URL (a local server) has no price, and the catalog is not even loaded for it."""
    loads: list[int] = []

    def catalog() -> Catalog:
        loads.append(1)
        return PRICED

    hosted = Variant(name="h", model="priced-model", max_tokens=10)
    local = hosted.model_copy(update={"api_base": "http://127.0.0.1:9"})
    assert catalog_prices(local, catalog) is None and loads == []
    assert catalog_prices(hosted, catalog) == (1e-6, 2e-6)
    assert catalog_prices(hosted.model_copy(update={"model": "unknown"}), catalog) is None
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        priced = plan_run(store, dataset.id, hosted, SETTINGS, catalog)
        free = plan_run(store, dataset.id, local, SETTINGS, catalog)
    assert priced.prices == (1e-6, 2e-6)
    # Each item: ceil(len("question N") / 4) = 3 input tokens; up to max_tokens 10 output.
    assert priced.estimate.usd == pytest.approx(5 * (3 * 1e-6 + 10 * 2e-6))
    assert free.prices is None and free.estimate.usd is None


def test_a_template_that_cannot_be_filled_refuses_the_run(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """{context} is no field of the items: the plan says so and executing it sends nothing
    and creates no run."""
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        variant = _variant(llm_server, prompt_template="{input} with {context}")
        plan = plan_run(store, dataset.id, variant, SETTINGS, lambda: None)
        assert plan.problem is not None and "context" in plan.problem
        with pytest.raises(ValueError, match="not started"):
            execute_run(store, plan)
        assert store.runs() == []
    assert llm_server.served == 0


def test_a_run_without_the_providers_api_key_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gpt-4o-mini at OpenAI with OPENAI_API_KEY unset: the plan names the variable and
    executing it creates no run. A key given for the session, the variable set, or a base URL
    (a server of the user's own) each let it start."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    hosted = Variant(name="h", model="gpt-4o-mini")
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        plan = plan_run(store, dataset.id, hosted, SETTINGS, lambda: None)
        assert plan.missing_keys == ("OPENAI_API_KEY",)
        assert plan.refusal == "no API key for gpt-4o-mini: OPENAI_API_KEY is not set"
        assert plan.estimate.requests == 5  # the estimate is still made, to show beside it
        with pytest.raises(ValueError, match="OPENAI_API_KEY"):
            execute_run(store, plan)
        assert store.runs() == []
        keyed = plan_run(store, dataset.id, hosted, SETTINGS, lambda: None, api_key="sk-test")
        local = hosted.model_copy(update={"api_base": "http://127.0.0.1:9"})
        served = plan_run(store, dataset.id, local, SETTINGS, lambda: None)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
        from_env = plan_run(store, dataset.id, hosted, SETTINGS, lambda: None)
    assert keyed.refusal is None and served.refusal is None and from_env.refusal is None
