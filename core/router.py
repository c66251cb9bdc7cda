"""A router measured on your own data: a cheap and a strong model's runs on the same items.

Two kinds of router are measured here, and they pay differently:

- A *pure router* decides before any call: a share s of the requests goes to the cheap model
  only, the rest to the strong model only. Its two bounds need no rule: the ORACLE (it knows
  both answers' quality and gives the cheap model the items where it does at least as well,
  best first: the upper bound of any router at that share) and a RANDOM split (quality linear
  in s: the lower bound a useful router must beat).
- A *rule* reads the cheap model's reply, so the cheap model is always called: an item the
  rule keeps is answered by the cheap model, an item it rejects escalates to the strong model,
  which answers it and is paid on top (a cascade). Its cost saving is therefore below a pure
  router's at the same share, and escalating everything costs more than the strong model alone.

Quality kept = the routed answers' mean quality / the all-strong mean quality (both on the
chosen metric, 0..1), with a seeded paired bootstrap interval over items (the same resample
feeds both sums). Money saved = all-strong cost - routed cost, in USD over the measured items,
per 1,000 requests and as a share of the all-strong cost.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from core import stats
from core.comparison import item_scores
from core.evaluation import DatasetItem, Sample
from core.routing_rules import RULES, Rule

#: Longest regular expression a rule accepts: with nested quantifiers refused too, this keeps
#: a pattern from backtracking for minutes over a long reply (re has no timeout).
MAX_PATTERN_CHARS = 200
#: Only a reply's first characters are searched, for the same reason.
MAX_SEARCHED_CHARS = 20_000
#: The table has at most this many thresholds (quantiles of the signal beyond it).
MAX_THRESHOLDS = 41
#: Bootstrap resamples drawn at once (a block holds this many counts per item).
_BLOCK = 256
#: The oracle and random curves have at most this many points (evenly spaced shares).
MAX_CURVE_POINTS = 201

# "confidence" then up to 20 non-digit characters (": ", " = ", " is ", " of "), a number,
# an optional percent sign.
_LABELLED = re.compile(r"(?i)confidence[^0-9\n]{0,20}?(\d+(?:\.\d+)?)\s*(%?)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
# A group ending in a quantifier and quantified again: (a+)+, (\w*)*, (x{2,})+.
_NESTED = re.compile(r"[+*}]\)[+*{?]")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


def parse_confidence(reply: str) -> float | None:
    """The confidence a reply states, 0..1, or None.

    The first "confidence" followed within 20 characters by a number ("confidence: 0.8",
    "Confidence = 80%", "my confidence is 85"), else the last percentage in the reply ("85%").
    A number above 1, or one with %, is read as percent; above 100% is not a confidence.
    """
    text = reply[:MAX_SEARCHED_CHARS]
    found = _LABELLED.search(text)
    percent = False
    if found is not None:
        value, percent = float(found.group(1)), found.group(2) == "%"
    else:
        percents = _PERCENT.findall(text)
        if not percents:
            return None
        value, percent = float(percents[-1]), True
    if percent or value > 1:
        value /= 100
    return value if 0 <= value <= 1 else None


def check_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled rule pattern, or a ValueError saying what is wrong with it."""
    if not pattern:
        raise ValueError("The regex rule needs a pattern: type the regular expression to match.")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(
            f"The regex is {len(pattern):,} characters long; at most {MAX_PATTERN_CHARS} are "
            "accepted (a long pattern can take minutes on a long reply)."
        )
    if _NESTED.search(pattern):
        raise ValueError(
            f"The regex {pattern!r} repeats a group that itself repeats (like (a+)+), which "
            "can take minutes on a long reply: write the repetition once."
        )
    try:
        return re.compile(pattern)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise ValueError(f"The regex {pattern!r} is not valid: {exc.msg}{where}.") from None


