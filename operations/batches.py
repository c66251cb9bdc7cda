"""Runs through a provider's Batch API: plan (real-time and batch cost side by side), submit,
poll, import the results as samples at batch prices, resume after a restart, cancel.

The window and the command line call these; every model-side step is one call through the
run's LlmClient (OpenAI's /v1/files and /v1/batches, or an OpenAI-compatible server's), so
each blocks for one HTTP round trip at most and is called off the GUI thread. Items a batch
did not answer (failed, expired, cancelled) are stored as error samples: resuming the run
re-runs them in real time, `plan_batch_rerun` sends them as a new batch.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from core.batch import (
    FINAL_STATUSES,
    BatchError,
    BatchEstimate,
    BatchPrices,
    BatchResults,
    batch_model,
    batch_prices,
    estimate_batch,
    parse_results,
    request_lines,
    run_status,
)
from core.catalog import ModelInfo
from core.evaluation import CachedResponse, RunSettings, Sample, Variant
from core.llm import LlmClient, LlmError, reply_cap_bytes
from core.runner import request_key
from operations.runs import CatalogLoader, RunPlan, client_for, plan_resume, plan_run
from storage.batches import BatchJobInfo, BatchStore

#: How often a wait polls the provider: batches take minutes to hours, and every poll is a
#: request against the provider's rate limit.
POLL_INTERVAL_S = 30.0
_WAIT_STEP_S = 0.05

_NOT_RUN = {
    "expired": "Not run: the batch expired (24 h window) before this request ran.",
    "cancelled": "Not run: the batch was cancelled before this request ran.",
}


@dataclass(frozen=True)
class BatchPlan:
    """A run checked and priced for the Batch API: the real-time plan it shares (items,
    template check, key check) with the batch prices and both estimates."""

    run: RunPlan
    prices: BatchPrices | None
    estimate: BatchEstimate
    problem: str | None = None

    @property
    def refusal(self) -> str | None:
        """Why the batch must not be sent (None: it may)."""
        # A model no Batch API here serves is the first thing to fix, before its key.
        if self.run.problem:
            return self.run.problem
        if self.problem:
            return self.problem
        if self.run.refusal:
            return self.run.refusal
        if not self.run.todo:
            return "every item already has an answer; there is nothing to send"
        return None


def plan_batch(
    store: BatchStore,
    dataset_id: int,
    variant: Variant,
    settings: RunSettings,
    catalog: CatalogLoader,
    *,
    api_key: str | None = None,
) -> BatchPlan:
    """A new run of `variant` over the dataset, to go through the Batch API."""
    plan = plan_run(store, dataset_id, variant, settings, catalog, api_key=api_key)
    return as_batch(store, plan, catalog)


def plan_batch_rerun(
    store: BatchStore,
    run_id: int,
    settings: RunSettings,
    catalog: CatalogLoader,
    *,
    api_key: str | None = None,
) -> BatchPlan:
    """A new batch of a stored run's items with no answer (failed, expired, never sent)."""
    plan = plan_resume(store, run_id, settings, catalog, api_key=api_key)
    return as_batch(store, plan, catalog)


def as_batch(store: BatchStore, plan: RunPlan, catalog: CatalogLoader) -> BatchPlan:
    """A real-time plan (new run or resume: refused while a batch of the run is out) priced
    and checked for the Batch API."""
    model: ModelInfo | None = None
    if not plan.variant.api_base:
        loaded = catalog()
        if loaded is not None and plan.variant.model in loaded:
            model = loaded.get(plan.variant.model)
    prices = batch_prices(model, plan.prices)
    if plan.prices is None and plan.variant.api_base:
        # A local server's calls cost nothing we know, in real time or in a batch.
        prices = None
    problem = None
    try:
        batch_model(plan.variant)
    except BatchError as exc:
        problem = str(exc)
    return BatchPlan(plan, prices, estimate_batch(plan.estimate, prices), problem)


