"""Stock Python-Markdown as MarkdownRenderer configures it, without any speed-up: the same
extensions, the same safety processors, and urlsafety's filter (and nh3, with raw HTML) applied to
its output. What every rendering of ours must equal, byte for byte (issue 19). As in the renderer,
nh3 sees only HTML whose source has a "<" (it writes entities as characters, so it is not a no-op)."""

from __future__ import annotations

import markdown

from backlying_site.render.markdown import SafeMarkdown, extensions
from backlying_site.render.urlsafety import clean_raw_html, safe_html


class StockRenderer:
    def __init__(self, raw_html: bool = False) -> None:
        self.raw_html = raw_html
        self.md = markdown.Markdown(extensions=[*extensions(), SafeMarkdown(raw_html)], output_format="html")

    def block(self, source: str) -> str:
        self.md.reset()
        return self.filtered(self.md.convert(source), "<" in source)

    def filtered(self, html: str, may_hold_raw_html: bool) -> str:
        return safe_html(clean_raw_html(html) if self.raw_html and may_hold_raw_html else html)

    def inline(self, source: str) -> str:
        """A lone paragraph's content; anything else as it is."""
        html = self.block(source)
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            return html[3:-4]
        return html

    def toc(self) -> list[dict]:
        """The last block's headings, each entry's HTML filtered as the body is."""
        return [self._entry(entry) for entry in self.md.toc_tokens]  # type: ignore[attr-defined]

    def _entry(self, entry: dict) -> dict:
        return {**entry, "html": self.filtered(entry["html"], "<" in entry["html"]),
                "children": [self._entry(child) for child in entry["children"]]}
