"""The Renderer: one site's pages, rendered through its templates.

Markdown becomes Markup here and only here (``markdown.py``). The templates see the content
model's dataclasses and these globals, documented in docs/themes.md: ``age_bands``, ``authors``,
``config``, ``urls``, ``asset``, ``picture``, ``absolute_image``, ``markdown``, ``inline``, ``card``,
``build_drafts`` and ``offline``. What each can show is in the site's key (``site_key``) or recorded
as read. The service worker (``sw.js``, render/offline.py) is one of the pages the site has once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale, UnknownLocaleError
from markupsafe import Markup

from ..assets.images import ImagePlan, Picture, picture
from ..assets.share import SharePlan, plan_shares
from ..errors import Problem, SiteError
from ..load.theme import Theme, shown_path
from ..model import Author, Guide, ImageRef, Post, Site
from .discovery import AgeBand, age_bands, similar_exercises
from .environment import RecordedBand, Reads, json_ld, make_environment
from .markdown import MarkdownRenderer
from .links import LinkMap, rewrite_links
from .offline import HASHED_FOLDERS, OFFLINE_PAGE, PRECACHED_ASSETS, WORKER, offline_reading, worker_version
from .pages import SITEMAP, Alternates, Page, Pages, Urls, address, same_page, shared_pages
from .seo import Seo
from .translations import translations
from .wording import age_label, script_messages, script_strings, wording


@dataclass(frozen=True)
class RenderedPage:
    html: str
    reads: tuple[Any, ...]  # what its templates read besides its context (environment.Reads)


# The theme's macros that templates call as globals (render_picture(...), not an import on each page).
PARTIAL_MACROS = {"render_picture": ("partials/picture.html", "picture"),
                  "pagination": ("partials/pagination.html", "pagination"),
                  "age_filter": ("partials/age-filter.html", "age_filter")}


class Cards:
    """``card(post, first=false, level=2)`` for templates: the macro of ``partials/card.html`` (the
    site's own, if it has one), rendered once per post and arguments in a build: a post's card shows
    on several pages (its listings, other posts' similar exercises), the same HTML on each. A macro
    imported without context sees only its arguments and the globals, so its HTML is the same each
    time it is called with the same ones; what it read besides is recorded with it."""

    def __init__(self, env: jinja2.Environment, reads: Reads) -> None:
        self.env, self.reads = env, reads
        self.made: dict[tuple, tuple[Markup, list[Any]]] = {}

    def __call__(self, post: Any, *args: Any, **kwargs: Any) -> Markup:
        # Keyed with the arguments' types too, as True and 1 are equal keys; the post by its identity
        # (its id: posts are held by the site for the whole build, so an id is never reused).
        named = tuple(sorted(kwargs.items()))  # (level=3, first=false is first=false, level=3)
        called = (id(post), args, named, tuple(map(type, (*args, *(value for _, value in named)))))
        try:
            found = self.made.get(called)
        except TypeError:  # an argument that cannot be a key: made each time
            return self._macro()(post, *args, **kwargs)
        if found is None:
            log = self.reads.log
            start = len(log) if log is not None else 0
            html = self._macro()(post, *args, **kwargs)
            found = self.made[called] = (html, log[start:] if log is not None else [])
        elif self.reads.log is not None:
            self.reads.log.extend(found[1])
        return found[0]

    def _macro(self) -> Any:
        return partial_macro(self.env, "partials/card.html", "card")


def partial_macro(env: jinja2.Environment, template: str, name: str) -> Any:
    """A macro of a partial template (the site's own, if it has one), as ``{% from template import
    name %}`` gives it: made without the page's context."""
    macro = getattr(env.get_template(template).module, name, None)
    if macro is None:  # Jinja's own words, as an import of it would say
        raise jinja2.UndefinedError(f"the template {template!r} does not export the requested name {name!r}")
    return macro


def partial_macros(env: jinja2.Environment, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Globals calling the theme's macros: a ``{% from %}`` in each page template compared the page's
    globals with the partial's on every page, in Jinja's Python-level set code."""
    def calling(template: str, name: str) -> Any:
        return lambda *args, **kwargs: partial_macro(env, template, name)(*args, **kwargs)
    return {global_name: calling(*where) for global_name, where in names.items()}


class Renderer:
    """Renders the pages of one site; holds its Markdown renderers, image plans and share plans."""

    def __init__(self, site: Site, theme: Theme, plans: dict[Path, ImagePlan], today: dt.date, drafts: bool,
                 preview: bool = False, guide: Guide | None = None) -> None:
        """``site``: one language of ``guide`` (the whole site; just ``site`` when not given)."""
        self.site, self.theme, self.plans = site, theme, plans
        self.guide = guide or Guide((site,))
        self.links: LinkMap | None = None  # set once every page of the site is known (build.link_pages)
        self.today, self.drafts, self.preview = today, drafts, preview
        config = site.config
        self.urls = Urls(config.base_url, config.base_path, config.prefix)
        self.md = MarkdownRenderer(config.markdown_raw_html)
        # Front-matter fields, bios and disclaimers: raw HTML only when site.yaml says so twice.
        in_fields = config.markdown_raw_html and config.markdown_raw_html_in_fields
        self.fields_md = self.md if in_fields == config.markdown_raw_html else MarkdownRenderer(in_fields)
        self.bands = age_bands(site)
        self.shares: dict[str, SharePlan] = plan_shares(site, plans) if config.share_images else {}
        self.words = translations(config.language, theme.catalogs)
        self.wording = wording(config.language, self.words)
        self.seo = Seo(site, self.urls, plans, self.shares, self.fields_md, self.wording)  # steps' text: rendered once
        self.reads = Reads()
        self.env = make_environment(theme.template_folders, theme.templates, self.wording, self.reads)
        self.scripts: dict[tuple[str, ...], Markup] = {}
        self.env.globals.update(
            age_bands=[RecordedBand(band, self.reads, age_label(band, self.wording)) for band in self.bands],
            authors=site.authors, config=config, urls=self.urls, asset=self.asset,
            picture=self.picture, absolute_image=self.seo.image, markdown=self.fields_md.block,
            inline=self.fields_md.inline, build_drafts=drafts, card=Cards(self.env, self.reads),
            text_direction=text_direction(config.language), language_name=language_name,
            script_strings=self.script_strings, offline=offline_reading(config), tag_label=site.tag_label,
            **partial_macros(self.env, PARTIAL_MACROS))
        self.compile_templates()

    def compile_templates(self) -> None:
        """Every page template compiled now, once (before workers fork: they share it), its syntax
        errors reported at their file and line, all of them."""
        problems = []
        for name in self.env.list_templates(filter_func=lambda name: name.endswith((".html", ".xml"))):
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                where = shown_path(Path(exc.filename), self.site.root) if exc.filename else f"templates/{name}"
                problems.append(Problem(where, exc.lineno or 0, "", f"{exc.message}; fix the template's syntax"))
            except UnicodeDecodeError:
                problems.append(Problem(f"templates/{name}", 0, "", "is not UTF-8 text; save it as UTF-8 in your "
                                        "editor (often 'Save with encoding')"))
        if problems:
            raise SiteError(problems)

    @cached_property
    def similar(self) -> tuple[tuple[int, ...], ...]:
        """Each post's similar exercises (a rebuild may set the last build's, made from the same inputs)."""
        return similar_exercises(self.site.posts, self.site.config.related_posts)

    def pages(self) -> list[Page]:
        """Every page of this language."""
        return Pages(self.site, self.urls, self.bands, self.similar, self.today, self.wording).all()

    def site_pages(self, pages: list[Page]) -> list[Page]:
        """The pages the whole site has once; the service worker; last, the sitemap of ``pages``, every
        language's."""
        worker = [Page(WORKER, "sw.js", self.worker_context(), "templates/sw.js")] \
            if offline_reading(self.site.config) else []
        return shared_pages() + worker + [Page(SITEMAP, "sitemap.xml", {"entries": self.seo.sitemap_entries(pages)},
                                               "templates/sitemap.xml")]

    def worker_context(self) -> dict[str, Any]:
        """What templates/sw.js is made with (render/offline.py): its version, its scope (the base
        path), what it keeps at once (every language's offline page and what it loads), each
        language's folder and offline page, and the folders whose files are named by content."""
        base = self.site.config.base_path
        folders = sorted((base + site.config.prefix for site in self.guide.sites), key=len, reverse=True)
        offline = [[folder, folder + address(OFFLINE_PAGE)] for folder in folders]
        return {"version": worker_version(self.guide, self.theme), "scope": base,
                "precache": [page for _, page in offline] + [self.asset(rel) for rel in PRECACHED_ASSETS],
                "offline": offline, "hashed": [base + folder for folder in HASHED_FOLDERS],
                "search": base + "pagefind/" if self.site.config.search else base + "pagefind/none/"}

    def with_alternates(self, page: Page, found: Alternates) -> Page:
        """The page with the address of each of its versions in the site's languages (hreflang,
        the language switcher), and x-default: the default language's. Nothing for a one-language site."""
        if len(self.guide.sites) == 1:
            return page
        versions = found.get(same_page(page, self.site.config.prefix), ())
        if len(versions) < 2:  # in this language only: nothing to point to
            return page
        links = tuple((code, self.urls.page_absolute(path)) for code, path in versions)
        default = [href for code, href in links if code == self.guide.default.config.language]
        return replace(page, context=page.context | {"alternates": links + tuple(("x-default", href)
                                                                                    for href in default)})

    # --- globals ---------------------------------------------------------------------------

    def asset(self, rel: str) -> str:
        return self.urls.shared(self.theme.asset_names.get(rel, f"static/{rel}"))

    def script_strings(self, *scripts: str) -> Markup:
        """The words of ``scripts`` (static/js/ paths) in this language, as the JSON they read from the
        page: only the messages they mark, only where a translation differs from their English."""
        found = self.scripts.get(scripts)
        if found is None:
            messages = [message for rel in scripts for message in script_messages(self.script_source(rel))]
            strings = script_strings(dict.fromkeys(messages), self.wording)
            found = self.scripts[scripts] = Markup(
                f'<script type="application/json" id="strings">{json_ld(strings)}</script>\n' if strings else "")
        return found

    def script_source(self, rel: str) -> bytes:
        source = self.theme.assets.get(self.theme.asset_names.get(rel, ""))
        return source[0].read_bytes() if source else b""

    def picture(self, ref: ImageRef | None) -> Picture | None:
        if ref is None:
            return None
        return picture(self.plans[ref.source], ref.alt, self.urls.image)

    # --- rendering -------------------------------------------------------------------------

    def render(self, page: Page) -> RenderedPage:
        self.reads.log = []
        try:
            html = self.env.get_template(page.template).render(self.full_context(page))
            if self.links is not None and page.template == "post.html":
                html = rewrite_links(html, self.links, page.origin, self.reads.record)
            return RenderedPage(html, tuple(dict.fromkeys(self.reads.log)))
        finally:
            self.reads.log = None

    def full_context(self, page: Page) -> dict[str, Any]:
        if page.deferred is None:
            return page.context
        name, args = page.deferred
        return page.context | getattr(self, name)(*args)

    def post_details(self, post: Post, author: Author | None) -> dict[str, Any]:
        """The costly part of a post page: Markdown, and the structured data made from the post."""
        body = self.md.block(post.body)
        return {"body": body, "toc": self.md.toc(),
                "disclaimer": self.fields_md.repeated_block(post.disclaimer or self.site.config.disclaimer),
                **self.seo.post_context(post, author)}  # seo, share_card_url, share_pin_url

    def listing_seo(self, kind: str, *args: Any) -> dict[str, Any]:
        """A listing's structured data (``Seo.home_page``, ``tag_page``...), made when it renders."""
        return {"seo": getattr(self.seo, kind)(*args)}

    # --- what pages are made from, for their keys ----------------------------------------------

    def plan_keys(self, post: Post) -> list[str]:
        return [self.plans[ref.source].key for ref in post.images]

    def read_value(self, read: Any) -> Any:
        """What a recorded read gives in this build: the posts of an age band (RecordedBand), where
        a link to a post's file leads (render/links.py), or a template (ReadingEnvironment)."""
        if read[0] == "age_band":
            band = next((b for b in self.bands if (b.from_months, b.to_months) == read[1:]), None)
            return band.posts if band is not None else None
        if read[0] == "link" and self.links is not None:
            return self.links.rewritten(read[1], read[2])
        if read[0] == "template":
            return self.env.template_digest(read[1])
        raise ValueError(f"unknown read {read!r}")


def text_direction(code: str) -> str:
    """'rtl' for a language written right to left (Arabic, Hebrew...), else 'ltr' (from CLDR, by Babel)."""
    try:
        return Locale.parse(code, sep="-").text_direction
    except (ValueError, UnknownLocaleError):
        return "ltr"


def language_name(code: str) -> str:
    """A language's name in itself, as a language switcher shows it: 'English', 'Español'."""
    try:
        locale = Locale.parse(code, sep="-")
    except (ValueError, UnknownLocaleError):
        return code
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


def template_problem(page: Page, exc: BaseException, root: Path) -> Problem | None:
    """An error raised while rendering ``page``, at the template line where it happened; None if
    no template is in its traceback (then it is a bug of this program, not of a template)."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if filename is None:
        filename, line = _template_frame(exc)
    if filename is None and not isinstance(exc, jinja2.TemplateError):
        return None
    where = shown_path(Path(filename), root) if filename else page.origin
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template '{exc.name}' not found; add it to templates/ or remove the reference"
    elif isinstance(exc, jinja2.UndefinedError):
        message = f"{exc.message}; check the variable's name (while rendering {page.path})"
    elif isinstance(exc, jinja2.TemplateError):
        message = f"{exc.message or 'template error'} (while rendering {page.path})"
    else:
        message = f"{type(exc).__name__}: {exc} (while rendering {page.path})"
    return Problem(where, line or 0, "", message)


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    tb = exc.__traceback__
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".txt")) or name.rsplit("/", 1)[-1].startswith("_headers"):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found
