"""A hostile server's malformed replies (issue 14, item 2), through litellm's real HTTP path.

Each broken reply becomes an error sample for that item alone, saying what was wrong; the
run's status is what it stored (completed, partial, failed); the agent trial stores a trace
with an error step instead of tripping the database's CHECK constraints.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from core.agent_loop import TrialConfig, run_trial
from core.evaluation import DatasetItem, RunSettings, Variant
from core.llm import LlmClient, LlmError
from core.runner import EvalRunner
from operations.runs import run_into
from storage import ExperimentStore, TraceStore
from tests.llm_server import LlmTestServer, Reply, last_user_text


def _chat(**message: Any) -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}}],
    }


# (reply, what the error sample must say after "The server's reply was malformed: ")
MALFORMED = {
    "negative usage": (
        Reply("hi", usage={"prompt_tokens": -1, "completion_tokens": 3}),
        "usage.prompt_tokens is -1",
    ),
    "negative output usage": (
        Reply("hi", usage={"prompt_tokens": 1, "completion_tokens": -7}),
        "usage.completion_tokens is -7",
    ),
    "NaN usage": (
        Reply("hi", usage={"prompt_tokens": float("nan"), "completion_tokens": 1}),
        "usage.prompt_tokens: input should be a finite number",
    ),
    "huge usage": (
        Reply("hi", usage={"prompt_tokens": 10**30, "completion_tokens": 1}),
        "usage.prompt_tokens is 1e+30",
    ),
    "usage as text": (
        Reply("hi", usage={"prompt_tokens": "many", "completion_tokens": 1}),
        "usage.prompt_tokens: input should be a valid integer",
    ),
    "missing choices": (
        Reply(body={"id": "x", "object": "chat.completion", "created": 1, "model": "m"}),
        "provider returned a response with no 'choices'",
    ),
    "empty choices": (
        Reply(body={"id": "x", "object": "chat.completion", "model": "m", "choices": []}),
        "it has no choices",
    ),
    "choices not a list": (
        Reply(body={"id": "x", "object": "chat.completion", "model": "m", "choices": "a"}),
        "provider returned 'choices' that is not a list",
    ),
    "content a list": (Reply(body=_chat(content=[1, 2])), "message.content: input should be"),
    "content a number": (Reply(body=_chat(content=5)), "message.content: input should be"),
    "not an object": (Reply(body=[1, 2, 3]), "it is not a chat completion"),
}


def _items(n: int) -> list[DatasetItem]:
    return [DatasetItem(id=f"q{i}", input=f"question {i}") for i in range(n)]


def _runner(server: LlmTestServer, **settings: Any) -> EvalRunner:
    settings = {"retry_backoff_s": 0.0, "timeout_s": 10.0, "max_retries": 2, **settings}
    return EvalRunner(LlmClient(api_base=server.url), RunSettings(**settings))


def _variant(server: LlmTestServer) -> Variant:
    return Variant(name="v", model="local-model", api_base=server.url)


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_reply_is_that_items_error_and_the_others_are_answered(
    llm_server: LlmTestServer, case: str
) -> None:
    """The reply to "poison" is broken; the three other items are answered. The broken one is
    not retried (the server would send the same again): 4 requests for 4 items."""
    broken, says = MALFORMED[case]
    llm_server.set_responder(lambda body: Reply(last_user_text(body).upper()))
    llm_server.fail(broken, matching="poison")
    data = [*_items(3), DatasetItem(id="bad", input="poison")]
    landed = []

    outcome = _runner(llm_server).run(_variant(llm_server), data, on_sample=landed.append)

    by_id = {s.item_id: s for s in landed}
    assert sorted(by_id) == sorted(i.id for i in data)
    assert by_id["bad"].error is not None
    assert by_id["bad"].error.startswith("The server's reply was malformed: " + says), by_id
    assert "Traceback" not in by_id["bad"].error and "site-packages" not in by_id["bad"].error
    assert all(by_id[f"q{i}"].output == f"QUESTION {i}" for i in range(3))
    assert (outcome.status, outcome.done, outcome.errors) == ("partial", 4, 1)
    assert "3 of 4 items answered, 1 failed" in outcome.stop_reason
    assert llm_server.served == 4


def test_every_reply_malformed_is_a_failed_run_with_nothing_claimed(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """The attack as reported: usage.prompt_tokens -1 on every reply of 40 items. Before, the
    workers died outside the error handling and the run said "completed; All 40 items done"
    with 0 samples after 4 requests. Now: 40 stored error samples, status failed."""
    llm_server.set_default(Reply("x", usage={"prompt_tokens": -1, "completion_tokens": 1}))
    with ExperimentStore(tmp_path / "runs.sqlite3") as store:
        dataset = store.add_dataset("d", _items(40))
        run_id = store.create_run(dataset.id, _variant(llm_server), None)
        outcome = run_into(
            store, run_id, _runner(llm_server, concurrency=4), _variant(llm_server), _items(40)
        )
        run, samples = store.run(run_id), store.samples(run_id)

    assert (outcome.status, outcome.done, outcome.errors) == ("failed", 40, 40)
    assert run.status == "failed" and run.samples == 40 and run.errors == 40
    assert all(s.error and "usage.prompt_tokens is -1" in s.error for s in samples)
    assert run.stop_reason.startswith("Every one of the 40 requests failed")
    assert llm_server.served == 40


def test_a_run_whose_items_all_answer_is_completed_and_a_resume_of_a_partial_one_completes(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """Partial, then resumed with the server fixed: the stored run ends completed."""
    llm_server.set_responder(lambda body: Reply(last_user_text(body).upper()))
    llm_server.fail(Reply("x", usage={"prompt_tokens": -1}), first=1)
    with ExperimentStore(tmp_path / "runs.sqlite3") as store:
        dataset = store.add_dataset("d", _items(5))
        v = _variant(llm_server)
        run_id = store.create_run(dataset.id, v, None)
        first = run_into(store, run_id, _runner(llm_server, concurrency=1), v, _items(5))
        pending = set(store.pending_item_ids(run_id))
        skip = {i.id for i in _items(5) if i.id not in pending}
        second = run_into(
            store, run_id, _runner(llm_server), v, _items(5), skip_ids=skip, use_cache=False
        )
        run = store.run(run_id)
    assert (first.status, first.errors, len(pending)) == ("partial", 1, 1)
    assert (second.status, second.errors, run.status, run.errors) == (
        "completed",
        0,
        "completed",
        0,
    )


def test_a_trial_given_a_malformed_reply_stores_a_trace_with_the_error(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """Before, the negative token count reached agent_steps and the save failed on its CHECK."""
    llm_server.reply(Reply("answer", usage={"prompt_tokens": -5, "completion_tokens": 2}))
    config = TrialConfig(task="What is 2+2?", model="local-model", api_base=llm_server.url)
    outcome = run_trial(config, LlmClient(api_base=llm_server.url))
    with TraceStore(tmp_path / "traces.sqlite3") as store:
        trial_id = store.save_trial(config, outcome)
        steps = store.get_steps(trial_id)
    assert outcome.status == "error"
    assert [s.kind for s in steps] == ["error"]
    assert steps[0].text == "The server's reply was malformed: usage.prompt_tokens is -5."
    assert (outcome.input_tokens, outcome.output_tokens) == (0, 0)


def test_the_client_raises_llm_error_and_nothing_else_for_a_malformed_reply(
    llm_server: LlmTestServer,
) -> None:
    llm_server.reply(Reply(body=_chat(content={"a": 1})))
    with pytest.raises(LlmError) as caught:
        LlmClient(api_base=llm_server.url, max_retries=3).complete(
            "m", [{"role": "user", "content": "q"}]
        )
    assert caught.value.kind == "malformed" and caught.value.attempts == 1


def test_a_version_7_database_gains_the_partial_status_and_keeps_its_runs(
    tmp_path: Path,
) -> None:
    """Migration 8 edits the runs table's CHECK in place; a rebuild would have cascaded the
    DROP into run_samples. The old rows, their samples and the constraint's refusals stay."""
    from storage import db as schema

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    wrapped = schema._wrap(conn)
    for migration in schema.MIGRATIONS[:7]:
        migration(wrapped)
    conn.execute("PRAGMA user_version = 7")
    conn.execute(
        "INSERT INTO datasets (name, version, content_hash, item_count, columns_json, "
        "created_at) VALUES ('d', 1, 'h', 1, '[]', '2026-01-01T00:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO dataset_items (dataset_id, position, item_id, input, fields_json) "
        "VALUES (1, 0, 'a', 'x', '{}')"
    )
    conn.execute(
        "INSERT INTO runs (dataset_id, kind, variant_json, status, created_at) VALUES "
        '(1, \'model\', \'{"_schema": 1, "value": {"name": "v", "model": "m"}}\', '
        "'completed', "
        "'2026-01-01T00:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO run_samples (run_id, item_id, output, finished_at) "
        "VALUES (1, 'a', 'kept', '2026-01-01T00:00:00+00:00')"
    )
    conn.commit()
    conn.close()

    with ExperimentStore(path) as store:
        assert [s.output for s in store.samples(1)] == ["kept"]
        store.finish_run(1, "partial", "some errors")
        assert store.run(1).status == "partial"

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 8
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE runs SET status = 'bogus'")
    conn.close()