def rule_signal(
    rule: Rule,
    replies: Sequence[str | None],
    output_tokens: Sequence[int],
    *,
    pattern: str | None = None,
    judge_scores: Sequence[float | None] | None = None,
) -> np.ndarray:
    """Each cheap reply's signal for `rule` (NaN: no signal, the item always escalates). An
    errored reply (None) has no signal. Length is the output tokens, or the characters when
    the run recorded no tokens at all (an imported run), so the unit is the same for every
    item."""
    if rule == "confidence":
        values = [None if r is None else parse_confidence(r) for r in replies]
    elif rule == "length":
        use_tokens = any(t > 0 for t in output_tokens)
        values = [
            None if r is None else float(t if use_tokens else len(r))
            for r, t in zip(replies, output_tokens, strict=True)
        ]
    elif rule == "judge":
        if judge_scores is None:
            raise ValueError("The judge rule needs a judge's scores of the cheap run.")
        values = [None if r is None else s for r, s in zip(replies, judge_scores, strict=True)]
    elif rule == "regex":
        compiled = check_pattern(pattern or "")
        values = [
            None if r is None else float(compiled.search(r[:MAX_SEARCHED_CHARS]) is not None)
            for r in replies
        ]
    else:
        raise ValueError(f"Unknown rule {rule!r}: choose one of {', '.join(RULES)}.")
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def length_unit(rule: Rule, output_tokens: Sequence[int]) -> str:
    """The unit of a rule's threshold ("" for the unitless ones), for its labels."""
    if rule != "length":
        return ""
    return "tokens" if any(t > 0 for t in output_tokens) else "characters"


@dataclass(frozen=True)
class RouterItems:
    """The paired items, aligned arrays: quality 0..1 on the chosen metric, cost in USD per
    request, latency in ms, and the rule's signal read from the cheap reply (NaN: none)."""

    item_ids: tuple[str, ...]
    cheap_quality: np.ndarray
    strong_quality: np.ndarray
    cheap_cost: np.ndarray
    strong_cost: np.ndarray
    cheap_latency: np.ndarray
    strong_latency: np.ndarray
    signal: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.item_ids)
        for name in (
            "cheap_quality",
            "strong_quality",
            "cheap_cost",
            "strong_cost",
            "cheap_latency",
            "strong_latency",
            "signal",
        ):
            if np.shape(getattr(self, name)) != (n,):
                raise ValueError(f"{name} needs one value per item ({n}).")
        if n == 0:
            raise ValueError(
                "No item has an answer in both runs: a router is measured on the items both "
                "models answered."
            )


def _latencies(samples: Sequence[Sample]) -> np.ndarray:
    """Latency per sample (ms); a cached answer's latency is the cache's, so it takes the
    median of the run's answers that were not cached (its own when every answer was)."""
    fresh = [s.latency_ms for s in samples if not s.cached and s.ok]
    typical = stats.percentile(fresh, 50) if fresh else None
    return np.array(
        [s.latency_ms if typical is None or not s.cached else typical for s in samples],
        dtype=float,
    )


def paired_items(
    items: Sequence[DatasetItem],
    cheap: Sequence[Sample],
    strong: Sequence[Sample],
    metric_id: str,
    rule: Rule,
    *,
    pattern: str | None = None,
    rule_pattern: str | None = None,
    grades: tuple[dict[str, float], dict[str, float]] | None = None,
    judge_scores: dict[str, float] | None = None,
) -> RouterItems:
    """The items both runs answered (an errored answer scores 0 and pays what it cost), with
    quality on `metric_id` (`pattern`: the regex metric's; `grades`: a judged metric's scores of
    the cheap and the strong run), cost = what the answer cost the model (a cached answer's
    original cost), latency (ms) and `rule`'s signal from the cheap reply (`rule_pattern`: the
    regex rule's; `judge_scores`: the judge rule's, per item id)."""
    cheap_grades, strong_grades = grades if grades is not None else (None, None)
    cheap_q = item_scores(items, cheap, metric_id, pattern, cheap_grades)
    strong_q = item_scores(items, strong, metric_id, pattern, strong_grades)
    by_cheap = {s.item_id: s for s in cheap}
    by_strong = {s.item_id: s for s in strong}
    keep = [
        i
        for i, item in enumerate(items)
        if item.id in by_cheap
        and item.id in by_strong
        and not np.isnan(cheap_q[i])
        and not np.isnan(strong_q[i])
    ]
    ids = tuple(items[i].id for i in keep)
    c = [by_cheap[i] for i in ids]
    s = [by_strong[i] for i in ids]
    signal = rule_signal(
        rule,
        [x.output if x.ok else None for x in c],
        [x.output_tokens for x in c],
        pattern=rule_pattern,
        judge_scores=None if judge_scores is None else [judge_scores.get(i) for i in ids],
    )
    return RouterItems(
        item_ids=ids,
        cheap_quality=cheap_q[keep],
        strong_quality=strong_q[keep],
        cheap_cost=np.array([x.cost_usd + x.cached_cost_usd for x in c], dtype=float),
        strong_cost=np.array([x.cost_usd + x.cached_cost_usd for x in s], dtype=float),
        cheap_latency=_latencies(c),
        strong_latency=_latencies(s),
        signal=signal,
    )


