"""What changed between two saved versions of a scenario: inputs, evidence, notes, outcome."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from core.compare import input_rows
from core.evidence import evidence_changes, read
from core.frameworks.common import recommendation_label
from core.scenario import ScenarioVersion


def _outcome(result: dict[str, Any] | None) -> str:
    """The saved recommendation in words ("Need more data", not the code need_more_data)."""
    if not result:
        return "none"
    return recommendation_label(
        str(result.get("recommendation") or result.get("headline") or "none")
    )


def _input_changes(framework: Any, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every input that differs, as "Field: old → new" with units."""
    try:
        a = framework.Inputs.model_validate(old)
        b = framework.Inputs.model_validate(new)
    except ValidationError:
        # A version this app's inputs no longer accept: say what differs in its own terms.
        keys = sorted(old.keys() | new.keys())
        return [f"{k}: {old.get(k)} → {new.get(k)}" for k in keys if old.get(k) != new.get(k)]
    return [f"{r.title}: {r.a} → {r.b}" for r in input_rows(a, b) if r.differs]


def version_changes(framework: Any, old: ScenarioVersion, new: ScenarioVersion) -> list[str]:
    """Each difference from `old` to `new` as one line: inputs (with units), the evidence's
    model rows and price map, the notes, and the recommendation."""
    lines = _input_changes(framework, old.inputs, new.inputs)
    ea, eb = read(old.evidence)[0], read(new.evidence)[0]
    if ea is not None and eb is not None:
        lines += [f"Evidence: {change}" for change in evidence_changes(ea, eb)]
    elif eb is not None and ea is None:
        lines.append("Evidence: recorded from this version on")
    if old.notes != new.notes:
        lines.append("Notes edited")
    before, after = _outcome(old.result), _outcome(new.result)
    if before != after:
        lines.append(f"Recommendation: {before} → {after}")
    return lines


def history_changes(framework: Any, versions: list[ScenarioVersion]) -> dict[int, list[str]]:
    """For each version (any order), its changes from the version before it; the first
    version maps to []."""
    ordered = sorted(versions, key=lambda v: v.version)
    out: dict[int, list[str]] = {ordered[0].version: []} if ordered else {}
    for prev, cur in zip(ordered, ordered[1:], strict=False):
        out[cur.version] = version_changes(framework, prev, cur)
    return out
