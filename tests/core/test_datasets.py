"""Reading datasets and logged outputs: whole-file refusals, per-row problems, column mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.datasets import (
    ColumnMapping,
    DatasetError,
    ItemProblem,
    check_size,
    columns_of,
    format_of,
    guess_mapping,
    parse_dataset,
    parse_logged_outputs,
    read_file,
)
from core.evaluation import DatasetItem, Sample, content_hash

EXAMPLE = Path(__file__).parents[2] / "resources" / "datasets" / "capitals-qa.jsonl"


def _problems(parsed: object) -> list[str]:
    return [str(p) for p in parsed.problems]  # type: ignore[attr-defined]


# Whole-file refusals


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "'qa.jsonl' is empty: there is nothing to import."),
        (b"\xef\xbb\xbf \n\n", "'qa.jsonl' is empty: there is nothing to import."),
        (
            b'{"input": "a\x00"}\n',
            "'qa.jsonl' is a binary file, not text (it contains NUL bytes). "
            "Choose a .jsonl or .csv text file.",
        ),
        (
            b'{"input": "caf\xe9"}\n',
            "'qa.jsonl' is not UTF-8 text: the byte 0xe9 at offset 14 cannot be read. "
            "Save the file as UTF-8 and import it again.",
        ),
        (
            b'\xff\xfe{\x00"\x00',
            "'qa.jsonl' is UTF-16 text. Save it as UTF-8 and import it again.",
        ),
        (
            b'{"input": "a"}\n"just text"\n[1, 2]\n',
            "'qa.jsonl': line 2 is a string, not a JSON object (and so is 1 more). Each line of "
            'a JSON Lines file must be one object, such as {"input": "2 + 2?", "expected": "4"}.',
        ),
        (
            b'[\n  {"input": "a", "expected": "b"}\n]\n',
            "'qa.jsonl' is one JSON document (a list) spread over several lines, not JSON Lines. "
            "Write one object per line.",
        ),
    ],
)
def test_whole_file_faults_are_refused_in_plain_words(data: bytes, message: str) -> None:
    with pytest.raises(DatasetError) as caught:
        parse_dataset(data, None, file_name="/home/u/qa.jsonl")
    assert str(caught.value) == message


def test_the_byte_offset_counts_the_bom() -> None:
    """BOM (3 bytes) + 'input\\n' (6) + 'x' (1): the bad byte 0xff is at offset 10."""
    with pytest.raises(DatasetError, match=r"the byte 0xff at offset 10 cannot be read"):
        parse_dataset(b"\xef\xbb\xbfinput\nx\xff\n", "csv")


def test_jsonl_without_an_input_key_names_the_keys_it_has() -> None:
    with pytest.raises(DatasetError) as caught:
        parse_dataset(b'{"prompt_text": "a", "answer": "b"}\n', "jsonl", file_name="qa.jsonl")
    assert str(caught.value) == (
        "'qa.jsonl' has no input field: no row has a key named input, question, prompt or "
        "query (its keys are 'prompt_text', 'answer'). Choose which key holds the input."
    )


def test_csv_without_a_header_says_to_add_one() -> None:
    with pytest.raises(DatasetError) as caught:
        parse_dataset(b"What is 2 + 2?,4\nWhat is 3 + 3?,6\n", None, file_name="sums.csv")
    assert str(caught.value) == (
        "'sums.csv' has no input column: its first row is 'What is 2 + 2?', '4' and none of it "
        "is named input, question, prompt or query. If that row is data, add a header row such "
        "as input,expected; otherwise choose which column holds the input."
    )


def test_a_mapped_column_the_file_lacks_is_named() -> None:
    mapping = ColumnMapping(input="question", expected="gold")
    with pytest.raises(DatasetError) as caught:
        parse_dataset(b"question,answer\nq,a\n", "csv", mapping, file_name="qa.csv")
    assert str(caught.value) == (
        "'qa.csv' has no column 'gold' for the expected answer; its columns are "
        "'question', 'answer'."
    )


def test_csv_header_faults() -> None:
    with pytest.raises(DatasetError) as caught:
        parse_dataset(b"input,expected,input\na,b,c\n", "csv")
    assert str(caught.value) == (
        "The file names the column 'input' twice in its header (columns 1 and 3). "
        "Rename one of them."
    )
    with pytest.raises(DatasetError) as caught:
        parse_dataset(b"input,expected\n\n", "csv")
    assert str(caught.value) == "The file has column names but no rows of data."
    with pytest.raises(
        DatasetError, match=r"^The file is not valid CSV \(line 2: ',' expected after '\"'\)\.$"
    ):
        parse_dataset(b'input,expected\n"a"b,c\n', "csv")


def test_files_over_200_mb_are_refused_before_reading() -> None:
    """200,000,001 bytes is 200.0 MB (decimal) and one byte over the limit."""
    check_size(200_000_000)
    with pytest.raises(DatasetError) as caught:
        check_size(200_000_001, "big.jsonl")
    assert str(caught.value) == (
        "'big.jsonl' is 200.0 MB; the limit is 200 MB. Split it into smaller files."
    )


def test_format_comes_from_the_extension() -> None:
    assert [format_of(n) for n in ("a.JSONL", "b.ndjson", "c.json-lines", "d.csv", "e.tsv")] == [
        "jsonl",
        "jsonl",
        "jsonl",
        "csv",
        "csv",
    ]
    with pytest.raises(DatasetError) as caught:
        format_of("notes.txt")
    assert str(caught.value) == (
        "'notes.txt' is neither JSON Lines nor CSV by its name. Use a .jsonl (one JSON object "
        "per line) or .csv/.tsv file, or choose the format."
    )


# Mapping


def test_aliases_are_guessed_ignoring_case() -> None:
    assert guess_mapping(["Question", "Answer", "UID", "topic"]) == ColumnMapping(
        input="Question", expected="Answer", id="UID"
    )
    assert guess_mapping(["query", "target"]) == ColumnMapping(
        input="query", expected="target", id=None
    )
    assert guess_mapping(["prompt", "reference", "item_id"]).id == "item_id"
    assert guess_mapping(["input", "label"]).expected == "label"
    assert guess_mapping(["input", "output"]).expected == "output"
    # No reference column: a dataset without expected answers.
    assert guess_mapping(["prompt", "notes"]).expected is None
    # "input" beats "question" when both are there: the canonical name wins.
    assert guess_mapping(["question", "input"]).input == "input"


def test_columns_for_the_mapping_dialog() -> None:
    jsonl = b'{"input": "a", "expected": "b"}\n\n{"input": "c", "topic": "t"}\n{broken\n'
    assert columns_of(jsonl, "jsonl") == ["input", "expected", "topic"]
    assert columns_of(b"\xef\xbb\xbfq\ta\n1\t2\n", None, file_name="x.tsv") == ["q", "a"]
    assert columns_of(b"question;answer\nx;y\n", "csv") == ["question", "answer"]


def test_ids_default_to_row_numbers_and_other_columns_become_fields() -> None:
    data = b'{"question": "2+2?", "answer": 4, "topic": "sums", "level": 1, "meta": {"k": [1]}}\n'
    data += b'\n{"question": "Capital of Peru?", "answer": "Lima", "topic": null}\n'
    parsed = parse_dataset(data, "jsonl")
    assert parsed.ok
    assert parsed.items == [
        DatasetItem(
            id="1",
            input="2+2?",
            expected="4",
            fields={"topic": "sums", "level": "1", "meta": '{"k":[1]}'},
        ),
        DatasetItem(id="2", input="Capital of Peru?", expected="Lima", fields={"topic": ""}),
    ]
    assert parsed.columns == ["question", "answer", "topic", "level", "meta"]
    assert parsed.content_hash == content_hash(parsed.items)


def test_an_explicit_mapping_picks_columns_and_metadata() -> None:
    data = b"uid,q,gold,topic,notes\nx1,Is it?,yes,t1,skip me\n"
    mapping = ColumnMapping(input="q", expected="gold", id="uid", metadata=("topic",))
    parsed = parse_dataset(data, "csv", mapping)
    assert parsed.items == [
        DatasetItem(id="x1", input="Is it?", expected="yes", fields={"topic": "t1"})
    ]
    assert parsed.mapping == mapping


def test_a_dataset_without_references() -> None:
    parsed = parse_dataset(b"prompt\nWrite a haiku\n", "csv")
    assert parsed.mapping.expected is None
    assert parsed.items == [DatasetItem(id="1", input="Write a haiku", expected="")]


def test_tsv_bom_and_quoted_cells() -> None:
    data = '\ufeffid\tinput\texpected\nq1\t"Line one\nline two"\tx, y\n'.encode()
    parsed = parse_dataset(data, None, file_name="set.tsv")
    assert parsed.ok
    assert parsed.items == [DatasetItem(id="q1", input="Line one\nline two", expected="x, y")]


def test_the_content_hash_ignores_layout() -> None:
    """The same items as CSV or JSONL hash alike; one changed answer changes the hash."""
    jsonl = parse_dataset(b'{"id": "a", "input": "q", "expected": "r"}\n', "jsonl")
    csv = parse_dataset(b"id,input,expected\r\na,q,r\r\n", "csv")
    other = parse_dataset(b"id,input,expected\na,q,R\n", "csv")
    assert jsonl.content_hash == csv.content_hash != other.content_hash


# Per-row problems


def test_every_bad_row_is_reported_and_nothing_is_importable() -> None:
    big = "x" * 1_000_001
    lines = [
        '{"id": "a", "input": "fine", "expected": "ok"}',
        '{"id": "b", "expected": "no input"}',
        '{"id": "c", "input": "no answer", "expected": null}',
        '{"id": "a", "input": "again", "expected": "dup"}',
        '{"id": "d", "input": {"text": "nested"}, "expected": "x"}',
        '{"id": "e", "input": "listed", "expected": [1, 2]}',
        "",
        '{"id": "f", "input": "broken", ',
        f'{{"id": "g", "input": "{big}", "expected": "x"}}',
        '{"id": 7, "input": true, "expected": 2.5}',
    ]
    parsed = parse_dataset("\n".join(lines).encode(), "jsonl")
    assert not parsed.ok
    assert _problems(parsed) == [
        "line 2 (id 'b'): missing input ('input')",
        "line 3 (id 'c'): missing expected answer ('expected')",
        "line 4 (id 'a'): repeats the id 'a' of line 1",
        "line 5 (id 'd'): input ('input') is an object; it must be text",
        "line 6 (id 'e'): expected answer ('expected') is a list; it must be text",
        # The line is 31 characters long; JSON runs out at column 32.
        "line 8: is not valid JSON (Expecting property name enclosed in double quotes "
        "at column 32)",
        "line 9: is 1.0 MB of text; a row may hold at most 1 MB",
    ]
    # The good rows are still there for a preview; numbers and booleans became JSON text.
    assert [item.id for item in parsed.items] == ["a", "7"]
    assert (parsed.items[1].input, parsed.items[1].expected) == ("true", "2.5")


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    """Header = row 1; the blank line is row 3 and skipped; the quoted two-line cell is one
    row (4); ids default to the item's place among the data rows ("1", "2", ...)."""
    data = b'question,answer\nq1,a1\n\n"two\nlines",\nq3,a3,extra\nq1,a1\n'
    parsed = parse_dataset(data, "csv", ColumnMapping(input="question", expected="answer", id=None))
    assert _problems(parsed) == [
        "row 4 (id '2'): missing expected answer ('answer')",
        "row 5: has 3 values but the header names 2 columns",
    ]
    assert [item.id for item in parsed.items] == ["1", "4"]


