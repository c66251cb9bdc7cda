"""`catalog probe`: the estimate and the question, the measured requests, the stored profile,
and bad input, against the streaming test server."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from core.catalog import load_catalog
from operations.catalog import user_catalog
from tests.llm_server import LlmTestServer, Reply

Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_probe_prints_the_estimate_measures_and_stores_the_profile(
    run_cli: Cli, db_path: Path, llm_server: LlmTestServer
) -> None:
    llm_server.set_default(Reply(first_token_s=0.05, tokens_per_s=200, input_tokens=40))
    done = run_cli(
        "catalog", "probe", "gpt-4o-mini", "--api-base", llm_server.url,
        "--requests", "3", "--input-tokens", "50", "--output-tokens", "12", "--yes",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "sends 3 streamed requests of about 50 input and 12 output tokens" in lines[0]
    assert "estimated cost $" in lines[0]
    assert [line.split(":")[0] for line in lines[1:4]] == ["request 1", "request 2", "request 3"]
    assert any(line.startswith("time to first token: p50 ") for line in lines)
    assert lines[-1].startswith("Stored as the latency profile of gpt-4o-mini")
    profile = user_catalog(db_path, load_catalog()).get("gpt-4o-mini").latency
    assert profile is not None and profile.source == "measured"
    assert (profile.input_tokens, profile.output_tokens, profile.requests) == (40, 12, 3)
    assert len(llm_server.requests) == 4  # the warm-up and three measured


def test_probe_asks_first_and_a_no_measures_nothing(
    run_cli: Cli, llm_server: LlmTestServer
) -> None:
    done = run_cli("catalog", "probe", "gpt-4o-mini", "--api-base", llm_server.url, stdin="n\n")

    assert done.returncode == 1
    assert "Measure it? [y/N]" in done.stdout and "Nothing measured." in done.stdout
    assert llm_server.requests == []


def test_probe_refuses_bad_options_and_unknown_models_by_name(
    run_cli: Cli, llm_server: LlmTestServer
) -> None:
    bad = run_cli("catalog", "probe", "gpt-4o-mini", "--output-tokens", "1", "--yes")
    assert bad.returncode == 2
    assert "error: --output-tokens: " in bad.stderr

    unknown = run_cli("catalog", "probe", "gpt-4o-minx", "--api-base", llm_server.url, "--yes")
    assert unknown.returncode == 2
    assert "no model 'gpt-4o-minx' in the catalog; did you mean gpt-4o-mini" in unknown.stderr
    assert llm_server.requests == []


def test_a_probe_whose_streams_all_stall_stores_nothing_and_says_so(
    run_cli: Cli, db_path: Path, llm_server: LlmTestServer
) -> None:
    llm_server.reply(Reply("warm"))
    llm_server.set_default(Reply(stall_after=1))
    done = run_cli(
        "catalog", "probe", "gpt-4o-mini", "--api-base", llm_server.url,
        "--requests", "2", "--output-tokens", "5", "--timeout", "0.5", "--yes",
    )  # fmt: skip

    assert done.returncode == 1
    assert "request 1: failed: The stream did not finish within the deadline of 0.5 s" in (
        done.stdout
    )
    assert "Nothing stored" in done.stdout
    assert user_catalog(db_path, load_catalog()).get("gpt-4o-mini").latency is None
