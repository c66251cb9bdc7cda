"""Smaller holes (issue 14, item 10): true/false taken as numbers, nan and inf accepted by the
decimal options, and terminal escape sequences in names printed raw by the CLI.

Names with control characters are written into the database with SQL, as an older version or
another tool could have left them, so the test does not depend on what a save refuses today.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

import pytest

import main
from cli.common import finite_float
from cli.parser import build_parser
from core.catalog import ModelInfo
from core.evaluation import DatasetItem, Sample, Variant
from storage import CatalogStore, ExperimentStore, ScenarioStore

# OSC 0 sets the terminal's title; CSI 2 J clears the screen; U+202E reverses what follows.
TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
RLO = "\u202e"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _sql(db: Path, statement: str, *params: object) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(statement, params)
        conn.commit()
    finally:
        conn.close()


def _assert_no_raw_controls(text: str) -> None:
    controls = [c for line in text.splitlines() for c in line if not c.isprintable()]
    assert controls == [], text


# true / false are not numbers


def test_true_is_not_the_number_1_in_compute_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps({"training_cost": True, "seed": False, "use_gpu_estimate": True}))
    code, out, err = _run(capsys, "compute", "build_vs_buy", "--inputs", str(path))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: training_cost: must be a number, not true/false",
        "error: seed: must be a number, not true/false",
    ]


def test_false_is_not_a_number_in_a_table_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A candidate's accuracy in the model selection table: the row's field is named."""
    row = {"name": "a", "accuracy": False, "avg_latency_ms": 100, "cost_usd": 0.01}
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps({"candidates": [row]}))
    code, out, err = _run(capsys, "compute", "model_selection", "--inputs", str(path))
    assert (code, out) == (2, "")
    assert err == "error: candidates.0.accuracy: must be a number, not true/false\n"