def test_duplicate_ids_in_csv_name_both_rows() -> None:
    parsed = parse_dataset(b"id,input,expected\nx,a,b\ny,c,d\nx,e,f\n", "csv")
    assert _problems(parsed) == ["row 4 (id 'x'): repeats the id 'x' of row 2"]
    assert parsed.problems == [ItemProblem(4, "repeats the id 'x' of row 2", "x")]


def test_the_example_dataset_is_importable() -> None:
    parsed = parse_dataset(EXAMPLE.read_bytes(), None, file_name=EXAMPLE.name)
    assert parsed.ok
    assert len(parsed.items) == 30
    assert parsed.items[0] == DatasetItem(
        id="cap-01",
        input="What is the capital of France? Answer with the city name only.",
        expected="Paris",
        fields={"topic": "Europe"},
    )
    assert {item.fields["topic"] for item in parsed.items} == {
        "Europe",
        "Asia",
        "Africa",
        "Americas",
        "Oceania",
    }


# Logged outputs


def test_logged_outputs_become_samples_with_problems_and_missing_ids() -> None:
    data = b"\n".join(
        [
            b'{"id": "a", "output": "Paris", "latency": 120.5, "cost": 0.0002}',
            b'{"id": "zz", "output": "Lima"}',
            b'{"id": "b", "output": "Rome", "latency_ms": -3}',
            b'{"id": "c", "output": "Oslo", "cost_usd": NaN}',
            b'{"id": "a", "output": "again"}',
            b'{"id": "d"}',
            b'{"id": "e", "error": "timeout after 30 s"}',
            b'{"output": "no id"}',
            b'{"id": "f", "output": 42, "latency_ms": "7"}',
            b'{"id": "g", "output": "x", "cost": "cheap"}',
        ]
    )
    known = ["a", "b", "c", "d", "e", "f", "g", "h"]
    parsed = parse_logged_outputs(data, known, file_name="logs.jsonl")
    assert not parsed.ok
    assert _problems(parsed) == [
        "line 2 (id 'zz'): the id 'zz' is not in the dataset",
        "line 3 (id 'b'): latency_ms is negative (-3)",
        "line 4 (id 'c'): cost_usd is not a finite number (nan)",
        "line 5 (id 'a'): repeats the id 'a' of line 1",
        "line 6 (id 'd'): missing output",
        "line 8: missing id",
        "line 10 (id 'g'): cost is not a number (\"cheap\")",
    ]
    assert parsed.samples == [
        Sample(item_id="a", output="Paris", latency_ms=120.5, cost_usd=0.0002),
        Sample(item_id="e", output="", error="timeout after 30 s"),
        Sample(item_id="f", output="42", latency_ms=7.0),
    ]
    # h has no row at all; b, c, d and g have rows (with problems), so they are not "missing".
    assert parsed.missing_ids == ["h"]


