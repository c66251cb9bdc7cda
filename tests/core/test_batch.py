"""The Batch API run's pure parts: request lines, batch prices, results read back as samples."""

from __future__ import annotations

import json

import pytest

from core.batch import (
    BatchError,
    BatchPrices,
    batch_model,
    batch_prices,
    estimate_batch,
    parse_results,
    request_lines,
    run_status,
)
from core.catalog import ModelInfo
from core.evaluation import DatasetItem, Variant
from core.runner import estimate_cost

ITEMS = [
    DatasetItem(id="q1", input="What is 2+2?", expected="4"),
    DatasetItem(id="q2", input="Capital of France?", expected="Paris"),
    DatasetItem(id="q3", input="Colour of the sky?", expected="blue"),
]


def _variant(**changes: object) -> Variant:
    base = {
        "name": "v",
        "model": "gpt-4o-mini",
        "prompt_template": "Q: {input}",
        "system_prompt": "Be brief.",
        "temperature": 0.2,
        "max_tokens": 16,
    }
    return Variant.model_validate({**base, **changes})


def _line(custom_id: str, content: str | None = "ok", status: int = 200, **usage: int) -> bytes:
    body = {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": usage.get("p", 10), "completion_tokens": usage.get("c", 2)},
    }
    record = {"custom_id": custom_id, "response": {"status_code": status, "body": body}}
    return (json.dumps(record) + "\n").encode()


def test_request_lines_are_the_runners_requests_keyed_by_item_id() -> None:
    data = request_lines(_variant(), ITEMS)
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert [line["custom_id"] for line in lines] == ["q1", "q2", "q3"]
    first = lines[0]
    assert first["method"] == "POST" and first["url"] == "/v1/chat/completions"
    assert first["body"] == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Q: What is 2+2?"},
        ],
        "temperature": 0.2,
        "max_tokens": 16,
    }


def test_no_key_goes_into_the_file() -> None:
    variant = _variant(api_base="http://user:sk-secret-123@127.0.0.1:9/v1")
    assert b"sk-secret-123" not in request_lines(variant, ITEMS)
    assert b"api_key" not in request_lines(variant, ITEMS)


def test_model_names_a_batch_api_serves() -> None:
    assert batch_model(_variant(model="openai/gpt-4o")) == "gpt-4o"
    assert batch_model(_variant(model="gpt-4o")) == "gpt-4o"
    # An OpenAI-compatible server takes whatever name it serves.
    assert batch_model(_variant(model="org/llama", api_base="http://127.0.0.1:9/v1")) == "org/llama"
    with pytest.raises(BatchError, match="not an OpenAI model"):
        batch_model(_variant(model="anthropic/claude-3-5-haiku"))


def _model(**prices: float | None) -> ModelInfo:
    return ModelInfo(
        id="m",
        provider="openai",
        input_cost_per_token=2e-6,
        output_cost_per_token=8e-6,
        **prices,
    )


def test_batch_prices_from_the_catalog_else_half_the_real_time_price() -> None:
    listed = batch_prices(
        _model(input_cost_per_token_batch=1.25e-6, output_cost_per_token_batch=5e-6), (2e-6, 8e-6)
    )
    assert listed == BatchPrices(1.25e-6, 5e-6, "the catalog's batch price")
    halved = batch_prices(_model(), (2e-6, 8e-6))
    assert halved is not None
    assert halved.pair == pytest.approx((1e-6, 4e-6))
    assert halved.basis.startswith("50% of the real-time price")
    # A local server's model: no price anywhere.
    assert batch_prices(None, None) is None


