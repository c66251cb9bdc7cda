"""`eval sequential`: baseline and variant over a dataset's items in a seeded random order,
stopped as soon as the anytime-valid verdict is settled (operations.sequential)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    add_run_options,
    finite_float,
    go_ahead,
    one_line,
    run_settings,
)


def add_verbs(actions: Any, db_option: argparse.ArgumentParser) -> None:
    """`eval sequential DATASET --baseline-model M --variant-model M ...`."""
    cmd = actions.add_parser(
        "sequential",
        parents=[db_option],
        help="run baseline and variant item by item in a seeded random order and stop when "
        "the verdict is settled (an anytime-valid interval: looking after every item is safe)",
    )
    cmd.add_argument("dataset", metavar="DATASET", help="NAME or NAME@vN (latest version)")
    for arm in ("baseline", "variant"):
        cmd.add_argument(f"--{arm}-model", required=True, metavar="M", help="as litellm names it")
        cmd.add_argument(
            f"--{arm}-template", default="{input}", help="the prompt template ({input}, ...)"
        )
        cmd.add_argument(f"--{arm}-system", default="", help="a system prompt")
        cmd.add_argument(f"--{arm}-name", default="", help="the run's name (default: the model)")
        cmd.add_argument(
            f"--{arm}-api-base", metavar="URL", help="this arm's server (default: --api-base)"
        )
    cmd.add_argument("--api-base", metavar="URL", help="an OpenAI-compatible server's base URL")
    cmd.add_argument("--metric", default="exact_match", help="a metric id computed per output")
    cmd.add_argument("--pattern", help="the regular expression for --metric regex")
    cmd.add_argument(
        "--alpha",
        type=finite_float,
        default=0.05,
        help="the chance of a wrong call over the whole run, however often it looks "
        "(default 0.05: a 95%% anytime-valid interval)",
    )
    cmd.add_argument(
        "--min-lift",
        type=finite_float,
        default=2.0,
        help="percentage points worth shipping (default 2); also sizes the fixed-size plan",
    )
    cmd.add_argument("--max-items", type=int, help="run at most this many items (default: all)")
    cmd.add_argument("--seed", type=int, default=0, help="the item order's seed (default 0)")
    add_run_options(
        cmd,
        concurrency_help="items asked for at once per arm (a round)",
        spend_cap_help="USD, both arms; 0 means no cap",
    )
    cmd.add_argument("--yes", action="store_true", help="start without asking")
    cmd.set_defaults(handler=_cmd_eval_sequential)


def _variant(args: argparse.Namespace, arm: str) -> Any:
    from core.evaluation import Variant

    model = getattr(args, f"{arm}_model")
    return Variant(
        name=getattr(args, f"{arm}_name") or model,
        model=model,
        prompt_template=getattr(args, f"{arm}_template"),
        system_prompt=getattr(args, f"{arm}_system"),
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        api_base=getattr(args, f"{arm}_api_base") or args.api_base,
    )


def _cmd_eval_sequential(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from cli.common import user_catalog
    from cli.eval import _experiments, _find_dataset
    from core.validation import error_lines
    from operations.sequential import SequentialProgress, execute_sequential, plan_sequential

    settings = run_settings(args)
    try:
        baseline, variant = _variant(args, "baseline"), _variant(args, "variant")
    except ValidationError as exc:
        raise CliError(*error_lines(exc)) from None
    with _experiments(args) as store:
        dataset = _find_dataset(store, args.dataset)
        try:
            plan = plan_sequential(
                store,
                dataset.id,
                baseline,
                variant,
                settings,
                lambda: user_catalog(args),
                metric=args.metric,
                pattern=args.pattern,
                alpha=args.alpha,
                min_lift=args.min_lift / 100,
                max_items=args.max_items,
                seed=args.seed,
            )
        except ValueError as exc:
            raise CliError(f"not started: {exc}") from None
        cost = plan.estimate_usd
        money = f"at most about ${cost:.4g}" if cost is not None else "an unknown cost"
        print(
            f"Up to {len(plan.items):,} items x 2 arms ({one_line(baseline.model)} and "
            f"{one_line(variant.model)}) in a random order (seed {plan.seed}), stopping when "
            f"the verdict is settled: {money}.",
            file=sys.stderr,
        )
        if not go_ahead(args, plan.refusal):
            return EXIT_OK

        def progress(p: SequentialProgress) -> None:
            look = p.look
            line = (
                f"{look.n:,}/{p.total:,} pairs, lift {100 * look.lift:+.1f} pp "
                f"[{100 * look.low:+.1f}, {100 * look.high:+.1f}], ${p.spend_usd:.4g}"
            )
            if sys.stderr.isatty():
                print(f"\r{line}", end="", file=sys.stderr)

        created: list[tuple[int, int]] = []
        try:
            done = execute_sequential(
                store,
                plan,
                progress=progress,
                on_created=lambda b, v: created.append((b, v)),
            )
        except KeyboardInterrupt:
            if not created:
                raise
            b, v = created[0]
            print(
                f"\ninterrupted: runs {b} and {v} keep their finished samples "
                f"(resume each with `eval run --resume RUN`)",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"runs {done.baseline_run_id} (baseline) and {done.variant_run_id} (variant): "
        f"{done.called:,} of {done.total:,} items asked for, ${done.spend_usd:.4g}"
    )
    print(done.summary())
    return EXIT_FAILED if done.look is None and done.stop == "failed" else EXIT_OK
