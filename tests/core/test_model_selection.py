"""Model Selection engine: hand-checked scorecards, weight flips, gates, the map and properties."""

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core import analysis
from core.catalog import LatencyProfile, ModelInfo, QualityScore
from core.frameworks import model_selection as ms
from core.frameworks.model_selection import (
    Candidate,
    Inputs,
    candidates_from_catalog,
    compute,
    rows_from_catalog,
    skipped_from_catalog,
    summarize,
    winner_at,
)


def cand(name, accuracy, latency_ms, cost, unit="per_request"):
    return Candidate(
        name=name, accuracy=accuracy, avg_latency_ms=latency_ms, cost_usd=cost, cost_unit=unit
    )


# A beats B on quality and cost, B beats A on latency: min-max scores A = (1, 0, 1), B = (0, 1, 0).
PAIR = [cand("A", 0.9, 1000, 0.001), cand("B", 0.8, 500, 0.002)]


def pair(**changes):
    return compute(Inputs(candidates=PAIR, **changes))


def grid_index(w, resolution=ms.MAP_RESOLUTION):
    """Row of analysis.simplex_grid(resolution) nearest to the weights w."""
    grid = analysis.simplex_grid(resolution)
    return int(np.argmin(np.linalg.norm(grid - np.asarray(w), axis=1)))


# --- The defaults ----------------------------------------------------------------------------


def test_defaults_hand_checked():
    """The default trio with min-max scores and weights 0.5 / 0.3 / 0.2.

    accuracy 0.91, 0.84, 0.71        -> quality  1, (0.84 - 0.71) / 0.20 = 0.65, 0
    latency  3,500, 1,500, 1,800 ms  -> latency  0, 1, (3,500 - 1,800) / 2,000 = 0.85
    cost     $0.00775, $0.000465, $0.000065
                                     -> cost     0, (0.00775 - 0.000465) / 0.007685
                                                    = 0.9479505530, 1
    totals   gpt-4o      0.5 x 1                                   = 0.5
             gpt-4o-mini 0.5 x 0.65 + 0.3 x 1 + 0.2 x 0.9479505530 = 0.8145901106
             llama       0.3 x 0.85 + 0.2 x 1                      = 0.455
    Winner gpt-4o-mini, margin 0.8145901106 - 0.5 = 0.3145901106 over gpt-4o.
    """
    r = compute(Inputs())
    assert r.recommendation == r.winner == "gpt-4o-mini"
    assert [c.name for c in r.ranked] == ["gpt-4o-mini", "gpt-4o", "llama-3.1-8b-instruct"]
    assert [c.rank for c in r.ranked] == [1, 2, 3]
    mini, big, small = r.ranked
    assert mini.scores() == pytest.approx((0.65, 1.0, 0.9479505530))
    assert big.scores() == pytest.approx((1.0, 0.0, 0.0))
    assert small.scores() == pytest.approx((0.0, 0.85, 1.0))
    assert mini.total == pytest.approx(0.8145901106)
    assert big.total == pytest.approx(0.5)
    assert small.total == pytest.approx(0.455)
    assert (mini.quality_points, mini.latency_points) == pytest.approx((0.325, 0.3))
    assert mini.cost_points == pytest.approx(0.2 * 0.9479505530)
    assert r.runner_up == "gpt-4o"
    assert r.margin == pytest.approx(0.3145901106)
    assert r.headline == "gpt-4o-mini wins with 0.815 of 1, 0.315 ahead of gpt-4o"
    assert r.rationale[0] == (
        "gpt-4o-mini scores 0.815 of 1: quality 0.650 x 0.50 + latency 1.000 x 0.30 + "
        "cost 0.948 x 0.20."
    )
    assert r.figure("winner_accuracy").value == pytest.approx(84.0)
    assert r.figure("winner_latency_ms").value == 1500
    assert r.figure("winner_cost_per_request").value == pytest.approx(0.000465)
    assert r.figure("eligible").value == 3
    assert r.gated_out == [] and r.never_win == []


