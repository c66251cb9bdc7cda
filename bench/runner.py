"""Runner benchmark: EvalRunner and a plain litellm loop against the ideal ceil(N/C) x L.

The replies come from a small aiohttp server in a separate process that answers every request
after a fixed L = 200 ms, so the server's CPU is not counted in the runner's process. The ideal
is what a client with no CPU cost would take: ceil(N/C) waves of L each.

Measured on the development machine when each tuning of the client went in (core/llm.py and
core/compat/litellm.py point here instead of quoting figures that age):
- leaving messages in litellm's unread logging payloads (`turn_off_message_logging = False`):
  about 0.7 ms of CPU saved a call; registering a local server's unknown model once: about
  0.4 ms a call; reading the price litellm stamps on a reply instead of pricing it again:
  about 0.5 ms a call, more for an unpriced model;
- the garbage-collector freeze after `import litellm`: a full collection walked the import's
  ~370,000 long-lived objects in about 210 ms, a pause that struck one 500-request run in
  three at C=50; the one collection before freezing costs those 210 ms once;
- running litellm's request preparation in place (`LitellmEventLoop`): about 0.7 ms of CPU a
  call with no I/O, which through the executor's thread made each call wait about 10 ms
  longer at C=50 (5% of a 200 ms round trip).
"""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LATENCY_S = 0.2
REPEAT = 3
# (concurrency, requests, budget as a ratio of the ideal). C=4 runs 40 requests, not 500:
# ceil(40/4) x 0.2 s = 2 s, the same ideal as C=50's ceil(500/50) x 0.2 s, to keep it short.
CASES = ((50, 500, 1.3), (4, 40, 1.1))

SERVER = """
import asyncio, sys, time
from aiohttp import web

DELAY = float(sys.argv[1])

async def chat(request):
    body = await request.json()
    await asyncio.sleep(DELAY)
    text = body["messages"][-1]["content"]
    return web.json_response({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text.upper()}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    })

async def main():
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def _plain_loop(url: str, n: int, concurrency: int) -> None:
    """What a careful user would write by hand: a semaphore over litellm.acompletion."""
    from core.llm import _litellm

    litellm = _litellm()

    async def main() -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> Any:
            async with gate:
                return await litellm.acompletion(
                    model="openai/bench-model",
                    messages=[{"role": "user", "content": f"question {i}"}],
                    api_base=url,
                    api_key="bench",
                    timeout=60,
                    max_retries=0,
                )

        await asyncio.gather(*(one(i) for i in range(n)))

    asyncio.run(main())


def _our_runner(url: str, n: int, concurrency: int, folder: Path) -> float:
    """One EvalRunner run storing every sample in an ExperimentStore and reporting progress,
    as the Experiments tab does; returns the CPU seconds it took."""
    from core.evaluation import DatasetItem, RunSettings, Variant
    from core.llm import LlmClient
    from core.runner import EvalRunner
    from storage.experiments import ExperimentStore

    items = [DatasetItem(id=str(i), input=f"question {i}") for i in range(n)]
    variant = Variant(name="bench", model="bench-model", api_base=url)
    settings = RunSettings(concurrency=concurrency, use_cache=False)
    runner = EvalRunner(LlmClient(api_base=url, api_key="bench"), settings)
    store = ExperimentStore(folder / f"bench-{time.monotonic_ns()}.sqlite3")
    try:
        run_id = store.create_run(store.add_dataset("bench", items).id, variant, settings)
        reports: list[Any] = []
        cpu = time.process_time()
        outcome = runner.run(
            variant,
            items,
            on_sample=lambda sample: store.add_sample(run_id, sample),
            progress=reports.append,
        )
        cpu = time.process_time() - cpu
        stored = len(store.samples(run_id))
    finally:
        store.close()
    if outcome.status != "completed" or outcome.errors or stored != n:
        raise RuntimeError(f"bench run did not complete cleanly ({stored} stored): {outcome}")
    return cpu


def rows() -> list[str]:
    """One Markdown row per figure, in bench/__main__.py's table format."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(LATENCY_S)], stdout=subprocess.PIPE, text=True
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            assert server.stdout is not None
            return _measure(f"http://127.0.0.1:{int(server.stdout.readline())}/v1", Path(tmp))
    finally:
        server.kill()
        server.wait()


def _measure(url: str, folder: Path) -> list[str]:
    from bench.__main__ import row

    _plain_loop(url, 4, 4)  # imports litellm and warms its code paths before any timing
    _our_runner(url, 4, 4, folder)
    out = []
    for concurrency, n, budget in CASES:
        ideal = [math.ceil(n / concurrency) * LATENCY_S]
        plain, plain_cpu, ours, ours_cpu = [], [], [], []
        for _ in range(REPEAT):  # alternate so both see the same machine state
            started, cpu = time.perf_counter(), time.process_time()
            _plain_loop(url, n, concurrency)
            plain.append(time.perf_counter() - started)
            plain_cpu.append((time.process_time() - cpu) / n)
            started = time.perf_counter()
            ours_cpu.append(_our_runner(url, n, concurrency, folder) / n)
            ours.append(time.perf_counter() - started)
        label = f"N={n}, C={concurrency}, L={LATENCY_S * 1e3:.0f} ms"
        out.append(row(f"plain litellm.acompletion loop, {label}", plain, "ideal", ideal, "-"))
        out.append(
            row(
                f"EvalRunner into an ExperimentStore + progress, {label}",
                ours,
                "ideal",
                ideal,
                f"< {budget}x",
            )
        )
        out.append(
            row(
                f"EvalRunner CPU per request (store included), C={concurrency}",
                ours_cpu,
                "plain loop",
                plain_cpu,
                "-",
            )
        )
    return out
