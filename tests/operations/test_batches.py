"""Runs through the Batch API at the operations layer, against the local server's /v1/files and
/v1/batches through litellm's real files and batches calls."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from core.batch import BatchPrices
from core.catalog import Catalog, ModelInfo
from core.evaluation import DatasetItem, RunSettings, Variant
from core.llm import LlmError
from operations.batches import (
    BatchPlan,
    cancel_batch,
    plan_batch,
    plan_batch_rerun,
    poll_batch,
    resume_batches,
    submit_batch,
    wait_for_batch,
)
from operations.runs import execute_run, plan_resume, plan_run
from storage.batches import BatchStore
from tests.llm_batches import BatchBehaviour
from tests.llm_server import LlmTestServer, Reply, last_user_text

ITEMS = [DatasetItem(id=f"q{i}", input=f"question {i}", expected=f"QUESTION {i}") for i in range(5)]
SETTINGS = RunSettings(retry_backoff_s=0.0, max_retries=0, timeout_s=10.0)
KEY = "sk-batch-test-key-3f9a2c"
PRICES = BatchPrices(1e-6, 4e-6, "the catalog's batch price")


@pytest.fixture
def server(llm_server: LlmTestServer) -> LlmTestServer:
    llm_server.set_responder(
        lambda body: Reply(last_user_text(body).upper(), input_tokens=10, output_tokens=2)
    )
    return llm_server


def _store(tmp_path: Path) -> BatchStore:
    return BatchStore(tmp_path / "batches.sqlite3")


def _plan(store: BatchStore, server: LlmTestServer) -> BatchPlan:
    dataset = store.add_dataset("d", ITEMS)
    variant = Variant(name="upper", model="local-model", api_base=server.url)
    plan = plan_batch(store, dataset.id, variant, SETTINGS, lambda: None)
    # A local server has no price; the batch prices a provider's model would have.
    return dataclasses.replace(plan, prices=PRICES)


def test_a_batch_is_sent_polled_and_imported_at_batch_prices(
    server: LlmTestServer, tmp_path: Path
) -> None:
    """Each of five answers has 10 input and 2 output tokens: 10 x 1e-6 + 2 x 4e-6 = $0.000018
    each at the batch prices, $0.00009 for the run."""
    server.batches.behaviour = BatchBehaviour(polls=2)
    created: list[int] = []
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server), api_key=KEY, on_created=created.append)
        assert sent.waiting and sent.item_ids == tuple(i.id for i in ITEMS)
        assert store.run(created[0]).status == "running"
        first = poll_batch(store, sent.id, api_key=KEY)
        assert (first.job.status, first.results) == ("in_progress", None)
        second = poll_batch(store, sent.id, api_key=KEY)
        run, samples = store.run(sent.run_id), store.samples(sent.run_id)
    assert second.job.imported and second.results is not None
    assert (second.job.total, second.job.completed, second.job.failed) == (5, 5, 0)
    assert (run.status, run.samples, run.errors) == ("completed", 5, 0)
    assert run.cost_usd == pytest.approx(0.00009)
    assert [s.output for s in samples] == [f"QUESTION {i}" for i in range(5)]
    assert all(s.cost_usd == pytest.approx(0.000018) for s in samples)
    lines = server.batches.input_lines(sent.provider_batch_id)
    assert [line["custom_id"] for line in lines] == [i.id for i in ITEMS]

    # A batch line is the real-time request: running the variant again costs nothing.
    served = server.served
    with _store(tmp_path) as store:
        again = plan_run(store, run.dataset_id, run.variant, SETTINGS, lambda: None)
        _, outcome = execute_run(store, again)
    assert (outcome.status, outcome.cached, server.served) == ("completed", 5, served)


def test_the_key_goes_in_the_header_never_into_the_file_or_the_database(
    server: LlmTestServer, tmp_path: Path
) -> None:
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server), api_key=KEY)
        wait_for_batch(store, sent.id, api_key=KEY, interval_s=0.01)
    assert server.batches.upload_headers[0]["authorization"] == f"Bearer {KEY}"
    for _name, data in server.batches.files.values():
        assert KEY.encode() not in data
    for path in tmp_path.iterdir():
        assert KEY.encode() not in path.read_bytes()


def test_failed_requests_are_errors_a_new_batch_reruns(
    server: LlmTestServer, tmp_path: Path
) -> None:
    server.fail(Reply(status=500, error_message="model overloaded"), matching="question 3")
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server))
        poll = poll_batch(store, sent.id)
        run = store.run(sent.run_id)
        errors = {s.item_id: s.error for s in store.samples(run.id) if s.error}
        assert errors == {"q3": "The batch request failed (HTTP 500: model overloaded)"}
        assert (poll.job.completed, poll.job.failed, run.status) == (4, 1, "partial")
        assert "Resume the run" in run.stop_reason
        assert store.pending_item_ids(run.id) == ["q3"]

        server.set_responder(lambda body: Reply("fixed"))
        server._state.failures.clear()
        again = plan_batch_rerun(store, run.id, SETTINGS, lambda: None)
        assert [i.id for i in again.run.todo] == ["q3"]
        rerun = submit_batch(store, again)
        assert rerun.run_id == run.id and rerun.item_ids == ("q3",)
        wait_for_batch(store, rerun.id, interval_s=0.01)
        run = store.run(run.id)
    assert (run.status, run.errors, run.samples) == ("completed", 0, 5)


def test_a_run_with_a_batch_still_out_is_not_sent_again(
    server: LlmTestServer, tmp_path: Path
) -> None:
    server.batches.behaviour = BatchBehaviour(polls=5)
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server))
        again = plan_batch_rerun(store, sent.run_id, SETTINGS, lambda: None)
        # Nor run in real time: the batch would answer the same items, paid twice.
        now = plan_resume(store, sent.run_id, SETTINGS, lambda: None)
    assert again.refusal is not None and "still validating" in again.refusal
    assert now.refusal is not None and "batch_2 is still validating" in now.refusal
    with pytest.raises(ValueError, match="not started"):
        execute_run(store, now)


def test_an_expired_batch_keeps_what_it_answered(server: LlmTestServer, tmp_path: Path) -> None:
    server.batches.behaviour = BatchBehaviour(expire_after_lines=2)
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server))
        poll = poll_batch(store, sent.id)
        run, samples = store.run(sent.run_id), store.samples(sent.run_id)
        # The items the batch never ran are re-run in real time by a resume.
        resumed = plan_resume(store, run.id, SETTINGS, lambda: None)
        assert [i.id for i in resumed.todo] == ["q2", "q3", "q4"]
        execute_run(store, resumed)
        after = store.run(run.id)
    assert poll.job.status == "expired"
    assert (run.status, run.errors) == ("partial", 3)
    assert [s.error is None for s in samples] == [True, True, False, False, False]
    assert samples[2].error is not None and samples[2].error.startswith("batch_expired")
    assert "expired" in run.stop_reason
    assert (after.status, after.errors) == ("completed", 0)


def test_a_batch_that_fails_validation_fails_the_run(server: LlmTestServer, tmp_path: Path) -> None:
    server.batches.behaviour = BatchBehaviour(fail_batch="line 1: bad model")
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server))
        poll = poll_batch(store, sent.id)
        run = store.run(sent.run_id)
    assert poll.job.status == "failed" and poll.job.imported
    assert run.status == "failed" and "line 1: bad model" in run.stop_reason
    assert server.served == 0


@pytest.mark.parametrize(("answered", "status"), [(0, "cancelled"), (2, "partial")])
def test_a_cancelled_batch_keeps_what_it_answered(
    server: LlmTestServer, tmp_path: Path, answered: int, status: str
) -> None:
    server.batches.behaviour = BatchBehaviour(polls=10, answered_before_cancel=answered)
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server))
        cancelling = cancel_batch(store, sent.id)
        assert cancelling.status == "cancelling"
        poll = poll_batch(store, sent.id)
        run = store.run(sent.run_id)
        with pytest.raises(ValueError, match="already ended"):
            cancel_batch(store, sent.id)
    assert poll.job.status == "cancelled"
    assert (run.status, run.samples, run.errors) == (status, 5, 5 - answered)


def test_pending_batches_resume_after_the_database_is_opened_again(
    server: LlmTestServer, tmp_path: Path
) -> None:
    server.batches.behaviour = BatchBehaviour(polls=2)
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server))
    with _store(tmp_path) as reopened:
        first = resume_batches(reopened)
        assert [p.job.status for p in first] == ["in_progress"]
        second = resume_batches(reopened)
        assert [p.job.imported for p in second] == [True]
        assert resume_batches(reopened) == []
        assert reopened.run(sent.run_id).status == "completed"


def test_a_server_that_cannot_be_reached_leaves_the_batch_for_later(
    server: LlmTestServer, tmp_path: Path
) -> None:
    with _store(tmp_path) as store:
        sent = submit_batch(store, _plan(store, server))
        server.stop()
        polls = resume_batches(store)
        assert polls[0].error is not None and "check the batch" in polls[0].error
        assert store.batch_job(sent.id).unfinished


def test_a_refused_upload_fails_the_new_run(server: LlmTestServer, tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        plan = _plan(store, server)
        server.stop()
        with pytest.raises(LlmError, match="upload the batch file"):
            submit_batch(store, plan)
        (run,) = store.runs()
    assert run.status == "failed" and "not sent" in run.stop_reason


def test_the_plan_shows_real_time_and_batch_cost(tmp_path: Path) -> None:
    """Five items "question N" (10 chars) -> 3 tokens each = 15 input tokens; 5 x 256 = 1,280
    output tokens (max_tokens). Real time at $2/$8 per million: 15 x 2e-6 + 1,280 x 8e-6 =
    $0.01027; batch at the catalog's $1/$4: $0.005135."""
    catalog = Catalog(
        [
            ModelInfo(
                id="gpt-batch",
                provider="openai",
                input_cost_per_token=2e-6,
                output_cost_per_token=8e-6,
                input_cost_per_token_batch=1e-6,
                output_cost_per_token_batch=4e-6,
            )
        ]
    )
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        variant = Variant(name="v", model="gpt-batch")
        plan = plan_batch(store, dataset.id, variant, SETTINGS, lambda: catalog, api_key="k")
    assert plan.refusal is None
    assert plan.estimate.realtime.usd == pytest.approx(0.01027)
    assert plan.estimate.batch_usd == pytest.approx(0.005135)
    assert "the catalog's batch price" in plan.estimate.text()


def test_another_providers_model_is_refused(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        dataset = store.add_dataset("d", ITEMS)
        variant = Variant(name="v", model="anthropic/claude-3-5-haiku")
        plan = plan_batch(store, dataset.id, variant, SETTINGS, lambda: None, api_key="k")
    assert plan.refusal is not None and "not an OpenAI model" in plan.refusal
    assert json.dumps(plan.refusal)
