"""Model display names from benchmark tables ("GPT-4o (2024-05-13)", "openai/gpt-4o",
"Claude 3.5 Sonnet (20240620)") matched to catalog ids ("gpt-4o-2024-05-13").

Names and ids are normalised the same way (`normalise`: case, punctuation, dates, provider
prefixes); a name whose normal form is exactly one id's is matched, otherwise the ids are
ranked by likeness (`suggest`) for the user to confirm. A mapping the user confirmed before
is applied first. Qt-free and storage-free: the remembered mappings come in as a dict.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

# "2024-05-13", "2024/05/13" and "20240513" are one date in names and ids alike.
_DATE = re.compile(r"(20\d\d)[-/._ ]?([01]\d)[-/._ ]?([0-3]\d)")
_SEPARATORS = re.compile(r"[^0-9a-z]+")
# Words names carry that ids drop ("Meta Llama 3 70B Instruct" vs "llama-3-70b-instruct").
_NOISE = {"the", "model", "chat", "hf"}
MatchHow = Literal["remembered", "exact", "suggested", "none"]
MAX_SUGGESTIONS = 8
_RATIO_CANDIDATES = 40


def normalise(name: str) -> str:
    """A name in a form ids and display names share: lower case, the part after the last "/"
    (provider prefixes), dates as 8 digits, every run of punctuation or space one "-".

    >>> normalise("GPT-4o (2024-05-13)")
    'gpt-4o-20240513'
    >>> normalise("anthropic/claude-3.5-sonnet")
    'claude-3-5-sonnet'
    """
    text = name.strip().casefold().rsplit("/", 1)[-1]
    text = _DATE.sub(lambda m: f"{m[1]}{m[2]}{m[3]}", text)
    return _SEPARATORS.sub("-", text).strip("-")


# A version number's parts ("3-1" of "llama-3-1-70b"), one or two digits each.
_VERSION = re.compile(r"(?<![0-9a-z])\d{1,2}(?:-\d{1,2})+(?![0-9a-z])")


def _tokens(normal: str) -> set[str]:
    # A version is one token ("3.1"): as "3" and "1", Llama 3.3 shared the "3" of a name
    # saying 3.1 and was suggested before Llama 3.1 itself.
    joined = _VERSION.sub(lambda m: m[0].replace("-", "."), normal)
    return {t for t in joined.split("-") if t and t not in _NOISE}


@dataclass(frozen=True)
class Suggestion:
    model_id: str
    likeness: float  # 0..1, 1 for the same normal form


@dataclass(frozen=True)
class NameMatch:
    """One display name: the id it was matched to (None: not matched) and how, and the ids
    ranked by likeness for a review."""

    name: str
    model_id: str | None
    how: MatchHow
    suggestions: list[Suggestion] = field(default_factory=list)


class Matcher:
    """Catalog ids indexed once, for matching a file's names (a few hundred) against a few
    thousand ids."""

    def __init__(self, ids: Collection[str]) -> None:
        self._known = set(ids)
        self._normal: dict[str, list[str]] = {}
        for model_id in sorted(self._known):
            self._normal.setdefault(normalise(model_id), []).append(model_id)
        self._tokens = {normal: _tokens(normal) for normal in self._normal}
        self._by_token: dict[str, set[str]] = {}
        for normal, tokens in self._tokens.items():
            for token in tokens:
                self._by_token.setdefault(token, set()).add(normal)

    def suggest(self, name: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """Ids ranked by likeness to `name`: the mean of difflib's ratio of the normal forms
        and the share of tokens they have in common; ties go to an id without a provider
        route ("gpt-4o" before "azure/gpt-4o"), then to the shorter one."""
        normal = normalise(name)
        tokens = _tokens(normal)
        overlap: dict[str, float] = {}
        for token in tokens:
            for other in self._by_token.get(token, ()):
                overlap[other] = overlap.get(other, 0) + 1
        for other, shared in overlap.items():
            overlap[other] = shared / len(tokens | self._tokens[other])
        # difflib's ratio is the slow part: only for the forms sharing most tokens; a scan of
        # every id for ones spelled alike only when few tokens are shared ("gpt4o").
        best = sorted(overlap, key=lambda o: -overlap[o])[:_RATIO_CANDIDATES]
        close = (
            difflib.get_close_matches(normal, self._normal, n=limit, cutoff=0.6)
            if not best or overlap[best[0]] < 0.5
            else []
        )
        scored: list[tuple[float, str]] = []
        for other in {*best, *close}:
            if other == normal:
                likeness = 1.0
            else:
                ratio = difflib.SequenceMatcher(None, normal, other).ratio()
                likeness = min(0.99, (ratio + overlap.get(other, 0.0)) / 2)
            for model_id in self._normal[other]:
                scored.append((likeness, model_id))
        scored.sort(key=lambda s: (-s[0], "/" in s[1], len(s[1]), s[1]))
        return [Suggestion(mid, round(like, 3)) for like, mid in scored[:limit]]

    def match(self, name: str, remembered: Mapping[str, str] | None = None) -> NameMatch:
        """`name` matched: a remembered mapping to a known id first, then a unique id with the
        same normal form; otherwise not matched, with suggestions."""
        known = remembered.get(name.strip()) if remembered else None
        suggestions = self.suggest(name)
        if known is not None and known in self._known:
            return NameMatch(name, known, "remembered", suggestions)
        same = self._normal.get(normalise(name), [])
        # The provider's own id ("gpt-4o") over the same model routed through another
        # provider ("azure/gpt-4o"): the name in a benchmark table is the model's maker's.
        direct = [i for i in same if "/" not in i] if len(same) > 1 else same
        if len(direct) == 1:
            return NameMatch(name, direct[0], "exact", suggestions)
        return NameMatch(name, None, "none", suggestions)


def match_names(
    names: list[str], ids: Collection[str], remembered: Mapping[str, str] | None = None
) -> list[NameMatch]:
    """Every name matched (see Matcher.match), in order."""
    matcher = Matcher(ids)
    return [matcher.match(n, remembered) for n in names]
