"""Every page of the site, and where each one lives: the one URL map.

``site_pages`` lists the pages: their output paths, templates and contexts. The path of each kind
of page comes from one function here (``post_path``, ``listing_path``...), and ``Urls`` makes
links from them: the templates, the sitemap, the feed, ``check`` and the preview all ask here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from ..model import Author, Post, Site
from .discovery import AgeBand, posts_by_author
from .offline import OFFLINE_PAGE, offline_reading
from .wording import Wording, age_label, join_list

TAGS = "tags/index.html"
SEARCH = "search/index.html"
NOT_FOUND = "404.html"
FEED = "feed.xml"
SITEMAP = "sitemap.xml"


@dataclass(frozen=True)
class Page:
    """One output file: where it goes and the template context that makes it.

    A context holds posts as values, or inside lists, tuples and dicts, never inside another object:
    that is where page keys find them. ``deferred`` names the costly part of the context (rendered
    Markdown, structured data), made only when the page is rendered, from its arguments and the
    site's settings only: a Renderer method and its arguments (a name, so a page pickles).
    """

    path: str  # output path, e.g. "tummy-time/index.html"
    template: str
    context: dict[str, Any]
    origin: str  # the source file it comes from, for messages
    deferred: tuple[str, tuple[Any, ...]] | None = None


# --- the URL map ------------------------------------------------------------------------------


def post_path(slug: str) -> str:
    return f"{slug}/index.html"


def listing_path(folder: str, number: int = 1) -> str:
    """A listing's n-th page: ``tags/play/index.html``, then ``tags/play/page/2/index.html``."""
    return f"{folder}index.html" if number == 1 else f"{folder}page/{number}/index.html"


def tag_folder(tag: str) -> str:
    return f"tags/{tag}/"


def age_folder(band: AgeBand) -> str:
    return f"age/{band.slug}/"


def author_folder(key: str) -> str:
    return f"authors/{key}/"


def address(path: str) -> str:
    """A page's address relative to the site: its folder for an index.html ('tummy-time/')."""
    return path.removesuffix("index.html")


class Urls:
    """Internal links are root-relative under the base path; canonical ones are absolute. A page's
    address is in its language's folder (``prefix``: "" for the default language, else "es/");
    static files and pictures are shared by every language, at the root."""

    def __init__(self, base_url: str, base_path: str, prefix: str = "") -> None:
        self.base_url, self.base_path, self.prefix = base_url, base_path, prefix

    def __repr__(self) -> str:  # part of page keys: must not show a memory address
        return f"Urls({self.base_url!r}, {self.base_path!r}, {self.prefix!r})"

    def path(self, rel: str = "") -> str:
        """A page of this language, by its address within the language: '', 'tags/', 'feed.xml'."""
        return self.base_path + self.prefix + rel.lstrip("/")

    def absolute(self, rel: str = "") -> str:
        return self.base_url + self.prefix + rel.lstrip("/")

    def page(self, path: str) -> str:
        """Any page, by its output path (its language's folder included)."""
        return self.base_path + address(path)

    def page_absolute(self, path: str) -> str:
        return self.base_url + address(path)

    def shared(self, rel: str, absolute: bool = False) -> str:
        """A file every language shares: static files, pictures, the search index."""
        return (self.base_url if absolute else self.base_path) + rel.lstrip("/")

    def post(self, post: Post) -> str:
        return self.path(address(post_path(post.slug)))

    def tag(self, tag: str) -> str:
        return self.path(address(listing_path(tag_folder(tag))))

    def image(self, name: str) -> str:
        return self.shared(f"images/{name}")

    def author(self, key: str) -> str:
        return self.path(address(listing_path(author_folder(key))))

    def age(self, band: AgeBand) -> str:
        return self.path(address(listing_path(age_folder(band))))


