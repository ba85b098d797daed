"""Markdown rendering: each fast path gives exactly what stock Python-Markdown gives (issue 19)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import markdown
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from markdown.treeprocessors import InlineProcessor
from stock_markdown import StockRenderer

from backlying_site.render.markdown import (_NEEDLES_OF_REGEX, _PLAIN, TESTED_RELEASES, MarkdownRenderer,
                                            is_plain_text, is_tested_release, needles_of,
                                            marked_words)

ROOT = Path(__file__).resolve().parent.parent

RENDERER = MarkdownRenderer()
REFERENCE = StockRenderer()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_plain_text_fast_path_matches_python_markdown(text: str) -> None:
    if is_plain_text(text):
        assert str(RENDERER.inline(text)) == REFERENCE.inline(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab c,;:()?0123456789.-'\"*_#\n", max_size=40))
def test_fast_path_on_text_close_to_markdown(text: str) -> None:
    if is_plain_text(text):
        assert str(RENDERER.inline(text)) == REFERENCE.inline(text)


# Words of several scripts (a title-case letter, Arabic digits) joined by apostrophes and what may
# stand around one: SmartyPants' single-quote rules look at both neighbours.
_AROUND_APOSTROPHES = st.text(alphabet="abszéßΩǅ1٣_ ,.;:()?%/+°–—’\"'*-\n", max_size=30)
_WORDS_WITH_APOSTROPHES = st.lists(st.tuples(st.text(alphabet="asétΩǅ1٣", min_size=1, max_size=5),
                                             st.sampled_from(["'", "'", "'", " ", ", ", "1", "٣"])),
                                   min_size=1, max_size=6).map(lambda words: "".join(w + s for w, s in words) + "a")


def test_apostrophe_fast_path_takes_only_apostrophes_inside_words() -> None:
    assert marked_words("Your baby's legs, don't rock'n'roll.") == \
        "Your baby&rsquo;s legs, don&rsquo;t rock&rsquo;n&rsquo;roll."
    assert marked_words("l'été d'Ω") == "l&rsquo;été d&rsquo;Ω"
    for other in ["'90s babies", "a 'quoted' word", "babies' legs", "2'3 x", "a'1", "a_b's"]:
        assert marked_words(other) is None, other


# Words with strong and quote marks and what may stand around one: where a mark opens and closes
# decides whether Python-Markdown makes it strong, or SmartyPants curls the quotes.
_AROUND_MARKS = st.text(alphabet="ab é1_ ,.;:()?%'\"*-\n", max_size=30)
_LETTERS = st.text(alphabet="asétΩ1٣", min_size=1, max_size=4)
_WORD = st.tuples(_LETTERS, st.sampled_from(["", "", "", "", "'", "'", "_", "*", "' ", '"']), _LETTERS).map(
    lambda parts: parts[0] + parts[1] + parts[2] if parts[1] else parts[0])
_WORDS_WITH_MARKS = st.lists(  # (words, a mark or none, a stop inside or after the marks, what joins the next)
    st.tuples(st.lists(_WORD, min_size=1, max_size=3).map(" ".join), st.sampled_from(["", "**", '"']),
              st.sampled_from(["", "", "", ".", ",", "?", ")", ";"]), st.sampled_from(["in", "out"]),
              st.sampled_from([" "] * 12 + [", "] * 3 + ["", "  ", " (", "*", "-", '"'])),
    min_size=1, max_size=5).map(lambda parts: "".join(
        (f"{mark}{w}{stop}{mark}" if where == "in" else f"{mark}{w}{mark}{stop}") + join
        for w, mark, stop, where, join in parts).strip())
# As the shipped posts write them: plain words, some strong or quoted (quoted words inside strong
# ones too), a stop at the end or not.
_PLAIN_WORDS = st.lists(st.one_of(_LETTERS, st.lists(st.text(alphabet="asétΩ", min_size=1, max_size=3),
                                                     min_size=2, max_size=3).map("'".join)),
                        min_size=1, max_size=3).map(" ".join)
_SENTENCES_WITH_MARKS = st.tuples(
    st.lists(st.tuples(_PLAIN_WORDS, st.sampled_from(["", "", "**", '"', "nested"])), min_size=1, max_size=5),
    st.sampled_from(["", ".", "?", "**.", '".'])).map(lambda spans: " ".join(
        f'**{w} "{w}" {w}**' if mark == "nested" else f"{mark}{w}{mark}" for w, mark in spans[0]) + spans[1])


@settings(max_examples=2300, deadline=None)
@given(st.one_of(_AROUND_APOSTROPHES, _WORDS_WITH_APOSTROPHES, _AROUND_MARKS, _WORDS_WITH_MARKS,
                 _SENTENCES_WITH_MARKS))
def test_marked_words_fast_path_matches_python_markdown(text: str) -> None:
    html = marked_words(text)
    if html is not None:
        assert html == REFERENCE.inline(text)
        assert str(RENDERER.inline(text)) == html


def test_marked_words_fast_path_takes_the_shipped_posts_marks_and_nothing_else() -> None:
    assert marked_words("Sit on the **floor or a bed**, with **your baby's** head up.") == \
        "Sit on the <strong>floor or a bed</strong>, with <strong>your baby&rsquo;s</strong> head up."
    assert marked_words("**Stop** if it hurts.") == "<strong>Stop</strong> if it hurts."
    assert marked_words('Hum "row, row" and **say "hi" now**.') == \
        "Hum &ldquo;row, row&rdquo; and <strong>say &ldquo;hi&rdquo; now</strong>."
    assert marked_words("plain words") == "plain words"  # (inline asks is_plain_text first)
    for other in ["x**b**", "**b**c", "**baby**'s", "** a**", "**a **b** c**", "*a* **b**",
                  "***a***", "**a_b**", "**1.** step", "**a** [b](c)", "a **b**-c", '**a** "b', 'a"b"',
                  '"**a**"', 'a "x **y**" b', '"a"b', '" a"', "a 'b' c"]:
        assert marked_words(other) is None, other


# Links among marked words, as the shipped bodies write them, and what may stand around one: the
# address plain or not, a picture's "!", a stop, an apostrophe, a mark or a bracket next to it.
_ADDRESSES = st.sampled_from(["../exercise-01234/", "/age/", "https://x.test/a/b", "http://x.test", "../a_b/",
                              "/a#b", "/", "p.png", "https://x.test/?a=1&b=2", "/a(b)", "../p/ 'T'", "", "<c>",
                              "javascript:x", "/a b", "//evil.test/x", "///x", "http://", "https:///x"])
_LINK_TEXTS = st.one_of(_PLAIN_WORDS, _SENTENCES_WITH_MARKS, st.sampled_from(["", " a", "a ", "a:", "[a]", "a\nb"]))
_LINKS = st.tuples(st.sampled_from(["", "", "", "!"]), _LINK_TEXTS, _ADDRESSES).map(lambda t: f"{t[0]}[{t[1]}]({t[2]})")
_JOINS = st.sampled_from([" "] * 10 + ["\n"] * 4 + [", ", ". ", "? ", "'s ", "'t ", "'", '" ', "** ", "", "\n\n",
                                                      " \n", "  \n", "\n  ", " (", ") ", "*", " ["])
_IN_SPANS = st.tuples(st.sampled_from(["**", '"']), _PLAIN_WORDS, _LINKS, st.sampled_from(["", " a", ".", " a."])).map(
    lambda t: f"{t[0]}{t[1]} {t[2]}{t[3]}{t[0]}")  # a link in a strong or quoted span: Python-Markdown agrees
_WITH_LINKS = st.lists(st.tuples(st.one_of(_PLAIN_WORDS, _SENTENCES_WITH_MARKS, _LINKS, _LINKS, _IN_SPANS), _JOINS),
                       min_size=1, max_size=6).map(lambda parts: "".join(text + join for text, join in parts).strip(" "))


@settings(max_examples=1500, deadline=None)
@given(_WITH_LINKS)
def test_marked_words_with_links_match_python_markdown(text: str) -> None:
    html = marked_words(text)
    if html is not None:
        assert html == REFERENCE.inline(text)
        assert str(RENDERER.inline(text)) == html


# Bodies: paragraphs with their lines wrapped, lists and headings made of the texts above.
_BODY_BLOCKS = st.one_of(_WITH_LINKS, _WITH_LINKS, _WITH_LINKS.map(lambda text: f"- {text}\n- {text}"),
                         _PLAIN_WORDS.map(lambda words: f"## {words}"), _WITH_LINKS.map(lambda text: f"1. {text}"))
_BODIES = st.lists(_BODY_BLOCKS, min_size=1, max_size=4).map("\n\n".join)


@settings(max_examples=1500, deadline=None)
@given(_BODIES)
def test_paragraphs_and_items_of_marked_words_render_as_stock(body: str) -> None:
    assert str(RENDERER.block(body)) == REFERENCE.block(body)
    assert RENDERER.toc() == REFERENCE.toc()


def test_marked_words_take_links_to_plain_addresses_and_wrapped_lines() -> None:
    assert marked_words("Lie [your baby's legs](../back-lying/) up, see [the **guide**](https://x.test/a).") == \
        'Lie <a href="../back-lying/">your baby&rsquo;s legs</a> up, see <a href="https://x.test/a">the ' \
        '<strong>guide</strong></a>.'
    wrapped = "Babies with **cerebral palsy** often have\ntight [hamstrings](/tags/legs/): the muscles."
    assert marked_words(wrapped) is None  # a whole document's line ends may start a block
    assert marked_words(wrapped, wrapped=True) == \
        'Babies with <strong>cerebral palsy</strong> often have\ntight <a href="/tags/legs/">hamstrings</a>: the muscles.'
    assert marked_words('**See [this](/a) first**, "or [that](/b) now"') == \
        '<strong>See <a href="/a">this</a> first</strong>, &ldquo;or <a href="/b">that</a> now&rdquo;'
    for other in ["[a](/b)'t", '"[b](/c)"', "x[a](/b)", "[a](/b)c", "[a:](/b)", "[a](/b?c=d)",
                  "![a](/b)", "[a](p.png)", "[a](/b 'T')", "a [b] c", "[a](/b)*", "[a\u01c2](/b)", "[ a](/b)",
                  "[a](//evil.test/x)", "[a](http://)"]:
        assert marked_words(other) is None and marked_words(other, wrapped=True) is None, other
    assert marked_words("a  \nb", wrapped=True) is None  # a line break


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@pytest.mark.parametrize("wrong", ["link text unread", "anything after a link", "line breaks"])
def test_the_comparison_finds_a_shortcut_that_takes_too_much(wrong: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each rule of the link shortcut is needed: without it, the bodies above differ from stock."""
    import backlying_site.render.markdown as ours
    if wrong == "link text unread":  # (the text was read as a whole: "[**a**](/b)" kept its stars)
        monkeypatch.setattr(ours, "_link_stand_in", lambda link, links: (
            links.append(f'<a href="{link.group(2)}">{link.group(1)}</a>'), f"\u01c2{len(links) - 1}\u01c2")[1])
    elif wrong == "anything after a link":
        monkeypatch.setattr(ours, "_LINK", re.compile(ours._LINK.pattern.replace("(?=$|[ \\n.,;:?])", "")))
    else:
        monkeypatch.setattr(ours, "_LINE_BREAK", "\x00never\x00")
    broken = MarkdownRenderer()
    find(_BODIES, lambda body: str(broken.block(body)) != REFERENCE.block(body),  # (derandomized: the same
         settings=settings(max_examples=3000, database=None, derandomize=True))  # examples each run, never flaky)


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


