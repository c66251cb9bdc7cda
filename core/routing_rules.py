"""The rules a measured router can apply to the cheap model's reply: names, labels and help.

Apart from core.router so the command line can list them without importing numpy.
"""

from __future__ import annotations

from typing import Literal

Rule = Literal["confidence", "length", "judge", "regex"]
RULES: tuple[Rule, ...] = ("confidence", "length", "judge", "regex")
RULE_LABELS: dict[str, str] = {
    "confidence": "Stated confidence",
    "length": "Reply length",
    "judge": "Judge's score",
    "regex": "Regular expression",
}
RULE_HELP: dict[str, str] = {
    "confidence": "Keep the cheap reply when the confidence it states is at least the "
    "threshold: 'confidence: 0.8' (also 'Confidence = 80%', 'confidence 85'), else the last "
    "percentage in the reply ('85%'); values above 1 are read as percent. A reply stating none "
    "escalates.",
    "length": "Keep the cheap reply when it is at most the threshold long, in output tokens "
    "(characters when the run recorded no tokens): a rambling reply escalates.",
    "judge": "Keep the cheap reply when a judge's score of it (0-1, from a judged comparison "
    "kept in the history) is at least the threshold; an ungraded reply escalates.",
    "regex": "Keep the cheap reply when the regular expression is found in it (Python "
    "re.search); any other reply escalates.",
}
