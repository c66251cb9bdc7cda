"""Where the app leans on a dependency's private internals: one module per dependency.

Each such module names the versions its code was written for and checks the installed one
against them; outside that range it logs a warning and takes the dependency's public path,
which is slower or reads more, never wrong. pyqtgraph's lives under ui/ (core never imports Qt).
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

Version = tuple[int, ...]

_warned: set[tuple[str, str | None]] = set()


def installed_version(distribution: str) -> str | None:
    """The installed version string of a distribution, or None when it is not installed."""
    import importlib.metadata  # on first use: it costs start-up time, litellm is lazy anyway

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def parse_version(text: str) -> Version:
    """(1, 110, 2) from "1.110.2"; a pre-release or local tail ("rc1", "+cu121") is dropped."""
    parts: list[int] = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() < len(part):
            break
    return tuple(parts)


def within(
    distribution: str,
    version: str | None,
    written_for: tuple[Version, Version],
    fallback: str,
) -> bool:
    """True when `version` lies in written_for = [low, below); otherwise False and a warning,
    once per distribution and version, saying what the app does instead (`fallback`)."""
    low, below = written_for
    if version is not None and low <= parse_version(version) < below:
        return True
    key = (distribution, version)
    if key not in _warned:
        _warned.add(key)
        log.warning(
            "%s %s is outside the versions %s-%s this app's use of its internals was written "
            "for; %s",
            distribution,
            version or "(not installed)",
            ".".join(map(str, low)),
            ".".join(map(str, below)) + " (excluded)",
            fallback,
        )
    return False
