"""Links between posts, written the way authors and their editors write them (issue 22).

A link to another post's file (``../tummy-time/index.md``, ``tummy-time.md``, ``posts/tummy-time.md``)
becomes that post's address; a link from the site's root (``/tummy-time/``) gets the site's base
path, so it works when the guide lives under a sub-path. Every link of a published post must reach
a page or file of the site: one that does not is an error at its line, with the post it most likely
means; one to a post not published yet is a warning.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from html import escape as html_escape, unescape as html_unescape
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote, urljoin, urlsplit

from ..errors import Problem
from ..model import Post
from .pages import address, post_path
from .urlsafety import browser_url

# A link in Markdown source: [text](address "title"), [name]: address, <scheme:...>; code left out.
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`]*`")
_LINKS = [
    # <address>, or an address with balanced parentheses (a Wikipedia page's "Palsy_(disorder)")
    re.compile(r"(?<!!)\[[^\]]*\]\(\s*(?:<([^>\n]*)>|((?:[^()\s]|\([^()\s]*\))*))"),
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)"),
    re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]+)>"),
]
_HREF = re.compile(r'(<a\s[^>]*?\bhref=")([^"]*)(")')
_FIX = "link to another post by its file ('../tummy-time/index.md') or its address ('../tummy-time/')"


def markdown_links(source: str) -> Iterator[tuple[int, str]]:
    """(line offset, address) of every link in Markdown source, code left out."""
    fenced = False
    for offset, line in enumerate(source.split("\n")):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        line = _CODE_SPAN.sub("", line)
        for pattern in _LINKS:
            for match in pattern.finditer(line):
                yield offset, next(group for group in match.groups() if group is not None)


@dataclass(frozen=True)
class LinkMap:
    """What links may reach: every post file (published or not) and every output path."""

    base_url: str
    base_path: str
    posts: dict[str, Post]  # site-relative file path -> post, in every language, drafts included
    published: dict[str, str]  # site-relative file path -> its page's output path
    outputs: frozenset[str]  # every output path of this build (pages, pictures, static files...)
    unpublished: dict[str, Post]  # slug -> the first post (by file path) with that slug not published

    def post_file(self, href: str, source: str) -> str | None:
        """The post file a ``.md`` link written in ``source`` names: beside it, then from content/."""
        target = unquote(urlsplit(href).path)
        if not target.endswith(".md"):
            return None
        folder = PurePosixPath(source).parent
        for base in (folder.as_posix(), "content/posts", "content", ""):
            candidate = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
            if candidate in self.posts:
                return candidate
        return None

    def rewritten(self, href: str, source: str) -> str | None:
        """The address the page should link to instead of ``href``, or None to keep it."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            return None
        file = self.post_file(href, source)
        if file is not None:
            path = self.published.get(file)
            if path is None:
                return None  # a draft: said at build time, left as written
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            return self.base_path + address(path) + fragment
        if href.startswith("/") and not href.startswith("//") and self.base_path != "/" \
                and not href.startswith(self.base_path):
            return self.base_path + href.lstrip("/")
        return None

    def problem(self, href: str, post: Post, page: str) -> tuple[str, str] | None:
        """(severity, message) when ``href``, on ``post``'s page at output path ``page``, reaches
        nothing the site has; None when it does or leaves for another site."""
        try:
            parts = urlsplit(href)
        except ValueError:  # a '[' or ']' that holds no IPv6 host: no browser can follow it
            return "error", (f"links to '{href}', which browsers cannot read: '[' and ']' belong only around "
                             "an IPv6 address; write the address as the site gives it")
        if (parts.scheme or parts.netloc) and not href.startswith(self.base_url):
            return None  # another site, mailto:, tel:
        if not parts.path:
            return None  # '#section' on the same page
        file = self.post_file(href, post.path)
        if file is not None:
            if file in self.published:
                return None
            return "warning", (f"links to '{href}', which is not published yet (a draft or a future date): "
                               "the link leads nowhere until it is")
        target = self.target(self.rewritten(href, post.path) or href, page)
        inside = target.startswith(self.base_path)
        rel = target[len(self.base_path):] if inside else target.lstrip("/")
        if inside and (rel in self.outputs or rel + "index.html" in self.outputs
                       or rel.rstrip("/") + "/index.html" in self.outputs):
            return None
        draft = self.unpublished_slug(rel)
        if draft is not None:
            return "warning", (f"links to '{href}', the address of {draft.path}, which is not published yet "
                               "(a draft or a future date): the link leads nowhere until it is")
        guess = self.guess(rel, post)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        if not inside:
            return "error", f"links to '{href}', which leaves the site's address {self.base_url}{hint}; {_FIX}"
        segment = rel.strip("/")
        folders = {output.split("/")[0] for output in self.outputs if "/" in output}
        if segment and "/" not in segment and "." not in segment and segment not in folders:
            return "error", (f"links to '{href}', but no published post has the slug '{segment}'{hint}; check "
                             "the address, or remove the link until that post is published")
        return "error", f"links to '{href}', which is not a page of the site{hint}; {_FIX}"

    def target(self, href: str, page: str) -> str:
        """The path a browser on ``page`` goes to for ``href``."""
        page_url = "https://site.invalid" + self.base_path + address(page)
        return unquote(urlsplit(urljoin(page_url, href)).path)

    def unpublished_slug(self, rel: str) -> Post | None:
        segment = rel.strip("/").split("/")[-1] if rel.strip("/") else ""
        return self.unpublished.get(segment)

    def guess(self, rel: str, post: Post) -> str | None:
        """The post a broken link most likely means, as a link to write: a slug in its path, else a
        near spelling of one (its own language's posts first)."""
        slugs = {p.slug: path for file, path in self.published.items() if (p := self.posts[file])}
        segments = [PurePosixPath(s).stem if s.endswith((".md", ".html")) else s for s in rel.split("/") if s]
        segments = [s for s in segments if s not in ("index", post.slug)]
        for segment in reversed(segments):
            if segment in slugs:
                return f"../{segment}/"
        close = difflib.get_close_matches(segments[-1], list(slugs), n=1, cutoff=0.75) if segments else []
        return f"../{close[0]}/" if close else None


