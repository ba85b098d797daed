"""The content model: what a post, a step, an author and the site are.

Frozen, typed dataclasses; templates see these, never raw YAML dicts. Every
string that came from an author is plain text (escaped by the templates) or
Markdown source (rendered in one place, ``markdown.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any


class Lines:
    """The line of every front-matter key path of a post, as one string (a dict of tuples would be
    dozens of objects a post, kept and pickled for every post of a site of thousands)."""

    __slots__ = ("_text",)

    def __init__(self, lines: dict[tuple[str | int, ...], int] | None = None) -> None:
        # One "path<TAB>line" row each; a path's repr has no newline or tab of its own (escaped).
        self._text = "".join([f"{_repr(path)}\t{line}\n" for path, line in (lines or {}).items()])

    def get(self, path: tuple[str | int, ...]) -> int | None:
        needle = f"{_repr(path)}\t"
        at = -1
        while True:
            at = self._text.find(needle, at + 1)
            if at < 0:
                return None
            if at == 0 or self._text[at - 1] == "\n":
                end = self._text.index("\n", at)
                return int(self._text[at + len(needle):end])

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self.get(path) is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lines) and self._text == other._text

    def __hash__(self) -> int:
        return hash(self._text)

    def __getstate__(self) -> str:
        return self._text

    def __setstate__(self, text: str) -> None:
        self._text = text


_REPRS: dict[tuple[str | int, ...], str] = {}


def _repr(path: tuple[str | int, ...]) -> str:
    """repr(path), remembered: every post has the same few dozen paths (('steps', 0, 'text')...)."""
    text = _REPRS.get(path)
    if text is None:
        text = repr(path)
        if len(_REPRS) < 10_000:  # bounded: a site's distinct paths are a few hundred
            _REPRS[path] = text
    return text


@dataclass(frozen=True)
class ImageRef:
    """An image a post or author uses, with where it was named (for error messages)."""

    source: Path  # absolute path of the source file
    rel: str  # the path as the author wrote it
    alt: str
    origin: str  # site-relative file that names it
    line: int
    field: str  # e.g. "steps[3].image"


@dataclass(frozen=True)
class Step:
    number: int
    text: str  # inline Markdown
    image: ImageRef | None = None
    title: str = ""
    caption: str = ""


@dataclass(frozen=True)
class AgeRange:
    from_months: int | None = None
    to_months: int | None = None
    corrected: bool = False
    suggested: bool = False  # the team's figure, no source gives it: shown as a suggestion


@dataclass(frozen=True)
class Dosage:
    minutes: int | None = None
    times_per_day: int | None = None
    days_per_week: int | None = None
    reps: int | None = None
    hold_seconds: int | None = None
    suggested: bool = False  # the team's figures, no source gives them: shown as a suggestion


@dataclass(frozen=True)
class Note:
    title: str
    body: str  # Markdown


@dataclass(frozen=True)
class Video:
    title: str
    youtube: str = ""  # the video's id, whatever form of its address the author gave
    start: int = 0  # where the YouTube player starts, in seconds (the address's t= or start=)
    file: ImageRef | None = None  # a local video file (not processed, copied)
    poster: ImageRef | None = None


@dataclass(frozen=True)
class Review:
    name: str
    credentials: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Credit:
    """The work a post is adapted from: shown under the post, and as schema.org's isBasedOn."""

    title: str
    author: str
    site: str = ""
    url: str = ""


@dataclass(frozen=True)
class Author:
    key: str
    name: str
    bio: str = ""  # Markdown
    avatar: ImageRef | None = None
    url: str = ""
    organization: bool = False  # a team or a body, not one person (schema.org Organization, issue 23)


class Role(Enum):
    """What an edit to a Post field invalidates (each field declares its own: ``role()``)."""

    SHOWN = "shown"  # every page that shows the post, and every listing it is on
    MESSAGES = "messages"  # nothing: only where problem messages point (path, lines)


def role(kind: Role, **kwargs: Any) -> Any:
    """A dataclass field with its rebuild role in its metadata."""
    return field(metadata={"role": kind}, **kwargs)