def test_a_partial_clean_log_is_importable() -> None:
    parsed = parse_logged_outputs(b'{"id": "b", "output": "ok"}\n', ["a", "b", "c"])
    assert parsed.ok
    assert parsed.missing_ids == ["a", "c"]


def test_logged_outputs_refuse_whole_file_faults() -> None:
    with pytest.raises(DatasetError, match=r"^'out.jsonl' is empty"):
        parse_logged_outputs(b"\n", ["a"], file_name="out.jsonl")
    with pytest.raises(DatasetError, match=r"line 1 is a number, not a JSON object"):
        parse_logged_outputs(b"3\n", ["a"])


def test_half_a_surrogate_pair_is_a_row_problem_not_a_crash() -> None:
    """JSON may escape half a surrogate pair (\\ud800); UTF-8 cannot hold it, so the row is
    refused rather than failing later when it is hashed or stored."""
    data = b'{"input": "fine", "expected": "x"}\n{"input": "half \\ud800", "expected": "y"}\n'
    parsed = parse_dataset(data, "jsonl")
    assert _problems(parsed) == [
        "line 2 (id '2'): has a broken character: \\ud800 is half of a surrogate pair"
    ]
    outputs = parse_logged_outputs(b'{"id": "a", "output": "\\udfff"}\n', ["a"])
    assert _problems(outputs) == [
        "line 1 (id 'a'): has a broken character: \\udfff is half of a surrogate pair"
    ]


