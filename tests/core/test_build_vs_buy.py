"""Build vs Buy engine: hand-checked cash flows, breakeven, tornado, Monte Carlo and properties."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core.frameworks import build_vs_buy as bvb
from core.frameworks.build_vs_buy import Inputs, compute, summarize
from core.frameworks.common import format_figure
from core.validation import error_lines

# Monte Carlo draws are the slow part; tests that do not look at them keep the minimum.
FAST = {"monte_carlo_draws": 100}
NO_UNCERTAINTY = {
    "api_cost_uncertainty_pct": 0,
    "volume_uncertainty_pct": 0,
    "training_cost_uncertainty_pct": 0,
    "serving_cost_uncertainty_pct": 0,
}


def run(**changes):
    return compute(Inputs(**{**FAST, **changes}))


# --- The source's worked example -------------------------------------------------------------


def test_source_example_on_defaults():
    """The source's example: $5e-6/token, 500B tokens/year, $500k training, $100k/year serving.

    api_annual    = 5e-6 x 500e9             = $2,500,000
    custom_annual = 500,000 / 5 + 100,000    = $200,000
    breakeven     = 500,000 / (2,500,000 - 100,000) = 0.208333 years = 2.5 months  (< 3: build)
    3-year totals: buy 3 x 2.5M = 7.5M; build 500k + 3 x 100k = 800k; savings 6.7M.
    """
    r = compute(Inputs())
    assert r.api_annual_cost == pytest.approx(2_500_000)
    assert r.custom_annual_cost == pytest.approx(200_000)
    assert r.serving_cost_year1 == pytest.approx(100_000)
    assert r.breakeven_years == pytest.approx(0.2083333333, rel=1e-9)
    assert r.breakeven_years * 12 == pytest.approx(2.5)
    assert r.recommendation == "build"
    assert r.horizon_years == 3
    assert r.buy_total == pytest.approx(7_500_000)
    assert r.build_total == pytest.approx(800_000)
    assert r.savings == pytest.approx(6_700_000)
    # No discount: present values equal the nominal totals and the basis says so.
    assert r.buy_pv == pytest.approx(r.buy_total)
    assert r.build_pv == pytest.approx(r.build_total)
    assert r.curve_basis == "nominal"
    assert r.gpus_year1 is None
    assert r.headline == "Build: it pays back in 0.21 years (2.5 months)"
    assert r.rationale[0].startswith("Buying costs $2,500,000 a year")
    assert "within the 3-year decision horizon" in r.rationale[2]
    assert "building saves $6,700,000" in r.rationale[3]


def test_source_example_figures_and_curves():
    """Figures carry the same numbers; the curves run monthly over the 5-year plot horizon.

    Buy after 12 months: 2.5M. Build: 500k at month 0, 500k + 100k = 600k at month 12.
    """
    r = compute(Inputs())
    assert r.figure("api_annual_cost").value == pytest.approx(2_500_000)
    assert r.figure("breakeven_years").value == r.breakeven_years
    assert r.figure("savings").value == pytest.approx(6_700_000)
    assert r.figure("buy_horizon").label == "Buy, total over 3 years (nominal)"
    assert r.months == [float(m) for m in range(61)]
    assert len(r.buy_cumulative) == len(r.build_cumulative) == 61
    assert r.buy_cumulative[0] == 0
    assert r.build_cumulative[0] == 500_000
    assert r.buy_cumulative[12] == pytest.approx(2_500_000)
    assert r.build_cumulative[12] == pytest.approx(600_000)
    assert r.buy_cumulative[36] == pytest.approx(r.buy_total)


def test_amortisation_changes_the_quoted_yearly_cost_not_the_breakeven():
    """Amortised over 2 years: 500,000 / 2 + 100,000 = 350,000 a year; breakeven still 5/24."""
    r = run(amortization_years=2)
    assert r.custom_annual_cost == pytest.approx(350_000)
    assert r.breakeven_years == pytest.approx(5 / 24)


def test_summary_quotes_the_figures():
    text = summarize(Inputs(), compute(Inputs()))
    assert "| Buy (API) | $2,500,000 | $7,500,000 | $7,500,000 |" in text
    assert "| Build (custom model) | $200,000 (amortised) | $800,000 | $800,000 |" in text
    assert "Breakeven: **0.21 years (2.5 months)**" in text
    assert "nominal basis." in text


# --- Never, and later than the horizon --------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "api_annual"),
    [
        (20e9, 100_000),  # 5e-6 x 20e9 = 100,000 = serving: the source divides by zero
        (10e9, 50_000),  # 5e-6 x 10e9 = 50,000 < serving: the source returns -10 years
        (0, 0),  # no volume at all
    ],
)
def test_api_not_dearer_than_serving_never_breaks_even(volume, api_annual):
    """Margin = api_annual - 100,000 <= 0, so building never earns back its $500k: buy.

    3-year savings = 3 x api_annual - (500,000 + 3 x 100,000) < 0.
    """
    r = run(inference_volume_per_year=volume)
    assert r.api_annual_cost == pytest.approx(api_annual)
    assert r.breakeven_years is None
    assert r.recommendation == "buy"
    assert r.savings == pytest.approx(3 * api_annual - 800_000)
    assert r.headline == "Buy: building never pays back its training cost"
    assert any("is not dearer than serving a custom model" in s for s in r.rationale)
    assert r.figure("breakeven_years").value is None
    assert r.monte_carlo.breakeven_p50_years is None


def test_a_real_margin_however_small_still_breaks_even():
    """5e-6 x 20.0002e9 = $100,001 a year against $100,000 of serving: $1 a year of margin.

    500,000 / 1 = 500,000 years: absurd, but a number, not "never" (only float noise is).
    """
    r = run(inference_volume_per_year=20.0002e9)
    assert r.breakeven_years == pytest.approx(500_000, rel=1e-6)
    assert r.recommendation == "buy"


def test_free_training_and_equal_costs_is_still_never():
    """Training $0 and API == serving: both curves are identical, neither is cheaper: buy."""
    r = run(inference_volume_per_year=20e9, training_cost=0)
    assert r.breakeven_years is None
    assert r.recommendation == "buy"
    assert r.savings == pytest.approx(0, abs=1e-6)


def test_free_training_with_a_margin_breaks_even_at_once():
    """Training $0 and the API dearer than serving: breakeven 0 / 2.4M = 0 years: build."""
    r = run(training_cost=0)
    assert r.breakeven_years == 0
    assert r.recommendation == "build"


def test_breakeven_later_than_the_horizon_is_a_number_and_buy():
    """Training 7.5M: 7,500,000 / 2,400,000 = 3.125 years > 3-year horizon: buy.

    3-year savings = 7.5M - (7.5M + 300k) = -300k.
    """
    r = run(training_cost=7_500_000)
    assert r.breakeven_years == pytest.approx(3.125)
    assert r.recommendation == "buy"
    assert r.savings == pytest.approx(-300_000)
    assert r.headline.startswith("Buy: building pays back only after 3.1")
    assert any("later than the 3-year decision horizon" in s for s in r.rationale)


def test_breakeven_exactly_at_the_horizon_is_not_sooner():
    """Training 3.6M, horizon 1.5 years: 3,600,000 / 2,400,000 = 1.5 years, not sooner: buy.

    The source's rule is `breakeven < horizon`. Summed monthly, buying and building both come to
    3.75M at 18 months, and float noise must not tip the exact tie to "build".
    """
    r = run(training_cost=3_600_000, decision_horizon_years=1.5)
    assert r.breakeven_years == 1.5
    assert r.recommendation == "buy"
    assert r.savings == pytest.approx(0, abs=1e-6)


# --- Extensions, by hand ----------------------------------------------------------------------

# $1e-6/token x 120e9 tokens = $120k/year = $10k/month; serving $24k/year = $2k/month.
SMALL = {
    "api_cost_per_token": 1e-6,
    "inference_volume_per_year": 120e9,
    "serving_cost_per_year": 24_000,
}


def test_volume_growth_crossing_in_year_two():
    """Volume +100%/year, training $159k.

    Year 0 (months 1-12): buy 10k, build 2k a month -> net +8k; month 12: -159k + 96k = -63k.
    Year 1 (months 13-24): volume doubled, buy 20k a month -> net +18k:
      month 13: -45k, 14: -27k, 15: -9k, 16: +9k -> crossing 15 + 9/18 = 15.5 months
      = 1.2916667 years (without growth: 159k / 96k = 1.65625 years).
    3-year totals: buy 120k + 240k + 480k = 840k; build 159k + 3 x 24k = 231k; savings 609k.
    """
    r = run(**SMALL, training_cost=159_000, volume_growth_pct_per_year=100)
    assert r.breakeven_years == pytest.approx(15.5 / 12, rel=1e-9)
    assert r.buy_total == pytest.approx(840_000)
    assert r.build_total == pytest.approx(231_000)
    assert r.savings == pytest.approx(609_000)
    assert r.recommendation == "build"
    assert r.api_annual_cost == pytest.approx(120_000)  # year 1, before growth
    assert r.buy_cumulative[24] - r.buy_cumulative[12] == pytest.approx(240_000)
    assert run(**SMALL, training_cost=159_000).breakeven_years == pytest.approx(1.65625)


def test_api_price_falling_crossing():
    """API price -50%/year, training $125k.

    Year 0: net +8k a month -> month 12: -125k + 96k = -29k.
    Year 1: buy 5k, build 2k -> net +3k: month 21: -29k + 27k = -2k, month 22: +1k
      -> crossing 21 + 2/3 months = 1.8055556 years.
    3-year totals: buy 120k + 60k + 30k = 210k; build 125k + 72k = 197k; savings 13k: build.
    """
    r = run(**SMALL, training_cost=125_000, api_price_change_pct_per_year=-50)
    assert r.breakeven_years == pytest.approx((21 + 2 / 3) / 12, rel=1e-9)
    assert r.buy_total == pytest.approx(210_000)
    assert r.build_total == pytest.approx(197_000)
    assert r.savings == pytest.approx(13_000)
    assert r.recommendation == "build"


def test_api_price_falling_can_mean_never():
    """API price -50%/year, training $150k.

    Month 12: -150k + 96k = -54k; year 1 (+3k a month): month 24: -18k; year 2 (buy 2.5k,
    build 2k: +0.5k a month): month 36: -12k; from year 3 the API (1.25k a month) is cheaper
    than serving (2k), so the gap only widens: never, buy.
    """
    r = run(**SMALL, training_cost=150_000, api_price_change_pct_per_year=-50)
    assert r.breakeven_years is None
    assert r.recommendation == "buy"
    assert r.buy_cumulative[36] - r.build_cumulative[36] == pytest.approx(-12_000)
    assert any("never falls below buying's within 50 years" in s for s in r.rationale)


def test_retraining_and_team_costs_add_to_building_every_month():
    """Defaults plus retraining $300k/year and team $600k/year.

    Build runs at (100k + 300k + 600k) / 12 = 83,333.33 a month, buy at 208,333.33:
      net 125,000 a month -> 500,000 / 125,000 = 4 months = 0.333333 years.
    Quoted yearly: 500k / 5 + 100k + 900k = 1.1M. 3 years: buy 7.5M, build 500k + 3 x 1M = 3.5M.
    """
    r = run(retraining_cost_per_year=300_000, team_cost_per_year=600_000)
    assert r.breakeven_years == pytest.approx(4 / 12, rel=1e-9)
    assert r.custom_annual_cost == pytest.approx(1_100_000)
    assert r.build_total == pytest.approx(3_500_000)
    assert r.savings == pytest.approx(4_000_000)
    assert r.recommendation == "build"
    # Either name for the same yearly money gives the same answer.
    retrain = run(retraining_cost_per_year=900_000)
    team = run(team_cost_per_year=900_000)
    assert retrain.breakeven_years == pytest.approx(r.breakeven_years)
    assert team.breakeven_years == pytest.approx(r.breakeven_years)


def test_discounting_uses_present_values_for_the_decision():
    """Defaults, training $2.3M, 1-year horizon, 10%/year discount.

    Nominal: net 200k a month; breakeven 2.3M / 2.4M = 11.5 months; 12-month savings
      2.5M - 2.4M = +100k (build, if undiscounted).
    Present value with end-of-month flows discounted by a^m, a = 1.1^(-1/12):
      S12 = sum_{m=1..12} a^m = a (1 - a^12) / (1 - a) = 11.4005
      buy PV = 2.5M/12 x S12 = 2,375,102; build PV = 2.3M + 100k/12 x S12 = 2,395,004
      PV savings = 200k x S12 - 2.3M = -19,902 -> buy.
      PV breakeven: 200k x S13 first exceeds 2.3M, at 12 + (2.3M - 200k S12) / (200k a^13)
      = 12.11 months.
    """
    a = 1.1 ** (-1 / 12)
    s12 = a * (1 - a**12) / (1 - a)
    r = run(training_cost=2_300_000, decision_horizon_years=1, discount_rate_pct=10)
    assert s12 == pytest.approx(11.4005, abs=1e-4)
    assert r.buy_total == pytest.approx(2_500_000)
    assert r.build_total == pytest.approx(2_400_000)
    assert r.buy_pv == pytest.approx(2_500_000 / 12 * s12)
    assert r.build_pv == pytest.approx(2_300_000 + 100_000 / 12 * s12)
    assert r.savings == pytest.approx(200_000 * s12 - 2_300_000)
    assert r.savings == pytest.approx(-19_902, abs=1)
    assert r.curve_basis == "present value"
    assert r.recommendation == "buy"
    pv_month = 12 + (2_300_000 - 200_000 * s12) / (200_000 * a**13)
    assert r.breakeven_years == pytest.approx(pv_month / 12, rel=1e-9)
    assert r.figure("buy_horizon").label == "Buy, total over 1 year (present value)"
    assert r.figure("buy_horizon").value == pytest.approx(r.buy_pv)
    undiscounted = run(training_cost=2_300_000, decision_horizon_years=1)
    assert undiscounted.recommendation == "build"
    assert undiscounted.breakeven_years == pytest.approx(11.5 / 12)


def test_gpu_serving_estimate():
    """GPU estimate on defaults: 2,500 tokens/s x 50% x 3,600 s = 4.5M tokens per GPU-hour.

    GPU-hours a year = 500e9 / 4.5e6 = 111,111.1; x $2.5 = $277,777.78 a year to serve;
    GPUs busy on average = 111,111.1 / 8,760 = 12.684.
    breakeven = 500,000 / (2,500,000 - 277,777.78) = 500,000 / 2,222,222.22 = 0.225 years.
    3 years: build 500,000 + 3 x 277,777.78 = 1,333,333.33; savings 6,166,666.67.
    """
    r = run(use_gpu_estimate=True)
    assert r.serving_cost_year1 == pytest.approx(277_777.777778)
    assert r.gpus_year1 == pytest.approx(12.6839, abs=1e-4)
    assert r.custom_annual_cost == pytest.approx(100_000 + 277_777.777778)
    assert r.breakeven_years == pytest.approx(0.225, rel=1e-9)
    assert r.build_total == pytest.approx(1_333_333.33)
    assert r.savings == pytest.approx(6_166_666.67)
    assert r.recommendation == "build"
    # The entered serving cost is ignored while the estimate is on.
    assert run(use_gpu_estimate=True, serving_cost_per_year=9e9).breakeven_years == (
        r.breakeven_years
    )


def test_gpu_serving_grows_with_volume():
    """Volume +100%/year: year-2 serving = 2 x 277,777.78 = 555,555.56 (GPU-hours double)."""
    r = run(use_gpu_estimate=True, volume_growth_pct_per_year=100)
    year2 = r.build_cumulative[24] - r.build_cumulative[12]
    assert year2 == pytest.approx(555_555.56)


def test_gpu_estimate_matching_serving_cost_gives_the_same_breakeven():
    """$0.90 per GPU-hour x 111,111.1 GPU-hours = $100,000 a year, the entered serving cost.

    The monthly GPU path and the closed form then agree: 500,000 / 2,400,000 years.
    """
    r = run(use_gpu_estimate=True, gpu_hourly_price=0.9)
    assert r.serving_cost_year1 == pytest.approx(100_000)
    assert r.breakeven_years == pytest.approx(5 / 24, rel=1e-9)


def test_gpu_serving_plus_running_costs():
    """GPU at $0.90/hour (111,111.1 GPU-hours = $100k a year) plus a $900k/year team:
    build runs at (100k + 900k) / 12 a month against 208,333 for buying, net 125k a month:
    500,000 / 125,000 = 4 months.
    """
    r = run(use_gpu_estimate=True, gpu_hourly_price=0.9, team_cost_per_year=900_000)
    assert r.breakeven_years == pytest.approx(4 / 12, rel=1e-9)
    assert r.custom_annual_cost == pytest.approx(100_000 + 100_000 + 900_000)


# --- The closed form and the monthly path agree -----------------------------------------------


@pytest.mark.parametrize(
    "core",
    [
        {},
        {"training_cost": 7_500_000},
        {"inference_volume_per_year": 25e9, "serving_cost_per_year": 1},
        {"api_cost_per_token": 3.3e-7, "training_cost": 123_456, "serving_cost_per_year": 7_000},
    ],
)
def test_extensions_at_defaults_give_exactly_the_closed_form(core):
    """With every extension neutral, breakeven = training / (price x volume - serving), exactly."""
    x = Inputs(**FAST, **core)
    expected = x.training_cost / (
        x.api_cost_per_token * x.inference_volume_per_year - x.serving_cost_per_year
    )
    assert compute(x).breakeven_years == expected


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        # Retraining $1/year: 500,000 / (2,400,000 - 1) years.
        ({"retraining_cost_per_year": 1}, 500_000 / 2_399_999),
        ({"team_cost_per_year": 1}, 500_000 / 2_399_999),
        # A growth of 1e-9 %/year changes nothing within the first year.
        ({"volume_growth_pct_per_year": 1e-9}, 500_000 / 2_400_000),
        ({"api_price_change_pct_per_year": 1e-9}, 500_000 / 2_400_000),
        # Discounting at 1e-9 %/year moves the monthly sums by about 1e-12 of their size.
        ({"discount_rate_pct": 1e-9}, 500_000 / 2_400_000),
    ],
)
def test_a_tiny_extension_moves_the_breakeven_only_slightly(extension, expected):
    """Turning on one extension switches to monthly cash flows; a tiny one must not jump.

    Base closed form: 500,000 / 2,400,000 = 0.2083333 years.
    """
    base = run().breakeven_years
    moved = run(**extension).breakeven_years
    assert moved == pytest.approx(expected, rel=1e-9)
    assert abs(moved - base) < 1e-6
    assert moved >= base


# --- Tornado -----------------------------------------------------------------------------------


def test_tornado_on_defaults_by_hand():
    """Each input alone to its low/high; 3-year savings = 3 x price x volume - 500k - 3 x serving.

    volume +-30%: api 1.75M .. 3.25M -> savings 5.25M - 0.8M = 4.45M .. 8.95M (swing 4.5M)
      breakeven 500k / 1.65M = 0.30303 .. 500k / 3.15M = 0.15873
    price  +-20%: api 2.0M .. 3.0M   -> savings 5.2M .. 8.2M                   (swing 3.0M)
    training +-30%: 350k .. 650k     -> savings 6.85M .. 6.55M                 (swing 0.3M)
      breakeven 350k / 2.4M = 0.145833 .. 650k / 2.4M = 0.270833
    serving +-20%: 80k .. 120k       -> savings 6.76M .. 6.64M                 (swing 0.12M)
    """
    bars = run().tornado
    assert [b.input for b in bars] == ["volume", "price", "training", "serving"]
    by = {b.input: b for b in bars}
    v = by["volume"]
    assert (v.low_value, v.high_value) == (pytest.approx(350e9), pytest.approx(650e9))
    assert v.label == "Inference volume"
    assert v.savings_low == pytest.approx(4_450_000)
    assert v.savings_high == pytest.approx(8_950_000)
    assert v.breakeven_low_years == pytest.approx(500_000 / 1_650_000)
    assert v.breakeven_high_years == pytest.approx(500_000 / 3_150_000)
    assert by["price"].savings_low == pytest.approx(5_200_000)
    assert by["price"].savings_high == pytest.approx(8_200_000)
    t = by["training"]
    assert (t.savings_low, t.savings_high) == (pytest.approx(6_850_000), pytest.approx(6_550_000))
    assert t.breakeven_low_years == pytest.approx(350_000 / 2_400_000)
    assert t.breakeven_high_years == pytest.approx(650_000 / 2_400_000)
    s = by["serving"]
    assert (s.savings_low, s.savings_high) == (pytest.approx(6_760_000), pytest.approx(6_640_000))
    assert s.label == "Serving cost"


def test_tornado_highs_move_savings_the_right_way():
    """More volume or a dearer API raise what building saves; dearer training lowers it."""
    by = {b.input: b for b in run(volume_growth_pct_per_year=20, discount_rate_pct=8).tornado}
    assert by["volume"].savings_high > by["volume"].savings_low
    assert by["price"].savings_high > by["price"].savings_low
    assert by["training"].savings_high < by["training"].savings_low
    assert by["serving"].savings_high < by["serving"].savings_low


def test_tornado_without_uncertainty_has_zero_swing():
    """Zero ranges: low = high = the entered value; every bar's savings = 6.7M both ends."""
    for b in run(**NO_UNCERTAINTY).tornado:
        assert b.low_value == b.high_value
        assert b.savings_low == b.savings_high == pytest.approx(6_700_000)
        assert b.breakeven_low_years == b.breakeven_high_years


