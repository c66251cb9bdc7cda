"""Run summaries and baseline-vs-variant comparisons on small hand-checked runs."""

import pytest
import sacrebleu

from core.comparison import compare_runs, no_score, summarize_run
from core.evaluation import DatasetItem, Sample
from core.stats import mcnemar_exact, paired_bootstrap, paired_proportion_ci


def items(*expected):
    return [DatasetItem(id=f"i{k}", input=f"q{k}", expected=e) for k, e in enumerate(expected)]


def sample(k, output="", **extra):
    return Sample(item_id=f"i{k}", output=output, **extra)


def test_summarize_run_by_hand():
    """Four items: i0 right (exact match 1), i1 wrong (0), i2 errored (scored 0), i3 missing.
    i1 has two samples (a resumed run): the later, cached one counts. A sample of an item not
    in the dataset is ignored.
    Scored 3, missing 1, errors 1, error rate 1/3, mean (1 + 0 + 0) / 3 = 1/3.
    Latency over answered, uncached samples: only i0 (100 ms), so p50 = p95 = 100.
    Paid cost 0.002 (i1's answer came from the cache); model cost per sample
    (0.002 + 0.004 cached) / 3. Tokens: input 10 + 12, output 2 + 0.
    With i1's first, uncached sample instead: latencies 100 and 300 ms, p50 = 200,
    p95 = 100 + 0.95 x 200 = 290; paid 0.002 + 0.001 = 0.003."""
    ds = items("Paris", "Rome", "Oslo", "Bern")
    samples = [
        sample(0, "paris.", latency_ms=100, cost_usd=0.002, input_tokens=10, output_tokens=2),
        sample(1, "Madrid", latency_ms=300, cost_usd=0.001, input_tokens=12, output_tokens=3),
        sample(1, "Milan", latency_ms=5, cached=True, cached_cost_usd=0.004, input_tokens=12),
        sample(2, error="timeout", latency_ms=60_000),
        Sample(item_id="not-in-dataset", output="x", cost_usd=9),
    ]
    r = summarize_run(ds, samples, "exact_match")
    assert (r.n_items, r.n_scored, r.missing, r.errors) == (4, 3, 1, 1)
    assert r.error_rate == pytest.approx(1 / 3)
    assert r.mean == pytest.approx(1 / 3)
    assert r.low <= r.mean <= r.high
    assert r.pass_rate == pytest.approx(1 / 3)
    assert r.latency_p50_ms == 100 and r.latency_p95_ms == 100
    assert r.total_cost_usd == pytest.approx(0.002)
    assert r.cost_per_sample_usd == pytest.approx((0.002 + 0.004) / 3)
    assert (r.input_tokens, r.output_tokens, r.cached) == (22, 2, 1)
    assert r.corpus_bleu is None

    uncached = summarize_run(ds, samples[:2] + samples[3:], "exact_match")
    assert uncached.latency_p50_ms == 200
    assert uncached.latency_p95_ms == pytest.approx(290)
    assert uncached.total_cost_usd == pytest.approx(0.003)


def test_a_run_with_no_samples_has_no_figures_rather_than_nan():
    r = summarize_run(items("a", "b"), [], "token_f1")
    assert (r.n_scored, r.missing, r.errors, r.error_rate) == (0, 2, 0, 0.0)
    assert r.mean is r.low is r.high is r.pass_rate is None
    assert r.latency_p50_ms is None and r.cost_per_sample_usd is None


def test_bleu_runs_report_corpus_bleu_with_errors_as_empty_outputs():
    ds = items("the cat sat on the mat", "a quick brown fox", "hello world")
    samples = [
        sample(0, "the cat sat on a mat"),
        sample(1, "the quick brown fox"),
        sample(2, error="500"),
    ]
    r = summarize_run(ds, samples, "bleu")
    hyps = ["the cat sat on a mat", "the quick brown fox", ""]
    refs = [item.expected for item in ds]
    assert r.corpus_bleu == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
    assert 0 < r.mean < 1


def outcomes_run(pattern):
    """Samples that are right ("yes") where pattern has 1, wrong where 0, errored where 'e'."""
    out = []
    for k, flag in enumerate(pattern):
        if flag == "e":
            out.append(sample(k, error="rate limited", latency_ms=0))
        else:
            out.append(sample(k, "yes" if flag == "1" else "no", latency_ms=100 + 10 * k))
    return out


