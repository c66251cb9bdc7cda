"""A 10,000-request run through EvalRunner into an ExperimentStore against the local test server
(in its own process), with 429s, 500s and timeouts injected: every item ends as exactly one
sample, errors only where the retries ran out, and resident memory stays flat."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.evaluation import DatasetItem, RunSettings, Sample, Variant
from core.llm import LlmClient
from core.runner import EvalRunner
from storage import ExperimentStore

ROOT = Path(__file__).resolve().parents[2]
N = 10_000
SNAPSHOT_AT = 2_000

# The server process: item qI's first attempt is a 429 (Retry-After: 0) when I % 10 == 1, a
# 500 when I % 10 == 2, and 6 s late (past the 3 s timeout) when I % 100 == 3; qI with
# I % 1000 == 7 always fails with a 500. Everything else answers at once.
SERVER = """
import collections, sys
from tests.llm_server import LlmTestServer, Reply, last_user_text

attempts = collections.Counter()

def answer(body):
    text = last_user_text(body)
    i = int(text.split()[-1])
    attempts[i] += 1
    first = attempts[i] == 1
    if i % 1000 == 7:
        return Reply(status=500, error_message="permanently down")
    if first and i % 10 == 1:
        return Reply(status=429, error_message="slow down", retry_after_s=0)
    if first and i % 10 == 2:
        return Reply(status=500, error_message="hiccup")
    if first and i % 100 == 3:
        return Reply(content="too late", delay_s=6.0)
    return Reply(content=text.upper(), input_tokens=3, output_tokens=2)

with LlmTestServer(responder=answer) as server:
    print(server.url, flush=True)
    sys.stdin.readline()
    print(len(server.recorded), flush=True)
"""


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture
def server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SERVER)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        yield proc.stdout.readline().strip(), proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_ten_thousand_requests_with_faults_are_all_accounted_for(
    server: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    """Requests: 10,000 first attempts + 1,000 retried 429s + 1,000 retried 500s (I % 10 == 1,
    2) + 100 retried timeouts (I % 100 == 3) + 10 items x 2 retries that stay 500 = 12,120.
    The timeout is generous (3 s) so that a slow answer on this busy machine is not a fault.
    Memory: resident size after all 10,000 may exceed the size at 2,000 by at most 20 MB,
    i.e. under 2.5 KB per further request (measured: about 2 MB in all)."""
    url, proc = server
    items = [DatasetItem(id=f"q{i}", input=f"question {i}") for i in range(N)]
    settings = RunSettings(concurrency=32, timeout_s=3.0, max_retries=2, retry_backoff_s=0.0)
    variant = Variant(name="v", model="local-model", api_base=url)
    rss: dict[str, int] = {}
    with ExperimentStore(tmp_path / "long.sqlite3") as store:
        dataset = store.add_dataset("long", items)
        run_id = store.create_run(dataset.id, variant, settings)
        stored = 0

        def keep(sample: Sample) -> None:
            nonlocal stored
            store.add_sample(run_id, sample)
            stored += 1
            if stored == SNAPSHOT_AT:
                rss["start"] = _rss_kb()

        client = LlmClient(api_base=url, api_key="sk-local")
        outcome = EvalRunner(client, settings).run(variant, items, on_sample=keep)
        rss["end"] = _rss_kb()
        store.finish_run(run_id, outcome.status, outcome.stop_reason)
        samples = {s.item_id: s for s in store.samples(run_id)}

    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert int(proc.stdout.readline()) == 12_120

    assert (outcome.status, outcome.done, outcome.errors) == ("partial", N, 10)
    assert sorted(samples) == sorted(item.id for item in items)
    failed = sorted(int(s.item_id[1:]) for s in samples.values() if not s.ok)
    assert failed == [7 + 1000 * k for k in range(10)]
    for i in (7, 1007):
        sample = samples[f"q{i}"]
        assert sample.attempts == 3 and sample.error is not None
        assert "permanently down" in sample.error
    for i, attempts in ((1, 2), (2, 2), (3, 2), (4, 1), (11, 2), (53, 1), (103, 2), (9999, 1)):
        sample = samples[f"q{i}"]
        assert (sample.output, sample.attempts) == (f"QUESTION {i}", attempts), i
    print(f"VmRSS at {SNAPSHOT_AT:,} samples {rss['start']:,} KB, at {N:,} {rss['end']:,} KB")
    assert rss["end"] - rss["start"] < 20_000, rss