def test_tornado_labels_the_gpu_price_when_estimating():
    """With the GPU estimate, the serving bar moves the GPU hourly price: $2.5 +-20% = 2 .. 3."""
    by = {b.input: b for b in run(use_gpu_estimate=True).tornado}
    assert by["serving"].label == "GPU hourly price"
    assert (by["serving"].low_value, by["serving"].high_value) == (
        pytest.approx(2.0),
        pytest.approx(3.0),
    )


# --- Monte Carlo -------------------------------------------------------------------------------


def test_monte_carlo_same_seed_same_answer():
    a = compute(Inputs(monte_carlo_draws=2000, seed=42)).monte_carlo
    b = compute(Inputs(monte_carlo_draws=2000, seed=42)).monte_carlo
    assert a == b


def test_monte_carlo_different_seed_different_histogram():
    a = compute(Inputs(monte_carlo_draws=2000, seed=1)).monte_carlo
    b = compute(Inputs(monte_carlo_draws=2000, seed=2)).monte_carlo
    assert a.histogram_counts != b.histogram_counts
    assert a.breakeven_p50_years != b.breakeven_p50_years


def test_monte_carlo_on_defaults():
    """Corners of the ranges (each input drawn within +-20% or +-30% of its value):
      worst: api 0.8 x 0.7 x 2.5M = 1.4M, training 650k, serving 120k -> 650k / 1.28M = 0.508
      best:  api 1.2 x 1.3 x 2.5M = 3.9M, training 350k, serving 80k  -> 350k / 3.82M = 0.0916
    Every draw breaks even well inside 3 years, so every draw builds and none is "never";
    every draw lands in one of the 40 histogram bins."""
    mc = compute(Inputs(monte_carlo_draws=5000)).monte_carlo
    assert mc.draws == 5000
    assert mc.seed == 0
    assert mc.search_years == 5
    assert mc.p_build_cheaper == 1.0
    assert mc.never_within_search == 0
    assert sum(mc.histogram_counts) == 5000
    assert len(mc.histogram_counts) == 40
    assert len(mc.histogram_edges_years) == 41
    assert mc.histogram_edges_years == sorted(mc.histogram_edges_years)
    assert mc.histogram_edges_years[0] >= 0
    assert mc.breakeven_p10_years >= 350_000 / 3_820_000
    assert mc.breakeven_p10_years <= mc.breakeven_p50_years <= mc.breakeven_p90_years
    assert mc.breakeven_p90_years <= 650_000 / 1_280_000
    assert mc.breakeven_p50_years == pytest.approx(5 / 24, abs=0.02)