def test_default_costs_are_list_prices_at_1500_in_400_out():
    """gpt-4o: 1,500 x 2.5e-6 + 400 x 1e-5 = 0.00375 + 0.004 = $0.00775.
    gpt-4o-mini: 1,500 x 1.5e-7 + 400 x 6e-7 = 0.000225 + 0.00024 = $0.000465."""
    costs = {c.name: c.cost_usd for c in Inputs().candidates}
    assert costs["gpt-4o"] == pytest.approx(1500 * 2.5e-6 + 400 * 1e-5)
    assert costs["gpt-4o-mini"] == pytest.approx(1500 * 1.5e-7 + 400 * 6e-7)
    assert costs["llama-3.1-8b-instruct"] == pytest.approx(1500 * 3e-8 + 400 * 5e-8)


def test_defaults_weight_sensitivity():
    """Raising quality alone (latency : cost kept at 3 : 2) until gpt-4o catches up:
    v(t) = (t, 0.6 (1 - t), 0.4 (1 - t)); gpt-4o's total is t, mini's
    0.65 t + (1 - t)(0.6 + 0.4 x 0.9479505530) = 0.65 t + 0.9791802212 (1 - t).
    Equal at t = 0.9791802212 / (1 - 0.65 + 0.9791802212) = 0.7366798013.
    Raising cost alone (quality : latency at 5 : 3) until llama catches up:
    llama = (1 - t) 0.375 x 0.85 + t, mini = (1 - t)(0.625 x 0.65 + 0.375) + 0.9479505530 t,
    i.e. 0.31875 + 0.68125 t = 0.78125 + 0.1667005530 t, t = 0.4625 / 0.5145494470 = 0.8988446.
    """
    r = compute(Inputs())
    th = {(t.weight, t.direction): t for t in r.thresholds}
    assert th[("quality", "raise")].threshold == pytest.approx(0.7366798013)
    assert th[("quality", "raise")].new_winner == "gpt-4o"
    assert th[("cost", "raise")].threshold == pytest.approx(0.4625 / 0.5145494470)
    assert th[("cost", "raise")].new_winner == "llama-3.1-8b-instruct"
    assert r.flip is not None and r.flip.to_model == "gpt-4o"
    # The Euclidean change is never longer than a one-weight change that also flips.
    one_weight = np.array([0.7366798013, 0.6 * (1 - 0.7366798013), 0.4 * (1 - 0.7366798013)])
    assert r.flip.distance <= np.linalg.norm(one_weight - [0.5, 0.3, 0.2]) + 1e-9


# --- A winner that flips at a weight computed by hand ----------------------------------------


def test_flip_weight_by_hand():
    """Two candidates, min-max scores: A = (1, 0, 1), B = (0, 1, 0) (quality, latency, cost).

    In general, with two candidates the winner changes where
        w_q dq + w_l dl + w_c dc = 0,   d = s_B - s_A.
    Here d = (-1, 1, -1): B wins once w_l > w_q + w_c, i.e. (weights summing to 1) w_l > 0.5.
    At 0.5 / 0.3 / 0.2: A = 0.5 + 0.2 = 0.7, B = 0.3; margin 0.4.
    """
    r = pair()
    assert r.winner == "A" and r.runner_up == "B"
    assert r.ranked[0].scores() == (1.0, 0.0, 1.0)
    assert r.ranked[1].scores() == (0.0, 1.0, 0.0)
    assert r.margin == pytest.approx(0.4)
    # Latency weight 0.5 -> ratio quality : cost kept at 5 : 2 around it.
    for latency, winner in ((0.49, "A"), (0.5, "A"), (0.51, "B")):
        rest = 1 - latency
        r2 = pair(weight_quality=rest * 5 / 7, weight_latency=latency, weight_cost=rest * 2 / 7)
        assert r2.winner == winner, latency  # at exactly 0.5 they tie and A is listed first