def test_a_broken_progress_display_does_not_stop_the_run(llm_server: LlmTestServer) -> None:
    llm_server.set_default(Reply("fine"))
    landed = []

    def broken_progress(progress: object) -> None:
        raise RuntimeError("progress display broke")

    outcome = _runner(llm_server, concurrency=1).run(
        _variant(llm_server), _items(5), on_sample=landed.append, progress=broken_progress
    )
    assert (outcome.status, len(landed)) == ("completed", 5)


def test_a_worker_that_dies_anyway_fails_the_run_instead_of_claiming_it_done(
    llm_server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever kills a worker outside the item's error handling (here, a stand-in for a bug
    in handing a sample over), the run says so and does not claim the items left were done."""
    from core import runner

    llm_server.set_default(Reply("fine"))
    land = runner._Run.land
    landed = []

    def land_once(self: runner._Run, sample: object) -> None:
        if landed:
            raise RuntimeError("a bug")
        landed.append(sample)
        land(self, sample)

    monkeypatch.setattr(runner._Run, "land", land_once)
    outcome = _runner(llm_server, concurrency=1).run(
        _variant(llm_server), _items(5), on_sample=lambda s: None
    )
    assert outcome.status == "failed"
    assert outcome.stop_reason == (
        "Stopped: a worker failed unexpectedly (RuntimeError: a bug); 1 of 5 items done, 4 not run."
    )
