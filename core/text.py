"""Invisible characters in outside text: found, named and shown.

NUL and the other C0/C1 controls, and Unicode format characters (category Cf: the
bidirectional embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069, the marks
U+200E/U+200F, zero-width spaces, the BOM) draw nothing, yet they can reorder the text around
them ("Trojan Source") or hide part of a name. Names refuse them; notes keep them and every
place that shows or exports notes shows each one by its code point.
"""

from __future__ import annotations

import re

# Every character of categories Cc and Cf in Unicode 14 (Python 3.12's tables), except tab,
# the line breaks (layout, not hiding places) and the zero-width (non-)joiners U+200C/U+200D,
# which shape Persian and Indic scripts and emoji sequences. A test rebuilds this class from
# unicodedata, so a newer Python's additions show up there.
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


#: The ASCII characters that show (and tab and line breaks): deleting them from ASCII text
#: leaves its controls, many times faster than the pattern (bench/edit_bench.py has figures).
_ASCII_SHOWN = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def hidden_characters(text: str) -> list[str]:
    """The invisible control and format characters in text, each once, in order of first use."""
    if text.isascii():
        left = text.encode("ascii").translate(None, _ASCII_SHOWN)
        return list(dict.fromkeys(left.decode("ascii")))
    return list(dict.fromkeys(_HIDDEN.findall(text)))


def code_point(ch: str) -> str:
    """The character as U+XXXX."""
    return f"U+{ord(ch):04X}"


def visible(text: str) -> str:
    """text with every invisible control shown as ⟨U+XXXX⟩ (everything else unchanged)."""
    return _HIDDEN.sub(lambda m: f"⟨{code_point(m.group())}⟩", text)


def name_problem(name: str) -> str | None:
    """Why a name cannot be stored, or None: names are shown everywhere and must be what they
    look like."""
    found = hidden_characters(name)
    if not found:
        return None
    codes = ", ".join(code_point(ch) for ch in found[:5])
    return (
        f"the name contains invisible control characters ({codes}), which could hide or reorder "
        "its text; remove them"
    )