def test_compare_runs_by_hand():
    """Ten items, all expecting "yes". Baseline right on 0-5 (6 of 10); variant right on 0-3 and
    6-9 (8 of 10). b = only baseline = items 4, 5 -> 2; c = only variant = 6, 7, 8, 9 -> 4.
    Lift = (8 - 6) / 10 = 0.2; McNemar p = 2 x (C(6,0) + C(6,1) + C(6,2)) / 2^6
    = 2 x 22 / 64 = 0.6875. The interval (Tango's, as the Experiments form computes it from
    b = 2, c = 4, n = 10) straddles 0 -> need more data."""
    ds = items(*["yes"] * 10)
    base = outcomes_run("1111110000")
    var = outcomes_run("1111001111")
    r = compare_runs(ds, base, var, "exact_match")
    assert r.n_paired == 10
    assert r.lift == pytest.approx(0.2)
    assert r.low < 0 < r.high
    assert (r.lift, r.low, r.high) == paired_proportion_ci(2, 4, 10)
    assert (r.b, r.c) == (2, 4)
    assert r.mcnemar_p == pytest.approx(0.6875)
    assert r.verdict == "need_more_data"
    assert [o.kind for o in r.outcomes] == ["tie"] * 4 + ["lost"] * 2 + ["won"] * 4
    assert r.baseline.mean == pytest.approx(0.6) and r.variant.mean == pytest.approx(0.8)
    assert r.latency_p50_delta_ms == 0  # same latencies per item in both runs
    assert r.reasons[0] == (
        "On 10 paired items the variant scores 0.800 on Exact match (SQuAD v1.1 "
        "normalisation) against the baseline's "
        f"0.600: a lift of +20.0 pp (95% interval {100 * r.low:+.1f} to {100 * r.high:+.1f} "
        "pp, Tango's score interval)."
    )
    assert r.reasons[1] == (
        "Pass/fail at 0.5: only the baseline passes 2 items, only the variant 4; McNemar's exact "
        "test gives p = 0.688, not significant at alpha 0.05."
    )
    assert r.reasons[2].startswith(
        "Rule: ship when the lift is significant at alpha 0.05 (McNemar's exact p on pass/fail "
        "below 0.05), its 95% interval lies above 0"
    )
    assert r.reasons[3].startswith("Need more data: the interval reaches down to -27.")
    # McNemar for pass/fail metrics: p10 = 0.2, p01 = 0.4, psi = 0.6, d = 0.2;
    # n = (1.959964 x sqrt(0.6) + 0.841621 x sqrt(0.56))^2 / 0.04 = (1.518170 + 0.629809)^2
    # / 0.04 = 4.613810 / 0.04 = 115.3 -> 116.
    assert r.samples_needed == 116
    assert any(
        "takes about 116 paired items; you are short of that with 10" in s for s in r.reasons
    )


def test_a_clear_win_ships_and_a_clear_loss_does_not():
    """200 items: baseline right on 100, variant on all 200 (c = 100, b = 0): the lift of 0.5 has
    an interval far above 0 -> ship; swapped, the lift is -0.5 -> do not ship."""
    ds = items(*["yes"] * 200)
    half = outcomes_run("1" * 100 + "0" * 100)
    full = outcomes_run("1" * 200)
    win = compare_runs(ds, half, full, "exact_match", min_lift=0.05)
    assert win.verdict == "ship"
    assert win.lift == pytest.approx(0.5) and win.low > 0.05
    assert (win.b, win.c) == (0, 100)
    assert win.mcnemar_p == pytest.approx(mcnemar_exact(0, 100))
    assert win.reasons[3].startswith("Ship: p = 1.6e-30 is below 0.05, the interval's lower end (+")
    loss = compare_runs(ds, full, half, "exact_match")
    assert loss.verdict == "do_not_ship"
    assert loss.reasons[3].startswith("Do not ship: even the interval's upper end (-")


