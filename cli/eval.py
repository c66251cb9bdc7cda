"""`eval ...`: datasets, runs and A/B comparisons with the engine the Experiments tab uses."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CliError,
    add_run_options,
    finite_float,
    go_ahead,
    one_line,
    open_store,
    print_table,
    run_settings,
    shown_json,
    user_catalog,
)
from cli.eval_batches import add_verbs as add_batch_verbs
from cli.eval_batches import run_through_batch
from cli.eval_router import add_verbs as add_router_verbs
from cli.eval_sequential import add_verbs as add_sequential_verbs
from cli.tracking import add_eval_verbs

if TYPE_CHECKING:
    from core.evaluation import RunSettings


def add_parser(commands: Any, db_option: argparse.ArgumentParser) -> None:
    evals = commands.add_parser(
        "eval", parents=[db_option], help="evaluation datasets, runs and A/B comparisons"
    )
    actions = evals.add_subparsers(title="actions", metavar="ACTION", required=True)

    cmd = actions.add_parser(
        "import-dataset",
        parents=[db_option],
        help="check and store a JSONL or CSV dataset (nothing is stored if a row is bad)",
    )
    cmd.add_argument("file", metavar="FILE")
    cmd.add_argument("--name", help="the dataset's name (default: the file name)")
    cmd.add_argument("--input", metavar="COLUMN", help="the input column (default: guessed)")
    cmd.add_argument(
        "--expected", metavar="COLUMN", help="the expected-answer column (default: guessed)"
    )
    cmd.add_argument("--no-expected", action="store_true", help="the file has no references")
    cmd.add_argument("--id", metavar="COLUMN", help="the id column (default: guessed, else rows)")
    cmd.add_argument(
        "--format",
        choices=("auto", "jsonl", "csv", "langsmith", "promptfoo"),
        default="auto",
        help="auto: by the file name and content (LangSmith examples JSONL, promptfoo test CSV)",
    )
    cmd.set_defaults(handler=_cmd_eval_import_dataset)

    cmd = actions.add_parser("datasets", parents=[db_option], help="list the stored datasets")
    cmd.set_defaults(handler=_cmd_eval_datasets)
    cmd = actions.add_parser("runs", parents=[db_option], help="list the stored runs")
    cmd.add_argument("--dataset", metavar="NAME[@vN]", help="only this dataset's runs")
    cmd.set_defaults(handler=_cmd_eval_runs)

    cmd = actions.add_parser(
        "run",
        parents=[db_option],
        help="run a model over a dataset (asks before spending; keys come from the environment)",
    )
    cmd.add_argument("--dataset", metavar="NAME[@vN]", help="the dataset (latest version)")
    cmd.add_argument("--model", help="the model as litellm names it")
    cmd.add_argument("--template", default="{input}", help="the prompt template ({input}, ...)")
    cmd.add_argument("--system", default="", help="a system prompt")
    cmd.add_argument("--api-base", metavar="URL", help="an OpenAI-compatible server's base URL")
    cmd.add_argument("--name", default="", help="the run's name (default: the model)")
    add_run_options(cmd)
    cmd.add_argument("--resume", type=int, metavar="RUN", help="resume this run's missing items")
    cmd.add_argument("--yes", action="store_true", help="start without asking")
    cmd.set_defaults(handler=_cmd_eval_run)

    cmd = actions.add_parser(
        "import-outputs",
        parents=[db_option],
        help="store logged outputs as a run: the app's JSONL of id and output, or LangSmith "
        "runs, promptfoo results, OpenAI Batch output or an MLflow evaluation table",
    )
    cmd.add_argument("file", metavar="FILE")
    cmd.add_argument("--dataset", metavar="NAME[@vN]", required=True)
    cmd.add_argument("--name", help="the system that produced them (default: the file name)")
    cmd.add_argument(
        "--format",
        choices=("auto", "jsonl", "langsmith", "promptfoo", "openai-batch", "mlflow"),
        default="auto",
        help="the tool that wrote the file (auto: told from its content)",
    )
    for role, example in (
        ("id", "reference_example_id"),
        ("input", "inputs.question"),
        ("output", "response.body.choices.0.message.content"),
    ):
        cmd.add_argument(
            f"--{role}-field",
            metavar="PATH",
            help=f"dotted path to the {role}, e.g. {example} (a number indexes a list)",
        )
    cmd.add_argument(
        "--select",
        metavar="PROVIDER",
        help="the provider (or 'PROVIDER | PROMPT') of a promptfoo file that ran several",
    )
    cmd.set_defaults(handler=_cmd_eval_import_outputs)

    cmd = actions.add_parser(
        "compare",
        parents=[db_option],
        help="baseline run vs variant run: lift, interval, McNemar, verdict (kept in history); "
        "three or more runs: each against the baseline with Holm-adjusted p, Pareto set, best",
    )
    cmd.add_argument(
        "runs", type=int, nargs="+", metavar="RUN", help="baseline first, then variants"
    )
    cmd.add_argument(
        "--baseline",
        type=int,
        dest="baseline_run",
        metavar="RUN",
        help="the run the others are compared with (default: the first)",
    )
    cmd.add_argument("--metric", default="exact_match", help="a metric id (see --help-metrics)")
    cmd.add_argument("--pattern", help="the regular expression for --metric regex")
    cmd.add_argument(
        "--min-lift", type=finite_float, default=2.0, help="percentage points (default 2)"
    )
    cmd.add_argument("--threshold", type=finite_float, default=0.5, help="pass at this score")
    cmd.add_argument(
        "--alpha",
        type=finite_float,
        default=0.05,
        help="significance level: ship only when McNemar's p is below it; the lift's interval "
        "has level 1 - alpha (default 0.05: 95%%)",
    )
    cmd.add_argument("--judge-model", metavar="M", help="the grading model for --metric llm_judge")
    cmd.add_argument("--judge-api-base", metavar="URL", help="the judge's OpenAI-compatible URL")
    cmd.add_argument(
        "--criterion",
        metavar="TEXT",
        help="what a good answer does, for --metric deepeval_geval (G-Eval's criterion)",
    )
    cmd.add_argument("--json", action="store_true", help="print the comparison as JSON")
    cmd.set_defaults(handler=_cmd_eval_compare)

    cmd = actions.add_parser(
        "export-run",
        parents=[db_option],
        help="write a run's samples as CSV (cells a spreadsheet would run as formulas are escaped)",
    )
    cmd.add_argument("run", type=int, metavar="RUN")
    cmd.add_argument("--out", metavar="FILE.csv", required=True)
    cmd.set_defaults(handler=_cmd_eval_export_run)
    add_eval_verbs(actions, db_option)
    add_router_verbs(actions, db_option)
    add_sequential_verbs(actions, db_option)
    add_batch_verbs(actions, db_option)


def _experiments(args: argparse.Namespace) -> contextlib.AbstractContextManager[Any]:
    """The experiment store of --db / $AIDF_DB; any StorageError becomes a CliError."""
    from storage.experiments import ExperimentStore

    return open_store(args, ExperimentStore)


def _find_dataset(store: Any, spec: str | None) -> Any:
    """NAME (its newest version) or NAME@vN."""
    if not spec:
        raise CliError("name the dataset with --dataset NAME (eval datasets lists them)")
    name, _, version = spec.partition("@")
    wanted = version.lstrip("vV")
    matches = [d for d in store.datasets() if d.name.casefold() == name.strip().casefold()]
    if wanted:
        matches = [d for d in matches if str(d.version) == wanted]
    if not matches:
        raise CliError(f"no dataset {spec!r} (eval datasets lists them)")
    return max(matches, key=lambda d: d.version)


def _cmd_eval_import_dataset(args: argparse.Namespace) -> int:
    from core.datasets import (
        ColumnMapping,
        DatasetError,
        columns_of,
        detect_format,
        guess_format_mapping,
        parse_dataset,
        read_file,
    )

    path = Path(args.file)
    try:
        data = read_file(path)
        fmt = detect_format(data, path.name) if args.format == "auto" else args.format
        columns = columns_of(data, fmt, file_name=path.name)
        guessed = guess_format_mapping(columns, fmt)
        mapping = ColumnMapping(
            input=args.input or guessed.input,
            expected=None if args.no_expected else (args.expected or guessed.expected),
            id=args.id or guessed.id,
            metadata=guessed.metadata,
        )
        parsed = parse_dataset(data, fmt, mapping, file_name=path.name)
    except FileNotFoundError:
        raise CliError(f"{args.file}: no such file") from None
    except (DatasetError, OSError) as exc:
        raise CliError(f"{args.file}: {exc}") from None
    if not parsed.ok:
        problems = [str(p) for p in parsed.problems] or ["the file holds no items"]
        raise CliError(f"{args.file}: nothing was imported", *problems)
    with _experiments(args) as store:
        info = store.add_dataset(
            args.name or path.stem, parsed.items, source=path.name, columns=parsed.columns
        )
    said = "already stored as" if info.reused else "imported as"
    print(
        f"{info.item_count:,} items {said} {one_line(info.name)}@v{info.version} "
        f"({info.content_hash[:12]})"
    )
    return EXIT_OK


def _cmd_eval_datasets(args: argparse.Namespace) -> int:
    with _experiments(args) as store:
        datasets = store.datasets()
    if not datasets:
        print("No datasets.")
        return EXIT_OK
    rows = [("DATASET", "ITEMS", "HASH", "FILE", "IMPORTED")]
    for d in datasets:
        rows.append(
            (
                f"{d.name}@v{d.version}",
                f"{d.item_count:,}",
                d.content_hash[:12],
                d.source,
                d.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            )
        )
    print_table(rows)
    return EXIT_OK


def _cmd_eval_runs(args: argparse.Namespace) -> int:
    with _experiments(args) as store:
        dataset_id = _find_dataset(store, args.dataset).id if args.dataset else None
        runs = store.runs(dataset_id)
        labels = {d.id: f"{d.name}@v{d.version}" for d in store.datasets()}
    if not runs:
        print("No runs.")
        return EXIT_OK
    rows = [("RUN", "NAME", "MODEL", "DATASET", "STATUS", "SAMPLES", "ERRORS", "COST")]
    for r in runs:
        rows.append(
            (
                str(r.id),
                one_line(r.name),
                r.variant.model,
                labels.get(r.dataset_id, str(r.dataset_id)),
                r.status,
                f"{r.samples:,}",
                f"{r.errors:,}",
                f"${r.cost_usd:.4g}",
            )
        )
    print_table(rows)
    return EXIT_OK


def _preload_litellm_if_needed(
    model: str, api_base: str | None, settings: RunSettings, batch: bool
) -> None:
    """Start importing litellm now when the run will call through it, so its seconds overlap
    the dataset load, the estimate and the question; a run on the direct path never needs it."""
    from core.llm import LlmClient, preload_litellm

    if batch or LlmClient(api_base=api_base, transport=settings.transport).needs_litellm(model):
        preload_litellm()


def _cmd_eval_run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from core.evaluation import RunProgress, Variant
    from core.frameworks.common import duration
    from core.validation import error_lines
    from operations.runs import execute_run, plan_resume, plan_run

    settings = run_settings(args)
    if args.resume is None:
        _preload_litellm_if_needed(args.model or "", args.api_base, settings, args.batch)
    with _experiments(args) as store:
        if args.resume is not None:
            try:
                run = store.run(args.resume)
            except Exception as exc:
                raise CliError(str(exc)) from None
            variant = run.variant
            _preload_litellm_if_needed(variant.model, variant.api_base, settings, args.batch)
            plan = plan_resume(store, run.id, settings, lambda: user_catalog(args))
        else:
            if not args.model:
                raise CliError("name the model with --model (as litellm names it)")
            try:
                variant = Variant(
                    name=args.name or args.model,
                    model=args.model,
                    prompt_template=args.template,
                    system_prompt=args.system,
                    temperature=args.temperature,
                    max_tokens=args.max_tokens,
                    api_base=args.api_base,
                )
            except ValidationError as exc:
                raise CliError(*error_lines(exc)) from None
            dataset_id = _find_dataset(store, args.dataset).id
            plan = plan_run(store, dataset_id, variant, settings, lambda: user_catalog(args))
        if args.batch:
            return run_through_batch(args, store, plan)
        if plan.problem:
            raise CliError(f"not started: {plan.problem}")
        cost = plan.estimate
        money = f"about ${cost.usd:.4g}" if cost.usd is not None else "an unknown cost"
        print(
            f"{cost.requests:,} requests to {one_line(plan.variant.model)}, "
            f"about {cost.input_tokens:,} input and up to {cost.output_tokens:,} output tokens: "
            f"{money}.",
            file=sys.stderr,
        )
        if not go_ahead(args, plan.refusal):
            return EXIT_OK

        def progress(p: RunProgress) -> None:
            if sys.stderr.isatty():
                print(
                    f"\r{p.done:,}/{p.total:,} done, {p.errors:,} errors, ${p.spend_usd:.4g}",
                    end="",
                    file=sys.stderr,
                )

        created: list[int] = []
        try:
            rid, outcome = execute_run(store, plan, progress=progress, on_created=created.append)
        except KeyboardInterrupt:
            if not created:
                raise
            # Every finished sample is stored as it lands; only the requests in flight are lost.
            rid = created[0]
            kept = store.run(rid).samples
            print(
                f"\ninterrupted: resume with `eval run --resume {rid}` "
                f"({kept:,} finished samples of run {rid} are kept)",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"run {rid}: {outcome.status}; {outcome.done:,} done, {outcome.errors:,} errors, "
        f"{outcome.cached:,} from cache, ${outcome.spend_usd:.4g} in "
        f"{duration(outcome.elapsed_s * 1000)}"
        + (f" ({one_line(outcome.stop_reason)})" if outcome.stop_reason else "")
    )
    if outcome.status == "failed":
        print(f"error: run {rid} failed: no item has an answer", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _cmd_eval_import_outputs(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from core.datasets import DatasetError
    from core.tool_outputs import FieldPaths
    from core.validation import error_lines
    from operations.experiments import import_outputs

    path = Path(args.file)
    paths = FieldPaths(id=args.id_field, input=args.input_field, output=args.output_field)
    with _experiments(args) as store:
        dataset = _find_dataset(store, args.dataset)
        try:
            imported = import_outputs(
                store,
                dataset.id,
                path,
                args.name or path.stem,
                fmt=args.format,
                paths=paths,
                select=args.select,
            )
        except FileNotFoundError:
            raise CliError(f"{args.file}: no such file") from None
        except ValidationError as exc:
            raise CliError(*error_lines(exc)) from None
        except (DatasetError, OSError) as exc:
            raise CliError(f"{args.file}: {exc}") from None
    if imported.run_id is None:
        problems = list(imported.problems) or ["the file holds no outputs"]
        raise CliError(f"{args.file}: nothing was imported", *problems)
    missing = f"; {imported.missing:,} items have no output" if imported.missing else ""
    if imported.errors:
        missing += f"; {imported.errors:,} logged as errors"
    read_as = "" if imported.fmt == "jsonl" else f" (read as {imported.fmt})"
    print(f"run {imported.run_id}: {imported.imported:,} outputs imported{missing}{read_as}")
    return EXIT_OK


def _cmd_eval_compare(args: argparse.Namespace) -> int:
    from cli.eval_variants import compare_many_cmd, two_runs
    from core.metrics import METRICS
    from core.stats import VERDICT_LABELS
    from operations.deepeval_metrics import arm_means
    from operations.experiments import compare_and_record
    from operations.judge import JudgeSpec

    if args.metric not in METRICS:
        raise CliError(f"unknown metric {args.metric!r} (known: {', '.join(METRICS)})")
    if len(args.runs) != 2:
        return compare_many_cmd(args)
    args.baseline, args.variant = two_runs(args.runs, args.baseline_run)
    with _experiments(args) as store:
        try:
            store.run(args.baseline), store.run(args.variant)
        except Exception as exc:
            raise CliError(str(exc)) from None
        judge = None
        if METRICS[args.metric].needs_judge:
            if not args.judge_model:
                raise CliError(
                    f"--metric {args.metric} needs --judge-model (the model that grades)"
                )
            judge = JudgeSpec(args.judge_model, args.judge_api_base)
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
                judge=judge,
                catalog=lambda: user_catalog(args),
                criterion=args.criterion,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
    comparison = done.comparison
    if args.json:
        print(shown_json(comparison.model_dump_json(indent=2, exclude={"outcomes"})))
        return EXIT_OK
    pair = f"{one_line(done.variant.name)} vs {one_line(done.baseline.name)}"
    print(f"{VERDICT_LABELS[comparison.verdict]}: {pair}")
    for line in arm_means(comparison):
        print(f"- {line}")
    for reason in comparison.reasons:
        print(f"- {one_line(reason)}")
    return EXIT_OK


def _cmd_eval_export_run(args: argparse.Namespace) -> int:
    from operations.experiments import export_run_csv

    out = Path(args.out)
    with _experiments(args) as store:
        try:
            run = store.run(args.run)
        except Exception as exc:
            raise CliError(str(exc)) from None
        try:
            written = export_run_csv(store, run.id, out)
        except OSError as exc:
            raise CliError(f"{args.out}: cannot write it ({exc.strerror or exc})") from None
    print(f"run {run.id}: {written:,} samples written to {out}")
    return EXIT_OK