def test_nearest_flip_by_hand():
    """The nearest weights where B ties A: project w = (0.5, 0.3, 0.2) onto d . v = 0 in the
    plane sum v = 1. d = (-1, 1, -1); its part along the plane is d - mean(d) = (-2/3, 4/3, -2/3)
    with squared length 24/9; d . w = -0.5 + 0.3 - 0.2 = -0.4.
    v = w + 0.4 / (24/9) x (-2/3, 4/3, -2/3) = w + 0.15 x (...) = (0.4, 0.5, 0.1), inside the
    triangle. Distance = 0.4 / sqrt(24/9) = 0.2449490.
    """
    r = pair()
    assert r.flip is not None
    assert r.flip.to_model == "B"
    assert r.flip.distance == pytest.approx(0.4 / math.sqrt(24 / 9))
    v = r.flip.weights.as_array()
    np.testing.assert_allclose(v, [0.4, 0.5, 0.1], atol=1e-12)
    w = r.weights.as_array()
    # Applied, the change makes B win; a slightly smaller one does not.
    assert winner_at(r, w + 1.01 * (v - w)) == "B"
    assert winner_at(r, w + 0.99 * (v - w)) == "A"
    names = ("weight_quality", "weight_latency", "weight_cost")
    applied = pair(**dict(zip(names, w + 1.01 * (v - w), strict=True)))
    assert applied.winner == "B"


def test_single_weight_thresholds_by_hand():
    """Latency raised alone (quality : cost = 5 : 2): B wins past w_l = w_q + w_c, i.e. 0.5.
    Quality lowered alone (latency : cost = 3 : 2): v = (t, 0.6 (1 - t), 0.4 (1 - t));
    A = t + 0.4 (1 - t), B = 0.6 (1 - t): equal at t = 0.2 / 1.2 = 1/6.
    Raising quality or cost, or lowering latency, only helps A: no threshold.
    Lowering cost alone (quality : latency = 5 : 3): A = 0.625 (1 - t) + t, B = 0.375 (1 - t):
    A ahead for every t in [0, 1]: no threshold.
    """
    r = pair()
    th = {(t.weight, t.direction): (t.threshold, t.new_winner) for t in r.thresholds}
    assert set(th) == {("latency", "raise"), ("quality", "lower")}
    assert th[("latency", "raise")] == (pytest.approx(0.5), "B")
    assert th[("quality", "lower")] == (pytest.approx(1 / 6), "B")
    # The rationale quotes the smaller move: latency +0.20 rather than quality -0.33.
    assert r.rationale[-1] == (
        "Moving one weight alone (the other two in proportion), raising the latency weight "
        "from 0.30 to 0.50 makes B the winner."
    )


def test_a_tie_at_the_current_weights_goes_to_the_first_listed():
    """A = (1, 0, 0), B = (0, 1, 1) at 0.5 / 0.3 / 0.2: both total 0.5. A is listed first."""
    cands = [cand("A", 0.9, 1000, 0.002), cand("B", 0.8, 500, 0.001)]
    r = compute(Inputs(candidates=cands))
    assert r.winner == "A"
    assert r.margin == 0
    assert r.headline == "A and B tie at 0.500; A is listed first"
    # B must get ahead by more than the 1e-12 tie band: any move toward latency or cost does it.
    assert r.flip is not None and r.flip.to_model == "B"
    assert r.flip.distance == pytest.approx(0, abs=1e-9)
    assert "B ties with A at these weights" in " ".join(r.rationale)
    r2 = compute(Inputs(candidates=cands[::-1]))
    assert r2.winner == "B"


# --- The source's unbounded normalisation ----------------------------------------------------


def source_score(accuracy, latency_ms, cost_per_token, w):
    """The source's scorecard: accuracy / 0.95, 2000 / latency, 0.001 / cost_per_token."""
    return w[0] * accuracy / 0.95 + w[1] * 2000 / latency_ms + w[2] * 0.001 / cost_per_token


SOURCE_MODELS = [("gpt-4o", 0.92, 3500, 0.000015), ("gpt-4o-mini", 0.85, 1500, 0.00000015)]