def test_errors_and_missing_items_in_the_pairing():
    """Items 0-3; baseline: 0 right, 1 right, 2 errored, 3 missing; variant: 0 right, 1 errored,
    2 right, 3 right. Paired: 0, 1, 2 (3 has no baseline sample). Scores baseline 1, 1, 0;
    variant 1, 0, 1. Item 0 tie, items 1 and 2 are errors (one side errored)."""
    ds = items(*["yes"] * 4)
    base = outcomes_run("11e")
    var = outcomes_run("1e11")
    r = compare_runs(ds, base, var, "exact_match")
    assert r.n_paired == 3
    assert [(o.item_id, o.baseline, o.variant, o.kind) for o in r.outcomes] == [
        ("i0", 1.0, 1.0, "tie"),
        ("i1", 1.0, 0.0, "error"),
        ("i2", 0.0, 1.0, "error"),
    ]
    assert r.lift == pytest.approx(0.0)
    assert r.samples_needed is None
    assert "1 of 4 items lack a sample in one run and are left out of the paired figures." in (
        r.reasons
    )
    assert "The baseline errored on 1 of 3 items (33.3%), each scored 0." in r.reasons
    assert "The variant errored on 1 of 4 items (25.0%), each scored 0." in r.reasons


def test_no_paired_items_need_more_data_without_crashing():
    ds = items("a", "b")
    r = compare_runs(ds, [sample(0, "a")], [sample(1, "b")], "exact_match")
    assert r.n_paired == 0
    assert r.lift is r.low is r.high is None
    assert r.verdict == "need_more_data"
    assert r.mcnemar_p == 1.0
    assert r.reasons == [
        "Need more data: no item of the 2 has a sample in both runs, so there is nothing to "
        "compare yet."
    ]


def test_continuous_metrics_use_the_score_differences_for_the_sample_size():
    """token_f1 per item against "cat sat", "cat sat", "cat":
    item 0: "cat" (P 1, R 1/2, F1 = 1 / 1.5 = 2/3) vs "cat sat" (1.0): difference 1/3;
    item 1: both "cat sat" (1.0): 0;
    item 2: "dog" (0) vs "dog cat" (P 1/2, R 1, F1 2/3): difference 2/3.
    Lift = (1/3 + 0 + 2/3) / 3 = 1/3; deviations 0, -1/3, +1/3, sd = sqrt((2/9) / 2) = 1/3;
    n = ((1.959964 + 0.841621) x (1/3) / (1/3))^2 = 2.801585^2 = 7.85 -> 8."""
    ds = items("cat sat", "cat sat", "cat")
    base = [sample(0, "cat"), sample(1, "cat sat"), sample(2, "dog")]
    var = [sample(0, "cat sat"), sample(1, "cat sat"), sample(2, "dog cat")]
    r = compare_runs(ds, base, var, "token_f1")
    assert [o.variant - o.baseline for o in r.outcomes] == pytest.approx([1 / 3, 0.0, 2 / 3])
    assert r.lift == pytest.approx(1 / 3)
    assert [o.kind for o in r.outcomes] == ["won", "tie", "won"]
    # Pass/fail at 0.5: the baseline passes items 0 (2/3) and 1, the variant all: b 0, c 1.
    assert (r.b, r.c) == (0, 1)
    assert r.samples_needed == 8


def test_cost_and_latency_deltas_are_variant_minus_baseline():
    ds = items("yes", "yes")
    base = [sample(k, "yes", latency_ms=400, cost_usd=0.001) for k in range(2)]
    var = [sample(k, "yes", latency_ms=550, cost_usd=0.0015) for k in range(2)]
    r = compare_runs(ds, base, var, "exact_match")
    assert r.latency_p50_delta_ms == 150
    assert r.cost_per_sample_delta_usd == pytest.approx(0.0005)
    assert "The variant is 150 ms slower at the median (550 ms against 400 ms)." in r.reasons
    assert "The variant costs $0.0005 more per sample." in r.reasons
    assert r.verdict == "need_more_data"  # identical scores: lift 0 with no width


def test_comparison_is_deterministic_per_seed():
    ds = items(*["yes"] * 50)
    base = outcomes_run("10" * 25)
    var = outcomes_run("1101" * 12 + "11")
    assert compare_runs(ds, base, var, "exact_match", seed=7) == compare_runs(
        ds, base, var, "exact_match", seed=7
    )


def test_a_bad_pattern_is_refused_with_its_reason():
    ds = items("x")
    with pytest.raises(ValueError, match="is not valid"):
        compare_runs(ds, [sample(0, "x")], [sample(0, "x")], "regex", pattern="(")