class CurvePoint(_Frozen):
    """A pure router's point: a share of requests on the cheap model (0..1)."""

    share_cheap: float
    quality_kept: float | None
    saved_share: float | None
    saved_usd: float


class ThresholdRow(_Frozen):
    """The cascade at one threshold. `threshold` None: nothing kept (everything escalates).
    Shares 0..1, quality 0..1, money USD over the measured items, latency ms."""

    threshold: float | None
    share_cheap: float
    quality: float
    quality_kept: float | None
    low: float | None
    high: float | None
    cost_usd: float
    saved_usd: float
    saved_share: float | None
    saved_per_1000_usd: float
    latency_mean_ms: float
    latency_p95_ms: float
    #: Share of items routed as the oracle would: kept where the cheap answer is at least as
    #: good, escalated where the strong one is better.
    agreement: float


class RouterCurve(_Frozen):
    """Everything a face shows about one rule on one pair of runs."""

    rule: Rule
    #: Keep on cheap when the signal is at least (True) or at most (False, length) the threshold.
    keep_above: bool
    n_items: int
    no_signal: int
    cheap_mean: float
    strong_mean: float
    cheap_cost_usd: float
    strong_cost_usd: float
    cheap_latency_mean_ms: float
    strong_latency_mean_ms: float
    alpha: float
    oracle: list[CurvePoint]
    random: list[CurvePoint]
    rows: list[ThresholdRow]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _shares(n: int) -> np.ndarray:
    """Counts of items on the cheap model for the bound curves: every count up to
    MAX_CURVE_POINTS, evenly spaced counts beyond."""
    if n + 1 <= MAX_CURVE_POINTS:
        return np.arange(n + 1)
    return np.unique(np.round(np.linspace(0, n, MAX_CURVE_POINTS)).astype(int))


def oracle_curve(items: RouterItems) -> list[CurvePoint]:
    """The best pure router at each share: k items on the cheap model, chosen by the largest
    cheap - strong quality (ties: the larger saving first), the rest on the strong model.

    Exchanging any chosen item for an unchosen one cannot raise the quality sum, so no other
    choice of k items does better (the brute-force test checks it)."""
    n = len(items.item_ids)
    gain = items.cheap_quality - items.strong_quality
    saving = items.strong_cost - items.cheap_cost
    order = np.lexsort((-saving, -gain))
    strong_q, strong_c = float(items.strong_quality.sum()), float(items.strong_cost.sum())
    q = np.concatenate([[strong_q], strong_q + np.cumsum(gain[order])])
    saved = np.concatenate([[0.0], np.cumsum(saving[order])])
    return [
        CurvePoint(
            share_cheap=k / n,
            quality_kept=_ratio(float(q[k]), strong_q),
            saved_share=_ratio(float(saved[k]), strong_c),
            saved_usd=float(saved[k]),
        )
        for k in _shares(n).tolist()
    ]


def random_curve(items: RouterItems) -> list[CurvePoint]:
    """A random split at each share s: expected quality s x cheap + (1 - s) x strong, and the
    same mixture of the costs."""
    n = len(items.item_ids)
    strong_q, cheap_q = float(items.strong_quality.sum()), float(items.cheap_quality.sum())
    strong_c, cheap_c = float(items.strong_cost.sum()), float(items.cheap_cost.sum())
    out = []
    for k in _shares(n).tolist():
        s = k / n
        saved = s * (strong_c - cheap_c)
        out.append(
            CurvePoint(
                share_cheap=s,
                quality_kept=_ratio(s * cheap_q + (1 - s) * strong_q, strong_q),
                saved_share=_ratio(saved, strong_c),
                saved_usd=saved,
            )
        )
    return out


