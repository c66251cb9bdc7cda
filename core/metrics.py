"""Text metrics that score a model's output against the expected answer, and their registry.

Every per-sample score is 0..1 (1 is best); corpus BLEU is the one run-level figure on sacrebleu's
0..100 scale. Each metric gives the figure its reference implementation gives, so a score here
can be set beside a published one:
- exact match, token F1 and contains: the official SQuAD v1.1 evaluation script's
  normalize_answer (lower case, ASCII punctuation removed, the articles a/an/the removed,
  whitespace collapsed), and its F1 (0 when no token is shared, also when both are empty);
- ROUGE-L: Google's rouge-score package, default tokenizer without stemming (lower case, every
  run of characters other than a-z and 0-9 splits tokens, articles kept), LCS F-measure;
- BLEU: sacrebleu's defaults.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sacrebleu.metrics import BLEU

_ARTICLES = re.compile(r"\b(a|an|the)\b")
# string.punctuation is SQuAD's set (it includes $, + and the like); str.translate removes it
# at C speed.
_ASCII_PUNCTUATION = str.maketrans("", "", string.punctuation)
# rouge-score's tokenizer (rouge_score/tokenize.py): what is not a-z or 0-9 after lower() is a
# separator, so "U.S." is two tokens and "café" gives "caf".
_ROUGE_SEPARATORS = re.compile(r"[^a-z0-9]+")
# A whole output that is one fenced block, as chat models like to wrap JSON.
_FENCE = re.compile(r"\A```[A-Za-z0-9_-]*[ \t]*\n(.*?)\n?```\Z", re.DOTALL)


def normalize_answer(text: str, *, unicode_punctuation: bool = False) -> str:
    """SQuAD v1.1's answer normalisation: lower case, no punctuation or articles, single spaces.

    "The  Cat's mat!" -> "cats mat". Punctuation is string.punctuation, ASCII only, as in the
    official script: "“Quoted” — text…" keeps its curly quotes, dash and ellipsis.
    `unicode_punctuation=True` (our option, not SQuAD's) also removes every character of the
    Unicode punctuation classes (P*), which chat models write: "quoted text".
    """
    text = text.lower().translate(_ASCII_PUNCTUATION)
    if unicode_punctuation and not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, reference: str, *, unicode_punctuation: bool = False) -> float:
    """1.0 when the two answers are equal after normalize_answer, else 0.0 (SQuAD v1.1's
    exact_match_score; two empty answers match)."""
    pred = normalize_answer(prediction, unicode_punctuation=unicode_punctuation)
    ref = normalize_answer(reference, unicode_punctuation=unicode_punctuation)
    return 1.0 if pred == ref else 0.0


def token_f1(prediction: str, reference: str, *, unicode_punctuation: bool = False) -> float:
    """SQuAD v1.1 token F1: harmonic mean of precision and recall of the shared tokens (a
    multiset) after normalize_answer.

    token_f1("the cat sat", "a cat sat down"): tokens [cat, sat] and [cat, sat, down] share 2,
    precision 2/2, recall 2/3, F1 = 2 x 1 x 2/3 / (1 + 2/3) = 0.8.
    No shared token gives 0.0, as in the official script: also when either side, or both,
    is empty after normalisation (exact match still scores two empty answers 1).
    """
    pred = normalize_answer(prediction, unicode_punctuation=unicode_punctuation).split()
    ref = normalize_answer(reference, unicode_punctuation=unicode_punctuation).split()
    shared = sum((Counter(pred) & Counter(ref)).values())
    if shared == 0:
        return 0.0
    precision = shared / len(pred)
    recall = shared / len(ref)
    return 2 * precision * recall / (precision + recall)


def bleu(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU, 0..100: sacrebleu.corpus_bleu with one reference per prediction.

    sacrebleu's defaults (13a tokenisation, case-sensitive, exponential smoothing off) apply,
    so the figure is comparable with published sacrebleu scores. No predictions: 0.0.
    """
    import sacrebleu

    if len(predictions) != len(references):
        raise ValueError(
            f"BLEU needs one reference per prediction: got {len(predictions)} predictions and "
            f"{len(references)} references."
        )
    if not predictions:
        return 0.0
    return float(sacrebleu.corpus_bleu(list(predictions), [list(references)]).score)


@cache
def _sentence_bleu_metric() -> BLEU:
    # The settings of sacrebleu.sentence_bleu, built once: a fresh metric per call costs
    # more than the score itself.
    from sacrebleu.metrics import BLEU

    return BLEU(smooth_method="exp", effective_order=True)


def sentence_bleu(prediction: str, reference: str) -> float:
    """Sentence BLEU of one output, 0..1 (sacrebleu's sentence_bleu / 100)."""
    return float(_sentence_bleu_metric().sentence_score(prediction, [reference]).score) / 100


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, bit-parallel (Hyyro 2004).

    Bit i of V is 0 once a[i] is matched; each token of b updates all of a's positions in a
    few big-integer operations, so long outputs cost O(len(b)) operations, not O(len(a)
    x len(b)).
    """
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for token in b:
        u = v & masks.get(token, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def rouge_tokens(text: str) -> list[str]:
    """rouge-score's default tokens (no stemming): lower case, split at every run of
    characters other than a-z and 0-9. "The cat's mat." -> [the, cat, s, mat]."""
    return _ROUGE_SEPARATORS.sub(" ", text.lower()).split()


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure, 0..1, as rouge-score's RougeScorer(["rougeL"]) gives it: LCS over
    rouge_tokens of both texts.

    P = LCS / len(prediction), R = LCS / len(reference), F = 2PR / (P + R).
    Either side without tokens (both included): 0.0, as rouge-score.
    """
    pred = rouge_tokens(prediction)
    ref = rouge_tokens(reference)
    lcs = _lcs_length(pred, ref)
    if lcs == 0:
        return 0.0
    precision = lcs / len(pred)
    recall = lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def contains(prediction: str, reference: str) -> float:
    """1.0 when the normalised reference appears in the normalised prediction as whole words.

    Whole words so that "cat" is not found in "concatenate". An empty normalised reference
    matches only an empty prediction: otherwise every output would pass.
    """
    ref = normalize_answer(reference)
    pred = normalize_answer(prediction)
    if not ref:
        return 1.0 if not pred else 0.0
    return 1.0 if f" {ref} " in f" {pred} " else 0.0


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled regular expression, or a ValueError that says what is wrong with it."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise ValueError(f"The regex {pattern!r} is not valid: {exc.msg}{where}.") from None


def regex_match(prediction: str, pattern: str) -> float:
    """1.0 when re.search finds the pattern in the raw output (not normalised: a pattern may
    rely on case or punctuation; write (?i) for case-insensitive). An invalid pattern raises
    ValueError with the reason."""
    return 1.0 if compile_pattern(pattern).search(prediction) else 0.0


def valid_json(prediction: str) -> float:
    """1.0 when the output parses as JSON, as a whole or as one fenced block (```json ... ```).

    Prose around the block fails: a program reading the output would have to dig it out.
    """
    text = prediction.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        json.loads(text)
    except ValueError:
        return 0.0
    return 1.0


Scorer = Callable[[str, str, "str | None"], float]


@dataclass(frozen=True)
class MetricSpec:
    """A metric as the UI and CLI list it: what it is, and how it scores one sample (0..1).

    `pass_fail` metrics score only 0 or 1; `uses_pattern` metrics read a pattern (a regex)
    instead of, or besides, the expected answer; `needs_judge` metrics are scored by a model
    (core.judge) and handed to the comparison as grades. `convention` names the reference the
    scores equal, for exports to state beside the figure; the description (the tooltip) says
    it too.
    """

    id: str
    label: str
    description: str
    convention: str
    pass_fail: bool
    score: Scorer
    uses_pattern: bool = False
    needs_judge: bool = False


def _needs_judge(_prediction: str, _expected: str, _pattern: str | None) -> float:
    raise ValueError(
        "The LLM judge grades through a model: choose a judge model (core.judge), not a "
        "per-sample formula."
    )


def _regex_score(prediction: str, expected: str, pattern: str | None) -> float:
    if pattern:
        return regex_match(prediction, pattern)
    if not expected:
        raise ValueError("The regex metric needs a pattern, or one in the expected column.")
    return regex_match(prediction, expected)


METRICS: dict[str, MetricSpec] = {
    spec.id: spec
    for spec in (
        MetricSpec(
            "exact_match",
            "Exact match",
            "1 when the output equals the expected answer after normalisation (case, ASCII "
            "punctuation, a/an/the and extra spaces ignored), else 0. SQuAD v1.1 "
            "normalisation, as the official evaluation script.",
            "SQuAD v1.1 normalisation",
            True,
            lambda p, e, _: exact_match(p, e),
        ),
        MetricSpec(
            "token_f1",
            "Token F1",
            "Overlap of the output's and the expected answer's words (0 to 1): partial "
            "credit for partly right answers; 0 when no word is shared, also when both are "
            "empty. SQuAD v1.1 normalisation and F1, as the official evaluation script.",
            "SQuAD v1.1 normalisation",
            False,
            lambda p, e, _: token_f1(p, e),
        ),
        MetricSpec(
            "rouge_l",
            "ROUGE-L",
            "Longest sequence of the expected answer's words found in order in the output, as "
            "an F-measure (0 to 1): suits summaries and longer answers. rouge-score default "
            "tokenizer, no stemming (lower case; anything but a-z and 0-9 splits words; "
            "articles kept), as published ROUGE-L scores.",
            "rouge-score default tokenizer, no stemming",
            False,
            lambda p, e, _: rouge_l(p, e),
        ),
        MetricSpec(
            "bleu",
            "BLEU",
            "N-gram overlap with the expected text (sacrebleu): sentence BLEU per sample "
            "(0 to 1), corpus BLEU (0 to 100) for the run; suits translation. sacrebleu "
            "defaults (13a tokenizer, case-sensitive).",
            "sacrebleu defaults",
            False,
            lambda p, e, _: sentence_bleu(p, e),
        ),
        MetricSpec(
            "contains",
            "Contains",
            "1 when the expected answer appears in the output as whole words (after "
            "normalisation), else 0: suits answers wrapped in a sentence. SQuAD v1.1 "
            "normalisation.",
            "SQuAD v1.1 normalisation",
            True,
            lambda p, e, _: contains(p, e),
        ),
        MetricSpec(
            "regex",
            "Regex",
            "1 when the regular expression is found in the output, else 0; the pattern is "
            "the one given, or else each item's expected value. Python re.search on the raw "
            "output.",
            "Python re.search on the raw output",
            True,
            _regex_score,
            uses_pattern=True,
        ),
        MetricSpec(
            "json_valid",
            "Valid JSON",
            "1 when the output parses as JSON (a ```json fenced block is accepted), else 0. "
            "Python json.loads.",
            "Python json.loads",
            True,
            lambda p, _e, _pat: valid_json(p),
        ),
        MetricSpec(
            "llm_judge",
            "LLM judge",
            "A judge model reads the question, the expected answer and the output and says "
            "PASS (1) or FAIL (0); its calls go through the runner and their cost is counted "
            "apart from the runs'. Graded by the judge model.",
            "graded by the judge model",
            True,
            _needs_judge,
            needs_judge=True,
        ),
        *(
            MetricSpec(
                metric_id,
                label,
                f"{description} The judge model you pick is asked through the runner and its "
                "cost is counted apart from the runs' (deepeval, an optional extra). DeepEval "
                f"{cls}, graded by the judge model.",
                f"DeepEval {cls}, graded by the judge model",
                False,
                _needs_judge,
                needs_judge=True,
            )
            for metric_id, label, cls, description in (
                (
                    "deepeval_faithfulness",
                    "Faithfulness (DeepEval)",
                    "FaithfulnessMetric",
                    "The share of the output's claims the item's context (the dataset's "
                    "context column) does not contradict.",
                ),
                (
                    "deepeval_answer_relevancy",
                    "Answer relevancy (DeepEval)",
                    "AnswerRelevancyMetric",
                    "The share of the output's statements relevant to the input.",
                ),
                (
                    "deepeval_hallucination",
                    "No hallucination (DeepEval)",
                    "HallucinationMetric",
                    "1 minus DeepEval's hallucination score (the share of the item's contexts "
                    "the output contradicts), so higher is better as for every metric here.",
                ),
                (
                    "deepeval_bias",
                    "No bias (DeepEval)",
                    "BiasMetric",
                    "1 minus DeepEval's bias score (the share of the output's opinions that "
                    "are biased), so higher is better as for every metric here.",
                ),
                (
                    "deepeval_geval",
                    "G-Eval criterion (DeepEval)",
                    "GEval",
                    "The judge's 0..10 score of the output against your criterion, over 10.",
                ),
            )
        ),
    )
}


def get_metric(metric_id: str) -> MetricSpec:
    """The metric with this id; a ValueError names the known ids when it is unknown."""
    try:
        return METRICS[metric_id]
    except KeyError:
        known = ", ".join(METRICS)
        raise ValueError(f"Unknown metric {metric_id!r} (known: {known}).") from None


def score_outputs(
    metric_id: str,
    predictions: Sequence[str | None],
    references: Sequence[str],
    pattern: str | None = None,
) -> list[float]:
    """Per-sample scores (0..1) of `metric_id`; an errored sample (prediction None) scores 0.

    A pattern is checked once up front, so a bad regex fails before any scoring.
    """
    spec = get_metric(metric_id)
    if len(predictions) != len(references):
        raise ValueError(
            f"Need one expected answer per output: got {len(predictions)} outputs and "
            f"{len(references)} expected answers."
        )
    if pattern:
        compile_pattern(pattern)
    return [
        0.0 if pred is None else spec.score(pred, ref, pattern)
        for pred, ref in zip(predictions, references, strict=True)
    ]
