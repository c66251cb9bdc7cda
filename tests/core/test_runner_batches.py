"""EvalRunner handing finished samples over in batches (`on_samples`), as `run_into` stores
them: each sample once, in landing order, before the run returns; a failed batch stops the run
and its items are not counted as done; an interrupt still stores what landed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from core.evaluation import (
    CachedResponse,
    DatasetItem,
    RunProgress,
    RunSettings,
    Sample,
    Variant,
)
from core.llm import LlmClient
from core.runner import EvalRunner
from operations.runs import run_into
from storage import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

LATENCY_S = 0.05


def upper(body: dict[str, Any]) -> Reply:
    return Reply(content=last_user_text(body).upper(), input_tokens=10, output_tokens=5)


@pytest.fixture
def server(llm_server: LlmTestServer) -> LlmTestServer:
    llm_server.set_responder(upper, latency_s=LATENCY_S)
    return llm_server


def items(n: int) -> list[DatasetItem]:
    return [DatasetItem(id=f"q{i}", input=f"q {i}") for i in range(n)]


def variant(server: LlmTestServer) -> Variant:
    return Variant(name="v", model="local-model", api_base=server.url)


def runner_for(server: LlmTestServer, **settings: Any) -> EvalRunner:
    settings.setdefault("retry_backoff_s", 0.0)
    settings.setdefault("timeout_s", 5.0)
    return EvalRunner(LlmClient(api_base=server.url), RunSettings(**settings))


def test_every_sample_is_handed_over_once_in_landing_order(server: LlmTestServer) -> None:
    """Twenty items at two at a time take ten round trips of 50 ms, longer than one 0.1 s
    batch; every item arrives in exactly one batch, and the final progress report, made after
    the last batch, counts them all."""
    batches: list[list[Sample]] = []
    reports: list[RunProgress] = []
    outcome = runner_for(server, concurrency=2).run(
        variant(server),
        items(20),
        on_samples=lambda batch: batches.append(list(batch)),
        progress=reports.append,
    )
    handed = [s.item_id for batch in batches for s in batch]
    assert sorted(handed) == sorted(i.id for i in items(20)), "each item once"
    # Progress names the item that just landed (throttled: some of them), in landing order.
    landed = [r.last.item_id for r in reports if r.last is not None]
    assert landed == [i for i in handed if i in landed], "batches keep the landing order"
    assert (outcome.status, outcome.done, outcome.errors) == ("completed", 20, 0)
    assert (reports[-1].done, reports[-1].seconds_left) == (20, 0.0)
    assert all(batches), "no empty batch"


class DictCache:
    def __init__(self) -> None:
        self.entries: dict[str, CachedResponse] = {}

    def get(self, key: str) -> CachedResponse | None:
        return self.entries.get(key)

    def put(self, key: str, response: CachedResponse) -> None:
        self.entries[key] = response


class _TickingClock:
    """The runner's `time` module, except that each perf_counter reading is 20 ms after the
    last: a sample's age is seen on the runner's own clock, with no real one read."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.02
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def test_a_loop_kept_busy_by_cache_hits_still_stores_in_batches(
    server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thirty cache hits send nothing and take about a millisecond, too short for the periodic
    batch to come round; on a clock that moves 20 ms a reading, a sample is 0.1 s old after a
    few readings, and landing the next one hands the batch over. Every item once."""
    cache = DictCache()
    runner = runner_for(server, concurrency=2)
    runner.run(variant(server), items(30), on_sample=lambda s: None, cache=cache)
    assert (server.served, len(cache.entries)) == (30, 30)

    monkeypatch.setattr("core.runner.time", _TickingClock())
    batches: list[list[Sample]] = []
    outcome = runner.run(
        variant(server), items(30), on_samples=lambda b: batches.append(list(b)), cache=cache
    )
    assert (outcome.status, outcome.cached, server.served) == ("completed", 30, 30)
    assert sorted(s.item_id for b in batches for s in b) == sorted(i.id for i in items(30))
    assert len(batches) >= 5


def test_one_of_on_sample_and_on_samples_is_required(server: LlmTestServer) -> None:
    runner = runner_for(server)
    with pytest.raises(TypeError):
        runner.run(variant(server), items(1))
    with pytest.raises(TypeError):
        runner.run(variant(server), items(1), on_sample=print, on_samples=print)
    assert server.served == 0


def test_a_failed_batch_stops_the_run_and_its_items_are_not_done(server: LlmTestServer) -> None:
    """Twenty items one at a time take a second; the first batch, due after 0.1 s, fails, so
    the run stops long before the twentieth request. Nothing was stored, so nothing is done;
    what the answers cost was paid all the same (none here: no prices)."""

    def broken(batch: list[Sample]) -> None:
        raise OSError("disk full")

    outcome = runner_for(server, concurrency=1).run(variant(server), items(20), on_samples=broken)
    assert outcome.status == "failed"
    assert "could not be stored (disk full)" in outcome.stop_reason
    assert (outcome.done, outcome.errors, outcome.cached) == (0, 0, 0)
    assert server.served < 20


def test_a_cancel_stores_every_sample_that_landed(server: LlmTestServer) -> None:
    stored: list[Sample] = []
    seen: list[RunProgress] = []

    outcome = runner_for(server, concurrency=2).run(
        variant(server),
        items(40),
        on_samples=stored.extend,
        progress=seen.append,
        cancelled=lambda: bool(seen) and seen[-1].done >= 4,
    )
    assert outcome.status == "cancelled"
    assert 4 <= len(stored) < 40
    assert outcome.done == len(stored), "every landed sample reached the store"


def test_an_interrupt_stores_what_landed_and_leaves_the_run_resumable(
    server: LlmTestServer, tmp_path: Path
) -> None:
    """Ctrl-C arriving in the run's thread (here from the first progress report, just after
    the first sample landed): that sample is stored with the batch the run writes on its way
    out, and the run is recorded as cancelled."""

    def interrupt(report: RunProgress) -> None:
        raise KeyboardInterrupt

    data = items(10)
    with ExperimentStore(tmp_path / "runs.sqlite3") as store:
        run_id = store.create_run(store.add_dataset("d", data).id, variant(server), None)
        with pytest.raises(KeyboardInterrupt):
            run_into(
                store,
                run_id,
                runner_for(server, concurrency=1),
                variant(server),
                data,
                progress=interrupt,
            )
        samples, run = store.samples(run_id), store.run(run_id)
        pending = store.pending_item_ids(run_id)
    assert [s.output for s in samples] == ["Q 0"]
    assert run.status == "cancelled"
    assert pending == [i.id for i in data[1:]]


def test_a_repeated_prompt_in_one_run_is_answered_once(
    server: LlmTestServer, tmp_path: Path
) -> None:
    """Two items with the same text, one after the other: the second is answered from the
    cache the first filled (its answer still waiting for the next batch in memory or already
    written), and the next run of both sends nothing."""
    data = [DatasetItem(id="a", input="same"), DatasetItem(id="b", input="same")]
    with ExperimentStore(tmp_path / "runs.sqlite3") as store:
        dataset_id = store.add_dataset("d", data).id
        runner = runner_for(server, concurrency=1)
        first = store.create_run(dataset_id, variant(server), None)
        outcome = run_into(store, first, runner, variant(server), data)
        again = store.create_run(dataset_id, variant(server), None)
        second = run_into(store, again, runner, variant(server), data)
        stored = {s.item_id: (s.output, s.cached) for s in store.samples(first)}
        cache_size = store.cache_size()
    assert server.served == 1
    assert stored == {"a": ("SAME", False), "b": ("SAME", True)}
    assert (outcome.cached, second.cached) == (1, 2)
    assert cache_size == 1