def test_monte_carlo_percentiles_and_probability_by_hand():
    """Only the training cost is uncertain: triangular(350k, 500k, 650k), margin 2.4M a year.

    Triangle CDF left of the mode: F(x) = (x - 350k)^2 / (300k x 150k) = (x - 350k)^2 / 4.5e10.
      P10: x - 350k = sqrt(0.1 x 4.5e10) = 67,082 -> 417,082 / 2.4M = 0.173784 years
      P50: the mode, 500k / 2.4M = 0.208333;  P90 (mirror image): 582,918 / 2.4M = 0.242882
    Horizon 0.2 years: building is cheaper when training < 2.4M x 0.2 = 480k, with probability
      (480k - 350k)^2 / 4.5e10 = 0.37556.
    10,000 draws: the P10 estimate wobbles by about $1,000 (0.0004 years); the probability by
    sqrt(0.376 x 0.624 / 10,000) = 0.005. The tolerances are several times those.
    """
    only_training = {**NO_UNCERTAINTY, "training_cost_uncertainty_pct": 30}
    r = compute(Inputs(**only_training, decision_horizon_years=0.2))
    mc = r.monte_carlo
    assert mc.breakeven_p10_years == pytest.approx(417_082 / 2_400_000, abs=0.002)
    assert mc.breakeven_p50_years == pytest.approx(500_000 / 2_400_000, abs=0.002)
    assert mc.breakeven_p90_years == pytest.approx(582_918 / 2_400_000, abs=0.002)
    assert mc.p_build_cheaper == pytest.approx(0.37556, abs=0.025)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"training_cost": 7_500_000},  # breakeven 3.125 > horizon: buy
        {"volume_growth_pct_per_year": 100, **SMALL, "training_cost": 159_000},
        {"discount_rate_pct": 10, "training_cost": 2_300_000, "decision_horizon_years": 1},
        {"use_gpu_estimate": True},
    ],
)
def test_monte_carlo_without_uncertainty_is_the_deterministic_answer(changes):
    """Every draw is the entered case: P(build) is 0 or 1 and P10 = P50 = P90 = breakeven."""
    r = run(**NO_UNCERTAINTY, **changes)
    mc = r.monte_carlo
    assert mc.p_build_cheaper == (1.0 if r.recommendation == "build" else 0.0)
    for p in (mc.breakeven_p10_years, mc.breakeven_p50_years, mc.breakeven_p90_years):
        # Monthly interpolation is exact for the straight lines within a month.
        assert p == pytest.approx(r.breakeven_years, abs=1e-9)
    assert mc.never_within_search == 0
    assert sum(mc.histogram_counts) == mc.draws


