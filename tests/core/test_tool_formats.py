"""Other tools' files: logged outputs (LangSmith runs, promptfoo results, OpenAI Batch output,
MLflow evaluation tables) matched to a dataset's items, and datasets from LangSmith examples
and promptfoo test CSVs. The files in tests/data/tool_formats are written from the formats'
public documentation and source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.datasets import ColumnMapping, DatasetError, detect_format, parse_dataset
from core.evaluation import DatasetItem
from core.tool_formats import promptfoo_expected
from core.tool_outputs import FieldPaths, detect_outputs_format, parse_tool_outputs, resolve

DATA = Path(__file__).resolve().parents[1] / "data" / "tool_formats"


def _items(name: str = "capitals.jsonl") -> list[DatasetItem]:
    parsed = parse_dataset((DATA / name).read_bytes(), None, file_name=name)
    assert parsed.ok, parsed.problems
    return parsed.items


def _outputs(name: str, items: list[DatasetItem], fmt: str = "auto", **kw):
    return parse_tool_outputs((DATA / name).read_bytes(), items, fmt, file_name=name, **kw)


@pytest.mark.parametrize(
    ("name", "fmt", "outputs", "latency_ms", "tokens", "cost_usd", "error"),
    [
        # LangSmith: latency from start_time/end_time, cost a decimal string, tokens counted.
        (
            "langsmith_runs.jsonl",
            "langsmith",
            ["Paris", "Kyoto", "Rome", ""],
            [1250, 800, 500, 30000],
            [(14, 2), (14, 3), (14, 2), (0, 0)],
            [0.000021, 0.000024, 0.000021, 0],
            "TimeoutError: request timed out",
        ),
        # promptfoo: a failed assertion ("Rome.") is an answer; a provider error is not.
        (
            "promptfoo_results.json",
            "promptfoo",
            ["Paris", "Tokyo", "Rome.", ""],
            [412, 398, 455, 1203],
            [(16, 1), (16, 1), (16, 2), (0, 0)],
            [0.000003, 0.000003, 0.0000036, 0],
            "API error: 429 Too Many Requests",
        ),
        (
            "openai_batch_output.jsonl",
            "openai-batch",
            ["Paris", "Tokyo", "Milan", ""],
            [0, 0, 0, 0],
            [(15, 1), (15, 1), (15, 1), (0, 0)],
            [0, 0, 0, 0],
            "This request could not be executed before the completion window expired.",
        ),
        # MLflow's latency column is in seconds, token_count the output's tokens.
        (
            "eval_results_table.json",
            "mlflow",
            ["Paris", "Tokyo", "Rome", "Mombasa"],
            [412, 388, 401, 523],
            [(0, 1), (0, 1), (0, 1), (0, 2)],
            [0, 0, 0, 0],
            None,
        ),
    ],
)
def test_each_tools_outputs_become_samples_with_latency_tokens_and_cost(
    name, fmt, outputs, latency_ms, tokens, cost_usd, error
) -> None:
    items = _items("langsmith_examples.jsonl" if fmt == "langsmith" else "capitals.jsonl")
    data = (DATA / name).read_bytes()
    assert detect_outputs_format(data, file_name=name) == fmt
    parsed = parse_tool_outputs(data, items, "auto", file_name=name)
    assert parsed.ok and parsed.problems == [] and parsed.missing_ids == []
    assert [s.item_id for s in parsed.samples] == [i.id for i in items]
    assert [s.output for s in parsed.samples] == outputs
    assert [s.latency_ms for s in parsed.samples] == pytest.approx(latency_ms)
    assert [(s.input_tokens, s.output_tokens) for s in parsed.samples] == tokens
    assert [s.cost_usd for s in parsed.samples] == pytest.approx(cost_usd)
    assert [s.error for s in parsed.samples] == [None, None, None, error]


def test_promptfoo_outputs_are_matched_by_input_text_and_batch_outputs_by_custom_id() -> None:
    items = _items()
    # The same questions with other ids: promptfoo's rows carry no id, so the text matches.
    renamed = [i.model_copy(update={"id": f"q{n}"}) for n, i in enumerate(items)]
    parsed = _outputs("promptfoo_results.json", renamed)
    assert [s.item_id for s in parsed.samples] == ["q0", "q1", "q2", "q3"]
    # A batch file has only custom_id: with other ids nothing matches, each row says so.
    refused = _outputs("openai_batch_output.jsonl", renamed)
    assert not refused.ok and refused.samples == []
    assert str(refused.problems[0]) == (
        "line 1: matches no item of the dataset (id 'fr' (custom_id))"
    )


def test_dotted_paths_reach_nested_and_flattened_fields() -> None:
    record = {"inputs.question": "flat", "response": {"body": {"choices": [{"text": "x"}]}}}
    assert resolve(record, "inputs.question") == "flat"
    assert resolve(record, "response.body.choices.0.text") == "x"
    assert resolve({"a": {"b.c": 1}}, "a.b.c") == 1
    # A LangSmith experiment flattened to columns, the answer under a key of the user's choice.
    items = _items()
    rows = [
        {"example_id": "x", "inputs.question": i.input, "outputs.result": {"text": i.expected}}
        for i in items
    ]
    data = "\n".join(json.dumps(r) for r in rows).encode()
    paths = FieldPaths(input="inputs.question", output="outputs.result.text")
    parsed = parse_tool_outputs(data, items, "langsmith", paths, file_name="flat.jsonl")
    assert parsed.ok, parsed.problems
    assert [s.output for s in parsed.samples] == [i.expected for i in items]
    # Mapping the id instead: the example ids here are not the dataset's.
    by_id = parse_tool_outputs(data, items, "langsmith", FieldPaths(id="example_id"))
    assert "matches no item of the dataset (id 'x' (example_id))" in str(by_id.problems[0])


def test_the_per_row_report_names_unmatched_duplicate_ambiguous_and_bad_rows() -> None:
    items = [
        DatasetItem(id="a", input="Same?", expected="1"),
        DatasetItem(id="b", input="same?", expected="2"),
        DatasetItem(id="c", input="Other", expected="3"),
    ]
    rows = [
        {"custom_id": "c", "response": {"body": {"choices": [{"message": {"content": "3"}}]}}},
        {"custom_id": "c", "response": {"body": {"choices": [{"message": {"content": "3"}}]}}},
        {"custom_id": "zz", "response": {"body": {"choices": [{"message": {"content": "1"}}]}}},
        {"custom_id": "a", "response": {"body": {"usage": {"prompt_tokens": -3}}}},
    ]
    data = "\n".join(json.dumps(r) for r in rows).encode()
    parsed = parse_tool_outputs(data, items, "openai-batch", file_name="b.jsonl")
    assert not parsed.ok
    assert [str(p) for p in parsed.problems] == [
        "line 2 (id 'c'): answers the item 'c' again (line 1)",
        "line 3: matches no item of the dataset (id 'zz' (custom_id))",
        "line 4 (id 'a'): the token count (response.body.usage.prompt_tokens) is not a finite "
        "non-negative number (-3)",
        "line 4 (id 'a'): missing output (response.body.choices.0.message.content)",
    ]
    table = {"columns": ["inputs", "outputs"], "data": [["SAME?", "x"], ["Nope", "y"]]}
    ambiguous = parse_tool_outputs(json.dumps(table).encode(), items, "mlflow")
    assert [str(p) for p in ambiguous.problems] == [
        "row 1: its input matches 2 items ('a', 'b'); map an id field to tell them apart",
        "row 2: matches no item of the dataset (input 'Nope')",
    ]


def test_an_input_or_output_object_with_several_fields_asks_for_a_path() -> None:
    items = _items()
    run = {"inputs": {"question": items[0].input}, "outputs": {"answer": "Paris", "why": "..."}}
    parsed = parse_tool_outputs(json.dumps(run).encode(), items, "langsmith")
    assert parsed.ok and parsed.samples[0].output == "Paris"  # "answer" is an output alias
    run["outputs"] = {"first": "Paris", "second": "..."}
    run["inputs"] = {"topic": "x", "question2": items[0].input}
    parsed = parse_tool_outputs(json.dumps(run).encode(), items, "langsmith")
    messages = [p.message for p in parsed.problems]
    assert messages[0] == (
        "its input (inputs) has several fields ('topic', 'question2'); choose one with a path "
        "such as inputs.topic"
    )
    assert "its output (outputs) has several fields ('first', 'second')" in messages[-1]


def test_a_promptfoo_file_of_several_providers_imports_the_one_chosen() -> None:
    document = json.loads((DATA / "promptfoo_results.json").read_text("utf-8"))
    first = document["results"]["results"]
    second = [
        {**r, "provider": {"id": "ollama:llama3", "label": ""}, "response": {"output": "Lyon"}}
        for r in first
    ]
    document["results"]["results"] = first + second
    data = json.dumps(document).encode()
    with pytest.raises(DatasetError) as refused:
        parse_tool_outputs(data, _items(), "promptfoo", file_name="two.json")
    assert str(refused.value) == (
        "'two.json' holds the outputs of 2 prompt and provider pairs: "
        "'openai:gpt-4o-mini | one-word' (4 results); 'ollama:llama3 | one-word' (4 results). "
        "A run is one of them; choose it (--select 'PROVIDER | PROMPT', or the provider alone "
        "when it ran one prompt)."
    )
    parsed = parse_tool_outputs(data, _items(), "promptfoo", select="ollama:llama3")
    assert parsed.ok and {s.output for s in parsed.samples} == {"Lyon"}
    with pytest.raises(DatasetError, match="No provider is named 'gpt'"):
        parse_tool_outputs(data, _items(), "promptfoo", select="gpt")


def test_auto_detection_says_what_it_saw_when_the_file_fits_no_format_or_several() -> None:
    mixed = b'{"custom_id": "a", "response": {}}\n{"inputs": {"q": "x"}, "outputs": {}}\n'
    with pytest.raises(DatasetError) as ambiguous:
        detect_outputs_format(mixed, file_name="mixed.jsonl")
    assert str(ambiguous.value) == (
        "'mixed.jsonl' is ambiguous: its rows look like OpenAI Batch output (line 1); "
        "LangSmith runs (line 2). Choose the format."
    )
    with pytest.raises(DatasetError, match="none of the formats read here"):
        detect_outputs_format(b'{\n"rows": []\n}', file_name="x.json")
    # Lines like no tool's are the app's own JSON Lines, whose reader names what is missing.
    assert detect_outputs_format(b'{"answer": "4"}\n') == "jsonl"


@pytest.mark.parametrize(
    ("fmt", "data", "message"),
    [
        ("promptfoo", b'{"results": {"stats": {}}}', "has no results.results list"),
        ("mlflow", b'{"columns": "inputs", "data": []}', '"columns" must be a list of names'),
        ("mlflow", b'{"columns": ["inputs"], "data": []}', "has columns but no rows"),
        ("promptfoo", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("mlflow", b'{"columns": [], "data": [' + b"9" * 5000 + b"]}", "digits"),
        ("promptfoo", b"not json at all", "is not one JSON document"),
        ("langsmith", b"\x00\x01binary", "binary file"),
        ("openai-batch", b"", "empty"),
    ],
)
def test_malformed_files_are_refused_whole_with_a_message(fmt, data, message) -> None:
    with pytest.raises(DatasetError, match=message):
        parse_tool_outputs(data, _items(), fmt, file_name="bad")


def test_malformed_rows_are_each_reported_and_nothing_is_importable() -> None:
    table = {
        "columns": ["inputs", "outputs", "latency"],
        "data": [
            ["What is the capital of France?", "Paris", "NaN"],
            ["What is the capital of Japan?", "Tokyo"],
            "a row that is text",
            ["What is the capital of Italy?", "Rome", -1],
            ["What is the capital of Kenya?", "Nairobi\udfff", 0.2],
        ],
    }
    parsed = parse_tool_outputs(json.dumps(table).encode(), _items(), "mlflow")
    assert not parsed.ok
    assert [str(p) for p in parsed.problems] == [
        "row 1 (id 'fr'): the latency in seconds (latency) is not a finite non-negative "
        "number ('NaN')",
        "row 2: has 2 values but the table names 3 columns",
        "row 3: is a string, not a list of 3 values",
        "row 4 (id 'it'): the latency in seconds (latency) is not a finite non-negative "
        "number (-1)",
        "row 5 (id 'ke'): has a broken character: \\udfff is half of a surrogate pair",
    ]


# Datasets from the tools' exports


def test_langsmith_examples_import_with_their_inputs_outputs_and_metadata() -> None:
    data = (DATA / "langsmith_examples.jsonl").read_bytes()
    assert detect_format(data, "examples.jsonl") == "langsmith"
    parsed = parse_dataset(data, None, file_name="examples.jsonl")
    assert parsed.ok
    assert parsed.mapping == ColumnMapping(
        input="inputs.question",
        expected="outputs.answer",
        id="id",
        metadata=("metadata.difficulty",),
    )
    first = parsed.items[0]
    assert (first.id, first.input, first.expected) == (
        "6f1c2a8e-0d5b-4c3e-9a7f-1b2c3d4e5f01",
        "What is the capital of France?",
        "Paris",
    )
    assert first.fields == {"metadata.difficulty": "easy"}


def test_promptfoo_test_csvs_import_equality_assertions_as_expected_answers() -> None:
    data = (DATA / "promptfoo_tests.csv").read_bytes()
    assert detect_format(data, "tests.csv") == "promptfoo"
    parsed = parse_dataset(data, None, file_name="tests.csv")
    assert parsed.ok
    assert [(i.id, i.input, i.expected) for i in parsed.items][:2] == [
        ("1", "What is the capital of France?", "Paris"),
        ("2", "What is the capital of Japan?", "Tokyo"),
    ]
    assert parsed.items[0].fields == {}  # __description is promptfoo's, not a var


def test_other_promptfoo_assertions_are_reported_as_not_imported() -> None:
    assert promptfoo_expected("Paris") == ("Paris", "equals")
    assert promptfoo_expected("equals: Paris") == ("Paris", "equals")
    assert promptfoo_expected("Note: x") == ("Note: x", "equals")
    assert promptfoo_expected("icontains: paris") == (None, "icontains")
    assert promptfoo_expected("not-equals:Lyon") == (None, "not-equals")
    assert promptfoo_expected("similar(0.9):Paris") == (None, "similar")
    assert promptfoo_expected("grade: is it right") == (None, "grade")
    data = (
        b"question,city,__expected,__expected2\n"
        b"Capital of France?,Paris,contains: Paris,\n"
        b"Capital of Japan?,Tokyo,Tokyo,equals:Tokyo\n"
        b"Capital of Italy?,Rome,Rome,Roma\n"
    )
    parsed = parse_dataset(data, None, file_name="tests.csv")
    assert not parsed.ok
    assert [str(p) for p in parsed.problems] == [
        "row 2: __expected is an assertion of type 'contains', which is not imported: only "
        "equality (a plain value or equals:...) becomes the expected answer. Import without "
        "expected answers to keep these rows.",
        "row 4: 2 different equality assertions, which is not imported: only equality (a plain "
        "value or equals:...) becomes the expected answer. Import without expected answers to "
        "keep these rows.",
    ]
    assert parsed.mapping.metadata == ("city",)
    # Without expected answers every row imports; the vars stay usable in a template.
    mapping = parsed.mapping.model_copy(update={"expected": None})
    kept = parse_dataset(data, "promptfoo", mapping, file_name="tests.csv")
    assert kept.ok and [i.fields for i in kept.items][0] == {"city": "Paris"}


def test_an_output_over_the_row_limit_is_a_problem_not_a_stored_sample() -> None:
    table = {"columns": ["inputs", "outputs"], "data": [[_items()[0].input, "x" * 1_100_000]]}
    parsed = parse_tool_outputs(json.dumps(table).encode(), _items(), "mlflow")
    assert [str(p) for p in parsed.problems] == [
        "row 1 (id 'fr'): its output is 1.1 MB of text; an output may hold at most 1 MB"
    ]


def test_a_result_that_is_not_an_object_is_reported_by_its_position() -> None:
    items = _items()
    good = {"vars": {"question": items[0].input}, "response": {"output": "Paris"}}
    data = json.dumps({"results": {"results": [good, "oops"]}}).encode()
    parsed = parse_tool_outputs(data, items, "promptfoo")
    assert [str(p) for p in parsed.problems] == [
        "row 2: is a string; each of the results must be an object"
    ]
    runs = json.dumps([{"inputs": {"q": items[1].input}, "outputs": {"o": "Tokyo"}}, 3])
    parsed = parse_tool_outputs(runs.encode(), items, "auto", file_name="runs.json")
    assert [str(p) for p in parsed.problems] == [
        "row 2: is a number; each of the runs must be an object"
    ]


def test_langsmith_latency_is_read_from_seconds_fields_before_the_run_times() -> None:
    items = _items()
    runs = [
        {"inputs": {"q": items[0].input}, "outputs": {"o": "Paris"}, "latency": 1.5},
        {"inputs": {"q": items[1].input}, "outputs": {"o": "Tokyo"}, "execution_time": 0.25},
        {
            "inputs": {"q": items[2].input},
            "outputs": {"o": "Rome"},
            "start_time": "2024-05-02T09:00:00Z",
            "end_time": "2024-05-02T09:00:02Z",
        },
        {"inputs": {"q": items[3].input}, "outputs": {"o": "Nairobi"}, "start_time": "soon"},
    ]
    data = "\n".join(json.dumps(r) for r in runs).encode()
    parsed = parse_tool_outputs(data, items, "langsmith")
    assert parsed.ok
    assert [s.latency_ms for s in parsed.samples] == [1500, 250, 2000, 0]
