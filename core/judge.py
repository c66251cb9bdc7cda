"""LLM-as-judge: a model grades each output against the expected answer, through the runner.

The judge is an ordinary variant run by `EvalRunner` over "grading items" (the question, the
reference and the output to grade), so it gets the same limits, retries, cache and cancel as
any run, and what it costs is counted apart from the runs it grades.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.evaluation import DatasetItem, RunProgress, RunSettings, Sample, Variant
from core.llm import LlmClient
from core.runner import EvalRunner, ResponseCache, RunOutcome

JUDGE_SYSTEM = (
    "You grade answers. Compare the answer with the reference for the question and reply "
    "with one word: PASS when the answer is correct and agrees with the reference, FAIL "
    "otherwise."
)
JUDGE_TEMPLATE = (
    "Question:\n{input}\n\nReference answer:\n{expected}\n\nAnswer to grade:\n{output}\n\n"
    "Reply PASS or FAIL."
)
_VERDICT = re.compile(r"\b(PASS|FAIL)\b", re.IGNORECASE)


def judge_variant(model: str, api_base: str | None = None) -> Variant:
    """The grading variant: temperature 0 and a few output tokens, so grades repeat and the
    cache answers a second grading of the same output for free."""
    return Variant(
        name=f"judge {model}",
        model=model,
        prompt_template=JUDGE_TEMPLATE,
        system_prompt=JUDGE_SYSTEM,
        temperature=0.0,
        max_tokens=8,
        api_base=api_base,
    )


def parse_grade(text: str) -> float | None:
    """1.0 for PASS, 0.0 for FAIL (the first such word wins), None when it says neither."""
    match = _VERDICT.search(text or "")
    if match is None:
        return None
    return 1.0 if match.group(1).upper() == "PASS" else 0.0


def grading_items(items: Sequence[DatasetItem], samples: Sequence[Sample]) -> list[DatasetItem]:
    """One grading item per answered sample (errored samples need no judge: they score 0)."""
    by_id = {item.id: item for item in items}
    out: list[DatasetItem] = []
    for sample in {s.item_id: s for s in samples}.values():
        item = by_id.get(sample.item_id)
        if item is None or not sample.ok:
            continue
        out.append(
            DatasetItem(
                id=item.id,
                input=item.input,
                expected=item.expected,
                fields={"expected": item.expected, "output": sample.output},
            )
        )
    return out


@dataclass(frozen=True)
class Grades:
    """What the judge said: a score per graded item id, what grading cost (USD), and the
    items it could not grade (a failed call or a reply that is neither PASS nor FAIL)."""

    scores: dict[str, float]
    cost_usd: float
    ungraded: list[str]
    outcome: RunOutcome


def grade(
    client: LlmClient,
    settings: RunSettings,
    variant: Variant,
    items: Sequence[DatasetItem],
    samples: Sequence[Sample],
    *,
    cache: ResponseCache | None = None,
    progress: Callable[[RunProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    prices: tuple[float, float] | None = None,
) -> Grades:
    """Grade every answered sample of a run. Blocks; call it off the GUI thread."""
    graded: list[Sample] = []
    outcome = EvalRunner(client, settings).run(
        variant,
        grading_items(items, samples),
        on_sample=graded.append,
        cache=cache,
        progress=progress,
        cancelled=cancelled,
        prices=prices,
    )
    scores: dict[str, float] = {}
    ungraded: list[str] = []
    for sample in graded:
        score = parse_grade(sample.output) if sample.ok else None
        if score is None:
            ungraded.append(sample.item_id)
        else:
            scores[sample.item_id] = score
    return Grades(scores, sum(s.cost_usd for s in graded), ungraded, outcome)
