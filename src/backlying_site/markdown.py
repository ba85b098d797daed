"""One configured Python-Markdown instance, reset between posts.

Raw HTML is escaped unless site.yaml turns it on (Hugo's default), and link or
image addresses with a script scheme (``javascript:``) are dropped: a post is
health content, and nothing an author pastes may run in a parent's browser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from functools import lru_cache

import markdown as md
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

EXTENSIONS = ["toc", "attr_list", "tables", "smarty", "sane_lists"]
EXTENSION_CONFIGS = {
    "toc": {"permalink": False},
    "smarty": {"smart_angled_quotes": False},
}
_SAFE_URL = re.compile(r"^(?:https?:|mailto:|tel:|#|/|\.|[^:/?#]+(?:[/?#]|$))", re.IGNORECASE)
_UNSAFE_ATTRS = re.compile(r"^on", re.IGNORECASE)


class _SafeLinks(Treeprocessor):
    """Drop script URLs and event-handler attributes (attr_list would accept {onclick=...})."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in list(element.attrib):
                value = element.attrib[name]
                if _UNSAFE_ATTRS.match(name) or name == "style":
                    del element.attrib[name]
                elif name in ("href", "src") and not _SAFE_URL.match(value.strip()):
                    del element.attrib[name]


class _NoSecondH1(Treeprocessor):
    """The page title is the only h1: a '# Heading' in a body becomes an h2."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter("h1"):
            element.tag = "h2"


class _SafeMarkdown(Extension):
    def __init__(self, raw_html: bool) -> None:
        super().__init__()
        self.raw_html = raw_html

    def extendMarkdown(self, m: md.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        if not self.raw_html:
            # Without these, "<script>" is ordinary text and the serializer escapes it.
            m.preprocessors.deregister("html_block")
            m.inlinePatterns.deregister("html")
        m.treeprocessors.register(_SafeLinks(m), "safe_links", 0)
        m.treeprocessors.register(_NoSecondH1(m), "no_second_h1", 30)


# Words, digits and quiet punctuation render to themselves: no Markdown, SmartyPants or
# escaping applies. Anything else goes through Python-Markdown (a test compares the two).
_PLAIN = re.compile(r"^[^\W_][^\W_ ,.;:()?%/+°–—’]*(?: [^\W_ ,.;:()?%/+°–—’]*)*$".replace(
    "[^\\W_ ,.;:()?%/+°–—’]", "[\\w,.;:()?%/+°–—’]"))
_NOT_PLAIN = re.compile(r"_|\.\.|://|^\d+[.)]|[^.)?%\w]$")


def is_plain_text(source: str) -> bool:
    return bool(_PLAIN.match(source)) and not _NOT_PLAIN.search(source)


def escape_plain(source: str) -> str:
    return source


class MarkdownRenderer:
    """Render block and inline Markdown; one instance per build (or per worker process)."""

    def __init__(self, raw_html: bool = False) -> None:
        self._md = md.Markdown(extensions=[*EXTENSIONS, _SafeMarkdown(raw_html)],
                               extension_configs=EXTENSION_CONFIGS, output_format="html")

    def block(self, source: str) -> Markup:
        self._md.reset()
        return Markup(self._md.convert(source))

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
        """The headings of the last block rendered (for an 'on this page' list)."""
        return list(getattr(self._md, "toc_tokens", []))
