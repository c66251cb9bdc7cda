"""Latency probe operations: the plan (model check, estimate, key check), the run against the
streaming test server, and the stored profile read back through the user's catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import Catalog, LatencyProfile, ModelInfo
from core.probe import ProbeResult, ProbeSample, ProbeSettings
from operations import probe as ops
from operations.catalog import user_catalog
from storage import CatalogStore
from tests.llm_server import LlmTestServer, Reply

PUBLIC = Catalog(
    [
        ModelInfo(
            id="gpt-small", provider="openai", input_cost_per_token=1e-7, output_cost_per_token=4e-7
        ),
        ModelInfo(
            id="local-llama", provider="custom", input_cost_per_token=0, output_cost_per_token=0
        ),
    ],
    source="test map",
)
SETTINGS = ProbeSettings(requests=3, input_tokens=100, output_tokens=8, deadline_s=30)


def test_the_plan_states_the_estimate_and_refuses_an_unknown_model() -> None:
    plan = ops.plan_probe(PUBLIC, "gpt-small", SETTINGS, api_base="http://127.0.0.1:9/v1")
    assert plan.estimate_usd == pytest.approx(3 * (100e-7 + 8 * 4e-7) + 12e-7 + 4e-7)
    text = plan.describe()
    assert "3 streamed requests of about 100 input and 8 output tokens" in text
    assert "estimated cost $0.0000" in text
    assert plan.refusal is None  # a base URL may need no key

    with pytest.raises(ops.ProbeError, match="did you mean gpt-small"):
        ops.plan_probe(PUBLIC, "gpt-smal", SETTINGS)


def test_a_provider_model_without_its_key_is_refused_before_any_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    openai = Catalog(
        [
            ModelInfo(
                id="gpt-4o-mini",
                provider="openai",
                input_cost_per_token=1.5e-7,
                output_cost_per_token=6e-7,
            )
        ]
    )
    plan = ops.plan_probe(openai, "gpt-4o-mini", SETTINGS)
    assert plan.refusal is not None and "OPENAI_API_KEY" in plan.refusal
    with pytest.raises(ops.ProbeError, match="not started"):
        ops.run(plan)


def test_a_probe_is_stored_as_the_models_measured_latency_profile(
    tmp_path: Path, llm_server: LlmTestServer
) -> None:
    llm_server.set_default(Reply(input_tokens=97))
    plan = ops.plan_probe(PUBLIC, "local-llama", SETTINGS, api_base=llm_server.url)
    result = ops.run(plan)
    db = tmp_path / "aidf.sqlite3"
    with CatalogStore(db) as store:
        saved = ops.save(store, result)

    assert saved is not None
    model = user_catalog(db, PUBLIC).get("local-llama")
    assert model.latency == saved
    assert model.latency.source == "measured"
    assert (model.latency.input_tokens, model.latency.output_tokens) == (97, 8)
    assert model.latency.requests == 3
    assert model.latency.ttft_p95_ms is not None
    assert model.latency.output_tokens_per_second_p95 is not None


def test_a_cancelled_or_empty_probe_stores_nothing(tmp_path: Path) -> None:
    measured = ProbeSample(1, ttft_ms=100, output_tokens_per_second=50, output_tokens=8)
    cancelled = ProbeResult("local-llama", SETTINGS, [measured], cancelled=True)
    failed = ProbeResult("local-llama", SETTINGS, [ProbeSample(1, error="stalled")])
    db = tmp_path / "aidf.sqlite3"
    with CatalogStore(db) as store:
        assert ops.save(store, cancelled) is None
        assert ops.save(store, failed) is None
        assert store.user_data().latency == {}


def test_an_entered_profile_reads_back_without_the_probes_figures(tmp_path: Path) -> None:
    with CatalogStore(tmp_path / "aidf.sqlite3") as store:
        store.set_latency("gpt-small", LatencyProfile(ttft_ms=300, output_tokens_per_second=80))
        profile = store.user_data().latency["gpt-small"]
    assert profile.ttft_p95_ms is None and profile.requests is None


def test_a_key_written_into_the_base_url_is_never_shown() -> None:
    plan = ops.plan_probe(
        PUBLIC, "gpt-small", SETTINGS, api_base="http://bob:sk-secret-1@gw.local/v1?api-key=sk-2"
    )
    text = plan.describe()
    assert "sk-secret-1" not in text and "sk-2" not in text
    assert "at http://[hidden]@gw.local/v1?api-key=[hidden]" in text