def _client(variant: Variant, settings: RunSettings | None, api_key: str | None) -> LlmClient:
    return client_for(variant, settings or RunSettings(), None, api_key)


def submit_batch(
    store: BatchStore,
    plan: BatchPlan,
    *,
    api_key: str | None = None,
    cancelled: Callable[[], bool] | None = None,
    on_created: Callable[[int], None] | None = None,
) -> BatchJobInfo:
    """Create the run (unless the plan re-runs one), write its requests as a JSONL file,
    upload it and start the batch; the batch is recorded with its run before returning.
    Raises ValueError when the plan is refused, LlmError when the provider refuses (a new
    run is then marked failed, saying why)."""
    if plan.refusal:
        raise ValueError(f"not sent: {plan.refusal}")
    run_plan = plan.run
    variant, todo = run_plan.variant, run_plan.todo
    data = request_lines(variant, todo)
    created = run_plan.run_id is None
    run_id = run_plan.run_id
    if run_id is None:
        run_id = store.create_run(
            run_plan.dataset_id, variant, run_plan.settings, name=variant.name
        )
    if on_created is not None:
        on_created(run_id)
    client = _client(variant, run_plan.settings, api_key)
    try:
        file_id = client.upload_batch_file(data, f"run-{run_id}.jsonl", cancelled=cancelled)
        job = client.create_batch(file_id, metadata={"run": str(run_id)}, cancelled=cancelled)
    except LlmError as exc:
        if created:
            store.finish_run(run_id, "failed", f"The batch was not sent: {exc}")
        raise
    job = dataclasses.replace(job, input_file_id=job.input_file_id or file_id)
    job_id = store.add_batch_job(
        run_id, job, [i.id for i in todo], plan.prices, variant.api_base, "Sent."
    )
    store.finish_run(
        run_id,
        "running",
        f"Waiting for batch {job.id}: {len(todo):,} requests sent through the Batch API, "
        "results within 24 h.",
    )
    return store.batch_job(job_id)


@dataclass(frozen=True)
class BatchPoll:
    """One poll of one batch: how it stands, the results when this poll stored them, or the
    error that kept it from being checked (the batch is untouched and can be polled again)."""

    job: BatchJobInfo
    results: BatchResults | None = None
    error: str | None = None