def test_monte_carlo_never():
    """API == serving for every draw (no uncertainty): no draw ever breaks even."""
    mc = run(**NO_UNCERTAINTY, inference_volume_per_year=20e9).monte_carlo
    assert mc.p_build_cheaper == 0.0
    assert mc.never_within_search == mc.draws
    assert sum(mc.histogram_counts) == 0
    assert mc.breakeven_p10_years is None


def test_monte_carlo_breakeven_beyond_the_plot_horizon_is_never_within_search():
    """Breakeven 6 years (training 14.4M / 2.4M), plot horizon 5: not within the search."""
    r = run(**NO_UNCERTAINTY, training_cost=14_400_000)
    assert r.breakeven_years == pytest.approx(6.0)
    assert r.monte_carlo.never_within_search == r.monte_carlo.draws
    assert r.monte_carlo.breakeven_p50_years is None
    assert r.figure("breakeven_p50_years").none_text == "not within 5 years"


def test_monte_carlo_counts_every_draw_with_a_fractional_plot_horizon():
    """Plot horizon 1.01 years: the search runs ceil(12.12) = 13 months. Training 2.6M with a
    2.4M/year margin breaks even at 2.6 / 2.4 = 1.0833 years, in the last partial month past
    1.01 years. Every draw lands either in the histogram or in the never count, none in neither.
    """
    r = run(
        **NO_UNCERTAINTY, training_cost=2_600_000, decision_horizon_years=1, plot_horizon_years=1.01
    )
    mc = r.monte_carlo
    assert r.breakeven_years == pytest.approx(2.6 / 2.4)
    assert sum(mc.histogram_counts) + mc.never_within_search == mc.draws


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"training_cost": 7_500_000},  # most draws break even near or past the 3-year horizon
        {"serving_cost_per_year": 2_400_000},  # the margin straddles zero: many never
        {"training_cost": 0},  # every draw breaks even at once
        {"training_cost": 11_000_000, "plot_horizon_years": 4.5},  # many past the search
        {"decision_horizon_years": 2.75},  # the saving interpolated between two months
    ],
)
def test_straight_line_draws_match_the_monthly_grid(changes):
    """Core inputs only: the closed form (training / margin, and the saving at the horizon's
    two months) gives what _cumulative's month grid and its first crossing give, draw by draw.
    """
    import numpy as np

    from core import analysis

    x = Inputs(**changes)
    p = bvb._Params.of(x)
    assert p.neutral
    rng = np.random.default_rng(3)
    n = 3000
    drawn = bvb.replace(
        p,
        price=analysis.triangular(rng, p.price, 0.5, n),
        volume=analysis.triangular(rng, p.volume, 0.5, n),
        training=analysis.triangular(rng, p.training, 0.5, n),
        serving=analysis.triangular(rng, p.serving, 0.5, n),
    )
    months = int(np.ceil(max(x.plot_horizon_years, x.decision_horizon_years) * 12))
    at = x.decision_horizon_years * 12
    lo, frac = int(at), at - int(at)
    hi = min(lo + 1, months)
    diff = bvb._cumulative(drawn, months, with_costs=False).diff
    grid_breakeven = analysis.first_crossing(diff) / 12
    grid_savings = diff[:, lo] * (1 - frac) + diff[:, hi] * frac

    breakeven, savings = bvb._straight_line_draws(drawn, months, lo, hi, frac)
    assert np.array_equal(np.isinf(breakeven), np.isinf(grid_breakeven))
    finite = np.isfinite(breakeven)
    assert np.allclose(breakeven[finite], grid_breakeven[finite], rtol=1e-9, atol=1e-12)
    assert np.allclose(savings, grid_savings, rtol=1e-9, atol=1e-6)
    assert np.array_equal(savings > 0, grid_savings > 0)


