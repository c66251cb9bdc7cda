"""Turning pydantic validation errors into one readable line per bad field."""

from __future__ import annotations

from pydantic import ValidationError


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Map each bad field (dotted path) to a short human message."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(input)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        out.setdefault(loc, msg)
    return out


def error_lines(exc: ValidationError) -> list[str]:
    return [f"{field}: {msg}" for field, msg in field_errors(exc).items()]
