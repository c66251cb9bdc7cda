"""`eval router`: the threshold table, the bounds and the quality kept at a chosen saving, from
two stored runs; refusals exit with code 2 and say why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from storage.experiments import ExperimentStore
from tests.router_runs import router_runs


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(["eval", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def runs(db_path: Path) -> tuple[str, str]:
    with ExperimentStore(db_path) as store:
        cheap, strong = router_runs(store)
    return str(cheap), str(strong)


def test_the_table_bounds_and_the_figure_at_a_saving(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, str]
) -> None:
    """tests/router_runs.py on Contains (all-strong 5 of 6 right, $0.0144; see
    tests/operations/test_router_ops.py for the rows). At a 25% saving:
    - the oracle moves q2 (cheap right, strong wrong; saves $1,980e-6: 13.75%, 6 right of 5:
      120%) then q4 (both right; $2,700e-6): 4,680 of 14,400 = 32.5% saved, still 120%; on
      the line between the two at 25%: 120.0%;
    - a random split saves 0.9 s (the cheap model costs a tenth), so saving exactly 25% sends
      s = 0.25 / 0.9 = 5/18 to cheap: (5/18 x 3 + 13/18 x 5) / 5 = 80/90 = 88.9%;
    - the rule at confidence >= 0.6 saves 27.5% and keeps 100.0%."""
    code, out, err = _eval(capsys, "router", *runs, "--metric", "contains", "--saving", "25")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Cheap 'mini' (mini-model) vs strong 'big' (big-model), Contains")
    assert "6 paired items" in lines[0]
    assert "All strong: quality 0.833, $0.0144 ($2.4 per 1,000 requests)" in lines[1]
    row = next(line for line in lines if line.startswith(">= 0.6 "))
    assert row.split()[2:4] == ["50.0%", "100.0%"]
    assert row.split()[4].startswith("[")
    assert "27.5%" in row and "$0.66 " in row and " ms" in row
    assert "escalate all" in out
    assert "Bounds of a pure router" in out
    assert lines[-1] == (
        "At a 25% cost saving: the oracle keeps 120.0% of the all-strong quality, a random "
        "split 88.9%, and the rule keeps 100.0% (keep on cheap >= 0.6, 50.0% on cheap)."
    )


def test_json_and_the_other_rules(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, str]
) -> None:
    code, out, _ = _eval(capsys, "router", *runs, "--metric", "contains", "--json")
    assert code == 0
    curve = json.loads(out)
    assert [r["threshold"] for r in curve["rows"]] == [None, 0.9, 0.8, 0.6, 0.4, 0.2]
    code, out, _ = _eval(capsys, "router", *runs, "--metric", "contains", "--rule", "length")
    assert code == 0 and "<= 10 tokens" in out
    code, out, _ = _eval(
        capsys, "router", *runs, "--metric", "contains", "--rule", "regex", "--pattern", "^a"
    )
    assert code == 0 and "\nmatch " in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rule", "regex"), "--rule regex needs --pattern"),
        (("--rule", "regex", "--pattern", "(a"), "is not valid"),
        (("--rule", "judge"), "no kept comparison graded it"),
        (("--metric", "nope"), "unknown metric"),
        (("--saving", "150"), "--saving is a percent"),
    ],
)
def test_refusals_say_why(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = _eval(capsys, "router", *runs, *args)
    assert code == 2
    assert message in err


def test_runs_of_two_datasets_are_refused(
    capsys: pytest.CaptureFixture[str], db_path: Path, runs: tuple[str, str]
) -> None:
    with ExperimentStore(db_path) as store:
        _cheap, other = router_runs(store, "another")
    code, _, err = _eval(capsys, "router", runs[0], str(other))
    assert code == 2
    assert "same dataset" in err
