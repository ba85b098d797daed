"""What machines read: Open Graph and Twitter tags, JSON-LD, and the sitemap's entries.

Everything here is built from the content model (``Post``, ``Step``, ``Review``...),
never written by hand per post, so a new field or a fixed typo reaches every page.
Templates render the results: ``partials/meta.html`` writes the tags and the one
``<script type="application/ld+json">`` (through render.json_ld, which escapes '<',
'>' and '&' so no string can end the script), ``sitemap.xml`` the entries.

Schema.org choices: a post is a ``MedicalWebPage`` (home exercises taught by physical
therapists) whose main entity is a ``HowTo``; it carries what an article's readers look for
(``headline``, ``image``, ``publisher``: the site, as an Organization; ``isBasedOn``: the work
it is adapted from); ``lastReviewed`` and ``reviewedBy`` appear only when the post names a
reviewer. A figure marked ``suggested`` (the team's, from no source) stays out: structured
data cannot carry the caveat the page shows beside it. Times carry a zone: a post is dated
by the day, and a build publishes it from 00:00 UTC that day (``build.today``), so its
moment is that one. The audience is a ``ParentAudience``;
its childMinAge/childMaxAge are left out because schema.org gives them no unit and
the model counts months. ``about`` is left out too: tags are plain words, not typed
schema.org things.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from ..assets.images import ImagePlan
from .markdown import MarkdownRenderer
from ..model import Author, Credit, ImageRef, Post, Site, Step
from ..assets.share import SharePlan
from .wording import Wording, age_label, wording

if TYPE_CHECKING:
    from .pages import Page, Urls

SCHEMA = "https://schema.org"


@dataclass(frozen=True)
class Meta:
    """One <meta>: ``attr`` is "property" (Open Graph) or "name" (Twitter)."""

    attr: str
    key: str
    content: str


@dataclass(frozen=True)
class PageSeo:
    meta: tuple[Meta, ...]
    json_ld: dict[str, Any] | None = None


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: dt.date | None
    alternates: tuple[tuple[str, str], ...] = ()  # (hreflang, address) of each language's version


@dataclass(frozen=True)
class ImageInfo:
    url: str
    width: int
    height: int
    alt: str


class Seo:
    """The machine-readable facts of every page of one site."""

    def __init__(self, site: Site, urls: Urls, plans: dict[Path, ImagePlan], shares: dict[str, SharePlan],
                 md: MarkdownRenderer | None = None, words: Wording | None = None) -> None:
        self.site, self.urls, self.plans, self.shares = site, urls, plans, shares
        self.config = site.config
        self.words = words or wording(site.config.language)  # names people read: crumbs, steps, audience
        # Its own instance: the page renderer's reads the toc of the last body it rendered.
        self.md = md or MarkdownRenderer(site.config.markdown_raw_html and site.config.markdown_raw_html_in_fields)
        self.website_id = urls.absolute() + "#website"

    # --- page contexts -------------------------------------------------------------------

    def post_context(self, post: Post, author: Author | None) -> dict[str, Any]:
        """What a post page's context gets: ``seo`` and the share images' absolute URLs."""
        card, pin = self.share_image(post, "card"), self.share_image(post, "pin")
        return {"seo": self.post_page(post, author), "share_card_url": card.url if card else "",
                "share_pin_url": pin.url if pin else ""}

    def post_page(self, post: Post, author: Author | None) -> PageSeo:
        canonical = self.urls.absolute(f"{post.slug}/")
        card = self.share_image(post, "card")
        meta = [*self._common("article", post.title, post.summary, canonical),
                *(self._image_meta(card) if card else [Meta("name", "twitter:card", "summary")]),
                Meta("property", "article:published_time", iso_moment(post.date)),
                Meta("property", "article:modified_time", iso_moment(post.lastmod)),
                *(Meta("property", "article:tag", self.site.tag_label(tag)) for tag in post.tags)]
        return PageSeo(tuple(meta), self.post_graph(post, author))

    # A listing's description is its own (pages.py: no two pages share one); its image, the share card
    # of its first exercise (``lead``), so a shared link shows a picture.

    def home_page(self, canonical: str, first: bool, description: str, lead: Post | None) -> PageSeo:
        return PageSeo(self._listing_meta(self.config.title, description, canonical, lead),
                       graph(self.website()) if first else None)

    def tag_page(self, tag: str, title: str, canonical: str, description: str, lead: Post | None) -> PageSeo:
        crumbs = [(self.config.title, self.urls.absolute()),
                  (self.words.gettext("All topics"), self.urls.absolute("tags/")),
                  (self.site.tag_label(tag), self.urls.absolute(f"tags/{tag}/"))]
        return self._collection(canonical, title, crumbs, description, lead)

    def tags_page(self, title: str, description: str, lead: Post | None) -> PageSeo:
        canonical = self.urls.absolute("tags/")
        return self._collection(canonical, title, [(self.config.title, self.urls.absolute()), (title, canonical)],
                                description, lead)

    def age_page(self, canonical: str, title: str, description: str, lead: Post | None) -> PageSeo:
        return self._collection(canonical, title, [(self.config.title, self.urls.absolute()), (title, canonical)],
                                description, lead)

    def author_page(self, author: Author, canonical: str, description: str, lead: Post | None) -> PageSeo:
        """A ProfilePage whose main entity is the same Person or Organization (same @id) that posts name
        as author."""
        crumbs = [(self.config.title, self.urls.absolute()), (author.name, self.author_url(author))]
        page = self._page_node("ProfilePage", canonical, author.name, description)
        page["mainEntity"] = {"@id": self.person_id(author)}
        return PageSeo(self._listing_meta(author.name, description, canonical, lead),
                       graph(self.website(), page, breadcrumbs(canonical, crumbs), self.person(author)))

    def _collection(self, canonical: str, title: str, crumbs: list[tuple[str, str]], description: str,
                    lead: Post | None) -> PageSeo:
        page = self._page_node("CollectionPage", canonical, title, description)
        return PageSeo(self._listing_meta(title, description, canonical, lead),
                       graph(self.website(), page, breadcrumbs(canonical, crumbs)))

    def _page_node(self, page_type: str, canonical: str, title: str, description: str) -> dict[str, Any]:
        return {"@type": page_type, "@id": canonical, "url": canonical, "name": title,
                "description": description or self.config.description, "inLanguage": self.config.language,
                "isPartOf": {"@id": self.website_id}, "breadcrumb": {"@id": canonical + "#breadcrumb"}}

    def _listing_meta(self, title: str, description: str, canonical: str, lead: Post | None) -> tuple[Meta, ...]:
        meta = self._common("website", title, description or self.config.description, canonical)
        card = self.share_image(lead, "card") if lead else None
        return (*meta, *(self._image_meta(card) if card else [Meta("name", "twitter:card", "summary")]))

    def _common(self, og_type: str, title: str, description: str, canonical: str) -> list[Meta]:
        return [Meta("property", "og:type", og_type), Meta("property", "og:site_name", self.config.title),
                Meta("property", "og:locale", og_locale(self.config.language)),
                Meta("property", "og:title", title), Meta("property", "og:description", description),
                Meta("property", "og:url", canonical)]

    def _image_meta(self, image: ImageInfo) -> list[Meta]:
        mime = "image/png" if image.url.endswith(".png") else "image/jpeg"  # a hero's fallback may be PNG
        return [Meta("property", "og:image", image.url), Meta("property", "og:image:type", mime),
                Meta("property", "og:image:width", str(image.width)),
                Meta("property", "og:image:height", str(image.height)),
                Meta("property", "og:image:alt", image.alt),
                Meta("name", "twitter:card", "summary_large_image"),
                Meta("name", "twitter:image", image.url), Meta("name", "twitter:image:alt", image.alt)]

    # --- images --------------------------------------------------------------------------

    def share_image(self, post: Post, kind: str) -> ImageInfo | None:
        """The share card or pin; without share images (site.yaml share_images: false), the hero."""
        plan = self.shares.get(post.slug)
        if plan is None:
            return self.image(post.hero) if kind == "card" else None
        image = plan.card if kind == "card" else plan.pin
        alt = f"{post.title}: {post.hero.alt}" if post.hero else post.title
        return ImageInfo(self.urls.shared(f"images/{image.name}", absolute=True), image.width, image.height, alt)

    def image(self, ref: ImageRef | None) -> ImageInfo | None:
        """The largest fallback (JPEG or PNG) variant: what every reader of structured data can open."""
        plan = self.plans.get(ref.source) if ref else None
        if ref is None or plan is None:
            return None
        largest = plan.of_format(plan.fallback)[-1]
        return ImageInfo(self.urls.shared(f"images/{largest.name}", absolute=True), largest.width, largest.height,
                         ref.alt)

    def image_url(self, ref: ImageRef | None) -> str:
        found = self.image(ref)
        return found.url if found else ""

    # --- JSON-LD -------------------------------------------------------------------------

    def website(self) -> dict[str, Any]:
        return {"@type": "WebSite", "@id": self.website_id, "url": self.urls.absolute(), "name": self.config.title,
                "description": self.config.description, "inLanguage": self.config.language}

    @property
    def publisher_id(self) -> str:
        return self.urls.shared("", absolute=True) + "#publisher"

    def publisher(self) -> dict[str, Any]:
        """Who publishes the guide: the site itself, as an Organization (one for every language)."""
        return {"@type": "Organization", "@id": self.publisher_id, "name": self.config.title,
                "url": self.urls.absolute()}

    def post_graph(self, post: Post, author: Author | None) -> dict[str, Any]:
        canonical = self.urls.absolute(f"{post.slug}/")
        crumbs = [(self.config.title, self.urls.absolute()), (post.title, canonical)]
        nodes = [self.website(), self.publisher(), self.medical_page(post, author, canonical),
                 self.how_to(post, author, canonical), breadcrumbs(canonical, crumbs)]
        if author:
            nodes.append(self.person(author))
        return graph(*nodes)

    def medical_page(self, post: Post, author: Author | None, canonical: str) -> dict[str, Any]:
        page: dict[str, Any] = {
            "@type": "MedicalWebPage", "@id": canonical, "url": canonical, "name": post.title,
            "headline": post.title, "description": post.summary, "inLanguage": self.config.language,
            "isPartOf": {"@id": self.website_id}, "breadcrumb": {"@id": canonical + "#breadcrumb"},
            "mainEntity": {"@id": canonical + "#howto"},
            "datePublished": iso_moment(post.date), "dateModified": iso_moment(post.lastmod),
            "audience": {"@type": "ParentAudience", "audienceType": audience_type(post, self.words)},
            "publisher": {"@id": self.publisher_id},
        }
        primary = self.image(post.hero) or self.share_image(post, "card")
        if primary:
            page["primaryImageOfPage"] = {"@id": canonical + "#primaryimage", **image_object(primary)}
            page["image"] = {"@id": canonical + "#primaryimage"}
        if post.tags:
            page["keywords"] = ", ".join(self.site.tag_label(tag) for tag in post.tags)
        if author:
            page["author"] = {"@id": self.person_id(author)}
        review = post.reviewed_by
        if review:
            if review.date:
                page["lastReviewed"] = review.date.isoformat()
            page["reviewedBy"] = {"@type": "Person", "name": review.name}
            if review.credentials:
                page["reviewedBy"]["jobTitle"] = review.credentials
        if post.adapted_from:
            page["isBasedOn"] = credit(post.adapted_from)
        return page

    def how_to(self, post: Post, author: Author | None, canonical: str) -> dict[str, Any]:
        how: dict[str, Any] = {
            "@type": "HowTo", "@id": canonical + "#howto", "name": post.title, "description": post.summary,
            "url": canonical, "inLanguage": self.config.language,
            "datePublished": iso_moment(post.date), "dateModified": iso_moment(post.lastmod),
        }
        if self.image(post.hero) or self.share_image(post, "card"):
            how["image"] = {"@id": canonical + "#primaryimage"}
        if post.dosage and post.dosage.minutes and not post.dosage.suggested:
            how["totalTime"] = iso_minutes(post.dosage.minutes)
        if post.equipment:
            how["supply"] = [{"@type": "HowToSupply", "name": item} for item in post.equipment]
        if author:
            how["author"] = {"@id": self.person_id(author)}
        how["step"] = [self.step(step, canonical) for step in post.steps]
        return how

    def step(self, step: Step, canonical: str) -> dict[str, Any]:
        node: dict[str, Any] = {"@type": "HowToStep", "position": step.number,
                                "name": step.title or self.words.gettext("Step %(num)s", num=step.number),
                                "text": plain_text(str(self.md.inline(step.text))),
                                "url": f"{canonical}#step-{step.number}"}
        image_url = self.image_url(step.image)
        if image_url:
            node["image"] = image_url
        return node

    def person_id(self, author: Author) -> str:
        return self.author_url(author) + ("#organization" if author.organization else "#person")

    def author_url(self, author: Author) -> str:
        return self.urls.absolute(f"authors/{author.key}/")

    def person(self, author: Author) -> dict[str, Any]:
        """The author: a Person, or an Organization for a team (authors.yaml 'organization: true')."""
        node: dict[str, Any] = {"@type": "Organization" if author.organization else "Person",
                                "@id": self.person_id(author), "name": author.name, "url": self.author_url(author)}
        avatar = self.image_url(author.avatar)
        if avatar:
            node["image"] = avatar
        if author.url:
            node["sameAs"] = [author.url]
        return node

    # --- sitemap -------------------------------------------------------------------------

    def sitemap_entries(self, pages: list[Page]) -> list[SitemapEntry]:
        """Every HTML page but the 404, the offline page and drafts, with the date its content last changed."""
        entries = []
        newest = max((p.lastmod for p in self.site.posts), default=None)  # once: pages x posts is slow
        newest_date = max((p.date for p in self.site.posts), default=None)
        for page in pages:
            if not page.path.endswith(".html") or page.template in ("404.html", "offline.html") or \
                    page.context.get("is_draft"):
                continue
            entries.append(SitemapEntry(self.urls.page_absolute(page.path), self.lastmod(page.context, newest, newest_date),
                                        tuple(page.context.get("alternates", ()))))
        return sorted(entries, key=lambda entry: entry.loc)

    def lastmod(self, context: dict[str, Any], newest: dt.date | None,
                newest_date: dt.date | None) -> dt.date | None:
        """A post's own date; a listing's newest post (later pages also change when a new post
        pushes one onto them); any other page the site's newest."""
        post = context.get("post")
        if isinstance(post, Post):
            return post.lastmod
        posts = context.get("posts")
        if posts and all(isinstance(p, Post) for p in posts):
            listed = max(p.lastmod for p in posts)
            if context.get("page_number", 1) > 1:
                listed = max(listed, newest_date)
            return listed
        return newest


