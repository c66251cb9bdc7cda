"""EvalRunner against the local test server, through litellm's real async HTTP path."""

from __future__ import annotations

import time
from typing import Any

import pytest

from core.evaluation import CachedResponse, DatasetItem, RunProgress, RunSettings, Sample, Variant
from core.llm import LlmClient
from core.runner import EvalRunner, RunOutcome, estimate_cost, request_key
from tests.llm_server import LlmTestServer, Reply, last_user_text

KEY = "sk-runner-test-do-not-leak-7d2e"
LATENCY_S = 0.05


def upper(body: dict[str, Any]) -> Reply:
    """Every request answers its prompt upper-cased: 100 input and 50 output tokens."""
    return Reply(content=last_user_text(body).upper(), input_tokens=100, output_tokens=50)


@pytest.fixture
def server(llm_server: LlmTestServer) -> LlmTestServer:
    llm_server.set_responder(upper, latency_s=LATENCY_S)
    return llm_server


def items(n: int, prefix: str = "q") -> list[DatasetItem]:
    return [DatasetItem(id=f"{prefix}{i}", input=f"{prefix} {i}") for i in range(n)]


def variant(server: LlmTestServer, **kwargs: Any) -> Variant:
    return Variant(name="v", model="local-model", api_base=server.url, **kwargs)


def runner_for(server: LlmTestServer, **settings: Any) -> EvalRunner:
    settings.setdefault("retry_backoff_s", 0.0)
    settings.setdefault("timeout_s", 5.0)
    return EvalRunner(LlmClient(api_base=server.url, api_key=KEY), RunSettings(**settings))


class DictCache:
    def __init__(self) -> None:
        self.entries: dict[str, CachedResponse] = {}

    def get(self, key: str) -> CachedResponse | None:
        return self.entries.get(key)

    def put(self, key: str, response: CachedResponse) -> None:
        self.entries[key] = response


def run(
    runner: EvalRunner, v: Variant, data: list[DatasetItem], **kwargs: Any
) -> tuple[RunOutcome, list[Sample]]:
    landed: list[Sample] = []
    outcome = runner.run(v, data, on_sample=landed.append, **kwargs)
    return outcome, landed


class _TickingClock:
    """The runner's `time` module, except that each perf_counter reading is 20 ms after the
    last: the progress throttle is seen on the runner's own clock, with no real one read."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 0.02
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def test_every_item_is_answered_and_the_concurrency_limit_holds(
    server: LlmTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12 items at concurrency 3: 12 samples, never more than 3 requests at the server, and
    progress at most every 50 ms (20 a second) plus the final report."""
    reports: list[RunProgress] = []
    stamps: list[float] = []
    clock = _TickingClock()
    monkeypatch.setattr("core.runner.time", clock)

    def report(progress: RunProgress) -> None:
        reports.append(progress)
        stamps.append(clock.now)  # the reading the runner's report was made at

    outcome, samples = run(
        runner_for(server, concurrency=3), variant(server), items(12), progress=report
    )

    assert sorted(s.item_id for s in samples) == sorted(f"q{i}" for i in range(12))
    assert all(s.output == s.item_id.replace("q", "Q ") for s in samples)
    assert all((s.input_tokens, s.output_tokens, s.attempts) == (100, 50, 1) for s in samples)
    assert 1 < server.max_in_flight <= 3
    assert (outcome.status, outcome.done, outcome.total, outcome.errors) == ("completed", 12, 12, 0)
    final = reports[-1]
    assert (final.done, final.total, final.seconds_left) == (12, 12, 0.0)
    assert [r.done for r in reports] == sorted(r.done for r in reports), "progress never goes back"
    assert all(b - a >= 0.05 for a, b in zip(stamps[:-2], stamps[1:-1], strict=True))
    assert len(reports) < 13, "not one report per sample"