# --- the pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pages:
    """What the page list is made from."""

    site: Site
    urls: Urls
    bands: list[AgeBand]
    similar: tuple[tuple[int, ...], ...]  # each post's similar exercises (discovery.similar_exercises)
    today: dt.date
    words: Wording  # the page titles' language

    def all(self) -> list[Page]:
        """Every page of this language (the pages the whole site has once: site_pages)."""
        prefix = self.site.config.prefix
        return [replace(page, path=prefix + page.path) for page in self._pages()] if prefix else self._pages()

    def _pages(self) -> list[Page]:
        site, words = self.site, self.words
        pages = [self.post_page(post, [site.posts[rank] for rank in similar])
                 for post, similar in zip(site.posts, self.similar, strict=True)]
        pages += self.listing("", site.posts, "index.html", "", site.config.description, lambda context: {},
                              lambda context: ("home_page", context["canonical"], context["page_number"] == 1))
        for tag, posts in site.tags.items():
            pages += self.tag_pages(tag, posts)
        for band in self.bands:
            pages += self.age_pages(band)
        for key, posts in posts_by_author(site).items():
            pages += self.author_pages(site.authors[key], posts)
        if site.config.search:
            pages.append(Page(SEARCH, "search.html", {
                "canonical": self.urls.absolute(address(SEARCH)), "page_title": words.gettext("Search"),
                "description": words.gettext("Search the exercises of %(site)s.", site=site.config.title)},
                "templates/search.html"))
        topics = words.gettext("All topics")
        about = words.gettext("Exercises by topic on %(site)s: %(topics)s.", site=site.config.title,
                              topics=join_list([site.tag_label(tag) for tag in site.tags], words))
        pages.append(Page(TAGS, "tags.html", {"tags": site.tags, "canonical": self.urls.absolute(address(TAGS)),
                                              "page_title": topics, "description": about}, "templates/tags.html",
                          ("listing_seo", ("tags_page", topics, about, site.posts[0] if site.posts else None))))
        pages.append(Page(NOT_FOUND, "404.html", {"canonical": self.urls.absolute(NOT_FOUND),
                                                  "page_title": words.gettext("Page not found")},
                          "templates/404.html"))
        if offline_reading(site.config):
            pages.append(Page(OFFLINE_PAGE, "offline.html", {"canonical": self.urls.absolute(address(OFFLINE_PAGE)),
                                                             "page_title": words.gettext("You are offline")},
                              "templates/offline.html"))
        pages.append(Page(FEED, "feed.xml", {"posts": site.posts[:20]}, "templates/feed.xml"))
        return pages

    def post_page(self, post: Post, related: list[Post]) -> Page:
        site = self.site
        author = site.authors.get(post.author or site.config.author)
        context = {
            "post": post,
            "author": author,
            "related": related,
            "canonical": self.urls.absolute(address(post_path(post.slug))),
            "page_title": post.title,
            "description": post.summary,
            "is_draft": post.draft or post.date > self.today,
        }
        return Page(post_path(post.slug), "post.html", context, post.path, deferred=("post_details", (post, author)))

    def tag_pages(self, tag: str, posts: tuple[Post, ...]) -> list[Page]:
        topic = self.site.tag_label(tag)
        title = self.words.gettext("Exercises about %(topic)s", topic=topic)
        description = self.words.ngettext("%(num)s home exercise about %(topic)s, step by step.",
                                          "%(num)s home exercises about %(topic)s, step by step.", len(posts),
                                          topic=topic)
        return self.listing(tag_folder(tag), posts, "tag.html", title, description, lambda context: {"tag": tag},
                            lambda context: ("tag_page", tag, context["page_title"], context["canonical"]))

    def age_pages(self, band: AgeBand) -> list[Page]:
        ages = age_label(band, self.words)
        description = self.words.gettext("Home exercises for babies aged %(ages)s, step by step.", ages=ages)
        # The band without its posts: they are in "posts", where the page's key sees them.
        bare = AgeBand(band.from_months, band.to_months)
        return self.listing(age_folder(band), band.posts, "age.html",
                            self.words.gettext("Exercises for %(ages)s", ages=ages), description,
                            lambda context: {"band": bare},
                            lambda context: ("age_page", context["canonical"], context["page_title"]))

    def author_pages(self, author: Author, posts: tuple[Post, ...]) -> list[Page]:
        description = self.words.gettext("Exercises by %(name)s.", name=author.name)
        return self.listing(author_folder(author.key), posts, "author.html", author.name, description,
                            lambda context: {"author": author},
                            lambda context: ("author_page", author, context["canonical"]))

    def listing(self, folder: str, posts: tuple[Post, ...], template: str, title: str, description: str,
                extra: Any, seo: Any) -> list[Page]:
        """A listing cut into pages of ``page_size`` cards: light on a phone, and a new post
        re-renders the first pages of a listing, not all of it. Each page has its own title:
        "Exercises about play, page 2 of 5", and description (issue 23: shared ones read as
        duplicates): ``description``, then "Page 2 of 5." on the pages after the first. ``seo``
        gives the first arguments of its Seo method; the description and the page's first post
        (its share picture) follow."""
        size = self.site.config.page_size
        chunks = [posts[i:i + size] for i in range(0, len(posts), size)] or [()]
        pages = []
        for number, chunk in enumerate(chunks, start=1):
            path = listing_path(folder, number)
            context = {
                "posts": chunk, "page_number": number, "page_count": len(chunks),
                "prev_url": self.urls.path(address(listing_path(folder, number - 1))) if number > 1 else "",
                "next_url": self.urls.path(address(listing_path(folder, number + 1))) if number < len(chunks) else "",
                "canonical": self.urls.absolute(address(path)),
                "page_title": title if number == 1 or not title else self.words.gettext(
                    "%(title)s, page %(number)s of %(count)s", title=title, number=self.words.number(number),
                    count=self.words.number(len(chunks))),
                "description": description if number == 1 else self.words.gettext(
                    "%(description)s Page %(number)s of %(count)s.", description=description,
                    number=self.words.number(number), count=self.words.number(len(chunks))),
            }
            context |= extra(context)
            lead = chunk[0] if chunk else None
            pages.append(Page(path, template, context, f"templates/{template}",
                              ("listing_seo", (*seo(context), context["description"], lead))))
        return pages


def shared_pages() -> list[Page]:
    """The pages the whole site has once, whatever its languages (the sitemap is the Renderer's)."""
    return [Page("robots.txt", "robots.txt", {}, "templates/robots.txt"),
            Page("_headers", "_headers", {}, "templates/_headers")]


# --- one page in every language -----------------------------------------------------------------------

Alternates = dict[tuple[str, str], tuple[tuple[str, str], ...]]


def same_page(page: Page, prefix: str) -> tuple[str, str]:
    """What a page is whatever its language: a post (by the name it shares with its translations), or
    an address within the language ('tags/', 'age/0-3-months/')."""
    post = page.context.get("post") if page.template == "post.html" else None
    if isinstance(post, Post):
        return "post", post.name
    return "page", page.path.removeprefix(prefix)


def alternates(pages: list[tuple[str, str, Page]]) -> Alternates:
    """For each page, (language, absolute address) of every language it exists in, in the site's
    order of languages: (code, base URL with its folder, page) for every page of every language."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for code, prefix, page in pages:
        found.setdefault(same_page(page, prefix), []).append((code, page.path))
    return {key: tuple(versions) for key, versions in found.items()}
