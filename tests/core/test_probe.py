"""The latency probe against the streaming test server (issue 17, "Latency: measured").

The server streams at a known first-token delay and token rate; the probe's p50s must land
within 15% of them: that accuracy is the feature, so it is the one timing assertion here. The
stall and cancel tests read no clock: they assert what was reported, and that the server was
still holding the stream when the client let go.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from core import evidence
from core.catalog import ModelInfo
from core.llm import LlmClient, StreamedCompletion
from core.probe import (
    WARMUP_INPUT_TOKENS,
    WARMUP_OUTPUT_TOKENS,
    ProbeProgress,
    ProbeResult,
    ProbeSample,
    ProbeSettings,
    estimate_cost,
    probe_details,
    probe_messages,
    run_probe,
    sample_from,
)
from tests.llm_server import LlmTestServer, Reply

# The client adds its own few milliseconds to every first token (litellm builds each request);
# 400 ms keeps them well inside the 15% a busy test machine is allowed.
FIRST_TOKEN_S = 0.4
TOKENS_PER_S = 50.0


def _stream(**extra: object) -> Reply:
    return Reply(first_token_s=FIRST_TOKEN_S, tokens_per_s=TOKENS_PER_S, input_tokens=321, **extra)


def test_the_probe_measures_the_servers_first_token_delay_and_rate_within_15_percent(
    llm_server: LlmTestServer,
) -> None:
    llm_server.set_default(_stream())
    settings = ProbeSettings(requests=5, input_tokens=300, output_tokens=20, deadline_s=30)
    seen: list[ProbeProgress] = []

    result = run_probe(LlmClient(api_base=llm_server.url), "m", settings, progress=seen.append)

    assert [p.done for p in seen] == [1, 2, 3, 4, 5]
    assert all(p.total == 5 for p in seen)
    assert result.stopped is None and not result.failures
    profile = result.profile()
    assert profile is not None
    assert profile.ttft_ms == pytest.approx(FIRST_TOKEN_S * 1000, rel=0.15)
    assert profile.output_tokens_per_second == pytest.approx(TOKENS_PER_S, rel=0.15)
    # The slow tail is never better than the median.
    assert profile.ttft_p95_ms is not None and profile.ttft_p95_ms >= profile.ttft_ms
    assert profile.output_tokens_per_second_p95 is not None
    assert profile.output_tokens_per_second_p95 <= profile.output_tokens_per_second
    assert profile.source == "measured"
    assert (profile.input_tokens, profile.output_tokens, profile.requests) == (321, 20, 5)
    assert all(s.output_tokens == 20 for s in result.samples)


def test_the_requests_stream_with_usage_and_ask_for_exactly_the_output_tokens(
    llm_server: LlmTestServer,
) -> None:
    llm_server.set_default(Reply(input_tokens=5))
    settings = ProbeSettings(requests=3, input_tokens=400, output_tokens=30)

    run_probe(LlmClient(api_base=llm_server.url), "m", settings)

    warmup, *measured = llm_server.requests
    assert warmup["max_tokens"] == WARMUP_OUTPUT_TOKENS
    assert len(measured) == 3
    for body in measured:
        assert body["stream"] is True
        assert body["stream_options"] == {"include_usage": True}
        assert body["max_tokens"] == 30
        assert body["messages"] == probe_messages(400)


def test_the_prompt_is_about_the_asked_size_in_one_token_words() -> None:
    text = probe_messages(1000)[0]["content"]
    words = len(text.split())
    # The instruction plus one filler word per token beyond it.
    assert 950 <= words <= 1050
    assert probe_messages(10)[0]["content"].count("\n") == 0


def test_a_stalled_stream_ends_at_the_deadline_and_is_reported(llm_server: LlmTestServer) -> None:
    llm_server.reply(Reply("warm"))  # the warm-up answers
    llm_server.set_default(_stream(stall_after=3))
    settings = ProbeSettings(requests=2, output_tokens=20, deadline_s=0.5)

    result = run_probe(LlmClient(api_base=llm_server.url), "m", settings)

    assert len(result.samples) == 2 and not result.measured
    message = result.samples[0].error or ""
    assert "did not finish within the deadline of 0.5 s" in message
    assert "3 text chunks received" in message
    assert result.profile() is None
    assert "2 requests failed" in result.summary_lines()


def test_a_refused_request_stops_the_probe_with_the_servers_reason(
    llm_server: LlmTestServer,
) -> None:
    llm_server.set_default(Reply(status=404, error_message="no such model"))
    result = run_probe(
        LlmClient(api_base=llm_server.url), "m", ProbeSettings(requests=4, output_tokens=5)
    )

    assert result.samples == []
    assert result.stopped is not None and result.stopped.startswith("The probe stopped:")
    assert "no such model" in result.stopped
    assert llm_server.served == 1  # nothing more after the warm-up was refused


def test_cancel_ends_a_stalled_stream_and_keeps_what_was_measured(
    llm_server: LlmTestServer,
) -> None:
    llm_server.set_default(_stream(stall_after=2))
    llm_server.reply(Reply("warm"))
    llm_server.reply(Reply(first_token_s=0.0, tokens_per_s=0.0))
    cancel = threading.Event()

    def on_progress(progress: ProbeProgress) -> None:
        # The second request stalls; cancel once it has reached the server.
        threading.Thread(target=_cancel_when_stalled, args=(llm_server, cancel)).start()

    result = run_probe(
        LlmClient(api_base=llm_server.url),
        "m",
        ProbeSettings(requests=5, output_tokens=10, deadline_s=600),
        cancelled=cancel.is_set,
        progress=on_progress,
    )

    assert result.cancelled
    assert result.stopped == "Cancelled after 1 of 5 requests."
    assert len(result.measured) == 1
    assert len(llm_server.requests) == 3


def _cancel_when_stalled(server: LlmTestServer, cancel: threading.Event) -> None:
    # Three requests have arrived: the warm-up, the first measured one, the stalled one.
    while len(server.recorded) < 3:
        threading.Event().wait(0.01)
    cancel.set()


def test_the_estimate_prices_every_request_at_full_size_plus_the_warm_up() -> None:
    model = ModelInfo(id="m", provider="p", input_cost_per_token=1e-6, output_cost_per_token=4e-6)
    settings = ProbeSettings(requests=5, input_tokens=1000, output_tokens=200)
    # 5 x (1000 x 1e-6 + 200 x 4e-6) = 5 x 0.0018 = 0.009; warm-up 12 x 1e-6 + 1 x 4e-6.
    warmup = WARMUP_INPUT_TOKENS * 1e-6 + WARMUP_OUTPUT_TOKENS * 4e-6
    assert estimate_cost(model, settings) == pytest.approx(0.009 + warmup)
    assert estimate_cost(None, settings) is None


def _reply(times: list[float], output_tokens: int, total_s: float = 1.0) -> StreamedCompletion:
    return StreamedCompletion(
        content="x",
        input_tokens=7,
        output_tokens=output_tokens,
        chunk_times_s=times,
        total_s=total_s,
        usage_reported=True,
    )


def test_speed_counts_the_tokens_after_the_first_chunk_over_the_time_after_it() -> None:
    # Five chunks of two tokens each: 8 tokens after the first chunk, in 0.4 s.
    sample = sample_from(1, _reply([0.25, 0.35, 0.45, 0.55, 0.65], 10))
    assert sample.ttft_ms == pytest.approx(250)
    assert sample.output_tokens_per_second == pytest.approx(8 / 0.4)
    # One chunk: a first token, no speed.
    single = sample_from(2, _reply([0.3], 1))
    assert single.ttft_ms == pytest.approx(300) and single.output_tokens_per_second is None
    assert sample_from(3, _reply([], 0)).error == "the reply carried no text"


def test_the_p95s_are_the_slow_tail_for_both_figures() -> None:
    settings = ProbeSettings(requests=5)
    samples = [
        ProbeSample(i + 1, ttft_ms=t, output_tokens_per_second=v, input_tokens=990 + i)
        for i, (t, v) in enumerate([(100, 50), (200, 40), (300, 30), (400, 20), (500, 10)])
    ]
    result = ProbeResult("m", settings, samples)
    profile = result.profile()
    assert profile is not None
    # percentile([100..500], 95) = 400 + 0.8 x 100; the speed's 5th = 10 + 0.2 x 10.
    assert (profile.ttft_ms, profile.ttft_p95_ms) == (300, pytest.approx(480))
    assert (profile.output_tokens_per_second, profile.output_tokens_per_second_p95) == (
        30,
        pytest.approx(12),
    )
    assert profile.input_tokens == 992
    assert "time to first token: p50 300 ms, p95 480 ms (5 requests)" in result.summary_lines()
    details = probe_details(profile)
    assert details is not None and details.startswith("p95: first token 480 ms, 12.0 tokens/s")


def test_the_provenance_of_a_probed_profile_names_the_requests_and_their_size() -> None:
    profile = ProbeResult(
        "m",
        ProbeSettings(requests=2, output_tokens=200),
        [
            ProbeSample(1, ttft_ms=300, output_tokens_per_second=50, input_tokens=1000),
            ProbeSample(2, ttft_ms=300, output_tokens_per_second=50, input_tokens=1000),
        ],
        date=dt.date(2026, 12, 3),
    ).profile()
    model = ModelInfo(
        id="m", provider="p", input_cost_per_token=0, output_cost_per_token=0, latency=profile
    )
    (row,) = evidence.provenance_rows(evidence.Evidence(models=[model], read=True))
    assert row.latency == (
        "300 ms to first token + 50 tokens/s (measured, p50s of 2 streamed requests of about "
        "1,000 input and 200 output tokens, 2026-12-03)"
    )