def test_estimate_shows_both_costs() -> None:
    """Tokens: "Be brief." (9 chars) + "Q: What is 2+2?" (15) = 24 chars -> 6 tokens;
    9 + "Q: Capital of France?" (21) = 30 -> 8; 9 + "Q: Colour of the sky?" (21) -> 8.
    22 input tokens, 3 x 16 = 48 output tokens.
    Real time at $2/$8 per million: 22 x 2e-6 + 48 x 8e-6 = 0.000044 + 0.000384 = $0.000428.
    Batch at half: 22 x 1e-6 + 48 x 4e-6 = 0.000022 + 0.000192 = $0.000214."""
    realtime = estimate_cost(_variant(), ITEMS, (2e-6, 8e-6))
    assert (realtime.input_tokens, realtime.output_tokens) == (22, 48)
    estimate = estimate_batch(realtime, batch_prices(_model(), (2e-6, 8e-6)))
    assert realtime.usd == pytest.approx(0.000428)
    assert estimate.batch_usd == pytest.approx(0.000214)
    assert estimate.saving_usd == pytest.approx(0.000214)
    assert "Real time about $0.000428" in estimate.text()
    assert "Batch API about $0.000214 (50% of the real-time price" in estimate.text()
    unknown = estimate_batch(estimate_cost(_variant(), ITEMS, None), None)
    assert unknown.batch_usd is None and "unknown cost" in unknown.text()


def test_results_become_samples_with_batch_prices() -> None:
    """q1: 10 input and 2 output tokens at $1/$4 per million: 10e-6 + 8e-6 = $0.000018.
    q2: 20 and 5: 20e-6 + 20e-6 = $0.00004."""
    output = _line("q1", "4", p=10, c=2) + _line("q2", "Paris", p=20, c=5)
    errors = (
        json.dumps(
            {
                "custom_id": "q3",
                "response": {
                    "status_code": 500,
                    "body": {"error": {"message": "server fell over", "type": "server_error"}},
                },
                "error": None,
            }
        )
        + "\n"
    ).encode()
    results = parse_results(
        output, errors, ["q1", "q2", "q3"], BatchPrices(1e-6, 4e-6, "x"), not_run="never ran"
    )
    by_id = {s.item_id: s for s in results.samples}
    assert by_id["q1"].output == "4" and by_id["q1"].cost_usd == pytest.approx(0.000018)
    assert (by_id["q2"].input_tokens, by_id["q2"].output_tokens) == (20, 5)
    assert by_id["q2"].cost_usd == pytest.approx(0.00004)
    assert by_id["q3"].error == "The batch request failed (HTTP 500: server fell over)"
    assert (results.answered, results.failed, results.unread) == (2, 1, 0)


def test_expired_and_missing_items_are_errors_a_resume_reruns() -> None:
    output = _line("q1")
    errors = (
        json.dumps(
            {
                "custom_id": "q2",
                "response": None,
                "error": {"code": "batch_expired", "message": "Not executed before expiry."},
            }
        )
        + "\n"
    ).encode()
    results = parse_results(output, errors, ["q1", "q2", "q3"], None, not_run="never ran")
    assert [s.error for s in results.samples] == [
        None,
        "batch_expired: Not executed before expiry.",
        "never ran",
    ]
    assert results.samples[0].cost_usd == 0.0


def test_bad_lines_are_reported_not_stored() -> None:
    output = b"not json\n" + _line("stranger") + _line("q1", content=None)
    output += _line("q2", p=-1)
    results = parse_results(output, None, ["q1", "q2"], None, not_run="never ran")
    assert results.unread == 2 and len(results.problems) == 2
    assert results.samples[0].output == "" and results.samples[0].error is None
    assert "malformed" in (results.samples[1].error or "")


def test_an_oversized_reply_is_refused() -> None:
    results = parse_results(
        _line("q1", "x" * 100), None, ["q1"], None, not_run="-", max_reply_bytes=99
    )
    assert "exceeds the 99 bytes" in (results.samples[0].error or "")


@pytest.mark.parametrize(
    ("batch", "answered", "status"),
    [
        ("completed", 3, "completed"),
        ("completed", 2, "partial"),
        ("expired", 1, "partial"),
        ("failed", 0, "failed"),
        ("cancelled", 0, "cancelled"),
    ],
)
def test_run_status_by_what_was_stored(batch: str, answered: int, status: str) -> None:
    got, reason = run_status(batch, answered, 3)
    assert got == status
    assert f"{answered:,} of 3 items answered" in reason
    assert ("Resume the run" in reason) == (answered < 3)