def test_source_normalisation_picks_the_cheap_model_whatever_the_weights():
    """0.001 / 1.5e-7 = 6,666.7 for gpt-4o-mini ($0.15 per million tokens) and 66.7 for gpt-4o.

    Even at a 1% cost weight that term is worth 66.7 x 0.99 = 66 points to gpt-4o-mini, while
    the quality term is at most 0.92 / 0.95 = 0.97: the source picks gpt-4o-mini at every
    weighting with a cost weight of 1% or more. With bounded min-max scores gpt-4o
    (quality 1, latency 0, cost 0) wins whenever the quality weight is over one half.
    """
    cheap_cost_score = 0.001 / 0.00000015
    assert cheap_cost_score == pytest.approx(6666.67, abs=0.01)
    for w in analysis.simplex_grid(20):
        if w[2] < 0.01:
            continue
        totals = {name: source_score(a, lat, c, w) for name, a, lat, c in SOURCE_MODELS}
        assert max(totals, key=totals.get) == "gpt-4o-mini", w

    ours = [cand(n, a, lat, c, "per_token") for n, a, lat, c in SOURCE_MODELS]
    quality_first = compute(
        Inputs(candidates=ours, weight_quality=0.9, weight_latency=0.05, weight_cost=0.05)
    )
    assert quality_first.winner == "gpt-4o"
    assert quality_first.ranked[0].total == pytest.approx(0.9)
    latency_first = compute(
        Inputs(candidates=ours, weight_quality=0.3, weight_latency=0.4, weight_cost=0.3)
    )
    assert latency_first.winner == "gpt-4o-mini"  # 0.4 + 0.3 against gpt-4o's 0.3
    assert {ms.winner_at(quality_first, w) for w in analysis.simplex_grid(20)} == {
        "gpt-4o",
        "gpt-4o-mini",
    }


# --- Targets -------------------------------------------------------------------------------


def test_target_scores_hand_checked():
    """Targets 0.95, 2,000 ms, $0.001 per request, capped at 1:

    gpt-4o       0.91 / 0.95 = 0.9578947, 2000 / 3500 = 0.5714286, 0.001 / 0.00775 = 0.1290323
                 total 0.4789474 + 0.1714286 + 0.0258065 = 0.6761824
    gpt-4o-mini  0.84 / 0.95 = 0.8842105, 1 (1,500 <= 2,000), 1 ($0.000465 <= $0.001)
                 total 0.4421053 + 0.3 + 0.2 = 0.9421053
    llama        0.71 / 0.95 = 0.7473684, 1 (1,800 <= 2,000), 1 -> 0.3736842 + 0.5 = 0.8736842
    """
    r = compute(Inputs(normalisation="targets"))
    by = {c.name: c for c in r.ranked}
    assert by["gpt-4o"].scores() == pytest.approx((0.91 / 0.95, 2000 / 3500, 0.001 / 0.00775))
    assert by["gpt-4o"].total == pytest.approx(0.6761824, abs=1e-7)
    assert by["gpt-4o-mini"].scores() == pytest.approx((0.84 / 0.95, 1.0, 1.0))
    assert by["gpt-4o-mini"].total == pytest.approx(0.9421053, abs=1e-7)
    assert by["llama-3.1-8b-instruct"].total == pytest.approx(0.8736842, abs=1e-7)
    assert r.winner == "gpt-4o-mini"
    assert "capped at 1 against targets: accuracy 95.0%, latency 2 s" in r.rationale[2]


def test_target_scores_cap_at_one_and_handle_zero():
    """Accuracy above its target, zero latency and zero cost all score exactly 1."""
    r = compute(
        Inputs(
            candidates=[cand("free", 1.0, 0, 0)],
            normalisation="targets",
            target_accuracy=0.5,
        )
    )
    assert r.ranked[0].scores() == (1.0, 1.0, 1.0)


def test_min_max_judges_against_the_field_targets_do_not():
    """Adding a much cheaper model moves gpt-4o-mini's min-max cost score, not its target one."""
    extra = cand("tiny", 0.5, 2000, 0.0)
    for mode, moves in (("min_max", True), ("targets", False)):
        before = compute(Inputs(normalisation=mode)).row("gpt-4o-mini").cost_score
        after = (
            compute(Inputs(normalisation=mode, candidates=[*Inputs().candidates, extra]))
            .row("gpt-4o-mini")
            .cost_score
        )
        assert (before != pytest.approx(after)) is moves


# --- Inputs ----------------------------------------------------------------------------------


def test_weights_are_normalised():
    """5 / 3 / 2 is the same weighting as 0.5 / 0.3 / 0.2."""
    a = compute(Inputs())
    b = compute(Inputs(weight_quality=5, weight_latency=3, weight_cost=2))
    assert b.weights.as_array() == pytest.approx([0.5, 0.3, 0.2])
    assert sum(b.weights.as_array()) == pytest.approx(1.0)
    assert [c.total for c in b.ranked] == pytest.approx([c.total for c in a.ranked])
    assert b.recommendation == a.recommendation


