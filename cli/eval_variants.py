"""`eval compare RUN RUN RUN ...`: more than two runs of one dataset against a baseline, the
k-way table with Holm-adjusted p-values, the Pareto set and which run is best.

With exactly two runs `eval compare` stays the two-run comparison (cli/eval.py); this module
only orders those two by --baseline.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from cli.common import EXIT_OK, CliError, one_line, open_store, print_table, shown_json

if TYPE_CHECKING:
    from core.multi_compare import MultiComparison, VariantFigures


def two_runs(runs: list[int], baseline: int | None) -> tuple[int, int]:
    """(baseline, variant) of a two-run compare: as given, or swapped when --baseline names
    the second run."""
    first, second = runs
    if baseline is None or baseline == first:
        return first, second
    if baseline == second:
        return second, first
    raise CliError(f"--baseline {baseline} is not one of the runs compared ({first}, {second})")


def compare_many_cmd(args: argparse.Namespace) -> int:
    """Compare args.runs (one, or three and more) against --baseline (default: the first)."""
    from operations.multi_compare import compare_many
    from storage import StorageError
    from storage.experiments import ExperimentStore

    with open_store(args, ExperimentStore) as store:
        try:
            done = compare_many(
                store,
                list(args.runs),
                args.metric,
                baseline_run_id=args.baseline_run,
                min_lift=args.min_lift / 100,
                pass_threshold=args.threshold,
                pattern=args.pattern,
                alpha=args.alpha,
            )
        except (ValueError, StorageError) as exc:
            raise CliError(str(exc)) from None
    result = done.comparison
    if args.json:
        data = {"run_ids": [r.id for r in done.runs], **result.model_dump(mode="json")}
        print(shown_json(json.dumps(data, indent=2)))
        return EXIT_OK
    print_variants(result)
    return EXIT_OK


def print_variants(result: MultiComparison) -> None:
    """The header line, one row per variant, then the reasons (the best line last)."""
    from core.metrics import METRICS

    base = result.variants[result.baseline]
    print(
        f"{len(result.variants)} runs on {METRICS[result.metric].label}, baseline "
        f"{one_line(base.name)}: {result.n_common:,} of {result.n_items:,} items answered by "
        f"every run ({result.left_out:,} left out)"
    )
    level = f"{100 * (1 - result.alpha):.6g}%"
    rows: list[tuple[str, ...]] = [
        (
            "RUN",
            "MEAN (95% CI)",
            "COST/ITEM",
            "P50",
            "P95",
            f"LIFT ({level} CI)",
            "P",
            "HOLM P",
            "VERDICT",
            "PARETO",
            "BEST IN RESAMPLES",
        )
    ]
    rows.extend(_row(v) for v in result.variants)
    print_table(rows)
    for reason in result.reasons:
        print(f"- {one_line(reason)}")


def _row(v: VariantFigures) -> tuple[str, ...]:
    from core.frameworks.common import p_value
    from core.stats import VERDICT_LABELS, format_points

    run = v.run
    mean = (
        "no score"
        if run.mean is None or run.low is None or run.high is None
        else f"{run.mean:.3f} ({run.low:.3f}-{run.high:.3f})"
    )
    if v.is_baseline:
        lift = "baseline"
    elif v.lift is None or v.low is None or v.high is None:
        lift = "-"
    else:
        lift = (
            f"{format_points(100 * v.lift)} ({format_points(100 * v.low)[:-3]} to "
            f"{format_points(100 * v.high)})"
        )
    return (
        v.name,
        mean,
        "-" if run.cost_per_sample_usd is None else f"${run.cost_per_sample_usd:.4g}",
        "-" if run.latency_p50_ms is None else f"{run.latency_p50_ms:,.0f} ms",
        "-" if run.latency_p95_ms is None else f"{run.latency_p95_ms:,.0f} ms",
        lift,
        "-" if v.p_raw is None else p_value(v.p_raw),
        "-" if v.p_holm is None else p_value(v.p_holm),
        "-" if v.verdict is None else VERDICT_LABELS[v.verdict],
        "yes" if v.pareto else "no",
        f"{v.best_share:.0%}",
    )
