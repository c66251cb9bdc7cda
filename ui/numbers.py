"""Reading numbers the way people type them: 5e-6, 500,000, 500B, 2.5k, 20%."""

from __future__ import annotations

import math
import re

_SUFFIX = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
_NUMBER = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([kKMBGT]?)$")


def parse_number(text: str) -> float | None:
    """'5e-6', '500,000', '1_000', '500B', ' 2.5k ' -> float; anything else -> None."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "").lstrip("$")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    m = _NUMBER.match(cleaned)
    if not m:
        return None
    value = float(m.group(1)) * _SUFFIX.get(m.group(2), 1.0)
    return value if math.isfinite(value) else None