def link_map(base_url: str, base_path: str, posts: Iterable[Post], published: Iterable[Post],
             outputs: Iterable[str], prefixes: dict[str, str]) -> LinkMap:
    """``prefixes``: each post's language folder by its file path ('' for the default language)."""
    shown = {post.path: prefixes.get(post.path, "") + post_path(post.slug) for post in published}
    by_file = {post.path: post for post in posts}
    unpublished: dict[str, Post] = {}
    for file, post in sorted(by_file.items()):
        if file not in shown:
            unpublished.setdefault(post.slug, post)
    return LinkMap(base_url, base_path, by_file, shown, frozenset(outputs), unpublished)


def rewrite_links(html: str, links: LinkMap, source: str, record: Callable[[Any], None]) -> str:
    """``html`` with each link an author wrote by file or from the root made the address it means.
    Where a link to a post's file leads is recorded as the page's read (it depends on that post)."""
    if ".md" not in html and (links.base_path == "/" or 'href="/' not in html):
        return html

    def replace(match: re.Match[str]) -> str:
        href = html_unescape(match.group(2))
        found = links.rewritten(href, source)
        if links.post_file(href, source) is not None or urlsplit(href).path.endswith(".md"):
            record(("link", href, source))
        return match.group(0) if found is None else match.group(1) + html_escape(found) + match.group(3)
    return _HREF.sub(replace, html)


def post_link_problems(post: Post, page: str, links: LinkMap) -> list[Problem]:
    """Every link of a post's Markdown (body and fields) that reaches nothing, at its line."""
    problems = []
    for where, source in _fields_with_links(post):
        for offset, href in markdown_links(source):
            found = links.problem(browser_url(href), post, page)
            if found is not None:
                line = post.body_line + offset if not where else post.line_of(*where)  # a field: its first line
                problems.append(Problem(post.path, line, _field_name(where), found[1], severity=found[0]))  # type: ignore
    return problems


def _fields_with_links(post: Post) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(where it is in the front matter, its Markdown) of each Markdown field that may hold a link (no
    link is written without a "[" or a "<", _LINKS); the body's place is (), its lines count inside it.
    Asked for every post on every build: most fields are left out here, in one test each."""
    if "[" in post.body or "<" in post.body:
        yield (), post.body
    for i, step in enumerate(post.steps):
        if "[" in step.text or "<" in step.text:
            yield ("steps", i, "text"), step.text
    for name in ("benefits", "helps_with", "play_ideas", "precautions", "emergency_signs"):
        for i, text in enumerate(getattr(post, name)):
            if "[" in text or "<" in text:
                yield (name, i), text
    note, disclaimer = post.note.body if post.note else "", post.disclaimer or ""
    if "[" in note or "<" in note:
        yield ("note", "body"), note
    if "[" in disclaimer or "<" in disclaimer:
        yield ("disclaimer",), disclaimer


def _field_name(where: tuple[str | int, ...]) -> str:
    """As a problem names it: "" (the body), "steps[2].text", "benefits[1]", "note.body"."""
    return "".join(f"[{part + 1}]" if isinstance(part, int) else f".{part}" if index else part
                   for index, part in enumerate(where))
