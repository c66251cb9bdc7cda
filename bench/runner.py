"""Runner benchmark: `eval run` and EvalRunner against the ideal ceil(N/C) x L.

The replies come from a small aiohttp server in a separate process that answers every request
after a fixed L = 200 ms, so the server's CPU is not counted in the runner's process. The ideal
is what a client with no CPU cost would take: ceil(N/C) waves of L each. For each N/C, run in
turn three times: the whole `eval run` command and a plain litellm script (each a fresh
interpreter, litellm's import included), EvalRunner's requests alone (storing every sample,
with progress) on the direct path to an OpenAI-compatible server (core/direct_chat.py) and
through litellm.acompletion, and a bare aiohttp client (the floor). `python -m bench.runner
500/50` runs this part alone.

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
  longer at C=50 (5% of a 200 ms round trip);
- skipping litellm's logging of each call and its pricing of replies we price ourselves
  (`compat.lean_call`): 8.5 -> 6.7 ms of CPU a request at N=300, C=50 (a 22% cut; medians
  of five interleaved runs each in one process, on a machine loaded by other work, which
  inflates both), so about a fifth of what a request costs; litellm's provider names built
  once instead of per request: 0.1-0.3 ms a request;
- importing litellm on a thread while `eval run` reads the dataset and plans: the import is
  CPU work and one interpreter runs one thread's Python at a time, so it overlaps only
  waiting (the Run it? question, the disk), not the command's own CPU work; with --yes the
  main thread had about 1.5 s of its own to do before its first model call (under cProfile);
- automatic garbage collection off during `import litellm` (it found about 2,000 objects of
  garbage in all): 3.9-4.5 -> 2.9-3.3 s of CPU for the import on the loaded machine.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.llm import Transport

ROOT = Path(__file__).resolve().parent.parent
# The price map from the installed package, never the network (also for the child processes).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
LATENCY_S = 0.2
REPEAT = 3
# (requests, concurrency). C=4 runs 40 requests, not 500: ceil(40/4) x 0.2 s = 2 s, the same
# ideal as the others, to keep the bench short.
CASES = ((500, 50), (2000, 200), (40, 4))
# Budgets as a ratio of the ideal, from issue 20, for (N, C): requests alone and whole command.
REQUESTS_BUDGET = {(500, 50): "< 1.15x", (2000, 200): "< 1.5x", (40, 4): "< 1.1x"}
COMMAND_BUDGET = {(500, 50): "< 2x"}

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


# A plain litellm loop as a user would write it by hand: a semaphore over litellm.acompletion,
# run as a script of its own (its import of litellm included), which prints the seconds and CPU
# seconds its requests alone took. Not in this process: litellm's logging tasks left pending at
# the end of one event loop move to the next one litellm sees, here the EvalRunner's.
PLAIN_LOOP = """
import asyncio, sys, time
import litellm

async def plain_loop(url, n, concurrency):
    gate = asyncio.Semaphore(concurrency)

    async def one(i):
        async with gate:
            return await litellm.acompletion(
                model="openai/bench-model",
                messages=[{"role": "user", "content": f"question {i}"}],
                api_base=url, api_key="bench", timeout=60, max_retries=0,
            )

    await asyncio.gather(*(one(i) for i in range(n)))