def test_first_stage_then_complete_is_compute():
    """The window's two stages: compute_first has everything but the Monte Carlo (its figures
    say it is simulating, its last reason too); complete adds it, and the pair is compute's
    result exactly. A cancelled completion gives nothing."""
    x = Inputs(volume_growth_pct_per_year=20, monte_carlo_draws=2000)
    first = bvb.compute_first(x)
    assert first.monte_carlo is None
    assert first.figure("p_build_cheaper").value is None
    assert format_figure(first.figure("p_build_cheaper")) == bvb.SIMULATING
    assert bvb.SIMULATING in first.rationale[-1]
    whole = compute(x)
    assert first.headline == whole.headline and first.buy_cumulative == whole.buy_cumulative
    assert bvb.complete(x, first) == whole
    assert whole.rationale[:-1] == first.rationale[:-1]
    assert "Monte Carlo draws" in whole.rationale[-1]
    assert [f.key for f in first.figures] == [f.key for f in whole.figures]
    assert bvb.complete(x, first, cancelled=lambda: True) is None
    with pytest.raises(ValueError, match="Monte Carlo"):
        summarize(x, first)


# --- Messages that must not contradict the decision ------------------------------------------


def test_breaking_even_then_losing_again_is_said_plainly():
    """Volume -90%/year, training $2M, 10-year horizon.

    Year 0: buy 2.5M, build 100k/year -> net +200k a month: breakeven 2M / 200k = 10 months.
    Year 1: buy 250k -> net +150k -> month 24: -2M + 2.4M + 150k = +550k.
    From year 2 buying costs 25k, 2.5k, ... a year against 100k of serving, so the gap shrinks
    about 75k+ a year and by year 10 building is dearer again (savings -222,222): buy.
    The headline must not claim building pays back "only after" 10 months.
    """
    r = run(training_cost=2_000_000, volume_growth_pct_per_year=-90, decision_horizon_years=10)
    assert r.breakeven_years == pytest.approx(10 / 12)
    assert r.savings == pytest.approx(-222_222.22, abs=1)
    assert r.recommendation == "buy"
    assert "only after" not in r.headline
    assert "costs more again" in r.headline
    assert any("rises above buying's again" in s for s in r.rationale)


