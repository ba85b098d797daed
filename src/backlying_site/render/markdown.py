"""One configured Python-Markdown instance, reset between posts.

Raw HTML is escaped unless site.yaml turns it on (Hugo's default), and every
rendering goes through urlsafety's filter: a post is health content, and
nothing an author pastes may run in a parent's browser. What a parent reads is
stock Python-Markdown's HTML, byte for byte: the speed-up of the inline loop and
the shortcuts past it (plain text, marked words) change no byte, each compared
with stock by the tests, on the releases the speed-up is gated to (issue 19).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from functools import lru_cache
from typing import Any

import markdown as md
from markdown import util
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.inlinepatterns import Pattern
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markupsafe import Markup

from .urlsafety import Dropped, clean_raw_html, drop_unsafe, raw_html_removed, safe_html


def extensions() -> list[Extension]:
    """Python-Markdown's own extensions, made here: named by string ("toc"), Markdown looks each up
    among every installed package's entry points, ~25 ms per process, a twentieth of a rebuild."""
    return [TocExtension(permalink=False), AttrListExtension(), TableExtension(),
            SmartyExtension(smart_angled_quotes=False), SaneListExtension()]


# Python-Markdown finds each link's closing bracket by a scan of its whole text (a paragraph, item or
# cell), made again after every link it replaces: n links cost n times the text's length (5,000
# links in one paragraph took 37 s; issue 18). A text with more than this many "[" is left as plain
# text, so a post costs at most ~30 us a character, linear in its size; `check` warns well below it
# (lint.CROWDED_LINKS). Making the scan linear would mean replacing Python-Markdown's link parser.
MAX_LINKS_PER_TEXT = 100


class _CrowdedTextAsIs(Treeprocessor):
    """Before the inline patterns: a paragraph (or item, cell...) with more than MAX_LINKS_PER_TEXT
    brackets is kept as its plain text, escaped, instead of being searched for links."""

    crowded = True  # whether the source has that many "[" at all (set by MarkdownRenderer)

    def run(self, root: etree.Element) -> None:
        for element in root.iter() if self.crowded else ():
            if element.text and element.text.count("[") > MAX_LINKS_PER_TEXT:
                element.text = util.AtomicString(element.text)