def thresholds(signal: np.ndarray, keep_above: bool) -> list[float]:
    """The thresholds the table shows, from keeping the fewest items to keeping every item with
    a signal: each distinct signal value, or MAX_THRESHOLDS of its quantiles (values it takes)
    when it has more."""
    values = signal[~np.isnan(signal)]
    if values.size == 0:
        return []
    distinct = np.unique(values)
    if distinct.size > MAX_THRESHOLDS:
        distinct = np.unique(
            np.quantile(values, np.linspace(0, 1, MAX_THRESHOLDS), method="inverted_cdf")
        )
    ordered = distinct[::-1] if keep_above else distinct
    return [float(v) for v in ordered]


def kept_at(signal: np.ndarray, threshold: float | None, keep_above: bool) -> np.ndarray:
    """Which items the rule keeps on the cheap model (no signal: never)."""
    if threshold is None:
        return np.zeros(signal.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        kept: np.ndarray = signal >= threshold if keep_above else signal <= threshold
    out: np.ndarray = kept & ~np.isnan(signal)
    return out


def bootstrap_ratios(routed: np.ndarray, strong: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """sum(routed) / sum(strong) over `n_boot` seeded resamples of the items (rows: resamples;
    columns: the columns of `routed`, one per threshold; NaN where a resample's strong sum is
    0). The resamples are drawn in blocks, so memory stays at a block of counts per item."""
    n = strong.size
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, routed.shape[1]))
    for start in range(0, n_boot, _BLOCK):
        size = min(_BLOCK, n_boot - start)
        # How often each item is drawn in each resample of n draws with replacement.
        drawn = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
        weights = np.bincount(drawn.ravel(), minlength=size * n).reshape(size, n).astype(float)
        denominators = (weights @ strong)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + size] = np.where(
                denominators > 0, (weights @ routed) / denominators, np.nan
            )
    return out


def cascade_row(
    items: RouterItems,
    kept: np.ndarray,
    threshold: float | None,
    ratios: np.ndarray,
    alpha: float,
) -> ThresholdRow:
    """The cascade's figures when `kept` items stay on the cheap model. `ratios` is this
    threshold's quality kept in each bootstrap resample (bootstrap_ratios)."""
    n = len(items.item_ids)
    routed_q = np.where(kept, items.cheap_quality, items.strong_quality)
    cost = items.cheap_cost + np.where(kept, 0.0, items.strong_cost)
    latency = items.cheap_latency + np.where(kept, 0.0, items.strong_latency)
    strong_q, strong_c = float(items.strong_quality.sum()), float(items.strong_cost.sum())
    kept_q = _ratio(float(routed_q.sum()), strong_q)
    low = high = None
    usable = ratios[~np.isnan(ratios)]
    if kept_q is not None and usable.size:
        low, high = (
            float(v) for v in np.percentile(usable, [100 * alpha / 2, 100 * (1 - alpha / 2)])
        )
    saved = strong_c - float(cost.sum())
    cheap_enough = items.cheap_quality >= items.strong_quality
    right = np.where(kept, cheap_enough, ~cheap_enough)
    return ThresholdRow(
        threshold=threshold,
        share_cheap=float(kept.mean()),
        quality=float(routed_q.mean()),
        quality_kept=kept_q,
        low=low,
        high=high,
        cost_usd=float(cost.sum()),
        saved_usd=saved,
        saved_share=_ratio(saved, strong_c),
        saved_per_1000_usd=saved / n * 1000,
        latency_mean_ms=float(latency.mean()),
        latency_p95_ms=stats.percentile(latency, 95),
        agreement=float(right.mean()),
    )


