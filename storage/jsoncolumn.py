"""How JSON values are stored in TEXT columns, wrapped with a version so old rows stay loadable.

Every JSON column holds ``{"_schema": N, "value": ...}``. ``decode`` reads every wrapper version
this app has ever written (only 1 so far); a later change to how values are laid out bumps
``JSON_SCHEMA`` and adds a branch to ``decode`` that upgrades the old layout on read, so rows are
never rewritten in place.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import from_json

from storage.errors import StorageError

JSON_SCHEMA = 1


def encode(value: Any) -> str:
    """Wrap and serialise a JSON-compatible value; anything else is refused in plain words."""
    try:
        return json.dumps(
            {"_schema": JSON_SCHEMA, "value": value}, ensure_ascii=False, separators=(",", ":")
        )
    except (TypeError, ValueError) as exc:
        raise StorageError(f"Could not save: a value cannot be stored as JSON ({exc}).") from exc


def decode(text: str) -> Any:
    """Unwrap a stored JSON value written by this or an older version of the app."""
    try:
        # pydantic's Rust parser: about three times faster than json.loads, and listing
        # thousands of scenarios decodes two values each.
        wrapper = from_json(text)
    except ValueError as exc:
        raise StorageError(f"A saved value is damaged and cannot be read ({exc}).") from exc
    schema = wrapper.get("_schema") if isinstance(wrapper, dict) else None
    if schema == JSON_SCHEMA:
        return wrapper["value"]
    raise StorageError(
        f"A saved value uses storage format {schema!r}, which this version of AI Decision "
        f"Frameworks does not know (it reads format {JSON_SCHEMA}). Update the app."
    )
