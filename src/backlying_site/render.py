"""Jinja2 environment and the context of every page type.

Autoescape on and StrictUndefined (Lektor does; MkDocs and Pelican don't, and
front matter reaches their HTML unescaped). Markdown becomes Markup here and
only here.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections import ChainMap, Counter
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import BuiltinMethodType, FunctionType, MethodType
from typing import Any, Callable, Iterable

import jinja2
import jinja2.filters
import jinja2.runtime
import markupsafe
from markupsafe import Markup

from . import theme
from .images import ImagePlan, Picture, picture
from .markdown import MarkdownRenderer
from .discovery import AgeBand, age_bands, posts_by_author
from .model import Author, ImageRef, Post, Site
from .seo import Seo
from .share import plan_shares


class Kept:
    """Parts a renderer may take from the last build instead of making them again (see memo.Memo)."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[Any, Any]] = {}
        self.shares: dict[tuple, Any] = {}  # share.plan_shares' plans by what decides them

    def value(self, name: str, key: Any, make: Callable[[], Any]) -> Any:
        known = self.values.get(name)
        if known is None or known[0] != key:
            known = self.values[name] = (key, make())
        return known[1]


class Cards:
    """``card(post, first=false, level=2)`` for templates: the macro of ``partials/card.html`` (the
    site's own, if it has one), rendered once per post and arguments in a build. A post's card shows
    on ~8 pages at 5,000 posts (its listings, and other posts' similar exercises), the same HTML on
    each: a third of the time spent rendering templates was cards made again.

    A macro imported without context sees only its arguments and the globals, so its HTML is the
    same every time it is called with the same ones (the page keys hash all of them).
    """

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        # The arguments but the post (a template has a few ways of calling it) -> id(post) -> (the
        # post, its card). Kept by the arguments first: one small key a card, not a tuple of tuples
        # (~250 bytes each, of ~7,500 cards in each process at 5,000 posts).
        self.made: dict[tuple, dict[int, tuple[Any, Markup]]] = {}

    def __call__(self, post: Any, *args: Any, **kwargs: Any) -> Markup:
        # Passed on as given, as a call of the imported macro would (a site's own macro may take
        # fewer arguments); keyed with their types too, as True and 1 are equal keys.
        called = (args, tuple(kwargs.items()), tuple(map(type, (*args, *kwargs.values()))))
        try:
            made = self.made.get(called)
        except TypeError:  # an argument that cannot be a key: made each time
            return self._macro()(post, *args, **kwargs)
        if made is None:
            made = self.made[called] = {}
        found = made.get(id(post))
        if found is None or found[0] is not post:  # the post held: its id is not reused meanwhile
            found = made[id(post)] = (post, self._macro()(post, *args, **kwargs))
        return found[1]

    def _macro(self) -> Any:
        macro = getattr(self.env.get_template("partials/card.html").module, "card", None)
        if macro is None:  # Jinja's own words, as an import of it would say
            raise jinja2.UndefinedError("the template 'partials/card.html' does not export the requested name 'card'")
        return macro


@dataclass(frozen=True)
class Page:
    """One output file: where it goes and the template context that makes it.

    A context holds posts as values, or inside lists, tuples and dicts, never inside another object:
    pagekeys finds them there to key the page and to know which pages show an edited post.
    """

    path: str  # output path, e.g. "tummy-time/index.html"
    template: str
    context: dict[str, Any]
    origin: str  # the source file it comes from, for messages
    # The costly part of the context (rendered Markdown, structured data), made only when the page
    # is rendered: a page kept from the last build's output never pays for it. Its inputs must be in
    # ``context``. Named, not a closure, so a page holds no renderer and pickles.
    deferred: tuple[str, tuple[Any, ...]] | None = None  # (Renderer method, its arguments)


def template_files(template_dirs: list[Path], read: Callable[[Path], bytes] = Path.read_bytes) -> dict[Path, bytes]:
    """Every file under the template folders, read once, in a fixed order (the site's: the parent of
    its first folder; links out of it refused, see theme.files_under)."""
    root = template_dirs[0].parent if template_dirs else Path(".")
    return {path: read(path) for folder in template_dirs for path in theme.files_under(folder, root)}