def poll_batch(
    store: BatchStore,
    job_id: int,
    *,
    api_key: str | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> BatchPoll:
    """Ask the provider how the batch stands; once it has ended (completed, expired, failed,
    cancelled), download its output and error files and store every item's sample at the
    batch's prices, the run's status with them. Raises LlmError when the provider cannot be
    asked."""
    info = store.batch_job(job_id)
    if info.imported:
        return BatchPoll(info)
    run = store.run(info.run_id)
    client = _client(run.variant, run.settings, api_key)
    if info.waiting:
        job = client.retrieve_batch(info.provider_batch_id, cancelled=cancelled)
        info = store.update_batch_job(job_id, job, "; ".join(job.errors))
    if info.status not in FINAL_STATUSES:
        return BatchPoll(info)
    return _import(store, client, info, run.variant, cancelled)


def _import(
    store: BatchStore,
    client: LlmClient,
    info: BatchJobInfo,
    variant: Variant,
    cancelled: Callable[[], bool] | None,
) -> BatchPoll:
    output = errors = None
    if info.output_file_id:
        output = client.batch_file_content(info.output_file_id, cancelled=cancelled)
    if info.error_file_id:
        errors = client.batch_file_content(info.error_file_id, cancelled=cancelled)
    why_failed = info.message or "the provider gave no reason"
    not_run = _NOT_RUN.get(info.status, f"Not run: the batch {info.status} ({why_failed}).")
    results = parse_results(
        output,
        errors,
        info.item_ids,
        info.prices,
        not_run=client.redact(not_run),
        max_reply_bytes=reply_cap_bytes(variant.max_tokens),
    )
    samples = [
        s if s.error is None else s.model_copy(update={"error": client.redact(s.error)})
        for s in results.samples
    ]
    # The run's status counts every item: a batch of a run's failed items answers only those.
    pending = set(store.pending_item_ids(info.run_id))
    pending -= {s.item_id for s in samples if s.error is None}
    pending |= {s.item_id for s in samples if s.error is not None}
    total = len(store.items(store.run(info.run_id).dataset_id))
    status, reason = run_status(info.status, total - len(pending), total)
    note = f"{results.answered:,} answered, {results.failed:,} not."
    if results.unread:
        note += f" {results.unread:,} lines could not be read ({results.problems[0]})."
    if info.status == "failed" and info.message:
        reason += f" The provider said: {info.message}"
    stored = store.import_batch_results(info.id, samples, status, reason, note)
    _remember(store, client, variant, info.run_id, samples)
    return BatchPoll(stored, results)


def _remember(
    store: BatchStore, client: LlmClient, variant: Variant, run_id: int, samples: list[Sample]
) -> None:
    """Put the batch's answers in the response cache under the key the real-time runner
    computes for the same request (a batch line is that request), so running the variant
    again answers them for nothing, as after a real-time run. Skipped when the run's
    settings turned the cache off."""
    run = store.run(run_id)
    if run.settings is not None and not run.settings.use_cache:
        return
    items = {item.id: item for item in store.items(run.dataset_id)}
    # Keys made before the write: naming the model may import litellm, a second or more.
    entries = [
        (
            request_key(client, variant, items[s.item_id]),
            CachedResponse(
                output=s.output,
                input_tokens=s.input_tokens,
                output_tokens=s.output_tokens,
                cost_usd=s.cost_usd,
            ),
        )
        for s in samples
        if s.error is None and s.item_id in items
    ]
    store.cache_put_many(entries)


def resume_batches(
    store: BatchStore,
    *,
    api_key: str | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[BatchPoll]:
    """Poll every batch not yet imported, oldest first (after the app or the command line
    was closed and opened again). A batch the provider cannot be asked about is reported in
    its poll's `error` and left for the next time; the others go on."""
    polls = []
    for info in reversed(store.batch_jobs(unfinished_only=True)):
        if cancelled is not None and cancelled():
            break
        try:
            polls.append(poll_batch(store, info.id, api_key=api_key, cancelled=cancelled))
        except LlmError as exc:
            if exc.kind == "cancelled":
                break
            polls.append(BatchPoll(store.batch_job(info.id), error=str(exc)))
    return polls


def wait_for_batch(
    store: BatchStore,
    job_id: int,
    *,
    api_key: str | None = None,
    interval_s: float = POLL_INTERVAL_S,
    progress: Callable[[BatchJobInfo], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> BatchPoll:
    """Poll every `interval_s` seconds until the batch's results are stored, telling
    `progress` how it stands after each poll. A cancel stops the waiting, not the batch: it
    returns the last poll, and `resume` picks the batch up later."""
    while True:
        poll = poll_batch(store, job_id, api_key=api_key, cancelled=cancelled)
        if progress is not None:
            progress(poll.job)
        if poll.job.imported:
            return poll
        deadline = time.monotonic() + interval_s
        while time.monotonic() < deadline:
            if cancelled is not None and cancelled():
                return poll
            time.sleep(min(_WAIT_STEP_S, max(0.0, deadline - time.monotonic())))


def cancel_batch(store: BatchStore, job_id: int, *, api_key: str | None = None) -> BatchJobInfo:
    """Ask the provider to stop the batch. What it had answered is imported at the next poll
    (the provider reports "cancelling" first, then "cancelled"). Raises ValueError for a
    batch that has already ended."""
    info = store.batch_job(job_id)
    if not info.waiting:
        raise ValueError(f"batch {info.provider_batch_id} has already ended ({info.status})")
    run = store.run(info.run_id)
    job = _client(run.variant, run.settings, api_key).cancel_batch(info.provider_batch_id)
    return store.update_batch_job(job_id, job, "Cancel requested.")
