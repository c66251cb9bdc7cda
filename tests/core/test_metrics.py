"""Text metrics: normalisation, hand-worked scores, agreement with the reference implementations
(SQuAD v1.1's evaluation script, rouge-score, sacrebleu), regex and JSON rules."""

import re
import string
from collections import Counter

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
    rouge_tokens,
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
        ("“Quoted” — text…", "“quoted” — text…"),  # SQuAD v1.1: ASCII punctuation only
        ("$5 + 3", "5 3"),  # SQuAD's set includes symbols like $ and +
        ("Café", "café"),
        ("", ""),
    ],
)
def test_normalisation(text, normalised):
    assert normalize_answer(text) == normalised


def test_unicode_punctuation_is_a_named_option_not_the_default():
    assert normalize_answer("“Quoted” — text…", unicode_punctuation=True) == "quoted text"
    assert exact_match("“Paris”", "paris") == 0.0
    assert exact_match("“Paris”", "paris", unicode_punctuation=True) == 1.0
    assert token_f1("«cat» sat", "cat sat") == 0.5
    assert token_f1("«cat» sat", "cat sat", unicode_punctuation=True) == 1.0


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
    """SQuAD v1.1: no common token gives 0, even when both answers are empty (EM gives 1)."""
    assert token_f1("", "") == 0.0
    assert exact_match("", "") == 1.0
    assert token_f1("the", "a") == 0.0  # both empty after normalisation
    assert exact_match("the", "a") == 1.0
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
    """The pair "police killed the gunman" vs "the gunman police killed": 4 tokens
    each (articles kept); LCS = [police, killed] or [the, gunman] = 2, P = R = 2/4, F = 0.5."""
    assert rouge_l("police killed the gunman", "the gunman police killed") == pytest.approx(0.5)


def test_rouge_l_keeps_articles_and_splits_at_punctuation_by_hand():
    """The issue's pair: [the, cat, sat, on, the, mat] vs [the, cat, sat, on, a, mat]:
    LCS = [the, cat, sat, on, mat] = 5, P = R = 5/6, F = 5/6 = 0.8333 (rouge-score's figure;
    stripping articles gave 1.0)."""
    assert rouge_l("The cat sat on the mat.", "the cat sat on a mat") == pytest.approx(5 / 6)
    tokens = ["u", "s", "gdp", "growth", "3", "5", "caf"]
    assert rouge_tokens("U.S. GDP-growth: 3.5%, café") == tokens


def test_rouge_l_with_unequal_lengths_by_hand():
    """[a1, b, c, d] vs [b, x, d]: LCS = [b, d] = 2; P = 2/4, R = 2/3;
    F = 2 x (1/2)(2/3) / (1/2 + 2/3) = (2/3) / (7/6) = 4/7."""
    assert rouge_l("a1 b c d", "b x d") == pytest.approx(4 / 7)
    assert rouge_l("", "") == 0.0  # rouge-score: no tokens on a side scores 0
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
        "deepeval_faithfulness",
        "deepeval_answer_relevancy",
        "deepeval_hallucination",
        "deepeval_bias",
        "deepeval_geval",
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


# The official SQuAD v1.1 evaluation script's functions (evaluate-v1.1.py), verbatim but for
# their names, as the reference our exact match and token F1 must equal.
def squad_v11_normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""

    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def squad_v11_f1_score(prediction, ground_truth):
    prediction_tokens = squad_v11_normalize_answer(prediction).split()
    ground_truth_tokens = squad_v11_normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def squad_v11_exact_match_score(prediction, ground_truth):
    return squad_v11_normalize_answer(prediction) == squad_v11_normalize_answer(ground_truth)


_LONG_A = " ".join(f"word{i % 37} the value {i} is, per cent, {i * 7 % 11}." for i in range(400))
_LONG_B = " ".join(f"word{i % 29} a value {i} was {i * 5 % 13}!" for i in range(350))

