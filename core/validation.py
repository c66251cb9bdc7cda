"""Turning pydantic validation errors into one readable line per bad field."""

from __future__ import annotations

from pydantic import ValidationError


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Map each bad field (dotted path) to a short human message."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(_part(p) for p in err["loc"]) or "(input)"
        # One line per field, whatever text a validator quoted from the input.
        msg = " ".join(str(err["msg"]).split())
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        out.setdefault(loc, msg)
    return out


def error_lines(exc: ValidationError) -> list[str]:
    return [f"{field}: {msg}" for field, msg in field_errors(exc).items()]


def _part(part: object) -> str:
    """A path part as text; a key that is empty or holds a line break or control character is
    quoted, so a hostile key cannot split one error into several lines or hide itself."""
    text = str(part)
    return text if text and text.isprintable() else repr(text)