# --- the same HTML as stock Python-Markdown ----------------------------------------------------------


@pytest.mark.parametrize("text", ["Text\n{: #why-it-helps }\n\n## Why it helps",
                                  "###### Six\n\n# One\n\n## Two\n\n##### Five",
                                  "## Same\n\n## Same\n\n## Same",
                                  '## Long title {: data-toc-label="Short &amp; <b>bold</b>" }',
                                  "## A &amp; B *c* `d` [e](/f)", "## Kept {: #mine }\n\n## mine"])
def test_headings_get_the_ids_and_table_entries_python_markdown_gives(text: str) -> None:
    assert str(RENDERER.block(text)) == REFERENCE.block(text)
    assert RENDERER.toc() == REFERENCE.toc() and RENDERER.toc()


@pytest.mark.parametrize("text", ["a\x02klzzwxh:0\x03 *b*", "\x02\x03", "x\r\ny\rz *w*", "\tcode\n\n\ta\tb",
                                  "line  \n  \n\x03next", "tab\t\nbreak"])
def test_whitespace_is_normalised_as_python_markdown_does(text: str) -> None:
    assert str(RENDERER.block(text)) == REFERENCE.block(text)


@pytest.mark.parametrize("text", ["**a *b `c`** d*", "*a **b [l](/x)* d**", "*Hold **then *[release](/r)** slowly*",
                                  "**a *b `c` it's** d*", "_a __b <https://x.test/>__ c_ &amp; d"])