def test_a_scenario_file_with_true_as_a_number_is_not_imported(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.json"
    scenario = {"name": "Bool", "framework_id": "build_vs_buy", "inputs": {"training_cost": True}}
    path.write_text(
        json.dumps({"format": "aidf-scenario", "format_version": 1, "scenario": scenario})
    )
    code, out, err = _run(capsys, "scenarios", "import", str(path))
    assert (code, out) == (2, "")
    assert "training_cost: must be a number, not true/false" in err
    with ScenarioStore(db_path) as store:
        assert store.count() == 0


# nan and inf in decimal options


def _float_options(parser: argparse.ArgumentParser, prefix: str = "") -> list[tuple[str, str]]:
    """(command, option) of every option of every sub-command that takes a decimal."""
    found: list[tuple[str, str]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _float_options(sub, f"{prefix} {name}".strip())
        elif action.type in (float, finite_float):
            found.append((prefix, action.option_strings[0]))
    return found


def test_every_decimal_option_takes_finite_numbers_only() -> None:
    options = _float_options(build_parser())
    assert ("eval compare", "--min-lift") in options
    assert ("eval run", "--timeout") in options
    parser = build_parser()
    for command, option in options:
        action = _action(parser, command.split(), option)
        assert action.type is finite_float, (command, option)


def _action(parser: argparse.ArgumentParser, path: list[str], option: str) -> argparse.Action:
    for action in parser._actions:
        if path and isinstance(action, argparse._SubParsersAction):
            return _action(action.choices[path[0]], path[1:], option)
        if option in action.option_strings:
            return action
    raise KeyError(option)


@pytest.mark.parametrize(
    ("args", "option", "value"),
    [
        (["eval", "compare", "1", "2"], "--min-lift", "nan"),
        (["eval", "compare", "1", "2"], "--min-lift", "inf"),
        (["eval", "compare", "1", "2"], "--threshold", "nan"),
        (["eval", "compare", "1", "2"], "--threshold", "-Infinity"),
        (["eval", "run", "--dataset", "qa", "--model", "m"], "--temperature", "nan"),
        (["eval", "run", "--dataset", "qa", "--model", "m"], "--timeout", "inf"),
        (["eval", "run", "--dataset", "qa", "--model", "m"], "--spend-cap", "NaN"),
    ],
)
def test_nan_and_inf_are_refused_with_exit_2(
    args: list[str],
    option: str,
    value: str,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Refused by argparse before anything opens the database (it is not even created)."""
    code, out, err = _run(capsys, *args, f"{option}={value}")  # "=": -Infinity is no option
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].endswith(
        f"error: argument {option}: must be a finite number, not {value!r}"
    )
    assert not db_path.exists()


def test_a_word_is_not_a_number_either(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(capsys, "eval", "compare", "1", "2", "--min-lift", "two")
    assert code == 2
    assert err.splitlines()[-1].endswith("error: argument --min-lift: not a number: 'two'")


# Escape sequences in names are printed escaped


def test_scenarios_list_and_show_print_escapes_not_control_characters(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ScenarioStore(db_path) as store:
        saved = store.create("build_vs_buy", "Plan", {"training_cost": 1})
    name = f"Plan{TITLE}{CLEAR}{RLO}x"
    _sql(db_path, "UPDATE scenarios SET name = ? WHERE id = ?", name, saved.id)

    code, out, err = _run(capsys, "scenarios", "list")
    assert (code, err) == (0, "")
    _assert_no_raw_controls(out)
    assert "Plan\\x1b]0;pwned\\x07\\x1b[2J\\u202ex" in out

    code, out, err = _run(capsys, "scenarios", "show", name)
    assert code == 0, err
    _assert_no_raw_controls(out + err)

    code, out, err = _run(capsys, "scenarios", "show", f"missing{TITLE}")
    assert (code, out) == (2, "")
    _assert_no_raw_controls(err)
    assert "missing\\x1b]0;pwned\\x07" in err


def test_eval_datasets_and_runs_print_escapes(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ExperimentStore(db_path) as store:
        dataset = store.add_dataset("qa", [DatasetItem(id="1", input="q", expected="a")])
        run = store.create_run(dataset.id, Variant(name="v", model="m"), None)
        store.add_samples(run, [Sample(item_id="1", output="a")])
    _sql(db_path, "UPDATE datasets SET name = ?, source = ?", f"qa{CLEAR}", f"f{TITLE}.jsonl")
    _sql(db_path, "UPDATE runs SET name = ?", f"run{TITLE}")

    code, out, err = _run(capsys, "eval", "datasets")
    assert (code, err) == (0, "")
    _assert_no_raw_controls(out)
    assert "qa\\x1b[2J@v1" in out
    assert "f\\x1b]0;pwned\\x07.jsonl" in out

    code, out, err = _run(capsys, "eval", "runs")
    assert (code, err) == (0, "")
    _assert_no_raw_controls(out)
    assert "run\\x1b]0;pwned\\x07" in out


def test_catalog_prints_a_custom_model_id_escaped(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with CatalogStore(db_path) as store:
        store.add_custom_model(
            ModelInfo(
                id="acme/x", provider="custom", input_cost_per_token=0, output_cost_per_token=0
            )
        )
    _sql(db_path, "UPDATE catalog_custom_models SET id = ?", f"acme/{TITLE}x")
    code, out, err = _run(capsys, "catalog", "--provider", "custom")
    assert (code, err) == (0, "")
    _assert_no_raw_controls(out)
    assert "acme/\\x1b]0;pwned\\x07x" in out


@pytest.mark.parametrize(
    ("framework", "inputs", "field"),
    [
        (
            "model_selection",
            {
                "candidates": [
                    {
                        "name": f"a{RLO}\x9b2Jb",
                        "accuracy": 0.9,
                        "avg_latency_ms": 100,
                        "cost_usd": 0.01,
                    }
                ]
            },
            "candidates.0.name",
        ),
        ("cost_quality_latency", {"candidate_models": ["gpt-4o", "x\x00y"]}, "candidate_models"),
        ("rag_vs_finetuning", {"base_model": f"gpt-4o{RLO}moc"}, "base_model"),
        ("agents", {"model": f"gpt-4o{TITLE}"}, "model"),
    ],
)
def test_invisible_controls_in_framework_text_inputs_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    framework: str,
    inputs: dict[str, object],
    field: str,
) -> None:
    """A candidate, model or option name with NUL, a C1 control or a bidi override would be
    computed and saved as something other than what it shows: compute refuses it (exit 2),
    names the field and the code points, and prints none of them raw."""
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(inputs))
    code, out, err = _run(capsys, "compute", framework, "--inputs", str(path))
    assert (code, out) == (2, "")
    _assert_no_raw_controls(err)
    assert err.startswith(f"error: {field}: Text should have no invisible control characters")
    assert "U+" in err


def test_a_scenario_file_with_a_bidi_override_in_an_input_is_not_imported(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.json"
    scenario = {
        "name": "Trojan",
        "framework_id": "rag_vs_finetuning",
        "inputs": {"finetuned_model": f"ft:gpt-4o{RLO}evil"},
    }
    path.write_text(
        json.dumps({"format": "aidf-scenario", "format_version": 1, "scenario": scenario})
    )
    code, out, err = _run(capsys, "scenarios", "import", str(path))
    assert (code, out) == (2, "")
    assert "finetuned_model: Text should have no invisible control characters (found U+202E)" in err
    with ScenarioStore(db_path) as store:
        assert store.count() == 0


def test_spaces_and_joiners_are_shown_as_they_are(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A no-break space and the zero-width joiner of an emoji family hide nothing: they are
    printed as they are, as the window shows them, while a BEL beside them is escaped."""
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # with a non-joiner
    name = f"prix\u00a0net \U0001f468\u200d\U0001f469 {persian}\x07"
    with ExperimentStore(db_path) as store:
        store.add_dataset("qa", [DatasetItem(id="1", input="q", expected="a")])
    _sql(db_path, "UPDATE datasets SET name = ?", name)
    code, out, err = _run(capsys, "eval", "datasets")
    assert (code, err) == (0, "")
    assert f"{name[:-1]}\\x07@v1" in out


# Names of datasets and runs: refused with the code points named, nothing stored


def test_a_dataset_name_with_a_bidi_override_is_not_stored(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "1", "input": "q", "expected": "a"}\n')
    code, out, err = _run(capsys, "eval", "import-dataset", str(path), "--name", f"qa{RLO}lave")
    assert (code, out) == (2, "")
    _assert_no_raw_controls(err)
    assert "invisible control characters (U+202E)" in err
    with ExperimentStore(db_path) as store:
        assert store.datasets() == []


def test_run_names_and_models_with_controls_are_not_stored(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Logged outputs named with a terminal title sequence, and a model run named with a bidi
    override (refused before any request: the base URL is a closed port)."""
    with ExperimentStore(db_path) as store:
        store.add_dataset("qa", [DatasetItem(id="1", input="q", expected="a")])
    path = tmp_path / "o.jsonl"
    path.write_text('{"id": "1", "output": "a"}\n')
    code, out, err = _run(
        capsys, "eval", "import-outputs", str(path), "--dataset", "qa", "--name", f"sys{TITLE}"
    )
    assert (code, out) == (2, "")
    _assert_no_raw_controls(err)
    assert "invisible control characters (U+001B, U+0007)" in err

    code, out, err = _run(
        capsys, "eval", "run", "--dataset", "qa", "--model", f"gpt{RLO}x", "--yes",
        "--api-base", "http://127.0.0.1:9/v1", "--retries", "0",
    )  # fmt: skip
    assert code == 2
    _assert_no_raw_controls(out + err)
    assert "invisible control characters (U+202E)" in err
    with ExperimentStore(db_path) as store:
        assert store.runs() == []