class TemplatesAsRead(jinja2.BaseLoader):
    """The templates as this build read them: the very bytes its page keys are made of. A template
    saved while a build runs is in the next build, never half in this one (pages keyed by one text
    but rendered from another would be kept as they are ever after). A folder earlier in the list
    hides a template of the same name in a later one (the site's own before the theme's), as
    Jinja's file loader does."""

    def __init__(self, template_dirs: list[Path], files: dict[Path, bytes]) -> None:
        self.folders = [Path(folder) for folder in template_dirs]
        self.files = files

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            data = self.files.get(path)
            if data is not None:
                return data.decode("utf-8"), str(path), lambda: True
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        return sorted({path.relative_to(folder).as_posix() for path in self.files
                       for folder in self.folders if path.is_relative_to(folder)})


try:  # markupsafe's own escaping of a str, without the Markup around it
    from markupsafe import _escape_inner as _escape_text  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another markupsafe: the same text, by the public function
    def _escape_text(text: str) -> str:
        return str.__str__(markupsafe.escape(text))


class _Context(jinja2.runtime.Context):
    """Jinja's template context, calling plain functions, methods and macros at once.

    Jinja's call() asks every callable whether it wants the context, the evaluation context or the
    environment passed first (a ``jinja_pass_arg`` attribute, on it and on its ``__call__``): for
    a plain method that is two lookups that fail, each raising and catching AttributeError, ~1.3 us
    of each of a page's 30-50 calls (asset, urls.path, inline, picture, card...). For the kinds
    below, where the attribute can only be in the function's own ``__dict__`` or nowhere (or, for a
    macro, is always the evaluation context), the same answer is had by a dict lookup; anything else
    goes through Jinja's call.
    """

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        kind = type(__obj)
        if kind is MethodType:
            plain = "jinja_pass_arg" not in getattr(__obj.__func__, "__dict__", {"jinja_pass_arg": None})
        elif kind is FunctionType:
            plain = "jinja_pass_arg" not in __obj.__dict__
        elif kind is jinja2.runtime.Macro:  # its __call__ takes the caller's evaluation context
            args = (__self.eval_ctx, *args)  # (autoescaped where it is called, or not: found by review)
            plain = True
        else:
            plain = kind is BuiltinMethodType or kind is Cards
        if not plain:
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a"
                                                " StopIteration exception")


def _escape(value: Any) -> str:
    """What a template's ``{{ value }}`` shows, as markupsafe.escape gives it, but a plain string for
    a plain string (and a Markup as it is): its Markup result went through a Python-level
    ``Markup.__new__`` for every value of every page (~5% of rendering), and a template only ever
    joins these results into its output (a block set, a macro or a caller wraps them in Markup).
    Only the chunks of Template.generate() and stream(), which this program does not use, differ:
    plain strings where Jinja's are Markup, the same text."""
    kind = type(value)
    if kind is str:
        return _escape_text(value)
    if kind is Markup:
        return value
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    """A template whose output expressions use ``_escape`` (the name the compiled code imports)."""

    @classmethod
    def from_code(cls, environment: jinja2.Environment, code: Any, globals: Any,
                  uptodate: Callable[[], bool] | None = None) -> "jinja2.Template":
        namespace = {"environment": environment, "__file__": code.co_filename}
        exec(code, namespace)  # as Jinja's from_code does; then the escape it imported is replaced
        namespace["escape"] = _escape
        template = cls._from_namespace(environment, namespace, globals)
        template._uptodate = uptodate
        return template


# Each byte as urllib.parse.quote(safe="/") leaves or escapes it (Jinja's urlencode of a string).
_URL_QUOTED = [chr(b) if chr(b) in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-~/"
               else f"%{b:02X}" for b in range(256)]


def urlencode(value: Any) -> str:
    """Jinja's ``urlencode`` filter, a string's result made by one translate of its UTF-8 bytes
    (Jinja's quotes them one by one in Python: ~3 us a link, six share links a post page)."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1").translate(_URL_QUOTED)
    return jinja2.filters.do_urlencode(value)


def make_environment(template_dirs: list[Path], compiled: jinja2.BytecodeCache | None = None,
                     files: dict[Path, bytes] | None = None) -> jinja2.Environment:
    """``files``: the template folders' files as read (template_files); read now if not given."""
    env = jinja2.Environment(
        bytecode_cache=compiled,
        loader=TemplatesAsRead(template_dirs, template_files(template_dirs) if files is None else files),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # One environment per build, its templates read once (TemplatesAsRead): with reloading on,
        # every render stat-ed each template it uses (base, partials: ~6 a page, ~40,000 a cold build).
        auto_reload=False,
        cache_size=-1,  # all its templates, in a dict (Jinja's LRU cache locks and reorders on each use)
    )
    env.context_class = _Context
    env.template_class = _Template
    env.filters["date_long"] = lambda d: f"{d:%-d %B %Y}" if d else ""
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["json_ld"] = json_ld
    env.filters["urlencode"] = urlencode
    return env


