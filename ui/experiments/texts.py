"""What the Experiments pages say in words: a run's figures, a comparison's headline, an
item's answer, a duration, an error."""

from __future__ import annotations

from core import stats
from core.comparison import Comparison, RunMetrics, no_score
from core.datasets import DatasetError
from core.evaluation import Sample
from core.frameworks import common
from core.frameworks.common import p_value
from core.metrics import METRICS
from storage import StorageError
from ui.experiments.models import usd_text


def message(exc: Exception) -> str:
    """An exception in words for the user: expected failures by their text alone."""
    if isinstance(exc, StorageError | DatasetError | ValueError | OSError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def duration(seconds: float | None) -> str:
    """A run's time in seconds as core writes every duration (850 ms, 23.1 s, 4.5 min), or
    "…" while it is not known yet."""
    return "…" if seconds is None else common.duration(seconds * 1000)


def run_summary_text(m: RunMetrics) -> str:
    """One line of a run's figures: the metric with its interval, latency, cost, errors."""
    label = METRICS[m.metric].label
    if failed := no_score(m):
        score = f"{label}: {failed}"
    elif m.mean is None:
        score = f"{label}: nothing scored yet"
    else:
        score = f"{label} {m.mean:.3f} (95% CI {_score(m.low)} to {_score(m.high)})"
    if m.corpus_bleu is not None:
        score += f", corpus BLEU {m.corpus_bleu:.1f}"
    latency = (
        f"latency p50 {m.latency_p50_ms:,.0f} ms, p95 {m.latency_p95_ms:,.0f} ms"
        if m.latency_p50_ms is not None and m.latency_p95_ms is not None
        else "no timed answers"
    )
    per = usd_text(m.cost_per_sample_usd) if m.cost_per_sample_usd is not None else "n/a"
    missing = f" · {m.missing:,} items not answered yet" if m.missing else ""
    return (
        f"{score} on {m.n_scored:,} items · {latency} · {usd_text(m.total_cost_usd)} paid, {per} "
        f"per sample · {m.errors:,} errors ({m.error_rate:.1%}) · {m.cached:,} from cache{missing}"
    )


def sample_text(sample: Sample | None) -> str:
    if sample is None:
        return "(no sample)"
    return f"Error: {sample.error}" if sample.error else sample.output


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def headline(comparison: Comparison) -> str:
    """One line: the lift in points with its (1 - alpha) interval, the test and both means."""
    c = comparison
    failed = [f"the {arm} has {no_score(run)}" for arm, run in _arms(c) if run.all_failed]
    lift = (
        "; ".join(failed)
        if failed
        else "no paired items"
        if c.lift is None or c.low is None or c.high is None
        else f"lift {stats.format_lift(100 * c.lift, 100 * c.low, 100 * c.high, c.alpha)} on "
        f"{c.n_paired:,} paired items"
    )
    return (
        f"{lift} · McNemar p = {p_value(c.mcnemar_p)} at alpha {c.alpha:g} · baseline "
        f"{_score(c.baseline.mean)}, variant {_score(c.variant.mean)}"
    )


def _arms(c: Comparison) -> tuple[tuple[str, RunMetrics], tuple[str, RunMetrics]]:
    return ("baseline", c.baseline), ("variant", c.variant)