def test_a_429_is_retried_after_its_retry_after(server: LlmTestServer) -> None:
    server.fail(Reply(status=429, error_message="slow down", retry_after_s=0.2), first=1)
    outcome, (sample,) = run(runner_for(server), variant(server), items(1))
    assert (sample.ok, sample.output, sample.attempts) == (True, "Q 0", 2)
    assert server.served == 2
    assert sample.latency_ms >= 200, "the 0.2 s Retry-After is part of what the user waited"
    assert outcome.status == "completed"


def test_a_500_is_retried_and_a_400_is_not(server: LlmTestServer) -> None:
    server.fail(Reply(status=500, error_message="GPU on fire"), first=1)
    server.fail(Reply(status=400, error_message="bad prompt"), matching="bad")
    data = [DatasetItem(id="good", input="fine"), DatasetItem(id="bad", input="bad one")]
    _, samples = run(runner_for(server, concurrency=1), variant(server), data)
    by_id = {s.item_id: s for s in samples}
    assert (by_id["good"].output, by_id["good"].attempts) == ("FINE", 2)
    assert by_id["bad"].error is not None and "bad prompt" in by_id["bad"].error
    assert by_id["bad"].attempts == 1, "a 4xx is the request's fault: retrying cannot help"
    assert server.served == 3


def test_a_timeout_is_retried_then_reported(server: LlmTestServer) -> None:
    server.fail(Reply(content="too late", delay_s=1.5), first=1)
    _, (sample,) = run(runner_for(server, timeout_s=0.3), variant(server), items(1))
    assert (sample.output, sample.attempts) == ("Q 0", 2)

    server.fail(Reply(content="too late", delay_s=1.5), matching="slow")
    data = [DatasetItem(id="s", input="slow")]
    _, (failed,) = run(runner_for(server, timeout_s=0.3, max_retries=1), variant(server), data)
    assert failed.error == "The model did not answer within 0.3 s (after 2 attempts)."
    assert failed.attempts == 2


def test_the_requests_per_minute_limit_holds(server: LlmTestServer) -> None:
    """120 rpm = 2 a second with a bucket of 2: any k requests span at least (k - 2) / 2 s.

    Allowing one request of slack for arrival jitter, k arrivals within t seconds need
    k <= 3 + 2t. Without the limit all 6 arrive within ~0.1 s: 6 > 3 + 0.2, so the test fails.
    """
    run(runner_for(server, concurrency=6, requests_per_minute=120), variant(server), items(6))
    times = sorted(r.received_at for r in server.recorded)
    assert len(times) == 6
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            assert j - i + 1 <= 3 + 2 * (times[j] - times[i])


def test_the_tokens_per_minute_limit_holds(server: LlmTestServer) -> None:
    """6,000 tpm = 100 tokens a second, a bucket of 100. Each request is estimated at
    ceil(3 characters / 4) = 1 input + 99 max_tokens = 100 tokens before it is sent (and
    corrected to the 150 it used after), so k requests within t seconds need
    100k <= 100 + 100t, plus one request of slack for arrival jitter: k <= 2 + t.
    Without the limit all 4 arrive within ~0.1 s: 4 > 2.1, so the test fails."""
    runner = runner_for(server, concurrency=4, tokens_per_minute=6000)
    outcome, samples = run(runner, variant(server, max_tokens=99), items(4))
    assert len(samples) == 4 and outcome.status == "completed"
    times = sorted(r.received_at for r in server.recorded)
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            assert j - i + 1 <= 2 + (times[j] - times[i])


def test_cancel_keeps_what_finished_and_resume_runs_only_the_rest(
    server: LlmTestServer,
) -> None:
    data = items(20)
    runner = runner_for(server, concurrency=2)
    stored: list[Sample] = []

    def store(sample: Sample) -> None:
        stored.append(sample)

    outcome = runner.run(variant(server), data, on_sample=store, cancelled=lambda: len(stored) >= 4)
    assert outcome.status == "cancelled"
    assert 4 <= len(stored) < 20
    assert outcome.done == len(stored)
    assert "not run" in outcome.stop_reason
    first_ids = [s.item_id for s in stored]
    sent_before = len(server.requests)

    resumed: list[Sample] = []
    reports: list[RunProgress] = []
    second = runner.run(
        variant(server), data, on_sample=resumed.append, skip_ids=first_ids, progress=reports.append
    )
    second_ids = [s.item_id for s in resumed]
    assert sorted(first_ids + second_ids) == sorted(i.id for i in data), "all, none twice"
    sent_on_resume = {last_user_text(b) for b in server.requests[sent_before:]}
    assert sent_on_resume == {f"q {i[1:]}" for i in second_ids}
    assert second.status == "completed"
    assert (second.done, second.total) == (20, 20)
    assert reports[0].done >= len(first_ids), "resumed items count as done from the start"