class _NoSecondH1(Treeprocessor):
    """The page title is the only h1: a '# Heading' in a body becomes an h2."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter("h1"):
            element.tag = "h2"


class SafeMarkdown(Extension):
    """What a page may show: raw HTML as text (unless the site allows it), no second h1, no link
    search in a crowded text. The speed-ups below come on top of this and change nothing."""

    def __init__(self, raw_html: bool) -> None:
        super().__init__()
        self.raw_html = raw_html

    def extendMarkdown(self, m: md.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        if not self.raw_html:
            # Without these, "<script>" is ordinary text and the serializer escapes it.
            m.preprocessors.deregister("html_block")
            m.inlinePatterns.deregister("html")
        m.treeprocessors.register(_CrowdedTextAsIs(m), "crowded_text_as_is", 25)  # the inline ones are 20
        m.treeprocessors.register(_NoSecondH1(m), "no_second_h1", 30)


# --- speed-up: each text is searched only by the inline patterns that can match in it ---------------
#
# Python-Markdown tries each of its ~30 inline patterns (links, emphasis, SmartyPants quotes...) on
# every text, one call of its loop each: most of a post's Markdown time. A pattern's regex needs a
# string most texts lack (a "[", a "*", a quote). Before an inline processor walks a tree, the
# patterns whose string is nowhere in the tree's text are left out of its list for that walk (the
# public `inlinePatterns` registry, which SmartyPants sets itself); Python-Markdown's own loop runs
# on the rest, and a pattern that cannot match changes nothing. Only regexes known to the character;
# any other pattern, or a release outside the tested range, and the processor runs as it comes.

# pyproject.toml's range for markdown: Python-Markdown's own test suite runs with this speed-up on the
# installed release and on the oldest allowed (tests/test_markdown_upstream.py, test_markdown_oldest.py).
TESTED_RELEASES = ((3, 6), (3, 12))

# The regexes of the inline patterns of our extensions in Python-Markdown 3.6 to 3.11.4, each with
# the strings one of which every match of it holds (tests/test_markdown.py checks each).
_NEEDLES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("`",): (r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)(`+)(.+?)(?<!`)\2(?!`))",  # code spans, to 3.10
             r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)"),
    ("\\",): (r"\\(.)",),
    ("[",): (r"(?<!\!)\[",),  # links and references
    ("![",): (r"\!\[",),  # pictures
    ("<",): (r"<((?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]*)>", r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>",  # autolinks
             r"<([^<> !]+@[^@<> ]+)>",  # e-mail autolinks, then raw HTML (raw_html: true) in three versions
             r"(<(\/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--(?:(?!<!--|-->).)*--)>)",
             r"(<(\/?[a-zA-Z][^<>@ ]*( [^<>]*)?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|"
             r"!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)",
             r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+"""
             r"""\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|"""
             r"!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)"),
    ("  \n",): (r"  \n",),  # a line break
    ("&",): (r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)",),
    ("*", "_"): (r"((^|(?<=\s))(\*{1,3}|_{1,3})(?=\s|$))", r"\*|_"),  # emphasis, to 3.11 and since 3.11.1
    ("*",): (r"\*",),
    ("_",): (r"_",),
    ("---",): (r"(?<!-)---(?!-)",),  # SmartyPants from here on
    ("--",): (r"(?<!-)--(?!-)",),
    ("...",): (r"(?<!\.)\.{3}(?!\.)",),
    ("'",): (r"""^'(?=[!"#\$\%'()*+,-.\/:;<=>?\@\[\\\]\^_`{|}~]\B)""", r"(?<!\w)'(?=\d{2}s)",
             r"(\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)'(?=\w)",
             r"(?<=[^\ \t\r\n\[\{\(\-\u0002\u0003])'(?!\s|s\b|\d)", r"'(\s|s\b)", r"'"),
    ('"',): (r"""^"(?=[!"#\$\%'()*+,-.\/:;<=>?\@\[\\\]\^_`{|}~]\B)""",
             r'(\s|&nbsp;|--|–|—|&[mn]dash;|&#8211;|&#8212;)"(?=\w)', r'"(?=\s)',
             r'(?<=[^\ \t\r\n\[\{\(\-\u0002\u0003])"', r'"'),
    ("\"'",): (r""""'(?=\w)""", r"""(?<=[^\ \t\r\n\[\{\(\-\u0002\u0003])\"'"""),
    ("'\"",): (r"""'"(?=\w)""", r'(?<=[^\ \t\r\n\[\{\(\-\u0002\u0003])\'"'),
}
_NEEDLES_OF_REGEX = {regex: needles for needles, regexes in _NEEDLES.items() for regex in regexes}
_PATTERN_FLAGS = re.DOTALL | re.UNICODE  # how Python-Markdown compiles each pattern


def is_tested_release(version: tuple[Any, ...]) -> bool:
    return TESTED_RELEASES[0] <= tuple(version[:2]) < TESTED_RELEASES[1]


def speed_up(m: md.Markdown) -> int:
    """Speed up a Markdown instance once its extensions are registered; how many processors it sped up."""
    if not is_tested_release(md.__version_info__):
        return 0
    inline = [p for p in m.treeprocessors if type(p) is InlineProcessor]  # the core's, SmartyPants'
    for processor in inline:
        _search_with_present_patterns(processor)
    return len(inline)


def needles_of(pattern: Any) -> tuple[str, ...] | None:
    """The strings one of which every match of an inline pattern holds; None if not known."""
    if type(pattern).getCompiledRegExp is not Pattern.getCompiledRegExp:
        return None  # its own way of searching (found by Python-Markdown's tests: a recording proxy)
    regex = pattern.getCompiledRegExp()
    known = isinstance(regex, re.Pattern) and regex.flags == _PATTERN_FLAGS
    return _NEEDLES_OF_REGEX.get(regex.pattern) if known else None