def test_all_zero_weights_are_refused():
    with pytest.raises(ValidationError, match="at least one weight must be above zero"):
        Inputs(weight_quality=0, weight_latency=0, weight_cost=0)
    only_cost = compute(Inputs(weight_quality=0, weight_latency=0, weight_cost=1))
    assert only_cost.winner == "llama-3.1-8b-instruct"  # the cheapest


def test_candidate_list_is_checked():
    with pytest.raises(ValidationError, match="at least one candidate"):
        Inputs(candidates=[])
    with pytest.raises(ValidationError, match="'A' appears twice"):
        Inputs(candidates=[PAIR[0], PAIR[0]])
    with pytest.raises(ValidationError):
        cand("x", 1.2, 100, 0.1)
    with pytest.raises(ValidationError):
        cand("x", 0.5, -1, 0.1)
    with pytest.raises(ValidationError):
        cand("  ", 0.5, 1, 0.1)
    with pytest.raises(ValidationError):
        cand("x", 0.5, 1, float("nan"))


def test_per_token_prices_become_cost_per_request():
    """$2e-6 per token x (1,500 + 400) tokens = $0.0038 per request; with 1,000 + 0, $0.002."""
    c = cand("t", 0.5, 100, 2e-6, "per_token")
    r = compute(Inputs(candidates=[c, PAIR[0]]))
    assert r.row("t").cost_per_request_usd == pytest.approx(0.0038)
    r2 = compute(Inputs(candidates=[c], input_tokens_per_request=1000, output_tokens_per_request=0))
    assert r2.row("t").cost_per_request_usd == pytest.approx(0.002)


# --- Gates -----------------------------------------------------------------------------------


def test_gates_remove_and_rescore():
    """Minimum accuracy 0.80, maximum 3,000 ms and $0.005 on the default trio:
    gpt-4o fails latency (3,500) and cost ($0.00775); llama fails accuracy (71%).
    gpt-4o-mini is left alone: every min-max column is equal, so it scores 1 everywhere.
    """
    r = compute(Inputs(gate_accuracy=True, gate_latency=True, gate_cost=True))
    assert r.winner == "gpt-4o-mini"
    assert r.ranked[0].scores() == (1.0, 1.0, 1.0) and r.ranked[0].total == pytest.approx(1.0)
    gated = {g.name: g for g in r.gated_out}
    assert gated["gpt-4o"].failed == ["latency", "cost"]
    assert gated["gpt-4o"].reasons == [
        "latency 3.5 s over the maximum 3 s",
        "cost $0.00775 per request over the maximum $0.005",
    ]
    assert gated["llama-3.1-8b-instruct"].failed == ["accuracy"]
    assert gated["llama-3.1-8b-instruct"].reasons == ["accuracy 71.0% below the minimum 80.0%"]
    assert r.headline == "gpt-4o-mini: the only candidate that passes the gates"
    assert r.margin is None and r.runner_up is None and r.flip is None
    assert r.figure("gated_out").value == 2
    assert "llama-3.1-8b-instruct is removed by a gate: accuracy 71.0% below" in " ".join(
        r.rationale
    )


def test_gate_limits_are_inclusive_and_off_by_default():
    """A candidate exactly at a limit passes; switched-off gates remove nothing."""
    r = compute(
        Inputs(gate_latency=True, max_latency_ms=3500, gate_accuracy=True, min_accuracy=0.71)
    )
    assert r.gated_out == []
    strict = compute(Inputs(min_accuracy=1.0, max_latency_ms=0, max_cost_per_request_usd=0))
    assert strict.gated_out == []


def test_min_max_uses_only_candidates_that_pass():
    """Gating gpt-4o (latency) leaves accuracy 0.84 and 0.71: mini's quality score becomes 1."""
    r = compute(Inputs(gate_latency=True, max_latency_ms=2000))
    assert [g.name for g in r.gated_out] == ["gpt-4o"]
    assert r.row("gpt-4o-mini").quality_score == 1.0
    assert r.weight_map.names == ["gpt-4o-mini", "llama-3.1-8b-instruct"]


