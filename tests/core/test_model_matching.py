"""Display names from benchmark tables matched to catalog ids: normal forms, ranked
suggestions, remembered mappings first."""

from __future__ import annotations

import doctest

import core.model_matching
from core.model_matching import Matcher, match_names, normalise

IDS = [
    "gpt-4o",
    "gpt-4o-2024-05-13",
    "azure/gpt-4o-2024-05-13",
    "gpt-4o-mini",
    "gpt-4o-mini-2024-07-18",
    "claude-3-5-sonnet-20240620",
    "anthropic/claude-3-5-sonnet-20240620",
    "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
    "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
    "gemini/gemini-1.5-pro-002",
    "gemini-1.5-pro-002",
    "mistral/mistral-large-2407",
]


def test_docstring_examples_hold():
    assert doctest.testmod(core.model_matching).failed == 0


def test_normal_forms_share_dates_case_and_punctuation():
    assert normalise("GPT-4o (2024-05-13)") == normalise("gpt-4o-2024-05-13")
    assert normalise("Claude 3.5 Sonnet (20240620)") == normalise("claude-3-5-sonnet-20240620")
    assert normalise("Gemini-1.5-Pro-002") == "gemini-1-5-pro-002"


def test_exact_matches_prefer_the_makers_own_id():
    matches = match_names(
        ["GPT-4o (2024-05-13)", "Claude 3.5 Sonnet (20240620)", "Gemini-1.5-Pro-002"], IDS
    )
    assert [(m.model_id, m.how) for m in matches] == [
        ("gpt-4o-2024-05-13", "exact"),
        ("claude-3-5-sonnet-20240620", "exact"),
        ("gemini-1.5-pro-002", "exact"),
    ]


def test_unmatched_names_get_ranked_suggestions():
    (m,) = match_names(["Llama 3.1 Instruct Turbo (70B)"], IDS)
    assert m.model_id is None and m.how == "none"
    assert m.suggestions[0].model_id == ("together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo")
    (mini,) = match_names(["GPT-4o mini"], IDS)
    assert mini.how == "exact" and mini.model_id == "gpt-4o-mini"
    (may,) = match_names(["GPT-4o (May '24)"], IDS)
    assert may.how == "none"
    assert may.suggestions[0].model_id == "gpt-4o"
    likeness = [s.likeness for s in may.suggestions]
    assert likeness == sorted(likeness, reverse=True)


def test_a_remembered_mapping_comes_first_and_must_name_a_known_id():
    remembered = {"GPT-4o (May '24)": "gpt-4o-2024-05-13", "Old name": "retired-model"}
    matcher = Matcher(IDS)
    m = matcher.match("GPT-4o (May '24)", remembered)
    assert (m.model_id, m.how) == ("gpt-4o-2024-05-13", "remembered")
    assert matcher.match("Old name", remembered).how == "none"
