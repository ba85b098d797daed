"""Markdown rendering: the plain-text fast path gives exactly what Python-Markdown gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.treeprocessors import InlineProcessor
from markdown.util import Registry

from backlying_site.render.markdown import _PLAIN, MarkdownRenderer, _QuickInline, is_plain_text, required_text

ROOT = Path(__file__).resolve().parent.parent

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


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="ab é1٣_ ,.;:()?%/+°–—’*\n\t-:/", max_size=30))
def test_plain_text_is_told_as_the_one_regex_told_it(text: str) -> None:
    """is_plain_text's string tests say what its earlier regex said (each case of it is one above)."""
    not_plain = re.compile(r"_|\.\.|://|^\d+[.)]|[^.)?%\w]$")
    assert is_plain_text(text) == (bool(_PLAIN.match(text)) and not not_plain.search(text))


def test_markdown_in_steps_still_renders() -> None:
    assert str(RENDERER.inline("Sit on the **floor**")) == "Sit on the <strong>floor</strong>"
    assert str(RENDERER.inline("Your baby's legs")) == "Your baby&rsquo;s legs"


def test_raw_html_and_script_links_are_neutralised() -> None:
    html = str(RENDERER.block('<script>alert(1)</script> [x](javascript:alert(1)) ![i](a.png){onerror=alert(1)}'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html and "onerror" not in html


def test_body_h1_becomes_h2_with_an_id() -> None:
    assert str(RENDERER.block("# Why")) == '<h2 id="why">Why</h2>'


def test_our_extensions_are_python_markdowns_named_ones_with_our_settings() -> None:
    """Made directly (a lookup by name scans every installed package): the same extensions, the
    same settings, the same processors in the same order."""
    import markdown

    from backlying_site.render.markdown import extensions

    named = markdown.Markdown(extensions=["toc", "attr_list", "tables", "smarty", "sane_lists"],
                              extension_configs={"toc": {"permalink": False}, "smarty": {"smart_angled_quotes": False}})
    ours = markdown.Markdown(extensions=extensions())
    assert [(type(e), e.getConfigs()) for e in ours.registeredExtensions] == \
        [(type(e), e.getConfigs()) for e in named.registeredExtensions]
    for registry in ("preprocessors", "inlinePatterns", "treeprocessors", "postprocessors"):
        assert [type(p) for p in getattr(ours, registry)] == [type(p) for p in getattr(named, registry)]
    assert [type(p) for p in ours.parser.blockprocessors] == [type(p) for p in named.parser.blockprocessors]
    text = "# Title\n\n\"Hold\" *gently* -- 3 times\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n1. one\n2. two\n{: .x}"
    assert ours.convert(text) == named.convert(text)


# --- inline patterns are tried only where they can match: the same HTML as Python-Markdown's loop ------

def python_markdowns_own() -> MarkdownRenderer:
    renderer = MarkdownRenderer()
    for processor in [*renderer._md.treeprocessors, *renderer._md.preprocessors]:
        if type(processor).__name__.startswith("_Quick"):  # ours: back to the class it speeds up
            processor.__class__ = type(processor).__bases__[0]
    for block in renderer._md.parser.blockprocessors:
        block.__dict__.pop("test", None)
        block.__dict__.pop("run", None)
    md = renderer._md
    for registry in (md.preprocessors, md.parser.blockprocessors, md.treeprocessors, md.postprocessors):
        registry.__class__ = Registry
    return renderer


REFERENCE = python_markdowns_own()
MARKDOWNISH = st.text(alphabet="ab c\n\n\n\t\r.,;:!?'\"*_`\\[]()<>&#-=+|{}/@~^0123456789xhtp", max_size=120)


@settings(max_examples=1500, deadline=None)
@given(st.lists(MARKDOWNISH | st.sampled_from(["[TOC]", "\\[TOC\\]", "## TOC", "* [TOC]", "Text\n{: .note }",
                                                       "## Head {: #here }", "a  \n   \n\tb",
                                                       "| a | b |\n|---|:-:|\n| 1 | 2 |", "a | b\n--|--\n1 | 2",
                                                       "Title\n===", "Sub\n---  \nmore", "a\n- b"]), min_size=1, max_size=4)
       .map("\n\n".join))
def test_quick_inline_gives_python_markdowns_html(text: str) -> None:
    assert str(RENDERER.block(text)) == str(REFERENCE.block(text))
    assert RENDERER.toc() == REFERENCE.toc()


@pytest.mark.parametrize("text", ["Text\n{: #why-it-helps }\n\n## Why it helps",
                                  "###### Six\n\n# One\n\n## Two\n\n##### Five",
                                  "## Same\n\n## Same\n\n## Same",
                                  '## Long title {: data-toc-label="Short &amp; <b>bold</b>" }',
                                  "## A &amp; B *c* `d` [e](/f)", "## Kept {: #mine }\n\n## mine"])
def test_headings_get_the_ids_and_table_entries_python_markdown_gives(text: str) -> None:
    """_QuickToc.run walks the tree once where stock walks it twice: the same ids and entries."""
    assert str(RENDERER.block(text)) == str(REFERENCE.block(text))
    assert RENDERER.toc() == REFERENCE.toc() and RENDERER.toc()


@pytest.mark.parametrize("text", ["a\x02klzzwxh:0\x03 *b*", "\x02\x03", "x\r\ny\rz *w*", "\tcode\n\n\ta\tb",
                                  "line  \n  \n\x03next"])
def test_whitespace_is_normalised_as_python_markdown_does(text: str) -> None:
    """_QuickWhitespace replaces only where its characters are: the same as stock where they are."""
    assert str(RENDERER.block(text)) == str(REFERENCE.block(text))


@pytest.mark.parametrize("text", ["**a *b `c`** d*", "*a **b [l](/x)* d**", "*Hold **then *[release](/r)** slowly*",
                                  "**a *b `c` it's** d*", "_a __b <https://x.test/>__ c_ &amp; d"])
def test_emphasis_in_emphasis_keeps_what_it_holds(text: str) -> None:
    """Found by review: a pattern that makes nested elements leaves their placeholders to the walk."""
    html = str(RENDERER.block(text))
    assert html == str(REFERENCE.block(text)) and "\x02" not in html
    assert str(RENDERER.inline(text)) == str(REFERENCE.inline(text))


def test_a_toc_marker_still_becomes_the_table_of_contents() -> None:
    text = "[TOC]\n\n## Why it helps\n\nText.\n\n## How long\n\nText."
    html = str(RENDERER.block(text))
    assert html == str(REFERENCE.block(text))
    assert html.startswith('<div class="toc">\n<ul>\n<li><a href="#why-it-helps">Why it helps</a></li>')
    assert [entry["id"] for entry in RENDERER.toc()] == ["why-it-helps", "how-long"]


@pytest.mark.parametrize("path", sorted(ROOT.glob("content/**/*.md")) + sorted(ROOT.glob("tests/site/**/*.md")),
                         ids=lambda path: path.name)
def test_quick_inline_on_every_post_we_ship(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert str(RENDERER.block(text)) == str(REFERENCE.block(text))


@pytest.mark.parametrize("markdown, html", [
    ("a [link](/x 'title') and ![pic](p.png) and <https://a.example/b> and <me@a.example>",
     '<p>a <a href="/x" title="title">link</a> and <img alt="pic" src="p.png"> and '
     '<a href="https://a.example/b">https://a.example/b</a> and <a href="&#109;&#97;&#105;'),
    ("*em* __strong__ `code` \\*not\\* &amp; &copy;", "<p><em>em</em> <strong>strong</strong> <code>code</code> *not* &amp; &copy;</p>"),
    ("It's \"quoted\"... -- fine  \nnext", "<p>It&rsquo;s &ldquo;quoted&rdquo;&hellip; &ndash; fine<br>\nnext</p>"),
])
def test_quick_inline_still_renders_each_kind_of_markup(markdown: str, html: str) -> None:
    assert str(RENDERER.block(markdown)).startswith(html)


def test_paragraph_searches_are_skipped_where_they_cannot_match() -> None:
    quick = [type(block).__name__ for block in RENDERER._md.parser.blockprocessors if block.__dict__.keys() & {"test", "run"}]
    assert sorted(quick) == ["BlockQuoteProcessor", "HRProcessor", "HashHeaderProcessor", "ReferenceProcessor",
                             "SetextHeaderProcessor", "TableProcessor"]
    assert str(RENDERER.block("> quoted\n\n# Title\n\n---\n\n[x]: /y 'Y'\n\nsee [x]")) == (
        '<blockquote>\n<p>quoted</p>\n</blockquote>\n<h2 id="title">Title</h2>\n<hr>\n'
        '<p>see <a href="/y" title="Y">x</a></p>')


def test_every_shipped_pattern_names_what_it_needs() -> None:
    """Each pattern of this configuration is skipped where its text is absent (else no speed-up)."""
    for processor in RENDERER._md.treeprocessors:
        if isinstance(processor, InlineProcessor):
            assert type(processor) is _QuickInline
            needs = [required_text(pattern.getCompiledRegExp()) for pattern in processor.inlinePatterns]
            assert all(needs), needs


@pytest.mark.parametrize("regex, needs", [
    (r"(?<!\!)\[", {"["}), (r"\*|_", {"*", "_"}), (r"(?<!\.)\.{3}(?!\.)", {"..."}), (r"  \n", {"  \n"}),
    (r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", {"://"}), (r"(?i)<b>", None), (r"a?b*", None), (r"[^x]", None),
    (r"x{2,}y", {"xx"}), (r"(?:ab|c)d", {"d"}), (r"(?:ab|cd)", {"ab", "cd"}), (r"(?:ab|c*)", None),
])
def test_required_text_of_a_regex(regex: str, needs: set[str] | None) -> None:
    assert required_text(re.compile(regex)) == (frozenset(needs) if needs is not None else None)
