"""The Compare dialog's and `scenarios compare`'s B - A column: two percentages differ by
percentage points, and a signed unit is signed once. It read "-1.2%" for two pass rates and
"++1.6 pp" for two lifts."""

from __future__ import annotations

from core.compare import figure_rows
from core.frameworks import experiments


def test_rate_and_lift_differences_are_percentage_points_signed_once():
    """A: the defaults, 262 both pass, 18 only the baseline, 38 only the variant, 82 neither
    (n = 400): rates 280/400 = 70.0%, 300/400 = 75.0%, lift +5.0 pp.
    B: 45 only the variant (n = 407): rates 280/407 = 68.80%, 307/407 = 75.43%, lift 27/407
    = +6.63 pp. B - A: -1.20, +0.43 and +1.63 points."""
    a = experiments.compute(experiments.Inputs())
    b = experiments.compute(experiments.Inputs(variant_only=45))
    rows = {r.key: r for r in figure_rows(a, b)}
    assert (rows["baseline_pass_rate"].a, rows["baseline_pass_rate"].b) == ("70.0%", "68.8%")
    assert rows["baseline_pass_rate"].delta == "-1.2 pp"
    assert rows["variant_pass_rate"].delta == "+0.4 pp"
    assert (rows["lift"].a, rows["lift"].b, rows["lift"].delta) == ("+5.0 pp", "+6.6 pp", "+1.6 pp")
    assert rows["n_items"].delta == "+7"
    for r in rows.values():
        assert "++" not in r.delta and not r.delta.endswith("%"), (r.key, r.delta)


def test_a_label_that_differs_between_the_sides_names_both():
    """A at alpha 0.05 has a 95% interval, B at alpha 0.1 a 90% one: each bound's row says so."""
    a = experiments.compute(experiments.Inputs())
    b = experiments.compute(experiments.Inputs(alpha=0.1))
    rows = {r.key: r for r in figure_rows(a, b)}
    assert rows["ci_low"].label == "Lift, 95% interval low (B: Lift, 90% interval low)"
    assert rows["lift"].label == "Lift"