def json_ld(data: Any) -> Markup:
    """JSON for a <script type="application/ld+json">: '<', '>' and '&' escaped so no string ends the script."""
    text = _JSON_LD.encode(data)
    for char, escaped in _JSON_LD_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return Markup(text)


# One encoder for every page (json.dumps with options makes one per call).
_JSON_LD = json.JSONEncoder(ensure_ascii=False, sort_keys=False, separators=(",", ":"), default=str)
_JSON_LD_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))


class Urls:
    """Internal links are root-relative under the base path; canonical ones are absolute."""

    def __init__(self, base_url: str, base_path: str) -> None:
        self.base_url, self.base_path = base_url, base_path

    def __repr__(self) -> str:  # part of the build cache's key: must not show a memory address
        return f"Urls({self.base_url!r}, {self.base_path!r})"

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

    def author(self, key: str) -> str:
        return self.path(f"authors/{key}/")

    def age(self, band: AgeBand) -> str:
        return self.path(f"age/{band.slug}/")


def related_posts(post: Post, posts: tuple[Post, ...], limit: int,
                  index: "RelatedIndex | None" = None) -> list[Post]:
    """Most shared tags first, then newest (the order of ``posts``): the same answer on every run."""
    return (index or RelatedIndex(posts)).related(post, limit)


class RelatedIndex:
    """Tag -> positions in the newest-first list, so "similar" costs a few set operations, not all pairs."""

    def __init__(self, posts: tuple[Post, ...]) -> None:
        self.posts = posts
        self.by_tag: dict[str, list[int]] = {}
        for rank, post in enumerate(posts):
            for tag in dict.fromkeys(post.tags):
                self.by_tag.setdefault(tag, []).append(rank)
        self.sets = {tag: set(ranks) for tag, ranks in self.by_tag.items()}
        self.shared: dict[tuple[str, ...], set[int]] = {}  # tags (sorted) -> the posts that have them all

    def related(self, post: Post, limit: int) -> list[Post]:
        if limit <= 0:
            return []
        tags = [tag for tag in dict.fromkeys(post.tags) if tag in self.by_tag]
        chosen: list[int] = []
        taken: set[int] = set()

        def take(ranks: Iterable[int]) -> None:
            for rank in ranks:
                if len(chosen) == limit:
                    return
                if rank not in taken and self.posts[rank].slug != post.slug:
                    chosen.append(rank)
                    taken.add(rank)

        if len(tags) <= 6:
            # Posts sharing k or more tags, for k from all down to 2: set operations, each level in rank order.
            for k in range(len(tags), 1, -1):
                if len(chosen) == limit:
                    break
                level = set().union(*(self._sharing(combo) for combo in itertools.combinations(sorted(tags), k)))
                take(sorted(level - taken))
        else:
            counts = Counter(itertools.chain.from_iterable(self.by_tag[tag] for tag in tags))
            take(rank for rank, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n > 1)
        if len(chosen) < limit:  # (most posts have their similar ones by now: no merge to set up)
            take(heapq.merge(*(self.by_tag[tag] for tag in tags)))  # one shared tag, newest first
            take(range(len(self.posts)))  # then the newest of all
        return [self.posts[rank] for rank in chosen]

    def _sharing(self, tags: tuple[str, ...]) -> set[int]:
        """The posts that have all of ``tags``: each set made once (many posts share two tags)."""
        found = self.shared.get(tags)
        if found is None:
            found = self.shared[tags] = set.intersection(*(self.sets[tag] for tag in tags))
        return found


