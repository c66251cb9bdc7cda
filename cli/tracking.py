"""`eval log`, `eval log-comparison` and `scenarios log`: a run, a comparison or a decision
sent to an experiment tracker (MLflow or Weights & Biases, operations/tracking).

The verbs are registered by cli/eval.py and cli/scenarios.py beside their group's other verbs;
the trackers are imported only when one of them runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import EXIT_OK, CliError, finite_float, one_line, open_store, shown

TOOL_NAMES = {"mlflow": "MLflow", "wandb": "W&B"}


def _add_target(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--to", choices=tuple(TOOL_NAMES), required=True, help="the tracker")
    cmd.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="MLflow: a tracking server's URL or a store URI (default: MLFLOW_TRACKING_URI, "
        "else the store mlflow.db beside the database); W&B: the folder offline runs go to "
        "(default: beside the database)",
    )


def add_eval_verbs(actions: Any, db_option: argparse.ArgumentParser) -> None:
    """`eval log RUN` and `eval log-comparison A B`."""
    cmd = actions.add_parser(
        "log",
        parents=[db_option],
        help="log a run (variant, metrics with intervals, per-item table) to MLflow or W&B",
    )
    cmd.add_argument("run", type=int, metavar="RUN")
    _add_target(cmd)
    cmd.set_defaults(handler=_cmd_eval_log)

    cmd = actions.add_parser(
        "log-comparison",
        parents=[db_option],
        help="log a comparison (verdict, lift, interval, p-value) of two runs to MLflow or W&B",
    )
    cmd.add_argument("baseline", type=int, metavar="BASELINE_RUN")
    cmd.add_argument("variant", type=int, metavar="VARIANT_RUN")
    cmd.add_argument(
        "--metric",
        default="exact_match",
        help="a metric id; the newest comparison kept in the history on it is logged, else "
        "the runs are compared (and the comparison kept) first",
    )
    cmd.add_argument("--pattern", help="the regular expression for --metric regex")
    cmd.add_argument(
        "--min-lift", type=finite_float, default=2.0, help="percentage points (default 2)"
    )
    cmd.add_argument("--threshold", type=finite_float, default=0.5, help="pass at this score")
    cmd.add_argument("--alpha", type=finite_float, default=0.05, help="significance level")
    _add_target(cmd)
    cmd.set_defaults(handler=_cmd_eval_log_comparison)


def add_scenario_verbs(actions: Any, db_option: argparse.ArgumentParser) -> None:
    """`scenarios log NAME [--version N]`."""
    cmd = actions.add_parser(
        "log",
        parents=[db_option],
        help="log a decision (inputs, key figures, recommendation, decision record) to "
        "MLflow or W&B",
    )
    cmd.add_argument("name", metavar="NAME")
    cmd.add_argument("--version", type=int, metavar="N", help="a saved version (default: latest)")
    _add_target(cmd)
    cmd.set_defaults(handler=_cmd_scenarios_log)


def _send(args: argparse.Namespace, record: Any) -> int:
    """Log the record where --to and --tracking-uri say, and say where it went."""
    from operations.tracking import TrackerError, TrackerMissing, log, target
    from storage import resolve_db_path

    where = target(args.to, args.tracking_uri, resolve_db_path(args.db))
    try:
        logged = log(record, to=args.to, tracking_uri=where)
    except TrackerMissing as exc:
        raise CliError(str(exc)) from None
    except TrackerError as exc:
        raise CliError(
            f"{TOOL_NAMES[args.to]} did not take the {record.kind}: {one_line(str(exc))}"
        ) from None
    print(
        f"Logged {one_line(record.ref)} to {TOOL_NAMES[args.to]} as run {logged.run_id}"
        + (f": {shown(logged.where)}" if logged.where else "")
    )
    sync = getattr(logged, "sync_command", "")
    if sync:
        print(f"Offline: upload it with {shown(sync)}")
    return EXIT_OK


def _experiments(args: argparse.Namespace) -> Any:
    from storage.experiments import ExperimentStore

    return open_store(args, ExperimentStore)


def _cmd_eval_log(args: argparse.Namespace) -> int:
    from operations.tracking.records import run_record

    with _experiments(args) as store:
        record = run_record(store, args.run)
    return _send(args, record)


def _cmd_eval_log_comparison(args: argparse.Namespace) -> int:
    from core.metrics import METRICS
    from operations.experiments import compare_and_record
    from operations.tracking.records import comparison_record, record_of_saved, saved_comparison

    if args.metric not in METRICS:
        raise CliError(f"unknown metric {args.metric!r} (known: {', '.join(METRICS)})")
    with _experiments(args) as store:
        saved = saved_comparison(store, args.baseline, args.variant, args.metric)
        if saved is not None:
            record = record_of_saved(store, saved)
        else:
            if METRICS[args.metric].needs_judge:
                raise CliError(
                    f"no comparison on {args.metric} of these runs is kept: run `eval compare` "
                    "with its judge first"
                )
            try:
                done = compare_and_record(
                    store,
                    args.baseline,
                    args.variant,
                    args.metric,
                    min_lift=args.min_lift / 100,
                    pass_threshold=args.threshold,
                    pattern=args.pattern,
                    alpha=args.alpha,
                )
            except ValueError as exc:
                raise CliError(str(exc)) from None
            record = comparison_record(
                store, args.baseline, args.variant, done.comparison, done.record_id
            )
    return _send(args, record)


def _cmd_scenarios_log(args: argparse.Namespace) -> int:
    from cli.scenarios import saved_scenario
    from operations.tracking.records import decision_record

    return _send(args, decision_record(saved_scenario(args, args.name, args.version)))
