"""A run's samples as CSV that is safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from core.evaluation import DatasetItem, Sample

COLUMNS = (
    "item_id",
    "input",
    "expected",
    "output",
    "error",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "cached",
)
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV Injection");
# tab and carriage return can hide such a start from a quick look.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def samples_csv(items: Sequence[DatasetItem], samples: Sequence[Sample]) -> str:
    """One row per sample under a header of COLUMNS, in the dataset's item order (samples for
    items the dataset lacks follow, with empty input and expected). Latency is milliseconds,
    cost USD; `cached` is true or false. Every text cell is neutralised; lines end in CRLF."""
    position = {item.id: i for i, item in enumerate(items)}
    by_id = {item.id: item for item in items}
    ordered = sorted(samples, key=lambda s: position.get(s.item_id, len(position)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for sample in ordered:
        item = by_id.get(sample.item_id)
        writer.writerow(
            [
                neutralise(sample.item_id),
                neutralise(item.input if item else ""),
                neutralise(item.expected if item else ""),
                neutralise(sample.output),
                neutralise(sample.error or ""),
                repr(sample.latency_ms),
                str(sample.input_tokens),
                str(sample.output_tokens),
                repr(sample.cost_usd),
                "true" if sample.cached else "false",
            ]
        )
    return out.getvalue()