def _search_with_present_patterns(processor: InlineProcessor) -> None:
    stock_run = processor.run
    known: dict[tuple[Any, ...], _PatternChoice | None] = {}

    def run(tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        every = processor.inlinePatterns
        patterns = tuple(every)
        if patterns not in known:
            known[patterns] = _PatternChoice.of(patterns)
        choice = known[patterns]
        if choice is None:
            return stock_run(tree, ancestors)
        processor.inlinePatterns = choice.present_in(_every_text(tree))
        try:
            return stock_run(tree, ancestors)
        finally:
            processor.inlinePatterns = every
    processor.run = run  # type: ignore[method-assign] - on the instance: del it and stock's is back


def _every_text(tree: etree.Element) -> str:
    """Each text and tail in the tree, of any kind of element: all that the inline loop may search
    (ElementTree's own itertext leaves out a comment's text in its Python version)."""
    return "".join(text for element in tree.iter() for text in (element.text, element.tail) if text)


class _PatternChoice:
    """The patterns of one registry that a text can match, in the registry's order."""

    def __init__(self, patterns: tuple[Any, ...], needles: list[tuple[str, ...]]) -> None:
        self.patterns, self.needles = patterns, needles
        self.strings = sorted(set().union(*needles))
        self.registries: dict[frozenset[str], util.Registry] = {}  # at most one per subset of strings

    @classmethod
    def of(cls, patterns: tuple[Any, ...]) -> _PatternChoice | None:
        needles = [needles_of(pattern) for pattern in patterns]
        return None if None in needles else cls(patterns, needles)  # type: ignore[arg-type]

    def present_in(self, text: str) -> util.Registry:
        present = frozenset(string for string in self.strings if string in text)
        if present not in self.registries:
            self.registries[present] = _in_order(tuple(
                pattern for pattern, needles in zip(self.patterns, self.needles) if not present.isdisjoint(needles)))
        return self.registries[present]


def _in_order(patterns: tuple[Any, ...]) -> util.Registry:
    """A registry of these patterns in this order (the loop reads only the order)."""
    registry: util.Registry = util.Registry()
    for rank, pattern in enumerate(patterns):
        registry.register(pattern, f"kept-{rank}", len(patterns) - rank)
    return registry


# Words, digits and quiet punctuation render to themselves: no Markdown, SmartyPants or
# escaping applies. Anything else goes through Python-Markdown (a test compares the two).
_PLAIN = re.compile(r"^[^\W_][^\W_ ,.;:()?%/+°–—’]*(?: [^\W_ ,.;:()?%/+°–—’]*)*$".replace(
    "[^\\W_ ,.;:()?%/+°–—’]", "[\\w,.;:()?%/+°–—’]"))
# Plain words may still be Markdown: "a_b" (emphasis), "..." (an ellipsis), "https://" (a link),
# "1." or "1)" first (a list), or an end that is not a word, ".", ")", "?" or "%".
_NUMBERED = re.compile(r"\d+[.)]")


def is_plain_text(source: str) -> bool:
    # String tests after one anchored regex: asked ~10 times a post page.
    if not _PLAIN.match(source) or "_" in source or ".." in source or "://" in source:
        return False
    last = source[-1]  # _PLAIN matched: there is one, and no newline
    return (last.isalnum() or last in ".)?%") and not _NUMBERED.match(source)


# An apostrophe between two letters ("baby's", "don't"): SmartyPants makes each a right single quote,
# whatever stands around the word. Most front-matter texts that are not plain are plain but for these.
_APOSTROPHE = re.compile(r"'(?<=[^\W\d_]')(?=[^\W\d_])")


# "**a few words**" and '"a few words"' among plain words, the marks the shipped posts' short texts
# use: each mark opens after the text's edge or a space, before a word, and closes after a word (or,
# for strong, a stop), before the edge, a space or a stop. A strong span may hold quoted words; a
# quoted span holds no marker and no apostrophe (SmartyPants then takes its closing quote for an opening one).
# A line's end inside a paragraph counts as a space (Python-Markdown's rules read both as whitespace).
_STRONG_SPAN = re.compile(r"\*\*(?<![^ \n]\*\*)(?=[^\W_])[^*]*?(?<=[^\W_]|[.?)])\*\*(?=$|[ \n.,;:?)])")
_QUOTED_SPAN = re.compile(r""""(?<![^ \n]")(?=[^\W_])[^"*']*?(?<=[^\W_])"(?=$|[ \n.,;:?)])""")
# A link to a plain address (another post, a page of the site, a site elsewhere: no "//" host without
# its scheme), as the shipped bodies write them: after the edge or a space, before the edge, a space or
# a stop, its text marked words too. Every such address passes urlsafety's filter as it is.
_LINK = re.compile(r"\[(?<![^ \n]\[)([^\[\]\n]+)\]\(((?:\.\./|/(?!/)|https?://(?=[A-Za-z0-9]))[A-Za-z0-9._~/#-]*)\)"
                   r"(?=$|[ \n.,;:?])")
_LINE_BREAK = " \n"  # any space before a line's end: two make a line break (<br>), so none is taken
_STAND_IN = "\u01c2"  # a letter (ǂ) that stands for a link while the words around it are read


def marked_words(source: str, wrapped: bool = False) -> str | None:
    """The HTML of a text that is plain but for apostrophes inside words, **strong** and "quoted"
    words and [links](/to/a/plain/address); None for any other. ``wrapped``: the text of a paragraph
    already parsed, whose lines may end inside it (a whole document's line ends may start blocks)."""
    if "\n" in source and (not wrapped or _LINE_BREAK in source):
        return None
    links: list[str | None] = []
    if "[" in source:
        if _STAND_IN in source:
            return None
        source = _LINK.sub(lambda link: _link_stand_in(link, links), source)
        if None in links:
            return None
    strong, quoted, apostrophes = "**" in source, '"' in source, "'" in source  # (a pass only for a mark it holds)
    bare = _STRONG_SPAN.sub(lambda span: span.group()[2:-2], source) if strong else source
    bare = _QUOTED_SPAN.sub(lambda span: span.group()[1:-1], bare) if quoted else bare
    if apostrophes:
        if "'" in _APOSTROPHE.sub("a", source):
            return None
        bare = _APOSTROPHE.sub("a", bare)
    if not is_plain_text(bare.replace("\n", " ") if wrapped else bare):
        return None  # (plain: so no other "*", '"' or "[" is left either)
    html = _STRONG_SPAN.sub(lambda span: f"<strong>{span.group()[2:-2]}</strong>", source) if strong else source
    html = _QUOTED_SPAN.sub(lambda span: f"&ldquo;{span.group()[1:-1]}&rdquo;", html) if quoted else html
    html = html.replace("'", "&rsquo;") if apostrophes else html
    for number, link in enumerate(links):
        html = html.replace(f"{_STAND_IN}{number}{_STAND_IN}", link or "")  # (none is None: checked above)
    return html


def _link_stand_in(link: re.Match[str], links: list[str | None]) -> str:
    """A word standing for the link while the text around it is read; its HTML kept (None if its text
    is not marked words), as Python-Markdown writes it: the text read on its own, the address as is."""
    text = link.group(1)
    html = text if is_plain_text(text) else marked_words(text)
    links.append(None if html is None else f'<a href="{link.group(2)}">{html}</a>')
    return f"{_STAND_IN}{len(links) - 1}{_STAND_IN}"


class _MarkedTextAsHtml(Treeprocessor):
    """Before the inline patterns: a paragraph or list item whose whole text is marked words gets its
    HTML now, stashed as raw HTML is (the inline loops skip it; RawHtmlPostprocessor puts it back, and
    would drop the <p> around HTML that starts with a block-level tag: this HTML starts with a word,
    <strong>, <a> or a quote). Most of a body's paragraphs; each was a walk of ~30 inline patterns."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            text = element.text
            if element.tag in ("p", "li") and text and len(element) == 0 and type(text) is str:
                html = marked_words(text, wrapped=True) if not is_plain_text(text) else text
                if html is not None:
                    element.text = util.AtomicString(text if html == text else self.md.htmlStash.store(html))


# What a source needs for its HTML to hold something urlsafety cuts: a scheme's colon (or a character
# reference that makes one), an attribute list, raw HTML, or a protocol-relative address.
_MAY_BE_CUT = re.compile(r"[:&{<\\]|//")


class MarkdownRenderer:
    """Render block and inline Markdown; one instance per build (or per worker process)."""

    def __init__(self, raw_html: bool = False) -> None:
        self.raw_html = raw_html
        self._md = md.Markdown(extensions=[*extensions(), SafeMarkdown(raw_html)], output_format="html")
        if speed_up(self._md):  # (the same releases: the shortcut's tests run on the oldest and newest)
            self._md.treeprocessors.register(_MarkedTextAsHtml(self._md), "marked_text_as_html", 21)
        self._crowded = self._md.treeprocessors["crowded_text_as_is"]

    def block(self, source: str) -> Markup:
        return Markup(self._made_safe(self._convert(source), "<" in source))

    def _convert(self, source: str) -> str:
        """Python-Markdown's HTML, before urlsafety's filter."""
        self._md.reset()
        self._crowded.crowded = source.count("[") > MAX_LINKS_PER_TEXT
        return self._md.convert(source)

    def _made_safe(self, html: str, may_hold_raw_html: bool) -> str:
        """Raw HTML through nh3 (only a source with a "<" can hold any: without one, the serializer
        wrote every tag), then every attribute through urlsafety's filter."""
        return safe_html(clean_raw_html(html) if self.raw_html and may_hold_raw_html else html)

    def dropped(self, source: str) -> list[Dropped]:
        """What ``block(source)`` cuts out of Python-Markdown's HTML, for `check` to tell (raw HTML
        as html.parser reads it: the page itself is cut as nh3, an HTML5 parser, reads it)."""
        if not _MAY_BE_CUT.search(source):
            return []
        html = self._convert(source)
        removed = raw_html_removed(html) if self.raw_html and "<" in source else []
        gone = {dropped.tag for dropped in removed}  # an element cut whole: its attributes go unsaid
        return removed + [dropped for dropped in drop_unsafe(html)[1] if dropped.tag not in gone]

    @lru_cache(maxsize=64)  # noqa: B019 - the site's disclaimer, the same on every post
    def repeated_block(self, source: str) -> Markup:
        """A block that many pages share: rendered once. (No table of contents kept: see toc.)"""
        toc = getattr(self._md, "toc_tokens", None)
        html = self.block(source)
        if toc is not None:
            self._md.toc_tokens = toc
        return html

    @lru_cache(maxsize=8192)  # noqa: B019 - one renderer per build; a third of the texts repeat (steps: JSON-LD, page)
    def inline(self, source: str) -> Markup:
        """One paragraph's worth of Markdown without the surrounding <p>."""
        if is_plain_text(source):
            return Markup(source)  # plain text is its own HTML: same bytes as Python-Markdown
        html = marked_words(source)
        if html is None:
            return self._inline(source)
        return Markup(self._made_safe(html, False) if "<a " in html else html)  # as block() filters its links

    def _inline(self, source: str) -> Markup:
        html = str(self.block(source))
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return Markup(html)

    def toc(self) -> list[dict]:
        """The headings of the last block rendered (for an 'on this page' list); each entry's
        "html" filtered as the body is (a heading may hold a link)."""
        return [self._safe_entry(entry) for entry in getattr(self._md, "toc_tokens", [])]

    def _safe_entry(self, entry: dict) -> dict:
        return {**entry, "html": self._made_safe(entry["html"], "<" in entry["html"]),
                "children": [self._safe_entry(child) for child in entry["children"]]}