def build_curve(
    items: RouterItems,
    rule: Rule,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
) -> RouterCurve:
    """The bounds and the rule's cascade at each threshold (the first row escalates every
    item; the last keeps every item with a signal). The intervals of every row come from the
    same seeded resamples of the items, so neighbouring rows are compared on equal terms."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha is between 0 and 1 (got {alpha}).")
    n = len(items.item_ids)
    keep_above = rule != "length"
    chosen: list[float | None] = [None, *thresholds(items.signal, keep_above)]
    kept = [kept_at(items.signal, t, keep_above) for t in chosen]
    routed = np.column_stack([np.where(k, items.cheap_quality, items.strong_quality) for k in kept])
    ratios = bootstrap_ratios(routed, items.strong_quality, n_boot, seed)
    rows = [
        cascade_row(items, k, t, ratios[:, j], alpha)
        for j, (k, t) in enumerate(zip(kept, chosen, strict=True))
    ]
    return RouterCurve(
        rule=rule,
        keep_above=keep_above,
        n_items=n,
        no_signal=int(np.isnan(items.signal).sum()),
        cheap_mean=float(items.cheap_quality.mean()),
        strong_mean=float(items.strong_quality.mean()),
        cheap_cost_usd=float(items.cheap_cost.sum()),
        strong_cost_usd=float(items.strong_cost.sum()),
        cheap_latency_mean_ms=float(items.cheap_latency.mean()),
        strong_latency_mean_ms=float(items.strong_latency.mean()),
        alpha=alpha,
        oracle=oracle_curve(items),
        random=random_curve(items),
        rows=rows,
    )


class AtSaving(_Frozen):
    """Quality kept at a chosen cost saving (the RouteLLM figure): for each curve, the best
    quality kept among its points saving at least `saving` (None: no point saves that much)."""

    saving: float
    oracle: float | None
    random: float | None
    rule: float | None
    row: ThresholdRow | None


def best_at_saving(
    points: Sequence[CurvePoint | ThresholdRow], saving: float
) -> CurvePoint | ThresholdRow | None:
    """The point of highest quality kept among those saving at least `saving` (0..1)."""
    eligible = [
        p
        for p in points
        if p.saved_share is not None
        and p.quality_kept is not None
        and p.saved_share >= saving - 1e-12
    ]
    return max(eligible, key=lambda p: (p.quality_kept or 0.0, p.share_cheap), default=None)


def bound_at_saving(points: Sequence[CurvePoint], saving: float) -> float | None:
    """A bound's quality kept at exactly `saving`, on the line between its two measured shares
    around it, as the plot draws it (sending a share between them at random achieves it);
    outside its measured savings, its best point saving at least that much."""
    known = sorted(
        (p.saved_share, p.quality_kept)
        for p in points
        if p.saved_share is not None and p.quality_kept is not None
    )
    for (s0, q0), (s1, q1) in itertools.pairwise(known):
        if s0 <= saving <= s1 and s1 > s0:
            return q0 + (q1 - q0) * (saving - s0) / (s1 - s0)
    best = best_at_saving(points, saving)
    return None if best is None else best.quality_kept


def at_saving(curve: RouterCurve, saving: float) -> AtSaving:
    """Quality kept by the oracle and a random split at a cost saving of `saving` (on their
    lines), and by the rule at its best threshold saving at least that much (a threshold one
    can set)."""
    if not math.isfinite(saving) or not -1 <= saving <= 1:
        raise ValueError(f"A cost saving is a share between -1 and 1 (got {saving}).")
    row = best_at_saving(curve.rows, saving)
    return AtSaving(
        saving=saving,
        oracle=bound_at_saving(curve.oracle, saving),
        random=bound_at_saving(curve.random, saving),
        rule=None if row is None else row.quality_kept,
        row=row if isinstance(row, ThresholdRow) else None,
    )


def nearest_row(curve: RouterCurve, threshold: float | None) -> ThresholdRow:
    """The table's row of a threshold (None: the escalate-everything row)."""
    if threshold is None:
        return curve.rows[0]
    usable = [r for r in curve.rows if r.threshold is not None]
    if not usable:
        return curve.rows[0]
    return min(usable, key=lambda r: abs((r.threshold or 0.0) - threshold))
