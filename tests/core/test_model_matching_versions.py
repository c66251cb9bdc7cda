"""A version number is one token when names are matched: "Llama 3.1" is not half "Llama 3.3"."""

from __future__ import annotations

from core.model_matching import Matcher

IDS = [
    "deepinfra/meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "deepinfra/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
    "claude-3-5-sonnet-20240620",
    "claude-3-haiku-20240307",
]


def test_the_same_version_ranks_before_another():
    # HELM Lite's name for Llama 3.1 70B; 3.3 shared its "3" and came first.
    suggestions = Matcher(IDS).suggest("Llama 3.1 Instruct Turbo (70B)")
    assert suggestions[0].model_id == "deepinfra/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo"


def test_a_version_beside_a_date_still_matches_exactly():
    match = Matcher(IDS).match("Claude 3.5 Sonnet (20240620)")
    assert (match.model_id, match.how) == ("claude-3-5-sonnet-20240620", "exact")