def test_all_gated_out_recommends_none_and_says_why():
    """A 1,000 ms latency limit removes all three (1,500, 1,800 and 3,500 ms)."""
    r = compute(Inputs(gate_latency=True, max_latency_ms=1000))
    assert r.recommendation == "none" and r.winner is None
    assert r.ranked == [] and len(r.gated_out) == 3
    assert r.weight_map.winners == [] and r.thresholds == [] and r.flip is None
    assert r.headline == "No candidate passes the gates (3 removed)"
    assert "gpt-4o-mini: latency 1.5 s over the maximum 1 s." in r.rationale
    assert r.rationale[-1] == "Relaxing the latency gate alone to 1,500 ms would admit gpt-4o-mini."
    assert r.figure("winner_total").value is None
    assert winner_at(r, (1, 1, 1)) is None
    assert "No candidate passes the gates" in summarize(Inputs(), r)


def test_single_candidate():
    r = compute(Inputs(candidates=[PAIR[1]]))
    assert r.winner == "B" and r.ranked[0].total == pytest.approx(1.0)
    assert r.runner_up is None and r.margin is None and r.flip is None and r.thresholds == []
    assert set(r.weight_map.winners) == {0}
    assert r.figure("margin").value is None


def test_a_model_that_never_wins_is_named():
    """C is worse than A on every measure: it wins at no weighting."""
    r = compute(Inputs(candidates=[*PAIR, cand("C", 0.7, 2000, 0.003)]))
    assert r.never_win == ["C"]
    assert 2 not in r.weight_map.winners
    assert r.rationale[-1] == "C wins at no weighting: another candidate always scores higher."


# --- The weight map ------------------------------------------------------------------------


def test_weight_map_at_the_current_weights_is_the_winner():
    r = compute(Inputs())
    grid = analysis.simplex_grid(r.weight_map.resolution)
    assert len(r.weight_map.winners) == len(grid) == 3321
    label = r.weight_map.winners[grid_index(r.weights.as_array())]
    assert r.weight_map.names[label] == r.winner
    # Corners: quality alone -> gpt-4o; latency alone -> mini; cost alone -> llama.
    names = [r.weight_map.names[r.weight_map.winners[grid_index(v)]] for v in np.eye(3)]
    assert names == ["gpt-4o", "gpt-4o-mini", "llama-3.1-8b-instruct"]


def test_weight_map_flips_where_the_hand_algebra_says():
    """For the pair, B wins exactly where w_l > 0.5 (see test_flip_weight_by_hand)."""
    r = pair()
    grid = analysis.simplex_grid(r.weight_map.resolution)
    labels = np.array(r.weight_map.winners)
    np.testing.assert_array_equal(labels == 1, grid[:, 1] > 0.5 + 1e-12)


# --- Catalog ---------------------------------------------------------------------------------


def model(id_, quality=None, ttft=None, tps=None, inp=1.5e-7, out=6e-7):
    return ModelInfo(
        id=id_,
        provider="openai",
        input_cost_per_token=inp,
        output_cost_per_token=out,
        quality=QualityScore(score=quality) if quality is not None else None,
        latency=LatencyProfile(ttft_ms=ttft, output_tokens_per_second=tps)
        if ttft is not None
        else None,
    )


def test_candidates_from_catalog():
    """gpt-4o-mini at 1,500 in / 400 out: 1,500 x 1.5e-7 + 400 x 6e-7 = $0.000465 per request;
    latency 400 ms to first token + 400 tokens / 80 per second = 400 + 5,000 = 5,400 ms."""
    models = [
        model("gpt-4o-mini", quality=0.84, ttft=400, tps=80),
        model("no-latency", quality=0.9),
        model("no-quality", ttft=100, tps=50),
        model("nothing"),
    ]
    got = candidates_from_catalog(models, 1500, 400)
    assert [(c.name, c.accuracy, c.cost_unit) for c in got] == [
        ("gpt-4o-mini", 0.84, "per_request")
    ]
    assert got[0].avg_latency_ms == pytest.approx(5400)
    assert got[0].cost_usd == pytest.approx(0.000465)
    assert skipped_from_catalog(models, 1500, 400) == [
        ("no-latency", "no latency profile"),
        ("no-quality", "no quality score"),
        ("nothing", "no quality score and no latency profile"),
    ]


