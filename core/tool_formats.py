"""What other evaluation tools' dataset files mean: LangSmith examples and promptfoo test CSVs.

From their public documentation and source: a LangSmith example is `{"id", "inputs": {...},
"outputs": {...}, "metadata": {...}}`; a promptfoo test CSV has one column per prompt variable
and `__expected` columns (also `__expected2`...) each holding an assertion such as
"contains: Paris", where a value naming no assertion type is an equality assertion
(promptfoo's assertionFromString). core.datasets reads the files; this says what their parts are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: promptfoo assertion types (its BaseAssertionTypes); a `__expected` value that starts with
#: none of them is an equality assertion.
_PROMPTFOO_ASSERTIONS = (
    "answer-relevance", "bleu", "classifier", "contains-all", "contains-any", "contains-html",
    "contains-json", "contains-sql", "contains-xml", "contains", "context-faithfulness",
    "context-recall", "context-relevance", "cost", "equals", "factuality", "finish-reason",
    "g-eval", "gleu", "guardrails", "icontains-all", "icontains-any", "icontains", "is-html",
    "is-json", "is-refusal", "is-sql", "is-valid-function-call", "is-valid-openai-function-call",
    "is-valid-openai-tools-call", "is-xml", "javascript", "latency", "levenshtein", "llm-rubric",
    "meteor", "model-graded-closedqa", "model-graded-factuality", "moderation", "perplexity-score",
    "perplexity", "pi", "python", "regex", "rouge-n", "ruby", "select-best", "similar",
    "starts-with", "trace-span-count", "trace-span-duration", "webhook", "word-count",
)  # fmt: skip
_ASSERTION = re.compile(
    r"^(not-)?(" + "|".join(map(re.escape, _PROMPTFOO_ASSERTIONS)) + r")(?:\((\d+(?:\.\d+)?)\))?"
    r"(?::([\s\S]*))?$"
)
_LEGACY = ("javascript:", "fn:", "eval:", "grade:", "llm-rubric:", "python:", "file://")


def promptfoo_expected(value: str) -> tuple[str | None, str]:
    """The expected answer of a promptfoo `__expected` cell, or None and the assertion type
    it holds instead (equality is the only one an expected answer can stand for)."""
    for prefix in _LEGACY:
        if value.startswith(prefix):
            return None, prefix.rstrip(":/")
    found = _ASSERTION.match(value)
    if found is None:
        return value, "equals"
    negated, kind, _threshold, rest = found.groups()
    if kind == "equals" and not negated:
        return (rest or "").strip(), "equals"
    return None, (negated or "") + kind


def flatten_example(record: dict[str, Any]) -> dict[str, Any]:
    """A LangSmith example with its `inputs`, `outputs` and `metadata` objects spread into
    dotted keys ("inputs.question"), the shape a column mapping reads."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key in ("inputs", "outputs", "metadata") and isinstance(value, dict):
            for inner, v in value.items():
                flat[f"{key}.{inner}"] = v
        else:
            flat[key] = value
    return flat


def langsmith_guess(
    columns: Sequence[str], input_aliases: Sequence[str], expected_aliases: Sequence[str]
) -> tuple[str | None, str | None]:
    """The input and expected columns of flattened LangSmith examples: the only inputs.* (or
    the one an alias names) and likewise for outputs.*."""

    def pick(prefix: str, aliases: Sequence[str]) -> str | None:
        named = [c for c in columns if c.startswith(prefix)]
        if len(named) == 1:
            return named[0]
        by_tail = {c[len(prefix) :].casefold(): c for c in named}
        return next((by_tail[a] for a in aliases if a in by_tail), None)

    return pick("inputs.", input_aliases), pick("outputs.", expected_aliases)
