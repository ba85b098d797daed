"""Jinja2 environment and the context of every page type.

Autoescape on and StrictUndefined (Lektor does; MkDocs and Pelican don't, and
front matter reaches their HTML unescaped). Markdown becomes Markup here and
only here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup

from .images import ImagePlan, Picture, picture
from .markdown import MarkdownRenderer
from .model import ImageRef, Post, Site


@dataclass(frozen=True)
class Page:
    """One output file: where it goes and the template context that makes it."""

    path: str  # output path, e.g. "tummy-time/index.html"
    template: str
    context: dict[str, Any]
    origin: str  # the source file it comes from, for messages


def make_environment(template_dirs: list[Path]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_long"] = lambda d: f"{d:%-d %B %Y}" if d else ""
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["json_ld"] = json_ld
    return env


def json_ld(data: Any) -> Markup:
    """JSON for a <script type="application/ld+json">: '<', '>' and '&' escaped so no string ends the script."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


class Urls:
    """Internal links are root-relative under the base path; canonical ones are absolute."""

    def __init__(self, base_url: str, base_path: str) -> None:
        self.base_url, self.base_path = base_url, base_path

    def path(self, rel: str = "") -> str:
        return self.base_path + rel.lstrip("/")

    def absolute(self, rel: str = "") -> str:
        return self.base_url + rel.lstrip("/")

    def post(self, post: Post) -> str:
        return self.path(f"{post.slug}/")

    def tag(self, tag: str) -> str:
        return self.path(f"tags/{tag}/")

    def image(self, name: str) -> str:
        return self.path(f"images/{name}")


def related_posts(post: Post, posts: tuple[Post, ...], limit: int) -> list[Post]:
    """Most shared tags first, then newest, then slug: the same answer on every run."""
    tags = set(post.tags)
    scored = [(len(tags & set(other.tags)), other.date, other.slug, other) for other in posts
              if other.slug != post.slug]
    scored.sort(key=lambda item: (-item[0], -item[1].toordinal(), item[2]))
    return [item[3] for item in scored[:limit]]


class Renderer:
    """Renders pages of one site; holds the Markdown instance and the image plans."""

    def __init__(self, site: Site, env: jinja2.Environment, plans: dict[Path, ImagePlan],
                 assets: dict[str, str], today: dt.date, drafts: bool) -> None:
        self.site, self.env, self.plans, self.assets = site, env, plans, assets
        self.urls = Urls(site.config.base_url, site.config.base_path)
        self.md = MarkdownRenderer(site.config.markdown_raw_html)
        self.today, self.drafts = today, drafts
        env.globals.update(site=site, config=site.config, urls=self.urls, asset=self.asset,
                           picture=self.picture, markdown=self.md.block, inline=self.md.inline,
                           build_drafts=drafts)

    def asset(self, rel: str) -> str:
        return self.urls.path(self.assets.get(rel, f"static/{rel}"))

    def picture(self, ref: ImageRef | None) -> Picture | None:
        if ref is None:
            return None
        return picture(self.plans[ref.source], ref.alt, self.urls.image)

    def render(self, page: Page) -> str:
        return self.env.get_template(page.template).render(page.context)

    def pages(self) -> list[Page]:
        site = self.site
        pages = [self.post_page(post) for post in site.posts]
        pages += self.index_pages()
        pages += [self.tag_page(tag, posts) for tag, posts in site.tags.items()]
        pages.append(Page("tags/index.html", "tags.html", {"tags": site.tags, "canonical": self.urls.absolute("tags/"),
                                                          "page_title": "All topics"}, "templates/tags.html"))
        pages.append(Page("404.html", "404.html", {"canonical": self.urls.absolute("404.html"),
                                                   "page_title": "Page not found"}, "templates/404.html"))
        pages.append(Page("feed.xml", "feed.xml", {"posts": site.posts[:20]}, "templates/feed.xml"))
        pages.append(Page("sitemap.xml", "sitemap.xml", {"posts": site.posts}, "templates/sitemap.xml"))
        pages.append(Page("robots.txt", "robots.txt", {}, "templates/robots.txt"))
        return pages

    def post_page(self, post: Post) -> Page:
        site = self.site
        author = site.authors.get(post.author or site.config.author)
        context = {
            "post": post,
            "author": author,
            "body": self.md.block(post.body),
            "toc": self.md.toc(),
            "related": related_posts(post, site.posts, site.config.related_posts),
            "disclaimer": self.md.block(post.disclaimer or site.config.disclaimer),
            "canonical": self.urls.absolute(f"{post.slug}/"),
            "page_title": post.title,
            "description": post.summary,
            "is_draft": post.draft or post.date > self.today,
        }
        return Page(f"{post.slug}/index.html", "post.html", context, post.path)

    def index_pages(self) -> list[Page]:
        posts, size = self.site.posts, self.site.config.page_size
        chunks = [posts[i:i + size] for i in range(0, len(posts), size)] or [()]
        pages = []
        for number, chunk in enumerate(chunks, start=1):
            rel = "" if number == 1 else f"page/{number}/"
            context = {
                "posts": chunk, "page_number": number, "page_count": len(chunks),
                "prev_url": (self.urls.path("" if number == 2 else f"page/{number - 1}/") if number > 1 else ""),
                "next_url": self.urls.path(f"page/{number + 1}/") if number < len(chunks) else "",
                "canonical": self.urls.absolute(rel), "page_title": "",
            }
            pages.append(Page(f"{rel}index.html", "index.html", context, "templates/index.html"))
        return pages

    def tag_page(self, tag: str, posts: tuple[Post, ...]) -> Page:
        context = {"tag": tag, "posts": posts, "canonical": self.urls.absolute(f"tags/{tag}/"),
                   "page_title": f"Exercises about {tag.replace('-', ' ')}"}
        return Page(f"tags/{tag}/index.html", "tag.html", context, "templates/tag.html")


def render_all(renderer: Renderer, pages: list[Page],
               on_error: Callable[[Page, Exception], None]) -> list[tuple[Page, str]]:
    out = []
    for page in pages:
        try:
            out.append((page, renderer.render(page)))
        except jinja2.TemplateError as exc:
            on_error(page, exc)
    return out