@pytest.mark.parametrize(("b", "c"), [(0, 5), (2, 9), (6, 15)])
def test_a_lift_that_is_not_significant_is_never_shipped(b, c):
    """30 items, b only the baseline right, c only the variant: McNemar's exact p is 0.0625,
    0.0654, 0.0784 (scipy's binomtest, in test_paired_intervals), above alpha 0.05, although
    the 95% interval lies above 0: need more data, and the reasons say why."""
    n = 30
    base = outcomes_run("1" * b + "0" * c + "1" * (n - b - c))
    var = outcomes_run("0" * b + "1" * c + "1" * (n - b - c))
    r = compare_runs(items(*["yes"] * n), base, var, "exact_match")
    assert (r.b, r.c) == (b, c)
    assert r.low > 0 and r.mcnemar_p > 0.05
    assert r.verdict == "need_more_data"
    assert any(
        "the interval lies above 0 but McNemar's exact p = 0.0" in s
        and "is not below alpha 0.05" in s
        for s in r.reasons
    )


def test_one_item_only_the_variant_gets_right_is_not_a_sure_lift():
    """One paired item: the pass/fail interval is Tango's, about -59 to +100 pp, never [100,
    100]; a continuous metric's single difference has no spread: its interval is [-1, 1]."""
    one = items("cat sat")
    r = compare_runs(one, [sample(0, "dog")], [sample(0, "cat sat")], "exact_match", min_lift=0)
    assert (r.lift, r.low, r.high) == paired_proportion_ci(0, 1, 1)
    assert r.low < -0.5
    assert r.verdict == "need_more_data"
    f1 = compare_runs(one, [sample(0, "cat")], [sample(0, "cat sat")], "token_f1", min_lift=0)
    assert (f1.low, f1.high) == (-1.0, 1.0)
    assert f1.verdict == "need_more_data"


def test_continuous_metrics_keep_the_paired_bootstrap_at_the_users_alpha():
    """token_f1 on 3 items (differences 1/3, 0, 2/3, as above): the interval is the paired
    bootstrap of the score differences at level 1 - alpha; a 90% interval sits inside the 95%."""
    ds = items("cat sat", "cat sat", "cat")
    base = [sample(0, "cat"), sample(1, "cat sat"), sample(2, "dog")]
    var = [sample(0, "cat sat"), sample(1, "cat sat"), sample(2, "dog cat")]
    r95 = compare_runs(ds, base, var, "token_f1")
    r90 = compare_runs(ds, base, var, "token_f1", alpha=0.1)
    x = [2 / 3, 1.0, 0.0]
    y = [1.0, 1.0, 2 / 3]
    assert (r95.lift, r95.low, r95.high) == pytest.approx(paired_bootstrap(x, y))
    assert (r90.lift, r90.low, r90.high) == pytest.approx(paired_bootstrap(x, y, alpha=0.1))
    assert r95.low <= r90.low and r90.high <= r95.high
    assert r90.alpha == 0.1
    assert "(90% interval" in r90.reasons[0] and "paired bootstrap)" in r90.reasons[0]
    assert "at alpha 0.1" in r90.reasons[1]


def test_a_run_whose_every_item_failed_has_no_score_and_nothing_is_compared():
    """Three items, the variant errored on all three: a failed call scores 0, but the run
    measured nothing about quality, so it has no mean or interval, and the comparison has no
    lift and needs more data instead of reading 0/3 as a loss."""
    ds = items("Paris", "Rome", "Oslo")
    good = [sample(k, e) for k, e in enumerate(("Paris", "Rome", "Oslo"))]
    failed = [sample(k, error="401 no API key") for k in range(3)]
    run = summarize_run(ds, failed, "exact_match")
    assert run.all_failed and (run.mean, run.low, run.high, run.pass_rate) == (None,) * 4
    assert no_score(run) == "no score: all 3 items failed"
    assert no_score(summarize_run(ds, good, "exact_match")) is None
    assert not summarize_run(ds, [], "exact_match").all_failed

    c = compare_runs(ds, good, failed, "exact_match")
    assert (c.lift, c.low, c.high, c.samples_needed) == (None, None, None, None)
    assert c.verdict == "need_more_data"
    assert c.baseline.mean == pytest.approx(1.0) and c.variant.mean is None
    assert c.reasons == [
        "Need more data: the variant has no score: all 3 items failed (nothing answered to "
        "compare); see its errors, then resume it."
    ]