# --- Input validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("inference_volume_per_year", -1, "at least 0"),
        ("api_cost_per_token", math.nan, "finite number"),
        ("training_cost", math.inf, "finite number"),
        ("serving_cost_per_year", "a lot", "must be a number"),
        ("decision_horizon_years", 0, "more than 0"),
        ("amortization_years", [5], "must be a number"),
        ("monte_carlo_draws", 100.5, "whole number"),
        ("use_gpu_estimate", "maybe", "true or false"),
        ("volume_growth_pct_per_year", -95, "at least -90"),
        ("inference_volume_per_year", None, "must be a number"),
    ],
)
def test_inputs_refuse_bad_values_and_name_the_field(field, value, message):
    with pytest.raises(ValidationError) as exc:
        Inputs(**{field: value})
    lines = error_lines(exc.value)
    assert len(lines) == 1
    assert lines[0].startswith(f"{field}: ")
    assert message in lines[0]


def test_inputs_refuse_unknown_fields():
    with pytest.raises(ValidationError) as exc:
        Inputs(training_costs=1)
    assert error_lines(exc.value) == ["training_costs: unknown field"]


def test_inputs_refuse_a_gpu_throughput_that_overflows_the_serving_cost():
    """1e-300 tokens/s: 500e9 / (1e-300 x 0.5 x 3600) GPU-hours overflows to infinity."""
    with pytest.raises(ValidationError) as exc:
        Inputs(use_gpu_estimate=True, gpu_tokens_per_second=1e-300)
    assert error_lines(exc.value)[0].startswith("gpu_tokens_per_second: ")
    with pytest.raises(ValidationError):
        Inputs(use_gpu_estimate=True, gpu_utilisation_pct=1e-300)