def test_emphasis_in_emphasis_keeps_what_it_holds(text: str) -> None:
    """Found by review: a pattern that makes nested elements leaves their placeholders to the walk."""
    html = str(RENDERER.block(text))
    assert html == REFERENCE.block(text) and "\x02" not in html
    assert str(RENDERER.inline(text)) == REFERENCE.inline(text)


def test_a_toc_marker_still_becomes_the_table_of_contents() -> None:
    text = "[TOC]\n\n## Why it helps\n\nText.\n\n## How long\n\nText."
    html = str(RENDERER.block(text))
    assert html == REFERENCE.block(text)
    assert html.startswith('<div class="toc">\n<ul>\n<li><a href="#why-it-helps">Why it helps</a></li>')
    assert [entry["id"] for entry in RENDERER.toc()] == ["why-it-helps", "how-long"]


@pytest.mark.parametrize("path", sorted(ROOT.glob("content/**/*.md")) + sorted(ROOT.glob("tests/site/**/*.md")),
                         ids=lambda path: path.name)
def test_every_post_we_ship_renders_as_stock(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert str(RENDERER.block(text)) == REFERENCE.block(text)


@pytest.mark.parametrize("markdown, html", [
    ("a [link](/x 'A title') and ![pic](p.png) and <https://a.example/b> and <me@a.example>",
     '<p>a <a href="/x" title="A title">link</a> and <img alt="pic" src="p.png"> and '
     '<a href="https://a.example/b">https://a.example/b</a> and <a href="&#109;&#97;&#105;'),
    ("*em* __strong__ `code` \\*not\\* &amp; &copy;", "<p><em>em</em> <strong>strong</strong> <code>code</code> *not* &amp; &copy;</p>"),
    ("It's \"quoted\"... -- fine  \nnext", "<p>It&rsquo;s &ldquo;quoted&rdquo;&hellip; &ndash; fine<br>\nnext</p>"),
    ("> quoted\n\n# Title\n\n---\n\n[x]: /y 'Y'\n\nsee [x]", '<blockquote>\n<p>quoted</p>\n</blockquote>\n'
     '<h2 id="title">Title</h2>\n<hr>\n<p>see <a href="/y" title="Y">x</a></p>'),
])
def test_each_kind_of_markup_still_renders(markdown: str, html: str) -> None:
    assert str(RENDERER.block(markdown)).startswith(html)


# --- the speed-up: patterns tried only where their text is, on the releases it is tested on -----------

def test_the_speed_up_is_on_for_every_release_pyproject_allows() -> None:
    """TESTED_RELEASES is pyproject.toml's range for markdown, and the installed release is in it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [spec] = [d for d in pyproject["project"]["dependencies"] if d.startswith("markdown")]
    low, high = TESTED_RELEASES
    bounds = {clause for clause in spec.removeprefix("markdown").split(",") if not clause.startswith("!=")}
    assert bounds == {f">={low[0]}.{low[1]}", f"<{high[0]}.{high[1]}"}  # (a release left out is stock's bug)
    assert is_tested_release(markdown.__version_info__), (
        f"Python-Markdown {markdown.__version__} is outside the range its speed-up is tested on, so it runs "
        f"stock; test it (tests/test_markdown_upstream.py), then widen pyproject.toml and TESTED_RELEASES")


# Releases pyproject.toml leaves out, each for a bug of stock Python-Markdown that a post can meet.
LEFT_OUT = {
    "3.8.2": "HANGS",  # raw HTML comments and character references: see HANGS below
    "3.9": "HANGS",
    "3.10": "HANGS",  # and on 'a <!-- --!> b' alone
    "3.11.3": "raises TypeError on '## More {: id }' (fixed in 3.11.4)",
}
# Four paragraphs of the safety tests' texts on which Python-Markdown 3.8.2, 3.9 and 3.10 loop for ever,
# their memory growing (its HTML comment handling; upstream issues #1554, #1578, fixed in 3.10.1).
HANGS = ("[a](&#X6a;avascript:alert(1))\n\n[b](&#106avascript:alert(1))\n\n"
         'c<meta http-equiv="refresh" content="0;url=javascript:alert(1)">\n\nd<!-- --!><img src=x> -->')


def test_pyproject_leaves_out_the_releases_with_known_bugs() -> None:
    from packaging.specifiers import SpecifierSet
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [spec] = [d for d in pyproject["project"]["dependencies"] if d.startswith("markdown")]
    allowed = SpecifierSet(spec.removeprefix("markdown"))
    assert [release for release in LEFT_OUT if release in allowed] == []
    assert "3.10.1" in allowed and "3.8.1" in allowed and "3.11.4" in allowed


@pytest.mark.parametrize("raw_html", [False, True])
def test_raw_html_comments_that_hang_some_releases_render_here(raw_html: bool) -> None:
    """On the installed release (and the oldest allowed: test_markdown_oldest.py) this ends, in under a second."""
    import signal

    def stuck(*_: object) -> None:
        raise TimeoutError(f"Python-Markdown {markdown.__version__} hangs on HANGS: leave it out in pyproject.toml")
    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(10)
    try:
        html = str(MarkdownRenderer(raw_html=raw_html).block(HANGS))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert html.count("<p>") >= 3 and html.startswith("<p><a>a</a></p>")  # the script link cut, the rest kept
    assert not re.search(r"""(href|src)=["']?\s*javascript""", html, re.IGNORECASE)


@pytest.mark.parametrize("version, tested", [((3, 5, 2), False), ((3, 6, 0), True), ((3, 11, 4), True),
                                             ((3, 12, 0), False), ((4, 0), False)])
def test_other_releases_run_stock(version: tuple[int, ...], tested: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markdown, "__version_info__", version)
    processors = MarkdownRenderer()._md.treeprocessors
    assert is_tested_release(version) is tested
    assert [("run" in p.__dict__) for p in processors if type(p) is InlineProcessor] == [tested, tested]


@pytest.mark.parametrize("raw_html", [False, True])
def test_every_pattern_of_our_configuration_names_what_it_needs(raw_html: bool) -> None:
    """On this release every inline pattern is known, else its processor runs stock (correct, slower)."""
    for processor in MarkdownRenderer(raw_html)._md.treeprocessors:
        if type(processor) is InlineProcessor:
            assert all(needles_of(pattern) for pattern in processor.inlinePatterns)


def test_a_pattern_searching_its_own_way_is_not_known() -> None:
    """Found by Python-Markdown's own tests: a pattern whose getCompiledRegExp is its own makes its
    processor run stock."""
    from markdown.inlinepatterns import SimpleTextInlineProcessor

    class Recording(SimpleTextInlineProcessor):
        def getCompiledRegExp(self) -> object:  # noqa: N802 - Python-Markdown's name
            return object()
    assert needles_of(Recording(r"x")) is None and needles_of(SimpleTextInlineProcessor(r"\\(.)")) == ("\\",)


NEAR_MISSES = "ab s2 \n\t-.'\"*_`\\[]!<>:/&;#{}()\x02\x03–—"


@pytest.mark.parametrize("regex", sorted(_NEEDLES_OF_REGEX))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_text_without_a_patterns_needle_has_no_match(regex: str, data: st.DataObject) -> None:
    """Each listed regex finds nothing in a text that holds none of its strings (made of the
    characters that matter to it, with each needle's characters but never a whole needle)."""
    needles = _NEEDLES_OF_REGEX[regex]
    text = data.draw(st.text(alphabet=NEAR_MISSES + "".join(needles) + "mdashnbsp", max_size=30)
                     .filter(lambda t: not any(n in t for n in needles)))
    assert re.compile(regex, re.DOTALL | re.UNICODE).search(text) is None