def test_cache_hits_cost_nothing_and_send_nothing(server: LlmTestServer) -> None:
    """Each answer: 100 x $1e-6 + 50 x $2e-6 = $0.0002; 3 answers = $0.0006. A failure (the
    poisoned item) is not cached, so the second run asks for it again."""
    server.fail(Reply(status=500, error_message="poisoned"), matching="poison")
    data = [*items(3), DatasetItem(id="p", input="poison")]
    cache = DictCache()
    runner = runner_for(server, max_retries=0)
    first, samples = run(runner, variant(server), data, cache=cache, prices=(1e-6, 2e-6))
    assert first.spend_usd == pytest.approx(0.0006)
    assert len(cache.entries) == 3
    assert server.served == 4

    second, again = run(runner, variant(server), data, cache=cache, prices=(1e-6, 2e-6))
    hits = [s for s in again if s.cached]
    assert sorted(s.item_id for s in hits) == ["q0", "q1", "q2"]
    assert all(s.cost_usd == 0 and s.cached_cost_usd == pytest.approx(0.0002) for s in hits)
    assert {s.item_id: s.output for s in hits} == {"q0": "Q 0", "q1": "Q 1", "q2": "Q 2"}
    assert server.served == 5, "only the uncached failure was sent again"
    assert (second.cached, second.errors, second.spend_usd) == (3, 1, 0.0)


def test_the_spend_cap_stops_new_requests(server: LlmTestServer) -> None:
    """At $1e-3 per input token each answer costs 100 x $0.001 = $0.10. With one request at a
    time and a $0.25 cap: $0.10, $0.20, $0.30 >= $0.25, so exactly 3 of 10 items run."""
    runner = runner_for(server, concurrency=1, spend_cap_usd=0.25)
    outcome, samples = run(runner, variant(server), items(10), prices=(1e-3, 0.0))
    assert len(samples) == 3
    assert server.served == 3
    assert outcome.status == "spend_cap"
    assert outcome.spend_usd == pytest.approx(0.30)
    assert "$0.3000 spent of the $0.2500 cap" in outcome.stop_reason
    assert "3 of 10 items done, 7 not run" in outcome.stop_reason


def test_an_item_missing_a_placeholder_becomes_an_error_sample(server: LlmTestServer) -> None:
    data = [
        DatasetItem(id="ok", input="a", fields={"topic": "maths"}),
        DatasetItem(id="no-topic", input="b"),
    ]
    v = variant(server, prompt_template="{topic}: {input}", system_prompt="Be brief.")
    outcome, samples = run(runner_for(server), v, data)
    by_id = {s.item_id: s for s in samples}
    assert by_id["ok"].output == "MATHS: A"
    assert (
        by_id["no-topic"].error
        == "Item 'no-topic' has no field 'topic' used in the prompt template."
    )
    assert by_id["no-topic"].attempts == 0
    assert server.served == 1, "nothing is sent for an item that cannot be rendered"
    assert server.requests[0]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert server.requests[0]["max_tokens"] == 256
    assert (outcome.status, outcome.errors) == ("partial", 1)


def test_the_key_never_reaches_a_sample(server: LlmTestServer) -> None:
    server.fail(Reply(status=401, error_message=f"Invalid key {KEY}"), matching="x")
    _, (sample,) = run(runner_for(server), variant(server), [DatasetItem(id="1", input="x")])
    assert sample.error is not None
    assert KEY not in sample.model_dump_json()
    assert "[hidden key]" in sample.error
    assert server.recorded[0].headers["authorization"] == f"Bearer {KEY}"