def test_rows_from_catalog_skip_models_already_listed():
    models = [model("gpt-4o-mini", 0.84, 400, 80), model("new", 0.7, 100, 200)]
    rows = rows_from_catalog("candidates", models, Inputs())
    assert [r["name"] for r in rows] == ["new"]
    assert rows[0]["avg_latency_ms"] == pytest.approx(100 + 400 / 200 * 1000)
    Inputs(candidates=[*Inputs().candidates, *(Candidate(**r) for r in rows)])  # valid rows
    assert rows_from_catalog("something_else", models, Inputs()) == []


# --- Summary and serialisation ---------------------------------------------------------------


def test_summary_sections_and_numbers():
    r = compute(Inputs())
    text = summarize(Inputs(), r)
    assert text.startswith("### Considered options")
    assert "### Weight sensitivity" in text and "### Assumptions" in text
    assert "| 1 | gpt-4o-mini | 84.0% | 1.5 s | $0.000465 | 0.650 | 1.000 | 0.948 |" in text
    assert "Raise the quality weight alone from 0.50 to 0.74: gpt-4o wins." in text
    assert "1,900 tokens per request (1,500 in + 400 out)" in text


def test_result_round_trips_through_json():
    r = compute(Inputs(gate_accuracy=True))
    text = json.dumps(r.model_dump(mode="json"), allow_nan=False)
    assert ms.Result.model_validate_json(text) == r


# --- Properties ----------------------------------------------------------------------------

NAMES = [f"m{i}" for i in range(12)]
candidate_st = st.builds(
    Candidate,
    name=st.sampled_from(NAMES),
    accuracy=st.one_of(st.just(0.0), st.just(1.0), st.floats(0, 1)),
    avg_latency_ms=st.one_of(st.just(0.0), st.floats(0, 86_400_000)),
    cost_usd=st.one_of(st.just(0.0), st.floats(0, 1e-5), st.floats(0, 1_000_000)),
    cost_unit=st.sampled_from(["per_request", "per_token"]),
)


@st.composite
def inputs_st(draw):
    weights = [draw(st.one_of(st.just(0.0), st.floats(0, 100))) for _ in range(3)]
    assume(sum(weights) > 0)
    return Inputs(
        candidates=draw(st.lists(candidate_st, min_size=1, max_size=8, unique_by=lambda c: c.name)),
        input_tokens_per_request=draw(st.integers(0, 10_000_000)),
        output_tokens_per_request=draw(st.integers(0, 10_000_000)),
        weight_quality=weights[0],
        weight_latency=weights[1],
        weight_cost=weights[2],
        normalisation=draw(st.sampled_from(["min_max", "targets"])),
        target_accuracy=draw(st.floats(1e-6, 1)),
        target_latency_ms=draw(st.floats(1e-6, 86_400_000)),
        target_cost_per_request_usd=draw(st.floats(1e-9, 1_000_000)),
        gate_accuracy=draw(st.booleans()),
        min_accuracy=draw(st.floats(0, 1)),
        gate_latency=draw(st.booleans()),
        max_latency_ms=draw(st.floats(0, 86_400_000)),
        gate_cost=draw(st.booleans()),
        max_cost_per_request_usd=draw(st.floats(0, 1_000_000)),
    )


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, float):
        yield obj


@settings(deadline=None, max_examples=150)
@given(inputs_st())
def test_never_raises_and_stays_finite_and_bounded(x):
    r = compute(x)
    assert all(math.isfinite(v) for v in _numbers(r.model_dump()))
    assert sum(r.weights.as_array()) == pytest.approx(1.0)
    for c in r.ranked:
        assert all(0 <= s <= 1 for s in c.scores())
        assert 0 <= c.total <= 1 + 1e-12
    assert len(r.ranked) + len(r.gated_out) == len(x.candidates)
    if r.ranked:
        assert r.recommendation == r.winner == r.ranked[0].name
        assert all(r.ranked[0].total >= c.total - 1e-12 for c in r.ranked)
        assert r.margin is None or r.margin >= 0
        assert r.weight_map.names == [c.name for c in sorted(r.ranked, key=lambda c: c.input_index)]
    else:
        assert r.recommendation == "none"
        assert all(g.failed for g in r.gated_out)
    summarize(x, r)


