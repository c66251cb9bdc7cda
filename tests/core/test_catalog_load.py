"""Loading litellm's price map without importing litellm, and the snapshot cache around it."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import core.catalog as catalog_module
from core.catalog import (
    SNAPSHOT_FORMAT,
    Catalog,
    CatalogError,
    CatalogUserData,
    ModelInfo,
    PriceOverride,
    apply_user_data,
    litellm_price_map,
    load_catalog,
    parse_price_map,
    snapshot_path,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def raw_price_map() -> dict[str, Any]:
    path, _ = litellm_price_map()
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts parses of a price map: a snapshot hit parses nothing."""
    calls: list[int] = []
    real = catalog_module.parse_price_map

    def counting(data: Any) -> list[ModelInfo]:
        calls.append(1)
        return real(data)

    monkeypatch.setattr(catalog_module, "parse_price_map", counting)
    return calls


def _entry(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 1e-6,
        "output_cost_per_token": 2e-6,
    }
    base.update(fields)
    return base


def _write_map(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# Parsing the real, installed price map


def test_gpt_4o_mini_matches_its_raw_entry(raw_price_map: dict[str, Any], tmp_path: Path) -> None:
    """Prices are read from the raw JSON rather than hard-coded, so a litellm upgrade that
    reprices the model does not break the test; the field mapping is what is checked."""
    raw = raw_price_map["gpt-4o-mini"]
    model = load_catalog(tmp_path).get("gpt-4o-mini")
    assert model.provider == raw["litellm_provider"]
    assert model.input_cost_per_token == raw["input_cost_per_token"]
    assert model.output_cost_per_token == raw["output_cost_per_token"]
    assert model.input_cost_per_token_batch == raw["input_cost_per_token_batches"]
    assert model.output_cost_per_token_batch == raw["output_cost_per_token_batches"]
    assert model.cache_read_input_token_cost == raw["cache_read_input_token_cost"]
    assert model.max_input_tokens == raw["max_input_tokens"]
    assert model.max_output_tokens == raw["max_output_tokens"]
    assert model.supports_function_calling is bool(raw.get("supports_function_calling"))
    assert model.supports_vision is bool(raw.get("supports_vision"))
    if raw.get("deprecation_date"):
        assert model.deprecation_date == dt.date.fromisoformat(raw["deprecation_date"])
    # Batch is cheaper than real time here, as the batch API promises.
    assert model.has_batch
    assert model.input_cost_per_token_batch < model.input_cost_per_token


def test_only_priced_chat_models_are_kept(raw_price_map: dict[str, Any], tmp_path: Path) -> None:
    catalog = load_catalog(tmp_path)
    assert "sample_spec" in raw_price_map and "sample_spec" not in catalog
    chat = {k for k, v in raw_price_map.items() if isinstance(v, dict) and v.get("mode") == "chat"}
    kept = {m.id for m in catalog}
    assert kept <= chat
    assert len(kept) > 2000
    # Every chat entry with two numeric prices is kept; every one without is not.
    priced = {
        k
        for k in chat - {"sample_spec"}
        if all(
            isinstance(raw_price_map[k].get(f), int | float)
            and not isinstance(raw_price_map[k].get(f), bool)
            for f in ("input_cost_per_token", "output_cost_per_token")
        )
    }
    assert kept == priced
    embedding = next(k for k, v in raw_price_map.items() if v.get("mode") == "embedding")
    assert embedding not in catalog


def test_catalog_names_its_source_and_price_date(tmp_path: Path) -> None:
    path, version = litellm_price_map()
    catalog = load_catalog(tmp_path)
    assert catalog.source == f"litellm {version}"
    assert catalog.price_date == dt.date.fromtimestamp(path.stat().st_mtime)


def test_loading_never_imports_litellm(tmp_path: Path) -> None:
    probe = (
        "import sys; from pathlib import Path; from core.catalog import load_catalog; "
        "c = load_catalog(Path(sys.argv[1])); c = load_catalog(Path(sys.argv[1])); "
        "print(len(c), 'litellm' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    count, imported = out.stdout.split()
    assert int(count) > 2000
    assert imported == "False"


def test_missing_litellm_is_a_readable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(CatalogError, match="litellm is not installed"):
        load_catalog()


# Parsing rules, on hand-made entries


def test_malformed_entries_are_skipped_never_raised() -> None:
    data: dict[str, Any] = {
        "sample_spec": _entry(),
        "good": _entry(),
        "embedding": _entry(mode="embedding"),
        "no-mode": {k: v for k, v in _entry().items() if k != "mode"},
        "no-input-price": {k: v for k, v in _entry().items() if k != "input_cost_per_token"},
        "text-price": _entry(output_cost_per_token="2e-6"),
        "bool-price": _entry(input_cost_per_token=True),
        "negative-price": _entry(input_cost_per_token=-1e-6),
        "nan-price": _entry(input_cost_per_token=math.nan),
        "infinite-price": _entry(output_cost_per_token=math.inf),
        "null-price": _entry(input_cost_per_token=None),
        "not-a-dict": ["chat"],
        "": _entry(),
    }
    assert [m.id for m in parse_price_map(data)] == ["good"]


def test_bad_optional_fields_are_dropped_not_the_model() -> None:
    data = {
        "odd": _entry(
            input_cost_per_token_batches="cheap",
            output_cost_per_token_batches=5e-7,
            cache_read_input_token_cost=-1,
            max_input_tokens=128000.0,
            max_output_tokens=12.5,
            supports_function_calling="yes",
            supports_vision=True,
            deprecation_date="date when the model becomes deprecated",
            litellm_provider=None,
        ),
        "dated": _entry(deprecation_date="2026-02-30"),
        "dated-ok": _entry(deprecation_date="2027-01-14", input_cost_per_token=3),
    }
    odd, dated, dated_ok = parse_price_map(data)
    assert odd.input_cost_per_token_batch is None
    assert odd.output_cost_per_token_batch == 5e-7
    assert odd.cache_read_input_token_cost is None
    assert odd.max_input_tokens == 128000 and isinstance(odd.max_input_tokens, int)
    assert odd.max_output_tokens is None
    assert odd.supports_function_calling is False  # only a JSON true counts
    assert odd.supports_vision is True
    assert odd.deprecation_date is None
    assert odd.provider == "unknown"
    assert dated.deprecation_date is None  # not a real day
    assert dated_ok.deprecation_date == dt.date(2027, 1, 14)
    assert dated_ok.input_cost_per_token == 3.0  # an int price is a price


# Price tiers and cached prices


def test_gemini_2_5_pro_tiers_match_its_raw_entry(
    raw_price_map: dict[str, Any], tmp_path: Path
) -> None:
    """The tier prices are read from the raw JSON, so the field mapping is what is checked:
    above 200k input tokens, every price of the request is the `_above_200k_tokens` one."""
    raw = raw_price_map["gemini-2.5-pro"]
    model = load_catalog(tmp_path).get("gemini-2.5-pro")
    (tier,) = model.price_tiers
    assert tier.above_tokens == 200_000
    assert tier.input_cost_per_token == raw["input_cost_per_token_above_200k_tokens"]
    assert tier.output_cost_per_token == raw["output_cost_per_token_above_200k_tokens"]
    assert tier.cache_read_input_token_cost == raw["cache_read_input_token_cost_above_200k_tokens"]
    assert tier.input_cost_per_token_batch == raw["input_cost_per_token_above_200k_tokens_batches"]
    assert (
        tier.output_cost_per_token_batch == raw["output_cost_per_token_above_200k_tokens_batches"]
    )
    assert model.cache_read_input_token_cost == raw["cache_read_input_token_cost"]
    assert model.cache_read_input_token_cost_batch == raw.get("cache_read_input_token_cost_batches")
    assert model.tier_at(200_000) is None  # at the threshold: still the base price
    assert model.tier_at(200_001) == tier


def test_tiers_carry_lower_prices_and_read_thresholds_generically() -> None:
    """Thresholds come from the key (`32k` = 32,000 tokens, `1000` = 1,000, as litellm reads
    them). Walking up, a price a tier does not give is the one below it:
      base            in 1e-6, out 2e-6, cached 5e-7, batch in 4e-7
      above 1,000     in 1.5e-6 (out 2e-6, cached 5e-7 carried; batch in 4e-7 carried)
      above 32,000    out 4e-6, batch in 8e-7 (in 1.5e-6, cached 5e-7 carried)
      above 256,000   cached 9e-7 (in 1.5e-6, out 4e-6, batch in 8e-7 carried)
    Service-tier keys (`_priority`), audio prices and unparseable prices add no tier.
    """
    (model,) = parse_price_map(
        {
            "tiered": _entry(
                cache_read_input_token_cost=5e-7,
                input_cost_per_token_batches=4e-7,
                input_cost_per_token_above_1000_tokens=1.5e-6,
                output_cost_per_token_above_32k_tokens=4e-6,
                input_cost_per_token_above_32k_tokens_batches=8e-7,
                cache_read_input_token_cost_above_256k_tokens=9e-7,
                input_cost_per_token_above_8k_tokens_priority=9.0,
                input_cost_per_audio_token_above_64k_tokens=9.0,
                output_cost_per_token_above_500k_tokens="a lot",
                input_cost_per_token_above_0k_tokens=9.0,
            )
        }
    )
    got = [
        (
            t.above_tokens,
            t.input_cost_per_token,
            t.output_cost_per_token,
            t.cache_read_input_token_cost,
            t.input_cost_per_token_batch,
            t.output_cost_per_token_batch,
        )
        for t in model.price_tiers
    ]
    assert got == [
        (1_000, 1.5e-6, 2e-6, 5e-7, 4e-7, None),
        (32_000, 1.5e-6, 4e-6, 5e-7, 8e-7, None),
        (256_000, 1.5e-6, 4e-6, 9e-7, 8e-7, None),
    ]
    assert model.tier_at(999) is None and model.tier_at(1_000) is None
    assert model.tier_at(1_001) is model.price_tiers[0]
    assert model.tier_at(10_000_000) is model.price_tiers[2]
    # 40,000 input tokens x 1.5e-6 + 100 output tokens x 4e-6 = 0.06 + 0.0004 = 0.0604
    assert model.cost_per_request(40_000, 100) == pytest.approx(0.0604, rel=1e-12)


def test_xai_tiers_apply_from_their_threshold() -> None:
    """litellm bills xAI's higher tier once the prompt reaches the threshold (>=), every other
    provider's above it (>): 200,000 tokens pay xAI's tier and nobody else's."""
    xai, other = parse_price_map(
        {
            "xai/grok": _entry(litellm_provider="xai", input_cost_per_token_above_200k_tokens=2e-6),
            "openai/x": _entry(input_cost_per_token_above_200k_tokens=2e-6),
        }
    )
    assert xai.price_tiers[0].inclusive and not other.price_tiers[0].inclusive
    assert xai.tier_at(200_000) is xai.price_tiers[0] and xai.tier_at(199_999) is None
    assert other.tier_at(200_000) is None


def test_an_override_replaces_its_price_at_every_size() -> None:
    """The user's price is what they pay at every size: a map tier must not bill over it.
    Overriding the input price to 5e-7 leaves the output tier: 300,000 input tokens and 100
    output tokens cost 300,000 x 5e-7 + 100 x 4e-6 = 0.15 + 0.0004 = $0.1504."""
    (model,) = parse_price_map(
        {
            "m": _entry(
                input_cost_per_token_above_128k_tokens=2e-6,
                output_cost_per_token_above_128k_tokens=4e-6,
            )
        }
    )
    catalog = apply_user_data(
        Catalog([model]),
        CatalogUserData(overrides={"m": PriceOverride(input_cost_per_token=5e-7)}),
    )
    merged = catalog.get("m")
    assert merged.input_cost_per_token == 5e-7
    assert [(t.input_cost_per_token, t.output_cost_per_token) for t in merged.price_tiers] == [
        (5e-7, 4e-6)
    ]
    assert merged.cost_per_request(300_000, 100) == pytest.approx(0.1504, rel=1e-12)


# The snapshot cache


def test_second_load_reads_the_snapshot(tmp_path: Path, parse_calls: list[int]) -> None:
    price_map = _write_map(tmp_path / "prices.json", {"a": _entry(), "b": _entry()})
    cache = tmp_path / "cache"
    first = load_catalog(cache, price_map=price_map, litellm_version="1.0")
    second = load_catalog(cache, price_map=price_map, litellm_version="1.0")
    assert parse_calls == [1]
    assert [m.model_dump() for m in second] == [m.model_dump() for m in first]
    assert second.source == "litellm 1.0"
    assert snapshot_path(cache, "1.0").is_file()


def test_a_corrupt_snapshot_is_rebuilt(tmp_path: Path, parse_calls: list[int]) -> None:
    price_map = _write_map(tmp_path / "prices.json", {"a": _entry()})
    cache = tmp_path / "cache"
    load_catalog(cache, price_map=price_map, litellm_version="1.0")
    snap = snapshot_path(cache, "1.0")
    for damage in (b"\x00\xff not json", b'{"format": 1, "models": [{"id": 3}]}', b""):
        snap.write_bytes(damage)
        catalog = load_catalog(cache, price_map=price_map, litellm_version="1.0")
        assert [m.id for m in catalog] == ["a"]
        assert json.loads(snap.read_bytes())["format"] == SNAPSHOT_FORMAT
    assert len(parse_calls) == 4  # the first load and one rebuild per damage


def test_a_snapshot_of_another_format_is_rebuilt(tmp_path: Path, parse_calls: list[int]) -> None:
    price_map = _write_map(tmp_path / "prices.json", {"a": _entry()})
    cache = tmp_path / "cache"
    load_catalog(cache, price_map=price_map, litellm_version="1.0")
    snap = snapshot_path(cache, "1.0")
    stored = json.loads(snap.read_bytes())
    stored["format"] = SNAPSHOT_FORMAT + 1
    snap.write_text(json.dumps(stored))
    load_catalog(cache, price_map=price_map, litellm_version="1.0")
    assert len(parse_calls) == 2


def test_a_snapshot_from_before_tiers_is_rebuilt_with_them(
    tmp_path: Path, parse_calls: list[int]
) -> None:
    """A format-1 snapshot of the same map and version lacks the tiers: it is parsed again."""
    price_map = _write_map(
        tmp_path / "prices.json", {"a": _entry(input_cost_per_token_above_200k_tokens=2e-6)}
    )
    cache = tmp_path / "cache"
    load_catalog(cache, price_map=price_map, litellm_version="1.0")
    snap = snapshot_path(cache, "1.0")
    stored = json.loads(snap.read_bytes())
    stored["format"] = 1
    for model in stored["models"]:
        model.pop("price_tiers")
    snap.write_text(json.dumps(stored))
    catalog = load_catalog(cache, price_map=price_map, litellm_version="1.0")
    assert len(parse_calls) == 2
    assert catalog.get("a").price_tiers[0].input_cost_per_token == 2e-6


def test_a_new_litellm_version_rebuilds_and_drops_the_old_snapshot(
    tmp_path: Path, parse_calls: list[int]
) -> None:
    price_map = _write_map(tmp_path / "prices.json", {"a": _entry()})
    cache = tmp_path / "cache"
    load_catalog(cache, price_map=price_map, litellm_version="1.0")
    _write_map(price_map, {"a": _entry(), "b": _entry()})
    catalog = load_catalog(cache, price_map=price_map, litellm_version="2.0")
    assert sorted(m.id for m in catalog) == ["a", "b"]
    assert len(parse_calls) == 2
    assert [p.name for p in cache.glob("catalog-*.json")] == ["catalog-2.0.json"]


def test_a_changed_price_map_of_the_same_version_is_parsed_again(
    tmp_path: Path, parse_calls: list[int]
) -> None:
    price_map = _write_map(tmp_path / "prices.json", {"a": _entry()})
    cache = tmp_path / "cache"
    load_catalog(cache, price_map=price_map, litellm_version="1.0")
    _write_map(price_map, {"a": _entry(input_cost_per_token=9e-6)})
    stat = price_map.stat()
    os.utime(price_map, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    catalog = load_catalog(cache, price_map=price_map, litellm_version="1.0")
    assert catalog.get("a").input_cost_per_token == 9e-6
    assert len(parse_calls) == 2


def test_an_unwritable_cache_only_costs_speed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    price_map = _write_map(tmp_path / "prices.json", {"a": _entry()})
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    catalog = load_catalog(blocked, price_map=price_map, litellm_version="1.0")
    assert [m.id for m in catalog] == ["a"]
    assert "could not write the catalog snapshot" in caplog.text
    assert not list(tmp_path.rglob(".catalog-*"))


def test_unreadable_or_damaged_price_map_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot be read"):
        load_catalog(tmp_path, price_map=tmp_path / "missing.json", litellm_version="1")
    damaged = tmp_path / "damaged.json"
    damaged.write_text("{not json")
    with pytest.raises(CatalogError, match="damaged"):
        load_catalog(tmp_path, price_map=damaged, litellm_version="1")
    listed = _write_map(tmp_path / "list.json", [])  # type: ignore[arg-type]
    with pytest.raises(CatalogError, match="not a JSON object"):
        load_catalog(tmp_path, price_map=listed, litellm_version="1")


def test_report_load_times(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Reported, not asserted (timings belong to bench/): first parse and snapshot load."""
    started = time.perf_counter()
    first = load_catalog(tmp_path)
    first_ms = (time.perf_counter() - started) * 1000
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        again = load_catalog(tmp_path)
        runs.append((time.perf_counter() - started) * 1000)
    assert len(again) == len(first)
    with capsys.disabled():
        print(
            f"\n[catalog] {len(first)} chat models: first parse + snapshot write "
            f"{first_ms:.0f} ms; snapshot load median {sorted(runs)[2]:.1f} ms"
        )
