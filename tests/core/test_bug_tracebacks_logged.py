"""Where the engine survives a bug (an item, a worker, the progress display, a tool), the run or
trial goes on as before and the traceback reaches the log at WARNING or ERROR, where the
configured handlers show it (it went nowhere before)."""

from __future__ import annotations

import logging

import pytest

from core import agent_loop, runner
from core.evaluation import DatasetItem, RunSettings, Variant
from core.llm import LlmClient, ToolCall
from core.runner import EvalRunner
from tests.llm_server import LlmTestServer, Reply


def _run(server: LlmTestServer, **kwargs: object) -> runner.RunOutcome:
    settings = RunSettings(retry_backoff_s=0.0, timeout_s=10.0, max_retries=0, concurrency=1)
    items = [DatasetItem(id=f"q{i}", input=f"question {i}") for i in range(3)]
    variant = Variant(name="v", model="local-model", api_base=server.url)
    return EvalRunner(LlmClient(api_base=server.url), settings).run(variant, items, **kwargs)


def _logged(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == level and r.exc_info is not None]


def test_a_broken_progress_display_is_logged_with_its_traceback(llm_server, caplog) -> None:
    llm_server.set_default(Reply("fine"))

    def progress(_report: object) -> None:
        raise RuntimeError("progress display broke")

    outcome = _run(llm_server, on_sample=lambda s: None, progress=progress)
    assert outcome.status == "completed"
    (record, *_) = _logged(caplog, logging.WARNING)
    assert record.name == "core.runner" and "progress display broke" in str(record.exc_info[1])


def test_an_item_that_fails_unexpectedly_is_logged(llm_server, caplog, monkeypatch) -> None:
    llm_server.set_default(Reply("fine"))

    def broken(self: object, *args: object, **kwargs: object) -> object:
        raise KeyError("a bug below the runner")

    monkeypatch.setattr(LlmClient, "acomplete", broken)
    outcome = _run(llm_server, on_sample=lambda s: None)
    assert outcome.errors == 3
    records = _logged(caplog, logging.WARNING)
    assert len(records) == 3 and all(r.name == "core.runner" for r in records)


def test_a_dead_worker_is_logged_at_error(llm_server, caplog, monkeypatch) -> None:
    llm_server.set_default(Reply("fine"))

    def land(self: object, sample: object) -> None:
        raise RuntimeError("a bug in handing a sample over")

    monkeypatch.setattr(runner._Run, "land", land)
    assert _run(llm_server, on_sample=lambda s: None).status == "failed"
    (record,) = _logged(caplog, logging.ERROR)
    assert "a bug in handing a sample over" in str(record.exc_info[1])


def test_a_tool_bug_is_logged_and_still_reaches_the_trace(caplog) -> None:
    def broken(arguments: dict) -> str:
        raise ZeroDivisionError("inside the tool")

    tools = {"broken": agent_loop._Tool(schema={}, run=broken)}
    call = ToolCall(id="1", name="broken", arguments={}, raw_arguments="{}")
    text, failed = agent_loop._run_tool(call, tools)
    assert failed and "ZeroDivisionError" in text
    (record,) = _logged(caplog, logging.WARNING)
    assert record.name == "core.agent_loop"
