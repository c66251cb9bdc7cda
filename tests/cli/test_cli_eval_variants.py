"""`eval compare` with several runs: the k-way table, Holm-adjusted p-values, the Pareto set and
the best line; two runs stay the two-run comparison (also when --baseline swaps them); runs of
different datasets, a run named twice and a baseline not compared are refused (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from core.evaluation import DatasetItem, Sample, Variant
from core.multi_compare import VariantRun, compare_variants
from storage.experiments import ExperimentStore

ITEMS = [DatasetItem(id=str(i), input=f"q{i}", expected="yes") for i in range(40)]
#: Right on the first n items: run 1 (base) 20, run 2 (cheap) 22, run 3 (strong) 38.
RIGHT = {"base": 20, "cheap": 22, "strong": 38}
COST = {"base": 0.001, "cheap": 0.0002, "strong": 0.01}
LATENCY = {"base": 300.0, "cheap": 200.0, "strong": 900.0}


def _samples(name: str) -> list[Sample]:
    return [
        Sample(
            item_id=item.id,
            output="yes" if i < RIGHT[name] else "no",
            cost_usd=COST[name],
            latency_ms=LATENCY[name],
        )
        for i, item in enumerate(ITEMS)
    ]


@pytest.fixture
def seeded(db_path: Path) -> None:
    """Three imported runs (ids 1-3) of one dataset, and run 4 of another dataset."""
    with ExperimentStore(db_path) as store:
        dataset = store.add_dataset("yes", ITEMS)
        other = store.add_dataset("other", ITEMS[:5])
        for name in RIGHT:
            store.import_run(dataset.id, Variant(name=name, model=name), _samples(name), name=name)
        store.import_run(other.id, Variant(name="x", model="x"), _samples("base")[:5], name="x")


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_three_runs_print_the_table_holm_pareto_and_best(capsys, seeded) -> None:
    code, out, err = _eval(capsys, "compare", "1", "2", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        "3 runs on Exact match, baseline #1 base: 40 of 40 items answered by every run (0 left out)"
    )
    assert lines[1].split() == [
        "RUN", "MEAN", "(95%", "CI)", "COST/ITEM", "P50", "P95", "LIFT", "(95%", "CI)", "P",
        "HOLM", "P", "VERDICT", "PARETO", "BEST", "IN", "RESAMPLES",
    ]  # fmt: skip
    strong = next(line for line in lines if line.startswith("#3 strong"))
    # b = 0, c = 18: McNemar p = 2 x 0.5^18; two comparisons, so Holm doubles the smaller p.
    expected = compare_variants(
        ITEMS, [VariantRun(n, _samples(n)) for n in RIGHT], "exact_match", min_lift=0.02
    )
    assert expected.variants[2].p_raw == pytest.approx(2 * 0.5**18)
    assert expected.variants[2].p_holm == pytest.approx(4 * 0.5**18)
    assert "0.950 (" in strong and "$0.01" in strong and "900 ms" in strong
    assert "+45.0 pp" in strong and "7.6e-06" in strong and "1.5e-05" in strong
    assert "Ship" in strong and strong.split()[-2:] == ["yes", "100%"]
    base = next(line for line in lines if line.startswith("#1 base"))
    assert "baseline" in base and base.split()[-2] == "no"  # cheap is better, cheaper, faster
    assert "- Holm's" not in out and "Holm's step-down adjustment over the 2 comparisons" in out
    assert "Pareto set on quality" in out and "'#2 cheap' and '#3 strong'" in out
    assert lines[-1].startswith("- Best: '#3 strong' (0.950), and surely so")


def test_three_runs_as_json_and_another_baseline(capsys, seeded) -> None:
    code, out, _ = _eval(capsys, "compare", "1", "2", "3", "--baseline", "3", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["run_ids"] == [1, 2, 3] and data["baseline"] == 2
    assert [v["is_baseline"] for v in data["variants"]] == [False, False, True]
    assert data["variants"][0]["verdict"] == "do_not_ship"
    assert data["best"] == 2 and data["n_common"] == 40


def test_two_runs_stay_the_two_run_comparison(capsys, seeded) -> None:
    code, out, _ = _eval(capsys, "compare", "1", "3")
    assert code == 0 and out.splitlines()[0] == "Ship: strong vs base"
    # --baseline naming the second run swaps the roles, as if given the other way round.
    code, swapped, _ = _eval(capsys, "compare", "3", "1", "--baseline", "1")
    assert code == 0 and swapped == out
    code, _, err = _eval(capsys, "compare", "1", "3", "--baseline", "2")
    assert code == 2 and "--baseline 2 is not one of the runs compared (1, 3)" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["1", "2", "4"], "the runs answer different datasets: compare runs of one dataset"),
        (["1", "2", "2"], "name each run once"),
        (["1"], "compare at least two runs"),
        (["1", "2", "3", "--baseline", "4"], "the baseline run 4 is not among the runs"),
        (["1", "2", "9"], "There is no run 9"),
        (["1", "2", "3", "--metric", "llm_judge"], "compare two runs at a time"),
        (["1", "2", "3", "--metric", "nope"], "unknown metric 'nope'"),
    ],
)
def test_refusals_exit_2_and_say_why(capsys, seeded, args: list[str], words: str) -> None:
    code, out, err = _eval(capsys, "compare", *args)
    assert code == 2 and out == ""
    assert words in err