class Renderer:
    """Renders pages of one site; holds the Markdown instance and the image plans."""

    def __init__(self, site: Site, env: jinja2.Environment, plans: dict[Path, ImagePlan],
                 assets: dict[str, str], today: dt.date, drafts: bool, kept: Kept | None = None) -> None:
        """``kept``: a long-running process's store of parts worth keeping between builds (memo.Memo)."""
        keep = kept or Kept()
        self.site, self.env, self.plans, self.assets = site, env, plans, assets
        self.urls = Urls(site.config.base_url, site.config.base_path)
        raw_html = site.config.markdown_raw_html
        self.md = keep.value("markdown", raw_html, lambda: MarkdownRenderer(raw_html))  # ~10 ms to set up
        # Front-matter fields, bios and disclaimers: raw HTML only when site.yaml says so twice.
        in_fields = raw_html and site.config.markdown_raw_html_in_fields
        self.fields_md = self.md if in_fields == raw_html else keep.value(
            "fields-markdown", in_fields, lambda: MarkdownRenderer(in_fields))
        self.today, self.drafts = today, drafts
        self.bands = age_bands(site)
        env.globals["age_bands"] = self.bands  # the age filter on the home and age pages
        # Share images' names, known before builder draws them.
        self.shares = plan_shares(site, plans, keep.shares) if site.config.share_images else {}
        self.seo = Seo(site, self.urls, plans, self.shares,
                       keep.value("seo-markdown", in_fields, lambda: MarkdownRenderer(in_fields)))
        env.globals["absolute_image"] = self.seo.image
        # No `site` global: a page's output may depend only on its context and the globals
        # fingerprinted in pagekeys.global_fingerprint, or the build cache could serve it stale.
        env.globals.update(authors=site.authors, config=site.config, urls=self.urls, asset=self.asset,
                           picture=self.picture, markdown=self.fields_md.block, inline=self.fields_md.inline,
                           build_drafts=drafts, card=Cards(env))
        # A template reads the globals through a ChainMap (Jinja's, so one added later still shows),
        # which each render, include and import copied and iterated key by key, in Python. They are
        # all set now: each template loaded (builder loads them all first) takes a plain copy. (One
        # Renderer per environment, as every build makes its own: a second would not reach them.)
        for template in env.cache.values() if env.cache is not None else ():
            if isinstance(template.globals, ChainMap):
                template.globals = dict(template.globals)

    @cached_property
    def related(self) -> RelatedIndex:
        return RelatedIndex(self.site.posts)  # made only when a post page is made anew

    def asset(self, rel: str) -> str:
        return self.urls.path(self.assets.get(rel, f"static/{rel}"))

    def picture(self, ref: ImageRef | None) -> Picture | None:
        if ref is None:
            return None
        return picture(self.plans[ref.source], ref.alt, self.urls.image)

    def render(self, page: Page) -> str:
        return self.env.get_template(page.template).render(self.full_context(page))

    def full_context(self, page: Page) -> dict[str, Any]:
        if page.deferred is None:
            return page.context
        name, args = page.deferred
        return page.context | getattr(self, name)(*args)

    def listing_seo(self, kind: str, *args: Any) -> dict[str, Any]:
        """A listing's structured data (``Seo.home_page``, ``tag_page``...), made when it renders."""
        return {"seo": getattr(self.seo, kind)(*args)}

    def pages(self) -> list[Page]:
        site = self.site
        pages = [self.post_page(post) for post in site.posts]
        pages += self.index_pages()
        pages += [page for tag, posts in site.tags.items() for page in self.tag_page(tag, posts)]
        pages += self.discovery_pages()
        pages.append(Page("tags/index.html", "tags.html", {"tags": site.tags, "canonical": self.urls.absolute("tags/"),
                                                          "page_title": "All topics",
                                                          "seo": self.seo.tags_page("All topics")},
                          "templates/tags.html"))
        pages.append(Page("404.html", "404.html", {"canonical": self.urls.absolute("404.html"),
                                                   "page_title": "Page not found"}, "templates/404.html"))
        pages.append(Page("feed.xml", "feed.xml", {"posts": site.posts[:20]}, "templates/feed.xml"))
        pages.append(Page("robots.txt", "robots.txt", {}, "templates/robots.txt"))
        pages.append(Page("_headers", "_headers", {}, "templates/_headers"))
        # Last: the sitemap lists every HTML page made above.
        pages.append(Page("sitemap.xml", "sitemap.xml", {"entries": self.seo.sitemap_entries(pages)},
                          "templates/sitemap.xml"))
        return pages

    def post_page(self, post: Post, related: list[Post] | None = None) -> Page:
        """``related``: the similar exercises when already known (pagekeys reuses them)."""
        site = self.site
        author = site.authors.get(post.author or site.config.author)
        context = {
            "post": post,
            "author": author,
            "related": related if related is not None else self.related.related(post, site.config.related_posts),
            "canonical": self.urls.absolute(f"{post.slug}/"),
            "page_title": post.title,
            "description": post.summary,
            "is_draft": post.draft or post.date > self.today,
        }
        return Page(f"{post.slug}/index.html", "post.html", context, post.path,
                    deferred=("post_details", (post, author)))

    def post_details(self, post: Post, author: Author | None) -> dict[str, Any]:
        """The costly part of a post page: Markdown, and the structured data made from the post."""
        body = self.md.block(post.body)
        return {"body": body, "toc": self.md.toc(),
                "disclaimer": self.fields_md.repeated_block(post.disclaimer or self.site.config.disclaimer),
                **self.seo.post_context(post, author)}  # seo, share_card_url, share_pin_url

    def paginate(self, rel: str, posts: tuple[Post, ...]) -> list[tuple[str, dict[str, Any]]]:
        """A listing cut into pages of ``page_size`` cards: ``rel``, then ``rel/page/2/``...

        Light on a phone, and a new post re-renders the first pages of a listing, not all of it.
        """
        size = self.site.config.page_size
        chunks = [posts[i:i + size] for i in range(0, len(posts), size)] or [()]

        def at(number: int) -> str:
            return rel if number == 1 else f"{rel}page/{number}/"

        return [(at(number), {
            "posts": chunk, "page_number": number, "page_count": len(chunks),
            "prev_url": self.urls.path(at(number - 1)) if number > 1 else "",
            "next_url": self.urls.path(at(number + 1)) if number < len(chunks) else "",
            "canonical": self.urls.absolute(at(number)),
        }) for number, chunk in enumerate(chunks, start=1)]

    @staticmethod
    def numbered(title: str, context: dict[str, Any]) -> str:
        """Each page of a listing has its own title: "Exercises about play, page 2 of 5"."""
        number, count = context["page_number"], context["page_count"]
        return title if number == 1 else f"{title}, page {number} of {count}"

    def index_pages(self) -> list[Page]:
        pages = []
        for rel, context in self.paginate("", self.site.posts):
            context["page_title"] = ""
            seo = ("listing_seo", ("home_page", context["canonical"], context["page_number"] == 1))
            pages.append(Page(f"{rel}index.html", "index.html", context, "templates/index.html", seo))
        return pages

    def tag_page(self, tag: str, posts: tuple[Post, ...]) -> list[Page]:
        pages = []
        for rel, context in self.paginate(f"tags/{tag}/", posts):
            context |= {"tag": tag, "page_title": self.numbered(f"Exercises about {tag.replace('-', ' ')}", context)}
            seo = ("listing_seo", ("tag_page", tag, context["page_title"], context["canonical"]))
            pages.append(Page(f"{rel}index.html", "tag.html", context, "templates/tag.html", seo))
        return pages

    def discovery_pages(self) -> list[Page]:
        """Ways in besides the newest-first list (issue 5): age bands, authors, search."""
        pages = [page for band in self.bands for page in self.age_page(band)]
        pages += [page for key, posts in posts_by_author(self.site).items()
                  for page in self.author_page(self.site.authors[key], posts)]
        if self.site.config.search:
            pages.append(Page("search/index.html", "search.html", {
                "canonical": self.urls.absolute("search/"), "page_title": "Search",
                "description": f"Search the exercises of {self.site.config.title}."}, "templates/search.html"))
        return pages

    def age_page(self, band: AgeBand) -> list[Page]:
        pages = []
        description = f"Home exercises for babies aged {band.label}, step by step."
        for rel, context in self.paginate(f"age/{band.slug}/", band.posts):
            # The band without its posts: they are in "posts", and the build cache keys a page by its context.
            context |= {"band": AgeBand(band.from_months, band.to_months), "description": description,
                        "page_title": self.numbered(f"Exercises for {band.label}", context)}
            seo = ("listing_seo", ("age_page", context["canonical"], context["page_title"], description))
            pages.append(Page(f"{rel}index.html", "age.html", context, "templates/age.html", seo))
        return pages

    def author_page(self, author: Author, posts: tuple[Post, ...]) -> list[Page]:
        pages = []
        description = f"Exercises by {author.name}."
        for rel, context in self.paginate(f"authors/{author.key}/", posts):
            context |= {"author": author, "description": description,
                        "page_title": self.numbered(author.name, context)}
            seo = ("listing_seo", ("author_page", author, description, context["canonical"]))
            pages.append(Page(f"{rel}index.html", "author.html", context, "templates/author.html", seo))
        return pages
