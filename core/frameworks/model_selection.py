"""Model Selection: a bounded, weighted scorecard of candidate models with hard gates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core import analysis
from core.catalog import ModelInfo
from core.frameworks.common import (
    Figure,
    FrameworkInputs,
    FrameworkResult,
    TableRecord,
    duration,
    format_number,
    money,
    param,
)

ID = "model_selection"
TITLE = "Model Selection"
GUIDE = (
    "Use this to pick one model from a shortlist you have measured on your own task: accuracy, "
    "average latency and cost per request, entered in the table or added from the catalog. "
    "Each measure becomes a score from 0 to 1 and the weighted sum ranks the models; hard gates "
    "remove any model below a minimum accuracy or above a maximum latency or cost first. By "
    "default a score is min-max across the remaining candidates (best 1, worst 0), so the "
    "ranking depends on who else is on the list; 'Against targets' caps each score at 1 against a "
    "target instead (accuracy / target, target / latency, target / cost), so a model is judged "
    "on its own. The source's scorecard divides by latency and cost without a cap: "
    "0.001 / cost per token is about 6,667 for a $0.15-per-million model, hundreds of times "
    "any accuracy score, so the cheapest model wins whatever the weights; bounded scores let "
    "the weights mean what they say. The weight map shows which model wins at every weighting "
    "and how far the weights may move before the answer changes. The three default candidates "
    "are examples with list prices at 1,500 input and 400 output tokens: enter your own "
    "measurements."
)

#: Step of the weight-map grid: 1/80 gives 3,321 weightings.
MAP_RESOLUTION = 80
#: Totals this close count as a tie (the first listed candidate wins it).
TIE = 1e-12

CANDIDATES = "Candidates"
REQUEST = "Request size"
WEIGHTS = "Weights"
SCORING = "Scoring"
GATES = "Hard gates"

Criterion = Literal["quality", "latency", "cost"]
Gate = Literal["accuracy", "latency", "cost"]
Direction = Literal["raise", "lower"]
CRITERIA: tuple[Criterion, Criterion, Criterion] = ("quality", "latency", "cost")


class Candidate(TableRecord):
    """One model on the shortlist with what it measured on your task."""

    name: str = Field(
        min_length=1,
        max_length=120,
        title="Model",
        description="A name for the model (unique in the table), e.g. its catalog id.",
    )
    accuracy: float = Field(
        ge=0,
        le=1,
        title="Accuracy (0-1)",
        description="Share of your benchmark the model gets right, from 0 to 1.",
    )
    avg_latency_ms: float = Field(
        ge=0,
        le=86_400_000,
        title="Avg latency (ms)",
        description="Average time to a complete answer, in milliseconds.",
    )
    cost_usd: float = Field(
        ge=0,
        le=1_000_000,
        title="Cost ($)",
        description="What the model costs in dollars, per request or per token (see the unit).",
        # The table shows each cost with the unit its row chose.
        json_schema_extra={"unit_field": "cost_unit"},
    )
    cost_unit: Literal["per_request", "per_token"] = Field(
        "per_request",
        title="Cost unit",
        description="Whether the cost is per request, or a blended price per token that is "
        "multiplied by the input plus output tokens of a request.",
    )

    def cost_per_request(self, tokens_per_request: float) -> float:
        if self.cost_unit == "per_token":
            return self.cost_usd * tokens_per_request
        return self.cost_usd


def _default_candidates() -> list[Candidate]:
    """Examples: list prices x (1,500 in, 400 out) tokens; accuracy and latency illustrative.

    gpt-4o       1,500 x $2.50/M + 400 x $10/M   = $0.00775 per request
    gpt-4o-mini  1,500 x $0.15/M + 400 x $0.60/M = $0.000465
    llama 8B     1,500 x $0.03/M + 400 x $0.05/M = $0.000065 (DeepInfra's list price)
    Latencies follow the source's ranges: gpt-4o 2-5 s, gpt-4o-mini 1-2 s.
    """
    return [
        Candidate(name="gpt-4o", accuracy=0.91, avg_latency_ms=3500, cost_usd=0.00775),
        Candidate(name="gpt-4o-mini", accuracy=0.84, avg_latency_ms=1500, cost_usd=0.000465),
        Candidate(
            name="llama-3.1-8b-instruct", accuracy=0.71, avg_latency_ms=1800, cost_usd=0.000065
        ),
    ]


class Inputs(FrameworkInputs):
    candidates: list[Candidate] = param(
        _default_candidates(),
        group=CANDIDATES,
        title="Candidates",
        description="The shortlist: one row per model with its measured accuracy, average "
        "latency and cost. Ties go to the model listed first.",
        catalog_rows=True,
    )
    input_tokens_per_request: int = param(
        1500,
        ge=0,
        le=10_000_000,
        step=100,
        unit="tokens",
        group=REQUEST,
        title="Input tokens per request",
        description="Prompt tokens of a typical request: turns per-token prices into a cost "
        "per request, and sizes rows added from the catalog.",
    )
    output_tokens_per_request: int = param(
        400,
        ge=0,
        le=10_000_000,
        step=50,
        unit="tokens",
        group=REQUEST,
        title="Output tokens per request",
        description="Answer tokens of a typical request: with the input tokens they price "
        "per-token rows, and they set the latency of rows added from the catalog.",
    )
    weight_quality: float = param(
        0.5,
        ge=0,
        le=100,
        step=0.05,
        unit="weight",
        group=WEIGHTS,
        title="Quality weight",
        description="How much accuracy counts. The three weights are divided by their sum, "
        "so 5 / 3 / 2 means the same as 0.5 / 0.3 / 0.2.",
    )
    weight_latency: float = param(
        0.3,
        ge=0,
        le=100,
        step=0.05,
        unit="weight",
        group=WEIGHTS,
        title="Latency weight",
        description="How much speed counts (relative to the other two weights).",
    )
    weight_cost: float = param(
        0.2,
        ge=0,
        le=100,
        step=0.05,
        unit="weight",
        group=WEIGHTS,
        title="Cost weight",
        description="How much a low cost per request counts (relative to the other two).",
    )
    normalisation: Literal["min_max", "targets"] = param(
        "min_max",
        group=SCORING,
        title="Scores",
        description="Min-max across candidates: each measure rescaled across the candidates "
        "that pass the gates (best 1, worst 0). Against targets: accuracy / target, target / "
        "latency and target / cost, each capped at 1.",
    )
    target_accuracy: float = param(
        0.95,
        gt=0,
        le=1,
        step=0.01,
        unit="accuracy 0-1",
        group=SCORING,
        title="Target accuracy",
        description="With target scores: the accuracy that earns full marks (the source "
        "divides by 0.95).",
    )
    target_latency_ms: float = param(
        2000,
        gt=0,
        le=86_400_000,
        step=100,
        unit="ms",
        group=SCORING,
        title="Target latency",
        description="With target scores: a latency at or below this earns full marks (the "
        "source divides 2,000 ms by the latency).",
    )
    target_cost_per_request_usd: float = param(
        0.001,
        gt=0,
        le=1_000_000,
        step=0.0005,
        unit="$/request",
        group=SCORING,
        title="Target cost per request",
        description="With target scores: a cost per request at or below this earns full marks.",
    )
    gate_accuracy: bool = param(
        False,
        group=GATES,
        title="Require a minimum accuracy",
        description="Remove candidates whose accuracy is below the minimum.",
    )
    min_accuracy: float = param(
        0.8,
        ge=0,
        le=1,
        step=0.01,
        unit="accuracy 0-1",
        group=GATES,
        title="Minimum accuracy",
        description="Candidates below this accuracy are removed before scoring.",
        applies_when=("gate_accuracy", True),
    )
    gate_latency: bool = param(
        False,
        group=GATES,
        title="Require a maximum latency",
        description="Remove candidates slower than the maximum latency.",
    )
    max_latency_ms: float = param(
        3000,
        ge=0,
        le=86_400_000,
        step=100,
        unit="ms",
        group=GATES,
        title="Maximum latency",
        description="Candidates with a longer average latency are removed before scoring.",
        applies_when=("gate_latency", True),
    )
    gate_cost: bool = param(
        False,
        group=GATES,
        title="Require a maximum cost",
        description="Remove candidates dearer per request than the maximum cost.",
    )
    max_cost_per_request_usd: float = param(
        0.005,
        ge=0,
        le=1_000_000,
        step=0.001,
        unit="$/request",
        group=GATES,
        title="Maximum cost per request",
        description="Candidates that cost more per request are removed before scoring.",
        applies_when=("gate_cost", True),
    )

    @field_validator("candidates")
    @classmethod
    def _shortlist(cls, candidates: list[Candidate]) -> list[Candidate]:
        if not candidates:
            raise ValueError("add at least one candidate")
        if len(candidates) > 100:
            raise ValueError(f"at most 100 candidates (got {len(candidates)})")
        seen: set[str] = set()
        for c in candidates:
            if c.name in seen:
                raise ValueError(f"candidate names must be unique: '{c.name}' appears twice")
            seen.add(c.name)
        return candidates

    @model_validator(mode="after")
    def _some_weight(self) -> Inputs:
        if self.weight_quality + self.weight_latency + self.weight_cost <= 0:
            raise ValueError(
                "at least one weight must be above zero: with quality, latency and cost all "
                "at 0 nothing ranks the candidates"
            )
        return self

    @property
    def tokens_per_request(self) -> int:
        return self.input_tokens_per_request + self.output_tokens_per_request

    @property
    def weights(self) -> np.ndarray:
        """(quality, latency, cost), divided by their sum."""
        w = np.array([self.weight_quality, self.weight_latency, self.weight_cost], dtype=float)
        return w / float(w.sum())


class Weights(BaseModel):
    """Normalised weights: they sum to 1."""

    model_config = ConfigDict(frozen=True)

    quality: float
    latency: float
    cost: float

    def as_array(self) -> np.ndarray:
        return np.array([self.quality, self.latency, self.cost])

    def text(self) -> str:
        return f"quality {self.quality:.2f} / latency {self.latency:.2f} / cost {self.cost:.2f}"


class ScoredCandidate(BaseModel):
    """A candidate that passed the gates: its measures, scores (0-1) and weighted points."""

    model_config = ConfigDict(frozen=True)

    name: str
    input_index: int
    rank: int
    accuracy: float
    avg_latency_ms: float
    cost_per_request_usd: float
    quality_score: float
    latency_score: float
    cost_score: float
    quality_points: float
    latency_points: float
    cost_points: float
    total: float

    def scores(self) -> tuple[float, float, float]:
        return self.quality_score, self.latency_score, self.cost_score


class GatedCandidate(BaseModel):
    """A candidate a hard gate removed, and which gates it failed."""

    model_config = ConfigDict(frozen=True)

    name: str
    input_index: int
    accuracy: float
    avg_latency_ms: float
    cost_per_request_usd: float
    failed: list[Gate]
    reasons: list[str]


class WeightFlip(BaseModel):
    """The nearest weights (Euclidean, on the simplex) at which another model ties the winner."""

    model_config = ConfigDict(frozen=True)

    to_model: str
    distance: float
    weights: Weights


class WeightThreshold(BaseModel):
    """Moving one weight alone (the other two keep their ratio) until the winner changes."""

    model_config = ConfigDict(frozen=True)

    weight: Criterion
    direction: Direction
    current: float
    threshold: float
    new_winner: str


class WeightMap(BaseModel):
    """The winner at every point of `analysis.simplex_grid(resolution)` (quality, latency, cost).

    `winners` index `names` (the candidates that passed the gates, in input order); it is
    empty when none passed.
    """

    model_config = ConfigDict(frozen=True)

    resolution: int
    names: list[str]
    winners: list[int]


class Result(FrameworkResult):
    winner: str | None
    runner_up: str | None
    margin: float | None
    normalisation: Literal["min_max", "targets"]
    weights: Weights
    ranked: list[ScoredCandidate]
    gated_out: list[GatedCandidate]
    flip: WeightFlip | None
    thresholds: list[WeightThreshold]
    never_win: list[str]
    weight_map: WeightMap

    def row(self, name: str) -> ScoredCandidate:
        for r in self.ranked:
            if r.name == name:
                return r
        raise KeyError(name)


# --- Scoring ---------------------------------------------------------------------------------


def component_scores(
    accuracy: np.ndarray,
    latency_ms: np.ndarray,
    cost: np.ndarray,
    normalisation: str,
    targets: tuple[float, float, float],
) -> np.ndarray:
    """Scores in [0, 1] per candidate (rows) for quality, latency and cost (columns).

    min_max: (x - worst) / (best - worst) per column, higher accuracy and lower latency and
    cost being better; a column where every candidate is equal scores 1 for all.
    targets: min(accuracy / target, 1), min(target / latency, 1), min(target / cost, 1); a
    latency or cost of 0 is at or below any target and scores 1 (no division by zero).
    """
    if normalisation == "min_max":
        cols = [
            analysis.min_max_scores(accuracy, higher_is_better=True),
            analysis.min_max_scores(latency_ms, higher_is_better=False),
            analysis.min_max_scores(cost, higher_is_better=False),
        ]
    else:
        t_acc, t_lat, t_cost = targets
        cols = [
            np.minimum(accuracy / t_acc, 1.0),
            _capped_inverse(latency_ms, t_lat),
            _capped_inverse(cost, t_cost),
        ]
    scores: np.ndarray = np.clip(np.column_stack(cols), 0.0, 1.0)
    return scores


def _capped_inverse(values: np.ndarray, target: float) -> np.ndarray:
    """min(target / value, 1), with anything at or below the target scoring exactly 1."""
    out = np.ones_like(values, dtype=float)
    over = values > target
    out[over] = target / values[over]
    return out


def _gate(x: Inputs, c: Candidate, cost: float) -> tuple[list[Gate], list[str]]:
    failed: list[Gate] = []
    reasons = []
    if x.gate_accuracy and c.accuracy < x.min_accuracy:
        failed.append("accuracy")
        reasons.append(f"accuracy {c.accuracy:.1%} below the minimum {x.min_accuracy:.1%}")
    if x.gate_latency and c.avg_latency_ms > x.max_latency_ms:
        failed.append("latency")
        reasons.append(
            f"latency {duration(c.avg_latency_ms)} over the maximum {duration(x.max_latency_ms)}"
        )
    if x.gate_cost and cost > x.max_cost_per_request_usd:
        failed.append("cost")
        reasons.append(
            f"cost {money(cost)} per request over the maximum {money(x.max_cost_per_request_usd)}"
        )
    return failed, reasons


def _winner(scores: np.ndarray, w: np.ndarray) -> int:
    return int(analysis.weighted_winners(scores, w[None, :], TIE)[0])


# --- Weight sensitivity ----------------------------------------------------------------------


def nearest_flip(scores: np.ndarray, w: np.ndarray, k: int) -> tuple[int, float, np.ndarray]:
    """The nearest weights (Euclidean) at which another candidate catches up with winner k.

    With scores s_i and weights v on the simplex (v >= 0, sum v = 1), candidate j beats k
    where d . v > 0 with d = s_j - s_k. That set is the triangle cut by the line d . v = 0;
    since k wins at w (d . w <= 0) and the triangle is convex, the nearest point of j's side is
    the nearest point of the segment where the line crosses the triangle. The segment's ends
    are where d changes sign along the triangle's edges (e_a to e_b at t = d_a / (d_a - d_b))
    or vertices with d_i = 0. The nearest such point over all j is where the winner first
    changes: any other model overtaking k there would have a nearer point of its own. Ties
    follow `analysis.weighted_winners` (see `_lead`); a j that can nowhere beat k is skipped.

    Returns (j, distance, tie weights), or (-1, inf, w) when no weighting changes the winner.
    """
    best = (-1, math.inf, w)
    vertices = np.eye(3)
    for j in range(scores.shape[0]):
        if j == k:
            continue
        d = _lead(scores, j, k)
        if d.max() < 0 or (j > k and d.max() == 0):
            continue
        ends = [vertices[i] for i in range(3) if d[i] == 0]
        for a, b in ((0, 1), (1, 2), (0, 2)):
            if d[a] * d[b] < 0:
                t = d[a] / (d[a] - d[b])
                ends.append((1 - t) * vertices[a] + t * vertices[b])
        if not ends:
            continue
        p, q = _farthest_pair(ends)
        v = _nearest_on_segment(w, p, q)
        dist = float(np.linalg.norm(v - w))
        if dist < best[1] - 1e-15:
            best = (j, dist, v)
    return best


def _lead(scores: np.ndarray, j: int, k: int) -> np.ndarray:
    """s_j - s_k shifted by the tie band: j beats k at weights v exactly when the result . v
    is >= 0 (j listed first, so it wins a tie within TIE) or > 0 (j listed after k). Weights
    sum to 1, so subtracting a constant c from d moves the line d . v = 0 to d . v = c.
    """
    lead: np.ndarray = scores[j] - scores[k] + (TIE if j < k else -TIE)
    return lead


def _farthest_pair(points: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [(a, b) for i, a in enumerate(points) for b in points[i:]]
    return max(pairs, key=lambda ab: float(np.sum((ab[0] - ab[1]) ** 2)))


def _nearest_on_segment(w: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    span = q - p
    length2 = float(span @ span)
    if length2 == 0:
        return p.copy()
    t = float(np.clip((w - p) @ span / length2, 0.0, 1.0))
    nearest: np.ndarray = p + t * span
    return nearest


def single_weight_thresholds(
    scores: np.ndarray, w: np.ndarray, k: int
) -> list[tuple[int, Direction, float, int]]:
    """For each weight, raised or lowered alone, where the winner first changes and to whom.

    Weight i moves to t while the other two keep their ratio: v(t) = t e_i + (1 - t) r, where r
    is w without weight i, rescaled to sum 1 (an even split when the others are both 0). Along
    that path candidate j's lead over k is linear in t:
        d . v(t) = d . r + t (d_i - d . r),   d = s_j - s_k (shifted by the tie band, `_lead`),
    zero at t* = d . r / (d . r - d_i). Raising crosses when w_i <= t* < 1 and j gains with t
    (d_i > d . r); lowering when 0 < t* <= w_i and j gains as t falls. A crossing at the very
    end of the path (t* = 1 or 0) counts only for a j listed before k, which wins the tie there.
    The nearest t* in each direction is where k stops winning.

    Returns (weight index, "raise" | "lower", t*, new winner) for each move that changes it.
    """
    out: list[tuple[int, Direction, float, int]] = []
    for i in range(3):
        rest = np.delete(w, i)
        rest = rest / rest.sum() if rest.sum() > 0 else np.full(2, 0.5)
        r = np.insert(rest, i, 0.0)
        up: tuple[float, int] | None = None
        down: tuple[float, int] | None = None
        for j in range(scores.shape[0]):
            if j == k:
                continue
            d = _lead(scores, j, k)
            at_r = float(d @ r)
            slope = float(d[i]) - at_r
            if slope == 0:
                continue
            t = -at_r / slope
            # j takes over at t itself only if it wins ties; otherwise there must be room beyond.
            ties = j < k
            reach_up = t <= 1 if ties else t < 1
            reach_down = t >= 0 if ties else t > 0
            if slope > 0 and w[i] - TIE <= t and reach_up and (up is None or t < up[0] - 1e-15):
                up = (min(max(t, float(w[i])), 1.0), j)
            if (
                slope < 0
                and t <= w[i] + TIE
                and reach_down
                and (down is None or t > down[0] + 1e-15)
            ):
                down = (max(min(t, float(w[i])), 0.0), j)
        if up is not None:
            out.append((i, "raise", up[0], up[1]))
        if down is not None:
            out.append((i, "lower", down[0], down[1]))
    return out


# --- compute ---------------------------------------------------------------------------------


def compute(inputs: Inputs, catalog: Any = None) -> Result:
    """Rank the candidates by a weighted sum of bounded scores, after the hard gates.

    1. Cost per request = cost, or cost x (input + output tokens) for per-token prices.
    2. Gates remove candidates below the minimum accuracy, above the maximum latency (ms) or
       above the maximum cost per request (each only while switched on).
    3. Scores in [0, 1] for quality, latency and cost (see `component_scores`).
    4. Weights w = (quality, latency, cost) / their sum; total = w . scores, in [0, 1].
       The highest total wins; totals within 1e-12 tie and the first listed wins the tie.
    5. Sensitivity: the nearest weights at which another model ties the winner (`nearest_flip`),
       the threshold of each weight moved alone (`single_weight_thresholds`), and the winner at
       each of 3,321 weightings on a 1/80 grid of the weight triangle.
    The catalog is not read: candidates carry their own numbers (see `candidates_from_catalog`).
    """
    x = inputs
    w = x.weights
    weights = Weights(quality=float(w[0]), latency=float(w[1]), cost=float(w[2]))
    tokens = x.tokens_per_request
    costs = [c.cost_per_request(tokens) for c in x.candidates]

    eligible: list[int] = []
    gated: list[GatedCandidate] = []
    for i, (c, per_request) in enumerate(zip(x.candidates, costs, strict=True)):
        failed, reasons = _gate(x, c, per_request)
        if failed:
            gated.append(
                GatedCandidate(
                    name=c.name,
                    input_index=i,
                    accuracy=c.accuracy,
                    avg_latency_ms=c.avg_latency_ms,
                    cost_per_request_usd=per_request,
                    failed=failed,
                    reasons=reasons,
                )
            )
        else:
            eligible.append(i)

    if not eligible:
        return _nobody(x, weights, gated)

    cands = [x.candidates[i] for i in eligible]
    acc = np.array([c.accuracy for c in cands])
    lat = np.array([c.avg_latency_ms for c in cands])
    cost = np.array([costs[i] for i in eligible])
    targets = (x.target_accuracy, x.target_latency_ms, x.target_cost_per_request_usd)
    scores = component_scores(acc, lat, cost, x.normalisation, targets)
    points = scores * w
    totals = points.sum(axis=1)

    k = _winner(scores, w)
    others = sorted((j for j in range(len(cands)) if j != k), key=lambda j: -totals[j])
    order = [k, *others]
    ranked = [
        ScoredCandidate(
            name=cands[j].name,
            input_index=eligible[j],
            rank=rank,
            accuracy=float(acc[j]),
            avg_latency_ms=float(lat[j]),
            cost_per_request_usd=float(cost[j]),
            quality_score=float(scores[j, 0]),
            latency_score=float(scores[j, 1]),
            cost_score=float(scores[j, 2]),
            quality_points=float(points[j, 0]),
            latency_points=float(points[j, 1]),
            cost_points=float(points[j, 2]),
            total=float(totals[j]),
        )
        for rank, j in enumerate(order, start=1)
    ]
    runner = others[0] if others else None
    margin = max(float(totals[k] - totals[runner]), 0.0) if runner is not None else None

    j_flip, dist, tie_w = nearest_flip(scores, w, k)
    flip = (
        WeightFlip(
            to_model=cands[j_flip].name,
            distance=dist,
            weights=Weights(quality=float(tie_w[0]), latency=float(tie_w[1]), cost=float(tie_w[2])),
        )
        if j_flip >= 0
        else None
    )
    thresholds = [
        WeightThreshold(
            weight=CRITERIA[i],
            direction=direction,
            current=float(w[i]),
            threshold=t,
            new_winner=cands[j].name,
        )
        for i, direction, t, j in single_weight_thresholds(scores, w, k)
    ]
    grid = analysis.simplex_grid(MAP_RESOLUTION)
    winners = analysis.weighted_winners(scores, grid, TIE)
    never = [cands[j].name for j in sorted(set(range(len(cands))) - set(winners.tolist()))]
    weight_map = WeightMap(
        resolution=MAP_RESOLUTION,
        names=[c.name for c in cands],
        winners=winners.tolist(),
    )

    winner = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    rationale = _rationale(x, weights, ranked, gated, acc, lat, cost, flip, thresholds, never)
    if second is None:
        headline = f"{winner.name}: the only candidate that passes the gates"
    elif margin is not None and margin <= TIE:
        headline = (
            f"{winner.name} and {second.name} tie at {winner.total:.3f}; "
            f"{winner.name} is listed first"
        )
    else:
        headline = (
            f"{winner.name} wins with {winner.total:.3f} of 1, {margin:.3f} ahead of {second.name}"
        )
    return Result(
        recommendation=winner.name,
        headline=headline,
        rationale=rationale,
        figures=_figures(winner, margin, flip, len(ranked), len(gated)),
        winner=winner.name,
        runner_up=second.name if second else None,
        margin=margin,
        normalisation=x.normalisation,
        weights=weights,
        ranked=ranked,
        gated_out=gated,
        flip=flip,
        thresholds=thresholds,
        never_win=never,
        weight_map=weight_map,
    )


def _nobody(x: Inputs, weights: Weights, gated: list[GatedCandidate]) -> Result:
    """Every candidate failed a gate: recommend none and say which gate removed each."""
    rationale = [
        f"Every candidate fails a hard gate, so none is recommended ({_gates_text(x)}).",
        *(f"{g.name}: {'; '.join(g.reasons)}." for g in gated),
    ]
    rationale.extend(_relaxations(x, gated))
    return Result(
        recommendation="none",
        headline=f"No candidate passes the gates ({len(gated)} removed)",
        rationale=rationale,
        figures=_figures(None, None, None, 0, len(gated)),
        winner=None,
        runner_up=None,
        margin=None,
        normalisation=x.normalisation,
        weights=weights,
        ranked=[],
        gated_out=gated,
        flip=None,
        thresholds=[],
        never_win=[],
        weight_map=WeightMap(resolution=MAP_RESOLUTION, names=[], winners=[]),
    )


def _relaxations(x: Inputs, gated: list[GatedCandidate]) -> list[str]:
    """For each gate, the least it must give alone to admit a candidate that failed only it."""
    out = []
    for gate in ("accuracy", "latency", "cost"):
        only = [g for g in gated if g.failed == [gate]]
        if not only:
            continue
        if gate == "accuracy":
            g = max(only, key=lambda c: c.accuracy)
            to = f"{g.accuracy:.1%}"
        elif gate == "latency":
            g = min(only, key=lambda c: c.avg_latency_ms)
            # Exact milliseconds: the value to type into the maximum, which 3 significant
            # digits could round below the candidate's latency.
            to = f"{g.avg_latency_ms:,.0f} ms"
        else:
            g = min(only, key=lambda c: c.cost_per_request_usd)
            to = f"{money(g.cost_per_request_usd)} per request"
        out.append(f"Relaxing the {gate} gate alone to {to} would admit {g.name}.")
    return out


def _gates_text(x: Inputs) -> str:
    parts = []
    if x.gate_accuracy:
        parts.append(f"accuracy at least {x.min_accuracy:.1%}")
    if x.gate_latency:
        parts.append(f"latency at most {duration(x.max_latency_ms)}")
    if x.gate_cost:
        parts.append(f"cost at most {money(x.max_cost_per_request_usd)} per request")
    return ", ".join(parts) or "no gates"


def _figures(
    winner: ScoredCandidate | None,
    margin: float | None,
    flip: WeightFlip | None,
    n_eligible: int,
    n_gated: int,
) -> list[Figure]:
    def of(attr: str) -> float | None:
        return getattr(winner, attr) if winner is not None else None

    accuracy = of("accuracy")
    return [
        Figure(key="winner_total", label="Winner's score (0-1)", value=of("total"), unit="ratio"),
        Figure(
            key="margin",
            label="Lead over the runner-up",
            value=margin,
            unit="ratio",
            none_text="no runner-up",
        ),
        Figure(
            key="flip_distance",
            label="Weight change that changes the winner",
            value=flip.distance if flip else None,
            unit="ratio",
            none_text="none: it wins at every weighting",
        ),
        Figure(
            key="winner_accuracy",
            label="Winner's accuracy",
            value=accuracy * 100 if accuracy is not None else None,
            unit="pct",
        ),
        Figure(
            key="winner_latency_ms",
            label="Winner's average latency",
            value=of("avg_latency_ms"),
            unit="ms",
        ),
        Figure(
            key="winner_cost_per_request",
            label="Winner's cost per request",
            value=of("cost_per_request_usd"),
            unit="usd",
        ),
        Figure(
            key="eligible", label="Candidates passing the gates", value=n_eligible, unit="count"
        ),
        Figure(key="gated_out", label="Candidates removed by gates", value=n_gated, unit="count"),
    ]


def _rationale(
    x: Inputs,
    weights: Weights,
    ranked: list[ScoredCandidate],
    gated: list[GatedCandidate],
    acc: np.ndarray,
    lat: np.ndarray,
    cost: np.ndarray,
    flip: WeightFlip | None,
    thresholds: list[WeightThreshold],
    never: list[str],
) -> list[str]:
    top = ranked[0]
    out = [
        f"{top.name} scores {top.total:.3f} of 1: quality {top.quality_score:.3f} x "
        f"{weights.quality:.2f} + latency {top.latency_score:.3f} x {weights.latency:.2f} + "
        f"cost {top.cost_score:.3f} x {weights.cost:.2f}."
    ]
    if len(ranked) > 1:
        second = ranked[1]
        out.append(
            f"The runner-up {second.name} scores {second.total:.3f}, "
            f"{top.total - second.total:.3f} behind."
        )
    n = len(ranked)
    if x.normalisation == "min_max":
        out.append(
            f"Scores are min-max across the {n} candidate{'s' if n != 1 else ''} that pass the "
            f"gates: accuracy {acc.min():.1%} to {acc.max():.1%}, latency {lat.min():,.0f} to "
            f"{duration(lat.max())}, cost {money(float(cost.min()))} to "
            f"{money(float(cost.max()))} per request."
        )
    else:
        out.append(
            f"Scores are capped at 1 against targets: accuracy {x.target_accuracy:.1%}, "
            f"latency {duration(x.target_latency_ms)}, cost "
            f"{money(x.target_cost_per_request_usd)} per request."
        )
    out.extend(f"{g.name} is removed by a gate: {'; '.join(g.reasons)}." for g in gated)
    if flip is not None:
        if flip.distance <= 1e-9:
            out.append(
                f"{flip.to_model} ties with {top.name} at these weights: any move toward "
                f"{flip.to_model}'s strengths changes the winner."
            )
        else:
            out.append(
                f"The smallest change of weights that changes the winner moves them by "
                f"{flip.distance:.3f} (Euclidean), to {flip.weights.text()}, where "
                f"{flip.to_model} ties with {top.name}; beyond that {flip.to_model} wins."
            )
    elif n > 1:
        out.append(f"{top.name} wins at every weighting of quality, latency and cost.")
    if thresholds:
        near = min(thresholds, key=lambda t: abs(t.threshold - t.current))
        verb = "raising" if near.direction == "raise" else "lowering"
        out.append(
            f"Moving one weight alone (the other two in proportion), {verb} the "
            f"{near.weight} weight from {near.current:.2f} to {near.threshold:.2f} makes "
            f"{near.new_winner} the winner."
        )
    if never:
        names = ", ".join(never)
        does = "wins" if len(never) == 1 else "win"
        out.append(f"{names} {does} at no weighting: another candidate always scores higher.")
    return out


def winner_at(result: Result, weights: Sequence[float] | np.ndarray) -> str | None:
    """The winner of a result's scorecard at other weights (quality, latency, cost).

    The weights are divided by their sum; None when nothing passed the gates or all are 0.
    """
    w = np.asarray(weights, dtype=float)
    if not result.ranked or w.shape != (3,) or not np.all(w >= 0) or not w.sum() > 0:
        return None
    rows = sorted(result.ranked, key=lambda r: r.input_index)
    scores = np.array([r.scores() for r in rows])
    return rows[_winner(scores, w / w.sum())].name


# --- Catalog ---------------------------------------------------------------------------------


def candidates_from_catalog(
    models: list[ModelInfo], input_tokens: int, output_tokens: int
) -> list[Candidate]:
    """Candidates from catalog models: quality score -> accuracy, latency profile at the given
    output tokens -> average latency (ttft + tokens / speed), per-token prices -> cost per
    request. Models without a quality score or latency profile are skipped (see
    `skipped_from_catalog`); so is a latency or cost beyond a candidate's bounds.
    """
    out = []
    for m in models:
        if _missing(m):
            continue
        assert m.quality is not None and m.latency is not None
        latency = m.latency.latency_ms(output_tokens)
        cost = m.cost_per_request(input_tokens, output_tokens)
        if latency > 86_400_000 or cost > 1_000_000:
            continue
        out.append(
            Candidate(
                name=m.id,
                accuracy=m.quality.score,
                avg_latency_ms=latency,
                cost_usd=cost,
                cost_unit="per_request",
            )
        )
    return out


def skipped_from_catalog(
    models: list[ModelInfo], input_tokens: int = 0, output_tokens: int = 0
) -> list[tuple[str, str]]:
    """The models `candidates_from_catalog` leaves out, each with the reason."""
    out = []
    for m in models:
        missing = _missing(m)
        if missing:
            out.append((m.id, missing))
            continue
        assert m.latency is not None
        if m.latency.latency_ms(output_tokens) > 86_400_000:
            out.append((m.id, "latency over 24 hours"))
        elif m.cost_per_request(input_tokens, output_tokens) > 1_000_000:
            out.append((m.id, "cost over $1,000,000 per request"))
    return out


def _missing(m: ModelInfo) -> str:
    gaps = [
        what
        for what, value in (("quality score", m.quality), ("latency profile", m.latency))
        if value is None
    ]
    return "no " + " and no ".join(gaps) if gaps else ""


def rows_from_catalog(field: str, models: list[ModelInfo], inputs: Inputs) -> list[dict[str, Any]]:
    """Table rows for the "Add from catalog" button: models not yet on the list, as candidates."""
    if field != "candidates":
        return []
    present = {c.name for c in inputs.candidates}
    fresh = candidates_from_catalog(
        models, inputs.input_tokens_per_request, inputs.output_tokens_per_request
    )
    return [c.model_dump() for c in fresh if c.name not in present]


# --- Summary ---------------------------------------------------------------------------------


def summarize(inputs: Inputs, result: Result) -> str:
    """Markdown body of the decision summary: the scorecard, the sensitivity and assumptions."""
    x, r = inputs, result
    w = r.weights
    lines = [
        "### Considered options",
        "",
        f"Weights (normalised): {w.text()}.",
        "",
        "| Rank | Model | Accuracy | Latency | Cost per request | Quality score | "
        "Latency score | Cost score | Total |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in r.ranked:
        lines.append(
            f"| {c.rank} | {c.name} | {c.accuracy:.1%} | {duration(c.avg_latency_ms)} | "
            f"{money(c.cost_per_request_usd)} | {c.quality_score:.3f} | {c.latency_score:.3f} | "
            f"{c.cost_score:.3f} | **{c.total:.3f}** |"
        )
    if r.gated_out:
        lines += ["", "Removed by the hard gates:", ""]
        lines += [f"- {g.name}: {'; '.join(g.reasons)}." for g in r.gated_out]
    lines += ["", "### Weight sensitivity", ""]
    if r.winner is None:
        lines.append("No candidate passes the gates, so there is no winner to move.")
    else:
        if r.flip is not None:
            lines.append(
                f"- Nearest change of winner: {r.flip.to_model} ties with {r.winner} at "
                f"{r.flip.weights.text()}, a Euclidean distance of {r.flip.distance:.3f} from "
                "the current weights."
            )
        else:
            lines.append(f"- {r.winner} wins at every weighting.")
        for t in r.thresholds:
            lines.append(
                f"- {t.direction.capitalize()} the {t.weight} weight alone from "
                f"{t.current:.2f} to {t.threshold:.2f}: {t.new_winner} wins."
            )
        if r.never_win:
            lines.append(f"- Never the winner at any weighting: {', '.join(r.never_win)}.")
    score_rule = (
        "min-max across the candidates that pass the gates (best 1, worst 0; all equal: 1), "
        "so adding or removing a candidate can reorder the others"
        if x.normalisation == "min_max"
        else f"capped at 1 against targets (accuracy {x.target_accuracy:.1%}, latency "
        f"{duration(x.target_latency_ms)}, cost {money(x.target_cost_per_request_usd)} per request)"
    )
    lines += [
        "",
        "### Assumptions",
        "",
        f"- Scores are {score_rule}.",
        "- The total is the weighted sum of the three scores with weights divided by their "
        "sum, so it lies between 0 and 1.",
        "- Totals within 1e-12 tie; the candidate listed first wins a tie.",
        f"- Per-token prices are multiplied by {format_number(x.tokens_per_request)} tokens per "
        f"request ({format_number(x.input_tokens_per_request)} in + "
        f"{format_number(x.output_tokens_per_request)} out).",
        "- The weight map samples the weight triangle every 1/80 (3,321 weightings).",
        "- Accuracy, latency and cost are the entered measurements; their noise is not "
        "modelled, so a small lead may not survive a re-run of the benchmark.",
    ]
    return "\n".join(lines)