#: (prediction, reference) pairs shared by the reference checks: punctuation, case, digits,
#: Unicode, empty sides, repeated words, articles and long texts.
CORPUS = [
    ("The cat sat on the mat.", "the cat sat on a mat"),
    ("police killed the gunman", "the gunman police killed"),
    ("the cat sat", "a cat sat down"),
    ("The Eiffel Tower.", "eiffel tower"),
    ("Eiffel Towers", "eiffel tower"),
    ("", ""),
    ("", "cat"),
    ("cat", ""),
    ("the", "a"),
    ("an", ""),
    ("...", "!!!"),
    ("cat cat cat", "cat dog"),
    ("the the the", "the"),
    ("dog dog cat cat", "cat dog cat dog"),
    ("U.S.A.", "USA"),
    ("U.S.A.", "u s a"),
    ("state-of-the-art model", "state of the art model"),
    ("don't stop", "dont stop"),
    ("It's 3.14159", "its 314159"),
    ("$5 + 3 = 8", "5 3 8"),
    ("1,000,000 people", "1000000 people"),
    ("42", "forty-two"),
    ("Room 101B", "room 101b"),
    ("2026-12-03", "3 December 2026"),
    ("“Quoted” — text…", "quoted text"),
    ("«cat» sat", "cat sat"),
    ("Café au lait", "cafe au lait"),
    ("naïve résumé", "naive resume"),
    ("Straße", "strasse"),
    ("東京 is Tokyo", "Tokyo"),
    ("Ünïcödé ÀÉÎ", "unicode aei"),
    ("İstanbul", "istanbul"),
    ("\u212a kelvin", "k kelvin"),
    ("emoji 🙂 smile", "emoji smile"),
    ("tab\tseparated\nlines", "tab separated lines"),
    ("   spaced    out   ", "spaced out"),
    ("A an THE a", "the"),
    ("theory of another answer", "another theory"),
    ("Answer: Paris", "Paris"),
    ("I think the answer is Paris, France.", "Paris"),
    ("The quick brown fox jumps over the lazy dog", "A quick brown dog jumps over the lazy fox"),
    ("New York City", "new york"),
    ("snake_case_name", "snake case name"),
    ("under_score", "underscore"),
    ("O'Neil's book", "oneils book"),
    ("x" * 50, "x" * 50),
    ("a b c d e f g", "g f e d c b a"),
    ("to be or not to be", "to be is to do"),
    (_LONG_A, _LONG_B),
    (_LONG_B, _LONG_A[:2000]),
]


def test_the_shared_corpus_is_varied_enough():
    assert len(CORPUS) >= 40
    assert any(not p or not r for p, r in CORPUS)
    assert any(not p.isascii() for p, _ in CORPUS)
    assert any(len(p) > 5000 for p, _ in CORPUS)


@pytest.mark.parametrize(("prediction", "reference"), CORPUS)
def test_exact_match_and_f1_equal_the_squad_v11_script(prediction, reference):
    assert normalize_answer(prediction) == squad_v11_normalize_answer(prediction)
    assert exact_match(prediction, reference) == float(
        squad_v11_exact_match_score(prediction, reference)
    )
    assert token_f1(prediction, reference) == pytest.approx(
        squad_v11_f1_score(prediction, reference), abs=1e-12
    )


@pytest.mark.parametrize(("prediction", "reference"), CORPUS)
def test_rouge_l_equals_rouge_score(prediction, reference):
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    expected = scorer.score(reference, prediction)["rougeL"].fmeasure
    assert rouge_l(prediction, reference) == pytest.approx(expected, abs=1e-12)


def test_the_corpus_tells_the_old_normalised_rouge_l_apart():
    """Guard that the corpus can catch the defect it was built for: articles and punctuation
    stripped before the LCS change the figure on many pairs."""
    differ = 0
    for prediction, reference in CORPUS:
        pred = normalize_answer(prediction).split()
        ref = normalize_answer(reference).split()
        lcs = metrics._lcs_length(pred, ref)
        old = 2 * lcs / (len(pred) + len(ref)) if lcs else 0.0
        differ += abs(old - rouge_l(prediction, reference)) > 1e-9
    assert differ >= 10


def test_each_metric_names_its_convention_in_its_tooltip():
    assert METRICS["exact_match"].convention == "SQuAD v1.1 normalisation"
    assert METRICS["token_f1"].convention == "SQuAD v1.1 normalisation"
    assert METRICS["rouge_l"].convention == "rouge-score default tokenizer, no stemming"
    for spec in METRICS.values():
        assert spec.convention and spec.convention.lower() in spec.description.lower()


# Text drawn from the characters the corpus is about: letters of both cases, digits, ASCII and
# Unicode punctuation, accented and non-Latin letters, the articles' letters and whitespace.
_TEXT = st.text(
    alphabet=st.sampled_from(list("aAbcdehnt T.,'-_$%!?0129 \t\n") + list("é“”—…«»東İ\u212a")),
    max_size=40,
)


@given(_TEXT, _TEXT)
def test_metrics_equal_their_references_on_random_text(prediction, reference):
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    expected = scorer.score(reference, prediction)["rougeL"].fmeasure
    assert rouge_l(prediction, reference) == pytest.approx(expected, abs=1e-12)
    assert exact_match(prediction, reference) == float(
        squad_v11_exact_match_score(prediction, reference)
    )
    assert token_f1(prediction, reference) == pytest.approx(
        squad_v11_f1_score(prediction, reference), abs=1e-12
    )
