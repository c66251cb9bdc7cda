"""html_text escapes as the standard library's html.escape(quote=True) does (the reference):
the app leaves the html module, and its entity table, off the way to the first window."""

from __future__ import annotations

import html

import pytest

from core.text import visible
from ui.plain_text import html_text

CASES = [
    "",
    "plain name",
    '<img src="/dev/zero">',
    "a & b < c > d",
    "&amp; already escaped",
    'it\'s "quoted"',
    "<script>alert('x')</script>",
    "‮gnp.exe\u0000 and \u202e bidi",
    "ünïcødé — 日本語 &lt;",
    12.5,
    None,
]


@pytest.mark.parametrize("text", CASES)
def test_html_text_is_html_escape_of_the_visible_text(text):
    assert html_text(text) == html.escape(visible(str(text)), quote=True)
