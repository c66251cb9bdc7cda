"""What a finished run measured, in the catalog's terms: a quality score and a latency profile."""

from __future__ import annotations

import datetime as dt

import numpy as np

from core.catalog import LatencyProfile, QualityScore
from core.evaluation import Sample

#: Fewer successful, uncached samples than this give no latency profile.
MIN_LATENCY_SAMPLES = 5
#: A run whose outputs all have about the same length cannot separate the first token from
#: the speed; the spread of output lengths must reach this many tokens.
MIN_TOKEN_SPREAD = 8
_MAX_TTFT_MS = 600_000.0
_MAX_SPEED = 1_000_000.0


def latency_profile(samples: list[Sample], date: dt.date | None = None) -> LatencyProfile | None:
    """latency = ttft + output tokens / speed, fitted by least squares to the run's samples.

    Only successful samples that really called the model count (cache hits took no time). When
    the fit is unusable (too few samples, equal output lengths, a slope that is not positive)
    the whole latency is taken as the time to first token at the median, with the speed set so
    high that output length adds nothing: what was measured, without inventing a split.
    Returns None when nothing was measured.
    """
    timed = [s for s in samples if s.ok and not s.cached and s.latency_ms > 0]
    if len(timed) < MIN_LATENCY_SAMPLES:
        return None
    tokens = np.array([s.output_tokens for s in timed], dtype=float)
    latency = np.array([s.latency_ms for s in timed], dtype=float)
    when = date or dt.date.today()
    if float(tokens.max() - tokens.min()) >= MIN_TOKEN_SPREAD:
        slope, intercept = np.polyfit(tokens, latency, 1)
        if slope > 0 and intercept >= 0:
            speed = min(1000.0 / float(slope), _MAX_SPEED)
            return LatencyProfile(
                ttft_ms=min(float(intercept), _MAX_TTFT_MS),
                output_tokens_per_second=speed,
                source="measured",
                date=when,
            )
    return LatencyProfile(
        ttft_ms=min(float(np.median(latency)), _MAX_TTFT_MS),
        output_tokens_per_second=_MAX_SPEED,
        source="measured",
        date=when,
    )


def quality_score(
    mean: float, dataset_name: str, metric_label: str, n: int, date: dt.date | None = None
) -> QualityScore:
    """The run's mean metric (0..1) as a catalog quality score naming where it came from."""
    return QualityScore(
        score=min(max(float(mean), 0.0), 1.0),
        benchmark=f"{metric_label} on {dataset_name} ({n:,} items)",
        source="measured",
        date=date or dt.date.today(),
    )