@dataclass(frozen=True)
class Post:
    path: str = role(Role.MESSAGES)  # site-relative source file, e.g. content/posts/tummy-time/index.md
    slug: str = role(Role.SHOWN)
    title: str = role(Role.SHOWN)
    date: dt.date = role(Role.SHOWN)
    summary: str = role(Role.SHOWN)
    benefits: tuple[str, ...] = role(Role.SHOWN)
    steps: tuple[Step, ...] = role(Role.SHOWN)
    body: str = role(Role.SHOWN)  # Markdown
    body_line: int = role(Role.MESSAGES)
    author: str = role(Role.SHOWN, default="")  # key into Site.authors
    updated: dt.date | None = role(Role.SHOWN, default=None)
    draft: bool = role(Role.SHOWN, default=False)
    tags: tuple[str, ...] = role(Role.SHOWN, default=())  # slugs, each once: addresses, listings, keys
    # The tags as written ("Tummy time"), every one in order; Site.tag_labels has the one each slug shows.
    tag_labels: tuple[str, ...] = role(Role.SHOWN, default=())
    age: AgeRange | None = role(Role.SHOWN, default=None)
    dosage: Dosage | None = role(Role.SHOWN, default=None)
    equipment: tuple[str, ...] = role(Role.SHOWN, default=())
    hero: ImageRef | None = role(Role.SHOWN, default=None)
    helps_with: tuple[str, ...] = role(Role.SHOWN, default=())
    play_ideas: tuple[str, ...] = role(Role.SHOWN, default=())
    note: Note | None = role(Role.SHOWN, default=None)
    # Signs to call the emergency number for, now (not "stop, and call your therapist").
    emergency_signs: tuple[str, ...] = role(Role.SHOWN, default=())
    precautions: tuple[str, ...] = role(Role.SHOWN, default=())
    video: Video | None = role(Role.SHOWN, default=None)
    reviewed_by: Review | None = role(Role.SHOWN, default=None)
    sources: tuple[Source, ...] = role(Role.SHOWN, default=())
    adapted_from: Credit | None = role(Role.SHOWN, default=None)
    disclaimer: str = role(Role.SHOWN, default="")  # Markdown; empty means the site's
    # The language its file name gives ("" for the site's default) and the name it shares with its
    # translations (its path without the language: content/posts/tummy-time).
    language: str = role(Role.SHOWN, default="")
    name: str = role(Role.SHOWN, default="")
    # Line of every front-matter key path, for messages about cross-post facts.
    lines: Lines = role(Role.MESSAGES, default_factory=Lines, compare=False, repr=False)

    def line_of(self, *path: str | int) -> int:
        while path:
            line = self.lines.get(path)
            if line is not None:
                return line
            path = path[:-1]
        return 1

    @property
    def images(self) -> tuple[ImageRef, ...]:
        """Every image of the post, hero first, each once."""
        refs = [self.hero] + [s.image for s in self.steps]
        if self.video:
            refs.append(self.video.poster)
        seen: dict[Path, ImageRef] = {}
        for ref in refs:
            if ref is not None and ref.source not in seen:
                seen[ref.source] = ref
        return tuple(seen.values())

    @property
    def lastmod(self) -> dt.date:
        return self.updated or self.date


def fields_with(kind: Role) -> tuple[str, ...]:
    """The Post fields of one role, in their order: read from the fields' own declarations."""
    return tuple(f.name for f in fields(Post) if f.metadata.get("role") is kind)


_SHOWN = fields_with(Role.SHOWN)


def page_digest(post: Post) -> str:
    """A digest of everything in a post that can shape a page (its SHOWN fields): pages that show
    the post are keyed by it. Pickled, not repr'd: 6x faster, and equal values pickle alike."""
    return hashlib.sha256(pickle.dumps(tuple(getattr(post, name) for name in _SHOWN), protocol=5)).hexdigest()


@dataclass(frozen=True)
class ImageSettings:
    widths: tuple[int, ...] = (480, 800, 1200, 1600)
    formats: tuple[str, ...] = ("avif", "webp")  # a JPEG (or PNG) fallback is always made
    quality: tuple[tuple[str, int], ...] = (("avif", 50), ("webp", 75), ("jpeg", 78))

    def quality_of(self, fmt: str) -> int:
        return dict(self.quality).get(fmt, 80)


