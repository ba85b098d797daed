"""Which addresses and attributes a rendered page may carry, judged as the browser reads them (issue 18).

Python-Markdown keeps character references in the attributes it writes and the browser decodes them
afterwards: ``[x](&#106;avascript:...)`` is a ``javascript:`` link. So every Markdown rendering is
checked here, after serialization, on the HTML the browser gets: each attribute's value is decoded
and stripped as a browser does before it resolves an address, and only the offending attributes are
cut out; the rest of the HTML stays byte for byte as Python-Markdown wrote it. Raw HTML, where a
site allows it, is first put through nh3 (the Ammonia sanitizer, an HTML5 parser): a hand-made
filter would have to agree with the browser's tokenizer on every malformed tag.

Policy: links (``href``, ``action``...) may be relative or use http, https, mailto or tel. Addresses
that a browser fetches by itself when the page opens (``src``, ``srcset``, ``poster``...) must be
relative: a picture from another host tells that host who reads a health guide. Event handlers
(``on*``), ``style`` and ``srcdoc`` are always dropped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Followed only when the reader acts (clicks, submits): any safe scheme, or a relative address.
LINK_ATTRIBUTES = frozenset({"href", "xlink:href", "action", "formaction", "cite", "longdesc", "usemap",
                             "itemid", "itemtype", "profile"})
# Fetched by the browser as the page opens (or, for ping, behind the reader's back): relative only.
LOAD_ATTRIBUTES = frozenset({"src", "srcset", "imagesrcset", "poster", "data", "background", "lowsrc",
                             "dynsrc", "ping", "attributionsrc", "codebase", "archive", "classid",
                             "manifest", "icon"})
LIST_ATTRIBUTES = frozenset({"srcset", "imagesrcset", "ping", "attributionsrc", "archive"})  # many URLs each
SCRIPT_ATTRIBUTES = frozenset({"style", "srcdoc"})  # plus every on* event handler
_SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript"})

# What raw HTML may keep (raw_html: true): nh3's default tags (text, lists, tables, pictures,
# links; no script, style, frames, forms, objects, SVG, base or meta) and their attributes, plus the
# ones Markdown's own elements carry.
_GENERIC_ATTRIBUTES = {"id", "class", "title", "lang", "dir"}
_EXTRA_ATTRIBUTES = {"a": {"title"}, "img": {"title", "loading", "decoding"}, "ol": {"reversed", "type"}}


@dataclass(frozen=True)
class Dropped:
    """An attribute or element cut out of a page, with what to tell the author."""

    written: str  # as it stands in the HTML (to find the author's line)
    message: str
    tag: str = ""  # the element it was cut from (or the element cut)


def browser_url(written: str) -> str:
    """The address a browser resolves from an attribute value as written in HTML: character
    references decoded, then ASCII tab, CR and LF removed anywhere, C0 controls and spaces at either
    end stripped (the WHATWG URL parser's first steps)."""
    return _as_resolved(html.unescape(written))


def is_safe_url(written: str) -> bool:
    """Whether a link with this (HTML-written) address is relative or of a safe scheme."""
    return _link_reason(browser_url(written)) is None


_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_LIST_SEPARATOR = re.compile(r"[\t\n\f\r ,]+")


def _as_resolved(decoded: str) -> str:
    return _TAB_OR_NEWLINE.sub("", decoded).strip(_C0_OR_SPACE)


def url_scheme(url: str) -> str | None:
    """The scheme of a resolved address in lower case, or None for a relative one."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def _link_reason(url: str) -> str | None:
    scheme = url_scheme(url)
    if scheme is None or scheme in SAFE_SCHEMES:
        return None
    fix = "link to a page instead (https://... or a path in the guide)"
    if scheme in _SCRIPT_SCHEMES:
        return f"a {scheme}: address runs script in the reader's browser; {fix}"
    if scheme == "data":
        return f"a data: address can hold a whole page with script in it; {fix}"
    return f"{scheme}: addresses are not allowed; use https:, http:, mailto:, tel: or a path in the guide"


def _load_reason(url: str) -> str | None:
    reason = _link_reason(url)
    if reason is None and (url_scheme(url) or url[:2].replace("\\", "/") == "//"):
        reason = ("the browser would fetch it from another site as the page opens, which tells that site "
                  "who reads the guide; save the file beside the post and give its relative path")
    return reason


def attribute_problem(name: str, decoded: str | None) -> str | None:
    """Why the attribute ``name`` with this (decoded) value must not reach a page, or None. An
    attribute without a value is harmless: an empty handler, style or address does nothing."""
    if decoded is None:
        return None
    name = name.lower()
    if name.startswith("on") or name in SCRIPT_ATTRIBUTES:
        return ("event handlers, inline styles and srcdoc could run script or disguise the page; remove it "
                "from the attribute list")
    if name in LINK_ATTRIBUTES:
        return _link_reason(_as_resolved(decoded))
    if name in LOAD_ATTRIBUTES:
        urls = _LIST_SEPARATOR.split(decoded) if name in LIST_ATTRIBUTES else [decoded]
        return next(filter(None, (_load_reason(_as_resolved(url)) for url in urls)), None)
    return None


# --- the filter over rendered HTML ------------------------------------------------------------------
#
# A page is parsed only when it may hold an offending attribute, which two scans of C speed tell
# (a regex tried at every offset of a page cost more than Python-Markdown's own work on it):
# - every "=" whose value, as a browser's tokenizer would read it, is not plainly a relative address
#   (or an http(s), mailto or tel one right after "href") is looked at: its name, the run of
#   characters before it, and its value decide;
# - a name that is an event handler, style or srcdoc, right before a "=", is searched for in the
#   reversed page, where such a name comes right after the "=" (a literal the regex engine jumps to).
# Both find more than the attributes of tags (text, other attributes' values): never fewer.

_WHITESPACE = "\t\n\f\r "  # HTML's, as its tokenizer splits a tag
_WS = "\\t\\n\\f\\r "  # the same, inside a regex's brackets
_SEPARATORS = _WS + "/\"'=>"  # around a name; '<' is in it, as the tokenizer reads '<a onclick<a=x>'
_PLAIN = r"[A-Za-z0-9_\-.~%+!$*,;@()]"  # no ':', '&', slash, backslash, whitespace or quote


def _relative(end: str) -> str:
    """A value that plainly has no scheme and names no other host, then ``end``."""
    return rf"(?:[#?]|\.{{0,2}}/(?![/\\])|{_PLAIN}++(?={end}|[/?#]))"


_PLAINLY_SAFE = rf"""[{_WS}]*+(?:"(?:{_relative('"')}|")|'(?:{_relative("'")}|')|{_relative(f"[{_WS}>]|$")})"""
_UNSURE = re.compile(rf"=(?!{_PLAINLY_SAFE})"
                     r"""(?:(?<![hH][rR][eE][fF]=)|(?!["']?+(?:https?://|mailto:|tel:)))""")
_SCRIPT_NAME_REVERSED = re.compile(rf"=[{_WS}]*+(?:(?i:elyts|codcrs)(?![^{_SEPARATORS}])"  # style, srcdoc
                                   rf"|[^{_SEPARATORS}]++(?<=[nN][oO]))")  # a name that starts with "on"
_NAME_END = re.compile(rf"[^{_SEPARATORS}]{{1,64}}\Z")
_VALUE = re.compile(rf"""[{_WS}]*+("[^"]*+"|'[^']*+'|[^{_WS}>]*+)""")


def _may_offend(page: str) -> bool:
    if "=" not in page:
        return False
    if _SCRIPT_NAME_REVERSED.search(page[::-1]):
        return True
    return any(_offends_at(page, match.start()) for match in _UNSURE.finditer(page))


def _offends_at(page: str, at: int) -> bool:
    """Whether the "=" at ``at`` gives an offending value to the name before it. (A name of more
    than 64 characters is none that a browser acts on.)"""
    name = _NAME_END.search(page[max(0, at - 80):at].rstrip(_WHITESPACE))
    value = _VALUE.match(page, at + 1).group(1)  # type: ignore[union-attr] - it matches an empty value too
    return name is not None and attribute_problem(name.group(), _unquoted(value)) is not None


def _unquoted(written: str) -> str:
    return html.unescape(_unquoted_raw(written))


def safe_html(page: str) -> str:
    """``page`` without its offending attributes (itself when it has none: the common case)."""
    return drop_unsafe(page)[0] if _may_offend(page) else page


def drop_unsafe(page: str) -> tuple[str, list[Dropped]]:
    """``page`` without its offending attributes, and what was cut out."""
    cuts: list[tuple[int, int]] = []
    dropped: list[Dropped] = []
    for offset, tag, text in _start_tags(page):
        for start, end, name, written in _attributes(text):
            reason = attribute_problem(name, None if written is None else _unquoted(written))
            if reason:
                cuts.append((offset + start, offset + end))
                shown = name if written is None else _unquoted_raw(written)
                dropped.append(Dropped(shown, _message(tag, name.lower(), shown, reason), tag))
    if not cuts:
        return page, dropped
    kept, at = [], 0
    for start, end in cuts:
        kept.append(page[at:start])
        at = end
    kept.append(page[at:])
    return "".join(kept), dropped


def _message(tag: str, name: str, written: str, reason: str) -> str:
    if name.startswith("on") or name in SCRIPT_ATTRIBUTES:
        return f"the attribute '{name}' of <{tag}> is removed from the page: {reason}"
    shown = _shorten(browser_url(written))
    what = {("a", "href"): "the link to", ("img", "src"): "the picture at"}.get((tag, name),
                                                                             f"the {name} address of <{tag}>,")
    return f"{what} '{shown}' is removed from the page: {reason}"


def _unquoted_raw(written: str) -> str:
    return written[1:-1] if written[:1] in "\"'" and len(written) > 1 else written


def _shorten(text: str, limit: int = 60) -> str:
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _StartTags(HTMLParser):
    """Each start tag's place, name and text, as an HTML5 tokenizer finds them in serializer output."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", page)]
        self.found: list[tuple[int, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        line, column = self.getpos()
        self.found.append((self.line_starts[line - 1] + column, tag, self.get_starttag_text() or ""))

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """``<![word[`` that is not CDATA: a bogus comment up to the next ">", as in a browser
        (html.parser raises AssertionError there)."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i)
            return end + 1 if end >= 0 else -1


def _start_tags(page: str) -> list[tuple[int, str, str]]:
    parser = _StartTags(page)
    parser.feed(page)
    parser.close()
    return parser.found


_TAG_NAME = re.compile(r"<[^\t\n\f\r />]*")
_ATTRIBUTE = re.compile(r"[\t\n\f\r /]*+([^\t\n\f\r />][^\t\n\f\r />=]*+)"
                        r"""(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+("[^"]*+"|'[^']*+'|[^\t\n\f\r >]*+))?""")


def _attributes(tag: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, name, value as written) of each attribute of a start tag's text; a span starts
    at the whitespace before the name, so cutting it leaves what the serializer writes without it."""
    found = []
    at = _TAG_NAME.match(tag).end()  # type: ignore[union-attr] - the parser found a tag here
    while (match := _ATTRIBUTE.match(tag, at)) is not None:
        found.append((match.start(), match.end(), match.group(1), match.group(2)))
        at = match.end()
    return found


# --- raw HTML (raw_html: true) -----------------------------------------------------------------------

def clean_raw_html(page: str) -> str:
    """``page`` through nh3: only the allowed tags and attributes, safe link schemes, no comments."""
    import nh3  # here: a site without raw HTML never loads it (~3 ms)

    return nh3.clean(page, attributes=_raw_html_attributes(), link_rel=None, url_schemes=set(SAFE_SCHEMES),
                     generic_attribute_prefixes={"data-", "aria-"})


@lru_cache(maxsize=1)
def _raw_html_attributes() -> dict[str, set[str]]:
    import nh3

    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, names in _EXTRA_ATTRIBUTES.items():
        attributes.setdefault(tag, set()).update(names)
    attributes["*"] = set(_GENERIC_ATTRIBUTES)
    return attributes


def raw_html_removed(page: str) -> list[Dropped]:
    """The elements of raw HTML that clean_raw_html takes out (each kind once), for `check`."""
    import nh3

    tags = dict.fromkeys(tag for _, tag, _ in _start_tags(page) if tag not in nh3.ALLOWED_TAGS)
    return [Dropped(f"<{tag}", f"the raw HTML element <{tag}> is removed from the page: only text, "
                    "lists, tables, pictures and links are kept (no script, style, frame, form, object, "
                    "SVG, base or meta element)", tag) for tag in tags]
