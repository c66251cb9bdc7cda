"""Text metrics: normalisation, hand-worked scores, sacrebleu agreement, regex and JSON rules."""

import pytest
import sacrebleu
from hypothesis import given
from hypothesis import strategies as st

from core import metrics
from core.metrics import (
    METRICS,
    bleu,
    contains,
    exact_match,
    normalize_answer,
    regex_match,
    rouge_l,
    score_outputs,
    sentence_bleu,
    token_f1,
    valid_json,
)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("The  Cat's mat!", "cats mat"),
        ("  An apple, a pear and THE plum. ", "apple pear and plum"),
        ("theory of another", "theory of another"),  # articles only as whole words
        ("“Quoted” — text…", "quoted text"),  # Unicode punctuation too
        ("$5 + 3", "5 3"),  # SQuAD's set includes symbols like $ and +
        ("Café", "café"),
        ("", ""),
    ],
)
def test_normalisation(text, normalised):
    assert normalize_answer(text) == normalised


def test_exact_match_ignores_case_punctuation_and_articles():
    assert exact_match("The Eiffel Tower.", "eiffel tower") == 1.0
    assert exact_match("Eiffel Towers", "eiffel tower") == 0.0


def test_token_f1_by_hand():
    """ "the cat sat" -> [cat, sat]; "a cat sat down" -> [cat, sat, down]: 2 shared,
    precision 2/2 = 1, recall 2/3, F1 = 2 x 1 x 2/3 / (1 + 2/3) = (4/3) / (5/3) = 0.8."""
    assert token_f1("the cat sat", "a cat sat down") == pytest.approx(0.8)


def test_token_f1_counts_repeats_as_a_multiset():
    """[cat, cat, cat] vs [cat, dog]: shared = min(3, 1) = 1; P = 1/3, R = 1/2,
    F1 = 2 x 1/6 / (5/6) = 0.4."""
    assert token_f1("cat cat cat", "cat dog") == pytest.approx(0.4)


def test_token_f1_empty_cases():
    assert token_f1("", "") == 1.0
    assert token_f1("the", "a") == 1.0  # both empty after normalisation
    assert token_f1("", "cat") == 0.0
    assert token_f1("cat", "") == 0.0
    assert token_f1("dog", "cat") == 0.0


def test_corpus_bleu_is_sacrebleus_own_score():
    hyps = ["the cat sat on the mat", "a quick brown fox", "hello there world"]
    refs = ["the cat sat on a mat", "the quick brown fox jumps", "hello world"]
    expected = sacrebleu.corpus_bleu(hyps, [refs]).score
    assert bleu(hyps, refs) == pytest.approx(expected)
    assert 0 < bleu(hyps, refs) < 100
    assert bleu(refs, refs) == pytest.approx(100)


def test_bleu_needs_one_reference_per_prediction():
    with pytest.raises(ValueError, match="2 predictions and 1 references"):
        bleu(["a", "b"], ["a"])
    assert bleu([], []) == 0.0


def test_sentence_bleu_is_sacrebleus_over_100():
    hyp, ref = "the quick brown fox jumps", "the quick brown dog jumps over"
    assert sentence_bleu(hyp, ref) == pytest.approx(sacrebleu.sentence_bleu(hyp, [ref]).score / 100)
    assert sentence_bleu(ref, ref) == pytest.approx(1.0)
    assert sentence_bleu("", ref) == 0.0


def test_rouge_l_by_hand():
    """Normalised, "police killed the gunman" -> [police, killed, gunman];
    "the gunman police killed" -> [gunman, police, killed]. LCS = [police, killed] = 2,
    P = 2/3, R = 2/3, F = 2/3."""
    assert rouge_l("police killed the gunman", "the gunman police killed") == pytest.approx(2 / 3)


def test_rouge_l_with_unequal_lengths_by_hand():
    """[a1, b, c, d] vs [b, x, d]: LCS = [b, d] = 2; P = 2/4, R = 2/3;
    F = 2 x (1/2)(2/3) / (1/2 + 2/3) = (2/3) / (7/6) = 4/7."""
    assert rouge_l("a1 b c d", "b x d") == pytest.approx(4 / 7)
    assert rouge_l("", "") == 1.0
    assert rouge_l("", "b") == 0.0
    assert rouge_l("x y", "b") == 0.0