@dataclass(frozen=True)
class LintSettings:
    """The `check:` section of site.yaml; every key is optional."""

    # Health-literacy guidance asks for patient material at about grade 8 or below.
    reading_grade: float = 8.0
    review_max_months: int = 24
    summary_max: int = 160  # about what a search result shows
    image_max_bytes: int = 2_000_000
    min_alt_words: int = 4


@dataclass(frozen=True)
class LanguageSettings:
    """One language of a multilingual site: what its pages say instead of site.yaml's own words."""

    code: str  # e.g. "es"
    title: str = ""  # empty: site.yaml's
    description: str = ""
    disclaimer: str = ""  # Markdown
    affiliate_disclosure: str = ""
    emergency_number: str = ""


@dataclass(frozen=True)
class SiteConfig:
    title: str
    description: str
    base_url: str  # always ends with "/"
    language: str  # the pages' language
    author: str
    disclaimer: str  # Markdown
    affiliate_disclosure: str = ""
    # What an emergency box says to call ("911", "999 or 112"); empty: the theme's words for "your
    # local emergency number", in the page's language.
    emergency_number: str = ""
    # Every language of the site, the default first (at the root; the others under /<code>/).
    languages: tuple[LanguageSettings, ...] = ()
    prefix: str = ""  # this language's folder: "" for the default language, else "es/"
    markdown_raw_html: bool = False  # raw HTML in bodies
    markdown_raw_html_in_fields: bool = False  # and in front matter, bios, disclaimers (needs the first)
    images: ImageSettings = field(default_factory=ImageSettings)
    page_size: int = 12
    related_posts: int = 3
    check: LintSettings = field(default_factory=LintSettings)
    # Pagefind search over the posts, with a /search/ page (issue 5); false builds neither.
    search: bool = True
    share_images: bool = True  # a 1200x630 card and a 1000x1500 pin per post
    # Offline reading (issue 23): a service worker keeps the pages a reader opened; false registers
    # none and removes one an earlier build installed.
    offline: bool = True
    # Age filter: half-open month ranges [from, to); a band gets a page when a post's age overlaps it.
    age_bands: tuple[tuple[int, int], ...] = ((0, 3), (3, 6), (6, 9), (9, 12), (12, 24))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(setting.code for setting in self.languages) or (self.language,)

    def for_language(self, code: str) -> SiteConfig:
        """This site's settings as the pages in ``code`` see them."""
        settings = next((setting for setting in self.languages if setting.code == code), LanguageSettings(code))
        prefix = "" if code == self.codes[0] else f"{code.lower()}/"
        return replace(self, language=code, prefix=prefix, title=settings.title or self.title,
                       description=settings.description or self.description,
                       disclaimer=settings.disclaimer or self.disclaimer,
                       affiliate_disclosure=settings.affiliate_disclosure or self.affiliate_disclosure,
                       emergency_number=settings.emergency_number or self.emergency_number)

    @property
    def base_path(self) -> str:
        """The path part of base_url: '/' or '/guide/'."""
        rest = self.base_url.split("://", 1)[-1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


@dataclass(frozen=True)
class Site:
    root: Path
    config: SiteConfig
    posts: tuple[Post, ...]  # published ones, newest first
    authors: dict[str, Author]
    tags: dict[str, tuple[Post, ...]] = field(default_factory=dict)  # tag -> its posts, tags sorted
    # tag slug -> the words it is shown with: the first way a post of the site writes it (posts in the
    # order of their files), "tummy-time" -> "Tummy time". A tag written as a slug shows its words.
    tag_labels: dict[str, str] = field(default_factory=dict)

    def tag_label(self, tag: str) -> str:
        """The words a tag's slug is shown with: 'tummy-time' -> 'Tummy time'."""
        return self.tag_labels.get(tag, tag.replace("-", " "))


@dataclass(frozen=True)
class Guide:
    """The whole site: one Site per language, the default language's first."""

    sites: tuple[Site, ...]

    @property
    def default(self) -> Site:
        return self.sites[0]


def posts_by_tag(posts: tuple[Post, ...]) -> dict[str, tuple[Post, ...]]:
    """Tag -> its posts (in the order given), tags sorted by name."""
    by_tag: dict[str, list[Post]] = {}
    for post in posts:
        for tag in post.tags:
            by_tag.setdefault(tag, []).append(post)
    return {tag: tuple(by_tag[tag]) for tag in sorted(by_tag)}