def test_an_api_barely_dearer_than_free_serving_is_never_not_infinity():
    """$1e-320/token x 1 token = 1e-320 a year of margin: 500,000 / 1e-320 overflows a float.

    That breakeven is no number at all: it is "never" (None), and nothing in the result is inf.
    """
    r = run(api_cost_per_token=1e-320, inference_volume_per_year=1, serving_cost_per_year=0)
    assert r.breakeven_years is None
    assert r.recommendation == "buy"
    _assert_finite(r.model_dump(), "result")


# --- Properties ---------------------------------------------------------------------------------


def _field_strategy(name, field):
    if name == "monte_carlo_draws":
        return st.integers(100, 500)
    if field.annotation is bool:
        return st.booleans()
    bounds = {type(m).__name__: m for m in field.metadata}
    if field.annotation is int:
        return st.integers(bounds["Ge"].ge, bounds["Le"].le)
    low = bounds["Ge"].ge if "Ge" in bounds else bounds["Gt"].gt
    return st.floats(
        min_value=low,
        max_value=bounds["Le"].le,
        exclude_min="Gt" in bounds,
        allow_nan=False,
        allow_infinity=False,
    )


# Every extension at its neutral default: the closed-form path the source describes.
NEUTRAL_EXTENSIONS = {
    "volume_growth_pct_per_year": 0.0,
    "api_price_change_pct_per_year": 0.0,
    "retraining_cost_per_year": 0.0,
    "team_cost_per_year": 0.0,
    "discount_rate_pct": 0.0,
    "use_gpu_estimate": False,
}
any_inputs = st.builds(
    Inputs, **{name: _field_strategy(name, f) for name, f in Inputs.model_fields.items()}
)
# Random floats almost never switch all five extensions off at once: draw that case on purpose.
inputs_strategy = st.one_of(
    any_inputs.map(lambda x: x.model_copy(update=NEUTRAL_EXTENSIONS)), any_inputs
)


