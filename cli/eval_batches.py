"""`eval run --batch` and `eval batches`: runs through a provider's Batch API
(operations.batches), listed, resumed after the command line closed, and cancelled."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    finite_float,
    go_ahead,
    one_line,
    open_store,
    print_table,
    user_catalog,
)

if TYPE_CHECKING:
    from core.batch import BatchEstimate
    from operations.batches import BatchPoll
    from operations.runs import RunPlan
    from storage.batches import BatchJobInfo, BatchStore
    from storage.experiments import ExperimentStore

#: Seconds between polls while `eval run --batch` or `eval batches resume` waits.
DEFAULT_POLL_S = 30.0


def add_verbs(actions: Any, db_option: argparse.ArgumentParser) -> None:
    """`--batch`, `--no-wait` and `--poll-interval` on `eval run`; `eval batches [resume ID |
    cancel ID]`."""
    run = actions.choices["run"]
    run.add_argument(
        "--batch",
        action="store_true",
        help="send the requests through the provider's Batch API (OpenAI or an OpenAI-"
        "compatible --api-base): about half price, results within 24 h; with --resume, the "
        "run's unanswered items as a new batch",
    )
    _wait_options(run)

    batches = actions.add_parser(
        "batches",
        parents=[db_option],
        help="runs sent through a Batch API: list them, resume polling, cancel",
    )
    batches.set_defaults(handler=_cmd_list)
    verbs = batches.add_subparsers(title="verbs", metavar="VERB")
    cmd = verbs.add_parser(
        "resume",
        parents=[db_option],
        help="poll unfinished batches (all, or one) and store the results of those that ended",
    )
    cmd.add_argument("batch", nargs="?", metavar="ID", help="a batch (ours or the provider's id)")
    _wait_options(cmd)
    cmd.set_defaults(handler=_cmd_resume)
    cmd = verbs.add_parser(
        "cancel",
        parents=[db_option],
        help="ask the provider to stop a batch (what it answered is stored at the next poll)",
    )
    cmd.add_argument("batch", metavar="ID", help="a batch (ours or the provider's id)")
    cmd.set_defaults(handler=_cmd_cancel)


def _wait_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--no-wait",
        action="store_true",
        help="send (or poll once) and return; `eval batches resume` picks the batch up later",
    )
    cmd.add_argument(
        "--poll-interval",
        type=finite_float,
        default=DEFAULT_POLL_S,
        metavar="SECONDS",
        help=f"seconds between polls while waiting (default {DEFAULT_POLL_S:g})",
    )


def _batches(args: argparse.Namespace) -> Any:
    from storage.batches import BatchStore

    return open_store(args, BatchStore)


def run_through_batch(args: argparse.Namespace, store: ExperimentStore, plan: RunPlan) -> int:
    """`eval run ... --batch`, handed the real-time plan `eval run` made (new run or
    --resume): print both costs, ask, send, then wait for the results unless --no-wait."""
    from core.llm import LlmError
    from operations.batches import as_batch, submit_batch
    from storage.batches import BatchStore

    if args.poll_interval <= 0:
        raise CliError("--poll-interval must be more than 0 seconds")
    with BatchStore(store.path, checked=True) as batches:
        planned = as_batch(batches, plan, lambda: user_catalog(args))
        print(_estimate_line(plan, planned.estimate), file=sys.stderr)
        if not go_ahead(
            args,
            planned.refusal,
            not_done="not sent",
            action="send the batch",
            question="Send it?",
        ):
            return EXIT_OK
        try:
            job = submit_batch(batches, planned)
        except LlmError as exc:
            raise CliError(f"not sent: {exc}") from None
        print(
            f"run {job.run_id}: batch {job.id} sent ({job.provider_batch_id}), "
            f"{len(job.item_ids):,} requests"
        )
        if args.no_wait:
            print(
                f"Results within 24 h: `eval batches resume {job.id}` stores them.",
                file=sys.stderr,
            )
            return EXIT_OK
        return _wait(batches, job.id, args.poll_interval)


def _estimate_line(plan: RunPlan, estimate: BatchEstimate) -> str:
    cost = plan.estimate
    return (
        f"{cost.requests:,} requests to {one_line(plan.variant.model)}, about "
        f"{cost.input_tokens:,} input and up to {cost.output_tokens:,} output tokens. "
        f"{estimate.text()}"
    )


def _wait(batches: BatchStore, job_id: int, interval_s: float) -> int:
    """Poll until the batch's results are stored; Ctrl-C stops the waiting, not the batch."""
    from core.llm import LlmError
    from operations.batches import wait_for_batch

    try:
        poll = wait_for_batch(
            batches, job_id, interval_s=interval_s, progress=lambda job: _progress(job)
        )
    except KeyboardInterrupt:
        print(
            f"\nstopped waiting; the batch keeps running: `eval batches resume {job_id}` "
            "stores its results",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except LlmError as exc:
        raise CliError(
            f"batch {job_id}: {exc} (`eval batches resume {job_id}` tries again)"
        ) from None
    if sys.stderr.isatty():
        print(file=sys.stderr)
    return _finished(batches, poll)


def _progress(job: BatchJobInfo) -> None:
    line = (
        f"batch {job.id}: {job.status}, {job.completed:,} of {job.total:,} done, "
        f"{job.failed:,} failed"
    )
    if sys.stderr.isatty():
        print(f"\r{line}", end="", file=sys.stderr)
    else:
        print(line, file=sys.stderr)


def _finished(batches: BatchStore, poll: BatchPoll) -> int:
    run = batches.run(poll.job.run_id)
    print(
        f"run {run.id}: {run.status}; {run.samples - run.errors:,} answered, "
        f"{run.errors:,} errors, ${run.cost_usd:.4g} at batch prices "
        f"({one_line(run.stop_reason)})"
    )
    if run.status == "failed":
        print(f"error: run {run.id} failed: no item has an answer", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    with _batches(args) as batches:
        jobs = batches.batch_jobs()
        runs = {r.id: r for r in batches.runs()}
    if not jobs:
        print("No batches.")
        return EXIT_OK
    rows = [
        ("BATCH", "PROVIDER ID", "RUN", "MODEL", "STATUS", "REQUESTS", "DONE", "FAILED", "SENT")
    ]
    for j in jobs:
        run = runs.get(j.run_id)
        status = j.status if j.imported or j.waiting else f"{j.status} (not stored yet)"
        rows.append(
            (
                str(j.id),
                one_line(j.provider_batch_id),
                str(j.run_id),
                one_line(run.variant.model) if run else "",
                status,
                f"{len(j.item_ids):,}",
                f"{j.completed:,}",
                f"{j.failed:,}",
                j.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            )
        )
    print_table(rows)
    return EXIT_OK


def _find(batches: BatchStore, spec: str) -> BatchJobInfo:
    """A batch by our id (a number) or the provider's."""
    for job in batches.batch_jobs():
        if str(job.id) == spec.strip() or job.provider_batch_id == spec.strip():
            return job
    raise CliError(f"no batch {spec!r} (eval batches lists them)")


def _cmd_resume(args: argparse.Namespace) -> int:
    from core.llm import LlmError
    from operations.batches import poll_batch, resume_batches

    if args.poll_interval <= 0:
        raise CliError("--poll-interval must be more than 0 seconds")
    with _batches(args) as batches:
        if args.batch is not None:
            job = _find(batches, args.batch)
            if job.imported:
                print(f"batch {job.id} ({job.provider_batch_id}): {job.status}, already stored")
                return _finished(batches, poll_batch(batches, job.id))
            if not args.no_wait:
                return _wait(batches, job.id, args.poll_interval)
            try:
                polls = [poll_batch(batches, job.id)]
            except LlmError as exc:
                raise CliError(f"batch {job.id}: {exc}") from None
        else:
            polls = resume_batches(batches)
            if not polls:
                print("No unfinished batches.")
                return EXIT_OK
        failed = False
        for poll in polls:
            job = poll.job
            if poll.error:
                failed = True
                print(f"error: batch {job.id}: {one_line(poll.error)}", file=sys.stderr)
            elif job.imported:
                run = batches.run(job.run_id)
                print(
                    f"batch {job.id} ({job.provider_batch_id}): {job.status}; run {run.id} "
                    f"{run.status}: {one_line(run.stop_reason)}"
                )
            else:
                print(
                    f"batch {job.id} ({job.provider_batch_id}): {job.status}, "
                    f"{job.completed:,} of {job.total:,} done"
                )
    return EXIT_FAILED if failed else EXIT_OK


def _cmd_cancel(args: argparse.Namespace) -> int:
    from core.llm import LlmError
    from operations.batches import cancel_batch

    with _batches(args) as batches:
        job = _find(batches, args.batch)
        try:
            job = cancel_batch(batches, job.id)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        except LlmError as exc:
            raise CliError(f"batch {job.id}: {exc}") from None
    print(
        f"batch {job.id} ({job.provider_batch_id}): {job.status}; `eval batches resume "
        f"{job.id}` stores what it answered"
    )
    return EXIT_OK
