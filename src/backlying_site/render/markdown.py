"""One configured Python-Markdown instance, reset between posts.

Raw HTML is escaped unless site.yaml turns it on (Hugo's default), and every
rendering goes through urlsafety's filter: a post is health content, and
nothing an author pastes may run in a parent's browser.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from functools import lru_cache
from typing import Any, Callable

import markdown as md
from markdown import blockprocessors, util
from markdown.preprocessors import NormalizeWhitespace
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension, AttrListTreeprocessor
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.smarty import SmartyExtension
from markdown.extensions.tables import TableExtension, TableProcessor
from markdown.extensions import toc
from markdown.extensions.toc import TocExtension, TocTreeprocessor
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


# --- inline patterns, tried only where they can match -----------------------------------------------
#
# Python-Markdown tries each of its ~30 inline patterns (links, emphasis, SmartyPants quotes...) on
# every run of text, a regex search each: over half the time of a post's body. Most patterns need a
# character most text lacks (a "[", a "*", a quote), so each pattern is first asked for the literal
# text every match of it must contain, read from its compiled regex; a run of text without it is
# skipped exactly as a failed search would skip it. A pattern whose regex says nothing certain
# (case-insensitive, say) is always tried, so the HTML is Python-Markdown's to the byte (tested).

try:
    from re import _constants as _sre, _parser as _sre_parse  # the regex parser `re` itself uses
except ImportError:  # pragma: no cover - a Python without them: every pattern is tried
    _sre = _sre_parse = None


def required_text(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains at least one; None if unknown."""
    if _sre_parse is None or pattern.flags & re.IGNORECASE:
        return None
    try:
        return _required(_sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - a regex this reader does not follow is simply always tried
        return None


def _required(items: Any) -> frozenset[str] | None:
    best: frozenset[str] | None = None

    def consider(found: frozenset[str] | None) -> None:
        nonlocal best
        if found and all(found) and (best is None or _rarity(found) > _rarity(best)):
            best = found

    run = ""  # literals in a row: that whole string is in every match
    for op, arg in items:
        if op is _sre.LITERAL:
            run += chr(arg)
            continue
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and arg[0] >= 1 \
                and len(arg[2]) == 1 and arg[2][0][0] is _sre.LITERAL:
            run += chr(arg[2][0][1]) * arg[0]  # "\.{3}" is "..."; more may follow, so the run ends
            if arg[0] == arg[1]:
                continue
        consider(frozenset([run]) if run else None)
        run = ""
        found = None
        if op is _sre.SUBPATTERN:
            found = None if arg[1] & re.IGNORECASE else _required(arg[-1])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            found = _required(arg[2]) if arg[0] >= 1 else None
        elif op is _sre.BRANCH:
            each = [_required(branch) for branch in arg[1]]
            found = None if any(part is None for part in each) else frozenset().union(*each)
        elif op is _sre.ASSERT:  # a lookahead or lookbehind's text is in the string too
            found = _required(arg[1])
        elif op is _sre.IN and all(kind is _sre.LITERAL for kind, _ in arg):
            found = frozenset(chr(code) for _, code in arg)
        consider(found)
    consider(frozenset([run]) if run else None)
    return best


def _rarity(strings: frozenset[str]) -> tuple[int, int]:
    """Punctuation beats letters, longer beats shorter, fewer alternatives beat more."""
    return min(len(s) + 10 * bool(re.search(r"[^\w\s]", s)) for s in strings), -len(strings)


def _contains_any(strings: set[str]) -> Callable[[str], bool]:
    """Whether a text holds one of the strings. One `in` each, shortest first, leaving out a string
    that holds a shorter one ("---" holds "--"): ~2-4x faster than one regex of them all, which
    tries every alternative at every position of a post's ~5 KB."""
    needles: list[str] = []
    for string in sorted(strings, key=lambda s: (len(s), s)):
        if not any(needle in string for needle in needles):
            needles.append(string)

    def contains_any(text: str) -> bool:
        for needle in needles:
            if needle in text:
                return True
        return False
    return contains_any


class _QuickInline(InlineProcessor):
    """Python-Markdown's InlineProcessor, skipping the patterns a text cannot match."""

    _needs: list[frozenset[str] | None] | None = None
    _any: Callable[[str], bool] | None = None
    _holds: list[Callable[[str], bool] | None]

    def _learn(self) -> list[frozenset[str] | None]:
        needs = [required_text(pattern.getCompiledRegExp()) for pattern in self.inlinePatterns]
        if all(needs):
            # A text worth a look: one a pattern may match, or one holding a placeholder of this run
            # (a pattern that made nested elements, emphasis in emphasis, leaves the deeper levels'
            # placeholders to the walk: found by review, `**a *b `c`** d*` lost its code span).
            self._any = _contains_any(set().union(*needs) | {util.INLINE_PLACEHOLDER_PREFIX})
        self._holds = [_contains_any(need) if need else None for need in needs]
        self._needs = needs
        return needs

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        """Python-Markdown's walk (InlineProcessor.run) with one check added: a text or tail in
        which no pattern can match is left as it is. The stock walk takes it out, finds nothing to
        do in it, and puts the same text back (SmartyPants walks every body a second time so:
        ~0.06 ms of a post's ~0.3 ms of Markdown, for a body without a quote or a dash)."""
        self._needs or self._learn()
        if self._any is None:
            return super().run(tree, ancestors)
        worth = self._any
        if not worth("".join(tree.itertext())):  # (the patterns' texts are literals: a match in
            return tree                          # one text or tail is a match in all of them joined)
        handle, place = self._InlineProcessor__handleInline, self._InlineProcessor__processPlaceholders
        self.stashed_nodes: dict[str, etree.Element | str] = {}
        tree_parents = [] if ancestors is None else ancestors[:]
        self.parent_map = {c: p for p in tree.iter() for c in p}
        stack = [(tree, tree_parents)]
        self._InlineProcessor__build_ancestors(tree, tree_parents)
        while stack:
            current, parents = stack.pop(0)
            self.ancestors = parents
            if current is not tree:
                self.ancestors.append(current.tag.lower())
            queue = []
            for child in current:
                if child.text and not isinstance(child.text, util.AtomicString) and worth(child.text):
                    self.ancestors.append(child.tag.lower())
                    text = child.text
                    child.text = None
                    found = place(handle(text), child)
                    for item in found:
                        self.parent_map[item[0]] = child
                    stack += found
                    queue.append((child, found))
                    self.ancestors.pop()
                if child.tail and worth(child.tail):
                    tail = handle(child.tail)
                    dummy = etree.Element("d")
                    child.tail = None
                    tail_result = place(tail, dummy, False)
                    if dummy.tail:
                        child.tail = dummy.tail
                    position = list(current).index(child) + 1
                    tail_result.reverse()
                    for new in tail_result:
                        self.parent_map[new[0]] = current
                        current.insert(position, new[0])
                if len(child):
                    self.parent_map[child] = current
                    stack.append((child, self.ancestors[:]))
            for element, found in queue:
                for i, item in enumerate(found):
                    element.insert(i, item[0])
        return tree

    # Python-Markdown's loop (InlineProcessor.__handleInline) with one check added: a pattern whose
    # required text is absent gets what a failed search gets (next pattern, from the start).
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if isinstance(data, util.AtomicString):
            return data
        self._needs or self._learn()
        if self._any is not None and not self._any(data):
            return data
        apply, holds = self._InlineProcessor__applyPattern, self._holds
        start = 0
        while patternIndex < len(holds):
            wanted = holds[patternIndex]
            if wanted is not None and not wanted(data):
                patternIndex += 1
                start = 0
                continue
            data, matched, start = apply(self.inlinePatterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def _quick_block(processor: Any) -> None:
    """The same for the block processors that search a whole paragraph for a line starting with
    '>', '#', '---' or '[id]:' (a regex search at every offset of it), and the table's, which
    splits it into cells: a paragraph without the text they need gets their answer for no match
    at once."""
    kind = type(processor)
    needs: frozenset[str] | None = None
    if kind in (blockprocessors.BlockQuoteProcessor, blockprocessors.HashHeaderProcessor):
        regex, method = processor.RE, "test"  # test(): bool(RE.search(block))
    elif kind is blockprocessors.HRProcessor:
        regex, method = processor.SEARCH_RE, "test"  # test(): a match kept for run(), else False
    elif kind is blockprocessors.ReferenceProcessor:
        regex, method = processor.RE, "run"  # run(): no match puts the block back, returns False
    elif kind is TableProcessor:  # test() splits every block into rows and cells: a table has a "|"
        regex, method, needs = None, "test", frozenset({"|"})
    elif kind is blockprocessors.SetextHeaderProcessor:  # a line, then one of '=' or '-' under it
        regex, method, needs = None, "test", frozenset({"\n=", "\n-"})
    else:
        return
    needs = needs or required_text(regex)
    if not needs:
        return
    original, holds = getattr(processor, method), _contains_any(needs)
    if method == "test":
        def quick(parent: etree.Element, block: str) -> bool:
            return holds(block) and original(parent, block)
    else:
        def quick(parent: etree.Element, blocks: list[str]) -> bool:
            return holds(blocks[0]) and original(parent, blocks)
    setattr(processor, method, quick)  # on the instance: del it and the class's own method is back


class _QuickToc(TocTreeprocessor):
    """The toc extension, minus what nobody reads: it also builds the table of contents as HTML
    (``md.toc``, never used here: pages get ``toc_tokens``) and walks the whole tree's text for a
    ``[TOC]`` marker, ~0.02 ms of a post's ~0.4. Both are done as before when the source has the
    marker's letters; without them no element's text can be the marker (tested against stock)."""

    wanted = True  # set by MarkdownRenderer for each source

    def build_toc_div(self, toc_list: list) -> etree.Element:
        return super().build_toc_div(toc_list) if self.wanted else etree.Element("div")

    def replace_marker(self, root: etree.Element, elem: etree.Element) -> None:
        if self.wanted:
            super().replace_marker(root, elem)

    def run(self, doc: etree.Element) -> None:
        """TocTreeprocessor.run in one walk of the tree, not two, and without the table's HTML
        (``md.toc`` is the empty table stock makes when it is not wanted). Stock's own run when
        the table is wanted, or headings get anchors or permalinks."""
        if self.wanted or self.use_anchors or self.use_permalinks not in (False, None):
            super().run(doc)
            return
        used_ids, headings, heading = set(), [], self.header_rgx.match
        for el in doc.iter():
            if "id" in el.attrib:
                used_ids.add(el.attrib["id"])
            if isinstance(el.tag, str) and heading(el.tag):
                headings.append(el)
        id_counters: dict[str, int] = {}
        tokens = []
        for el in headings:  # (stock's loop, for these elements)
            self.set_level(el)
            inner = toc.render_inner_html(toc.remove_fnrefs(el), self.md)
            name = toc.strip_tags(inner)
            if "id" not in el.attrib:
                el.attrib["id"] = toc.unique(self.slugify(html.unescape(name), self.sep), used_ids, id_counters)
            label = ""
            if "data-toc-label" in el.attrib:
                label = toc.run_postprocessors(toc.unescape(el.attrib["data-toc-label"]), self.md)
                name = toc.escape_cdata(toc.strip_tags(label))
                del el.attrib["data-toc-label"]
            level = int(el.tag[-1])
            if self.toc_top <= level <= self.toc_bottom:
                tokens.append({"level": level, "id": toc.unescape(el.attrib["id"]), "name": name, "html": inner,
                               "data-toc-label": label})
        self.md.toc_tokens = toc.nest_toc_tokens(tokens)
        if self._empty is None:
            empty = self.md.serializer(self.build_toc_div([]))
            for processor in self.md.postprocessors:
                empty = processor.run(empty)
            self._empty = empty
        self.md.toc = self._empty

    _empty: str | None = None


class _QuickAttrList(AttrListTreeprocessor):
    """attr_list's walk of every element, skipped where the source has no "{" (every attribute list
    is written in braces, and nothing else puts a brace in the text)."""

    wanted = True  # set by MarkdownRenderer for each source

    def run(self, doc: etree.Element) -> None:
        if self.wanted:
            super().run(doc)


class _QuickWhitespace(NormalizeWhitespace):
    """Python-Markdown's NormalizeWhitespace (the same steps), with its search for lines of only
    spaces made where there can be one: a lookbehind regex over the whole text was ~30 µs of a
    post's ~400 (tested against stock), and each replacement where its character is."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        # Each step only where its character is there: a search is ~0.1 us, a replace that finds
        # nothing or expandtabs without a tab ~2-5 us each over a 5 KB post.
        if util.STX in source or util.ETX in source:
            source = source.replace(util.STX, "").replace(util.ETX, "")
        if "\r" in source:
            source = source.replace("\r\n", "\n").replace("\r", "\n")
        source += "\n\n"
        if "\t" in source:
            source = source.expandtabs(self.md.tab_length)
        if " \n" in source:
            source = re.sub(r"(?<=\n) +\n", "\n", source)
        return source.split("\n")


class _SortedOnce(util.Registry):
    """A Registry that keeps its items in order between changes: Python-Markdown sorts and lists
    them again each time one is iterated, which its block parser does for every block."""

    def __iter__(self) -> Any:
        items = self.__dict__.get("_in_order")
        if items is None:
            items = self.__dict__["_in_order"] = list(super().__iter__())
        return iter(items)

    def register(self, item: Any, name: str, priority: float) -> None:
        self.__dict__.pop("_in_order", None)
        super().register(item, name, priority)

    def deregister(self, name: str, strict: bool = True) -> None:
        self.__dict__.pop("_in_order", None)
        super().deregister(name, strict)


class _SafeMarkdown(Extension):
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
        for processor in m.treeprocessors:  # the core's and SmartyPants' (each has its own patterns)
            if type(processor) is InlineProcessor:
                processor.__class__ = _QuickInline
            elif type(processor) is TocTreeprocessor:
                processor.__class__ = _QuickToc
            elif type(processor) is AttrListTreeprocessor:
                processor.__class__ = _QuickAttrList
        for processor in m.preprocessors:
            if type(processor) is NormalizeWhitespace:
                processor.__class__ = _QuickWhitespace
        for block in m.parser.blockprocessors:
            _quick_block(block)
        for registry in (m.preprocessors, m.parser.blockprocessors, m.treeprocessors, m.postprocessors):
            if type(registry) is util.Registry:
                registry.__class__ = _SortedOnce


# Words, digits and quiet punctuation render to themselves: no Markdown, SmartyPants or
# escaping applies. Anything else goes through Python-Markdown (a test compares the two).
_PLAIN = re.compile(r"^[^\W_][^\W_ ,.;:()?%/+°–—’]*(?: [^\W_ ,.;:()?%/+°–—’]*)*$".replace(
    "[^\\W_ ,.;:()?%/+°–—’]", "[\\w,.;:()?%/+°–—’]"))
# Plain words may still be Markdown: "a_b" (emphasis), "..." (an ellipsis), "https://" (a link),
# "1." or "1)" first (a list), or an end that is not a word, ".", ")", "?" or "%".
_NUMBERED = re.compile(r"\d+[.)]")


def is_plain_text(source: str) -> bool:
    # (Asked ~10 times a post page: plain string tests, where one regex of five alternatives tried
    # at every offset took 4 us.)
    if not _PLAIN.match(source) or "_" in source or ".." in source or "://" in source:
        return False
    last = source[-1]  # _PLAIN matched: there is one, and no newline
    return (last.isalnum() or last in ".)?%") and not _NUMBERED.match(source)


def escape_plain(source: str) -> str:
    return source


# What a source needs for its HTML to hold something urlsafety cuts: a scheme's colon (or a character
# reference that makes one), an attribute list, raw HTML, or a protocol-relative address.
_MAY_BE_CUT = re.compile(r"[:&{<\\]|//")


class MarkdownRenderer:
    """Render block and inline Markdown; one instance per build (or per worker process)."""

    def __init__(self, raw_html: bool = False) -> None:
        self.raw_html = raw_html
        self._md = md.Markdown(extensions=[*extensions(), _SafeMarkdown(raw_html)], output_format="html")
        self._toc, self._attr_list = self._md.treeprocessors["toc"], self._md.treeprocessors["attr_list"]
        self._crowded = self._md.treeprocessors["crowded_text_as_is"]

    def block(self, source: str) -> Markup:
        return Markup(self._made_safe(self._convert(source), "<" in source))

    def _convert(self, source: str) -> str:
        """Python-Markdown's HTML, before urlsafety's filter."""
        self._md.reset()
        self._toc.wanted = "TOC" in source  # the marker is TocExtension's default, "[TOC]"
        self._attr_list.wanted = "{" in source
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

    def inline(self, source: str) -> Markup:
        """One paragraph's worth of Markdown without the surrounding <p>."""
        if is_plain_text(source):
            return Markup(escape_plain(source))  # same bytes as Python-Markdown, 100x faster
        return self._inline(source)

    @lru_cache(maxsize=4096)  # noqa: B019 - one renderer per build; benefits and steps repeat
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