def test_every_request_failing_is_a_failed_run(llm_server: LlmTestServer) -> None:
    llm_server.set_default(Reply(status=500, error_message="down"))
    outcome, samples = run(runner_for(llm_server, max_retries=0), variant(llm_server), items(3))
    assert len(samples) == 3 and all(not s.ok for s in samples)
    assert outcome.status == "failed"
    assert outcome.stop_reason.startswith("Every one of the 3 requests failed")


def test_a_storage_failure_stops_the_run_without_raising(server: LlmTestServer) -> None:
    def broken(sample: Sample) -> None:
        raise OSError("disk full")

    outcome = runner_for(server, concurrency=1).run(variant(server), items(5), on_sample=broken)
    assert outcome.status == "failed"
    assert "could not be stored (disk full)" in outcome.stop_reason
    assert server.served == 1


def test_request_key_covers_the_request_and_never_the_key(server: LlmTestServer) -> None:
    item = DatasetItem(id="1", input="hello")
    v = variant(server)
    key = request_key(LlmClient(api_base=server.url, api_key=KEY), v, item)
    assert key == request_key(LlmClient(api_base=server.url, api_key="other"), v, item)
    assert key == request_key("openai/local-model", v, item)
    assert len(key) == 64
    changed = [
        v.model_copy(update={"system_prompt": "Be brief."}),
        v.model_copy(update={"temperature": 0.5}),
        v.model_copy(update={"max_tokens": 10}),
        v.model_copy(update={"api_base": "http://127.0.0.1:1/v1"}),
    ]
    keys = {request_key("openai/local-model", c, item) for c in changed}
    assert len(keys | {key}) == 5
    assert request_key("openai/other-model", v, item) != key
    assert request_key("openai/local-model", v, DatasetItem(id="1", input="bye")) != key


def test_cost_estimate_by_hand() -> None:
    """Prompts of 8, 9 and 1 characters (system prompt none) = ceil(8/4) + ceil(9/4) +
    ceil(1/4) = 2 + 3 + 1 = 6 input tokens; 3 x 100 max_tokens = 300 output tokens;
    6 x $1e-6 + 300 x $2e-6 = $0.000606. Expecting 10 output tokens: 30, $0.000066."""
    v = Variant(name="v", model="m", max_tokens=100, prompt_template="{input}{extra}")
    data = [
        DatasetItem(id="a", input="abcdefgh", fields={"extra": ""}),
        DatasetItem(id="b", input="abcdefgh", fields={"extra": "i"}),
        DatasetItem(id="c", input="a", fields={"extra": ""}),
        DatasetItem(id="d", input="no extra field"),
    ]
    estimate = estimate_cost(v, data, (1e-6, 2e-6))
    assert (estimate.requests, estimate.input_tokens, estimate.output_tokens) == (3, 6, 300)
    assert estimate.usd == pytest.approx(0.000606)
    assert estimate.unrenderable == 1
    assert "4 characters per token" in estimate.basis
    expected = estimate_cost(v, data, (1e-6, 2e-6), expected_output_tokens=10)
    assert (expected.output_tokens, expected.usd) == (30, pytest.approx(0.000066))
    unknown = estimate_cost(v, data, None)
    assert unknown.usd is None
    assert "No price is known" in unknown.basis


def test_cancel_does_not_wait_for_a_request_in_flight(server: LlmTestServer) -> None:
    """The one request sleeps 3 s at the server; the cancel comes as soon as it has arrived.
    The run returns while the server has still answered nothing."""
    server.fail(Reply(content="late", delay_s=3.0), first=1)
    outcome, samples = run(
        runner_for(server),
        variant(server),
        items(1),
        cancelled=lambda: len(server.recorded) >= 1,
    )
    assert (outcome.status, samples) == ("cancelled", [])
    assert server.served == 0
    assert outcome.stop_reason == "Cancelled; 0 of 1 items done, 1 not run."