def _lcs_by_table(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = (
                table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
            )
    return table[-1][-1]


@given(
    st.lists(st.sampled_from("abcd"), max_size=30),
    st.lists(st.sampled_from("abcd"), max_size=30),
)
def test_fast_lcs_agrees_with_the_textbook_table(a, b):
    assert metrics._lcs_length(a, b) == _lcs_by_table(a, b)


def test_contains_matches_whole_words_after_normalisation():
    assert contains("I think the answer is Paris.", "paris") == 1.0
    assert contains("It is in New York City", "new york") == 1.0
    assert contains("concatenate", "cat") == 0.0
    assert contains("anything", "") == 0.0
    assert contains("", "the") == 1.0  # both empty after normalisation


def test_regex_match_searches_the_raw_output():
    assert regex_match("Order #12345 shipped", r"#\d{5}\b") == 1.0
    assert regex_match("ANSWER: yes", r"answer: yes") == 0.0  # case matters
    assert regex_match("ANSWER: yes", r"(?i)answer: yes") == 1.0


def test_an_invalid_regex_says_what_is_wrong():
    with pytest.raises(ValueError, match=r"The regex '\(ab' is not valid: missing \), "):
        regex_match("ab", "(ab")


@pytest.mark.parametrize(
    ("output", "valid"),
    [
        ('{"a": 1, "b": [true, null]}', 1.0),
        ('  ```json\n{"a": 1}\n```  ', 1.0),
        ("```\n[1, 2]\n```", 1.0),
        ('```JSON\n{"a": 1}```', 1.0),
        ("42", 1.0),
        ('Here it is:\n```json\n{"a": 1}\n```', 0.0),
        ("{'a': 1}", 0.0),
        ('```json\n{"a": 1,}\n```', 0.0),
        ("", 0.0),
    ],
)
def test_valid_json(output, valid):
    assert valid_json(output) == valid


def test_registry_lists_every_metric_with_a_tooltip():
    assert list(METRICS) == [
        "exact_match",
        "token_f1",
        "rouge_l",
        "bleu",
        "contains",
        "regex",
        "json_valid",
        "llm_judge",
    ]
    for metric_id, spec in METRICS.items():
        assert spec.id == metric_id
        assert spec.label and spec.description.endswith(".")
    assert [m for m, s in METRICS.items() if s.pass_fail] == [
        "exact_match",
        "contains",
        "regex",
        "json_valid",
        "llm_judge",
    ]
    assert [m for m, s in METRICS.items() if s.uses_pattern] == ["regex"]


def test_score_outputs_scores_errors_as_zero():
    """token_f1: "cat sat" vs "the cat sat" = 1.0; an errored sample (None) = 0."""
    scores = score_outputs("token_f1", ["cat sat", None, "dog"], ["the cat sat", "cat", "cat"])
    assert scores == [1.0, 0.0, 0.0]


def test_score_outputs_per_sample_bleu_is_sentence_bleu():
    hyp, ref = "the quick brown fox jumps", "the quick brown dog jumps over"
    assert score_outputs("bleu", [hyp], [ref]) == [pytest.approx(sentence_bleu(hyp, ref))]


def test_regex_metric_uses_the_given_pattern_or_each_expected_value():
    assert score_outputs("regex", ["id 42", "none"], ["", ""], pattern=r"\d+") == [1.0, 0.0]
    assert score_outputs("regex", ["id 42", "id 7"], [r"\d{2}", r"\d{2}"]) == [1.0, 0.0]
    with pytest.raises(ValueError, match="needs a pattern"):
        score_outputs("regex", ["x"], [""])


def test_a_bad_pattern_fails_before_scoring():
    with pytest.raises(ValueError, match="is not valid"):
        score_outputs("regex", [None], [""], pattern="[a-")


def test_score_outputs_refuses_unknown_metrics_and_unequal_lengths():
    with pytest.raises(ValueError, match="Unknown metric 'f2' \\(known: exact_match, token_f1"):
        score_outputs("f2", ["a"], ["a"])
    with pytest.raises(ValueError, match="2 outputs and 1 expected"):
        score_outputs("exact_match", ["a", "b"], ["a"])


@given(st.text(max_size=60), st.text(max_size=60))
def test_every_metric_stays_within_0_and_1(prediction, reference):
    for metric_id in ("exact_match", "token_f1", "rouge_l", "contains", "json_valid", "bleu"):
        score = METRICS[metric_id].score(prediction, reference, None)
        assert 0.0 <= score <= 1.0 + 1e-12, metric_id