started, cpu = time.perf_counter(), time.process_time()
asyncio.run(plain_loop(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
print(time.perf_counter() - started, time.process_time() - cpu)
"""


def _floor(url: str, n: int, concurrency: int) -> None:
    """The same requests from a bare aiohttp client: what the machine does with no SDK at all."""
    import aiohttp

    async def main() -> None:
        gate = asyncio.Semaphore(concurrency)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(i: int) -> Any:
                body = {
                    "model": "bench-model",
                    "messages": [{"role": "user", "content": f"question {i}"}],
                }
                async with gate, session.post(f"{url}/chat/completions", json=body) as reply:
                    return await reply.json()

            await asyncio.gather(*(one(i) for i in range(n)))

    asyncio.run(main())


def _command(args: list[str]) -> str:
    """A fresh interpreter running `args`, as a user starts it; its output. Fails on a non-zero
    exit."""
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def _child_cpu() -> float:
    """CPU seconds of this process's finished children: a fresh interpreter's whole cost, which
    a busy machine stretches in wall time far less than it stretches the wall time itself."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _dataset(folder: Path, n: int) -> Path:
    """A database holding the dataset 'bench-N' of N questions, imported through the CLI."""
    db = folder / f"command-{n}.sqlite3"
    data = folder / f"bench-{n}.jsonl"
    data.write_text(
        "".join(json.dumps({"id": str(i), "input": f"question {i}"}) + "\n" for i in range(n))
    )
    _command(["main.py", "eval", "import-dataset", str(data), "--no-expected", "--db", str(db)])
    return db


def _whole_command(url: str, n: int, concurrency: int, db: Path) -> None:
    """`aidf eval run` from a fresh interpreter: start-up, litellm's import, the plan, every
    request stored with progress, the summary."""
    _command(
        [
            "main.py",
            "eval",
            "run",
            "--dataset",
            f"bench-{n}",
            "--model",
            "bench-model",
            "--api-base",
            url,
            "--concurrency",
            str(concurrency),
            "--no-cache",
            "--yes",
            "--db",
            str(db),
        ]
    )


def _our_runner(
    url: str, n: int, concurrency: int, folder: Path, transport: Transport = "auto"
) -> float:
    """One EvalRunner run storing every sample in an ExperimentStore (in the 0.1 s batches the
    app stores them in) and reporting progress, as the Experiments tab does; returns the CPU
    seconds it took. `transport` "auto" takes the direct path to this OpenAI-compatible
    server, "litellm" goes through litellm.acompletion."""
    from core.evaluation import DatasetItem, RunSettings, Variant
    from core.llm import LlmClient
    from core.runner import EvalRunner
    from storage.experiments import ExperimentStore

    items = [DatasetItem(id=str(i), input=f"question {i}") for i in range(n)]
    variant = Variant(name="bench", model="bench-model", api_base=url)
    settings = RunSettings(concurrency=concurrency, use_cache=False, transport=transport)
    client = LlmClient(api_base=url, api_key="bench", transport=settings.transport)
    runner = EvalRunner(client, settings)
    store = ExperimentStore(folder / f"bench-{time.monotonic_ns()}.sqlite3")
    try:
        run_id = store.create_run(store.add_dataset("bench", items).id, variant, settings)
        reports: list[Any] = []
        cpu = time.process_time()
        outcome = runner.run(
            variant,
            items,
            on_samples=store.sample_writer(run_id).write,
            progress=reports.append,
        )
        cpu = time.process_time() - cpu
        stored = len(store.samples(run_id))
    finally:
        store.close()
    if outcome.status != "completed" or outcome.errors or stored != n:
        raise RuntimeError(f"bench run did not complete cleanly ({stored} stored): {outcome}")
    return cpu


def rows(cases: Sequence[tuple[int, int]] = CASES) -> list[str]:
    """One Markdown row per figure, in bench/__main__.py's table format."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(LATENCY_S)], stdout=subprocess.PIPE, text=True
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            assert server.stdout is not None
            url = f"http://127.0.0.1:{int(server.stdout.readline())}/v1"
            return _measure(url, Path(tmp), cases)
    finally:
        server.kill()
        server.wait()


def _measure(url: str, folder: Path, cases: Sequence[tuple[int, int]]) -> list[str]:
    from bench.__main__ import row

    # Warms both paths' code (and imports litellm) before timing.
    _our_runner(url, 4, 4, folder)
    _our_runner(url, 4, 4, folder, "litellm")
    _floor(url, 4, 4)
    script = folder / "plain_loop.py"
    script.write_text(PLAIN_LOOP)
    out = []
    for n, concurrency in cases:
        db = _dataset(folder, n)
        timings: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        plain_loop = [str(script), url, str(n), str(concurrency)]
        for _ in range(REPEAT):  # interleaved, so each sees the same machine state
            for name, fn in (
                ("command", partial(_whole_command, url, n, concurrency, db)),
                ("plain command", partial(_command, plain_loop)),
                ("ours", partial(_our_runner, url, n, concurrency, folder)),
                ("via litellm", partial(_our_runner, url, n, concurrency, folder, "litellm")),
                ("floor", partial(_floor, url, n, concurrency)),
            ):
                started, used, spawned = time.perf_counter(), time.process_time(), _child_cpu()
                output = fn()
                timings.setdefault(name, []).append(time.perf_counter() - started)
                cpu.setdefault(name, []).append((time.process_time() - used) / n)
                cpu.setdefault(f"{name} (child)", []).append((_child_cpu() - spawned) / n)
                if name == "plain command":
                    seconds, cpu_seconds = (float(x) for x in str(output).split())
                    timings.setdefault("plain", []).append(seconds)
                    cpu.setdefault("plain", []).append(cpu_seconds / n)
        ideal = [math.ceil(n / concurrency) * LATENCY_S]
        label = f"N={n:,}, C={concurrency}, L={LATENCY_S * 1e3:.0f} ms"
        for name, what, budget in (
            ("command", "`eval run` whole command (fresh interpreter, --yes)", COMMAND_BUDGET),
            ("plain command", "plain litellm loop, whole script (fresh interpreter)", {}),
            (
                "ours",
                "EvalRunner requests alone, into an ExperimentStore + progress",
                REQUESTS_BUDGET,
            ),
            (
                "via litellm",
                "EvalRunner requests alone through litellm.acompletion (--transport litellm)",
                {},
            ),
            ("plain", "plain litellm.acompletion loop, requests alone", {}),
            ("floor", "bare aiohttp client (the floor), requests alone", {}),
        ):
            out.append(
                row(
                    f"{what}, {label}",
                    timings[name],
                    "ideal",
                    ideal,
                    budget.get((n, concurrency), "-"),
                )
            )
        out.append(
            row(
                f"`eval run` whole command CPU per request (start-up included), {label}",
                cpu["command (child)"],
                "plain script",
                cpu["plain command (child)"],
                "-",
            )
        )
        out.append(
            row(
                f"EvalRunner CPU per request (store included, direct path), {label}",
                cpu["ours"],
                "plain loop",
                cpu["plain"],
                "-",
            )
        )
        out.append(
            row(
                f"bare aiohttp CPU per request, {label}",
                cpu["floor"],
                "plain loop",
                cpu["plain"],
                "-",
            )
        )
    return out


def main(argv: Sequence[str]) -> int:
    """`python -m bench.runner [N/C ...]`: this part of the bench alone, for the cases given."""
    cases = [(int(n), int(c)) for n, _, c in (arg.partition("/") for arg in argv)]
    table = rows(cases or CASES)
    print("| figure | median | spread | baseline (same run) | ratio | budget |")
    print("|---|---|---|---|---|---|")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