@settings(deadline=None, max_examples=100)
@given(inputs_st(), st.integers(0, ms.MAP_RESOLUTION), st.integers(0, ms.MAP_RESOLUTION))
def test_weight_map_label_at_the_current_weights_is_the_winner(x, a, b):
    """On a grid weighting (a, b, 80 - a - b) / 80 the map's label is exactly compute's winner."""
    assume(a + b <= ms.MAP_RESOLUTION)
    w = {"weight_quality": a, "weight_latency": b, "weight_cost": ms.MAP_RESOLUTION - a - b}
    r = compute(x.model_copy(update=w))
    assume(r.ranked)
    label = r.weight_map.winners[grid_index(np.array([a, b, ms.MAP_RESOLUTION - a - b]) / 80)]
    assert r.weight_map.names[label] == r.winner


def _scores(r, name):
    return np.array(r.row(name).scores())


@settings(deadline=None, max_examples=80)
@given(inputs_st())
def test_the_smallest_weight_change_is_where_the_winner_changes(x):
    """Short of the reported weights the winner holds; just past them (toward the corner where
    the new model gains most) it does not; and no weighting on a fine grid with another winner
    is nearer to the current weights."""
    r = compute(x)
    assume(r.flip is not None)
    w = r.weights.as_array()
    v = r.flip.weights.as_array()
    assert abs(np.linalg.norm(v - w) - r.flip.distance) < 1e-12
    for f in (0.0, 0.5, 0.999):
        assert winner_at(r, w + f * (v - w)) == r.winner
    # The new model's lead, counting the tie band: it wins where lead . weights >= 0 when
    # listed first, > 0 otherwise. Toward the corner where that lead is largest, a step that
    # gains 1e-10 puts it clearly ahead.
    first = r.row(r.flip.to_model).input_index < r.row(r.winner).input_index
    lead = _scores(r, r.flip.to_model) - _scores(r, r.winner) + (ms.TIE if first else -ms.TIE)
    m = int(np.argmax(lead))
    gain = lead[m] - lead @ v
    eps = min(1.0, 1e-10 / gain) if gain > 0 else 1.0
    assert winner_at(r, v + eps * (np.eye(3)[m] - v)) != r.winner
    grid = analysis.simplex_grid(200)
    rows = sorted(r.ranked, key=lambda c: c.input_index)
    labels = analysis.weighted_winners(np.array([c.scores() for c in rows]), grid)
    other = np.array([rows[i].name != r.winner for i in labels])
    if other.any():
        assert float(np.min(np.linalg.norm(grid[other] - w, axis=1))) >= r.flip.distance - 1e-9


@settings(deadline=None, max_examples=80)
@given(inputs_st())
def test_single_weight_thresholds_change_the_winner(x):
    """Moving one weight just past its threshold changes the winner; just short of it does not.

    Along the path the new model's lead over the winner changes by `slope` per unit of weight,
    so a step of 1e-10 / slope puts it 1e-10 ahead, clear of the 1e-12 tie band.
    """
    r = compute(x)
    w = r.weights.as_array()
    for t in r.thresholds:
        i = ms.CRITERIA.index(t.weight)
        rest = np.delete(w, i)
        rest = rest / rest.sum() if rest.sum() > 0 else np.full(2, 0.5)
        other = np.insert(rest, i, 0.0)
        d = _scores(r, t.new_winner) - _scores(r, r.winner)
        slope = d[i] - d @ other
        assert (slope > 0) == (t.direction == "raise")
        step = (1e-10 + 1e-10 / abs(slope)) * (1 if t.direction == "raise" else -1)

        def at(value, i=i, other=other):
            value = min(max(value, 0.0), 1.0)
            return winner_at(r, value * np.eye(3)[i] + (1 - value) * other)

        assert at(t.threshold + step) != r.winner
        if abs(t.threshold - t.current) > abs(step):
            assert at(t.threshold - step) == r.winner
