"""DeepEval's metrics (faithfulness, answer relevancy, hallucination, bias, G-Eval) on stored runs.

DeepEval's own metric classes do the scoring; the judge model they ask is the app's LlmClient,
called through the runner one prompt at a time, so the judge's calls get the run settings'
timeout, retries and rate limits, are answered from the response cache when they repeat, are
priced like any run and counted apart from the runs they grade. Test cases (one per answered
item) are measured on `settings.concurrency` threads; a cancel or the spend cap stops the
grading between judge calls.

deepeval is an optional extra imported only here and only when a DeepEval metric is used. Its
telemetry is turned off with its documented setting before the import, and its import-time
folder (".deepeval", made relative to the working directory) goes to a private temporary
folder, never into the user's.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from core.comparison import Comparison
from core.datasets import item_context
from core.evaluation import DatasetItem, RunProgress, RunSettings, Sample, Variant
from core.judge import Grades
from core.metrics import METRICS
from core.runner import EvalRunner, OutcomeStatus, ResponseCache, RunOutcome, request_key
from operations.judge import JudgeSpec
from operations.runs import CatalogLoader, catalog_prices, client_for
from storage.experiments import ExperimentStore

#: The app's metric id -> DeepEval's metric (its class in deepeval.metrics).
DEEPEVAL_METRICS = {
    "deepeval_faithfulness": "FaithfulnessMetric",
    "deepeval_answer_relevancy": "AnswerRelevancyMetric",
    "deepeval_hallucination": "HallucinationMetric",
    "deepeval_bias": "BiasMetric",
    "deepeval_geval": "GEval",
}
#: DeepEval scores these as a share of something bad (contradicted contexts, biased
#: opinions); the app's metrics are higher-is-better, so their grade is 1 - DeepEval's score.
LOWER_IS_BETTER = frozenset({"deepeval_hallucination", "deepeval_bias"})
#: These read the item's context (the dataset's context column).
NEEDS_CONTEXT = frozenset({"deepeval_faithfulness", "deepeval_hallucination"})
INSTALL_HINT = (
    "DeepEval metrics need the deepeval extra: pip install 'ai-decision-frameworks[deepeval]'"
)
# DeepEval's replies are JSON lists of claims and verdicts: room for a long one.
JUDGE_MAX_TOKENS = 2048

_import_lock = threading.Lock()
# How often a call held back by the request rate looks for a cancel.
_POLL_S = 0.05
log = logging.getLogger(__name__)


def is_deepeval_metric(metric_id: str) -> bool:
    return metric_id in DEEPEVAL_METRICS


def app_grade(metric_id: str, deepeval_score: float) -> float:
    """The app's higher-is-better grade for DeepEval's score of one item."""
    score = float(deepeval_score)
    return 1.0 - score if metric_id in LOWER_IS_BETTER else score


def arm_means(comparison: Comparison) -> list[str]:
    """For a DeepEval metric, each arm's mean with its 95% bootstrap interval, a sentence each
    (a judged 0..1 score reads better per arm than through the paired lift alone); [] for
    other metrics."""
    if not is_deepeval_metric(comparison.metric):
        return []
    label = METRICS[comparison.metric].label
    out = []
    for arm, run in (("Baseline", comparison.baseline), ("Variant", comparison.variant)):
        if run.mean is None or run.low is None or run.high is None:
            out.append(f"{arm}: {label} has no score (nothing graded).")
        else:
            out.append(
                f"{arm}: {label} mean {run.mean:.3f} (95% bootstrap interval {run.low:.3f} "
                f"to {run.high:.3f}; scores 0..1, an errored answer 0)."
            )
    return out


def load_deepeval() -> ModuleType:
    """deepeval.metrics, imported with telemetry off and its folder in a private temp dir.

    DEEPEVAL_TELEMETRY_OPT_OUT=YES is DeepEval's documented opt-out (no Sentry, PostHog or
    OpenTelemetry set up, nothing sent); ERROR_REPORTING and the update check are switched off
    too. The import makes ".deepeval" in the working directory, so it runs from a temporary
    folder of its own, removed at exit (the change of directory is process-wide for the
    import's few seconds; the app opens its files by absolute path). It also sets SIGINT and
    SIGTERM handlers that exit with status 0 (its trace queue's), which would turn a Ctrl-C of
    `eval` into a success and fails outright off the main thread (the window imports it in a
    worker): the app's own handlers are kept by having `signal.signal` leave them as they are
    during the import.
    """
    with _import_lock:
        loaded = sys.modules.get("deepeval.metrics")
        if loaded is not None:
            return loaded
        os.environ["DEEPEVAL_TELEMETRY_OPT_OUT"] = "YES"
        os.environ["ERROR_REPORTING"] = "NO"
        os.environ["DEEPEVAL_UPDATE_WARNING_OPT_IN"] = "NO"
        private = tempfile.mkdtemp(prefix="aidf-deepeval-")
        atexit.register(shutil.rmtree, private, True)
        cwd = os.getcwd()
        set_handler = signal.signal
        signal.signal = _keep_handler  # type: ignore[assignment]
        os.chdir(private)
        try:
            import deepeval.metrics as metrics  # noqa: PLC0415 (optional, heavy: only when used)
        except ImportError as exc:
            raise ValueError(INSTALL_HINT) from exc
        finally:
            os.chdir(cwd)
            signal.signal = set_handler
        return metrics


def _keep_handler(signum: int, _handler: Any) -> Any:
    return signal.getsignal(signum)


class JudgeStopped(Exception):
    """Grading stopped before this call: cancelled or at the spend cap."""


class JudgeCallFailed(Exception):
    """The judge model's call failed (after the runner's retries)."""


class _Judging:
    """The judge's calls of one grading: each prompt through the runner, spend counted."""

    def __init__(
        self,
        runner: EvalRunner,
        variant: Variant,
        cache: ResponseCache | None,
        prices: tuple[float, float] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.runner = runner
        self.variant = variant
        self.cache = cache
        self.prices = prices
        self.cancelled = cancelled
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.spend = 0.0
        self.cached = 0
        self.stop_reason = ""

    def stopped(self) -> bool:
        if self.cancelled is not None and self.cancelled():
            self.stop_reason = self.stop_reason or "Cancelled"
            return True
        cap = self.runner.settings.spend_cap_usd
        if cap > 0 and self.spend >= cap:
            self.stop_reason = self.stop_reason or (
                f"Stopped at the spend cap: ${self.spend:.4f} spent of the ${cap:.4f} cap"
            )
            return True
        return False

    def pace(self, item: DatasetItem) -> None:
        """Space the judge's requests by the settings' requests-per-minute across all of its
        threads: each call is a runner run of its own, whose limits reach no other call. A
        call the cache will answer sends nothing and is not held."""
        rpm = self.runner.settings.requests_per_minute
        if not rpm:
            return
        key = request_key(self.runner.client, self.variant, item)
        if self.cache is not None and self.cache.get(key) is not None:
            return
        with self.lock:
            start = max(time.monotonic(), self.next_start)
            self.next_start = start + 60.0 / rpm
        while (left := start - time.monotonic()) > 0:
            if self.stopped():
                raise JudgeStopped(self.stop_reason)
            time.sleep(min(left, _POLL_S))

    def ask(self, prompt: str) -> str:
        if self.stopped():
            raise JudgeStopped(self.stop_reason)
        item = DatasetItem(id="judge", input=prompt)
        self.pace(item)
        landed: list[Sample] = []
        outcome = self.runner.run(
            self.variant,
            [item],
            on_sample=landed.append,
            cache=self.cache,
            cancelled=self.cancelled,
            prices=self.prices,
        )
        if not landed:
            raise JudgeStopped(outcome.stop_reason)
        sample = landed[0]
        with self.lock:
            self.spend += sample.cost_usd
            self.cached += int(sample.cached)
        if not sample.ok:
            raise JudgeCallFailed(sample.error or "the judge's call failed")
        return sample.output


def _judge_model(metrics: ModuleType, judging: _Judging, name: str) -> Any:
    """A DeepEvalBaseLLM that asks through `judging`. generate takes the prompt alone, so
    DeepEval parses the reply's JSON itself (its path for custom models)."""
    from deepeval.models import DeepEvalBaseLLM  # noqa: PLC0415 (loaded with `metrics`)

    class AppJudge(DeepEvalBaseLLM):  # type: ignore[misc,unused-ignore]
        def load_model(self, *args: Any, **kwargs: Any) -> None:
            return None

        def generate(self, prompt: str) -> str:
            return judging.ask(prompt)

        async def a_generate(self, prompt: str) -> str:
            import asyncio  # noqa: PLC0415

            return await asyncio.to_thread(judging.ask, prompt)

        def get_model_name(self, *args: Any, **kwargs: Any) -> str:
            return name

    return AppJudge(name)


def _metric(
    metrics: ModuleType, metric_id: str, model: Any, criterion: str | None, item: DatasetItem
) -> Any:
    if metric_id == "deepeval_geval":
        from deepeval.test_case import LLMTestCaseParams  # noqa: PLC0415

        # The expected answer is shown to the judge when the item has one.
        shown = [LLMTestCaseParams.INPUT, LLMTestCaseParams.ACTUAL_OUTPUT]
        if item.expected:
            shown.append(LLMTestCaseParams.EXPECTED_OUTPUT)
        return metrics.GEval(
            name="Criterion",
            criteria=criterion,
            evaluation_params=shown,
            model=model,
            async_mode=False,
        )
    cls = getattr(metrics, DEEPEVAL_METRICS[metric_id])
    return cls(model=model, include_reason=False, async_mode=False)


def _test_case(metric_id: str, item: DatasetItem, output: str) -> Any | None:
    """DeepEval's test case for one answered item; None when the metric needs a context the
    item lacks."""
    from deepeval.test_case import LLMTestCase  # noqa: PLC0415

    context = item_context(item)
    if metric_id in NEEDS_CONTEXT and not context:
        return None
    return LLMTestCase(
        input=item.input,
        actual_output=output,
        expected_output=item.expected or None,
        context=context or None,
        retrieval_context=context or None,
    )


def _report_run(
    progress: Callable[[int, RunProgress], None], index: int, report: RunProgress
) -> None:
    """One run's grading progress, told with the run's position (0 baseline, 1 variant)."""
    progress(index, report)


def grade_deepeval(
    store: ExperimentStore,
    judge: JudgeSpec,
    metric_id: str,
    items: Sequence[DatasetItem],
    runs: Sequence[Sequence[Sample]],
    catalog: CatalogLoader,
    *,
    criterion: str | None = None,
    progress: Callable[[int, RunProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[Grades]:
    """DeepEval's grades of each run's answered samples, in run order, as the app's
    higher-is-better scores (see `app_grade`). An item the judge could not grade (a failed
    call, a reply DeepEval could not read, no context for a metric that needs one) is in
    `ungraded`. Blocks: call it off the GUI thread."""
    if metric_id not in DEEPEVAL_METRICS:
        raise ValueError(f"{metric_id!r} is not a DeepEval metric")
    if not judge.model.strip():
        raise ValueError("name the judge model that grades the outputs")
    if metric_id == "deepeval_geval" and not (criterion or "").strip():
        raise ValueError("G-Eval needs a criterion: say what a good answer does")
    if metric_id in NEEDS_CONTEXT and not any(item_context(i) for i in items):
        raise ValueError(
            "this metric reads each item's retrieved passages: the dataset has no context "
            "column (name one context, contexts or retrieval_context)"
        )
    metrics = load_deepeval()
    variant = Variant(
        name=f"deepeval judge {judge.model.strip()}",
        model=judge.model.strip(),
        temperature=0.0,
        max_tokens=JUDGE_MAX_TOKENS,
        api_base=(judge.api_base or "").strip() or None,
    )
    settings = judge.settings
    prices = catalog_prices(variant, catalog)
    client = client_for(variant, settings, prices, judge.api_key)
    graded: list[Grades] = []
    for index, samples in enumerate(runs):
        judging = _Judging(
            EvalRunner(client, settings),
            variant,
            store.cache if settings.use_cache else None,
            prices,
            cancelled,
        )
        graded.append(
            _grade_run(
                metrics,
                judging,
                metric_id,
                items,
                samples,
                criterion,
                settings,
                None if progress is None else functools.partial(_report_run, progress, index),
            )
        )
    return graded


@dataclass
class _Tally:
    done: int = 0
    errors: int = 0


def _grade_run(
    metrics: ModuleType,
    judging: _Judging,
    metric_id: str,
    items: Sequence[DatasetItem],
    samples: Sequence[Sample],
    criterion: str | None,
    settings: RunSettings,
    progress: Callable[[RunProgress], None] | None,
) -> Grades:
    by_id = {item.id: item for item in items}
    answered = [
        (by_id[s.item_id], s.output)
        for s in {s.item_id: s for s in samples}.values()
        if s.ok and s.item_id in by_id
    ]
    model = _judge_model(metrics, judging, judging.variant.model)
    scores: dict[str, float] = {}
    ungraded: list[str] = []
    first_error: list[str] = []
    tally = _Tally()
    lock = threading.Lock()
    started = time.perf_counter()

    def measure(item: DatasetItem, output: str) -> None:
        score: float | None = None
        try:
            case = _test_case(metric_id, item, output)
            if case is not None and not judging.stopped():
                metric = _metric(metrics, metric_id, model, criterion, item)
                metric.measure(case, _show_indicator=False)
                score = app_grade(metric_id, metric.score)
            elif case is None:
                first_error.append(f"item {item.id!r} has no context")
        except JudgeStopped:
            pass
        except Exception as exc:  # a failed call or a reply DeepEval could not read
            detail = judging.runner.client.redact(f"{type(exc).__name__}: {exc}")
            first_error.append(f"item {item.id!r}: {detail}")
        with lock:
            tally.done += 1
            if score is None:
                ungraded.append(item.id)
                tally.errors += 1
            else:
                scores[item.id] = score
            report = RunProgress(
                done=tally.done,
                total=len(answered),
                errors=tally.errors,
                spend_usd=judging.spend,
                cached=judging.cached,
            )
        if progress is not None:
            try:
                progress(report)
            except Exception:  # a broken display must not stop the grading
                log.warning("the grading's progress display failed", exc_info=True)

    with ThreadPoolExecutor(max_workers=max(1, settings.concurrency)) as pool:
        for future in [pool.submit(measure, item, output) for item, output in answered]:
            future.result()
    status: OutcomeStatus = (
        "cancelled"
        if judging.stop_reason == "Cancelled"
        else "spend_cap"
        if judging.stop_reason
        else "partial"
        if ungraded
        else "completed"
    )
    reason = judging.stop_reason or (
        f"{len(scores):,} of {len(answered):,} answered items graded"
        + (f"; the first failure: {first_error[0]}" if first_error else "")
    )
    outcome = RunOutcome(
        status=status,
        done=tally.done,
        total=len(answered),
        errors=tally.errors,
        cached=judging.cached,
        spend_usd=judging.spend,
        elapsed_s=time.perf_counter() - started,
        stop_reason=reason,
    )
    return Grades(scores, judging.spend, ungraded, outcome)
