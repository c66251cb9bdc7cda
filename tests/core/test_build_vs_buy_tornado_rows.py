"""The tornado's rows go through the cash-flow model in one pass: each bar's figures are the
ones the model gives that row on its own (the one-row functions the rest of the module uses)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.frameworks import build_vs_buy as bvb

CASES = [
    {},  # the source's core inputs: closed-form breakeven
    {"volume_growth_pct_per_year": 30, "discount_rate_pct": 8, "months_to_production": 6},
    {"use_gpu_estimate": True, "team_cost_per_year": 150_000},
    {"serving_cost_per_year": 3_000_000, "api_cost_uncertainty_pct": 60},  # some rows: never
    {"api_cost_uncertainty_pct": 0},  # a bar of no width: its two rows are the base
]


@pytest.mark.parametrize("changes", CASES)
def test_each_bar_is_its_rows_on_their_own(changes):
    x = bvb.Inputs(**changes)
    p = bvb._Params.of(x)
    bars = bvb._tornado(x, p)
    assert {b.input for b in bars} == {"price", "volume", "training", "serving"}
    for bar in bars:
        for value, breakeven, savings in (
            (bar.low_value, bar.breakeven_low_years, bar.savings_low),
            (bar.high_value, bar.breakeven_high_years, bar.savings_high),
        ):
            row = replace(p, **{bar.input: value})
            assert breakeven == bvb._breakeven_years(row)
            assert savings == bvb._savings(row, x.decision_horizon_years)
