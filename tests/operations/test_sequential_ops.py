"""Sequential runs at the operations layer, both arms through litellm's real HTTP path to the
local test server: they stop when settled, store both arms as ordinary runs and keep the
outcome in the experiment record."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from core.comparison import Comparison
from core.evaluation import DatasetItem, RunSettings, Variant
from operations.sequential import (
    SequentialProgress,
    execute_sequential,
    plan_sequential,
)
from storage import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

ITEMS = [DatasetItem(id=f"q{i}", input=f"q{i}", expected=f"a{i}") for i in range(60)]
SETTINGS = RunSettings(concurrency=4, retry_backoff_s=0.0, max_retries=0, timeout_s=10.0)


def _answer(body: dict[str, Any]) -> Reply:
    """The variant answers every item; the baseline only the even ones (a lift of 50 pp)."""
    number = int(last_user_text(body)[1:])
    right = "variant" in body["model"] or number % 2 == 0
    return Reply(f"a{number}" if right else "no idea")


def _arms(server: LlmTestServer, variant_model: str = "variant-model") -> tuple[Variant, Variant]:
    return (
        Variant(name="base", model="base-model", api_base=server.url),
        Variant(name="new", model=variant_model, api_base=server.url),
    )


def _store(tmp_path: Path) -> ExperimentStore:
    return ExperimentStore(tmp_path / "seq.sqlite3")


def test_a_clear_win_stops_early_ships_and_keeps_both_runs_and_the_record(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    llm_server.set_responder(_answer)
    seen: list[SequentialProgress] = []
    created: list[tuple[int, int]] = []
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        plan = plan_sequential(
            store, dataset.id, *_arms(llm_server), SETTINGS, lambda: None, min_lift=0.05, seed=4
        )
        expected_order = list(ITEMS)
        random.Random(4).shuffle(expected_order)
        assert plan.items == expected_order and plan.horizon == 60
        done = execute_sequential(
            store, plan, progress=seen.append, on_created=lambda b, v: created.append((b, v))
        )
        base_run, var_run = store.run(done.baseline_run_id), store.run(done.variant_run_id)
        record = store.experiments(dataset.id)[-1]
    assert created == [(done.baseline_run_id, done.variant_run_id)]
    look = done.look
    assert look is not None and done.stop == "settled"
    assert (look.verdict, look.finding) == ("ship", "better") and look.low >= 0
    # Read pair by pair, stopped at the first settled one, the rest of its round paid for.
    assert [p.look.n for p in seen] == list(range(1, look.n + 1))
    assert look.n <= done.called < look.n + SETTINGS.concurrency and done.called < 60
    assert (base_run.samples, var_run.samples) == (done.called, done.called)
    assert (base_run.status, var_run.status) == ("cancelled", "cancelled")
    assert "Sequential run stopped at item" in base_run.stop_reason
    assert "the verdict was settled (Ship)" in base_run.stop_reason
    asked = [last_user_text(r) for r in llm_server.requests if "base" in r["model"]]
    assert sorted(asked) == sorted(i.input for i in expected_order[: done.called])
    # The record: the anytime-valid verdict and interval, the comparison of the pairs read.
    assert record.verdict == "ship" and record.id == done.record_id
    assert (record.low, record.high) == (look.low, look.high)
    sequential = record.comparison["sequential"]
    assert sequential["stopped_at"] == look.n and sequential["called"] == done.called
    assert sequential["plan_n"] == done.plan_n and done.plan_n is not None
    assert done.items_saved == min(done.plan_n, 60) - done.called
    assert len(sequential["path"]) == look.n
    assert record.comparison["n_paired"] == look.n
    assert "anytime-valid" in record.comparison["reasons"][2]
    summary = done.summary()
    assert summary.startswith(f"Ship after {look.n} items: better")
    assert f"against the fixed-size plan (n = {done.plan_n:,}" in summary


def test_two_equal_arms_settle_as_no_meaningful_difference(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    llm_server.set_responder(_answer)
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        # Both arms are "variant" models: each answers every item.
        base, new = _arms(llm_server)
        base = base.model_copy(update={"model": "variant-a"})
        plan = plan_sequential(store, dataset.id, base, new, SETTINGS, lambda: None, min_lift=0.2)
        done = execute_sequential(store, plan)
    assert done.look is not None and done.stop == "settled"
    assert (done.look.verdict, done.look.finding) == ("do_not_ship", "no_meaningful_difference")
    assert done.look.n < 60


def test_without_a_settled_verdict_every_planned_item_is_run(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    llm_server.set_responder(_answer)
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS[:6])
        plan = plan_sequential(
            store, dataset.id, *_arms(llm_server), SETTINGS, lambda: None, min_lift=0.05
        )
        done = execute_sequential(store, plan)
        statuses = {store.run(done.baseline_run_id).status, store.run(done.variant_run_id).status}
    assert done.stop == "exhausted" and done.look is not None
    assert done.look.verdict == "need_more_data" and done.called == 6
    assert statuses == {"completed"}
    assert "Stopped: every planned item was run" in done.summary()


def test_a_cancel_stops_between_rounds_and_keeps_what_was_read(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    llm_server.set_responder(_answer)
    seen: list[SequentialProgress] = []
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        plan = plan_sequential(
            store, dataset.id, *_arms(llm_server), SETTINGS, lambda: None, min_lift=0.05
        )
        done = execute_sequential(store, plan, progress=seen.append, cancelled=lambda: bool(seen))
        record = store.experiments(dataset.id)[-1]
    assert done.stop == "cancelled" and done.called == SETTINGS.concurrency
    assert done.look is not None and done.look.verdict == "need_more_data"
    assert record.comparison["sequential"]["stop"] == "cancelled"


def test_max_items_caps_the_plan_and_a_judged_metric_is_refused(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        arms = _arms(llm_server)
        plan = plan_sequential(store, dataset.id, *arms, SETTINGS, lambda: None, max_items=10)
        assert len(plan.items) == 10 and plan.horizon == 10
        assert plan.baseline.estimate.requests == plan.variant.estimate.requests == 10
        with pytest.raises(ValueError, match="judge"):
            plan_sequential(store, dataset.id, *arms, SETTINGS, lambda: None, metric="llm_judge")
        with pytest.raises(ValueError, match="significance"):
            plan_sequential(store, dataset.id, *arms, SETTINGS, lambda: None, alpha=1.5)


def test_an_arm_that_answers_nothing_stops_the_run_without_a_verdict(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    def answer(body: dict[str, Any]) -> Reply:
        if "variant" in body["model"]:
            return Reply(status=500, error_message="down")
        return _answer(body)

    llm_server.set_responder(answer)
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        plan = plan_sequential(
            store, dataset.id, *_arms(llm_server), SETTINGS, lambda: None, min_lift=0.05
        )
        done = execute_sequential(store, plan)
        variant_run = store.run(done.variant_run_id)
    assert done.stop == "failed" and done.look is None and done.record_id is None
    assert variant_run.status == "cancelled" and variant_run.errors == SETTINGS.concurrency
    assert "No pair was completed" in done.summary()


def test_money_saved_is_the_pairs_not_needed_at_the_run_s_cost_per_pair(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """litellm prices gpt-4o and gpt-4o-mini from its map (1,000 input and 100 output tokens a
    call): the pairs the plan would still have run cost what the run's pairs cost on average.
    The kept comparison reads back as a Comparison, as Compare and History read it."""

    def answer(body: dict[str, Any]) -> Reply:
        number = int(last_user_text(body)[1:])
        right = "mini" in body["model"] or number % 2 == 0
        return Reply(f"a{number}" if right else "no idea", input_tokens=1000, output_tokens=100)

    llm_server.set_responder(answer)
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        base = Variant(name="big", model="gpt-4o", api_base=llm_server.url)
        new = Variant(name="mini", model="gpt-4o-mini", api_base=llm_server.url)
        plan = plan_sequential(store, dataset.id, base, new, SETTINGS, lambda: None, min_lift=0.05)
        done = execute_sequential(store, plan)
        record = store.experiments(dataset.id)[-1]
    assert done.spend_usd > 0 and done.items_saved is not None and done.items_saved > 0
    assert done.money_saved_usd == pytest.approx(done.items_saved * done.spend_usd / done.called)
    assert f"(${done.money_saved_usd:,.4f})" in done.summary()
    assert done.look is not None
    comparison = Comparison.model_validate(record.comparison)
    assert comparison.verdict == "ship" and comparison.n_paired == done.look.n
    assert record.comparison["sequential"]["money_saved_usd"] == done.money_saved_usd


def test_each_arm_calls_with_its_own_session_key(llm_server: LlmTestServer, tmp_path: Path) -> None:
    llm_server.set_responder(_answer)
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS[:4])
        plan = plan_sequential(
            store,
            dataset.id,
            *_arms(llm_server),
            SETTINGS,
            lambda: None,
            api_key="sk-base-1",
            variant_api_key="sk-variant-2",
        )
        execute_sequential(store, plan, api_key="sk-base-1", variant_api_key="sk-variant-2")
    keys = {(r.body["model"], r.headers.get("authorization")) for r in llm_server.recorded}
    assert keys == {("base-model", "Bearer sk-base-1"), ("variant-model", "Bearer sk-variant-2")}
