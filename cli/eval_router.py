"""`eval router CHEAP_RUN STRONG_RUN`: a router measured on two stored runs (operations.router)."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import (
    EXIT_OK,
    CliError,
    finite_float,
    one_line,
    open_store,
    print_table,
    shown_json,
)
from core.routing_rules import RULE_HELP, RULES

#: The shares on the cheap model the bounds table prints (the plot has every point).
BOUND_SHARES = tuple(k / 10 for k in range(11))


def add_verbs(actions: Any, db_option: argparse.ArgumentParser) -> None:
    """`eval router`."""
    cmd = actions.add_parser(
        "router",
        parents=[db_option],
        help="a cheap and a strong run of one dataset: quality kept and money saved by a "
        "routing rule at each threshold, between the oracle and random-split bounds",
        description="The rule reads the cheap model's reply, so the cheap model is always "
        "called: a reply the rule rejects escalates to the strong model, which is paid on top "
        "(a cascade). The oracle and random bounds are pure routers (one model per request). "
        + " ".join(f"{rule}: {RULE_HELP[rule]}" for rule in RULES),
    )
    cmd.add_argument("cheap", type=int, metavar="CHEAP_RUN")
    cmd.add_argument("strong", type=int, metavar="STRONG_RUN")
    cmd.add_argument("--metric", default="exact_match", help="the quality metric (a metric id)")
    cmd.add_argument("--metric-pattern", help="the regular expression for --metric regex")
    cmd.add_argument("--rule", choices=RULES, default="confidence", help="what decides to keep")
    cmd.add_argument("--pattern", help="the regular expression for --rule regex (match: keep)")
    cmd.add_argument(
        "--saving",
        type=finite_float,
        default=50.0,
        metavar="PCT",
        help="the cost saving (percent of the all-strong cost) to read quality kept at "
        "(default 50)",
    )
    cmd.add_argument("--seed", type=int, default=0, help="the bootstrap's seed (default 0)")
    cmd.add_argument("--json", action="store_true", help="print the curve as JSON")
    cmd.set_defaults(handler=_cmd_eval_router)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _usd(value: float) -> str:
    return f"-${-value:,.4g}" if value < 0 else f"${value:,.4g}"


def _cmd_eval_router(args: argparse.Namespace) -> int:
    from core.metrics import METRICS
    from core.router import at_saving
    from operations.router import describe, measure_router, threshold_text
    from storage.experiments import ExperimentStore

    if args.metric not in METRICS:
        raise CliError(f"unknown metric {args.metric!r} (known: {', '.join(METRICS)})")
    if args.rule == "regex" and not args.pattern:
        raise CliError("--rule regex needs --pattern RE (a reply it matches stays on cheap)")
    if not -100 <= args.saving <= 100:
        raise CliError(f"--saving is a percent between -100 and 100 (got {args.saving:g})")
    with open_store(args, ExperimentStore) as store:
        try:
            measured = measure_router(
                store,
                args.cheap,
                args.strong,
                args.metric,
                args.rule,
                pattern=args.metric_pattern,
                rule_pattern=args.pattern,
                seed=args.seed,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
    curve = measured.curve
    if args.json:
        print(shown_json(curve.model_dump_json(indent=2)))
        return EXIT_OK
    n = curve.n_items
    level = f"{100 * (1 - curve.alpha):g}%"
    print(one_line(describe(measured)))
    print(
        f"All strong: quality {curve.strong_mean:.3f}, {_usd(curve.strong_cost_usd)} "
        f"({_usd(curve.strong_cost_usd / n * 1000)} per 1,000 requests), mean latency "
        f"{curve.strong_latency_mean_ms:,.0f} ms. All cheap: quality {curve.cheap_mean:.3f}, "
        f"{_usd(curve.cheap_cost_usd)}, mean latency {curve.cheap_latency_mean_ms:,.0f} ms."
    )
    print(
        "The rule's cascade calls the cheap model on every request; a reply the rule rejects "
        "escalates to the strong model, which is paid on top and waited for."
    )
    print()
    table = [
        (
            "Keep on cheap",
            "On cheap",
            f"Quality kept ({level} CI)",
            "Saved",
            "Saved per 1,000 req",
            "Mean latency",
            "p95 latency",
        )
    ]
    for row in curve.rows:
        interval = "" if row.low is None else f" [{_pct(row.low)}, {_pct(row.high)}]"
        table.append(
            (
                threshold_text(measured, row),
                _pct(row.share_cheap),
                _pct(row.quality_kept) + interval,
                _pct(row.saved_share),
                _usd(row.saved_per_1000_usd),
                f"{row.latency_mean_ms:,.0f} ms",
                f"{row.latency_p95_ms:,.0f} ms",
            )
        )
    print_table(table)
    print()
    print("Bounds of a pure router (each request goes to one model only):")
    bounds = [("On cheap", "Oracle: quality kept", "saved", "Random: quality kept", "saved")]
    for share in BOUND_SHARES:
        oracle = min(curve.oracle, key=lambda p: abs(p.share_cheap - share))
        rand = min(curve.random, key=lambda p: abs(p.share_cheap - share))
        bounds.append(
            (
                _pct(oracle.share_cheap),
                _pct(oracle.quality_kept),
                _pct(oracle.saved_share),
                _pct(rand.quality_kept),
                _pct(rand.saved_share),
            )
        )
    print_table(bounds)
    print()
    figures = at_saving(curve, args.saving / 100)
    rule_text = (
        "no threshold of the rule saves that much"
        if figures.row is None
        else f"the rule keeps {_pct(figures.rule)} (keep on cheap "
        f"{threshold_text(measured, figures.row)}, {_pct(figures.row.share_cheap)} on cheap)"
    )
    print(
        f"At a {args.saving:g}% cost saving: the oracle keeps {_pct(figures.oracle)} of the "
        f"all-strong quality, a random split {_pct(figures.random)}, and {rule_text}."
    )
    return EXIT_OK