# --- pure helpers ---------------------------------------------------------------------------


def graph(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"@context": SCHEMA, "@graph": list(nodes)}


def breadcrumbs(canonical: str, crumbs: list[tuple[str, str]]) -> dict[str, Any]:
    items = [{"@type": "ListItem", "position": n, "name": name, "item": url}
             for n, (name, url) in enumerate(crumbs, start=1)]
    return {"@type": "BreadcrumbList", "@id": canonical + "#breadcrumb", "itemListElement": items}


def image_object(image: ImageInfo) -> dict[str, Any]:
    return {"@type": "ImageObject", "url": image.url, "contentUrl": image.url, "width": image.width,
            "height": image.height, "caption": image.alt}


def iso_minutes(minutes: int) -> str:
    """ISO 8601 duration: 3 -> 'PT3M', 90 -> 'PT1H30M'."""
    hours, rest = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")


def iso_moment(day: dt.date) -> str:
    """A post's day as a moment with its zone: the start of that day in UTC, when a build publishes it."""
    return f"{day.isoformat()}T00:00:00+00:00"


@lru_cache(maxsize=64)  # asked on every page: the locale is parsed once per language
def og_locale(language: str) -> str:
    """Open Graph's ll_CC form: 'en-GB' -> 'en_GB'; a bare language takes the territory CLDR gives it
    as likeliest (Babel's likely subtags): 'en' -> 'en_US', 'es' -> 'es_ES', 'pt' -> 'pt_BR'."""
    try:
        locale = Locale.parse(language, sep="-")
    except (ValueError, UnknownLocaleError):
        return language.replace("-", "_")
    territory = locale.territory if locale.territory and locale.territory.isalpha() else None
    if territory is None:
        likely = get_global("likely_subtags").get(locale.language, "").split("_")
        territory = next((part for part in likely[1:] if len(part) == 2 and part.isalpha()), None)
    return f"{locale.language}_{territory}" if territory else locale.language


def credit(work: Credit) -> dict[str, Any]:
    """schema.org's isBasedOn for the work a post is adapted from (its author's kind is not known:
    a name only, neither Person nor Organization)."""
    node: dict[str, Any] = {"@type": "CreativeWork", "name": work.title, "author": {"name": work.author}}
    if work.site:
        node["isPartOf"] = {"@type": "WebSite", "name": work.site}
    if work.url:
        node["url"] = work.url
    return node


def audience_type(post: Post, words: Wording) -> str:
    label = age_label(post.age, words) if post.age and not post.age.suggested else ""
    return words.gettext("parents of babies aged %(ages)s", ages=label) if label else words.gettext("parents of babies")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(markup: str) -> str:
    """Rendered inline Markdown as the words a reader sees: tags dropped, entities decoded (once)."""
    if "<" not in markup and "&" not in markup:  # most steps: the parser would give the text back
        return " ".join(markup.split())
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.parts).split())