def test_an_integer_over_4300_digits_refuses_the_whole_file() -> None:
    """Python cannot turn 4,301 digits into an int without raising; the file is refused with
    the line named, in datasets and logged outputs alike, and the column scan skips the line."""
    huge = "1" + "0" * 4300
    data = f'{{"input": "a", "expected": "b"}}\n{{"input": "c", "n": {huge}}}\n'.encode()
    assert columns_of(data, "jsonl") == ["input", "expected"]
    message = "'d.jsonl': a number in the file has more than 4,300 digits (line 2)."
    with pytest.raises(DatasetError) as caught:
        parse_dataset(data, None, file_name="d.jsonl")
    assert str(caught.value) == message
    with pytest.raises(DatasetError) as caught:
        parse_logged_outputs(f'{{"id": "a", "cost_usd": {huge}}}\n'.encode(), ["a"])
    assert str(caught.value) == (
        "The file: a number in the file has more than 4,300 digits (line 1)."
    )


def test_read_file_refuses_a_sparse_gigabyte_by_its_size(tmp_path: Path) -> None:
    """1,000,000,000 bytes is 1,000.0 MB against the 200 MB limit; a sparse file takes no disk."""
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.truncate(1_000_000_000)
    with pytest.raises(DatasetError) as caught:
        read_file(path)
    assert str(caught.value) == (
        "'big.jsonl' is 1,000.0 MB; the limit is 200 MB. Split it into smaller files."
    )


def test_read_file_refuses_a_symlink_to_dev_zero(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.symlink_to("/dev/zero")
    with pytest.raises(DatasetError) as caught:
        read_file(path)
    assert str(caught.value) == "'data.jsonl' is a device, not a regular file."
    path = tmp_path / "small.jsonl"
    path.write_bytes(b'{"input": "a"}\n')
    assert read_file(path) == b'{"input": "a"}\n'


def test_an_integer_beyond_the_largest_float_is_a_row_problem() -> None:
    """10**400 has 401 digits: within Python's int limit, beyond a float's 1.8e308."""
    data = f'{{"id": "a", "output": "x", "latency_ms": {10**400}}}\n'.encode()
    parsed = parse_logged_outputs(data, ["a"])
    assert _problems(parsed) == [
        "line 1 (id 'a'): latency_ms is not a finite number (an integer of 401 digits)"
    ]