def _assert_finite(value, where):
    """Walk a model_dump: every number is finite; None ("never") is allowed."""
    if isinstance(value, dict):
        for k, v in value.items():
            _assert_finite(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _assert_finite(v, f"{where}[{i}]")
    elif isinstance(value, float):
        assert math.isfinite(value), f"{where} = {value}"


def _years(b):
    return math.inf if b is None else b


@settings(max_examples=150, deadline=None)
@given(inputs_strategy)
def test_compute_never_raises_and_returns_only_finite_numbers(x):
    r = compute(x)
    _assert_finite(r.model_dump(), "result")
    assert r.recommendation in ("build", "buy")
    assert 0.0 <= r.monte_carlo.p_build_cheaper <= 1.0
    mc = r.monte_carlo
    assert sum(mc.histogram_counts) + mc.never_within_search == mc.draws
    assert r.breakeven_years is None or r.breakeven_years >= 0
    spans = [abs(b.savings_high - b.savings_low) for b in r.tornado]
    assert spans == sorted(spans, reverse=True)
    if not x.use_gpu_estimate:
        by = {b.input: b for b in r.tornado}
        assert by["price"].savings_high >= by["price"].savings_low
        assert by["volume"].savings_high >= by["volume"].savings_low
        assert by["training"].savings_high <= by["training"].savings_low
        assert by["serving"].savings_high <= by["serving"].savings_low


@settings(max_examples=150, deadline=None)
@given(inputs_strategy)
def test_decision_agrees_with_breakeven(x):
    """Build means building breaks even by the horizon; with core inputs only, build exactly
    when breakeven < horizon (the source's rule)."""
    r = compute(x)
    if r.recommendation == "build":
        assert r.breakeven_years is not None
        assert r.breakeven_years <= x.decision_horizon_years
    if bvb._Params.of(x).neutral:
        sooner = r.breakeven_years is not None and r.breakeven_years < x.decision_horizon_years
        assert (r.recommendation == "build") == sooner


@settings(max_examples=150, deadline=None)
@given(inputs_strategy, st.floats(min_value=1, max_value=1e10))
def test_breakeven_never_earlier_when_training_costs_more(x, delta):
    dearer = x.model_copy(update={"training_cost": min(x.training_cost + delta, 1e11)})
    assume(dearer.training_cost > x.training_cost)
    assert _years(compute(dearer).breakeven_years) >= _years(compute(x).breakeven_years)


@settings(max_examples=150, deadline=None)
@given(inputs_strategy, st.floats(min_value=1e-9, max_value=1))
def test_dearer_api_never_makes_buying_relatively_cheaper(x, delta):
    dearer = x.model_copy(update={"api_cost_per_token": min(x.api_cost_per_token + delta, 1.0)})
    assume(dearer.api_cost_per_token > x.api_cost_per_token)
    base, more = compute(x), compute(dearer)
    assert more.savings >= base.savings
    assert _years(more.breakeven_years) <= _years(base.breakeven_years)


def test_months_to_production_keeps_paying_the_api_until_launch():
    """Worked example, but the model takes 6 months to build.

    Months 1-6 building still pays the API (2.5M/12 a month) and no serving; from month 7 it
    pays serving (100k/12). For m >= 6 the gap is (2.5M - 100k) x (m - 6)/12 - 500k, which is
    zero at m = 6 + 12 x 500k / 2.4M = 8.5 months = 0.70833 years.
    Three years: buy 7.5M; build 500k + 2.5M x 6/12 + 100k x 2.5 = 2.0M; saving 5.5M.
    """
    r = bvb.compute(bvb.Inputs(months_to_production=6))
    assert r.breakeven_years == pytest.approx(8.5 / 12)
    assert r.buy_total == pytest.approx(7_500_000)
    assert r.build_total == pytest.approx(2_000_000)
    assert r.savings == pytest.approx(5_500_000)
    assert r.recommendation == "build"
    assert any("6 months to reach production" in s for s in r.rationale)


def test_launch_after_the_horizon_means_buy():
    """If building takes longer than the horizon, building only adds its costs: buy."""
    r = bvb.compute(bvb.Inputs(months_to_production=48))
    assert r.recommendation == "buy"
    assert r.breakeven_years == pytest.approx((48 + 2.5) / 12)
