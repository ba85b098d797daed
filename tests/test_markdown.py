"""Markdown rendering: the plain-text fast path gives exactly what Python-Markdown gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backlying_site.markdown import MarkdownRenderer, is_plain_text

RENDERER = MarkdownRenderer()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_plain_text_fast_path_matches_python_markdown(text: str) -> None:
    if is_plain_text(text):
        assert str(RENDERER.inline(text)) == str(RENDERER._inline(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab c,;:()?0123456789.-'\"*_#\n", max_size=40))
def test_fast_path_on_text_close_to_markdown(text: str) -> None:
    if is_plain_text(text):
        assert str(RENDERER.inline(text)) == str(RENDERER._inline(text))


def test_markdown_in_steps_still_renders() -> None:
    assert str(RENDERER.inline("Sit on the **floor**")) == "Sit on the <strong>floor</strong>"
    assert str(RENDERER.inline("Your baby's legs")) == "Your baby&rsquo;s legs"


def test_raw_html_and_script_links_are_neutralised() -> None:
    html = str(RENDERER.block('<script>alert(1)</script> [x](javascript:alert(1)) ![i](a.png){onerror=alert(1)}'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and "onerror" not in html


def test_body_h1_becomes_h2_with_an_id() -> None:
    assert str(RENDERER.block("# Why")) == '<h2 id="why">Why</h2>'
